// What both SAST engines share: turning a rule's match and its metadata into a finding.
import { SEVERITIES } from '../../policies/index.js';
import type { RawFinding, Severity } from '../types.js';

export interface RuleMatch {
  ruleId: string;
  file: string;
  line: number;
  endLine: number;
  column: number;
  message: string;
  note?: string | undefined;
  metadata: Record<string, unknown>;
  fallbackSeverity: Severity;
}

function severityOf(value: unknown, fallback: Severity): Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value)
    ? (value as Severity)
    : fallback;
}

/** `CWE-95`, `CWE-95: Improper ...` or a list of them, as `['CWE-95']`. */
export function cwesOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  for (const v of list) {
    const m = typeof v === 'string' ? /CWE-(\d+)/i.exec(v) : null;
    if (m) out.push(`CWE-${m[1]}`);
  }
  return out;
}

export function findingFromRule(m: RuleMatch): RawFinding {
  const meta = m.metadata;
  const severity = severityOf(meta.agentgateSeverity ?? meta['agentgate-severity'], m.fallbackSeverity);
  const fix = typeof meta.fix === 'string' ? meta.fix : m.note;
  const finding: RawFinding = {
    ruleId: m.ruleId,
    severity,
    file: m.file,
    line: m.line,
    endLine: m.endLine,
    column: m.column,
    message: m.message.trim(),
    cwe: cwesOf(meta.cwe),
  };
  if (fix) finding.fix = fix.trim();
  return finding;
}
