// Rust: Cargo.lock (versions 1 to 4). Packages without a `source` are the workspace's own crates; they
// are not dependencies, but their `dependencies` lists say which crates are direct.

import { type Entry, makeDependency, parseTomlFile, str, tomlPackages } from './common.js';

export function parseCargoLock(file: string, content: string): Entry[] {
  const packages = tomlPackages(file, parseTomlFile(file, content));
  // A dependency is written `name`, `name version` or `name version (source)`; the short forms are
  // used when the name (or name and version) is unambiguous in the lockfile.
  const direct = new Set<string>();
  for (const p of packages) {
    if (p.source !== undefined || !Array.isArray(p.dependencies)) continue;
    for (const d of p.dependencies) {
      const [name, version] = String(d).split(' ');
      if (name !== undefined) direct.add(version === undefined ? name : `${name} ${version}`);
    }
  }
  return packages
    .filter((p) => str(p.source) !== undefined)
    .map((p) => {
      const name = String(p.name);
      const version = String(p.version);
      const isDirect = direct.has(name) || direct.has(`${name} ${version}`);
      return { dep: makeDependency('cargo', name, version, file, { direct: isDirect }) };
    });
}
