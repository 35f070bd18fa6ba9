// pnpm-lock.yaml, lockfileVersion 5.x (pnpm 7), 6.x (pnpm 8) and 9.x (pnpm 9 and 10).

import { parseAllDocuments } from 'yaml';
import { DependencyFileError, type Entry, isRecord, makeDependency, splitAtVersion, str } from './common.js';

const IMPORTER_SECTIONS = ['dependencies', 'devDependencies', 'optionalDependencies'] as const;

/** `name@version` without the peer suffix: v6/v9 write `(react@18.2.0)`, v5 writes `_react@18.2.0`. */
function stripPeers(version: string, major: number): string {
  const cut = major >= 6 ? version.indexOf('(') : version.indexOf('_');
  return cut < 0 ? version : version.slice(0, cut);
}

/** Parses a `packages` key: `/name@1.0.0(peer@1)` (v6), `name@1.0.0` (v9), `/name/1.0.0_peer@1` (v5). */
function parseKey(key: string, major: number): { name: string; version: string } | undefined {
  const k = key.startsWith('/') ? key.slice(1) : key;
  if (major < 6) {
    const slash = k.lastIndexOf('/');
    if (slash <= 0) return undefined;
    return { name: k.slice(0, slash), version: stripPeers(k.slice(slash + 1), major) };
  }
  const split = splitAtVersion(stripPeers(k, major));
  return split && { name: split[0], version: split[1] };
}

/** A version pnpm resolved from a registry; tarball and git keys carry a URL or path there instead. */
function plainVersion(v: string): string {
  return /[:/]/.test(v) ? '' : v;
}

function pickDocument(file: string, content: string): Record<string, unknown> {
  // pnpm 10 may put a small "env" document first; the project's lockfile is the one with importers or packages.
  const docs = parseAllDocuments(content, { schema: 'failsafe' });
  const list = Array.isArray(docs) ? docs : [docs];
  const values: unknown[] = [];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err !== undefined)
      throw new DependencyFileError(file, `not valid YAML (${err.message.split('\n')[0]})`);
    values.push(doc.toJS({ maxAliasCount: 100 }));
  }
  const records = values.filter(isRecord);
  const chosen = [...records].reverse().find((d) => 'importers' in d || 'packages' in d) ?? records[0];
  if (chosen === undefined)
    throw new DependencyFileError(file, 'expected a YAML mapping with lockfileVersion');
  return chosen;
}

/** `name@version` of what a dependency map's value resolves to; an alias names the real package. */
function resolvedKey(alias: string, raw: string, major: number): string {
  const v = raw.startsWith('/') ? raw : stripPeers(raw, major);
  // An alias resolves to `/real@1.0.0` (v6), `real@1.0.0` (v9) or `/real/1.0.0` (v5).
  const aliased = v.startsWith('/') || splitAtVersion(v) !== undefined ? parseKey(v, major) : undefined;
  return aliased ? `${aliased.name}@${aliased.version}` : `${alias}@${v}`;
}

/** Adds `slot` to the places of the package `key` (`name@version`). */
function place(places: Map<string, string[]>, key: string, slot: string): void {
  const list = places.get(key);
  if (list === undefined) places.set(key, [slot]);
  else list.push(slot);
}

/**
 * Direct dependencies: every importer's (the root `.` and each workspace folder) dependencies, as
 * `name@version` with the places `importer>alias` they are installed at, and the names it links to
 * (workspace packages). Before v9 a single project wrote them at the top level instead of under
 * `importers`.
 */
function importerDeps(
  lock: Record<string, unknown>,
  major: number,
): { direct: Map<string, string[]>; links: string[] } {
  const importers = isRecord(lock.importers) ? Object.entries(lock.importers) : [['.', lock] as const];
  const direct = new Map<string, string[]>();
  const links: string[] = [];
  for (const [path, importer] of importers) {
    if (!isRecord(importer)) continue;
    for (const section of IMPORTER_SECTIONS) {
      const deps = importer[section];
      if (!isRecord(deps)) continue;
      for (const [name, spec] of Object.entries(deps)) {
        const raw = isRecord(spec) ? str(spec.version) : str(spec);
        if (raw === undefined) continue;
        if (raw.startsWith('link:')) {
          links.push(name);
          continue;
        }
        place(direct, resolvedKey(name, raw, major), `${path}>${name}`);
      }
    }
  }
  return { direct, links };
}

/**
 * The places of transitive packages: `parent>alias` for every dependency a package entry (v5, v6) or
 * snapshot (v9) names, so that a package bumped under one parent pairs with its old version there.
 */
function childPlaces(lock: Record<string, unknown>, major: number): Map<string, string[]> {
  const places = new Map<string, string[]>();
  const parents = major >= 9 ? lock.snapshots : lock.packages;
  if (!isRecord(parents)) return places;
  for (const [key, raw] of Object.entries(parents)) {
    const parent = parseKey(key, major);
    if (parent === undefined || !isRecord(raw)) continue;
    for (const section of ['dependencies', 'optionalDependencies']) {
      const deps = raw[section];
      if (!isRecord(deps)) continue;
      for (const [alias, v] of Object.entries(deps)) {
        if (typeof v === 'string') place(places, resolvedKey(alias, v, major), `${parent.name}>${alias}`);
      }
    }
  }
  return places;
}

export function parsePnpmLock(file: string, content: string): Entry[] {
  const lock = pickDocument(file, content);
  const found = str(lock.lockfileVersion);
  const major = found === undefined ? Number.NaN : Number.parseInt(found, 10);
  if (![5, 6, 9].includes(major)) {
    throw new DependencyFileError(file, `expected lockfileVersion 5.x, 6.x or 9.x, found ${found ?? 'none'}`);
  }
  const packages = lock.packages ?? {};
  if (!isRecord(packages)) throw new DependencyFileError(file, 'expected "packages" to be a mapping');
  const { direct, links } = importerDeps(lock, major);
  const children = childPlaces(lock, major);

  // Workspace packages linked into an importer are the project's own.
  const entries: Entry[] = links.map((name) => ({ dep: makeDependency('npm', name, '', file), local: true }));
  for (const [key, raw] of Object.entries(packages)) {
    const meta = isRecord(raw) ? raw : {};
    const parsed = parseKey(key, major);
    const name = str(meta.name) ?? parsed?.name;
    if (name === undefined) throw new DependencyFileError(file, `cannot read a package name from "${key}"`);
    const version = plainVersion(str(meta.version) ?? parsed?.version ?? '');
    // Importers name a tarball or git package by its key's version (the URL), the entry by its own.
    const keys = [...new Set([`${name}@${version}`, `${name}@${parsed?.version}`])];
    const at = keys.flatMap((k) => [...(direct.get(k) ?? []), ...(children.get(k) ?? [])]);
    entries.push({
      dep: makeDependency('npm', name, version, file, { direct: keys.some((k) => direct.has(k)) }),
      at,
    });
  }
  return entries;
}
