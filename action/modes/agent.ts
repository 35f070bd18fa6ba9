// Agent mode: a task from a dispatch, a labelled issue or a schedule; the agent works in its sandbox;
// the gates judge the diff; then the action — never the agent — uploads the evidence, pushes the
// branch and opens a labelled PR whose body is the risk card.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as core from '@actions/core';
import { type GatesReport, type GatesRun, runGates } from '../../gates/index.js';
import { scrubText } from '../../lib/redact.js';
import { DEFAULT_BUDGETS } from '../budgets.js';
import { Inputs, Outputs, RISK_LABELS } from '../constants.js';
import { UsageError } from '../errors.js';
import { artifactUrl } from '../github/artifacts.js';
import { type DispatchEvent, type IssueLabelEvent, runUrl, type ScheduleEvent } from '../github/context.js';
import { openPullRequest, type PullRequestRef } from '../github/pulls.js';
import { pushBranch } from '../github/push.js';
import { addLabels, defaultBranch, triggerPermission, upsertStickyComment } from '../github/repo.js';
import { createAnthropicProvider } from '../llm/anthropic.js';
import { DEFAULT_MODEL, resolvePrices } from '../llm/pricing.js';
import { stripHiddenUnicode } from '../prompt.js';
import { type RiskCardData, riskCard } from '../publish/risk-card.js';
import { type RunResult, runSession } from '../run.js';
import { taskSource } from '../settings.js';
import {
  EVIDENCE_FILES,
  githubClient,
  type ModeContext,
  readIsolation,
  resolvePolicy,
  scrubEvidence,
  startEngines,
  uploadEvidence,
  writeGateReports,
} from './shared.js';

type AgentEvent = DispatchEvent | IssueLabelEvent | ScheduleEvent;

interface Task {
  text: string;
  origin: string;
  /** What the PR is called: the issue's title, or the task's first line. */
  title: string;
  issue?: number;
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

async function resolveTask(m: ModeContext, event: AgentEvent): Promise<Task> {
  if (event.kind === 'issue-label') {
    const { issue } = event;
    return {
      text: `Resolve GitHub issue #${issue.number}.\n\nTitle: ${issue.title}\n\n${issue.body}`,
      origin: `issue #${issue.number} (labelled by @${event.sender})`,
      title: `${issue.title} (#${issue.number})`,
      issue: issue.number,
    };
  }
  const origin = event.kind === 'dispatch' ? `a workflow_dispatch by @${m.ctx.run.actor}` : 'a scheduled run';
  const source = taskSource(m.inputs);
  if (!source) {
    throw new UsageError(
      `input '${Inputs.Task}' or '${Inputs.TaskFile}': a ${m.ctx.eventName} run needs a task. Set one of them.`,
    );
  }
  if ('text' in source) return { text: source.text, origin, title: firstLine(source.text) };
  const file = path.resolve(m.ctx.run.workspace, source.file);
  const text = await readFile(file, 'utf8').catch((e: Error) => {
    throw new UsageError(`input '${Inputs.TaskFile}': cannot read '${source.file}': ${e.message}`);
  });
  return { text, origin: `${origin} (task file ${source.file})`, title: firstLine(text) };
}

function requireToken(m: ModeContext): string {
  if (!m.token) {
    throw new UsageError(
      `input '${Inputs.GitHubToken}': no token. It defaults to \${{ github.token }}; give the job 'contents: write', 'pull-requests: write' and 'issues: write' permissions.`,
    );
  }
  return m.token;
}

export async function agentMode(m: ModeContext, event: AgentEvent): Promise<void> {
  const { ctx, inputs } = m;
  const repo = ctx.run.repo;
  const dryRun = inputs[Inputs.DryRun];
  const token = requireToken(m);
  const client = githubClient(m, token);

  if (event.kind === 'issue-label') {
    if (
      event.action !== 'labeled' ||
      event.label !== inputs[Inputs.TriggerLabel] ||
      event.issue.isPullRequest
    ) {
      core.info(`not a '${inputs[Inputs.TriggerLabel]}' label on an issue; nothing to do`);
      core.setOutput(Outputs.Outcome, 'skipped');
      return;
    }
    const permission = await triggerPermission(client, repo, event.sender);
    if (!permission.allowed) {
      const why = `agentgate did not run: @${event.sender} added the '${event.label}' label but has the '${permission.role}' role on this repository. The agent runs only for users with write, maintain or admin permission. Someone with one of those can add the label again.`;
      core.warning(why);
      if (!dryRun) await upsertStickyComment(client, repo, event.issue.number, `⛔ ${why}`);
      core.setOutput(Outputs.Outcome, 'unauthorized');
      return;
    }
  }

  const task = await resolveTask(m, event);
  const started = Date.now();
  const run = runUrl(ctx.run);
  let stickyId: number | undefined;
  const sticky = async (text: string) => {
    if (task.issue === undefined || dryRun) return;
    try {
      stickyId = await upsertStickyComment(
        client,
        repo,
        task.issue,
        `${text}\n\n[Workflow run](${run})`,
        stickyId,
      );
    } catch (e) {
      core.warning(`could not update the status comment on #${task.issue}: ${(e as Error).message}`);
    }
  };
  await sticky('🚀 agentgate started on this issue.');

  const policy = await resolvePolicy(ctx.run.workspace, inputs[Inputs.Policy]);
  const model = inputs[Inputs.Model] ?? DEFAULT_MODEL;
  const isolation = readIsolation(m.deps.isolationFile);
  const apiKey = inputs[Inputs.AnthropicApiKey] ?? m.deps.env.ANTHROPIC_API_KEY;
  const baseBranch =
    inputs[Inputs.BaseBranch] ?? ctx.run.defaultBranch ?? (await defaultBranch(client, repo));
  core.info(
    `policy ${policy.source}; model ${model}; PR base ${baseBranch}; isolation ${isolation?.tier ?? 'unknown'}`,
  );

  // The gates' engines are installed while the agent works.
  const engines = startEngines(m);
  await sticky('🛠️ The agent is working on it.');
  core.startGroup('agentgate: agent session');
  const result = await runSession(
    {
      repo: ctx.run.workspace,
      task: task.text,
      model,
      policy,
      prices: resolvePrices(model, {}),
      testCommand: inputs[Inputs.TestCommand],
      outDir: m.outDir,
      base: 'HEAD',
      budgets: {
        maxTurns: inputs[Inputs.MaxTurns] ?? DEFAULT_BUDGETS.maxTurns,
        maxTotalTokens: DEFAULT_BUDGETS.maxTotalTokens,
        maxCostUsd: inputs[Inputs.MaxCostUsd] ?? DEFAULT_BUDGETS.maxCostUsd,
        timeoutMs: (inputs[Inputs.TimeoutMinutes] ?? DEFAULT_BUDGETS.timeoutMs / 60_000) * 60_000,
      },
      ...(task.issue !== undefined ? { branchSlug: `issue-${task.issue}` } : {}),
      environment: { event: ctx.eventName, isolation: isolation ?? 'hosted/unknown', run },
    },
    {
      provider:
        m.deps.provider ?? createAnthropicProvider({ env: m.deps.env, ...(apiKey ? { apiKey } : {}) }),
      env: m.deps.env,
      log: (l) => core.info(l),
    },
  );
  core.endGroup();
  for (const w of result.warnings) core.warning(w);
  core.setOutput(Outputs.Outcome, result.outcome);
  core.setOutput(Outputs.Branch, result.branch);
  core.setOutput(Outputs.Commit, result.commit ?? '');
  core.setOutput(Outputs.CostUsd, result.costUsd.toFixed(4));
  core.setOutput(Outputs.Turns, String(result.turns));

  // The gates, on exactly what the agent committed.
  let gates: GatesRun | undefined;
  if (result.commit) {
    await sticky('🔎 The agent finished; the gates are judging the change.');
    const engineSetup = await engines.report();
    core.startGroup('agentgate: gates');
    gates = await runGates({
      repo: ctx.run.workspace,
      base: result.baseCommit,
      head: result.commit,
      policy: policy.policy,
      labels: inputs[Inputs.PrLabels],
      env: engineSetup.env,
      engines: engineSetup.engines,
      onProgress: (p) => core.info(p),
    });
    await writeGateReports(m.outDir, gates);
    for (const g of gates.report.gates)
      core.info(`${g.name}: ${g.status} (${g.engine}, ${g.findings.length} findings)`);
    core.endGroup();
    core.setOutput(Outputs.Verdict, gates.report.verdict);
    if (await scrubEvidence(m.outDir, gates.secrets))
      core.warning('secret values were redacted from the evidence');
  }

  // The evidence goes up first, so that whatever fails after, the patch and trace are kept.
  const artifact = await uploadEvidence(
    m.deps,
    `agentgate-${result.sessionId.slice(0, 8)}`,
    m.outDir,
    EVIDENCE_FILES,
    inputs[Inputs.ArtifactRetentionDays],
  );
  if (artifact) core.setOutput(Outputs.TraceArtifactId, String(artifact.id));
  const artifactLink = artifact ? artifactUrl(run, artifact.id) : undefined;

  const card: RiskCardData = {
    task: { text: task.text, origin: task.origin },
    result,
    durationMs: Date.now() - started,
    files: (gates?.diff.files ?? []).map((f) => ({
      path: f.path,
      added: f.binary ? null : f.addedLines,
      deleted: f.binary ? null : f.deletedLines,
    })),
    gates: gates?.report,
    isolation,
    links: { run, ...(artifactLink ? { artifacts: artifactLink } : {}) },
    ...(task.issue !== undefined ? { fixesIssue: task.issue } : {}),
  };
  const body = scrubText(riskCard(card), gates?.secrets ?? []);
  await core.summary.addRaw(body).write();

  const decision = publicationDecision(result, gates?.report, policy.policy.publish.onGateFailure);
  const evidence = artifactLink ? `The patch, trace and reports: ${artifactLink}` : `See the run: ${run}`;
  if (!decision.push || dryRun || !gates) {
    const why = dryRun ? 'dry run: nothing is pushed' : decision.reason;
    core.info(`no PR: ${why}`);
    await sticky(`${result.commit ? '⛔' : 'ℹ️'} No pull request: ${why}.\n\n${gatesLine(gates)}${evidence}`);
    finish(result, gates, why);
    return;
  }

  let pr: PullRequestRef;
  try {
    await pushBranch({
      repoDir: ctx.run.workspace,
      remote: 'origin',
      branch: result.branch,
      token,
      serverUrl: ctx.run.serverUrl,
    });
    const draft = inputs[Inputs.Draft] || gates.report.verdict === 'fail' || result.outcome !== 'completed';
    pr = await openPullRequest(client, repo, {
      head: result.branch,
      base: baseBranch,
      title: prTitle(task.title),
      body,
      draft,
    });
    await addLabels(client, repo, pr.number, riskLabels(inputs[Inputs.PrLabels], result, gates.report));
  } catch (e) {
    const compare = `${ctx.run.serverUrl}/${repo.owner}/${repo.repo}/compare/${baseBranch}...${result.branch}`;
    const msg = `publication failed after the agent's work was done: ${(e as Error).message}. ${evidence}. To recover, rerun the job, or push the branch ${result.branch} from the patch and open the PR by hand (${compare}).`;
    await sticky(`❌ ${msg}`);
    throw new Error(msg);
  }
  core.setOutput(Outputs.PrNumber, String(pr.number));
  core.setOutput(Outputs.PrUrl, pr.url);
  core.info(`pull request #${pr.number}: ${pr.url}`);
  await sticky(
    `✅ Opened ${pr.url} (${gates.report.verdict === 'pass' ? 'gates passed' : 'draft: the gates found problems'}).`,
  );
  finish(
    result,
    gates,
    gates.report.verdict === 'fail' ? `draft PR #${pr.number} opened for review` : undefined,
  );
}

function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim() !== '') ?? '';
}

/** `agentgate: <title>`, on one line, without hidden Unicode, at most 100 characters of title. */
export function prTitle(title: string): string {
  const clean = stripHiddenUnicode(title).text.replace(/\s+/g, ' ').trim();
  return `agentgate: ${clean.slice(0, 100) || 'change'}`;
}

function gatesLine(gates: GatesRun | undefined): string {
  if (!gates) return '';
  const blocking = gates.report.gates.flatMap((g) =>
    g.findings.filter((f) => f.blocking).map((f) => `${g.name}: ${f.ruleId}`),
  );
  return blocking.length > 0 ? `Blocking: ${[...new Set(blocking)].slice(0, 10).join(', ')}.\n\n` : '';
}

/** The job fails when the work is red, out of budget, or blocked by the gates. */
function finish(result: RunResult, gates: GatesRun | undefined, note: string | undefined): void {
  const problems: string[] = [];
  if (result.outcome !== 'completed')
    problems.push(`${result.outcome}${result.budget ? ` (${result.budget})` : ''}: ${result.detail}`);
  else if (result.tests.after && !result.tests.after.passed)
    problems.push('the tests are red after the change');
  if (gates && gates.report.verdict === 'fail') problems.push('the gates failed');
  if (problems.length > 0) core.setFailed(`agentgate: ${problems.join('; ')}${note ? ` — ${note}` : ''}`);
}
