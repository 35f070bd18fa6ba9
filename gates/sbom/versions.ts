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

/** Negative when a < b, positive when a > b, 0 when equal in order. '' sorts before every version. */
export function compareVersions(a: string, b: string): number {
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
  // Equal in order but spelt differently (`v1.0` and `1.0`): fall back to the text, for a stable sort.
  return a < b ? -1 : 1;
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
