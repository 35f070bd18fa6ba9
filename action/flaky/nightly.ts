// The nightly hunter's decisions, pure: which confirmed tests get a fix attempt tonight (one PR per
// test, never a second one while the first is open or its branch exists, within the night's PR and cost
// budget), the job summary that lists every candidate with its measured rate and what happened to it,
// and the before/after evidence a fix's PR card shows.
import { createHash } from 'node:crypto';
import { BRANCH_PREFIX } from '../constants.js';
import { code } from '../publish/risk-card.js';

/** Every flaky fix's branch starts so. */
export const FLAKY_BRANCH_PREFIX = `${BRANCH_PREFIX}flaky-`;

/** A fix's branch name without the agent's prefix: readable, and unique by the test id's hash. */
export function flakySlug(testId: string): string {
  const slug =
    testId
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40)
      .replace(/-+$/g, '') || 'test';
  const hash = createHash('sha256').update(testId).digest('hex').slice(0, 8);
  return `flaky-${slug}-${hash}`;
}

/** The branch a fix of `testId` lives on: the same every night, so a second night finds the first. */
export function flakyBranch(testId: string): string {
  return `${BRANCH_PREFIX}${flakySlug(testId)}`;
}

export interface NightCandidate {
  id: string;
  /** What found it: the sweep's or the history's count. */
  found: { runs: number; failures: number; source: string };
  /** The confirmation alone at base. */
  confirmed: { verdict: 'flaky' | 'broken' | 'not-reproduced'; runs: number; failures: number };
  /** What a fix attempt is expected to cost, in USD (for the budget); default the night's average. */
  estimatedCostUsd?: number;
}

export interface NightLimits {
  /** Heads of the open PRs (branch names). */
  openPrHeads: ReadonlyMap<string, number>;
  /** Branches that exist on the remote. */
  remoteBranches: ReadonlySet<string>;
  maxPrs: number;
  maxCostUsd: number;
  /** A fix attempt's cost when a candidate has no estimate. */
  defaultCostUsd: number;
}

export type NightDecision =
  | { kind: 'fix'; branch: string }
  | { kind: 'open-pr'; branch: string; pr: number }
  | { kind: 'branch-exists'; branch: string }
  | { kind: 'over-budget'; why: string }
  | { kind: 'not-reproduced' }
  | { kind: 'broken' };

/**
 * One decision per candidate, in the order given (most flaky first): a confirmed test is fixed unless
 * a PR or a branch for it already exists, or the night's PR count or cost would go past its limit.
 */
export function planNight(
  candidates: readonly NightCandidate[],
  limits: NightLimits,
): { id: string; decision: NightDecision }[] {
  let prs = 0;
  let cost = 0;
  return candidates.map((c) => {
    const branch = flakyBranch(c.id);
    const decide = (decision: NightDecision) => ({ id: c.id, decision });
    if (c.confirmed.verdict === 'not-reproduced') return decide({ kind: 'not-reproduced' });
    if (c.confirmed.verdict === 'broken') return decide({ kind: 'broken' });
    const pr = limits.openPrHeads.get(branch);
    if (pr !== undefined) return decide({ kind: 'open-pr', branch, pr });
    if (limits.remoteBranches.has(branch)) return decide({ kind: 'branch-exists', branch });
    if (prs >= limits.maxPrs)
      return decide({ kind: 'over-budget', why: `the night's ${limits.maxPrs} PR(s) are used` });
    const estimate = c.estimatedCostUsd ?? limits.defaultCostUsd;
    if (cost + estimate > limits.maxCostUsd) {
      return decide({
        kind: 'over-budget',
        why: `$${(cost + estimate).toFixed(2)} would pass the night's $${limits.maxCostUsd.toFixed(2)}`,
      });
    }
    prs++;
    cost += estimate;
    return decide({ kind: 'fix', branch });
  });
}

function said(d: NightDecision): string {
  switch (d.kind) {
    case 'fix':
      return `fix attempted on \`${d.branch}\``;
    case 'open-pr':
      return `skipped: PR #${d.pr} is open for it`;
    case 'branch-exists':
      return `skipped: \`${d.branch}\` exists`;
    case 'over-budget':
      return `skipped: ${d.why}`;
    case 'not-reproduced':
      return 'not reproduced alone: recorded, no model call';
    case 'broken':
      return 'fails every time: broken, not flaky';
  }
}

const pct = (failures: number, runs: number) =>
  runs === 0 ? '—' : `${Math.round((failures / runs) * 100)}%`;

/** The job summary: every candidate, its measured rates, and what happened to it. */
export function nightSummary(
  candidates: readonly NightCandidate[],
  decisions: readonly { id: string; decision: NightDecision }[],
): string {
  const byId = new Map(decisions.map((d) => [d.id, d.decision]));
  const lines = [
    `**agentgate flaky tests** · ${candidates.length} candidate(s)`,
    '',
    '| Test | Found | Alone at base | What happened |',
    '| --- | --- | --- | --- |',
  ];
  for (const c of candidates) {
    const d = byId.get(c.id);
    lines.push(
      `| \`${c.id.replace(/[|`]/g, '\\$&')}\` | ${c.found.failures}/${c.found.runs} failed (${c.found.source}) | ${c.confirmed.failures}/${c.confirmed.runs} failed (${pct(c.confirmed.failures, c.confirmed.runs)}) | ${d ? said(d) : '—'} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The PR card's evidence: failed before, passed after (or quarantined), and how to check it again. */
export function evidenceTable(e: {
  id: string;
  before: { runs: number; failures: number };
  after: { runs: number; passes: number; suitePassed: boolean; quarantined?: boolean };
  signatures: readonly { signature: string; count: number }[];
  reproduce: string;
}): string {
  const suite = e.after.suitePassed ? 'then the whole suite passed' : 'the whole suite did not pass';
  const after = e.after.quarantined
    ? `— | quarantined: the test is skipped, ${suite}`
    : `${e.after.runs} | ${e.after.passes}/${e.after.runs} passed, ${suite}`;
  return [
    `Test: ${code(e.id)}`,
    '',
    '| | Reruns alone | Result |',
    '| --- | --- | --- |',
    `| before (base) | ${e.before.runs} | ${e.before.failures}/${e.before.runs} failed |`,
    `| after (this PR) | ${after} |`,
    '',
    'How it failed:',
    ...e.signatures.slice(0, 10).map((s) => `- ${s.count}× ${code(s.signature.slice(0, 300))}`),
    '',
    `Reproduce (the test alone; rerun it to see the flake): ${code(e.reproduce)}`,
    '',
  ].join('\n');
}
