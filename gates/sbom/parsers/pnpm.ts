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

/**
 * Direct dependencies: every importer's (the root `.` and each workspace folder) dependencies, as
 * `name@version`, and the names it links to (workspace packages). Before v9 a single project wrote them
 * at the top level instead of under `importers`.
 */
function importerDeps(lock: Record<string, unknown>, major: number): { keys: Set<string>; links: string[] } {
  const importers = isRecord(lock.importers) ? Object.values(lock.importers) : [lock];
  const keys = new Set<string>();
  const links: string[] = [];
  for (const importer of importers) {
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
        const v = raw.startsWith('/') ? raw : stripPeers(raw, major);
        // An alias resolves to `/real@1.0.0` (v6), `real@1.0.0` (v9) or `/real/1.0.0` (v5).
        const aliased = v.startsWith('/') || splitAtVersion(v) !== undefined ? parseKey(v, major) : undefined;
        keys.add(aliased ? `${aliased.name}@${aliased.version}` : `${name}@${v}`);
      }
    }
  }
  return { keys, links };
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
  const { keys: direct, links } = importerDeps(lock, major);

  // Workspace packages linked into an importer are the project's own.
  const entries: Entry[] = links.map((name) => ({ dep: makeDependency('npm', name, '', file), local: true }));
  for (const [key, raw] of Object.entries(packages)) {
    const meta = isRecord(raw) ? raw : {};
    const parsed = parseKey(key, major);
    const name = str(meta.name) ?? parsed?.name;
    if (name === undefined) throw new DependencyFileError(file, `cannot read a package name from "${key}"`);
    const version = plainVersion(str(meta.version) ?? parsed?.version ?? '');
    entries.push({
      // Importers name a tarball or git package by its key's version (the URL), the entry by its own.
      dep: makeDependency('npm', name, version, file, {
        direct: direct.has(`${name}@${version}`) || direct.has(`${name}@${parsed?.version}`),
      }),
    });
  }
  return entries;
}
