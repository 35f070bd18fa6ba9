// The wall clock bounds everything: a FIFO, a socket or a device is refused before it is opened, and a
// command or a test run past the time budget ends the run within the budget plus END_GRACE_MS, with the
// trace closed and result.json written.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEADLINE_STOP_NOTE } from '../../action/deadline.js';
import { DEFAULT_TOOL_LIMITS, END_GRACE_MS, type RunResult } from '../../action/run.js';
import {
  editFileTool,
  listFilesTool,
  readFileTool,
  searchTool,
  searchWithNode,
  searchWithRipgrep,
  writeFileTool,
} from '../../action/tools/files.js';
import type { ToolContext, ToolResult } from '../../action/tools/types.js';
import { DEFAULT_POLICY_TEXT, loadDefaultPolicy } from '../../policies/index.js';
import { finalText, toolUse } from '../support/messages-server.js';
import { makeRepo } from '../support/repo.js';
import { runScripted, type SessionRun, toolResults } from '../support/session.js';

const NO_SANDBOX = DEFAULT_POLICY_TEXT.replace(/^sandbox: bubblewrap$/m, 'sandbox: none');
/** The default policy, and the model may make a FIFO. */
const MKFIFO_ALLOWED = DEFAULT_POLICY_TEXT.replace(/^( +)- jq$/m, '$1- jq\n$1- mkfifo');
const isRoot = process.getuid?.() === 0;

/** A tool call as the loop makes it: a throw becomes an error result. */
async function call<I>(
  tool: { run(i: I, ctx: ToolContext): Promise<ToolResult> },
  input: I,
  ctx: ToolContext,
) {
  try {
    return await tool.run(input, ctx);
  } catch (e) {
    return { content: (e as Error).message, isError: true };
  }
}

describe('special files', () => {
  let ctx: ToolContext;
  let server: net.Server;

  beforeAll(async () => {
    const work = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentgate-special-')));
    writeFileSync(path.join(work, 'a.txt'), 'needle\n');
    execFileSync('mkfifo', [path.join(work, 'pipe')]);
    symlinkSync('pipe', path.join(work, 'pipe-link'));
    symlinkSync('/dev/zero', path.join(work, 'zero'));
    symlinkSync('/dev/stdin', path.join(work, 'stdin'));
    symlinkSync('/proc/self/fd/0', path.join(work, 'fd0'));
    server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(work, 'sock'), resolve));
    // root (as here and in CI containers) can make a device node inside the tree: /dev/zero's numbers.
    if (isRoot) execFileSync('mknod', [path.join(work, 'dev-zero'), 'c', '1', '5']);
    ctx = {
      workDir: work,
      policy: loadDefaultPolicy().policy,
      sandbox: undefined,
      testCommand: undefined,
      limits: DEFAULT_TOOL_LIMITS,
    };
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses to read, write or edit a FIFO, a link to one, a socket or a device', async () => {
    const cases: [string, RegExp][] = [
      ['pipe', /'pipe' is a FIFO \(named pipe\), not a regular file/],
      ['pipe-link', /'pipe-link' is a FIFO \(named pipe\)/],
      ['sock', /'sock' is a socket/],
      ...(isRoot ? [['dev-zero', /'dev-zero' is a character device/] as [string, RegExp]] : []),
    ];
    for (const [p, why] of cases) {
      const read = await call(readFileTool, { path: p }, ctx);
      expect(read).toMatchObject({ isError: true, content: expect.stringMatching(why) });
      const write = await call(writeFileTool, { path: p, content: 'x' }, ctx);
      expect(write).toMatchObject({ isError: true, content: expect.stringMatching(why) });
      const edit = await call(editFileTool, { path: p, old_string: 'a', new_string: 'b' }, ctx);
      expect(edit).toMatchObject({ isError: true, content: expect.stringMatching(why) });
      const list = await call(listFilesTool, { path: p }, ctx);
      expect(list).toMatchObject({ isError: true, content: expect.stringMatching(/not a directory/) });
      const search = await call(searchTool, { pattern: 'x', path: p }, ctx);
      expect(search).toMatchObject({ isError: true, content: expect.stringMatching(why) });
    }
    // Links to devices and to the process's own input lead out of the tree.
    for (const p of ['zero', 'stdin', 'fd0']) {
      const read = await call(readFileTool, { path: p }, ctx);
      expect(read).toMatchObject({ isError: true, content: expect.stringMatching(/outside the repository/) });
    }
    expect(existsSync(path.join(ctx.workDir, 'pipe'))).toBe(true);
  });

  it('searches a tree holding them without opening them', async () => {
    for (const search of [searchWithNode, searchWithRipgrep]) {
      expect(await search(ctx, ctx.workDir, 'needle')).toEqual({ lines: ['a.txt:1:needle'] });
    }
    const list = await call(listFilesTool, {}, ctx);
    expect(list.content.split('\n')).toContain('a.txt');
  });
});

/** Runs a scripted session and measures it from the call to its return. */
async function timed(run: () => Promise<SessionRun>): Promise<SessionRun & { ms: number }> {
  const t0 = performance.now();
  const r = await run();
  return { ...r, ms: performance.now() - t0 };
}

function expectWrittenAndClosed(r: SessionRun): RunResult {
  const saved = JSON.parse(readFileSync(r.result.files.result, 'utf8')) as RunResult;
  expect(saved.outcome).toBe(r.result.outcome);
  expect(r.events.at(-1)?.type).toBe('session.end');
  return saved;
}

describe('the time budget', () => {
  it('a FIFO read returns an error at once and the run carries on to completion (bubblewrap)', async () => {
    const repo = await makeRepo(undefined, { 'a.txt': 'one\n' });
    const r = await timed(() =>
      runScripted(
        repo,
        [
          toolUse('run_command', { command: 'mkfifo pipe && ln -s pipe link' }),
          toolUse('read_file', { path: 'pipe' }),
          toolUse('read_file', { path: 'link' }),
          toolUse('write_file', { path: 'link', content: 'x' }),
          toolUse('write_file', { path: 'b.txt', content: 'two\n' }),
          finalText(),
        ],
        { policyText: MKFIFO_ALLOWED },
      ),
    );
    process.stdout.write(`FIFO session: ${Math.round(r.ms)} ms\n`);
    expect(r.result.outcome).toBe('completed');
    const results = toolResults(r.server);
    expect(results[0]?.is_error).toBeUndefined();
    expect(results[1]).toMatchObject({ is_error: true, content: expect.stringMatching(/'pipe' is a FIFO/) });
    expect(results[2]).toMatchObject({ is_error: true, content: expect.stringMatching(/'link' is a FIFO/) });
    expect(results[3]).toMatchObject({ is_error: true, content: expect.stringMatching(/'link' is a FIFO/) });
    expect(results[4]?.content).toContain('created b.txt');
    expect(expectWrittenAndClosed(r).commit).toMatch(/^[0-9a-f]{40}$/);
    expect(r.ms).toBeLessThan(10_000);
  });

  for (const [mode, policyText] of [
    ['none', NO_SANDBOX],
    ['bubblewrap', undefined],
  ] as const) {
    it(`a command past the budget ends the run within budget + ${END_GRACE_MS / 1000} s (sandbox ${mode})`, async () => {
      const repo = await makeRepo(undefined, { 'a.txt': 'one\n' });
      const budgetMs = 3000;
      const r = await timed(() =>
        runScripted(
          repo,
          [
            toolUse('write_file', { path: 'b.txt', content: 'two\n' }),
            toolUse('run_command', { command: 'sleep 30', timeout_s: 600 }),
            finalText(),
          ],
          {
            ...(policyText ? { policyText } : {}),
            budgets: { maxTurns: 10, maxTotalTokens: 1_000_000, maxCostUsd: 10, timeoutMs: budgetMs },
          },
        ),
      );
      process.stdout.write(`sleep 30 in run_command (${mode}), budget 3 s: ${Math.round(r.ms)} ms\n`);
      expect(r.ms).toBeLessThan(budgetMs + END_GRACE_MS);
      expect(r.result).toMatchObject({ outcome: 'budget_exhausted', budget: 'time' });
      expect(expectWrittenAndClosed(r)).toMatchObject({ outcome: 'budget_exhausted', budget: 'time' });
      // The command was cut by the deadline and says so; the work before it is kept.
      const sleep = r.events.find((e) => e.type === 'tool.result' && e.data.name === 'run_command');
      expect(String(sleep?.data.preview)).toContain(DEADLINE_STOP_NOTE);
      expect(r.server.requests).toHaveLength(2);
      expect(r.result.commit).toMatch(/^[0-9a-f]{40}$/);
    });
  }

  it(`a test command past the budget ends the run within budget + ${END_GRACE_MS / 1000} s`, async () => {
    const repo = await makeRepo(undefined, { 'a.txt': 'one\n' });
    const budgetMs = 3000;
    const r = await timed(() =>
      runScripted(repo, [toolUse('list_files', {}), finalText()], {
        policyText: NO_SANDBOX,
        testCommand: 'sleep 30',
        budgets: { maxTurns: 10, maxTotalTokens: 1_000_000, maxCostUsd: 10, timeoutMs: budgetMs },
      }),
    );
    process.stdout.write(`test command sleep 30, budget 3 s: ${Math.round(r.ms)} ms\n`);
    expect(r.ms).toBeLessThan(budgetMs + END_GRACE_MS);
    expect(r.result).toMatchObject({ outcome: 'budget_exhausted', budget: 'time' });
    expectWrittenAndClosed(r);
    // The baseline took the whole budget. The model was asked beside it and its read ran at once; its
    // finish waited for the baseline, which the deadline cut; the tests ran once more in the grace, cut.
    expect(r.server.requests).toHaveLength(2);
    expect(r.events.find((e) => e.type === 'tool.result')?.data).toMatchObject({
      name: 'list_files',
      isError: false,
    });
    const runs = r.events.filter((e) => e.type === 'test.run').map((e) => e.data);
    expect(runs).toMatchObject([
      { phase: 'baseline', timedOut: true, stoppedByDeadline: true },
      { phase: 'after-stop', timedOut: true },
    ]);
  });
});
