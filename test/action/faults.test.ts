// Publication and the required check under faults: real webhook payloads, the action's real run(), and
// faults scripted in front of the GitHub fake, the artifact service and the Messages API. Each test is one
// fault a real run meets; each asserts what exists afterwards and what the job, the outputs, the issue's
// status comment and the summaries say about it.
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_NAME, STICKY_MARKER } from '../../action/constants.js';
import {
  type ActionRun,
  MODEL_KEY,
  makeRemote,
  OWNER,
  REPO,
  type RunActionOptions,
  remoteBranches,
  runAction,
} from '../support/action-harness.js';
import { type ArtifactFake, startArtifactFake } from '../support/artifact-fake.js';
import { type GitHubFake, startGitHubFake } from '../support/github-fake.js';
import {
  finalText,
  type ScriptedServer,
  type ScriptStep,
  startScriptedServer,
  toolUse,
} from '../support/messages-server.js';
import { commitEverything, sh } from '../support/repo.js';
import { webhook } from '../support/webhooks.js';

const FILES = {
  'package.json': '{ "name": "widgets", "version": "1.0.0", "private": true }\n',
  'src/price.js': 'export function total(xs) {\n  return xs.reduce((a, b) => a + b, 1);\n}\n',
  'check.js':
    "import { total } from './src/price.js';\nif (total([1, 2]) !== 3) { console.error('total is wrong'); process.exit(1); }\nconsole.log('ok');\n",
};
const FIX = { path: 'src/price.js', old_string: 'b, 1)', new_string: 'b, 0)' };
const use = (name: string, input: unknown) => toolUse(name, input, { input_tokens: 1200, output_tokens: 80 });
const done = (text = 'Fixed total().') => finalText(text, { input_tokens: 1500, output_tokens: 60 });
const overloaded = (retryAfterS: number): ScriptStep => ({
  kind: 'error',
  status: 529,
  body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
  headers: { 'retry-after': String(retryAfterS) },
});

let artifacts: ArtifactFake;
const open: { close(): Promise<void> }[] = [];
beforeAll(async () => {
  artifacts = await startArtifactFake();
});
afterAll(() => artifacts.close());
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

async function github(issues = [{ number: 7, title: 'Fix total', body: 'It is off by one.' }]) {
  const fake = await startGitHubFake({
    owner: OWNER,
    repo: REPO,
    permissions: { 'octo-dev': 'admin' },
    issues,
  });
  open.push(fake);
  return fake;
}
async function model(steps: ScriptStep[]): Promise<ScriptedServer> {
  const server = await startScriptedServer(steps);
  open.push(server);
  return server;
}

/** issues.labeled, as GitHub sends it: issue 7 labelled `agentgate` by octo-dev. */
const labeled = () =>
  webhook('issues', 'labeled', {
    label: { name: 'agentgate' },
    sender: { login: 'octo-dev' },
    issue: { number: 7, title: 'Fix total', body: 'It is off by one.', user: { login: 'octo-dev' } },
  });

function issueRun(
  workspace: string,
  gh: GitHubFake,
  llm: ScriptedServer,
  extra: Partial<RunActionOptions> & { inputs?: Record<string, string> } = {},
): Promise<ActionRun> {
  return runAction({
    workspace,
    eventName: 'issues',
    payload: labeled(),
    github: gh,
    artifacts,
    modelUrl: llm.url,
    ...extra,
    inputs: { 'anthropic-api-key': MODEL_KEY, 'test-command': 'node check.js', ...extra.inputs },
  });
}

const statusOf = (gh: GitHubFake, issue = 7) => {
  const comments = gh.state.issues.find((i) => i.number === issue)?.comments ?? [];
  expect(comments.length).toBeLessThanOrEqual(1);
  return comments[0]?.body ?? '';
};

/** A fresh checkout of the remote, as a rerun's job gets. */
async function checkout(remote: string): Promise<string> {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'agentgate-rerun-')), 'workspace');
  await sh(os.tmpdir(), 'git', ['clone', '-q', remote, dir]);
  return dir;
}

describe('publication under faults', () => {
  it('labels refused (403) after the PR exists: a warning, the outputs carry the PR, a rerun reuses it', async () => {
    const { remote, workspace } = await makeRemote(FILES);
    const gh = await github();
    for (const op of ['issues/create-label', 'issues/add-labels'])
      gh.fault(op, [{ status: 403, body: { message: 'Resource not accessible by integration' } }], {
        after: 'repeat',
      });
    const first = await issueRun(workspace, gh, await model([use('edit_file', FIX), done()]));
    expect(first.failed).toBeUndefined();
    expect(gh.violations).toEqual([]);
    const pr = gh.state.pulls[0];
    expect(first.outputs['pr-number']).toBe(String(pr?.number));
    expect(first.outputs['pr-url']).toBe(pr?.html_url);
    expect(first.stdout).toMatch(
      /::warning::could not label PR #\d+ .*POST \/repos\/acme\/widgets\/labels.*403/,
    );
    expect(statusOf(gh)).toContain(`✅ Opened ${pr?.html_url}`);
    expect(first.summary).toContain(`Opened pull request #${pr?.number}`);

    // The rerun: a fresh checkout, a new session; the same task's PR takes the new commit.
    const again = await checkout(remote);
    const second = await issueRun(again, gh, await model([use('edit_file', FIX), done('Fixed it again.')]));
    expect(second.failed).toBeUndefined();
    expect(gh.state.pulls).toHaveLength(1);
    expect(second.outputs['pr-number']).toBe(first.outputs['pr-number']);
    expect(second.outputs.branch).toBe(pr?.head.ref);
    expect(await remoteBranches(remote)).toEqual(['main', pr?.head.ref].sort());
    const tip = (await sh(remote, 'git', ['rev-parse', `refs/heads/${pr?.head.ref}`])).trim();
    expect(tip).toBe(second.outputs.commit);
    expect(pr?.body).toContain('Fixed it again.');
    expect(second.stdout).toMatch(/carries this task already: it is updated, not duplicated/);
    expect(gh.violations).toEqual([]);
  });

  it('a rerun leaves alone the task’s PR whose branch has a person’s commit, and says so', async () => {
    const { remote, workspace } = await makeRemote(FILES);
    const gh = await github();
    const first = await issueRun(workspace, gh, await model([use('edit_file', FIX), done()]));
    const branch = first.outputs.branch ?? '';
    // A person pushes a commit onto the agent's branch.
    const person = await checkout(remote);
    await sh(person, 'git', ['checkout', '-q', branch]);
    writeFileSync(path.join(person, 'NOTES.md'), 'reviewed\n');
    await commitEverything(person, 'a reviewer note');
    await sh(person, 'git', ['push', '-q', 'origin', branch]);
    const tip = (await sh(remote, 'git', ['rev-parse', `refs/heads/${branch}`])).trim();

    const again = await checkout(remote);
    const second = await issueRun(again, gh, await model([use('edit_file', FIX), done()]));
    expect(second.failed).toBeUndefined();
    expect(second.stdout).toMatch(
      /has commits that are not the agent's; it is left alone and a new PR is opened/,
    );
    expect((await sh(remote, 'git', ['rev-parse', `refs/heads/${branch}`])).trim()).toBe(tip);
    expect(gh.state.pulls).toHaveLength(2);
    expect(second.outputs.branch).not.toBe(branch);
  });

  it('labels rate-limited for good after the PR exists: a warning naming the call, the job green', async () => {
    const { workspace } = await makeRemote(FILES);
    const gh = await github();
    gh.fault('issues/add-labels', [{ status: 429, headers: { 'retry-after': '0' } }], { after: 'repeat' });
    const run = await issueRun(workspace, gh, await model([use('edit_file', FIX), done()]));
    expect(run.failed).toBeUndefined();
    const pr = gh.state.pulls[0];
    expect(run.outputs['pr-number']).toBe(String(pr?.number));
    expect(run.stdout).toMatch(
      /::warning::could not label PR #\d+ \(GitHub API POST \/repos\/acme\/widgets\/issues\/\d+\/labels failed: HTTP 429 API rate limit exceeded/,
    );
    expect(gh.faultsServed.filter((f) => f.operationId === 'issues/add-labels').length).toBeGreaterThan(0);
  });

  it('the push refused: no PR, the comment says nothing was published, with git’s output fenced and no runner paths', async () => {
    const { remote, workspace } = await makeRemote(FILES);
    const hook = path.join(remote, 'hooks', 'pre-receive');
    writeFileSync(
      hook,
      '#!/bin/sh\necho "branches under agentgate/ are locked by the ruleset" >&2\nexit 1\n',
    );
    chmodSync(hook, 0o755);
    const gh = await github();
    const run = await issueRun(workspace, gh, await model([use('edit_file', FIX), done()]));
    expect(run.failed).toMatch(/publication stopped at the push/);
    expect(run.outputs['pr-number']).toBeUndefined();
    expect(gh.state.pulls).toHaveLength(0);
    const status = statusOf(gh);
    expect(status).toMatch(
      /^❌ No pull request: the branch `agentgate\/issue-7-[0-9a-f]{8}` could not be pushed/m,
    );
    expect(status).toMatch(/```text\n[\s\S]*branches under agentgate\/ are locked[\s\S]*```/);
    expect(status).not.toContain('/compare/');
    expect(status).not.toContain(os.tmpdir());
    expect(status).toContain('patch.diff');
    expect(run.summary).toContain('could not be pushed');
  });

  it('the PR refused after the push: the job names the call, says the branch is pushed and links its compare page', async () => {
    const { remote, workspace } = await makeRemote(FILES);
    const gh = await github();
    gh.fault('pulls/create', [500], { after: 'repeat' });
    const run = await issueRun(workspace, gh, await model([use('edit_file', FIX), done()]));
    expect(run.failed).toMatch(/publication stopped at the pull request/);
    expect(run.failed).toMatch(/POST \/repos\/acme\/widgets\/pulls.*500/);
    const branch = run.outputs.branch ?? '';
    expect(await remoteBranches(remote)).toContain(branch);
    const status = statusOf(gh);
    expect(status).toContain(`the branch \`${branch}\` is pushed, but the PR could not be opened`);
    expect(status).toContain(`https://github.com/${OWNER}/${REPO}/compare/main...${branch}?expand=1`);
  });

  it('the artifact upload failing: retried, then a draft PR labelled evidence:missing, the card says so, the job is red', async () => {
    const { workspace } = await makeRemote(FILES);
    const gh = await github();
    artifacts.failNext('CreateArtifact', 403, 3);
    const run = await issueRun(workspace, gh, await model([use('edit_file', FIX), done()]), {
      inputs: { draft: 'false' },
    });
    expect(run.failed).toMatch(/the evidence could not be uploaded/);
    expect(run.stdout.match(/::warning::could not upload the artifact/g)).toHaveLength(3);
    const pr = gh.state.pulls[0];
    expect(pr?.draft).toBe(true);
    expect(pr?.labels).toContain('evidence:missing');
    expect(pr?.body).toContain('The evidence is missing');
    expect(statusOf(gh)).toMatch(/^⚠️ Opened .* as a draft for review: the evidence could not be uploaded/m);
    expect(run.outputs['trace-artifact-id']).toBeUndefined();
  });

  it('a dry run: no request that writes reaches GitHub or the artifact service; everything is on disk, marked DRY RUN', async () => {
    const { remote, workspace } = await makeRemote(FILES);
    const gh = await github();
    const before = artifacts.requests().length;
    const run = await issueRun(workspace, gh, await model([use('edit_file', FIX), done()]), {
      inputs: { 'dry-run': 'true' },
    });
    expect(run.failed).toBeUndefined();
    expect(gh.writes()).toEqual([]);
    expect(artifacts.requests().slice(before)).toEqual([]);
    expect(await remoteBranches(remote)).toEqual(['main']);
    expect(run.summary).toMatch(/^> \[!NOTE\]\n> \*\*DRY RUN\*\*/);
    expect(run.summary).toContain('No pull request: dry run: nothing is published');
    const out = path.join(run.runnerTemp, 'agentgate');
    for (const f of ['trace.jsonl', 'patch.diff', 'result.json', 'risk-card.md', 'gates/gates.json'])
      expect(existsSync(path.join(out, f)), f).toBe(true);
  });

  it('an exception mid-session: the status comment reaches a final state and names the error', async () => {
    const { workspace } = await makeRemote(FILES);
    await sh(workspace, 'rm', ['-rf', '.git']);
    const gh = await github();
    const run = await issueRun(workspace, gh, await model([done()]));
    expect(run.failed).toMatch(/not a git repository/);
    const status = statusOf(gh);
    expect(status).toMatch(/^❌ agentgate stopped with an error: .*not a git repository/m);
    expect(status).not.toContain('working on it');
  });

  it('a budget stop: the tests still run after it, the card shows them, and the issue is not told ✅', async () => {
    const { workspace } = await makeRemote(FILES);
    const gh = await github();
    const run = await issueRun(
      workspace,
      gh,
      await model([use('edit_file', FIX), use('read_file', { path: 'check.js' }), done()]),
      { inputs: { 'max-turns': '2' } },
    );
    expect(run.outputs.outcome).toBe('budget_exhausted');
    expect(run.failed).toMatch(/budget_exhausted \(turns\)/);
    const pr = gh.state.pulls[0];
    expect(pr?.draft).toBe(true);
    expect(pr?.labels).toContain('agent:incomplete');
    expect(pr?.body).toContain('tests red → green');
    expect(pr?.body).toMatch(/\| after the change \| ✅ exit 0 \|/);
    const status = statusOf(gh);
    expect(status).not.toContain('✅');
    expect(status).toMatch(
      /^⚠️ Opened .* as a draft for review: the agent stopped: budget_exhausted \(turns\)/m,
    );
  });

  it('no GITHUB_STEP_SUMMARY: a warning, and the PR and evidence still go out', async () => {
    const { workspace } = await makeRemote(FILES);
    const gh = await github();
    const run = await issueRun(workspace, gh, await model([use('edit_file', FIX), done()]), {
      summary: false,
    });
    expect(run.failed).toBeUndefined();
    expect(run.stdout).toContain('::warning::no job summary: GITHUB_STEP_SUMMARY is not set');
    expect(gh.state.pulls).toHaveLength(1);
    expect(run.outputs['trace-artifact-id']).toMatch(/^\d+$/);
  });

  it('the card and summary: links near the top, no empty table header, the PR stated', async () => {
    const { workspace } = await makeRemote(FILES);
    const gh = await github();
    const run = await issueRun(workspace, gh, await model([use('edit_file', FIX), done()]));
    const body = gh.state.pulls[0]?.body ?? '';
    expect(body.indexOf('[Trace, patch and reports]')).toBeGreaterThan(0);
    expect(body.indexOf('[Trace, patch and reports]')).toBeLessThan(body.indexOf('### Task'));
    expect(body).not.toMatch(/^\|\s*\|\s*\|$/m);
    expect(run.summary).toMatch(/^\*\*Opened pull request #\d+: /);
  });
});

describe('the model API under faults', () => {
  /** A clock the provider's sleeps move forward, so minutes of overload take no time. */
  function virtualTime() {
    let now = Date.now();
    return {
      now: () => now,
      sleep: async (ms: number) => {
        now += ms;
      },
    };
  }

  it('529 for 60 s, then success: the session continues and each retry is traced', async () => {
    const { workspace } = await makeRemote(FILES);
    const gh = await github();
    const llm = await model([
      use('read_file', { path: 'src/price.js' }),
      ...Array.from({ length: 6 }, () => overloaded(10)),
      use('edit_file', FIX),
      done(),
    ]);
    const run = await issueRun(workspace, gh, llm, { deps: { modelTiming: virtualTime() } });
    expect(run.failed).toBeUndefined();
    expect(run.outputs.outcome).toBe('completed');
    const trace = readFileSync(path.join(run.runnerTemp, 'agentgate', 'trace.jsonl'), 'utf8');
    const retries = trace.split('\n').filter((l) => l.includes('"model.retry"'));
    expect(retries).toHaveLength(6);
    expect(gh.state.pulls).toHaveLength(1);
  });

  it('529 beyond the window: provider_error, the work kept, after-test evidence on the card', async () => {
    const { workspace } = await makeRemote(FILES);
    const gh = await github();
    const llm = await model([use('edit_file', FIX), ...Array.from({ length: 40 }, () => overloaded(10))]);
    const run = await issueRun(workspace, gh, llm, {
      deps: { modelTiming: virtualTime() },
      inputs: { 'model-retry-minutes': '1' },
    });
    expect(run.outputs.outcome).toBe('provider_error');
    expect(run.failed).toMatch(/provider_error: .*kept failing for 1 min/);
    expect(llm.requests.length).toBeLessThan(12);
    const pr = gh.state.pulls[0];
    expect(pr?.draft).toBe(true);
    expect(pr?.body).toMatch(/\| after the change \| ✅ exit 0 \|/);
    expect(statusOf(gh)).toMatch(/the agent stopped: provider_error/);
  });
});

describe('the required check under faults', () => {
  /** A PR branch: the agent's commit (with its trailer) and `extra` files on top. */
  async function prRepo(ref: string, agent: boolean, extra: Record<string, string> = {}) {
    const { workspace } = await makeRemote(FILES);
    const base = (await sh(workspace, 'git', ['rev-parse', 'HEAD'])).trim();
    await sh(workspace, 'git', ['checkout', '-qb', ref]);
    writeFileSync(path.join(workspace, 'src/price.js'), FILES['src/price.js'].replace('b, 1)', 'b, 0)'));
    for (const [f, text] of Object.entries(extra)) writeFileSync(path.join(workspace, f), text);
    if (agent) {
      await sh(workspace, 'git', ['add', '-A']);
      await sh(workspace, 'git', [
        '-c',
        'user.name=agentgate[bot]',
        '-c',
        'user.email=agentgate@users.noreply.github.com',
        'commit',
        '-qm',
        'agentgate: fix total\n\nAgentgate-Session: 5b7f8f0c-2f1e-4a6e-9a55-0c1f2b3d4e5f',
      ]);
    } else await commitEverything(workspace, 'fix total');
    const head = (await sh(workspace, 'git', ['rev-parse', 'HEAD'])).trim();
    return { workspace, base, head };
  }
  /** pull_request.<action>, as GitHub sends it, for that branch with `labels`. */
  const prEvent = (action: string, ref: string, base: string, head: string, labels: string[]) =>
    webhook('pull_request', action, {
      number: 5,
      pull_request: {
        number: 5,
        labels: labels.map((name) => ({ name })),
        base: { ref: 'main', sha: base },
        head: { ref, sha: head, repo: { full_name: `${OWNER}/${REPO}` } },
      },
    });
  const gate = (workspace: string, gh: GitHubFake, payload: Record<string, unknown>) =>
    runAction({ workspace, eventName: 'pull_request', payload, inputs: {}, github: gh, artifacts });
  const EVAL = { 'src/run.js': 'export const run = (input) => eval(input);\n' };

  it('the ai-authored label removed: the agent’s PR is still judged (by its commits), not neutral', async () => {
    const { workspace, base, head } = await prRepo('fix/total', true, EVAL);
    const gh = await github([]);
    const run = await gate(workspace, gh, prEvent('unlabeled', 'fix/total', base, head, []));
    expect(run.outputs.outcome).toBe('gated');
    expect(gh.state.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(gh.state.checkRuns[0]?.output.summary).toContain('commit(s) carry the Agentgate-Session trailer');
    expect(run.summary).toContain(`Judged \`${base.slice(0, 12)}..${head.slice(0, 12)}\``);
    // A person's PR on an ordinary branch stays out of scope: neutral.
    const human = await prRepo('fix/total', false);
    const gh2 = await github([]);
    const h = await gate(
      human.workspace,
      gh2,
      prEvent('labeled', 'fix/total', human.base, human.head, ['bug']),
    );
    expect(h.outputs.outcome).toBe('skipped');
    expect(gh2.state.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    // The agentgate/ branch prefix alone puts it in scope.
    const byBranch = await prRepo('agentgate/fix-1', false);
    const gh3 = await github([]);
    const b = await gate(
      byBranch.workspace,
      gh3,
      prEvent('synchronize', 'agentgate/fix-1', byBranch.base, byBranch.head, []),
    );
    expect(b.outputs.outcome).toBe('gated');
  });

  it('checks/update failing on every attempt: the job fails naming the check run and the call', async () => {
    const { workspace, base, head } = await prRepo('agentgate/fix-1', true);
    const gh = await github([]);
    gh.fault('checks/update', [500], { after: 'repeat' });
    const run = await gate(workspace, gh, prEvent('synchronize', 'agentgate/fix-1', base, head, []));
    const id = gh.state.checkRuns[0]?.id;
    expect(run.failed).toContain(`the check run '${CHECK_NAME}' (id ${id}) could not be concluded 'success'`);
    expect(run.failed).toMatch(/PATCH \/repos\/acme\/widgets\/check-runs\/\d+.*500/);
    expect(run.outputs.verdict).toBe('pass');
  });

  it('checks/update failing for the full report: concluded with the verdict alone, nothing left in progress', async () => {
    const { workspace, base, head } = await prRepo('agentgate/fix-1', true, EVAL);
    const gh = await github([]);
    gh.fault('checks/update', [502, 502]);
    const run = await gate(workspace, gh, prEvent('synchronize', 'agentgate/fix-1', base, head, []));
    expect(run.failed).toMatch(/the gates failed/);
    expect(run.stdout).toMatch(/::warning::could not conclude the check run \d+ with its full report/);
    expect(gh.state.checkRuns).toHaveLength(1);
    expect(gh.state.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
  });

  it('checks/create failing: the gates still judge, the job fails naming the call, verdict set', async () => {
    const { workspace, base, head } = await prRepo('agentgate/fix-1', true);
    const gh = await github([]);
    gh.fault('checks/create', [500], { after: 'repeat' });
    const run = await gate(workspace, gh, prEvent('synchronize', 'agentgate/fix-1', base, head, []));
    expect(run.failed).toMatch(/the check run 'agentgate \/ gates' could not be created/);
    expect(run.failed).toMatch(/POST \/repos\/acme\/widgets\/check-runs failed: HTTP 500/);
    expect(run.outputs).toMatchObject({ verdict: 'pass', outcome: 'gated' });
    expect(gh.state.checkRuns).toHaveLength(0);
  });

  it('an error before judging: the check created first is concluded failure', async () => {
    const { workspace, head } = await prRepo('agentgate/fix-1', true);
    const gh = await github([]);
    const missing = '0123456789abcdef0123456789abcdef01234567';
    const run = await gate(workspace, gh, prEvent('synchronize', 'agentgate/fix-1', missing, head, []));
    expect(run.failed).toMatch(/fetch-depth: 0/);
    expect(run.outputs.verdict).toBe('fail');
    expect(gh.state.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(statusKeys(gh)).toEqual(['checks/create', 'checks/update']);
  });
});

const statusKeys = (gh: GitHubFake) =>
  gh.requests.map((r) => r.operationId).filter((o): o is string => o?.startsWith('checks/') === true);

// The marker is how the status comment is found again; a final state keeps it.
it('keeps the sticky marker on the final status', async () => {
  const { workspace } = await makeRemote(FILES);
  const gh = await github();
  await issueRun(workspace, gh, await model([use('edit_file', FIX), done()]));
  expect(statusOf(gh).startsWith(STICKY_MARKER)).toBe(true);
});
