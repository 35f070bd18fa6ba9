// From what the engines reported to the verdict. Pure: findings, the diff and the policy in; judged
// findings, gate statuses and `pass` or `fail` out.
import { createHash } from 'node:crypto';
import { type FileChange, isAddedLine } from './diff.js';
import type { Finding, GateResult, GateStatus, RawFinding, Severity, Verdict } from './types.js';

export interface JudgeContext {
  /** The changed files by head path. A file not in it was not touched, so its findings are pre-existing. */
  changes: ReadonlyMap<string, FileChange>;
  /** Paths the change deleted or renamed away: findings about the whole file there are the change's. */
  removed?: ReadonlySet<string>;
  blockOn: readonly Severity[];
  /** The text of a line at head, for fingerprints; '' when unknown. */
  lineText: (file: string, line: number) => string;
}

/**
 * New or pre-existing: a finding on a line the change added (or rewrote) is new; a finding anywhere
 * else — an untouched line of a touched file, an untouched file, a file only renamed — was there before.
 * Findings about a whole file the change touched, or about the change itself, are new.
 */
export function isPreExisting(
  f: RawFinding,
  changes: ReadonlyMap<string, FileChange>,
  removed: ReadonlySet<string> = new Set(),
): boolean {
  if (f.scope === 'change') return false;
  if (f.atBase !== undefined) return f.atBase;
  const change = changes.get(f.file);
  if (change === undefined) return !(removed.has(f.file) && (f.scope === 'file' || f.line === 0));
  if (f.scope === 'file' || f.line === 0) return false;
  for (let line = f.line; line <= (f.endLine ?? f.line); line++) {
    if (isAddedLine(change, line)) return false;
  }
  return true;
}

function normalise(text: string, secret: string | undefined): string {
  const withoutSecret = secret ? text.split(secret).join('') : text;
  return withoutSecret.trim().replace(/\s+/g, ' ');
}

/**
 * Judges raw findings: new or pre-existing, blocking or not, and a fingerprint that survives line
 * shifts (rule, file and the line's text, plus an occurrence count for identical lines). A secret is
 * removed from the line before it is hashed.
 */
export function judge(raw: readonly RawFinding[], ctx: JudgeContext): Finding[] {
  const seen = new Map<string, number>();
  return raw.map((f) => {
    const preExisting = isPreExisting(f, ctx.changes, ctx.removed);
    const text = f.line > 0 ? normalise(ctx.lineText(f.file, f.line), f.secret) : '';
    const key = `${f.ruleId}\0${f.file}\0${text}`;
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    const fingerprint = createHash('sha256').update(`${key}\0${occurrence}`).digest('hex').slice(0, 32);
    const finding: Finding = {
      ruleId: f.ruleId,
      severity: f.severity,
      file: f.file,
      line: f.line,
      message: f.message,
      blocking: !preExisting && ctx.blockOn.includes(f.severity),
      preExisting,
      fingerprint,
    };
    if (f.endLine !== undefined && f.endLine !== f.line) finding.endLine = f.endLine;
    if (f.column !== undefined) finding.column = f.column;
    if (f.fix !== undefined) finding.fix = f.fix;
    if (f.cwe !== undefined && f.cwe.length > 0) finding.cwe = f.cwe;
    return finding;
  });
}

const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/** Blocking first, then by severity, file and line: the order reports list them in. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) =>
      Number(b.blocking) - Number(a.blocking) ||
      Number(a.preExisting) - Number(b.preExisting) ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.ruleId.localeCompare(b.ruleId),
  );
}

/** An engine that erred fails its gate whatever it found; otherwise any blocking finding does. */
export function gateStatus(findings: readonly Finding[], errored: boolean): GateStatus {
  if (errored) return 'error';
  return findings.some((f) => f.blocking) ? 'fail' : 'pass';
}

/** `pass` only when every gate passed: a failed gate or one that could not run fails the change. */
export function verdictOf(gates: readonly Pick<GateResult, 'status'>[]): Verdict {
  return gates.every((g) => g.status === 'pass') ? 'pass' : 'fail';
}
