// What a change does to the dependencies: the delta between the base's and the head's lists.
//
// Identity is ecosystem + name across the whole repository, not per lockfile: a package moving from one
// lockfile to another, or a second lockfile pulling in a package the repository already has at the same
// version, adds nothing new to review. Within a name, versions compare as sets:
// - added: every head entry whose name the base does not have;
// - removed: every base entry whose name the head does not have;
// - changed: one entry per head version the base does not have, `from` the highest base version of
//   that name, `to` the head entry. A version dropped while others stay is not reported (nothing new
//   arrived). Entries without a version (a manifest's range) count for added and removed but take no
//   part in changed: a range becoming a pinned lock entry, or the reverse, is not a change.

import type { Dependency, DependencyChange, DependencyDelta } from '../types.js';
import { compareDependencies, compareVersions } from './versions.js';

const identity = (d: Dependency) => `${d.ecosystem}\u0000${d.name}`;

function byIdentity(deps: readonly Dependency[]): Map<string, Dependency[]> {
  const map = new Map<string, Dependency[]>();
  const seen = new Set<string>();
  for (const dep of [...deps].sort(compareDependencies)) {
    if (seen.has(dep.purl)) continue;
    seen.add(dep.purl);
    const list = map.get(identity(dep));
    if (list === undefined) map.set(identity(dep), [dep]);
    else list.push(dep);
  }
  return map;
}

export function dependencyDelta(base: readonly Dependency[], head: readonly Dependency[]): DependencyDelta {
  const before = byIdentity(base);
  const after = byIdentity(head);
  const added: Dependency[] = [];
  const removed: Dependency[] = [];
  const changed: DependencyChange[] = [];

  for (const [id, headDeps] of after) {
    const baseDeps = before.get(id);
    if (baseDeps === undefined) {
      added.push(...headDeps);
      continue;
    }
    const pinnedBase = baseDeps.filter((d) => d.version !== '');
    // Sorted ascending, so the last pinned entry is the highest base version.
    const from = pinnedBase.at(-1);
    if (from === undefined) continue;
    const baseVersions = new Set(pinnedBase.map((d) => d.version));
    const fresh = new Set<string>();
    for (const to of headDeps) {
      if (to.version === '' || baseVersions.has(to.version) || fresh.has(to.version)) continue;
      fresh.add(to.version);
      changed.push({ from, to });
    }
  }
  for (const [id, baseDeps] of before) if (!after.has(id)) removed.push(...baseDeps);

  changed.sort((a, b) => compareDependencies(a.to, b.to) || compareVersions(a.from.version, b.from.version));
  return { added: added.sort(compareDependencies), removed: removed.sort(compareDependencies), changed };
}
