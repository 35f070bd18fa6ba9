// Which files name dependencies, how each is read, and how a tree's files combine into one list.

import type { Dependency } from '../types.js';
import { parseCargoLock } from './parsers/cargo.js';
import { DependencyFileError, type Entry, type Parser } from './parsers/common.js';
import { parseGoMod } from './parsers/go.js';
import { parsePackageJson, parsePackageLock } from './parsers/npm.js';
import { parsePnpmLock } from './parsers/pnpm.js';
import { parsePoetryLock, parseRequirements } from './parsers/python.js';
import { parseYarnLock } from './parsers/yarn.js';
import { compareDependencies } from './versions.js';

export { DependencyFileError } from './parsers/common.js';

interface FileKind {
  parse: Parser;
  /** A manifest names ranges and is completed by an npm lockfile in its folder or an enclosing one. */
  role: 'manifest' | 'npm-lock' | 'lock';
}

// A Map, not an object literal: a file named `constructor` must not find Object.prototype's.
const BY_NAME = new Map<string, FileKind>([
  ['package-lock.json', { parse: parsePackageLock, role: 'npm-lock' }],
  ['npm-shrinkwrap.json', { parse: parsePackageLock, role: 'npm-lock' }],
  ['pnpm-lock.yaml', { parse: parsePnpmLock, role: 'npm-lock' }],
  ['yarn.lock', { parse: parseYarnLock, role: 'npm-lock' }],
  ['package.json', { parse: parsePackageJson, role: 'manifest' }],
  ['poetry.lock', { parse: parsePoetryLock, role: 'lock' }],
  ['go.mod', { parse: parseGoMod, role: 'lock' }],
  ['Cargo.lock', { parse: parseCargoLock, role: 'lock' }],
]);
const REQUIREMENTS: FileKind = { parse: parseRequirements, role: 'lock' };

function kindOf(path: string): FileKind | undefined {
  const parts = path.split('/');
  // Installed packages' own manifests are not the project's.
  if (parts.includes('node_modules')) return undefined;
  const base = parts.at(-1) ?? '';
  const byName = BY_NAME.get(base);
  if (byName !== undefined) return byName;
  // requirements.txt, requirements-dev.txt, and the requirements/*.txt layout.
  if (/^requirements.*\.txt$/.test(base) || (parts.at(-2) === 'requirements' && base.endsWith('.txt'))) {
    return REQUIREMENTS;
  }
  return undefined;
}

/**
 * Git pathspecs that select the candidates for isDependencyFile, so that listing a large tree for its
 * dependency files costs what the matches cost, not what the tree does.
 */
export const DEPENDENCY_FILE_PATHSPECS: readonly string[] = [
  ...[...BY_NAME.keys()].map((name) => `:(glob)**/${name}`),
  ':(glob)**/requirements*.txt',
  ':(glob)**/requirements/*.txt',
];

/** True for a path whose base name is a lockfile or manifest we read (outside node_modules). */
export function isDependencyFile(path: string): boolean {
  return kindOf(path) !== undefined;
}

function parseEntries(path: string, content: string): { kind: FileKind; entries: Entry[] } {
  const kind = kindOf(path);
  if (kind === undefined) throw new DependencyFileError(path, 'not a lockfile or manifest this gate reads');
  return { kind, entries: kind.parse(path, content) };
}

/**
 * Parses one file. Throws DependencyFileError, whose message starts with the path and says what was
 * expected, on malformed input.
 */
export function parseDependencyFile(path: string, content: string): Dependency[] {
  return dedupe(parseEntries(path, content).entries.flatMap((e) => (e.local ? [] : [e.dep])));
}

const dirOf = (path: string) => path.slice(0, Math.max(0, path.lastIndexOf('/')));

/**
 * One dependency per purl, sorted by ecosystem, name, version. Duplicates merge: the first source
 * in path order, direct when any copy is, the first licence stated.
 */
function dedupe(deps: Dependency[]): Dependency[] {
  const byPurl = new Map<string, Dependency>();
  for (const dep of [...deps].sort(compareDependencies)) {
    const seen = byPurl.get(dep.purl);
    if (seen === undefined) {
      byPurl.set(dep.purl, { ...dep });
      continue;
    }
    if (dep.direct !== undefined && seen.direct !== true) seen.direct = dep.direct;
    if (seen.license === undefined && dep.license !== undefined) seen.license = dep.license;
  }
  return [...byPurl.values()];
}

/**
 * All dependencies of a tree, given its dependency files (others are ignored). A package.json is
 * merged with the npm lockfiles (package-lock, shrinkwrap, pnpm, yarn) of its own folder or, failing
 * that, of the nearest enclosing folder that has one, as a workspace's manifest is: a name the
 * lockfile has is represented by the lockfile's exact versions (and marked direct where the lockfile
 * cannot tell); a name it lacks is kept with version ''. Deduped by purl and sorted.
 */
export function collectDependencies(files: { path: string; content: string }[]): Dependency[] {
  const parsed = files
    .filter((f) => isDependencyFile(f.path))
    .map((f) => ({ path: f.path, dir: dirOf(f.path), ...parseEntries(f.path, f.content) }));

  // Each folder's npm lock entries, by package name.
  const npmLocks = new Map<string, Map<string, Entry[]>>();
  for (const p of parsed) {
    if (p.kind.role !== 'npm-lock') continue;
    const byName = npmLocks.get(p.dir) ?? new Map<string, Entry[]>();
    npmLocks.set(p.dir, byName);
    for (const e of p.entries) byName.set(e.dep.name, [...(byName.get(e.dep.name) ?? []), e]);
  }
  const lockFor = (dir: string): Map<string, Entry[]> | undefined => {
    for (let d: string | undefined = dir; d !== undefined; d = d === '' ? undefined : dirOf(d)) {
      const found = npmLocks.get(d);
      if (found !== undefined) return found;
    }
    return undefined;
  };

  // Packages the tree itself defines (workspaces): a manifest naming one does not name a dependency.
  const local = new Set(parsed.flatMap((p) => p.entries.flatMap((e) => (e.local ? [e.dep.name] : []))));

  const out: Dependency[] = [];
  const completed = new Set<Map<string, Entry[]>>();
  for (const p of parsed) {
    if (p.kind.role !== 'manifest') {
      if (p.kind.role === 'lock') out.push(...p.entries.map((e) => e.dep));
      continue;
    }
    const wants = p.entries.filter((e) => !e.local && !local.has(e.dep.name));
    const lock = lockFor(p.dir);
    if (lock === undefined) {
      out.push(...wants.map((e) => e.dep));
      continue;
    }
    completed.add(lock);
    for (const wanted of wants) {
      const same = lock.get(wanted.dep.name);
      if (same === undefined) {
        out.push(wanted.dep);
        continue;
      }
      // Lockfiles that do not record directness (yarn) learn it from the manifest's request; when no
      // request matches (a range rewritten by hand), every installed version of the name counts.
      const recording = same.filter((e) => e.requests !== undefined);
      const requested = recording.filter((e) => wanted.requests?.some((r) => e.requests?.includes(r)));
      for (const e of requested.length > 0 ? requested : recording) e.dep.direct = true;
    }
  }
  for (const lock of npmLocks.values()) {
    for (const e of [...lock.values()].flat()) {
      if (e.local) continue;
      // Requests recorded but never asked for by a manifest: transitive.
      if (e.dep.direct === undefined && completed.has(lock) && e.requests !== undefined) e.dep.direct = false;
      out.push(e.dep);
    }
  }
  return dedupe(out);
}
