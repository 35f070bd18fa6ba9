// The risk card: the PR body and job summary that carry the evidence a reviewer needs. A pure function
// of plain data. Everything that came from a user or the model (the task, the agent's summary, file
// names) is fenced or put in code spans, so it cannot ping anyone, link anything or inject HTML.
import { type GatesReport, toMarkdown } from '../../gates/index.js';
import { stripInvisible } from '../../lib/unicode.js';
import { fenceFor } from '../prompt.js';
import type { RunResult } from '../run.js';

export interface ChangedFile {
  path: string;
  /** null for binary files. */
  added: number | null;
  deleted: number | null;
}

export interface IsolationStatement {
  tier: string;
  backend?: string;
  ephemeral?: boolean;
  imageDigest?: string;
}

export interface RiskCardData {
  task: { text: string; origin: string };
  result: Pick<
    RunResult,
    | 'outcome'
    | 'budget'
    | 'detail'
    | 'summary'
    | 'model'
    | 'sessionId'
    | 'turns'
    | 'toolCalls'
    | 'usage'
    | 'costUsd'
    | 'tests'
    | 'setup'
    | 'deniedCalls'
    | 'warnings'
  >;
  durationMs: number;
  files: ChangedFile[];
  gates: GatesReport | undefined;
  isolation: IsolationStatement | undefined;
  links: { run: string; artifacts?: string };
  /** Why the evidence (trace, patch, reports) could not be uploaded, when it could not. */
  evidenceMissing?: string;
  /** An issue the PR resolves: adds `Fixes #N`. */
  fixesIssue?: number;
  /** Sections of the mode's own evidence (markdown built by agentgate, not by the model), after the task. */
  sections?: readonly { title: string; markdown: string }[];
}

export const RISK_CARD_LIMITS = { files: 50, taskChars: 4000, summaryChars: 6000 } as const;

/** Inline code that no backtick inside can close. */
export function code(text: string): string {
  const clean = stripInvisible(text).text.replace(/[\r\n]+/g, ' ');
  let longest = 0;
  for (const m of clean.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const ticks = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${clean}${pad}${ticks}`;
}

/** A fenced block for untrusted text, bounded. */
export function fenced(text: string, info: string, max: number): string {
  let clean = stripInvisible(text).text.trim();
  if (clean.length > max) clean = `${clean.slice(0, max)}\n… (cut; the full text is in the artifacts)`;
  const fence = fenceFor(clean);
  return `${fence}${info}\n${clean}\n${fence}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m}m ${Math.round(s - m * 60)}s`;
}

export function formatUsd(usd: number): string {
  return `$${usd.toFixed(usd < 1 ? 4 : 2)}`;
}

const n = (x: number) => x.toLocaleString('en-US');

function testCell(t: { exitCode: number | null; passed: boolean; timedOut: boolean } | null): string {
  if (!t) return '—';
  if (t.timedOut) return '⏱️ timed out';
  return t.passed ? `✅ exit ${t.exitCode}` : `❌ exit ${t.exitCode}`;
}

export function outcomeLine(d: RiskCardData): string {
  const r = d.result;
  const before = r.tests.before;
  const after = r.tests.after;
  const tests =
    before || after
      ? `tests ${before ? (before.passed ? 'green' : 'red') : '—'} → ${after ? (after.passed ? 'green' : 'red') : '—'}`
      : 'no test command';
  const added = d.files.reduce((s, f) => s + (f.added ?? 0), 0);
  const deleted = d.files.reduce((s, f) => s + (f.deleted ?? 0), 0);
  const gates = d.gates ? `gates ${d.gates.verdict === 'pass' ? '✅ pass' : '❌ fail'}` : 'gates not run';
  return [
    `**${r.outcome}${r.budget ? ` (${r.budget})` : ''}**`,
    tests,
    gates,
    `${d.files.length} file${d.files.length === 1 ? '' : 's'} (+${added} −${deleted})`,
    formatUsd(r.costUsd),
    `${r.turns} turn${r.turns === 1 ? '' : 's'}`,
    formatDuration(d.durationMs),
  ].join(' · ');
}

function isolationText(i: IsolationStatement | undefined): string {
  if (!i) return 'hosted/unknown (no isolation statement on this runner)';
  const parts = [i.tier, i.backend ? `(${i.backend})` : '', i.ephemeral ? 'ephemeral' : 'not ephemeral'];
  if (i.imageDigest) parts.push(`image ${code(i.imageDigest)}`);
  return parts.filter(Boolean).join(' ');
}

export function riskCard(d: RiskCardData): string {
  const r = d.result;
  const links = [`[Workflow run](${d.links.run})`];
  if (d.links.artifacts) links.push(`[Trace, patch and reports](${d.links.artifacts})`);
  const out: string[] = ['## agentgate', '', outcomeLine(d), '', links.join(' · '), ''];

  const alerts: string[] = [];
  if (d.gates?.verdict === 'fail') alerts.push('The gates found blocking problems: see **Gates** below.');
  if (r.outcome !== 'completed') alerts.push(`The agent did not finish: ${r.detail}`);
  if (r.tests.after && !r.tests.after.passed) alerts.push('The tests are red after the change.');
  if (d.evidenceMissing !== undefined)
    alerts.push(
      `The evidence is missing: the trace, patch and reports could not be uploaded (${d.evidenceMissing.slice(0, 300)}). Treat this change as unverified.`,
    );
  if (alerts.length > 0) out.push('> [!WARNING]', ...alerts.map((a) => `> ${a.replace(/\n/g, ' ')}`), '');

  if (d.fixesIssue !== undefined) out.push(`Fixes #${d.fixesIssue}`, '');

  out.push(
    '### Task',
    '',
    `From ${d.task.origin}:`,
    '',
    fenced(d.task.text, 'text', RISK_CARD_LIMITS.taskChars),
    '',
  );
  for (const section of d.sections ?? [])
    out.push(`### ${section.title}`, '', section.markdown.trimEnd(), '');
  out.push(
    '### Summary by the agent',
    '',
    r.summary.trim()
      ? fenced(r.summary, 'text', RISK_CARD_LIMITS.summaryChars)
      : '_The agent gave no summary._',
    '',
  );

  out.push('### Files changed', '');
  if (d.files.length === 0) out.push('_None._', '');
  else {
    out.push('| File | + | − |', '| --- | ---: | ---: |');
    for (const f of d.files.slice(0, RISK_CARD_LIMITS.files)) {
      out.push(`| ${code(f.path).replace(/\|/g, '\\|')} | ${f.added ?? 'bin'} | ${f.deleted ?? 'bin'} |`);
    }
    if (d.files.length > RISK_CARD_LIMITS.files)
      out.push(`| … and ${d.files.length - RISK_CARD_LIMITS.files} more | | |`);
    out.push('');
  }

  out.push('### Test evidence', '');
  if (r.setup) {
    const c = r.setup.cache;
    const cached = c?.hit
      ? ` · ♻️ restored from ${c.backend} (the command did not run)`
      : c?.key && c.bytes
        ? ` · saved to ${c.backend}`
        : c?.note
          ? ` · ${c.note}`
          : '';
    out.push(
      `Setup: ${code(r.setup.command)} · ${c?.hit ? '✅' : testCell(r.setup)} · ${formatDuration(r.setup.durationMs)}${cached}`,
      '',
    );
  }
  if (!r.tests.command) out.push('_No test command was configured._', '');
  else {
    out.push(
      `Command: ${code(r.tests.command)}`,
      '',
      '| When | Result | Duration |',
      '| --- | --- | --- |',
      `| before the change | ${testCell(r.tests.before)} | ${r.tests.before ? formatDuration(r.tests.before.durationMs) : '—'} |`,
      `| after the change | ${testCell(r.tests.after)} | ${r.tests.after ? formatDuration(r.tests.after.durationMs) : '—'} |`,
      '',
    );
  }

  out.push('### Gates', '');
  if (d.gates) out.push(toMarkdown(d.gates, { maxFindings: 20 }).trimEnd(), '');
  else out.push('_The gates did not run._', '');

  const u = r.usage;
  out.push(
    '### Run',
    '',
    '| Measure | Value |',
    '| --- | --- |',
    `| Model | ${code(r.model)} |`,
    `| Tokens | ${n(u.inputTokens)} in · ${n(u.outputTokens)} out · ${n(u.cacheReadInputTokens)} cache read · ${n(u.cacheCreationInputTokens)} cache write |`,
    `| Cost | ${formatUsd(r.costUsd)} |`,
    `| Turns | ${r.turns} (${r.toolCalls} tool call${r.toolCalls === 1 ? '' : 's'}) |`,
    `| Duration | ${formatDuration(d.durationMs)} |`,
    `| Denied tool calls | ${r.deniedCalls.length} |`,
    `| Isolation | ${isolationText(d.isolation)} |`,
    `| Session | ${code(r.sessionId)} |`,
    '',
  );
  if (r.warnings.length > 0) {
    out.push('<details><summary>Warnings</summary>', '');
    for (const w of r.warnings.slice(0, 20)) out.push(`- ${code(w.slice(0, 300))}`);
    out.push('', '</details>', '');
  }
  out.push(links.join(' · '), '');
  return `${out.join('\n').trimEnd()}\n`;
}
