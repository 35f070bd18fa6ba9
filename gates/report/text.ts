// Text shaping shared by the reports: one line, bounded length, no invisible or control characters.
import { stripInvisible } from '../../lib/unicode.js';
import type { Severity } from '../types.js';

/** C0/C1 controls and the line/paragraph separators: each run becomes one space. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: replacing control characters is the point.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/**
 * Collapses a text to one line: controls and newlines become single spaces, and the invisible code points
 * of lib/unicode.ts (bidi overrides and isolates among them: a finding's text must not reorder what a
 * reviewer sees around it, "Trojan Source") are removed.
 */
export function oneLine(text: string): string {
  return stripInvisible(text).text.replace(CONTROLS, ' ').replace(/ {2,}/g, ' ').trim();
}

/** At most `max` code points (never half a surrogate pair), with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  const points = Array.from(text);
  if (points.length <= max) return text;
  return `${points
    .slice(0, Math.max(0, max - 1))
    .join('')
    .trimEnd()}…`;
}

export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

export function maxSeverity(a: Severity, b: Severity): Severity {
  return SEVERITY_RANK[a] <= SEVERITY_RANK[b] ? a : b;
}
