// The pure parts of publication: the risk card, what gets published and labelled, the event union,
// check run annotations and GitHub's text limits.
import { describe, expect, it } from 'vitest';
import { GITHUB_TEXT_LIMIT } from '../../action/constants.js';
import { toEvent } from '../../action/github/context.js';
import { fitText } from '../../action/github/pulls.js';
import { authConfigEnv } from '../../action/github/push.js';
import { prTitle, publicationDecision, riskLabels } from '../../action/modes/agent-publish.js';
import { annotationsFor } from '../../action/modes/gate.js';
import { code, type RiskCardData, riskCard } from '../../action/publish/risk-card.js';
import type { GateResult, GatesReport } from '../../gates/index.js';
import { gatesReport } from '../support/gates-fixtures.js';
import { sessionResult } from '../support/run-fixtures.js';

const gate = (
  name: GateResult['name'],
  status: GateResult['status'],
  findings: GateResult['findings'] = [],
) => ({ name, status, engine: 'x 1', durationMs: 1, findings }) as GateResult;
const finding = (ruleId: string, file: string, line: number, blocking = true) => ({
  ruleId,
  severity: 'high' as const,
  file,
  line,
  message: `${ruleId} here`,
  blocking,
  preExisting: false,
  fingerprint: 'f',
});
const report = (gates: GateResult[], deps: Partial<GatesReport['dependencies']> = {}) =>
  gatesReport(gates, {
    diff: { files: 1, addedLines: 1, deletedLines: 0 },
    dependencies: { added: [], removed: [], changed: [], ...deps },
  });
const ALL_PASS = ['secrets', 'sast', 'sbom', 'dependencies', 'policy'].map((n) =>
  gate(n as GateResult['name'], 'pass'),
);

const card = (over: Partial<RiskCardData> = {}): RiskCardData => ({
  task: { text: 'Fix it', origin: 'a workflow_dispatch by @dev' },
  result: sessionResult(),
  durationMs: 133_000,
  files: [{ path: 'src/a.ts', added: 2, deleted: 1 }],
  gates: report(ALL_PASS),
  isolation: undefined,
  links: { run: 'https://github.com/o/r/actions/runs/1' },
  ...over,
});

describe('the risk card', () => {
  it('leads with one line of outcome, tests, gates, size, cost, turns and time', () => {
    expect(riskCard(card()).split('\n')[2]).toBe(
      '**completed** · no test command · gates ✅ pass · 1 file (+2 −1) · $0.0421 · 3 turns · 2m 13s',
    );
  });
  it('fences the task and the summary so neither can close the fence, ping, link or inject HTML', () => {
    const evil = 'Done.\n````\n@octocat <img src=x onerror=alert(1)> [x](https://evil) #1\n````';
    const md = riskCard(
      card({
        task: { text: 'a ``` b\u202E', origin: 'issue #1' },
        result: { ...card().result, summary: evil },
      }),
    );
    const summary = /### Summary by the agent\n\n(`{5,})text\n([\s\S]*?)\n\1\n/.exec(md);
    expect(summary?.[2]).toContain('@octocat <img');
    const outside = md.replace(summary?.[0] ?? '', '');
    expect(outside).not.toContain('@octocat');
    expect(outside).not.toContain('<img');
    expect(md).toContain('````text\na ``` b\n````');
  });
  it('puts file names in code spans no backtick inside can close', () => {
    expect(code('a`b')).toBe('``a`b``');
    expect(code('`x`')).toBe('`` `x` ``');
    const md = riskCard(card({ files: [{ path: 'we|ird`@name.ts', added: null, deleted: null }] }));
    expect(md).toContain('| ``we\\|ird`@name.ts`` | bin | bin |');
  });
  it('states the runner’s isolation, or hosted/unknown without a statement', () => {
    expect(riskCard(card())).toContain(
      '| Isolation | hosted/unknown (no isolation statement on this runner) |',
    );
    const md = riskCard(
      card({
        isolation: { tier: 'microvm', backend: 'firecracker', ephemeral: true, imageDigest: 'sha256:abc' },
      }),
    );
    expect(md).toContain('| Isolation | microvm (firecracker) ephemeral image `sha256:abc` |');
  });
  it('warns on failed gates and red tests, and links the issue it fixes', () => {
    const md = riskCard(
      card({
        gates: report([gate('sast', 'fail', [finding('js-eval', 'src/a.ts', 3)])]),
        fixesIssue: 9,
        result: {
          ...card().result,
          tests: {
            command: 'npm test',
            before: {
              command: 'npm test',
              exitCode: 1,
              passed: false,
              timedOut: false,
              durationMs: 900,
              outputTail: '',
            },
            after: {
              command: 'npm test',
              exitCode: 1,
              passed: false,
              timedOut: false,
              durationMs: 1200,
              outputTail: '',
            },
          },
        },
      }),
    );
    expect(md).toContain('> [!WARNING]\n> The gates found blocking problems');
    expect(md).toContain('> The tests are red after the change.');
    expect(md).toContain('Fixes #9');
    expect(md).toContain('| after the change | ❌ exit 1 | 1.2 s |');
    expect(md).toContain('`js-eval`');
  });
});

describe('publication', () => {
  const commit = { commit: 'c'.repeat(40) };
  it('titles the PR on one line, without hidden Unicode, cut to 100 characters', () => {
    expect(prTitle('Fix\u200B total\u202E\n  in src')).toBe('agentgate: Fix total in src');
    expect(prTitle('x'.repeat(300))).toBe(`agentgate: ${'x'.repeat(100)}`);
    expect(prTitle(' \n')).toBe('agentgate: change');
  });
  it('never pushes when the secrets gate failed or could not scan, whatever the policy says', () => {
    for (const status of ['fail', 'error'] as const) {
      const r = report([gate('secrets', status), ...ALL_PASS.slice(1)]);
      expect(publicationDecision(commit, r, 'draft-pr').push).toBe(false);
    }
  });
  it('follows publish.onGateFailure for other blocking findings', () => {
    const r = report([...ALL_PASS.slice(0, 4), gate('policy', 'fail')]);
    expect(publicationDecision(commit, r, 'no-pr')).toMatchObject({ push: false });
    expect(publicationDecision(commit, r, 'draft-pr')).toMatchObject({
      push: true,
      reason: 'draft PR for review',
    });
    expect(publicationDecision(commit, report(ALL_PASS), 'no-pr')).toMatchObject({ push: true });
    expect(publicationDecision({ commit: null }, report(ALL_PASS), 'no-pr')).toMatchObject({
      push: false,
    });
  });
  it('labels the risk the evidence shows', () => {
    const ok = { outcome: 'completed' as const, tests: { command: null, before: null, after: null } };
    expect(riskLabels(['ai-authored'], ok, report(ALL_PASS))).toEqual(['ai-authored']);
    const risky = report(
      [gate('policy', 'fail', [finding('protected-path', '.github/workflows/ci.yml', 0)])],
      {
        added: [
          {
            ecosystem: 'npm',
            name: 'left-pad',
            version: '1.3.0',
            purl: 'pkg:npm/left-pad@1.3.0',
            source: 'package-lock.json',
          },
        ],
      },
    );
    expect(riskLabels(['ai-authored'], { ...ok, outcome: 'budget_exhausted' }, risky)).toEqual([
      'ai-authored',
      'gates:failed',
      'deps:new',
      'paths:protected',
      'agent:incomplete',
    ]);
  });
  it('sends the token as one Authorization header for the server only, clearing a persisted one', () => {
    const env = authConfigEnv('https://github.com/', 'ghs_abc');
    expect(env).toEqual({
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_0: 'http.https://github.com/.extraheader',
      GIT_CONFIG_VALUE_0: '',
      GIT_CONFIG_KEY_1: 'http.https://github.com/.extraheader',
      GIT_CONFIG_VALUE_1: `AUTHORIZATION: basic ${Buffer.from('x-access-token:ghs_abc').toString('base64')}`,
    });
  });
  it('cuts bodies to GitHub’s limit and says so', () => {
    const long = 'x'.repeat(GITHUB_TEXT_LIMIT + 10);
    expect(fitText(long)).toHaveLength(GITHUB_TEXT_LIMIT);
    expect(fitText(long)).toMatch(/cut to fit GitHub’s limit/);
    expect(fitText('short')).toBe('short');
  });
});

describe('check run annotations', () => {
  it('annotate blocking findings on files only, with the rule and a fix', () => {
    const gates = [
      gate('sast', 'fail', [
        { ...finding('js-eval', 'src/a.js', 4), fix: 'Parse it instead.', endLine: 6 },
        finding('js-eval', 'src/b.js', 1, false),
      ]),
      gate('policy', 'fail', [finding('change-too-large', '', 0)]),
    ];
    expect(annotationsFor(gates)).toEqual([
      {
        path: 'src/a.js',
        start_line: 4,
        end_line: 6,
        annotation_level: 'failure',
        title: 'sast: js-eval (high)',
        message: 'js-eval here\nFix: Parse it instead.',
      },
    ]);
  });
});

describe('the event union', () => {
  it('reads each trigger into its own shape', () => {
    expect(toEvent('workflow_dispatch', { inputs: { task: 'x' } })).toEqual({
      kind: 'dispatch',
      inputs: { task: 'x' },
    });
    expect(toEvent('schedule', { schedule: '17 3 * * *' })).toEqual({ kind: 'schedule', cron: '17 3 * * *' });
    expect(
      toEvent('issues', {
        action: 'labeled',
        label: { name: 'agentgate' },
        sender: { login: 'dev' },
        issue: { number: 4, title: 't', body: null, user: { login: 'u' }, pull_request: {} },
      }),
    ).toEqual({
      kind: 'issue-label',
      action: 'labeled',
      label: 'agentgate',
      sender: 'dev',
      issue: { number: 4, title: 't', body: '', author: 'u', isPullRequest: true },
    });
    expect(
      toEvent('pull_request', {
        action: 'opened',
        pull_request: {
          number: 2,
          labels: [{ name: 'ai-authored' }],
          base: { ref: 'main', sha: 'b' },
          head: { ref: 'f', sha: 'h', repo: { full_name: 'o/r' } },
        },
      }),
    ).toMatchObject({
      kind: 'pull-request',
      number: 2,
      labels: ['ai-authored'],
      head: { sha: 'h', repoFullName: 'o/r' },
    });
    expect(toEvent('push', { before: '0', after: '1', ref: 'refs/heads/main' })).toMatchObject({
      kind: 'push',
    });
    expect(toEvent('release', {})).toEqual({ kind: 'other', eventName: 'release' });
  });
});
