// Gate mode: the required check on AI-authored pull requests. The gates run on the PR's whole change
// (merge base to head), so commits pushed after the agent's — by people or bots — are judged the same
// way; the result is a check run with annotations on the blocking findings, and the reports as artifacts.
import * as core from '@actions/core';
import { type Finding, type GatesRun, runGates, toMarkdown } from '../../gates/index.js';
import { CHECK_NAME, Inputs, Outputs } from '../constants.js';
import { UsageError } from '../errors.js';
import { git, resolveCommit } from '../git.js';
import { artifactUrl } from '../github/artifacts.js';
import { type GitHubClient, httpStatus } from '../github/client.js';
import { type PullRequestEvent, type PushEvent, type Repo, runUrl } from '../github/context.js';
import { type Annotation, completeCheckRun, startCheckRun } from '../github/pulls.js';
import {
  EVIDENCE_FILES,
  GATES_DIR,
  githubClient,
  type ModeContext,
  resolvePolicy,
  startEngines,
  uploadEvidence,
  writeGateReports,
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

/** The two sides of the change. For a PR: the merge base of base and head, and head. */
async function sides(
  workspace: string,
  event: PullRequestEvent | PushEvent,
): Promise<{ base: string; head: string }> {
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
      return { base: parent, head };
    }
    return { base: await need(event.before, 'previous'), head };
  }
  const head = await need(event.head.sha, "pull request's head");
  const baseTip = await need(event.base.sha, "pull request's base");
  const mb = await git(workspace, ['merge-base', baseTip, head], { allowFail: true });
  if (mb.exitCode !== 0) {
    throw new UsageError(
      `no merge base between ${event.base.ref} and the pull request's head in the checkout. Check out with 'fetch-depth: 0'.`,
    );
  }
  return { base: mb.stdout.trim(), head };
}

/** Starts the check run; undefined when the token may not (a fork's PR gets a read-only token). */
async function openCheck(client: GitHubClient, repo: Repo, headSha: string, run: string) {
  try {
    return await startCheckRun(client, repo, headSha, run);
  } catch (e) {
    if (httpStatus(e) !== 403) throw e;
    core.warning(
      `cannot create the check run '${CHECK_NAME}' with this token (${(e as Error).message}); a pull request from a fork gets a read-only token. The job's status carries the verdict.`,
    );
    return undefined;
  }
}

export async function gateMode(m: ModeContext, event: PullRequestEvent | PushEvent): Promise<void> {
  const { ctx, inputs } = m;
  const dryRun = inputs[Inputs.DryRun];
  const repo = ctx.run.repo;
  const run = runUrl(ctx.run);
  const labels = event.kind === 'pull-request' ? event.labels : [];
  const client = dryRun || !m.token ? undefined : githubClient(m, m.token);
  if (!dryRun && !client) {
    throw new UsageError(
      `input '${Inputs.GitHubToken}': gate mode needs a token with 'checks: write' to report its check run.`,
    );
  }
  const headSha = event.kind === 'pull-request' ? event.head.sha : event.after;
  const aiLabel = inputs[Inputs.PrLabels][0];
  const inScope =
    event.kind === 'push' ||
    inputs[Inputs.GateAllPullRequests] ||
    (aiLabel !== undefined && labels.includes(aiLabel));

  if (!inScope) {
    // A required check must still report, or every human PR would wait for it forever.
    core.info(`pull request without the '${aiLabel}' label: the gates do not apply`);
    const id = client ? await openCheck(client, repo, headSha, run) : undefined;
    if (client && id !== undefined) {
      await completeCheckRun(client, repo, id, {
        conclusion: 'neutral',
        title: 'Not an AI-authored pull request',
        summary: `The gates run on pull requests labelled \`${aiLabel}\` (or on all of them with \`${Inputs.GateAllPullRequests}: true\`).`,
        annotations: [],
      });
    }
    core.setOutput(Outputs.Outcome, 'skipped');
    return;
  }

  const checkId = client ? await openCheck(client, repo, headSha, run) : undefined;
  try {
    const { base, head } = await sides(ctx.run.workspace, event);
    const policy = await resolvePolicy(ctx.run.workspace, inputs[Inputs.Policy], base);
    core.info(`policy ${policy.source}`);
    const engines = await startEngines(m).report();
    core.startGroup(`agentgate: gates on ${base.slice(0, 12)}..${head.slice(0, 12)}`);
    const gates = await runGates({
      repo: ctx.run.workspace,
      base,
      head,
      policy: policy.policy,
      labels,
      env: engines.env,
      engines: engines.engines,
      onProgress: (p) => core.info(p),
    });
    await writeGateReports(m.outDir, gates);
    core.endGroup();

    const artifact = dryRun
      ? undefined
      : await uploadEvidence(
          m.deps,
          `agentgate-gates-${head.slice(0, 12)}-${ctx.run.runAttempt}`,
          m.outDir,
          EVIDENCE_FILES.filter((f) => f.startsWith(`${GATES_DIR}/`)),
          inputs[Inputs.ArtifactRetentionDays],
        );
    if (artifact) core.setOutput(Outputs.TraceArtifactId, String(artifact.id));
    const report = gates.report;
    const markdown = toMarkdown(
      report,
      artifact ? { detailsUrl: artifactUrl(run, artifact.id) } : { detailsUrl: run },
    );
    await core.summary.addRaw(markdown).write();
    const annotations = annotationsFor(report.gates);
    if (client && checkId !== undefined) {
      const blocking = report.gates.reduce((s, g) => s + g.findings.filter((f) => f.blocking).length, 0);
      const batches = await completeCheckRun(client, repo, checkId, {
        conclusion: report.verdict === 'pass' ? 'success' : 'failure',
        title: report.verdict === 'pass' ? 'Gates passed' : `Gates failed: ${blocking} blocking finding(s)`,
        summary: markdown,
        annotations,
      });
      core.info(
        `${CHECK_NAME}: ${report.verdict}, ${annotations.length} annotation(s) in ${batches} request(s)`,
      );
    }
    core.setOutput(Outputs.Verdict, report.verdict);
    core.setOutput(Outputs.Outcome, 'gated');
    const errored = report.gates.filter((g) => g.status === 'error');
    if (errored.length > 0)
      core.setFailed(`agentgate: gate error: ${errored.map((g) => `${g.name}: ${g.error}`).join('; ')}`);
    else if (report.verdict === 'fail') core.setFailed('agentgate: the gates failed on this change');
  } catch (e) {
    // Fail closed: a check that could not judge the change is a failed check.
    if (client && checkId !== undefined) {
      await completeCheckRun(client, repo, checkId, {
        conclusion: 'failure',
        title: 'The gates could not run',
        summary: (e as Error).message,
        annotations: [],
      }).catch((err: Error) => core.warning(`could not complete the check run: ${err.message}`));
    }
    throw e;
  }
}
