// The exact change under review: which files changed and which lines of each were added, from
// `git diff -U0 -M` between two tree-ish objects. Findings are judged new or pre-existing against it.
import { git } from '../lib/git.js';

export type ChangeStatus = 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'typechange';

export interface FileChange {
  /** Path at head; for a deleted file, its path at base. */
  path: string;
  /** Path at base, for renames and copies. */
  oldPath?: string;
  status: ChangeStatus;
  /** Rename/copy similarity, 0–100. */
  similarity?: number;
  binary: boolean;
  /** Blob at head (absent for deletions) and at base (absent for additions). */
  oid?: string;
  oldOid?: string;
  mode: string;
  /** 1-based, inclusive ranges of lines at head that the change added or rewrote. */
  added: [number, number][];
  addedLines: number;
  deletedLines: number;
}

export interface Diff {
  base: string;
  head: string;
  files: FileChange[];
}

const STATUS: Record<string, ChangeStatus> = {
  A: 'added',
  M: 'modified',
  D: 'deleted',
  R: 'renamed',
  C: 'copied',
  T: 'typechange',
};

const ZERO_OID = /^0+$/;
// --ignore-submodules=none: gitlink changes are listed, and no .gitmodules (the change's own, possibly
// malformed) is read to decide which to ignore.
const DIFF_FLAGS = [
  '--no-ext-diff',
  '--no-textconv',
  '--no-color',
  '-M',
  '--abbrev=40',
  '--ignore-submodules=none',
];

/** The diff from `base` to `head` (commits or trees). */
export async function computeDiff(repo: string, base: string, head: string): Promise<Diff> {
  const [raw, numstat, patch] = await Promise.all([
    git(repo, ['diff', ...DIFF_FLAGS, '--raw', '-z', base, head, '--']),
    git(repo, ['diff', ...DIFF_FLAGS, '--numstat', '-z', base, head, '--']),
    git(repo, ['diff', ...DIFF_FLAGS, '-U0', base, head, '--']),
  ]);
  const files = parseRaw(raw.stdout);
  const counts = parseNumstat(numstat.stdout);
  const hunks = parseHunks(patch.stdout);
  if (counts.length !== files.length || hunks.length !== files.length) {
    throw new Error(
      `git diff ${base} ${head}: the raw (${files.length}), numstat (${counts.length}) and patch (${hunks.length}) listings disagree`,
    );
  }
  files.forEach((file, i) => {
    const count = counts[i];
    if (count === undefined) return;
    file.binary = count.binary;
    file.addedLines = count.added;
    file.deletedLines = count.deleted;
    file.added = file.binary || file.status === 'deleted' ? [] : (hunks[i] ?? []);
  });
  return { base, head, files };
}

/** `:oldmode newmode oldoid newoid status NUL path NUL [path NUL]`, repeated. */
export function parseRaw(text: string): FileChange[] {
  const parts = text.split('\0');
  const out: FileChange[] = [];
  let i = 0;
  while (i < parts.length) {
    const meta = parts[i++] ?? '';
    if (meta === '') continue;
    if (!meta.startsWith(':')) throw new Error(`unexpected git diff --raw record '${meta.slice(0, 80)}'`);
    const [, newMode = '', oldOid = '', newOid = '', code = ''] = meta.slice(1).split(' ');
    const status = STATUS[code[0] ?? ''];
    if (status === undefined) throw new Error(`unknown git diff status '${code}'`);
    const first = parts[i++] ?? '';
    const change: FileChange = {
      path: first,
      status,
      binary: false,
      mode: newMode,
      added: [],
      addedLines: 0,
      deletedLines: 0,
    };
    if (!ZERO_OID.test(oldOid)) change.oldOid = oldOid;
    if (!ZERO_OID.test(newOid)) change.oid = newOid;
    if (status === 'renamed' || status === 'copied') {
      change.oldPath = first;
      change.path = parts[i++] ?? '';
      change.similarity = Number(code.slice(1)) || 0;
    }
    out.push(change);
  }
  return out;
}

/** `added TAB deleted TAB path NUL`, or for renames `added TAB deleted TAB NUL old NUL new NUL`; `-` for binary. */
export function parseNumstat(text: string): { added: number; deleted: number; binary: boolean }[] {
  const parts = text.split('\0');
  const out: { added: number; deleted: number; binary: boolean }[] = [];
  let i = 0;
  while (i < parts.length) {
    const record = parts[i++] ?? '';
    if (record === '') continue;
    const [added = '', deleted = '', name = ''] = record.split('\t');
    if (name === '') i += 2; // a rename: the two paths follow
    const binary = added === '-' && deleted === '-';
    out.push({ added: binary ? 0 : Number(added), deleted: binary ? 0 : Number(deleted), binary });
  }
  return out;
}

const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/;

/** The added line ranges of each file block of a `-U0` patch, in order. */
export function parseHunks(patch: string): [number, number][][] {
  const out: [number, number][][] = [];
  let current: [number, number][] | undefined;
  for (const line of patch.split('\n')) {
    if (line.startsWith('diff --git ') || line.startsWith('diff --cc ')) {
      current = [];
      out.push(current);
      continue;
    }
    if (current === undefined || !line.startsWith('@@ ')) continue;
    const m = HUNK.exec(line);
    if (!m) continue;
    const start = Number(m[1]);
    const count = m[2] === undefined ? 1 : Number(m[2]);
    if (count > 0) current.push([start, start + count - 1]);
  }
  return out;
}

export function isAddedLine(change: Pick<FileChange, 'added'>, line: number): boolean {
  for (const [start, end] of change.added) {
    if (line >= start && line <= end) return true;
  }
  return false;
}

/** The added lines of a file as [line number, text] pairs, read from its content at head. */
export function addedLineTexts(change: Pick<FileChange, 'added'>, content: string): [number, string][] {
  if (change.added.length === 0) return [];
  const lines = content.split('\n');
  const out: [number, string][] = [];
  for (const [start, end] of change.added) {
    for (let n = start; n <= end; n++) out.push([n, lines[n - 1] ?? '']);
  }
  return out;
}
