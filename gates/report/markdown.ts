// The gates report as compact GitHub-flavoured markdown, for a pull request body or a job summary.
// Every text that came from a finding is made inert: one line, bounded, markdown and HTML escaped,
// and @mentions or #references wrapped in code so the report never pings anyone or links anything.
import type { Dependency, Finding, GateResult, GateStatus, GatesReport } from '../types.js';
import { oneLine, SEVERITY_RANK, truncate } from './text.js';

export interface MarkdownOptions {
  /** Blocking findings listed before "and N more"; default 50. */
  maxFindings?: number;
  /** A link to the run or its artifacts (http or https only). */
  detailsUrl?: string;
}

export const MARKDOWN_LIMITS = {
  findings: 50,
  dependencies: 20,
  messageChars: 300,
  fixChars: 200,
  errorChars: 120,
  cellChars: 60,
  pathChars: 160,
} as const;

const STATUS: Record<GateStatus, string> = { pass: '✅ pass', fail: '❌ fail', error: '⚠️ error' };

export function toMarkdown(report: GatesReport, options: MarkdownOptions = {}): string {
  const wanted = options.maxFindings ?? MARKDOWN_LIMITS.findings;
  const max = Number.isFinite(wanted) ? Math.max(0, Math.floor(wanted)) : MARKDOWN_LIMITS.findings;
  const all = report.gates.flatMap((g) => g.findings);
  const blocking = all.filter((f) => f.blocking);
  const lines: string[] = [verdictLine(report, blocking.length, all.length), ''];

  if (report.gates.length === 0) {
    lines.push('No gates ran.', '');
  } else {
    lines.push('| Gate | Result | Findings | Engine | Time |', '| --- | --- | --- | --- | --- |');
    for (const gate of report.gates) lines.push(gateRow(gate));
    lines.push('');
  }

  if (blocking.length > 0) {
    lines.push('### Blocking findings', '');
    const ordered = [...blocking].sort(
      (a, b) =>
        SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || compare(a.file, b.file) || a.line - b.line,
    );
    for (const f of ordered.slice(0, max)) lines.push(findingLine(f));
    if (ordered.length > max) lines.push(`- … and ${ordered.length - max} more`);
    lines.push('');
  }

  const errored = report.gates.filter((g) => g.status === 'error');
  if (errored.length > 0) {
    lines.push('### Gate errors', '');
    for (const g of errored) {
      const why = text(
        truncate(oneLine(g.error ?? '') || 'failed without saying why', MARKDOWN_LIMITS.messageChars),
      );
      lines.push(
        `- ${code(g.name)} could not judge the change: ${why.replace(/[.\s]+$/, '')}. A gate that cannot run fails the change.`,
      );
    }
    lines.push('');
  }

  // New findings below the blocking threshold are listed too: they are for a reviewer to read.
  const below = all.filter((f) => !f.blocking && !f.preExisting);
  if (below.length > 0) {
    lines.push('### Other new findings (not blocking)', '');
    const ordered = [...below].sort(
      (a, b) =>
        SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || compare(a.file, b.file) || a.line - b.line,
    );
    for (const f of ordered.slice(0, max)) lines.push(findingLine(f));
    if (ordered.length > max) lines.push(`- … and ${ordered.length - max} more`);
    lines.push('');
  }

  const notes: string[] = [];
  const preExisting = all.filter((f) => f.preExisting).length;
  if (preExisting > 0) {
    notes.push(
      `${count(preExisting, 'pre-existing finding')} in touched files ${preExisting === 1 ? 'does' : 'do'} not block.`,
    );
  }
  if (notes.length > 0) lines.push(notes.join(' '), '');

  const added = capped(report.dependencies.added.map((d) => `- ${code(pinned(d))} (${text(d.ecosystem)})`));
  if (added.length > 0) lines.push('### New dependencies', '', ...added, '');
  // A bump of a dependency the project already had is a change, not a new dependency.
  const changed = capped(
    report.dependencies.changed.map(
      (c) =>
        `- ${code(truncate(oneLine(c.to.name), MARKDOWN_LIMITS.cellChars))} ${code(version(c.from))} → ${code(version(c.to))} (${text(c.to.ecosystem)}${c.kind && c.kind !== 'changed' ? `, ${c.kind}` : ''})`,
    ),
  );
  if (changed.length > 0) lines.push('### Changed dependencies', '', ...changed, '');

  const href = safeUrl(options.detailsUrl);
  if (href) lines.push(`[Full report and artifacts](${href})`, '');

  return `${lines.join('\n').trimEnd()}\n`;
}

function verdictLine(report: GatesReport, blocking: number, total: number): string {
  const verdict = report.verdict === 'pass' ? '✅ pass' : '❌ fail';
  const parts = [`**agentgate gates: ${verdict}**`, `${blocking} blocking of ${count(total, 'finding')}`];
  if (report.mode === 'full') parts.push('full scan');
  else {
    const { files, addedLines, deletedLines } = report.diff;
    parts.push(`${count(files, 'file')} changed (+${addedLines} −${deletedLines})`);
  }
  return parts.join(' · ');
}

function gateRow(gate: GateResult): string {
  const blocking = gate.findings.filter((f) => f.blocking).length;
  const total = gate.findings.length;
  const findings =
    gate.status === 'error'
      ? text(truncate(oneLine(gate.error ?? '') || 'failed without saying why', MARKDOWN_LIMITS.errorChars))
      : total === 0
        ? 'none'
        : `${blocking} blocking · ${total} total`;
  const named = oneLine(gate.engine) ? text(truncate(oneLine(gate.engine), MARKDOWN_LIMITS.cellChars)) : '—';
  const engine = gate.note
    ? `${named} (${text(truncate(oneLine(gate.note), MARKDOWN_LIMITS.errorChars))})`
    : named;
  const cells = [
    text(gate.name),
    STATUS[gate.status] ?? text(gate.status),
    findings,
    engine,
    duration(gate.durationMs),
  ];
  return `| ${cells.join(' | ')} |`;
}

function findingLine(f: Finding): string {
  const where = f.file === '' ? '(the change)' : f.line >= 1 ? `${f.file}:${f.line}` : f.file;
  const message = text(truncate(oneLine(f.message), MARKDOWN_LIMITS.messageChars));
  const fix = f.fix ? ` Fix: ${text(truncate(oneLine(f.fix), MARKDOWN_LIMITS.fixChars))}` : '';
  return `- ${code(f.severity)} ${code(truncate(f.ruleId, MARKDOWN_LIMITS.cellChars))} ${code(truncate(where, MARKDOWN_LIMITS.pathChars))} — ${message}${fix}`;
}

function capped(items: string[]): string[] {
  if (items.length <= MARKDOWN_LIMITS.dependencies) return items;
  return [
    ...items.slice(0, MARKDOWN_LIMITS.dependencies),
    `- … and ${items.length - MARKDOWN_LIMITS.dependencies} more`,
  ];
}

/** `name@version`, or `name range` for a manifest's range, or `name (unpinned)`. */
function pinned(d: Dependency): string {
  const n = truncate(oneLine(d.name), MARKDOWN_LIMITS.cellChars);
  if (d.version) return `${n}@${truncate(oneLine(d.version), 40)}`;
  return d.range ? `${n} ${truncate(oneLine(d.range), 40)}` : `${n} (unpinned)`;
}

/** A side of a change: its version, else its range, else `unpinned`. */
function version(d: Dependency): string {
  return truncate(oneLine(d.version || d.range || ''), 40) || 'unpinned';
}

// Inline text: every character that can open markdown or HTML is backslash-escaped (`|` included, so
// the same text is safe in a table cell), and GitHub's mentions and issue references go in code.
const SPECIAL = /[\\`*_[\]<>|~&$]/g;
// A URL and a scoped package name (`@scope/name`) are taken whole, so the code span never splits them.
const REFERENCE =
  /(https?:\/\/[^\s<>`|()]+|(?<![\w`])@[A-Za-z0-9][\w.-]*(?:\/[\w.-]+)?|(?<![\w`])[\w.-]+\/[\w.-]+#\d+|(?<![\w`&])#\d+|\bGH-\d+)/;

function text(raw: string): string {
  return oneLine(raw)
    .split(REFERENCE)
    .map((part, i) => (i % 2 === 1 ? code(part) : part.replace(SPECIAL, '\\$&')))
    .join('');
}

/**
 * A code span that holds any text: the fence is one backtick longer than the longest run inside.
 * Code spans appear only outside tables, or around reference tokens that cannot hold a `|` (GitHub
 * splits table cells before it reads code spans).
 */
function code(raw: string): string {
  const s = oneLine(raw);
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = s.startsWith('`') || s.endsWith('`') || (s.startsWith(' ') && s.endsWith(' ')) ? ' ' : '';
  return `${fence}${pad}${s}${pad}${fence}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
    // Parentheses and spaces would end the link destination early.
    return u.href.replace(
      /[()\s]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
    );
  } catch {
    return undefined;
  }
}
