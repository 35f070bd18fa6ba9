// Rust: Cargo.lock (versions 1 to 4) and Cargo.toml. In the lockfile, packages without a `source` are
// the workspace's own crates; they are not dependencies, but their `dependencies` lists say which
// crates are direct.

import {
  DependencyFileError,
  type Entry,
  isRecord,
  makeDependency,
  parseTomlFile,
  str,
  tomlPackages,
} from './common.js';

export function parseCargoLock(file: string, content: string): Entry[] {
  const packages = tomlPackages(file, parseTomlFile(file, content));
  // A dependency is written `name`, `name version` or `name version (source)`; the short forms are
  // used when the name (or name and version) is unambiguous in the lockfile.
  const versionsOf = new Map<string, string[]>();
  for (const p of packages)
    versionsOf.set(String(p.name), [...(versionsOf.get(String(p.name)) ?? []), String(p.version)]);
  const direct = new Set<string>();
  // Where each `name version` sits: `parent>name` for every package that depends on it.
  const places = new Map<string, string[]>();
  for (const p of packages) {
    if (!Array.isArray(p.dependencies)) continue;
    for (const d of p.dependencies) {
      const [name, version] = String(d).split(' ');
      if (name === undefined) continue;
      if (p.source === undefined) direct.add(version === undefined ? name : `${name} ${version}`);
      const resolved =
        version ?? (versionsOf.get(name)?.length === 1 ? versionsOf.get(name)?.[0] : undefined);
      if (resolved === undefined) continue;
      const key = `${name} ${resolved}`;
      places.set(key, [...(places.get(key) ?? []), `${String(p.name)}>${name}`]);
    }
  }
  return packages
    .filter((p) => str(p.source) !== undefined)
    .map((p) => {
      const name = String(p.name);
      const version = String(p.version);
      const isDirect = direct.has(name) || direct.has(`${name} ${version}`);
      return {
        dep: makeDependency('cargo', name, version, file, { direct: isDirect }),
        at: places.get(`${name} ${version}`) ?? [],
      };
    });
}

/** The dependency tables of a manifest or of one `[target.<cfg>]` table, legacy underscore spellings included. */
const TABLES = [
  'dependencies',
  'dev-dependencies',
  'dev_dependencies',
  'build-dependencies',
  'build_dependencies',
];

/**
 * Cargo.toml: `[dependencies]`, `[dev-dependencies]`, `[build-dependencies]`, the same under
 * `[target.'cfg(...)'.*]`, and a workspace root's `[workspace.dependencies]`, each a direct crates.io
 * crate with version '' and its requirement (`"1.0"`, `{ version = "1.0", features = [...] }`) as the
 * range. `package = "real"` renames name the real crate. Crates that do not come from crates.io are
 * skipped: `path` (the workspace's own), `git`, another `registry`; so are `workspace = true` entries,
 * which the root's `[workspace.dependencies]` names. `[package] name` comes back as a `local` entry.
 */
export function parseCargoToml(file: string, content: string): Entry[] {
  const manifest = parseTomlFile(file, content);
  const entries: Entry[] = [];
  const pkg = manifest.package;
  const own = isRecord(pkg) ? str(pkg.name) : undefined;
  if (own !== undefined) {
    const version = isRecord(pkg) ? str(pkg.version) : undefined;
    entries.push({ dep: makeDependency('cargo', own, version ?? '', file), local: true });
  }

  const tables: [where: string, table: unknown][] = TABLES.map((t) => [t, manifest[t]]);
  if (isRecord(manifest.target)) {
    for (const [cfg, target] of Object.entries(manifest.target)) {
      if (!isRecord(target)) throw new DependencyFileError(file, `expected [target.'${cfg}'] to be a table`);
      for (const t of TABLES) tables.push([`target.${cfg}.${t}`, target[t]]);
    }
  }
  if (isRecord(manifest.workspace)) tables.push(['workspace.dependencies', manifest.workspace.dependencies]);

  for (const [where, table] of tables) {
    if (table === undefined) continue;
    if (!isRecord(table)) throw new DependencyFileError(file, `expected [${where}] to be a table`);
    for (const [key, spec] of Object.entries(table)) {
      let range: string | undefined;
      let name = key;
      if (typeof spec === 'string') {
        range = spec;
      } else if (isRecord(spec)) {
        if (spec.path !== undefined || spec.git !== undefined || spec.registry !== undefined) continue;
        if (spec.workspace === true) continue;
        range = str(spec.version);
        name = str(spec.package) ?? key;
      } else {
        throw new DependencyFileError(
          file,
          `expected a version string or a table for ${key} in [${where}], found ${JSON.stringify(spec)}`,
        );
      }
      entries.push({
        dep: makeDependency('cargo', name, '', file, { direct: true, range }),
        at: [`${where}>${key}`],
      });
    }
  }
  return entries;
}
