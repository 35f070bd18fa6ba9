// Gate mode: the required check on AI-authored pull requests. The check run is created first and
// concluded on every path; the gates run on the PR's whole change (merge base to head), so commits pushed
// after the agent's — by people or bots — are judged the same way. Which PRs are the agent's is read from
// what the agent produced (branch prefix, commit trailers, commit identity); a label only widens it.
import * as core from '@actions/core';
import { type Finding, type GatesRun, runGates, toMarkdown } from '../../gates/index.js';
import { agentMarks, pathsByAuthor } from '../authorship.js';
import { BRANCH_PREFIX, CHECK_NAME, Inputs, Outputs } from '../constants.js';
import { messageOf, UsageError } from '../errors.js';
import { git, resolveCommit } from '../git.js';
import { artifactUrl } from '../github/artifacts.js';
import { type GitHubClient, httpStatus } from '../github/client.js';
import { type PullRequestEvent, type PushEvent, type Repo, runUrl } from '../github/context.js';
import { type Annotation, type CheckResult, completeCheckRun, startCheckRun } from '../github/pulls.js';
import {
  DRY_RUN_BANNER,
  EVIDENCE_FILES,
  type EvidenceUpload,
  GATES_DIR,
  githubClient,
  type ModeContext,
  resolvePolicy,
  startEngines,
  uploadEvidence,
  writeGateReports,
  writeJobSummary,
} from './shared.js';

const ZERO_SHA = /^0+$/;

/** Annotations for the blocking findings on lines and files (change-level ones go in the summary). */
export function annotationsFor(gates: GatesRun['report']['gates']): Annotation[] {
  const out: Annotation[] = [];
  for (const gate of gates) {
    for (const f of gate.findings) {
      if (!f.blocking || !f.file) continue;
      const line = Math.max(1, f.line);
      out.push({
        path: f.file,
        start_line: line,
        end_line: Math.max(line, f.endLine ?? line),
        annotation_level: 'failure',
        title: `${gate.name}: ${f.ruleId} (${f.severity})`.slice(0, 255),
        message: annotationMessage(f),
      });
    }
  }
  return out;
}

function annotationMessage(f: Finding): string {
  const text = f.fix ? `${f.message}\nFix: ${f.fix}` : f.message;
  return text.slice(0, 64 * 1024 - 1);
}

interface Sides {
  base: string;
  head: string;
  /** How the base was chosen, for the summary. */
  how: string;
}

/** The two sides of the change. For a PR: the merge base of base and head, and head. */
async function sides(workspace: string, event: PullRequestEvent | PushEvent): Promise<Sides> {
  const need = async (sha: string, what: string) => {
    if (!(await resolveCommit(workspace, sha))) {
      throw new UsageError(
        `the ${what} commit ${sha.slice(0, 12)} is not in the checkout. Check out with actions/checkout 'fetch-depth: 0' so the gates can see the history.`,
      );
    }
    return sha;
  };
  if (event.kind === 'push') {
    const head = await need(event.after, 'pushed');
    if (ZERO_SHA.test(event.before)) {
      const parent = await resolveCommit(workspace, `${head}^`);
      if (!parent) throw new UsageError('a new branch with a root commit has no base to compare with');
      return { base: parent, head, how: `the parent of the first pushed commit on ${event.ref}` };
    }
    return { base: await need(event.before, 'previous'), head, how: `the push to ${event.ref}` };
  }
  const head = await need(event.head.sha, "pull request's head");
  const baseTip = await need(event.base.sha, "pull request's base");
  const mb = await git(workspace, ['merge-base', baseTip, head], { allowFail: true });
  if (mb.exitCode !== 0) {
    throw new UsageError(
      `no merge base between ${event.base.ref} and the pull request's head in the checkout. Check out with 'fetch-depth: 0'.`,
    );
  }
  return {
    base: mb.stdout.trim(),
    head,
    how: `the merge base with ${event.base.ref} to the head of #${event.number}`,
  };
}

/** What the check concludes, and what the job reports. */
interface Judgement extends CheckResult {
  /** The job's failure message, when it fails. */
  fail?: string;
  verdict: 'pass' | 'fail' | 'skipped';
  outcome: 'gated' | 'skipped' | 'error';
}

/** Why this change is in the gates' scope, or undefined when it is not the agent's. */
async function scopeOf(m: ModeContext, event: PullRequestEvent | PushEvent, s: Sides) {
  if (event.kind === 'push') return 'every push is judged';
  if (m.inputs[Inputs.GateAllPullRequests]) return `\`${Inputs.GateAllPullRequests}: true\``;
  const marks = await agentMarks(m.ctx.run.workspace, s.base, s.head, event.head.ref);
  const aiLabel = m.inputs[Inputs.PrLabels][0];
  if (aiLabel !== undefined && event.labels.includes(aiLabel)) marks.push(`it is labelled \`${aiLabel}\``);
  return marks.length > 0 ? `the agent's change: ${marks.join('; ')}` : undefined;
}

async function judge(m: ModeContext, event: PullRequestEvent | PushEvent): Promise<Judgement> {
  const { ctx, inputs } = m;
  const dryRun = inputs[Inputs.DryRun];
  const run = runUrl(ctx.run);
  const s = await sides(ctx.run.workspace, event);
  const range = `\`${s.base.slice(0, 12)}..${s.head.slice(0, 12)}\``;
  const scope = await scopeOf(m, event, s);
  if (!scope) {
    // A required check must still report, or every human PR would wait for it forever.
    core.info('not the agent’s pull request: the gates do not apply');
    const summary = `No agent commits, no \`${BRANCH_PREFIX}\` branch and no \`${inputs[Inputs.PrLabels][0]}\` label on ${range}. The gates run on the agent's pull requests (or on all of them with \`${Inputs.GateAllPullRequests}: true\`).`;
    await writeJobSummary(
      `${dryRun ? DRY_RUN_BANNER : ''}**agentgate gates: not applicable** · ${summary}\n`,
      m.deps.env,
    );
    return {
      conclusion: 'neutral',
      title: 'Not an AI-authored pull request',
      summary,
      annotations: [],
      verdict: 'skipped',
      outcome: 'skipped',
    };
  }
  const policy = await resolvePolicy(ctx.run.workspace, inputs[Inputs.Policy], s.base);
  core.info(`judging ${s.base}..${s.head} (${s.how}); in scope: ${scope}; policy ${policy.source}`);
  // People's commits on the change (not the agent's): their protected-path changes are for review.
  const authors = await pathsByAuthor(ctx.run.workspace, s.base, s.head);
  const engines = await startEngines(m).report();
  core.startGroup(`agentgate: gates on ${s.base.slice(0, 12)}..${s.head.slice(0, 12)}`);
  const gates = await runGates({
    repo: ctx.run.workspace,
    base: s.base,
    head: s.head,
    policy: policy.policy,
    labels: event.kind === 'pull-request' ? event.labels : [],
    humanOnly: authors.humanOnly,
    env: engines.env,
    engines: engines.engines,
    onProgress: (p) => core.info(p),
  });
  await writeGateReports(m.outDir, gates);
  core.endGroup();

  const artifact: EvidenceUpload = dryRun
    ? {}
    : await uploadEvidence(
        m.deps,
        `agentgate-gates-${s.head.slice(0, 12)}-${ctx.run.runAttempt}`,
        m.outDir,
        EVIDENCE_FILES.filter((f) => f.startsWith(`${GATES_DIR}/`)),
        inputs[Inputs.ArtifactRetentionDays],
      );
  if (artifact.uploaded) core.setOutput(Outputs.TraceArtifactId, String(artifact.uploaded.id));
  const report = gates.report;
  const evidence = artifact.uploaded
    ? `[Reports and SBOM](${artifactUrl(run, artifact.uploaded.id)})`
    : dryRun
      ? `dry run: the reports are in \`${m.outDir}/${GATES_DIR}\` on the runner`
      : `⚠️ the reports could not be uploaded (${artifact.error}); [the run](${run})`;
  const header = [`Judged ${range} (${s.how}) · ${evidence}`, '', `In scope: ${scope}.`, ''].join('\n');
  const markdown = `${header}\n${toMarkdown(report)}`;
  await writeJobSummary(`${dryRun ? DRY_RUN_BANNER : ''}${markdown}`, m.deps.env);
  const blocking = report.gates.reduce((n, g) => n + g.findings.filter((f) => f.blocking).length, 0);
  const errored = report.gates.filter((g) => g.status === 'error');
  const fail =
    errored.length > 0
      ? `agentgate: gate error: ${errored.map((g) => `${g.name}: ${g.error}`).join('; ')}`
      : report.verdict === 'fail'
        ? 'agentgate: the gates failed on this change'
        : undefined;
  return {
    conclusion: report.verdict === 'pass' ? 'success' : 'failure',
    title: report.verdict === 'pass' ? 'Gates passed' : `Gates failed: ${blocking} blocking finding(s)`,
    summary: markdown,
    annotations: annotationsFor(report.gates),
    verdict: report.verdict,
    outcome: 'gated',
    ...(fail ? { fail } : {}),
  };
}

export async function gateMode(m: ModeContext, event: PullRequestEvent | PushEvent): Promise<void> {
  const { ctx, inputs } = m;
  const dryRun = inputs[Inputs.DryRun];
  const repo = ctx.run.repo;
  const client = dryRun || !m.token ? undefined : githubClient(m, m.token);
  if (!dryRun && !client) {
    throw new UsageError(
      `input '${Inputs.GitHubToken}': gate mode needs a token with 'checks: write' to report its check run.`,
    );
  }
  const headSha = event.kind === 'pull-request' ? event.head.sha : event.after;

  // The check run first: from here on, every path concludes it.
  const check = client ? await openCheck(client, repo, headSha, runUrl(ctx.run)) : { id: undefined };
  let j: Judgement;
  try {
    j = await judge(m, event);
  } catch (e) {
    // Fail closed: a check that could not judge the change is a failed check.
    const message = messageOf(e);
    j = {
      conclusion: 'failure',
      title: 'The gates could not run',
      summary: message,
      annotations: [],
      verdict: 'fail',
      outcome: 'error',
      fail: `agentgate: ${message}`,
    };
  }
  const problems = j.fail ? [j.fail] : [];
  if (check.problem) problems.push(check.problem);
  if (client && check.id !== undefined) {
    const concluded = await concludeCheck(client, repo, check.id, j);
    if (concluded) problems.push(concluded);
  }
  core.setOutput(Outputs.Verdict, j.verdict === 'skipped' ? '' : j.verdict);
  core.setOutput(Outputs.Outcome, j.outcome);
  if (problems.length > 0) core.setFailed(problems.join('\n'));
}

/**
 * Starts the check run. A 403 (a fork's PR gets a read-only token) is a warning; any other failure is
 * kept as a problem the job ends with, after the gates have still judged the change.
 */
async function openCheck(
  client: GitHubClient,
  repo: Repo,
  headSha: string,
  run: string,
): Promise<{ id: number | undefined; problem?: string }> {
  try {
    return { id: await startCheckRun(client, repo, headSha, run) };
  } catch (e) {
    if (httpStatus(e) === 403) {
      core.warning(
        `cannot create the check run '${CHECK_NAME}' with this token (${messageOf(e)}); a pull request from a fork gets a read-only token. The job's status carries the verdict.`,
      );
      return { id: undefined };
    }
    return {
      id: undefined,
      problem: `agentgate: the check run '${CHECK_NAME}' could not be created on ${headSha.slice(0, 12)} (${messageOf(e)}); the job's status carries the verdict. Rerun the job to post the check.`,
    };
  }
}

/**
 * Concludes the check run: the full result (summary and annotations) first; if that keeps failing, the
 * conclusion alone with a short summary, so the check never stays in progress. Returns the job's failure
 * message when even that fails.
 */
async function concludeCheck(
  client: GitHubClient,
  repo: Repo,
  id: number,
  j: Judgement,
): Promise<string | undefined> {
  try {
    const batches = await completeCheckRun(client, repo, id, j);
    core.info(
      `${CHECK_NAME}: ${j.conclusion}, ${j.annotations.length} annotation(s) in ${batches} request(s)`,
    );
    return undefined;
  } catch (e) {
    core.warning(
      `could not conclude the check run ${id} with its full report (${messageOf(e)}); concluding it with the verdict alone`,
    );
  }
  try {
    await completeCheckRun(client, repo, id, {
      conclusion: j.conclusion,
      title: j.title,
      summary: `${j.summary.slice(0, 2000)}\n\nThe full report could not be posted; see the job's summary.`,
      annotations: [],
    });
    return undefined;
  } catch (e) {
    return `agentgate: the check run '${CHECK_NAME}' (id ${id}) could not be concluded '${j.conclusion}': ${messageOf(e)}. It stays in progress: rerun this job, or re-run the check from the pull request's Checks tab.`;
  }
}
