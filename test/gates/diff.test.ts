import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  addedLineTexts,
  computeDiff,
  isAddedLine,
  parseHunks,
  parseNumstat,
  parseRaw,
} from '../../gates/diff.js';
import { DEPENDENCY_FILE_PATHSPECS } from '../../gates/sbom/index.js';
import { listMatching, listTree, readBlobs, resolveCommit, worktreeTree } from '../../lib/git.js';
import { commitEverything, makeRepo, sh } from '../support/repo.js';

function write(dir: string, file: string, text: string | Buffer): void {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
}

describe('the diff between two commits', () => {
  it('lists added, modified, deleted, renamed and binary files with the added line ranges', async () => {
    const long = Array.from(
      { length: 40 },
      (_, i) => `line ${i + 1} of a file long enough to be recognised`,
    ).join('\n');
    const repo = await makeRepo(undefined, {
      'src/a.ts': 'one\ntwo\nthree\nfour\n',
      'old/name.txt': `${long}\n`,
      'gone.txt': 'bye\n',
    });
    const base = (await resolveCommit(repo, 'HEAD')) as string;
    write(repo, 'src/a.ts', 'one\nTWO\nthree\nfour\nfive\nsix\n');
    write(repo, 'new file with spaces.md', 'hello\nworld\n');
    write(repo, 'logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2, 3]));
    rmSync(path.join(repo, 'gone.txt'));
    mkdirSync(path.join(repo, 'new'), { recursive: true });
    renameSync(path.join(repo, 'old/name.txt'), path.join(repo, 'new/name.txt'));
    await commitEverything(repo, 'change');
    const head = (await resolveCommit(repo, 'HEAD')) as string;

    const diff = await computeDiff(repo, base, head);
    const byPath = new Map(diff.files.map((f) => [f.path, f]));
    expect(byPath.get('src/a.ts')).toMatchObject({
      status: 'modified',
      added: [
        [2, 2],
        [5, 6],
      ],
      addedLines: 3,
      deletedLines: 1,
    });
    expect(byPath.get('new file with spaces.md')).toMatchObject({ status: 'added', added: [[1, 2]] });
    expect(byPath.get('logo.png')).toMatchObject({ status: 'added', binary: true, added: [] });
    expect(byPath.get('gone.txt')).toMatchObject({ status: 'deleted', deletedLines: 1 });
    expect(byPath.get('gone.txt')?.oid).toBeUndefined();
    expect(byPath.get('new/name.txt')).toMatchObject({
      status: 'renamed',
      oldPath: 'old/name.txt',
      similarity: 100,
      added: [],
    });
    expect(isAddedLine(byPath.get('src/a.ts') as never, 2)).toBe(true);
    expect(isAddedLine(byPath.get('src/a.ts') as never, 3)).toBe(false);
  });

  it('sees committed, uncommitted and untracked files of the working tree, and not ignored ones', async () => {
    const repo = await makeRepo(undefined, { 'a.txt': 'a\n', '.gitignore': 'ignored.txt\n' });
    const base = (await resolveCommit(repo, 'HEAD')) as string;
    write(repo, 'committed.txt', 'c\n');
    await commitEverything(repo, 'c');
    write(repo, 'a.txt', 'a\nmore\n');
    write(repo, 'untracked/u.txt', 'u\n');
    write(repo, 'ignored.txt', 'i\n');
    const staged = await sh(repo, 'git', ['diff', '--cached', '--name-only']);

    const tree = await worktreeTree(repo);
    const diff = await computeDiff(repo, base, tree);
    expect(diff.files.map((f) => f.path).sort()).toEqual(['a.txt', 'committed.txt', 'untracked/u.txt']);
    // The user's own index is untouched.
    expect(await sh(repo, 'git', ['diff', '--cached', '--name-only'])).toBe(staged);
    expect(await sh(repo, 'git', ['status', '--porcelain'])).toContain('?? untracked/');
  });

  it('reads blobs byte for byte, binary ones included', async () => {
    const bytes = Buffer.from([0, 1, 2, 10, 13, 255, 10]);
    const repo = await makeRepo(undefined, { 'bin.dat': bytes as unknown as string, 'text.txt': 'x\ny\n' });
    const entries = await listTree(repo, 'HEAD');
    const blobs = await readBlobs(
      repo,
      entries.map((e) => e.oid),
    );
    const byPath = new Map(entries.map((e) => [e.path, blobs.get(e.oid)]));
    expect(byPath.get('bin.dat')?.equals(bytes)).toBe(true);
    expect(byPath.get('text.txt')?.toString()).toBe('x\ny\n');
  });
});

describe('finding dependency files in a tree', () => {
  it('lists nested lockfiles and manifests by pathspec, and nothing else', async () => {
    const repo = await makeRepo(undefined, {
      'package.json': '{}',
      'apps/web/package-lock.json': '{}',
      'svc/requirements-dev.txt': 'x\n',
      'svc/requirements/base.txt': 'x\n',
      'go.mod': 'module x\n',
      'src/package.ts': 'x',
      'notes.txt': 'x',
    });
    const found = await listMatching(repo, 'HEAD', DEPENDENCY_FILE_PATHSPECS);
    expect(found.map((e) => e.path).sort()).toEqual([
      'apps/web/package-lock.json',
      'go.mod',
      'package.json',
      'svc/requirements-dev.txt',
      'svc/requirements/base.txt',
    ]);
    expect(found.every((e) => e.mode === '100644' && /^[0-9a-f]{40}$/.test(e.oid))).toBe(true);
  });
});

describe('parsing git diff output', () => {
  it('reads -z raw and numstat records, renames included', () => {
    const raw = `:100644 100644 ${'a'.repeat(40)} ${'b'.repeat(40)} R087\0old name\0new\tname\0:000000 100644 ${'0'.repeat(40)} ${'c'.repeat(40)} A\0x\0`;
    expect(parseRaw(raw).map((f) => [f.status, f.oldPath, f.path, f.similarity])).toEqual([
      ['renamed', 'old name', 'new\tname', 87],
      ['added', undefined, 'x', undefined],
    ]);
    expect(parseNumstat('1\t2\t\0old name\0new\tname\0-\t-\tx\0')).toEqual([
      { added: 1, deleted: 2, binary: false },
      { added: 0, deleted: 0, binary: true },
    ]);
  });

  it('reads hunk headers, including ones without a count and pure deletions', () => {
    const patch = [
      'diff --git a/x b/x',
      '@@ -1 +1 @@',
      '-a',
      '+b',
      '@@ -5,2 +4,0 @@',
      '-c',
      '-d',
      '@@ -9,0 +9,3 @@',
      '+1',
      '+2',
      '+3',
      'diff --git a/y b/y',
      'Binary files differ',
    ].join('\n');
    expect(parseHunks(patch)).toEqual([
      [
        [1, 1],
        [9, 11],
      ],
      [],
    ]);
    expect(addedLineTexts({ added: [[2, 3]] }, 'a\nb\nc\nd')).toEqual([
      [2, 'b'],
      [3, 'c'],
    ]);
  });
});
