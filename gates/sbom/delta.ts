// What a change does to the dependencies: the delta between the base's and the head's lists.
//
// Identity is ecosystem + name across the whole repository, not per lockfile: a package moving from one
// lockfile to another, or a second lockfile pulling in a package the repository already has at the same
// version, adds nothing new to review.
// - added: every head entry whose name the base does not have;
// - removed: every base entry whose name the head does not have;
// - changed: a name both sides have, with a version the base does not have. Each such head version is
//   paired with the version it replaced, `kind` saying upgrade or downgrade:
//   1. by place, when the lockfile says where a package sits (an install path such as
//      `node_modules/a/node_modules/b`, a parent such as `debug>ms`, a yarn request): the version that
//      left a place and the one that arrived there are a pair, however many other versions coexist;
//   2. otherwise with the closest version that left (`3.3.17 → 3.3.18`, never `5.1.16 → 3.3.18`);
//   3. otherwise, a version arriving beside the ones that stay, with the closest base version.
//   A version dropped while others stay is not reported (nothing new arrived).
// Entries without a version (a manifest's range) count for added and removed; a range that changes at
// one place in a manifest without a lockfile (`package.json` `"chalk": "^4.1.0"` → `"^5.3.0"`) is a
// change of ranges. A range becoming a pinned lock entry, or the reverse, is not a change.

import type { Dependency, DependencyChange, DependencyDelta } from '../types.js';
import type { DependencyRead, Located, RangedDependency } from './lockfiles.js';
import {
  closeness,
  compareCloseness,
  compareDependencies,
  compareVersionOrder,
  compareVersions,
  rangeFloor,
} from './versions.js';

/** Which way a change went; `changed` when the two do not order (`^1.2.0` → `~1.2.0`). */
export type ChangeKind = 'upgrade' | 'downgrade' | 'changed';

export interface ClassifiedChange extends DependencyChange {
  from: RangedDependency;
  to: RangedDependency;
  kind: ChangeKind;
}

export interface ClassifiedDelta extends DependencyDelta {
  changed: ClassifiedChange[];
}

/** A side of the delta: a plain list, or readDependencies' result (which knows where each entry sits). */
export type DeltaSide = readonly RangedDependency[] | Pick<DependencyRead, 'located'>;

const identity = (d: Dependency) => `${d.ecosystem}\u0000${d.name}`;

interface Group {
  /** Exact versions, each with its entry. */
  pinned: Map<string, RangedDependency>;
  /** The exact versions at each place. */
  places: Map<string, Set<string>>;
  /** The ranges at each place of a manifest, each with its entry. */
  ranges: Map<string, Map<string, RangedDependency>>;
}

function located(side: DeltaSide): readonly Located[] {
  if (!Array.isArray(side)) return (side as Pick<DependencyRead, 'located'>).located;
  // A plain list says nothing of places, except that a manifest's range sits at its manifest and name.
  return (side as readonly RangedDependency[]).map((dep) => ({
    dep,
    at: dep.version === '' && dep.range !== undefined ? [`${dep.source}#${dep.name}`] : [],
  }));
}

/** The entries of each name. */
function byIdentity(side: DeltaSide): Map<string, Located[]> {
  const map = new Map<string, Located[]>();
  for (const entry of located(side)) {
    const id = identity(entry.dep);
    const list = map.get(id);
    if (list === undefined) map.set(id, [entry]);
    else list.push(entry);
  }
  return map;
}

/** One entry per purl, sorted; of entries sharing a purl the first in sort order, whatever the input order. */
function distinct(entries: readonly Located[]): RangedDependency[] {
  const sorted = entries.map((e) => e.dep).sort(compareDependencies);
  return sorted.filter((d, i) => i === 0 || sorted[i - 1]?.purl !== d.purl);
}

/** True when no version arrived and no range sits at a place (the common case: most names do not change). */
function unchanged(before: readonly Located[], after: readonly Located[]): boolean {
  return after.every(({ dep, at }) =>
    dep.version === '' ? at.length === 0 : before.some((b) => b.dep.version === dep.version),
  );
}

function group(entries: readonly Located[]): Group {
  const g: Group = { pinned: new Map(), places: new Map(), ranges: new Map() };
  for (const dep of distinct(entries)) if (dep.version !== '') g.pinned.set(dep.version, dep);
  for (const { dep, at } of entries) {
    for (const place of at) {
      if (dep.version !== '') {
        g.places.set(place, (g.places.get(place) ?? new Set()).add(dep.version));
        continue;
      }
      const ranges = g.ranges.get(place) ?? new Map<string, RangedDependency>();
      g.ranges.set(place, ranges);
      if (!ranges.has(dep.range ?? '')) ranges.set(dep.range ?? '', dep);
    }
  }
  return g;
}

/** The one item in `a` and not `b` and the one in `b` and not `a`, when there is exactly one of each. */
function swap<T>(a: ReadonlySet<T> | Iterable<T>, b: ReadonlySet<T> | Iterable<T>): [T, T] | undefined {
  const x = new Set(a);
  const y = new Set(b);
  const gone = [...x].filter((v) => !y.has(v));
  const came = [...y].filter((v) => !x.has(v));
  return gone.length === 1 && came.length === 1 ? [gone[0] as T, came[0] as T] : undefined;
}

function kindOf(from: string, to: string): ChangeKind {
  const order = compareVersionOrder(from, to);
  return order < 0 ? 'upgrade' : order > 0 ? 'downgrade' : 'changed';
}

/** The [from, to] version pairs of one name's exact versions. */
function versionPairs(before: Group, after: Group): [string, string][] {
  const baseVersions = [...before.pinned.keys()];
  if (baseVersions.length === 0) return [];
  const arrived = [...after.pinned.keys()].filter((v) => !before.pinned.has(v));
  if (arrived.length === 0) return [];
  const left = new Set(baseVersions.filter((v) => !after.pinned.has(v)));
  const pairs: [string, string][] = [];
  const paired = new Set<string>();
  const used = new Set<string>();

  // 1. By place.
  for (const [place, versions] of after.places) {
    const old = before.places.get(place);
    const s = old === undefined ? undefined : swap(old, versions);
    if (s === undefined || before.pinned.has(s[1])) continue;
    pairs.push(s);
    paired.add(s[1]);
    used.add(s[0]);
  }
  // 2. With the closest version that left, closest pairs first.
  const candidates = arrived
    .filter((to) => !paired.has(to))
    .flatMap((to) =>
      [...left].filter((from) => !used.has(from)).map((from) => ({ from, to, c: closeness(from, to) })),
    )
    .sort(
      (a, b) => compareCloseness(a.c, b.c) || compareVersions(a.to, b.to) || compareVersions(b.from, a.from),
    );
  for (const { from, to } of candidates) {
    if (paired.has(to) || used.has(from)) continue;
    pairs.push([from, to]);
    paired.add(to);
    used.add(from);
  }
  // 3. Beside the versions that stay: the closest base version, the highest of equally close ones.
  for (const to of arrived) {
    if (paired.has(to)) continue;
    const from = [...baseVersions].sort(
      (a, b) => compareCloseness(closeness(a, to), closeness(b, to)) || compareVersions(b, a),
    )[0];
    if (from !== undefined) pairs.push([from, to]);
  }
  const seen = new Set<string>();
  return pairs.filter(([from, to]) => {
    const key = `${from}\u0000${to}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The changes of one name's ranges: a place whose one range became another. */
function rangeChanges(before: Group, after: Group): ClassifiedChange[] {
  const out: ClassifiedChange[] = [];
  for (const [place, ranges] of after.ranges) {
    const old = before.ranges.get(place);
    const s = old === undefined ? undefined : swap(old.keys(), ranges.keys());
    const from = s && old?.get(s[0]);
    const to = s && ranges.get(s[1]);
    if (s === undefined || from === undefined || to === undefined) continue;
    const [a, b] = [rangeFloor(s[0]), rangeFloor(s[1])];
    out.push({ from, to, kind: a === '' || b === '' ? 'changed' : kindOf(a, b) });
  }
  return out;
}

/**
 * The delta from `base` to `head`. Pass readDependencies' results to pair versions by place; plain
 * lists pair by closeness alone.
 */
export function dependencyDelta(base: DeltaSide, head: DeltaSide): ClassifiedDelta {
  const before = byIdentity(base);
  const after = byIdentity(head);
  const added: RangedDependency[] = [];
  const removed: RangedDependency[] = [];
  const changed: ClassifiedChange[] = [];

  for (const [id, nowEntries] of after) {
    const thenEntries = before.get(id);
    if (thenEntries === undefined) {
      added.push(...distinct(nowEntries));
      continue;
    }
    if (unchanged(thenEntries, nowEntries)) continue;
    const then = group(thenEntries);
    const now = group(nowEntries);
    for (const [from, to] of versionPairs(then, now)) {
      const a = then.pinned.get(from);
      const b = now.pinned.get(to);
      if (a !== undefined && b !== undefined) changed.push({ from: a, to: b, kind: kindOf(from, to) });
    }
    changed.push(...rangeChanges(then, now));
  }
  for (const [id, then] of before) if (!after.has(id)) removed.push(...distinct(then));

  changed.sort(
    (a, b) =>
      compareDependencies(a.to, b.to) ||
      compareVersions(a.from.version, b.from.version) ||
      (a.from.range ?? '').localeCompare(b.from.range ?? ''),
  );
  return { added: added.sort(compareDependencies), removed: removed.sort(compareDependencies), changed };
}
