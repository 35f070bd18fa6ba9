// Agent mode's last two phases — publish and report — and the pure decisions they rest on: whether the
// work is pushed, the labels it gets, the PR's title, and what people are told about what exists.
import * as core from '@actions/core';
import type { GatesReport, GatesRun } from '../../gates/index.js';
import { stripInvisible } from '../../lib/unicode.js';
import type { LoadedPolicy } from '../../policies/index.js';
import { Inputs, Outputs, RISK_LABELS } from '../constants.js';
import type { GitHubClient } from '../github/client.js';
import { runUrl } from '../github/context.js';
import type { PullRequestRef } from '../github/pulls.js';
import { code, fenced } from '../publish/risk-card.js';
import type { RunResult } from '../run.js';
import { cleanOutput, type PublishState, publish, taskKey } from './publication.js';
import { DRY_RUN_BANNER, type EvidenceUpload, type ModeContext, writeJobSummary } from './shared.js';
import type { StatusComment } from './status-comment.js';

/** The mode's context once the policy is loaded. */
export type AgentContext = ModeContext & { policy: LoadedPolicy };

export interface Task {
  text: string;
  origin: string;
  /** What the PR is called: the issue's title, or the task's first line. */
  title: string;
  issue?: number;
  /** What finds this task's PR again on a later run (default: the issue, or the task text's hash). */
  key?: string;
}

/** What happens to the work after the gates. Pure. */
export function publicationDecision(
  result: Pick<RunResult, 'commit'>,
  gates: GatesReport | undefined,
  onGateFailure: 'no-pr' | 'draft-pr',
): { push: boolean; reason: string } {
  if (!result.commit) return { push: false, reason: 'the agent changed nothing' };
  if (!gates) return { push: false, reason: 'the gates did not run' };
  const secrets = gates.gates.find((g) => g.name === 'secrets');
  if (secrets?.status !== 'pass') {
    return {
      push: false,
      reason:
        secrets?.status === 'error'
          ? 'the secrets gate could not scan the change, so nothing is pushed'
          : 'the secrets gate found a secret, so nothing is pushed',
    };
  }
  if (gates.verdict === 'fail' && onGateFailure === 'no-pr') {
    return { push: false, reason: 'the gates found blocking problems (policy publish.onGateFailure: no-pr)' };
  }
  return { push: true, reason: gates.verdict === 'fail' ? 'draft PR for review' : 'gates passed' };
}

/** The labels a PR gets: the configured ones plus what the evidence says about its risk. */
export function riskLabels(
  prLabels: readonly string[],
  result: Pick<RunResult, 'outcome' | 'tests'>,
  r: GatesReport,
): string[] {
  const labels = [...prLabels];
  if (r.verdict === 'fail') labels.push(RISK_LABELS.gatesFailed.name);
  if (r.dependencies.added.length + r.dependencies.changed.length > 0) labels.push(RISK_LABELS.depsNew.name);
  if (r.gates.some((g) => g.findings.some((f) => f.ruleId === 'protected-path' && !f.preExisting)))
    labels.push(RISK_LABELS.pathsProtected.name);
  if (result.outcome !== 'completed' || (result.tests.after && !result.tests.after.passed))
    labels.push(RISK_LABELS.incomplete.name);
  return [...new Set(labels)];
}

/**
 * Why the work is not ready as it stands, in words for the issue and the job's failure; empty when it
 * is. Any of these makes the PR a draft and the job red.
 */
export function shortfalls(result: RunResult, gates: GatesRun | undefined, ev: EvidenceUpload): string[] {
  const out: string[] = [];
  if (result.outcome !== 'completed')
    out.push(
      `the agent stopped: ${result.outcome}${result.budget ? ` (${result.budget})` : ''}: ${result.detail}`,
    );
  else if (result.tests.after && !result.tests.after.passed) out.push('the tests are red after the change');
  if (gates?.report.verdict === 'fail') out.push('the gates failed');
  if (ev.error) out.push(`the evidence could not be uploaded (${ev.error})`);
  return out;
}

export interface Published {
  /** Set when nothing was to be published, and why. */
  skipped?: string;
  state?: PublishState;
}

/** Phase 5: push → PR → labels, unless the decision or a dry run says no. */
export async function publishPhase(
  m: AgentContext,
  p: {
    task: Task;
    result: RunResult;
    gates: GatesRun | undefined;
    ev: EvidenceUpload;
    body: string;
    baseBranch: string;
    client: GitHubClient;
    token: string;
    /** Labels beside `pr-labels` and the risk labels. */
    extraLabels?: readonly string[];
    /** The branch name on GitHub (default: the agent's branch's own). */
    remoteBranch?: string;
  },
): Promise<Published> {
  const decision = publicationDecision(p.result, p.gates?.report, m.policy.policy.publish.onGateFailure);
  if (m.inputs[Inputs.DryRun])
    return { skipped: `dry run: nothing is published (it would be: ${decision.reason})` };
  if (!decision.push || !p.gates) return { skipped: decision.reason };
  const labels = riskLabels(
    [...m.inputs[Inputs.PrLabels], ...(p.extraLabels ?? [])],
    p.result,
    p.gates.report,
  );
  if (p.ev.error) labels.push(RISK_LABELS.evidenceMissing.name);
  core.startGroup('agentgate: publication');
  try {
    const state = await publish({
      client: p.client,
      repo: m.ctx.run.repo,
      workspace: m.ctx.run.workspace,
      token: p.token,
      serverUrl: m.ctx.run.serverUrl,
      branch: p.result.branch,
      ...(p.remoteBranch ? { remoteBranch: p.remoteBranch } : {}),
      baseBranch: p.baseBranch,
      baseCommit: p.result.baseCommit,
      title: prTitle(p.task.title),
      body: p.body,
      draft: m.inputs[Inputs.Draft] || shortfalls(p.result, p.gates, p.ev).length > 0,
      labels,
      taskKey: p.task.key ?? taskKey(p.task),
    });
    if (state.pushed) core.setOutput(Outputs.Branch, state.remoteBranch);
    if (state.pr) {
      core.setOutput(Outputs.PrNumber, String(state.pr.number));
      core.setOutput(Outputs.PrUrl, state.pr.url);
      core.info(`pull request #${state.pr.number}${state.pr.existed ? ' (updated)' : ''}: ${state.pr.url}`);
    }
    for (const w of state.warnings) core.warning(w);
    return { state };
  } finally {
    core.endGroup();
  }
}

/** What publication left, for people: what exists and what to do next. */
function publicationText(
  m: AgentContext,
  p: Published,
  result: RunResult,
  evidenceLink: string | undefined,
  baseBranch: string,
) {
  const evidence = evidenceLink
    ? `The patch, trace and reports: ${evidenceLink}.`
    : m.inputs[Inputs.DryRun]
      ? `The patch, trace and reports are in \`${m.outDir}\` on the runner.`
      : `The patch, trace and reports could not be uploaded; the job's log has the run's details (${runUrl(m.ctx.run)}).`;
  if (p.skipped) return { line: `No pull request: ${p.skipped}.`, evidence, recovery: '' };
  const s = p.state as PublishState;
  const { serverUrl, repo, workspace } = m.ctx.run;
  if (s.failure?.step === 'push') {
    const output = s.failure.output
      ? `\n\n${fenced(cleanOutput(s.failure.output, { '<workspace>': workspace, '<runner temp>': m.deps.env.RUNNER_TEMP, '~': m.deps.env.HOME }), 'text', 2000)}`
      : '';
    return {
      line: `No pull request: the branch \`${s.remoteBranch}\` could not be pushed, so nothing was published.${output}`,
      evidence,
      recovery: `To recover: rerun the job, or apply \`patch.diff\` from the artifact on a new branch from ${code(result.baseCommit.slice(0, 12))} and open the PR by hand.`,
    };
  }
  if (s.failure?.step === 'pull request') {
    const compare = `${serverUrl}/${repo.owner}/${repo.repo}/compare/${baseBranch}...${s.remoteBranch}?expand=1`;
    return {
      line: `No pull request: the branch \`${s.remoteBranch}\` is pushed, but the PR could not be opened (${s.failure.message}).`,
      evidence,
      recovery: `To recover: rerun the job (it reuses the branch's PR if one appears), or open the PR by hand: ${compare}`,
    };
  }
  const pr = s.pr as PullRequestRef;
  return {
    line: `${pr.existed ? 'Updated' : 'Opened'} pull request #${pr.number}: ${pr.url}`,
    evidence,
    recovery: s.labelled ? '' : 'The PR is not labelled; see the warning in the job log.',
  };
}

export { publicationText };

/** Phase 6: the job summary, the issue's final status, and the job's own status. */
export async function report(
  m: AgentContext,
  r: {
    task: Task;
    result: RunResult;
    gates: GatesRun | undefined;
    ev: EvidenceUpload & { link?: string };
    body: string;
    published: Published;
    status: StatusComment;
    baseBranch: string;
  },
): Promise<void> {
  const dryRun = m.inputs[Inputs.DryRun];
  const text = publicationText(m, r.published, r.result, r.ev.link, r.baseBranch);
  const head = [dryRun ? DRY_RUN_BANNER.trimEnd() : '', `**${text.line}**`, text.recovery]
    .filter(Boolean)
    .join('\n\n');
  await writeJobSummary(`${head}\n\n${r.body}`, m.deps.env);
  core.info(text.line);

  const short = shortfalls(r.result, r.gates, r.ev);
  const s = r.published.state;
  if (s?.pr && !s.failure) {
    await r.status.settle(
      short.length === 0
        ? `✅ Opened ${s.pr.url}: the agent finished and the gates passed.\n\n${text.evidence}`
        : `⚠️ Opened ${s.pr.url} as a draft for review: ${short.join('; ')}.\n\n${text.evidence}`,
    );
  } else {
    const icon = s?.failure ? '❌' : r.result.commit ? '⛔' : 'ℹ️';
    const why = short.length > 0 && !s?.failure ? `\n\n${capital(short.join('; '))}.` : '';
    await r.status.settle(
      `${icon} ${text.line}${why}\n\n${gatesLine(r.gates)}${text.evidence}${text.recovery ? `\n\n${text.recovery}` : ''}`,
    );
  }

  const problems = [...short];
  if (s?.failure)
    problems.push(
      `publication stopped at the ${s.failure.step}: ${text.line} ${text.evidence} ${text.recovery}`,
    );
  const opened =
    s?.pr && !s.failure ? ` — ${s.draft ? 'draft ' : ''}PR #${s.pr.number} opened for review` : '';
  if (problems.length > 0) core.setFailed(`agentgate: ${problems.join('; ')}${opened}`);
}

/** `agentgate: <title>`, on one line, without hidden Unicode, at most 100 characters of title. */
export function prTitle(title: string): string {
  const clean = stripInvisible(title).text.replace(/\s+/g, ' ').trim();
  return `agentgate: ${clean.slice(0, 100) || 'change'}`;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function gatesLine(gates: GatesRun | undefined): string {
  if (!gates) return '';
  const blocking = gates.report.gates.flatMap((g) =>
    g.findings.filter((f) => f.blocking).map((f) => `${g.name}: ${f.ruleId}`),
  );
  return blocking.length > 0 ? `Blocking: ${[...new Set(blocking)].slice(0, 10).join(', ')}.\n\n` : '';
}
