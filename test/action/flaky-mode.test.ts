// The action's flaky mode end to end, the way a nightly run goes: the real run() on a schedule event
// against a bare git remote, the GitHub API fake (runs, attempts' jobs, artifacts, check runs, PRs,
// labels and issues, every request checked against GitHub's OpenAPI description), the scripted
// Messages server, and the fixture's genuinely order-dependent vitest test in the real sandbox.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { flakyBranch } from '../../action/flaky/nightly.js';
import { execFile } from '../../lib/exec.js';
import { DEFAULT_POLICY_TEXT } from '../../policies/default-pack.js';
import { findCommand } from '../../scripts/system-deps.mjs';
import { MODEL_KEY, makeRemote, OWNER, REPO, remoteBranches, runAction } from '../support/action-harness.js';
import { type ArtifactFake, startArtifactFake } from '../support/artifact-fake.js';
import { type GitHubFake, startGitHubFake } from '../support/github-fake.js';
import {
  finalText,
  type ScriptedServer,
  type ScriptStep,
  startScriptedServer,
  toolUse,
} from '../support/messages-server.js';
import { sh } from '../support/repo.js';
import { makeZip } from '../support/zip.js';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const FIXTURE = path.join(PROJECT_ROOT, 'test/fixtures/flaky/js-vitest');
const FLAKY = 'checkout.test.mjs::cart > applies the discount once';
const VITEST = `${process.execPath} ${path.join(PROJECT_ROOT, 'node_modules/vitest/vitest.mjs')}`;

/** A fixture, with a policy that shows the toolchains that run it (default this checkout, whose vitest runs the suite) read-only. */
function fixtureFiles(
  quarantine: 'allow' | 'deny' = 'deny',
  dir = FIXTURE,
  toolchains: readonly string[] = [PROJECT_ROOT],
): Record<string, string> {
  const files: Record<string, string> = {};
  for (const f of readdirSync(dir)) files[f] = readFileSync(path.join(dir, f), 'utf8');
  files['.github/agentgate.yml'] = DEFAULT_POLICY_TEXT.replace(
    /^toolchains:\n/m,
    `toolchains:\n${toolchains.map((t) => `  - ${t}\n`).join('')}`,
  ).replace(/^ {2}quarantine: deny$/m, `  quarantine: ${quarantine}`);
  return files;
}
const FIXED = readFileSync(path.join(FIXTURE, 'checkout.test.mjs'), 'utf8')
  .replace(/const stale = run % 3 === 0;/, 'const stale = run < 0;')
  .replace('toBe(0.31)', 'toBe(0.3)');
const SKIPPED = readFileSync(path.join(FIXTURE, 'checkout.test.mjs'), 'utf8')
  .replace("test('applies the discount once'", "test.skip('applies the discount once'")
  .replace('toBe(0.31)', 'toBe(0.3)');

const INPUTS = {
  mode: 'flaky',
  'anthropic-api-key': MODEL_KEY,
  'flaky-framework': 'vitest',
  'flaky-runner': VITEST,
  'flaky-runs': '3',
  'flaky-confirm': '6',
  'flaky-fix-reruns': '5',
  'flaky-days': '0',
  engines: 'embedded',
  // A script that runs out of steps answers 500: give up at once rather than retry for minutes.
  'model-retry-minutes': '0.02',
};
const SCHEDULE = { schedule: '17 3 * * *' };

let artifacts: ArtifactFake;
const open: { close(): Promise<void> }[] = [];
beforeAll(async () => {
  artifacts = await startArtifactFake();
});
afterAll(() => artifacts.close());
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

async function github(): Promise<GitHubFake> {
  const fake = await startGitHubFake({ owner: OWNER, repo: REPO, permissions: { 'octo-dev': 'admin' } });
  open.push(fake);
  return fake;
}
async function model(steps: ScriptStep[]): Promise<ScriptedServer> {
  const server = await startScriptedServer(steps);
  open.push(server);
  return server;
}

const VITEST_CASE = 'classname="checkout.test.mjs" name="cart &gt; applies the discount once"';

/** A scheduled night: the action's run on a schedule event with the flaky inputs (and `extra` over them). */
function night(
  workspace: string,
  gh: GitHubFake,
  llm: ScriptedServer,
  extra: Record<string, string> = {},
): ReturnType<typeof runAction> {
  return runAction({
    workspace,
    eventName: 'schedule',
    payload: SCHEDULE,
    inputs: { ...INPUTS, ...extra },
    github: gh,
    artifacts,
    modelUrl: llm.url,
  });
}

/** CI's history: the test failed on attempt 1 and passed on attempt 2 of the same commit (JUnit reports). */
function pushHistory(gh: GitHubFake, id: number, testcase = VITEST_CASE): void {
  const report = (failed: boolean) =>
    `<testsuites><testsuite name="suite"><testcase ${testcase} time="0.01">${failed ? '<failure message="stale cache"/>' : ''}</testcase></testsuite></testsuites>`;
  gh.state.workflowRuns.push({
    id,
    name: 'CI',
    workflow_id: 1,
    path: '.github/workflows/ci.yml',
    head_sha: 'e'.repeat(40),
    head_branch: 'main',
    event: 'push',
    run_number: 3,
    created_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    attempts: [
      { conclusion: 'failure', jobs: [{ name: 'test', conclusion: 'failure' }] },
      { conclusion: 'success', jobs: [{ name: 'test', conclusion: 'success' }] },
    ],
    artifacts: [
      { id: id + 1, name: 'junit', zip: makeZip([{ name: 'a.xml', data: report(true) }]) },
      { id: id + 2, name: 'junit', zip: makeZip([{ name: 'a.xml', data: report(false) }]) },
    ],
  });
}

describe('flaky mode', () => {
  it('finds (history and sweep), confirms, fixes with proof and opens one labelled PR; the next night opens none', async () => {
    const { remote, workspace } = await makeRemote(fixtureFiles());
    const gh = await github();
    pushHistory(gh, 9001);
    const llm = await model([
      toolUse('write_file', { path: 'checkout.test.mjs', content: FIXED }),
      finalText(),
    ]);
    // The setup runs in the hunt's sandbox and again in the fix's session (dependencies are ignored files).
    const first = await night(workspace, gh, llm, {
      'flaky-days': '3',
      'setup-command': 'mkdir -p node_modules && echo ok > node_modules/.setup',
    });
    expect(first.failed, first.stdout.slice(-3000)).toBeUndefined();
    expect(gh.violations).toEqual([]);
    expect(llm.violations).toEqual([]);
    expect(first.outputs.outcome).toBe('hunted');

    // One PR, on the test's own branch, labelled, with the before/after evidence and the reproduction.
    const branch = flakyBranch(FLAKY);
    expect(gh.state.pulls).toHaveLength(1);
    const pr = gh.state.pulls[0];
    expect(first.outputs['pr-number']).toBe(String(pr?.number));
    expect(pr?.head.ref).toBe(branch);
    expect(pr?.labels).toEqual(['ai-authored', 'flaky-fix']);
    expect(gh.state.labels.find((l) => l.name === 'flaky-fix')).toMatchObject({ color: '0e8a16' });
    expect(pr?.title).toBe(`agentgate: fix flaky test ${FLAKY}`);
    const body = pr?.body ?? '';
    expect(body).toContain('### Flaky test: before and after');
    expect(body).toContain('| before (base) | 6 | 2/6 failed |');
    expect(body).toContain('| after (this PR) | 5 | 5/5 passed, then the whole suite passed |');
    expect(body).toMatch(/- 2× `.*stale cache on run <n>/);
    expect(body).toMatch(
      /Reproduce \(the test alone; rerun it to see the flake\): `.*vitest\.mjs run .*checkout\.test\.mjs/,
    );
    expect(body).toContain('**agentgate gates: ✅ pass**');
    expect(body).toMatch(/Setup: `mkdir -p node_modules && echo ok > node_modules\/\.setup` · ✅ exit 0/);
    expect(first.stdout).toMatch(/^setup: mkdir -p node_modules/m);
    // The fix is on the remote branch, and nothing the tests left behind is.
    expect(await remoteBranches(remote)).toEqual(['main', branch].sort());
    expect(await sh(remote, 'git', ['show', `${branch}:checkout.test.mjs`])).toContain('run < 0');
    const files = await sh(remote, 'git', ['diff', '--name-only', 'main', branch]);
    expect(files.trim()).toBe('checkout.test.mjs');

    // The job summary: every candidate, its rates, what happened; the broken test named.
    expect(first.summary).toContain('| `checkout.test.mjs::cart > applies the discount once` |');
    expect(first.summary).toContain('failed (history (rerun, junit))');
    expect(first.summary).toContain('| 2/6 failed (33%) |');
    expect(first.summary).toContain(`fix attempted on \`${branch}\``);
    expect(first.summary).toMatch(/fixed: draft PR #\d+ \(5\/5 reruns passed, suite green\)/);
    expect(first.summary).toContain(
      'Broken in every sweep run (not flaky): `checkout.test.mjs::rounds the tax`',
    );
    const report = JSON.parse(readFileSync(first.outputs['flaky-report'] ?? '', 'utf8'));
    expect(report.candidates[0].fix.session).toMatchObject({ outcome: 'completed', quarantined: false });

    // The second night: the test is still flaky on main, but its PR is open: no model call, no PR.
    const idle = await model([]);
    const second = await night(workspace, gh, idle);
    expect(second.failed, second.stdout.slice(-3000)).toBeUndefined();
    expect(idle.requests).toHaveLength(0);
    expect(gh.state.pulls).toHaveLength(1);
    expect(second.summary).toContain(`skipped: PR #${pr?.number} is open for it`);

    // Closed unmerged, its branch still there: still no second PR.
    if (pr) pr.state = 'closed';
    const third = await night(workspace, gh, idle);
    expect(third.failed).toBeUndefined();
    expect(idle.requests).toHaveLength(0);
    expect(gh.state.pulls).toHaveLength(1);
    expect(third.summary).toContain(`skipped: \`${branch}\` exists`);
    expect(gh.violations).toEqual([]);
  }, 240_000);

  it('a candidate that is not flaky alone at base costs no model call', async () => {
    // The history says the test flaked; at base it is fixed already, so every rerun alone passes.
    const files = fixtureFiles();
    files['checkout.test.mjs'] = FIXED;
    const { workspace } = await makeRemote(files);
    const gh = await github();
    pushHistory(gh, 9101);
    const idle = await model([]);
    const run = await runAction({
      workspace,
      eventName: 'workflow_dispatch',
      payload: { inputs: {}, repository: { default_branch: 'main' } },
      inputs: { ...INPUTS, 'flaky-runs': '0', 'flaky-days': '3' },
      github: gh,
      artifacts,
      modelUrl: idle.url,
    });
    expect(run.failed, run.stdout.slice(-3000)).toBeUndefined();
    expect(idle.requests).toHaveLength(0);
    expect(gh.state.pulls).toHaveLength(0);
    expect(run.summary).toContain('| 0/6 failed (0%) | not reproduced alone: recorded, no model call |');
    expect(gh.violations).toEqual([]);
  }, 120_000);

  it("stays within the night's budget: with no PR left, a confirmed test costs no model call", async () => {
    const { workspace } = await makeRemote(fixtureFiles());
    const gh = await github();
    const idle = await model([]);
    const run = await night(workspace, gh, idle, { 'flaky-max-prs': '0' });
    expect(run.failed, run.stdout.slice(-3000)).toBeUndefined();
    expect(idle.requests).toHaveLength(0);
    expect(gh.state.pulls).toHaveLength(0);
    expect(run.summary).toContain("| 2/6 failed (33%) | skipped: the night's 0 PR(s) are used |");
    expect(run.summary).toContain('Model cost tonight: $0.0000 of $5.00.');
  }, 120_000);

  it('GitHub failing to list the open PRs fails the night closed: no model call, and what it found is kept', async () => {
    const { workspace } = await makeRemote(fixtureFiles());
    const gh = await github();
    gh.fault('pulls/list', [502], { after: 'repeat' });
    const idle = await model([]);
    const run = await night(workspace, gh, idle);
    expect(idle.requests).toHaveLength(0);
    expect(gh.state.pulls).toHaveLength(0);
    expect(run.failed).toMatch(
      /could not list the open PRs and agentgate\/flaky-\* branches, so no fix is attempted \(it could duplicate one\).*502/s,
    );
    expect(run.failed).toMatch(
      /What the night found is in the artifact https:\/\/github\.com\/.*\(flaky\.json/,
    );
    const kept = artifacts.artifacts().find((a) => a.name === 'agentgate-flaky-error-1');
    const report = JSON.parse(kept?.files.get('flaky.json')?.toString('utf8') ?? '{}');
    expect(report.candidates?.[0]).toMatchObject({ id: FLAKY, confirmation: { verdict: 'flaky' } });
  }, 120_000);

  it('a fix that only skips the test is refused: no PR', async () => {
    const { remote, workspace } = await makeRemote(fixtureFiles());
    const gh = await github();
    const llm = await model([
      toolUse('write_file', { path: 'checkout.test.mjs', content: SKIPPED }),
      finalText('Skipped it.'),
      finalText('Skipped it.'),
      finalText('Skipped it.'),
      finalText('Skipped it.'),
    ]);
    const run = await night(workspace, gh, llm);
    expect(run.failed, run.stdout.slice(-3000)).toBeUndefined();
    expect(gh.state.pulls).toHaveLength(0);
    expect(gh.state.issues).toHaveLength(0);
    expect(await remoteBranches(remote)).toEqual(['main']);
    expect(run.summary).toMatch(/no PR: the fix was not proven \(tests_failed/);
    expect(run.stdout).toContain('skipping it is not a fix');
  }, 120_000);

  it('with quarantine allowed by the policy, a skip is published labelled, with a tracking issue, and the gate reports it', async () => {
    const { workspace } = await makeRemote(fixtureFiles('allow'));
    const gh = await github();
    const llm = await model([
      toolUse('write_file', { path: 'checkout.test.mjs', content: SKIPPED }),
      finalText('Could not find the cause; quarantined it.'),
    ]);
    const run = await night(workspace, gh, llm);
    expect(run.failed, run.stdout.slice(-3000)).toBeUndefined();
    expect(gh.violations).toEqual([]);
    // The task said quarantine is allowed.
    expect(JSON.stringify(llm.requests[0]?.body)).toContain('you may quarantine the test');
    const [issue] = gh.state.issues;
    expect(issue?.title).toBe(`Flaky test quarantined: ${FLAKY}`);
    expect(issue?.labels).toEqual(['flaky:quarantined']);
    expect(issue?.body).toContain('| before (base) | 6 | 2/6 failed |');
    const [pr] = gh.state.pulls;
    expect(pr?.labels).toEqual(['ai-authored', 'flaky-fix', 'flaky:quarantined']);
    expect(pr?.body).toContain('### Flaky test quarantined');
    expect(pr?.body).toContain(`Tracking issue: #${issue?.number}.`);
    expect(pr?.body).toContain(
      '| after (this PR) | — | quarantined: the test is skipped, then the whole suite passed |',
    );
    expect(pr?.body).toContain('test-skipped');
    expect(run.summary).toMatch(/quarantined: draft PR #\d+ \(test skipped, suite green\)/);
  }, 120_000);
});

interface Language {
  framework: 'pytest' | 'go';
  dir: string;
  file: string;
  id: string;
  /** The test as CI's JUnit report names it (pytest --junitxml, go-junit-report). */
  testcase: string;
  fix: (text: string) => string;
  setup: () => Promise<{ runner: string; toolchains: string[] }>;
}

const LANGUAGES: Language[] = [
  {
    framework: 'pytest',
    dir: 'py-pytest',
    file: 'test_checkout.py',
    id: 'test_checkout.py::test_applies_discount_once',
    testcase: 'classname="test_checkout.TestCart" name="test_applies_discount_once" file="test_checkout.py"',
    fix: (t) => t.replace('stale = run % 3 == 0', 'stale = run < 0').replace('== 0.31', '== 0.3'),
    setup: async () => {
      // The interpreter itself, not a version manager's shim: its prefixes are the toolchains shown.
      const py = await execFile(
        'python3',
        ['-c', 'import sys; print(sys.executable); print(sys.prefix); print(sys.base_prefix)'],
        { env: process.env },
      );
      const [executable = 'python3', ...prefixes] = py.stdout.trim().split('\n');
      return { runner: `${executable} -m pytest`, toolchains: [...new Set(prefixes.filter(Boolean))] };
    },
  },
  {
    framework: 'go',
    dir: 'go-test',
    file: 'checkout_test.go',
    id: 'example.com/checkout::TestAppliesDiscountOnce',
    testcase: 'classname="example.com/checkout" name="TestAppliesDiscountOnce"',
    fix: (t) => t.replace('stale := run%3 == 0', 'stale := run < 0').replace('got != 0.31', 'got != 0.3'),
    setup: async () => ({ runner: 'go', toolchains: [] }),
  },
];

const hasGo = findCommand('go', process.env.PATH) !== undefined;

describe.each(LANGUAGES)('flaky mode on a $framework repository', (lang) => {
  it.skipIf(lang.framework === 'go' && !hasGo)(
    'finds the test in the history and the sweep, confirms it, and publishes one proven, labelled fix',
    async () => {
      const { runner, toolchains } = await lang.setup();
      const dir = path.join(PROJECT_ROOT, 'test/fixtures/flaky', lang.dir);
      const { remote, workspace } = await makeRemote(fixtureFiles('deny', dir, toolchains));
      const gh = await github();
      pushHistory(gh, 9301, lang.testcase);
      const fixed = lang.fix(readFileSync(path.join(dir, lang.file), 'utf8'));
      const llm = await model([toolUse('write_file', { path: lang.file, content: fixed }), finalText()]);
      const run = await night(workspace, gh, llm, {
        'flaky-framework': lang.framework,
        'flaky-runner': runner,
        'flaky-days': '3',
      });
      expect(run.failed, run.stdout.slice(-3000)).toBeUndefined();
      expect(gh.violations).toEqual([]);
      const branch = flakyBranch(lang.id);
      expect(gh.state.pulls.map((p) => [p.head.ref, p.labels])).toEqual([
        [branch, ['ai-authored', 'flaky-fix']],
      ]);
      const body = gh.state.pulls[0]?.body ?? '';
      expect(body).toContain('| before (base) | 6 | 2/6 failed |');
      expect(body).toContain('| after (this PR) | 5 | 5/5 passed, then the whole suite passed |');
      expect(body).toContain('stale cache on run <n>');
      expect(run.summary).toContain(
        `| \`${lang.id}\` | 1/2 failed (history (rerun, junit)) | 2/6 failed (33%) |`,
      );
      expect((await sh(remote, 'git', ['diff', '--name-only', 'main', branch])).trim()).toBe(lang.file);
    },
    120_000,
  );
});
