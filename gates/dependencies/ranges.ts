// npm's version ranges, as advisories write them (`<4.17.21`, `>=1.0.0 <1.2.3 || >=2.0.0 <2.1.0`,
// `^1.2.0`, `1.x`, `1.2.3 - 1.4.0`), and the first version that leaves a vulnerable range. Prerelease
// versions are compared like any other, as npm audit does (`includePrerelease`).

interface SemVer {
  major: number;
  minor: number;
  patch: number;
  pre: (string | number)[];
}

type Op = '<' | '<=' | '>' | '>=' | '=';
interface Comparator {
  op: Op;
  version: SemVer;
}
/** Comparators that must all hold; a range is a list of these, any of which may hold. */
type ComparatorSet = Comparator[];

const SEMVER = /^[=v\s]*(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

export function parseSemver(text: string): SemVer | undefined {
  const m = SEMVER.exec(text.trim());
  if (!m) return undefined;
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
    pre: m[4] === undefined ? [] : m[4].split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
  };
}

export function compareSemver(a: SemVer, b: SemVer): number {
  const d = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (d !== 0) return d;
  // A prerelease comes before its release; identifiers compare numerically, numbers before words.
  if (a.pre.length === 0 || b.pre.length === 0) return b.pre.length - a.pre.length;
  for (let i = 0; i < Math.max(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i];
    const y = b.pre[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export function formatSemver(v: SemVer): string {
  return `${v.major}.${v.minor}.${v.patch}${v.pre.length > 0 ? `-${v.pre.join('.')}` : ''}`;
}

const sv = (major: number, minor: number, patch: number, pre: (string | number)[] = []): SemVer => ({
  major,
  minor,
  patch,
  pre,
});
/** The lowest version of a line: `<2.0.0-0` excludes 2.0.0's prereleases as node-semver does. */
const floor = (major: number, minor: number, patch: number) => sv(major, minor, patch, [0]);

/** A partial version (`1`, `1.2`, `1.x`, `*`): the numbers given, `undefined` for a wildcard. */
function partial(text: string): { parts: (number | undefined)[]; pre: (string | number)[] } | undefined {
  const m =
    /^[=v]*(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(
      text,
    );
  if (!m) return undefined;
  const num = (s: string | undefined) => (s === undefined || /^[xX*]$/.test(s) ? undefined : Number(s));
  const parts = [num(m[1]), num(m[2]), num(m[3])];
  // A wildcard makes everything after it one too.
  const firstWild = parts.indexOf(undefined);
  const cut = firstWild < 0 ? parts : parts.map((p, i) => (i >= firstWild ? undefined : p));
  const pre = m[4] === undefined ? [] : m[4].split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  return { parts: cut, pre };
}

/** The comparators one term of a range stands for (`^1.2.3`, `~1.2`, `>=1.0`, `1.x`, `1.2.3`). */
function desugar(term: string): ComparatorSet | undefined {
  const m = /^(\^|~>?|<=|>=|<|>|=)?\s*(.*)$/.exec(term);
  if (!m) return undefined;
  const op = m[1] ?? '';
  const p = partial(m[2] ?? '');
  if (p === undefined) return m[2] === '' && op === '' ? [] : undefined;
  const [M, mi, pa] = p.parts;
  if (M === undefined) return op === '<' || op === '>' ? [{ op: '<', version: floor(0, 0, 0) }] : [];
  const full = mi !== undefined && pa !== undefined;
  const exact = sv(M, mi ?? 0, pa ?? 0, p.pre);
  // The first version past the part the partial pins: `1` → 2.0.0, `1.2` → 1.3.0.
  const next = mi === undefined ? floor(M + 1, 0, 0) : floor(M, mi + 1, 0);
  switch (op) {
    case '':
    case '=':
      return full
        ? [{ op: '=', version: exact }]
        : [
            { op: '>=', version: exact },
            { op: '<', version: next },
          ];
    case '>=':
      return [{ op: '>=', version: exact }];
    case '>':
      return full ? [{ op: '>', version: exact }] : [{ op: '>=', version: next }];
    case '<':
      return [{ op: '<', version: full ? exact : sv(M, mi ?? 0, 0, [0]) }];
    case '<=':
      return full ? [{ op: '<=', version: exact }] : [{ op: '<', version: next }];
    case '~':
    case '~>':
      return [
        { op: '>=', version: exact },
        { op: '<', version: mi === undefined ? floor(M + 1, 0, 0) : floor(M, mi + 1, 0) },
      ];
    case '^': {
      const upper =
        M > 0 || mi === undefined
          ? floor(M + 1, 0, 0)
          : mi > 0 || pa === undefined
            ? floor(0, mi + 1, 0)
            : floor(0, 0, pa + 1);
      return [
        { op: '>=', version: exact },
        { op: '<', version: upper },
      ];
    }
    default:
      return undefined;
  }
}

/** Parses an npm range; undefined when it is not one this module reads. */
export function parseRange(range: string): ComparatorSet[] | undefined {
  const sets: ComparatorSet[] = [];
  for (const alternative of range.split('||')) {
    const text = alternative.trim().replace(/(<=|>=|<|>|=|\^|~>?)\s+/g, '$1');
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(text);
    if (hyphen) {
      const lo = desugar(`>=${hyphen[1]}`);
      const hi = desugar(`<=${hyphen[2]}`);
      if (lo === undefined || hi === undefined) return undefined;
      sets.push([...lo, ...hi]);
      continue;
    }
    const set: ComparatorSet = [];
    for (const term of text === '' ? [] : text.split(/\s+/)) {
      const cs = desugar(term);
      if (cs === undefined) return undefined;
      set.push(...cs);
    }
    sets.push(set);
  }
  return sets;
}

function holds(c: Comparator, v: SemVer): boolean {
  const d = compareSemver(v, c.version);
  switch (c.op) {
    case '<':
      return d < 0;
    case '<=':
      return d <= 0;
    case '>':
      return d > 0;
    case '>=':
      return d >= 0;
    case '=':
      return d === 0;
  }
}

const inSet = (set: ComparatorSet, v: SemVer) => set.every((c) => holds(c, v));

/** True, false, or undefined when the version or range cannot be read. */
export function satisfies(version: string, range: string): boolean | undefined {
  const v = parseSemver(version);
  const sets = parseRange(range);
  if (v === undefined || sets === undefined) return undefined;
  return sets.some((s) => inSet(s, v));
}

/** A release, not a node-semver `-0` floor: `<2.0.0-0` is fixed in 2.0.0. */
const release = (v: SemVer): SemVer =>
  v.pre.length === 1 && v.pre[0] === 0 ? sv(v.major, v.minor, v.patch) : v;

/**
 * The first version after `version` that leaves the vulnerable range: the upper bound of the part
 * of the range that holds it (`<1.2.3` → `1.2.3`), or, with `patched` (npm's `patched_versions`),
 * the lowest bound of that range above `version`. `>1.2.3` when only `<=1.2.3` bounds it; undefined
 * when nothing bounds it (every later version is vulnerable too) or a range cannot be read.
 */
export function fixedVersion(version: string, vulnerable: string, patched?: string): string | undefined {
  let v = parseSemver(version);
  const sets = parseRange(vulnerable);
  if (v === undefined || sets === undefined) return undefined;
  if (patched !== undefined) {
    const ok = parseRange(patched);
    const bounds = (ok ?? [])
      .map((set) => set.find((c) => c.op === '>=' || c.op === '>' || c.op === '='))
      .filter((c): c is Comparator => c !== undefined && compareSemver(c.version, v as SemVer) > 0)
      .sort((a, b) => compareSemver(a.version, b.version));
    const first = bounds[0];
    if (first !== undefined) return `${first.op === '>' ? '>' : ''}${formatSemver(first.version)}`;
  }
  // Step over adjacent vulnerable parts (`<1.2.0 || >=1.2.0 <1.3.0`), a few at most.
  for (let step = 0; step < 8; step++) {
    const holding = sets.filter((s) => inSet(s, v as SemVer));
    if (holding.length === 0) return step === 0 ? undefined : formatSemver(v);
    let bound: Comparator | undefined;
    for (const set of holding) {
      const upper = set
        .filter((c) => c.op === '<' || c.op === '<=' || c.op === '=')
        .sort((a, b) => compareSemver(a.version, b.version))[0];
      if (upper === undefined) return undefined;
      if (bound === undefined || compareSemver(upper.version, bound.version) > 0) bound = upper;
    }
    if (bound === undefined) return undefined;
    if (bound.op === '<') {
      v = release(bound.version);
      continue;
    }
    // `<=x` or `=x`: the fix is some version after x; which one the range does not say.
    return `>${formatSemver(release(bound.version))}`;
  }
  return undefined;
}
