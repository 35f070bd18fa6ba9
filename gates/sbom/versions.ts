// One ordering for versions across ecosystems (semver, Go's `v` prefix, PEP 440), good enough to sort a
// list stably and to pick "the highest" base version for a change. It is not a resolver.

import type { Dependency } from '../types.js';

const POST_RELEASE = new Set(['post', 'rev', 'r']);

function tokens(version: string): string[] {
  // Build metadata (`+build`, Go's `+incompatible`) does not order versions.
  const core = version.trim().replace(/^v/i, '').split('+')[0] ?? '';
  return core.toLowerCase().match(/\d+|[a-z]+/g) ?? [];
}

const isNum = (t: string) => /^\d/.test(t);
/** Among tags: PEP 440's dev releases first, then pre-releases (alpha, beta, rc), then post-releases. */
const rank = (t: string) => (t === 'dev' ? 0 : POST_RELEASE.has(t) ? 2 : 1);

/**
 * Negative when a < b, positive when a > b, 0 when equal in order (`v1.0` and `1.0`). '' sorts before
 * every version.
 */
export function compareVersionOrder(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '' || b === '') return a === '' ? -1 : 1;
  const ta = tokens(a);
  const tb = tokens(b);
  for (let i = 0; i < Math.max(ta.length, tb.length); i++) {
    const x = ta[i];
    const y = tb[i];
    if (x === y) continue;
    // One ran out: a following number (1.0 < 1.0.1) or post-release makes the longer one higher,
    // a following pre-release tag (1.0.0-rc.1, 1.0rc1) makes it lower.
    if (x === undefined) return y !== undefined && (isNum(y) || POST_RELEASE.has(y)) ? -1 : 1;
    if (y === undefined) return isNum(x) || POST_RELEASE.has(x) ? 1 : -1;
    if (isNum(x) && isNum(y)) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
      continue;
    }
    if (isNum(x) !== isNum(y)) return isNum(x) ? 1 : -1;
    return rank(x) - rank(y) || (x < y ? -1 : 1);
  }
  return 0;
}

/** compareVersionOrder, with versions equal in order but spelt differently ordered by their text, for a stable sort. */
export function compareVersions(a: string, b: string): number {
  return compareVersionOrder(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * How alike two versions are, for pairing a version that left with the one that replaced it: the
 * number of leading parts they share (`3.3.17` and `3.3.18` share two, `5.1.16` and `3.3.18` none),
 * then how far apart the first differing numbers are. Compare results with compareCloseness.
 */
export function closeness(a: string, b: string): { shared: number; gap: number } {
  const ta = tokens(a);
  const tb = tokens(b);
  let shared = 0;
  while (shared < Math.min(ta.length, tb.length) && ta[shared] === tb[shared]) shared++;
  const x = ta[shared];
  const y = tb[shared];
  const gap =
    x !== undefined && y !== undefined && isNum(x) && isNum(y) ? Math.abs(Number(x) - Number(y)) : 1e9;
  return { shared, gap };
}

/** Negative when `a` is the closer pair: more parts shared, then the smaller gap. */
export function compareCloseness(
  a: { shared: number; gap: number },
  b: { shared: number; gap: number },
): number {
  return b.shared - a.shared || a.gap - b.gap;
}

/**
 * The lowest version a range names, for ordering two ranges: `^4.1.0` gives `4.1.0`, `>=2.31,<3` gives
 * `2.31`, `*` gives ''.
 */
export function rangeFloor(range: string): string {
  return /\d+(?:\.[0-9A-Za-z]+)*(?:-[0-9A-Za-z.]+)?/.exec(range)?.[0] ?? '';
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The order of every list this module returns: ecosystem, name, version, then source and purl. */
export function compareDependencies(a: Dependency, b: Dependency): number {
  return (
    cmp(a.ecosystem, b.ecosystem) ||
    cmp(a.name, b.name) ||
    compareVersions(a.version, b.version) ||
    cmp(a.source, b.source) ||
    cmp(a.purl, b.purl)
  );
}
