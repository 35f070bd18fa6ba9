// File tools: read_file, list_files, search, write_file, edit_file.
// Paths were already checked by the policy gate; results are filtered again so listings and search
// matches never reveal files the policy denies reading.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import { z } from 'zod';
import { execFile } from '../../lib/exec.js';
import { invisibleNote, revealInvisible } from '../../lib/unicode.js';
import { evaluate, type Policy } from '../../policies/index.js';
import { boundByDeadline } from '../deadline.js';
import { readRegularFile, requireType, writeRegularFile } from '../guards/file-types.js';
import { resolveInside } from '../guards/paths.js';
import type { FileChange, Tool, ToolContext, ToolResult } from './types.js';

const MAX_LIST_ENTRIES = 2000;
const MAX_SEARCH_MATCHES = 500;
const DEFAULT_READ_LINES = 2000;
const SKIP_DIRS = new Set(['.git', 'node_modules']);

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function resolved(ctx: ToolContext, p: string): { abs: string; rel: string } {
  const r = resolveInside(ctx.workDir, p);
  if (!r.ok) throw new Error(r.reason);
  return r;
}

function readable(policy: Policy, rel: string): boolean {
  return evaluate(policy, { kind: 'read', path: rel }).allowed;
}

export function bound(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n[truncated: showing ${max} of ${text.length} characters]`;
}

/**
 * File text as the model sees it: invisible Unicode shown as `\u{XXXX}` escapes (nothing is hidden in
 * what it reads), bounded, and a note under it saying how many escapes it holds.
 */
function shownText(text: string, max: number): string {
  const r = revealInvisible(text);
  const note = invisibleNote(r);
  return note ? `${bound(r.text, max)}\n${note}` : bound(text, max);
}

/** Matches repository-relative paths against the model's glob; a glob without '/' matches base names. */
function globMatcher(glob: string | undefined): (file: string) => boolean {
  return glob ? picomatch(glob, { dot: true, matchBase: !glob.includes('/') }) : () => true;
}

async function hashOrNull(abs: string): Promise<string | null> {
  try {
    return sha256(await readRegularFile(abs, abs));
  } catch {
    return null;
  }
}

const readFileInput = z.object({
  path: z.string().describe('File path relative to the repository root.'),
  offset: z.number().int().min(1).optional().describe('First line to read (1-based).'),
  limit: z.number().int().min(1).optional().describe('Number of lines to read.'),
});

export const readFileTool: Tool<typeof readFileInput> = {
  name: 'read_file',
  description:
    'Read a text file from the repository. Lines are returned numbered. Use offset/limit for large files.',
  inputSchema: readFileInput,
  requests: (i) => ({ read: [i.path] }),
  async run(i, ctx): Promise<ToolResult> {
    const { abs } = resolved(ctx, i.path);
    // A FIFO, socket or device (or a link to one) is refused, not read: it could block for ever.
    const buf = await readRegularFile(abs, i.path);
    if (buf.subarray(0, 8000).includes(0)) {
      return { content: `${i.path} is a binary file (${buf.length} bytes)`, isError: true };
    }
    const lines = buf.toString('utf8').split('\n');
    const start = (i.offset ?? 1) - 1;
    const count = i.limit ?? DEFAULT_READ_LINES;
    const slice = lines.slice(start, start + count);
    const body = slice.map((l, n) => `${String(start + n + 1).padStart(6)}\t${l}`).join('\n');
    const more =
      start + count < lines.length ? `\n[${lines.length - start - count} more lines; use offset]` : '';
    return { content: shownText(body + more, ctx.limits.maxResultChars) };
  },
};

const listFilesInput = z.object({
  path: z.string().optional().describe('Directory relative to the repository root (default: the root).'),
  glob: z.string().optional().describe('Only list files matching this glob, e.g. "**/*.ts".'),
});

async function walk(root: string, dir: string, out: string[], limit: number): Promise<void> {
  if (out.length >= limit) return;
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (out.length >= limit) return;
    const abs = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) await walk(root, abs, out, limit);
    } else if (e.isFile() || e.isSymbolicLink()) {
      out.push(path.relative(root, abs).split(path.sep).join('/'));
    }
  }
}

export const listFilesTool: Tool<typeof listFilesInput> = {
  name: 'list_files',
  description:
    'List files under a directory of the repository (recursive; .git and node_modules are skipped).',
  inputSchema: listFilesInput,
  requests: (i) => ({ read: [i.path ?? '.'] }),
  async run(i, ctx): Promise<ToolResult> {
    const { abs } = resolved(ctx, i.path ?? '.');
    await requireType(abs, i.path ?? '.', 'directory');
    const found: string[] = [];
    await walk(ctx.workDir, abs, found, MAX_LIST_ENTRIES * 4);
    const match = globMatcher(i.glob);
    const files = found.filter((f) => match(f) && readable(ctx.policy, f));
    const shown = files.slice(0, MAX_LIST_ENTRIES);
    const note = files.length > shown.length ? `\n[${files.length - shown.length} more files not shown]` : '';
    return {
      content: bound(shown.length ? shown.join('\n') + note : '(no files)', ctx.limits.maxResultChars),
    };
  },
};

const searchInput = z.object({
  pattern: z.string().min(1).describe('Regular expression to search for.'),
  path: z.string().optional().describe('Directory or file to search (default: the repository root).'),
  glob: z.string().optional().describe('Only search files matching this glob.'),
});

let rgAvailable: boolean | undefined;
async function hasRipgrep(): Promise<boolean> {
  if (rgAvailable === undefined) {
    rgAvailable = await execFile('rg', ['--version'], { timeoutMs: 5000 }).then(
      (r) => r.exitCode === 0,
      () => false,
    );
  }
  return rgAvailable;
}

/** Matching lines as `path:line:text`, or an error message for the model. */
export type SearchOutcome = { lines: string[] } | { error: string };

/** Search with ripgrep (no symlinks followed, .gitignore honoured); files the policy denies are dropped. */
export async function searchWithRipgrep(
  ctx: ToolContext,
  absPath: string,
  pattern: string,
  glob?: string,
): Promise<SearchOutcome> {
  // --null ends each file name with NUL, so a name with ':' in it cannot pass for another file.
  const args = ['--null', '--line-number', '--no-heading', '--color', 'never', '--hidden', '--glob', '!.git'];
  args.push('--max-columns', '400', '--max-count', String(MAX_SEARCH_MATCHES));
  if (glob) args.push('--glob', glob);
  args.push('--regexp', pattern, '--', path.relative(ctx.workDir, absPath) || '.');
  const r = await execFile('rg', args, {
    cwd: ctx.workDir,
    timeoutMs: Math.max(1, boundByDeadline(30_000, ctx).ms),
    maxOutputBytes: 4 * 1024 * 1024,
  });
  if (r.exitCode === 2) return { error: `search failed: ${r.stderr.trim()}` };
  const lines: string[] = [];
  for (const l of r.stdout.split('\n')) {
    const nul = l.indexOf('\0');
    if (nul < 0) continue;
    const file = l.slice(0, nul).replace(/^\.\//, '');
    if (readable(ctx.policy, file)) lines.push(`${file}:${l.slice(nul + 1)}`);
  }
  return { lines };
}

/** The same search without ripgrep (JavaScript regex syntax); a link is searched as what it points to. */
export async function searchWithNode(
  ctx: ToolContext,
  absPath: string,
  pattern: string,
  glob?: string,
): Promise<SearchOutcome> {
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch (e) {
    return { error: `invalid pattern: ${(e as Error).message}` };
  }
  const files: string[] = [];
  const root = ctx.workDir;
  if ((await stat(absPath)).isDirectory()) await walk(root, absPath, files, 50_000);
  else files.push(path.relative(root, absPath).split(path.sep).join('/'));
  const match = globMatcher(glob);
  const lines: string[] = [];
  for (const f of files) {
    if (!match(f)) continue;
    const target = resolveInside(root, f);
    if (!target.ok || !readable(ctx.policy, target.rel)) continue;
    // Not regular (a FIFO, a device, a link to one): skipped unopened.
    const buf = await readRegularFile(target.abs, f).catch(() => undefined);
    if (!buf || buf.subarray(0, 8000).includes(0)) continue;
    const text = buf.toString('utf8').split('\n');
    for (let n = 0; n < text.length && lines.length < MAX_SEARCH_MATCHES; n++) {
      if (re.test(text[n] ?? '')) lines.push(`${f}:${n + 1}:${text[n]}`);
    }
  }
  return { lines };
}

export const searchTool: Tool<typeof searchInput> = {
  name: 'search',
  description:
    'Search file contents with a regular expression (ripgrep syntax). Returns path:line:text matches.',
  inputSchema: searchInput,
  requests: (i) => ({ read: [i.path ?? '.'] }),
  async run(i, ctx): Promise<ToolResult> {
    const { abs } = resolved(ctx, i.path ?? '.');
    await requireType(abs, i.path ?? '.', 'file or directory');
    const search = (await hasRipgrep()) ? searchWithRipgrep : searchWithNode;
    const r = await search(ctx, abs, i.pattern, i.glob);
    if ('error' in r) return { content: r.error, isError: true };
    const shown = r.lines.slice(0, MAX_SEARCH_MATCHES);
    return {
      content: shownText(shown.length ? shown.join('\n') : '(no matches)', ctx.limits.maxResultChars),
    };
  },
};

const writeFileInput = z.object({
  path: z.string().describe('File path relative to the repository root.'),
  content: z.string().describe('The complete new content of the file.'),
});

async function writeChecked(ctx: ToolContext, p: string, content: string): Promise<FileChange> {
  const { abs, rel } = resolved(ctx, p);
  await requireType(abs, p, 'file', { missingOk: true });
  const before = await hashOrNull(abs);
  await mkdir(path.dirname(abs), { recursive: true });
  // Resolve again after creating directories: a directory created above cannot be a link out.
  const again = resolved(ctx, p);
  await writeRegularFile(again.abs, p, content);
  return { path: rel, beforeSha256: before, afterSha256: sha256(content) };
}

export const writeFileTool: Tool<typeof writeFileInput> = {
  name: 'write_file',
  description: 'Create or overwrite a file in the repository with the given content.',
  inputSchema: writeFileInput,
  requests: (i) => ({ write: [i.path] }),
  async run(i, ctx): Promise<ToolResult> {
    const change = await writeChecked(ctx, i.path, i.content);
    const verb = change.beforeSha256 === null ? 'created' : 'wrote';
    return { content: `${verb} ${change.path} (${Buffer.byteLength(i.content)} bytes)`, changes: [change] };
  },
};

const editFileInput = z.object({
  path: z.string().describe('File path relative to the repository root.'),
  old_string: z
    .string()
    .min(1)
    .describe('Exact text to replace; must occur exactly once unless replace_all.'),
  new_string: z.string().describe('Replacement text.'),
  replace_all: z.boolean().optional().describe('Replace every occurrence.'),
});

export const editFileTool: Tool<typeof editFileInput> = {
  name: 'edit_file',
  description: 'Replace exact text in a file. old_string must match exactly once unless replace_all is true.',
  inputSchema: editFileInput,
  requests: (i) => ({ read: [i.path], write: [i.path] }),
  async run(i, ctx): Promise<ToolResult> {
    const { abs } = resolved(ctx, i.path);
    if (!existsSync(abs))
      return { content: `${i.path} does not exist; use write_file to create it`, isError: true };
    const text = (await readRegularFile(abs, i.path)).toString('utf8');
    const count = text.split(i.old_string).length - 1;
    if (count === 0) return { content: `old_string was not found in ${i.path}`, isError: true };
    if (count > 1 && !i.replace_all) {
      return {
        content: `old_string occurs ${count} times in ${i.path}; add context to make it unique or set replace_all`,
        isError: true,
      };
    }
    const next = i.replace_all
      ? text.split(i.old_string).join(i.new_string)
      : text.replace(i.old_string, () => i.new_string);
    const change = await writeChecked(ctx, i.path, next);
    return {
      content: `edited ${change.path} (${i.replace_all ? count : 1} replacement(s))`,
      changes: [change],
    };
  },
};
