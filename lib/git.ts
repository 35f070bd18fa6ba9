// Git plumbing, always through the one process runner (./exec.ts). Commands run on trees someone else
// wrote (the agent, a pull request) never run hooks or repository-configured programs. Generic reads and
// writes of a repository only; what the agent's work clone does with them is in action/git.ts.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFile } from './exec.js';

export class GitError extends Error {
  constructor(
    message: string,
    readonly args: readonly string[],
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'GitError';
  }
}

/** Settings that stop a repository's own config or hooks from running programs. */
const SAFE = [
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'protocol.file.allow=always',
  '-c',
  'core.quotePath=false',
];

function gitEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // Not GIT_ALTERNATE_OBJECT_DIRECTORIES: a clone run with it leaves out the objects it names, and the
  // clone is then incomplete wherever the variable is not set (the sandbox). See pinAlternates.
  for (const k of ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'SYSTEMROOT']) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  env.GIT_TERMINAL_PROMPT = '0';
  env.GIT_CONFIG_NOSYSTEM = '1';
  return { ...env, ...extra };
}

export interface GitOptions {
  input?: string;
  allowFail?: boolean;
  env?: NodeJS.ProcessEnv;
  binaryStdout?: boolean;
}

export async function git(cwd: string, args: readonly string[], opts: GitOptions = {}) {
  const full = [...SAFE, ...args];
  const r = await execFile('git', full, {
    cwd,
    env: gitEnv(opts.env),
    timeoutMs: 120_000,
    maxOutputBytes: 512 * 1024 * 1024,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
    ...(opts.binaryStdout ? { binaryStdout: true } : {}),
  });
  if (r.exitCode !== 0 && !opts.allowFail) {
    throw new GitError(
      `git ${args.join(' ')} failed (exit ${r.exitCode}): ${r.stderr.trim()}`,
      args,
      r.stderr,
    );
  }
  return r;
}

/**
 * Writes the object directories of GIT_ALTERNATE_OBJECT_DIRECTORIES into the repository's own alternates
 * file (objects/info/alternates), once each. On a warm runner the job's checkout borrows the baked
 * mirror's objects through that variable, which git drops for a local transport's upload-pack: a clone
 * of the checkout would find its history missing. Written down, the borrowing holds for every git.
 * Returns the directories added.
 */
export async function pinAlternates(repo: string, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const wanted = (env.GIT_ALTERNATE_OBJECT_DIRECTORIES ?? '')
    .split(':')
    .filter((d) => path.isAbsolute(d) && existsSync(d));
  if (wanted.length === 0) return [];
  const file = path.resolve(
    repo,
    (await git(repo, ['rev-parse', '--git-path', 'objects/info/alternates'])).stdout.trim(),
  );
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const added = wanted.filter((d) => !text.split('\n').includes(d));
  if (added.length > 0) {
    mkdirSync(path.dirname(file), { recursive: true });
    appendFileSync(file, `${text === '' || text.endsWith('\n') ? '' : '\n'}${added.join('\n')}\n`);
  }
  return added;
}

export async function resolveCommit(dir: string, ref: string): Promise<string | undefined> {
  const r = await git(dir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { allowFail: true });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

export async function isShallow(dir: string): Promise<boolean> {
  const r = await git(dir, ['rev-parse', '--is-shallow-repository'], { allowFail: true });
  return r.stdout.trim() === 'true';
}

export async function toplevel(dir: string): Promise<string | undefined> {
  const r = await git(dir, ['rev-parse', '--show-toplevel'], { allowFail: true }).catch(() => undefined);
  return r?.exitCode === 0 ? r.stdout.trim() : undefined;
}

export async function isGitRepo(dir: string): Promise<boolean> {
  const r = await git(dir, ['rev-parse', '--is-inside-work-tree'], { allowFail: true }).catch(
    () => undefined,
  );
  return r?.exitCode === 0 && r.stdout.trim() === 'true';
}

export async function branchExists(dir: string, branch: string): Promise<boolean> {
  const r = await git(dir, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`], { allowFail: true });
  return r.exitCode === 0;
}

/** A file's content at a commit, or undefined when it does not exist there. */
export async function showFile(dir: string, commit: string, file: string): Promise<string | undefined> {
  const r = await git(dir, ['show', `${commit}:${file}`], { allowFail: true });
  return r.exitCode === 0 ? r.stdout : undefined;
}

/**
 * The working tree as a tree object: committed, uncommitted and untracked (not ignored) files, as
 * `git add -A` would stage them. Uses a private copy of the index, so the user's staging area is
 * untouched; the only trace left is the new blobs in the object store, which `git gc` prunes.
 */
export async function worktreeTree(repo: string): Promise<string> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'agentgate-index-'));
  try {
    const index = path.join(tmp, 'index');
    const own = (
      await git(repo, ['rev-parse', '--path-format=absolute', '--git-path', 'index'])
    ).stdout.trim();
    // Starting from the real index keeps its stat cache, so unchanged files are not re-hashed.
    await copyFile(own, index).catch(() => undefined);
    const env = { GIT_INDEX_FILE: index };
    await git(repo, ['add', '-A', '--', '.'], { env });
    return (await git(repo, ['write-tree'], { env })).stdout.trim();
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export interface TreeEntry {
  path: string;
  mode: string;
  type: string;
  oid: string;
}

/** Every file of a tree (recursively), NUL-separated so no path is misread. */
export async function listTree(repo: string, treeish: string): Promise<TreeEntry[]> {
  const r = await git(repo, ['ls-tree', '-r', '-z', '--full-tree', treeish]);
  const out: TreeEntry[] = [];
  for (const record of r.stdout.split('\0')) {
    if (record === '') continue;
    const tab = record.indexOf('\t');
    const [mode = '', type = '', oid = ''] = record.slice(0, tab).split(' ');
    out.push({ mode, type, oid, path: record.slice(tab + 1) });
  }
  return out;
}

/** Git's well-known empty tree: diffing against it lists a tree's files. */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/**
 * The files of a tree that match pathspecs (glob magic allowed, which `ls-tree` lacks), filtered inside
 * git, so a large tree costs what the matches cost.
 */
export async function listMatching(
  repo: string,
  treeish: string,
  pathspecs: readonly string[],
): Promise<TreeEntry[]> {
  const r = await git(repo, [
    'diff-tree',
    '-r',
    '-z',
    '--raw',
    '--abbrev=40',
    '--no-renames',
    EMPTY_TREE,
    treeish,
    '--',
    ...pathspecs,
  ]);
  const parts = r.stdout.split('\0');
  const out: TreeEntry[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const [, mode = '', , oid = ''] = (parts[i] ?? '').slice(1).split(' ');
    out.push({ mode, type: 'blob', oid, path: parts[i + 1] ?? '' });
  }
  return out;
}

/** Blob contents by object id, in one `git cat-file --batch` process. Missing objects are left out. */
export async function readBlobs(repo: string, oids: readonly string[]): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const unique = [...new Set(oids)];
  if (unique.length === 0) return out;
  const r = await git(repo, ['cat-file', '--batch'], { input: `${unique.join('\n')}\n`, binaryStdout: true });
  const buf = r.stdoutBytes ?? Buffer.alloc(0);
  let at = 0;
  while (at < buf.length) {
    const nl = buf.indexOf(0x0a, at);
    if (nl < 0) break;
    const header = buf.subarray(at, nl).toString('utf8');
    at = nl + 1;
    const [oid = '', kind = '', size = ''] = header.split(' ');
    if (kind === 'missing' || size === '') continue;
    const n = Number(size);
    out.set(oid, buf.subarray(at, at + n));
    at += n + 1; // content, then a newline
  }
  return out;
}

/** Git's own test for binary content: a NUL byte in the first 8000 bytes. */
export function isBinary(content: Buffer): boolean {
  return content.subarray(0, 8000).includes(0);
}
