// The agent loop end to end: real SDK over HTTP to a scripted server, real git, real sandbox, real policy.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_SESSION } from '../demo/session.js';
import { finalText, type ScriptStep, toolUse } from '../support/messages-server.js';
import { DEMO_REPO, makeRepo, sh } from '../support/repo.js';
import { runScripted, toolResults } from '../support/session.js';

const use = toolUse;
const done = finalText;

describe('agent loop', () => {
  it('runs a multi-turn session: denials, the finish check sends the model back, red then green', async () => {
    const repo = await makeRepo(DEMO_REPO);
    const headBefore = (await sh(repo, 'git', ['rev-parse', 'HEAD'])).trim();
    const { result, server, events } = await runScripted(repo, DEMO_SESSION, { testCommand: 'npm test' });

    expect(server.requests).toHaveLength(DEMO_SESSION.length);
    expect(result.outcome).toBe('completed');
    expect(result.tests.before?.passed).toBe(false);
    expect(result.tests.after?.passed).toBe(true);
    expect(result.deniedCalls.map((d) => d.tool)).toEqual(['read_file', 'run_command']);

    // The early "done" was answered with the failing test output.
    const sentBack = JSON.stringify(server.requests[5]?.body.messages.at(-1));
    expect(sentBack).toContain('You said you were done');
    expect(sentBack).toContain('npm test');

    // Every tool call's decision is in the trace with the rule that decided it.
    const decisions = events.filter((e) => e.type === 'policy.decision');
    expect(decisions.length).toBe(7);
    for (const d of decisions) expect(typeof d.data.ruleId).toBe('string');
    const denied = decisions.filter((d) => d.data.allowed === false).map((d) => d.data.ruleId);
    expect(denied).toHaveLength(2);
    const tests = events.filter((e) => e.type === 'test.run').map((e) => [e.data.phase, e.data.passed]);
    expect(tests).toEqual([
      ['baseline', false],
      ['finish-check', false],
      ['finish-check', true],
    ]);

    // The work is on a new branch in the user's repository; the checkout is untouched.
    expect(result.branch).toMatch(/^agentgate\/fix-the-bug-[0-9a-f]{8}$/);
    expect((await sh(repo, 'git', ['rev-parse', 'HEAD'])).trim()).toBe(headBefore);
    expect((await sh(repo, 'git', ['branch', '--show-current'])).trim()).toBe('main');
    expect(await sh(repo, 'git', ['status', '--porcelain'])).toBe('');
    const onBranch = await sh(repo, 'git', ['show', `${result.branch}:src/price.mjs`]);
    expect(onBranch).toContain('(100 - percent)');
    const patch = readFileSync(result.files.patch, 'utf8');
    expect(patch).toContain('+  return Math.round(cents * (100 - percent) / 100);');
    const saved = JSON.parse(readFileSync(result.files.result, 'utf8'));
    expect(saved).toMatchObject({
      outcome: 'completed',
      branch: result.branch,
      commit: result.commit,
      turns: 9,
    });
    expect(saved.tests.before.passed).toBe(false);
    expect(saved.tests.after.passed).toBe(true);
  });

  it('sends unknown tools and invalid input back to the model as errors and carries on', async () => {
    const repo = await makeRepo(undefined, { 'a.txt': 'hello\n' });
    const { result, server } = await runScripted(repo, [
      use('delete_everything', { path: '.' }),
      use('read_file', { path: 42 }),
      use('edit_file', { path: 'a.txt' }),
      use('read_file', { path: 'a.txt' }),
      done(),
    ]);
    expect(result.outcome).toBe('completed');
    expect(server.requests).toHaveLength(5);
    const r = toolResults(server);
    expect(r[0]).toMatchObject({ is_error: true });
    expect(r[0]?.content).toContain("unknown tool 'delete_everything'");
    expect(r[1]?.content).toMatch(/invalid input for read_file: path/);
    expect(r[2]?.content).toMatch(/invalid input for edit_file/);
    expect(r[3]?.content).toContain('hello');
    expect(r[3]?.is_error).toBeUndefined();
  });

  it('stops at max turns without an extra model call and keeps the work', async () => {
    const repo = await makeRepo(undefined, { 'a.txt': 'one\n' });
    const { result, server } = await runScripted(
      repo,
      [
        use('write_file', { path: 'b.txt', content: 'two\n' }),
        use('list_files', {}),
        use('list_files', {}),
        done(),
      ],
      { budgets: { maxTurns: 2, maxTotalTokens: 1_000_000, maxCostUsd: 10, timeoutMs: 60_000 } },
    );
    expect(server.requests).toHaveLength(2);
    expect(result).toMatchObject({ outcome: 'budget_exhausted', budget: 'turns', turns: 2 });
    expect(result.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(readFileSync(result.files.patch, 'utf8')).toContain('+two');
    expect(await sh(repo, 'git', ['show', `${result.branch}:b.txt`])).toBe('two\n');
  });

  it('stops before a call that could overrun the cost budget', async () => {
    const repo = await makeRepo(undefined, { 'a.txt': 'one\n' });
    const big: ScriptStep = {
      kind: 'message',
      content: [{ type: 'tool_use', name: 'list_files', input: {} }],
      usage: { input_tokens: 100_000, output_tokens: 1000 },
    };
    // claude-sonnet-4-6: $3 in / $15 out per MTok: the first call costs $0.315.
    const { result, server } = await runScripted(repo, [big, big, big], {
      budgets: { maxTurns: 10, maxTotalTokens: 10_000_000, maxCostUsd: 0.5, timeoutMs: 60_000 },
    });
    expect(server.requests).toHaveLength(1);
    expect(result.outcome).toBe('budget_exhausted');
    expect(result.budget).toBe('cost');
    expect(result.costUsd).toBeLessThanOrEqual(0.5);
  });

  it('stops before a call that could overrun the token budget', async () => {
    const repo = await makeRepo(undefined, { 'a.txt': 'one\n' });
    const step: ScriptStep = {
      kind: 'message',
      content: [{ type: 'tool_use', name: 'list_files', input: {} }],
      usage: { input_tokens: 6000, output_tokens: 500 },
    };
    const { result, server } = await runScripted(repo, [step, step, step], {
      budgets: { maxTurns: 10, maxTotalTokens: 15_000, maxCostUsd: 100, timeoutMs: 60_000 },
    });
    expect(server.requests.length).toBeLessThan(3);
    expect(result.budget).toBe('tokens');
    expect(result.usage.inputTokens + result.usage.outputTokens).toBeLessThanOrEqual(15_000);
    // Each call's max_tokens was capped to what the budget had left.
    for (const r of server.requests) expect(r.body.max_tokens).toBeLessThanOrEqual(15_000);
  });

  it('runs the tests once more after a budget stop, so the card has after-evidence', async () => {
    const repo = await makeRepo(undefined, { 'a.txt': 'one\n' });
    const { result, events } = await runScripted(
      repo,
      [use('write_file', { path: 'b.txt', content: 'two\n' }), use('list_files', {}), done()],
      {
        testCommand: 'grep -q two b.txt',
        budgets: { maxTurns: 2, maxTotalTokens: 1_000_000, maxCostUsd: 10, timeoutMs: 60_000 },
      },
    );
    expect(result).toMatchObject({ outcome: 'budget_exhausted', budget: 'turns' });
    expect(result.tests.before?.passed).toBe(false);
    expect(result.tests.after?.passed).toBe(true);
    const tests = events.filter((e) => e.type === 'test.run').map((e) => [e.data.phase, e.data.passed]);
    expect(tests).toEqual([
      ['baseline', false],
      ['after-stop', true],
    ]);
  });

  it('bounds the test run after a stop by its own time limit', async () => {
    const repo = await makeRepo(undefined, { 'a.txt': 'one\n' });
    const t0 = Date.now();
    const { result } = await runScripted(repo, [use('list_files', {}), done()], {
      testCommand: 'test -f started || { touch started; exit 1; }; sleep 30',
      finalTestTimeoutMs: 1000,
      budgets: { maxTurns: 1, maxTotalTokens: 1_000_000, maxCostUsd: 10, timeoutMs: 60_000 },
    });
    expect(result.outcome).toBe('budget_exhausted');
    expect(result.tests.after).toMatchObject({ passed: false, timedOut: true });
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it('ends on the wall-clock limit when the model hangs', async () => {
    const repo = await makeRepo(undefined, { 'a.txt': 'one\n' });
    const { result } = await runScripted(repo, [{ kind: 'hang' }], {
      budgets: { maxTurns: 10, maxTotalTokens: 1_000_000, maxCostUsd: 10, timeoutMs: 1500 },
    });
    expect(result).toMatchObject({ outcome: 'budget_exhausted', budget: 'time' });
  });

  it('ends with a provider error after retries and still writes the result and trace', async () => {
    const repo = await makeRepo(undefined, { 'a.txt': 'one\n' });
    const { result, events } = await runScripted(repo, [
      use('write_file', { path: 'a.txt', content: 'changed\n' }),
      { kind: 'error', status: 500, body: { type: 'error', error: { type: 'api_error', message: 'boom' } } },
      { kind: 'error', status: 500, body: { type: 'error', error: { type: 'api_error', message: 'boom' } } },
    ]);
    expect(result.outcome).toBe('provider_error');
    expect(result.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(events.filter((e) => e.type === 'model.retry')).toHaveLength(1);
    expect(events.at(-1)?.type).toBe('session.end');
    expect(readFileSync(path.join(result.files.patch), 'utf8')).toContain('+changed');
  });
});
