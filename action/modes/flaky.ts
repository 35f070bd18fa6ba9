// Flaky mode: the nightly hunter, on a schedule or a dispatch. find → confirm → plan → for each test
// chosen tonight: session → judge → evidence → publish → summary. Candidates come from the repository's
// Actions history and an optional sweep; each is rerun alone at the base before anything is spent on a
// model. A confirmed test gets one agent session whose finish check is the proof (the test passing its
// reruns in a row, then the whole suite), and one labelled PR on a branch named after the test, so a
// second night finds the first night's PR or branch and leaves the test alone. The night's PR count and
// model cost are bounded, and the job summary lists every candidate with its rate and what happened.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as core from '@actions/core';
import { DEFAULT_BUDGETS } from '../budgets.js';
import { FLAKY_LABELS, Inputs, Outputs } from '../constants.js';
import { messageOf, UsageError } from '../errors.js';
import { FlakyInputError, type FlakyReport, hunt, type readProof, recordFix } from '../flaky/hunt.js';
import {
  FLAKY_BRANCH_PREFIX,
  flakySlug,
  type NightCandidate,
  type NightDecision,
  nightSummary,
  planNight,
} from '../flaky/nightly.js';
import type { GitHubClient } from '../github/client.js';
import { runUrl } from '../github/context.js';
import { remoteBranchNames } from '../github/push.js';
import { defaultBranch, ensureLabels } from '../github/repo.js';
import { code, formatUsd } from '../publish/risk-card.js';
import type { RunResult } from '../run.js';
import { actionSession, card, evidence, judge, keepEvidenceAfterError, requireToken } from './agent.js';
import { type AgentContext, publicationText, publishPhase, shortfalls, type Task } from './agent-publish.js';
import { taskKey } from './publication.js';
import {
  DRY_RUN_BANNER,
  EVIDENCE_FILES,
  githubClient,
  type ModeContext,
  resolvePolicy,
  setupCacheFor,
  startEngines,
  uploadEvidence,
  writeJobSummary,
} from './shared.js';
import { statusComment } from './status-comment.js';

/** The input each of the hunt's problems concerns. */
const INPUT_OF = {
  base: Inputs.BaseBranch,
  framework: Inputs.FlakyFramework,
  setup: Inputs.SetupCommand,
} as const;

/** What became of one test chosen for a fix tonight. */
interface FixOutcome {
  id: string;
  line: string;
  costUsd: number;
  pr?: { number: number; url: string };
  /** Why the job should fail for it (publication broke, evidence lost, gates failed). */
  problems: string[];
}

export async function flakyMode(m0: ModeContext): Promise<void> {
  const { ctx, inputs } = m0;
  const dryRun = inputs[Inputs.DryRun];
  const token = requireToken(m0);
  const client = githubClient(m0, token);
  mkdirSync(m0.outDir, { recursive: true });
  try {
    const policy = await resolvePolicy(ctx.run.workspace, inputs[Inputs.Policy]);
    const m: AgentContext = { ...m0, policy };
    const baseBranch =
      inputs[Inputs.BaseBranch] ?? ctx.run.defaultBranch ?? (await defaultBranch(client, ctx.run.repo));
    const quarantine = policy.policy.flaky.quarantine === 'allow';
    core.info(
      `policy ${policy.source}; quarantine ${quarantine ? 'allowed' : 'not allowed'}; PR base ${baseBranch}${dryRun ? '; DRY RUN: nothing is published' : ''}`,
    );

    // 1. Find and confirm: no model call.
    core.startGroup('agentgate: flaky tests: find and confirm');
    let report: FlakyReport;
    try {
      report = await hunt({
        repo: ctx.run.workspace,
        base: 'HEAD',
        policy,
        ...(inputs[Inputs.FlakyFramework] ? { framework: inputs[Inputs.FlakyFramework] } : {}),
        ...(inputs[Inputs.TestCommand] ? { testCommand: inputs[Inputs.TestCommand] } : {}),
        ...(inputs[Inputs.FlakyRunner]
          ? { runner: (inputs[Inputs.FlakyRunner] ?? '').split(/\s+/).filter(Boolean) }
          : {}),
        ...(inputs[Inputs.SetupCommand] ? { setup: inputs[Inputs.SetupCommand] } : {}),
        setupCache: setupCacheFor(m, policy),
        runs: inputs[Inputs.FlakyRuns],
        confirmRuns: inputs[Inputs.FlakyConfirm],
        maxCandidates: inputs[Inputs.FlakyMaxCandidates],
        fixReruns: inputs[Inputs.FlakyFixReruns],
        quarantine,
        ...(inputs[Inputs.FlakyDays] > 0
          ? { history: { client, ...ctx.run.repo, days: inputs[Inputs.FlakyDays] } }
          : {}),
        outDir: m.outDir,
        env: m.deps.env,
        log: (l) => core.info(l),
      });
    } catch (e) {
      if (e instanceof FlakyInputError) throw new UsageError(`input '${INPUT_OF[e.field]}': ${e.message}`);
      throw e;
    } finally {
      core.endGroup();
    }
    const reportFile = path.join(m.outDir, 'flaky.json');
    writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);
    core.setOutput(Outputs.FlakyReport, reportFile);

    // 2. Plan: one PR per test, never a second while the first is open or its branch exists; the budget.
    const candidates: NightCandidate[] = report.candidates.map((c) => ({
      id: c.id,
      found: { runs: c.sweep.runs, failures: c.sweep.failures, source: c.source },
      confirmed: {
        verdict: c.confirmation.verdict,
        runs: c.confirmation.runs,
        failures: c.confirmation.failures,
      },
    }));
    const nightCost = inputs[Inputs.FlakyMaxCostUsd];
    const sessionCost = Math.min(inputs[Inputs.MaxCostUsd] ?? DEFAULT_BUDGETS.maxCostUsd, nightCost);
    const confirmed = candidates.some((c) => c.confirmed.verdict === 'flaky');
    const seen = confirmed
      ? await existingWork(m, client, token)
      : { heads: new Map<string, number>(), branches: new Set<string>() };
    const decisions = planNight(candidates, {
      openPrHeads: seen.heads,
      remoteBranches: seen.branches,
      maxPrs: inputs[Inputs.FlakyMaxPrs],
      maxCostUsd: nightCost,
      defaultCostUsd: sessionCost,
    });

    // 3. Fix, one session and one PR per chosen test.
    const outcomes: FixOutcome[] = [];
    let spent = 0;
    for (const [n, d] of decisions.entries()) {
      if (d.decision.kind !== 'fix') continue;
      const c = report.candidates.find((x) => x.id === d.id);
      if (!c?.fix) continue;
      const budget = Math.min(sessionCost, nightCost - spent);
      const outcome = await fixOne(m, {
        c,
        n: n + 1,
        branch: d.decision.branch,
        budgetUsd: budget,
        baseBranch,
        client,
        token,
        quarantine,
      });
      spent += outcome.costUsd;
      outcomes.push(outcome);
    }
    writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);

    // 4. The night's summary and artifact.
    const summary = nightText(report, candidates, decisions, outcomes, spent, nightCost);
    writeFileSync(path.join(m.outDir, 'flaky-summary.md'), summary);
    if (!dryRun) {
      const up = await uploadEvidence(
        m.deps,
        `agentgate-flaky-${ctx.run.runId}-${ctx.run.runAttempt}`,
        m.outDir,
        ['flaky.json', 'flaky-summary.md'],
        inputs[Inputs.ArtifactRetentionDays],
      );
      if (up.error) core.warning(`the night's report could not be uploaded: ${up.error}`);
    }
    await writeJobSummary(`${dryRun ? DRY_RUN_BANNER : ''}${summary}`, m.deps.env);
    const first = outcomes.find((o) => o.pr);
    core.setOutput(Outputs.Outcome, 'hunted');
    core.setOutput(Outputs.CostUsd, spent.toFixed(4));
    if (first?.pr) {
      core.setOutput(Outputs.PrNumber, String(first.pr.number));
      core.setOutput(Outputs.PrUrl, first.pr.url);
    }
    const problems = outcomes.flatMap((o) => o.problems.map((p) => `${o.id}: ${p}`));
    if (problems.length > 0) core.setFailed(`agentgate: ${problems.join('; ')}`);
  } catch (e) {
    // What the night found (flaky.json) and any fix's session evidence go up with the error.
    const kept = await keepEvidenceAfterError(m0, `agentgate-flaky-error-${ctx.run.runAttempt}`, [
      'flaky.json',
      'flaky-summary.md',
      ...keptFixFiles(m0.outDir),
    ]);
    const where = kept
      ? `What the night found is in the artifact ${kept} (flaky.json, and each fix's trace and patch).`
      : dryRun
        ? `What the night found is on the runner in ${m0.outDir}.`
        : 'No report was kept: the hunt stopped before it had one.';
    throw new Error(`${messageOf(e)}. ${where}`);
  }
}

/** The open PRs' heads and the remote's flaky branches. Fails the night rather than risk a duplicate. */
async function existingWork(
  m: AgentContext,
  client: GitHubClient,
  token: string,
): Promise<{ heads: Map<string, number>; branches: Set<string> }> {
  const { repo, workspace, serverUrl } = m.ctx.run;
  const full = `${repo.owner}/${repo.repo}`.toLowerCase();
  try {
    const open = await client.paginate(client.rest.pulls.list, { ...repo, state: 'open', per_page: 100 });
    const heads = new Map<string, number>();
    for (const p of open) {
      if (p.head.repo?.full_name?.toLowerCase() === full) heads.set(p.head.ref, p.number);
    }
    const branches = await remoteBranchNames(
      { repoDir: workspace, remote: 'origin', token, serverUrl },
      FLAKY_BRANCH_PREFIX,
    );
    return { heads, branches };
  } catch (e) {
    throw new Error(
      `could not list the open PRs and agentgate/flaky-* branches, so no fix is attempted (it could duplicate one): ${messageOf(e)}`,
    );
  }
}

/** One confirmed test: its session with the proof as finish check, the gates, the evidence, the PR. */
async function fixOne(
  m: AgentContext,
  f: {
    c: FlakyReport['candidates'][number];
    n: number;
    branch: string;
    budgetUsd: number;
    baseBranch: string;
    client: GitHubClient;
    token: string;
    quarantine: boolean;
  },
): Promise<FixOutcome> {
  const { c, n } = f;
  const fix = c.fix as NonNullable<typeof c.fix>;
  const { ctx, inputs } = m;
  const fm: AgentContext = { ...m, outDir: path.join(m.outDir, `fix-${n}`) };
  const task: Task = {
    text: readFileSync(fix.taskFile, 'utf8'),
    origin: `the flaky-test hunter (${ctx.eventName === 'schedule' ? 'a scheduled run' : `a ${ctx.eventName} by @${ctx.run.actor}`})`,
    title: `fix flaky test ${c.id}`,
    key: flakySlug(c.id),
  };
  const started = Date.now();
  const engines = startEngines(fm);
  core.startGroup(`agentgate: fix ${c.id}`);
  let result: RunResult;
  try {
    result = await actionSession(fm, {
      task: task.text,
      testCommand: fix.proofCommand,
      outDir: fm.outDir,
      branchSlug: flakySlug(c.id),
      maxCostUsd: f.budgetUsd,
    });
  } finally {
    core.endGroup();
  }
  for (const w of result.warnings) core.warning(w);

  const { table, quarantined, proof } = recordFix(
    c,
    result,
    inputs[Inputs.FlakyFixReruns],
    path.join(m.outDir, `flaky-fix-${n}.evidence.md`),
  );
  const outcome: FixOutcome = { id: c.id, line: '', costUsd: result.costUsd, problems: [] };

  // A fix whose proof did not hold is not published: the evidence stays in the night's artifact.
  if (result.outcome !== 'completed' || !result.commit) {
    const why =
      result.outcome === 'completed'
        ? 'the agent changed nothing'
        : `the fix was not proven (${result.outcome}: ${result.detail.slice(0, 200)})`;
    const ev = await evidence(fm, result);
    outcome.line = `no PR: ${why}${ev.link ? `; [its trace and patch](${ev.link})` : ''}`;
    return outcome;
  }

  // No issue to keep a status comment on: the status "comment" writes nowhere.
  const gates = await judge(
    fm,
    result,
    engines,
    statusComment({ client: undefined, repo: ctx.run.repo, issue: undefined, runUrl: runUrl(ctx.run) }),
  );
  const ev = await evidence(fm, result);
  const dryRun = inputs[Inputs.DryRun];
  let tracking: number | undefined;
  if (quarantined && !dryRun) {
    tracking = await trackingIssue(m, f.client, c.id, table, f.branch).catch((e) => {
      outcome.problems.push(`the tracking issue of the quarantine could not be opened (${messageOf(e)})`);
      return undefined;
    });
  }
  const sections = [
    {
      title: quarantined ? 'Flaky test quarantined' : 'Flaky test: before and after',
      markdown: `${table}${quarantined ? `\nThe policy allows quarantine (\`flaky.quarantine: allow\`). ${tracking !== undefined ? `Tracking issue: #${tracking}.` : 'No tracking issue could be opened: see the job log.'}\n` : ''}`,
    },
  ];
  const body = card(fm, task, result, gates, ev, started, sections);
  await writeFile(path.join(fm.outDir, 'risk-card.md'), body).catch(() => {});
  const labels: string[] = [FLAKY_LABELS.fix.name, ...(quarantined ? [FLAKY_LABELS.quarantined.name] : [])];
  const published = await publishPhase(fm, {
    task,
    result,
    gates,
    ev,
    body,
    baseBranch: f.baseBranch,
    client: f.client,
    token: f.token,
    extraLabels: labels,
    remoteBranch: f.branch,
  });
  const text = publicationText(fm, published, result, ev.link, f.baseBranch);
  const s = published.state;
  if (s?.pr && !s.failure) {
    outcome.pr = { number: s.pr.number, url: s.pr.url };
    outcome.line = `${quarantined ? 'quarantined' : 'fixed'}: ${s.draft ? 'draft ' : ''}PR #${s.pr.number} (${proofCell(proof, inputs[Inputs.FlakyFixReruns], quarantined)})`;
  } else outcome.line = text.line.replace(/^No pull request: /, 'no PR: ').replace(/\.$/, '');
  if (s?.failure) outcome.problems.push(`${text.line} ${text.recovery}`.trim());
  if (s?.pr) outcome.problems.push(...shortfalls(result, gates, ev));
  return outcome;
}

function proofCell(p: ReturnType<typeof readProof>, reruns: number, quarantined: boolean): string {
  if (quarantined) return 'test skipped, suite green';
  return `${p.passes}/${reruns} reruns passed${p.suitePassed ? ', suite green' : ''}`;
}

/** The issue that tracks a quarantined test until someone fixes it. */
async function trackingIssue(
  m: AgentContext,
  client: GitHubClient,
  id: string,
  table: string,
  branch: string,
): Promise<number> {
  const { repo } = m.ctx.run;
  await ensureLabels(client, repo, [FLAKY_LABELS.quarantined.name]);
  const title = `Flaky test quarantined: ${id.replace(/\s+/g, ' ').slice(0, 200)}`;
  const body = [
    `agentgate's flaky-test hunter could not fix ${code(id)} and skipped it, as the policy allows (\`flaky.quarantine: allow\`). The PR on \`${branch}\` carries the skip; a skipped test proves nothing, so fix it and remove the skip.`,
    '',
    table,
    `Found by ${runUrl(m.ctx.run)}.`,
    '',
    `<!-- agentgate:flaky=${taskKey({ text: id })} -->`,
  ].join('\n');
  const { data } = await client.rest.issues.create({
    ...repo,
    title,
    body,
    labels: [FLAKY_LABELS.quarantined.name],
  });
  return data.number;
}

/** The job summary: every candidate, its rates and what happened, then each fix's result. */
function nightText(
  report: FlakyReport,
  candidates: readonly NightCandidate[],
  decisions: readonly { id: string; decision: NightDecision }[],
  outcomes: readonly FixOutcome[],
  spent: number,
  nightCost: number,
): string {
  const out = [nightSummary(candidates, decisions).trimEnd(), ''];
  if (candidates.length === 0) {
    out.push(
      report.sweep.runs === 0
        ? '_No candidates: the Actions history showed no test that failed and then passed on a rerun of the same commit, and no sweep was asked for (set `flaky-runs` to run the suite several times)._'
        : `_No candidates: ${report.sweep.runs} run(s) of the suite and the Actions history showed no test that both passed and failed._`,
      '',
    );
  }
  if (outcomes.length > 0) {
    out.push('Fixes:', '');
    for (const o of outcomes) out.push(`- ${code(o.id)}: ${o.line} · ${formatUsd(o.costUsd)}`);
    out.push('');
  }
  out.push(`Model cost tonight: ${formatUsd(spent)} of ${formatUsd(nightCost)}.`, '');
  if (report.broken.length > 0)
    out.push(`Broken in every sweep run (not flaky): ${report.broken.map((b) => code(b)).join(', ')}.`, '');
  if (report.notes.length > 0) {
    out.push('<details><summary>Notes from the Actions history</summary>', '');
    for (const n of report.notes.slice(0, 30)) out.push(`- ${code(n.slice(0, 300))}`);
    out.push('', '</details>', '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** The evidence files of every fix session under the night's directory (fix-N/...). */
function keptFixFiles(outDir: string): string[] {
  try {
    return readdirSync(outDir)
      .filter((d) => /^fix-\d+$/.test(d))
      .flatMap((d) => EVIDENCE_FILES.map((f) => `${d}/${f}`));
  } catch {
    return [];
  }
}
