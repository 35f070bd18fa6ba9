// Reading semgrep's `--json` report. Exit codes: 0 scanned (findings or not, without --error), 1 findings
// with --error, 2 and above an error of semgrep's own — always a failed gate, never a clean scan.
import { repoPath } from '../engine.js';
import type { RawFinding, Severity } from '../types.js';
import { findingFromRule } from './rules.js';

export const SEMGREP_ERROR_EXIT = 2;

interface SemgrepResult {
  check_id: string;
  path: string;
  start: { line: number; col: number };
  end: { line: number; col: number };
  extra?: { message?: string; severity?: string; metadata?: Record<string, unknown> };
}

const SEVERITY: Record<string, Severity> = {
  ERROR: 'high',
  WARNING: 'medium',
  INFO: 'low',
  CRITICAL: 'critical',
  HIGH: 'high',
  MEDIUM: 'medium',
  LOW: 'low',
};

export function parseSemgrepVersion(output: string): string | undefined {
  return /(\d+\.\d+\.\d+)/.exec(output)?.[1];
}

/**
 * A semgrep rule's check_id carries the config file's path as a dotted prefix
 * (`tmp.pack.semgrep.js-eval-dynamic`); the pack's ids have no dots, so the last segment is the id.
 */
export function ruleIdOf(checkId: string): string {
  return checkId.slice(checkId.lastIndexOf('.') + 1);
}

export function parseSemgrepReport(exitCode: number | null, stdout: string, scanDir: string): RawFinding[] {
  let data: { results?: unknown; errors?: unknown };
  try {
    data = JSON.parse(stdout) as typeof data;
  } catch {
    throw new Error(`exit ${exitCode}, and its output is not JSON: ${stdout.slice(0, 200)}`);
  }
  const errors = Array.isArray(data.errors) ? (data.errors as { message?: string; level?: string }[]) : [];
  if (exitCode === null || exitCode >= SEMGREP_ERROR_EXIT) {
    const first = errors[0]?.message ?? 'no error message';
    throw new Error(`failed (exit ${exitCode ?? 'killed'}): ${first.slice(0, 300)}`);
  }
  // A rule or file that semgrep could not process means part of the change went unscanned.
  const fatal = errors.filter((e) => (e.level ?? 'error') === 'error');
  if (fatal.length > 0) throw new Error(`reported errors: ${(fatal[0]?.message ?? '').slice(0, 300)}`);
  if (!Array.isArray(data.results)) throw new Error('the report has no results list');
  return (data.results as SemgrepResult[]).map((r, i) => {
    if (typeof r?.check_id !== 'string' || typeof r.path !== 'string' || typeof r.start?.line !== 'number') {
      throw new Error(`result ${i} lacks check_id, path or start.line`);
    }
    return findingFromRule({
      ruleId: ruleIdOf(r.check_id),
      file: repoPath(r.path, scanDir),
      line: r.start.line,
      endLine: r.end?.line ?? r.start.line,
      column: r.start.col,
      message: r.extra?.message ?? r.check_id,
      metadata: r.extra?.metadata ?? {},
      fallbackSeverity: SEVERITY[r.extra?.severity ?? ''] ?? 'medium',
    });
  });
}
