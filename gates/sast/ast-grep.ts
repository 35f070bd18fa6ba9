// Reading ast-grep's `scan --json=stream --include-metadata` output: one JSON match per line, lines and
// columns 0-based, the rule's metadata (CWE, severity, fix) carried along.
import { repoPath } from '../engine.js';
import type { RawFinding, Severity } from '../types.js';
import { findingFromRule } from './rules.js';

interface AstGrepMatch {
  file: string;
  ruleId: string;
  severity?: string;
  message?: string;
  note?: string | null;
  range: { start: { line: number; column: number }; end: { line: number; column: number } };
  metadata?: Record<string, unknown> | null;
}

const SEVERITY: Record<string, Severity> = { error: 'high', warning: 'medium', info: 'low', hint: 'info' };

export function parseAstGrepStream(stdout: string, scanDir: string): RawFinding[] {
  const findings: RawFinding[] = [];
  for (const [i, line] of stdout.split('\n').entries()) {
    if (line.trim() === '') continue;
    let m: AstGrepMatch;
    try {
      m = JSON.parse(line) as AstGrepMatch;
    } catch {
      throw new Error(`line ${i + 1} is not JSON`);
    }
    if (
      typeof m.file !== 'string' ||
      typeof m.ruleId !== 'string' ||
      typeof m.range?.start?.line !== 'number'
    ) {
      throw new Error(`line ${i + 1} lacks file, ruleId or range`);
    }
    findings.push(
      findingFromRule({
        ruleId: m.ruleId,
        file: repoPath(m.file, scanDir),
        line: m.range.start.line + 1,
        endLine: m.range.end.line + 1,
        column: m.range.start.column + 1,
        message: m.message ?? m.ruleId,
        note: m.note ?? undefined,
        metadata: m.metadata ?? {},
        fallbackSeverity: SEVERITY[m.severity ?? ''] ?? 'medium',
      }),
    );
  }
  return findings;
}
