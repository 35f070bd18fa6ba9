// Agent mode: a task from a dispatch, a labelled issue or a schedule, in named phases — authorize →
// session → judge → evidence → publish → report. The agent works in its sandbox; the gates judge what it
// committed; the evidence goes up first; then the action — never the agent — pushes the branch and opens a
// labelled PR whose body is the risk card. The issue's status comment reaches a final state on every path.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as core from '@actions/core';
import { type GatesRun, runGates } from '../../gates/index.js';
import { scrubText } from '../../lib/redact.js';
import { DEFAULT_BUDGETS } from '../budgets.js';
import { Inputs, Outputs } from '../constants.js';
import { messageOf, UsageError } from '../errors.js';
import { artifactUrl } from '../github/artifacts.js';
import type { GitHubClient } from '../github/client.js';
import { type DispatchEvent, type IssueLabelEvent, runUrl, type ScheduleEvent } from '../github/context.js';
import { defaultBranch, triggerPermission, upsertStickyComment } from '../github/repo.js';
import { createAnthropicProvider } from '../llm/anthropic.js';
import { DEFAULT_MODEL, resolvePrices } from '../llm/pricing.js';
import { code, type RiskCardData, riskCard } from '../publish/risk-card.js';
import { type RunResult, runSession } from '../run.js';
import { taskSource } from '../settings.js';
import { type AgentContext, publishPhase, report, type Task } from './agent-publish.js';
import {
  EVIDENCE_FILES,
  type EvidenceUpload,
  githubClient,
  type ModeContext,
  readIsolation,
  resolvePolicy,
  scrubEvidence,
  setupCacheFor,
  startEngines,
  uploadEvidence,
  writeGateReports,
} from './shared.js';
import { type StatusComment, statusComment } from './status-comment.js';

type AgentEvent = DispatchEvent | IssueLabelEvent | ScheduleEvent;

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

export function requireToken(m: ModeContext): string {
  if (!m.token) {
    throw new UsageError(
      `input '${Inputs.GitHubToken}': no token. It defaults to \${{ github.token }}; give the job 'contents: write', 'pull-requests: write' and 'issues: write' permissions.`,
    );
  }
  return m.token;
}

/** Phase 1: whether this event starts the agent, and the task it brings. Undefined: nothing to do. */
async function authorize(m: ModeContext, event: AgentEvent, client: GitHubClient): Promise<Task | undefined> {
  const { inputs } = m;
  if (event.kind === 'issue-label') {
    if (
      event.action !== 'labeled' ||
      event.label !== inputs[Inputs.TriggerLabel] ||
      event.issue.isPullRequest
    ) {
      core.info(`not a '${inputs[Inputs.TriggerLabel]}' label on an issue; nothing to do`);
      core.setOutput(Outputs.Outcome, 'skipped');
      return undefined;
    }
    const permission = await triggerPermission(client, m.ctx.run.repo, event.sender);
    if (!permission.allowed) {
      const why = `agentgate did not run: @${event.sender} added the '${event.label}' label but has the '${permission.role}' role on this repository. The agent runs only for users with write, maintain or admin permission. Someone with one of those can add the label again.`;
      core.warning(why);
      if (!inputs[Inputs.DryRun]) {
        await upsertStickyComment(client, m.ctx.run.repo, event.issue.number, `⛔ ${why}`).catch((e) =>
          core.warning(`could not comment on #${event.issue.number}: ${messageOf(e)}`),
        );
      }
      core.setOutput(Outputs.Outcome, 'unauthorized');
      return undefined;
    }
  }
  return resolveTask(m, event);
}

/**
 * One agent session in the job's checkout, with the action's inputs (model, key, budgets, setup) and
 * its model client. Agent mode runs one; flaky mode one per test it fixes.
 */
export function actionSession(
  m: AgentContext,
  s: {
    task: string;
    testCommand: string | undefined;
    outDir: string;
    branchSlug?: string;
    maxCostUsd?: number;
  },
): Promise<RunResult> {
  const { ctx, inputs } = m;
  const model = inputs[Inputs.Model] ?? DEFAULT_MODEL;
  const apiKey = inputs[Inputs.AnthropicApiKey] ?? m.deps.env.ANTHROPIC_API_KEY;
  return runSession(
    {
      repo: ctx.run.workspace,
      task: s.task,
      model,
      policy: m.policy,
      prices: resolvePrices(model, {}),
      testCommand: s.testCommand,
      ...(inputs[Inputs.SetupCommand] ? { setupCommand: inputs[Inputs.SetupCommand] } : {}),
      setupCache: setupCacheFor(m, m.policy),
      outDir: s.outDir,
      base: 'HEAD',
      budgets: {
        maxTurns: inputs[Inputs.MaxTurns] ?? DEFAULT_BUDGETS.maxTurns,
        maxTotalTokens: DEFAULT_BUDGETS.maxTotalTokens,
        maxCostUsd: s.maxCostUsd ?? inputs[Inputs.MaxCostUsd] ?? DEFAULT_BUDGETS.maxCostUsd,
        timeoutMs: (inputs[Inputs.TimeoutMinutes] ?? DEFAULT_BUDGETS.timeoutMs / 60_000) * 60_000,
      },
      ...(s.branchSlug ? { branchSlug: s.branchSlug } : {}),
      environment: {
        event: ctx.eventName,
        isolation: readIsolation(m.deps.isolationFile) ?? 'hosted/unknown',
        run: runUrl(ctx.run),
      },
    },
    {
      provider:
        m.deps.provider ??
        createAnthropicProvider({
          env: m.deps.env,
          retryWindowMs: inputs[Inputs.ModelRetryMinutes] * 60_000,
          ...m.deps.modelTiming,
          ...(apiKey ? { apiKey } : {}),
        }),
      env: m.deps.env,
      log: (l) => core.info(l),
    },
  );
}

/** Phase 2: the agent session, on a branch of the checkout. */
async function session(m: AgentContext, task: Task, status: StatusComment): Promise<RunResult> {
  await status.progress('🛠️ The agent is working on it.');
  core.startGroup('agentgate: agent session');
  try {
    const result = await actionSession(m, {
      task: task.text,
      testCommand: m.inputs[Inputs.TestCommand],
      outDir: m.outDir,
      ...(task.issue !== undefined ? { branchSlug: `issue-${task.issue}` } : {}),
    });
    for (const w of result.warnings) core.warning(w);
    core.setOutput(Outputs.Outcome, result.outcome);
    core.setOutput(Outputs.Branch, result.branch);
    core.setOutput(Outputs.Commit, result.commit ?? '');
    core.setOutput(Outputs.CostUsd, result.costUsd.toFixed(4));
    core.setOutput(Outputs.Turns, String(result.turns));
    return result;
  } finally {
    core.endGroup();
  }
}

/** Phase 3: the gates, on exactly what the agent committed. */
export async function judge(
  m: AgentContext,
  result: RunResult,
  engines: ReturnType<typeof startEngines>,
  status: StatusComment,
): Promise<GatesRun | undefined> {
  if (!result.commit) return undefined;
  await status.progress('🔎 The agent finished; the gates are judging the change.');
  const engineSetup = await engines.report();
  core.startGroup('agentgate: gates');
  try {
    const gates = await runGates({
      repo: m.ctx.run.workspace,
      base: result.baseCommit,
      head: result.commit,
      policy: m.policy.policy,
      labels: m.inputs[Inputs.PrLabels],
      env: engineSetup.env,
      engines: engineSetup.engines,
      onProgress: (p) => core.info(p),
    });
    await writeGateReports(m.outDir, gates);
    for (const g of gates.report.gates)
      core.info(`${g.name}: ${g.status} (${g.engine}, ${g.findings.length} findings)`);
    core.setOutput(Outputs.Verdict, gates.report.verdict);
    if (await scrubEvidence(m.outDir, gates.secrets))
      core.warning('secret values were redacted from the evidence');
    return gates;
  } finally {
    core.endGroup();
  }
}

/** Phase 4: the evidence goes up before anything is published; a dry run keeps it on disk only. */
export async function evidence(
  m: AgentContext,
  result: RunResult,
): Promise<EvidenceUpload & { link?: string }> {
  if (m.inputs[Inputs.DryRun]) return {};
  const up = await uploadEvidence(
    m.deps,
    `agentgate-${result.sessionId.slice(0, 8)}`,
    m.outDir,
    EVIDENCE_FILES,
    m.inputs[Inputs.ArtifactRetentionDays],
  );
  if (!up.uploaded) return up;
  core.setOutput(Outputs.TraceArtifactId, String(up.uploaded.id));
  return { ...up, link: artifactUrl(runUrl(m.ctx.run), up.uploaded.id) };
}

/** The risk card: the PR body, and (with the publication's state on top) the job summary. */
export function card(
  m: AgentContext,
  task: Task,
  result: RunResult,
  gates: GatesRun | undefined,
  ev: EvidenceUpload & { link?: string },
  started: number,
  sections: RiskCardData['sections'] = [],
): string {
  const data: RiskCardData = {
    task: { text: task.text, origin: task.origin },
    result,
    durationMs: Date.now() - started,
    files: (gates?.diff.files ?? []).map((f) => ({
      path: f.path,
      added: f.binary ? null : f.addedLines,
      deleted: f.binary ? null : f.deletedLines,
    })),
    gates: gates?.report,
    isolation: readIsolation(m.deps.isolationFile),
    links: { run: runUrl(m.ctx.run), ...(ev.link ? { artifacts: ev.link } : {}) },
    ...(ev.error ? { evidenceMissing: ev.error } : {}),
    ...(task.issue !== undefined ? { fixesIssue: task.issue } : {}),
    sections,
  };
  return scrubText(riskCard(data), gates?.secrets ?? []);
}

export async function agentMode(m0: ModeContext, event: AgentEvent): Promise<void> {
  const { ctx, inputs } = m0;
  const dryRun = inputs[Inputs.DryRun];
  const token = requireToken(m0);
  const client = githubClient(m0, token);
  const run = runUrl(ctx.run);

  const task = await authorize(m0, event, client);
  if (!task) return;
  const status = statusComment({
    client: dryRun ? undefined : client,
    repo: ctx.run.repo,
    issue: task.issue,
    runUrl: run,
  });
  const started = Date.now();
  try {
    await status.progress('🚀 agentgate started on this issue.');
    const policy = await resolvePolicy(ctx.run.workspace, inputs[Inputs.Policy]);
    const m = { ...m0, policy };
    const baseBranch =
      inputs[Inputs.BaseBranch] ?? ctx.run.defaultBranch ?? (await defaultBranch(client, ctx.run.repo));
    core.info(
      `policy ${policy.source}; model ${inputs[Inputs.Model] ?? DEFAULT_MODEL}; PR base ${baseBranch}${dryRun ? '; DRY RUN: nothing is published' : ''}`,
    );
    // The gates' engines are installed while the agent works.
    const engines = startEngines(m);
    const result = await session(m, task, status);
    const gates = await judge(m, result, engines, status);
    const ev = await evidence(m, result);
    const body = card(m, task, result, gates, ev, started);
    await writeFile(path.join(m.outDir, 'risk-card.md'), body).catch((e) =>
      core.warning(`could not write risk-card.md: ${messageOf(e)}`),
    );
    const published = await publishPhase(m, { task, result, gates, ev, body, baseBranch, client, token });
    await report(m, { task, result, gates, ev, body, published, status, baseBranch });
  } catch (e) {
    // Whatever failed, the issue's status comment ends here, and what the run kept goes up.
    const kept = await keepEvidenceAfterError(m0);
    await status.settle(
      `❌ agentgate stopped with an error: ${code(messageOf(e).slice(0, 500))}\n\n${kept ? `What the run kept (trace, patch, result.json): ${kept}` : 'The job log says what the run kept.'}`,
    );
    throw e;
  }
}

/**
 * After an error: whatever the run kept goes up as the artifact, so the trace is not lost with the
 * runner. Returns the artifact's link, when there is one.
 */
export async function keepEvidenceAfterError(
  m: ModeContext,
  name = `agentgate-error-${m.ctx.run.runAttempt}`,
  files: readonly string[] = EVIDENCE_FILES,
): Promise<string | undefined> {
  if (m.inputs[Inputs.DryRun]) return undefined;
  const up = await uploadEvidence(m.deps, name, m.outDir, files, m.inputs[Inputs.ArtifactRetentionDays]);
  if (!up.uploaded) return undefined;
  core.setOutput(Outputs.TraceArtifactId, String(up.uploaded.id));
  return artifactUrl(runUrl(m.ctx.run), up.uploaded.id);
}

function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim() !== '') ?? '';
}
