// The file tools on a real directory under the default policy: what they return, and that listings and
// search (with ripgrep and without) never show what the policy keeps from reading.
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TOOL_LIMITS } from '../../action/run.js';
import {
  editFileTool,
  listFilesTool,
  readFileTool,
  searchWithNode,
  searchWithRipgrep,
  sha256,
  writeFileTool,
} from '../../action/tools/files.js';
import type { ToolContext } from '../../action/tools/types.js';
import { loadDefaultPolicy } from '../../policies/index.js';

const SECRET = 'hunter2-tools-secret';
let ctx: ToolContext;

beforeAll(() => {
  const work = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentgate-tools-')));
  mkdirSync(path.join(work, 'src'));
  mkdirSync(path.join(work, 'config/secrets'), { recursive: true });
  writeFileSync(
    path.join(work, 'src/a.ts'),
    `${Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n')}\n`,
  );
  writeFileSync(path.join(work, 'src/b.ts'), 'const token = "x"; // TODO\nconst y = 2; // TODO\n');
  writeFileSync(path.join(work, '.env'), `PASSWORD=${SECRET}\n`);
  writeFileSync(path.join(work, 'config/secrets/db.txt'), `${SECRET}\n`);
  writeFileSync(path.join(work, 'odd:name.ts'), `${SECRET}\n`);
  symlinkSync('.env', path.join(work, 'src/env-link.ts'));
  ctx = {
    workDir: work,
    policy: loadDefaultPolicy().policy,
    sandbox: undefined,
    testCommand: undefined,
    limits: DEFAULT_TOOL_LIMITS,
  };
});

describe('file tools', () => {
  it('reads numbered lines with offset and limit, and says what is left', async () => {
    const r = await readFileTool.run({ path: 'src/a.ts', offset: 3, limit: 2 }, ctx);
    expect(r.content).toBe('     3\tline 3\n     4\tline 4\n[7 more lines; use offset]');
  });

  it('lists files, leaving out what the policy keeps from reading', async () => {
    const r = await listFilesTool.run({}, ctx);
    const files = r.content.split('\n');
    expect(files).toContain('src/a.ts');
    expect(files).not.toContain('.env');
    expect(files).not.toContain('config/secrets/db.txt');
    expect((await listFilesTool.run({ glob: '*.ts', path: 'src' }, ctx)).content.split('\n')).toEqual([
      'src/a.ts',
      'src/b.ts',
      'src/env-link.ts',
    ]);
  });

  for (const [engine, search] of [
    ['ripgrep', searchWithRipgrep],
    ['node', searchWithNode],
  ] as const) {
    it(`searches with ${engine} and finds nothing the policy keeps from reading`, async () => {
      const todo = await search(ctx, ctx.workDir, 'TODO');
      expect(todo).toEqual({
        lines: ['src/b.ts:1:const token = "x"; // TODO', 'src/b.ts:2:const y = 2; // TODO'],
      });
      const secret = await search(ctx, ctx.workDir, 'hunter2');
      // odd:name.ts is readable and matches; .env, secrets/ and the link to .env never show.
      expect(secret).toEqual({ lines: [`odd:name.ts:1:${SECRET}`] });
      expect(await search(ctx, ctx.workDir, 'line 1', '*.md')).toEqual({ lines: [] });
    });
  }

  it('reports an invalid pattern as an error for the model', async () => {
    expect(await searchWithRipgrep(ctx, ctx.workDir, '(')).toMatchObject({
      error: expect.stringMatching(/^search failed/),
    });
    expect(await searchWithNode(ctx, ctx.workDir, '(')).toMatchObject({
      error: expect.stringMatching(/^invalid pattern/),
    });
  });

  it('writes and edits with before and after hashes, and refuses an ambiguous edit', async () => {
    const w = await writeFileTool.run({ path: 'src/new/c.ts', content: 'a a\n' }, ctx);
    expect(w.changes).toEqual([{ path: 'src/new/c.ts', beforeSha256: null, afterSha256: sha256('a a\n') }]);
    const twice = await editFileTool.run({ path: 'src/new/c.ts', old_string: 'a', new_string: 'b' }, ctx);
    expect(twice).toMatchObject({ isError: true, content: expect.stringContaining('occurs 2 times') });
    const all = await editFileTool.run(
      { path: 'src/new/c.ts', old_string: 'a', new_string: '$&b', replace_all: true },
      ctx,
    );
    expect(all.changes?.[0]).toMatchObject({
      beforeSha256: sha256('a a\n'),
      afterSha256: sha256('$&b $&b\n'),
    });
    expect(readFileSync(path.join(ctx.workDir, 'src/new/c.ts'), 'utf8')).toBe('$&b $&b\n');
  });
});
