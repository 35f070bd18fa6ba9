// `agentgate flaky` on a fixture repository, inside the default policy's bubblewrap sandbox: the sweep
// finds the order-dependent test, confirmation measures its rate alone, the broken test is named, and
// flaky.json holds what the table says. Bad input is a usage error naming the flag.
import { cpSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { FlakyReport } from '../../action/cli/flaky.js';
import { createAnthropicProvider } from '../../action/llm/anthropic.js';
import type { LLMProvider } from '../../action/llm/types.js';
import { DEFAULT_POLICY_TEXT } from '../../policies/index.js';
import { runCli } from '../support/cli.js';
import { startGitHubFake } from '../support/github-fake.js';
import { finalText, startScriptedServer, toolUse } from '../support/messages-server.js';
import { commitEverything, sh } from '../support/repo.js';
import { runScripted } from '../support/session.js';
import { makeZip } from '../support/zip.js';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

function temp(label: string): string {
  const d = realpathSync(mkdtempSync(path.join(os.tmpdir(), `agentgate-flaky-cli-${label}-`)));
  made.push(d);
  return d;
}

const cli = (argv: string[], provider?: LLMProvider) => runCli(argv, provider ? { provider } : {});

describe('agentgate flaky', () => {
  it('finds, confirms and reports the flaky test of a vitest repository', async () => {
    const repo = temp('repo');
    cpSync(path.join(PROJECT_ROOT, 'test/fixtures/flaky/js-vitest'), repo, { recursive: true });
    await sh(repo, 'git', ['init', '-q', '-b', 'main']);
    await commitEverything(repo, 'initial');
    // The default pack, and this checkout (its vitest runs the fixture) shown read-only.
    const policy = path.join(temp('policy'), 'policy.yml');
    const text = DEFAULT_POLICY_TEXT.replace(/^toolchains:\n/m, `toolchains:\n  - ${PROJECT_ROOT}\n`);
    (await import('node:fs')).writeFileSync(policy, text);
    const out = temp('out');
    const r = await cli([
      'flaky',
      '--repo',
      repo,
      '--framework',
      'vitest',
      '--runner',
      `${process.execPath} ${path.join(PROJECT_ROOT, 'node_modules/vitest/vitest.mjs')}`,
      '--runs',
      '3',
      '--confirm',
      '6',
      '--policy',
      policy,
      '--out',
      out,
    ]);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(readFileSync(path.join(out, 'flaky.json'), 'utf8')) as FlakyReport;
    expect(report.framework).toBe('vitest');
    expect(report.candidates).toHaveLength(1);
    const [c] = report.candidates;
    expect(c?.id).toBe('checkout.test.mjs::cart > applies the discount once');
    expect(c?.sweep).toMatchObject({ runs: 3, failures: 1 });
    expect(c?.confirmation).toMatchObject({ verdict: 'flaky', runs: 6, failures: 2 });
    expect(c?.confirmation.signatures).toHaveLength(1);
    expect(report.broken).toEqual(['checkout.test.mjs::rounds the tax']);
    expect(r.out).toMatch(/alone 2\/6 failed \(33%\) — confirmed flaky/);

    // The fix: a task with the measured rate and signatures, and a proof command for the agent's finish check.
    const fix = c?.fix;
    expect(fix).toBeDefined();
    const task = readFileSync(fix?.taskFile ?? '', 'utf8');
    expect(task).toContain('it failed 2 times (33%)');
    expect(task).toContain('Do not skip, quarantine or delete the test');
    expect(fix?.proofCommand).toMatch(/for i in \$\(seq 1 50\)/);
    expect(r.out).toContain(`--task-file ${fix?.taskFile}`);

    // The agent's session with that proof as its finish check: red at base (the proof stops at the
    // flake), green once a scripted model removes the shared state (and the broken test's bad expectation).
    const proof = (fix?.proofCommand ?? '').replace('seq 1 50', 'seq 1 5').replace(/50 reruns/g, '5 reruns');
    const fixed = readFileSync(path.join(repo, 'checkout.test.mjs'), 'utf8')
      .replace(/const stale = run % 3 === 0;/, 'const stale = run < 0;')
      .replace('toBe(0.31)', 'toBe(0.3)');
    const session = await runScripted(
      repo,
      [toolUse('write_file', { path: 'checkout.test.mjs', content: fixed }), finalText()],
      { policyText: text, testCommand: proof, task },
    );
    expect(session.result.outcome).toBe('completed');
    expect(session.result.tests.before).toMatchObject({ passed: false });
    expect(session.result.tests.before?.outputTail).toMatch(
      /flaky proof: failed on rerun \d after \d passes/,
    );
    expect(session.result.tests.after).toMatchObject({ passed: true });
    expect(session.result.tests.after?.outputTail).toMatch(/flaky proof: 5\/5 reruns passed/);

    // A "fix" that only skips the test exits 0 on every rerun, and is refused by the proof.
    const skipped = fixed.replace(
      "test('applies the discount once'",
      "test.skip('applies the discount once'",
    );
    const quarantined = await runScripted(
      repo,
      [toolUse('write_file', { path: 'checkout.test.mjs', content: skipped }), finalText(), finalText()],
      { policyText: text, testCommand: proof, task, maxVerifyAttempts: 1 },
    );
    expect(quarantined.result.outcome).toBe('tests_failed');
    expect(quarantined.result.tests.after?.outputTail).toMatch(
      /flaky proof: rerun 1 reported the test as not run \(skipped\?\): skipping it is not a fix/,
    );
  }, 120_000);

  it('with --fix, runs the agent on the confirmed test and keeps the before/after evidence', async () => {
    const repo = temp('fix-repo');
    cpSync(path.join(PROJECT_ROOT, 'test/fixtures/flaky/js-vitest'), repo, { recursive: true });
    await sh(repo, 'git', ['init', '-q', '-b', 'main']);
    await commitEverything(repo, 'initial');
    const policy = path.join(temp('fix-policy'), 'policy.yml');
    (await import('node:fs')).writeFileSync(
      policy,
      DEFAULT_POLICY_TEXT.replace(/^toolchains:\n/m, `toolchains:\n  - ${PROJECT_ROOT}\n`),
    );
    const fixed = readFileSync(path.join(repo, 'checkout.test.mjs'), 'utf8')
      .replace(/const stale = run % 3 === 0;/, 'const stale = run < 0;')
      .replace('toBe(0.31)', 'toBe(0.3)');
    const server = await startScriptedServer([
      toolUse('write_file', { path: 'checkout.test.mjs', content: fixed }),
      finalText(),
    ]);
    try {
      const provider = createAnthropicProvider({
        apiKey: 'sk-ant-test-0000000000000000',
        baseURL: server.url,
        timeoutMs: 5000,
        maxRetries: 1,
        backoff: { initialMs: 1, maxMs: 5 },
      });
      const out = temp('fix-out');
      const r = await cli(
        [
          'flaky',
          ...['--repo', repo, '--framework', 'vitest', '--policy', policy, '--out', out],
          ...['--runner', `${process.execPath} ${path.join(PROJECT_ROOT, 'node_modules/vitest/vitest.mjs')}`],
          ...['--runs', '3', '--confirm', '6', '--fix', '--fix-reruns', '5'],
          // The fix's session is a fresh clone: it runs the same setup as the hunt's.
          ...['--setup', 'mkdir -p node_modules && echo ok > node_modules/.setup'],
        ],
        provider,
      );
      expect(r.code, r.err).toBe(0);
      const report = JSON.parse(readFileSync(path.join(out, 'flaky.json'), 'utf8')) as FlakyReport;
      const session = report.candidates[0]?.fix?.session;
      expect(session).toMatchObject({
        outcome: 'completed',
        branch: expect.stringMatching(/^agentgate\/flaky-/),
      });
      const evidence = readFileSync(session?.evidence ?? '', 'utf8');
      expect(evidence).toContain('| before (base) | 6 | 2/6 failed |');
      expect(evidence).toContain('| after (this PR) | 5 | 5/5 passed, then the whole suite passed |');
      // The agent's branch is in the repository, with the fix.
      expect(await sh(repo, 'git', ['show', `${session?.branch}:checkout.test.mjs`])).toContain('run < 0');
      expect(r.out).toMatch(/fixed\? .*: completed on agentgate\/flaky-/);
      expect(JSON.parse(readFileSync(session?.result ?? '', 'utf8'))).toMatchObject({
        setup: { command: 'mkdir -p node_modules && echo ok > node_modules/.setup', passed: true },
      });
    } finally {
      await server.close();
    }
  }, 120_000);

  it('takes candidates from the Actions history and confirms them without a sweep', async () => {
    const repo = temp('history-repo');
    cpSync(path.join(PROJECT_ROOT, 'test/fixtures/flaky/js-vitest'), repo, { recursive: true });
    await sh(repo, 'git', ['init', '-q', '-b', 'main']);
    await commitEverything(repo, 'initial');
    const policy = path.join(temp('history-policy'), 'policy.yml');
    (await import('node:fs')).writeFileSync(
      policy,
      DEFAULT_POLICY_TEXT.replace(/^toolchains:\n/m, `toolchains:\n  - ${PROJECT_ROOT}\n`),
    );
    const gh = await startGitHubFake({ owner: 'acme', repo: 'widgets' });
    try {
      // The test failed on attempt 1 and passed on attempt 2 of the same commit, as CI's JUnit reports say.
      const report = (failed: boolean) =>
        `<testsuites><testsuite name="checkout.test.mjs"><testcase classname="checkout.test.mjs" name="cart &gt; applies the discount once" time="0.01">${failed ? '<failure message="stale cache"/>' : ''}</testcase></testsuite></testsuites>`;
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      gh.state.workflowRuns.push({
        id: 9001,
        name: 'CI',
        workflow_id: 1,
        path: '.github/workflows/ci.yml',
        head_sha: 'e'.repeat(40),
        head_branch: 'main',
        event: 'push',
        run_number: 3,
        created_at: now,
        attempts: [
          { conclusion: 'failure', jobs: [{ name: 'test', conclusion: 'failure' }] },
          { conclusion: 'success', jobs: [{ name: 'test', conclusion: 'success' }] },
        ],
        artifacts: [
          { id: 9002, name: 'junit', zip: makeZip([{ name: 'a.xml', data: report(true) }]) },
          { id: 9003, name: 'junit', zip: makeZip([{ name: 'a.xml', data: report(false) }]) },
        ],
      });
      const out = temp('history-out');
      const r = await runCli(
        [
          'flaky',
          ...['--repo', repo, '--framework', 'vitest', '--policy', policy, '--out', out],
          ...['--runner', `${process.execPath} ${path.join(PROJECT_ROOT, 'node_modules/vitest/vitest.mjs')}`],
          ...['--runs', '0', '--history', 'acme/widgets', '--days', '3', '--confirm', '6'],
        ],
        { env: { ...process.env, GITHUB_TOKEN: 'ghs_test', GITHUB_API_URL: gh.url } },
      );
      expect(r.code, r.err).toBe(0);
      const flaky = JSON.parse(readFileSync(path.join(out, 'flaky.json'), 'utf8')) as FlakyReport;
      expect(flaky.sweep.runs).toBe(0);
      expect(flaky.candidates).toEqual([
        expect.objectContaining({
          id: 'checkout.test.mjs::cart > applies the discount once',
          source: 'history (rerun, junit)',
          sweep: { runs: 2, failures: 1, rate: 0.5 },
          confirmation: expect.objectContaining({ verdict: 'flaky', runs: 6, failures: 2 }),
        }),
      ]);
      expect(gh.violations).toEqual([]);
    } finally {
      await gh.close();
    }
  }, 120_000);

  it('names the flag at fault', async () => {
    expect(await cli(['flaky', '--runs', '0'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--runs: expected a whole number >= 1/),
    });
    expect(await cli(['flaky', '--framework', 'mocha'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--framework: expected one of vitest, jest, pytest, go/),
    });
    const notRepo = temp('plain');
    expect(await cli(['flaky', '--repo', notRepo])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--repo: .* is not a git repository/),
    });
  });
});
