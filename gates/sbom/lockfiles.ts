// Which files name dependencies, how each is read, and how a tree's files combine into one list.

import type { Dependency, Ecosystem } from '../types.js';
import { parseBunLock } from './parsers/bun.js';
import { parseCargoLock, parseCargoToml } from './parsers/cargo.js';
import {
  DependencyFileError,
  type Entry,
  type Parser,
  type RangedDependency,
  stripBom,
} from './parsers/common.js';
import { parseGoMod } from './parsers/go.js';
import { parsePackageJson, parsePackageLock } from './parsers/npm.js';
import { parsePnpmLock } from './parsers/pnpm.js';
import { parsePyproject } from './parsers/pyproject.js';
import { parsePipfileLock, parsePoetryLock, parseRequirements, parseUvLock } from './parsers/python.js';
import { parseYarnLock } from './parsers/yarn.js';
import { compareDependencies } from './versions.js';

export { DependencyFileError, type RangedDependency } from './parsers/common.js';

interface FileKind {
  parse: Parser;
  /** A manifest names ranges; a lock names versions. */
  role: 'manifest' | 'lock';
  /**
   * A manifest is completed by a lock of its family in its own folder or, failing that, the nearest
   * enclosing folder that has one (as a workspace member's manifest is by the root's lockfile).
   */
  family?: Ecosystem;
}

// A Map, not an object literal: a file named `constructor` must not find Object.prototype's.
const BY_NAME = new Map<string, FileKind>([
  ['package-lock.json', { parse: parsePackageLock, role: 'lock', family: 'npm' }],
  ['npm-shrinkwrap.json', { parse: parsePackageLock, role: 'lock', family: 'npm' }],
  ['pnpm-lock.yaml', { parse: parsePnpmLock, role: 'lock', family: 'npm' }],
  ['yarn.lock', { parse: parseYarnLock, role: 'lock', family: 'npm' }],
  ['bun.lock', { parse: parseBunLock, role: 'lock', family: 'npm' }],
  ['package.json', { parse: parsePackageJson, role: 'manifest', family: 'npm' }],
  ['poetry.lock', { parse: parsePoetryLock, role: 'lock', family: 'pypi' }],
  ['uv.lock', { parse: parseUvLock, role: 'lock', family: 'pypi' }],
  ['Pipfile.lock', { parse: parsePipfileLock, role: 'lock', family: 'pypi' }],
  ['pyproject.toml', { parse: parsePyproject, role: 'manifest', family: 'pypi' }],
  ['go.mod', { parse: parseGoMod, role: 'lock' }],
  ['Cargo.lock', { parse: parseCargoLock, role: 'lock', family: 'cargo' }],
  ['Cargo.toml', { parse: parseCargoToml, role: 'manifest', family: 'cargo' }],
]);
const REQUIREMENTS: FileKind = { parse: parseRequirements, role: 'lock', family: 'pypi' };

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
  // A leading UTF-8 byte order mark is dropped, as npm drops it.
  return { kind, entries: kind.parse(path, stripBom(content)) };
}

/**
 * Parses one file. Throws DependencyFileError, whose message starts with the path and says what was
 * expected, on malformed input. A package.json's peer dependencies are left out here (they count only
 * where no lockfile completes the manifest: see readDependencies).
 */
export function parseDependencyFile(path: string, content: string): Dependency[] {
  return dedupe(parseEntries(path, content).entries.flatMap((e) => (e.local || e.peer ? [] : [e.dep])));
}

const dirOf = (path: string) => path.slice(0, Math.max(0, path.lastIndexOf('/')));

/**
 * One dependency per purl, sorted by ecosystem, name, version. Duplicates merge: the first source
 * in path order, direct when any copy is, the first licence stated.
 */
function dedupe(deps: RangedDependency[]): RangedDependency[] {
  const byPurl = new Map<string, RangedDependency>();
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

/** One place a dependency was found: the dependency and where in its file (`<file>#<place>`, see Entry.at). */
export interface Located {
  dep: RangedDependency;
  at: readonly string[];
}

/** What readDependencies read from a tree's dependency files. */
export interface DependencyRead {
  /** One per purl, sorted: the tree's dependencies, as its BOM lists them. */
  dependencies: RangedDependency[];
  /** Every dependency where it was found, for dependencyDelta to pair old and new versions by place. */
  located: Located[];
  /**
   * One per file that could not be read, in input order; that file's dependencies are left out of the
   * rest. Whether one fails a gate is the caller's to judge (by whether the change touched `error.file`).
   */
  errors: DependencyFileError[];
  /** Manifests no lockfile completes (their ranges are what installs): no lockfile can drift from them. */
  unlocked: string[];
}

/**
 * All dependencies of a tree, given its dependency files (others are ignored); never throws for a
 * file's content. A manifest (package.json, pyproject.toml, Cargo.toml) is merged with the lockfiles
 * of its ecosystem in its own folder or, failing that, in the nearest enclosing folder that has one,
 * as a workspace's manifest is: a name the lockfile has is represented by the lockfile's exact
 * versions (and marked direct where the lockfile cannot tell); a name it lacks is kept with version ''
 * and its range. A manifest no lockfile completes keeps every range it names, package.json's peers
 * included. Deduped by purl and sorted.
 */
export function readDependencies(files: readonly { path: string; content: string }[]): DependencyRead {
  const errors: DependencyFileError[] = [];
  const parsed: { path: string; dir: string; kind: FileKind; entries: Entry[] }[] = [];
  for (const f of files) {
    if (!isDependencyFile(f.path)) continue;
    try {
      parsed.push({ path: f.path, dir: dirOf(f.path), ...parseEntries(f.path, f.content) });
    } catch (e) {
      errors.push(
        e instanceof DependencyFileError
          ? e
          : new DependencyFileError(
              f.path,
              `could not be read (${e instanceof Error ? e.message : String(e)})`,
            ),
      );
    }
  }

  // Each folder's lock entries, by ecosystem and package name.
  const locks = new Map<string, Map<string, Entry[]>>();
  const lockKey = (family: Ecosystem, dir: string) => `${family}\u0000${dir}`;
  for (const p of parsed) {
    if (p.kind.role !== 'lock' || p.kind.family === undefined) continue;
    const key = lockKey(p.kind.family, p.dir);
    const byName = locks.get(key) ?? new Map<string, Entry[]>();
    locks.set(key, byName);
    for (const e of p.entries) byName.set(e.dep.name, [...(byName.get(e.dep.name) ?? []), e]);
  }
  const lockFor = (family: Ecosystem, dir: string): Map<string, Entry[]> | undefined => {
    for (let d: string | undefined = dir; d !== undefined; d = d === '' ? undefined : dirOf(d)) {
      const found = locks.get(lockKey(family, d));
      if (found !== undefined) return found;
    }
    return undefined;
  };

  // Packages the tree itself defines (workspaces): a manifest naming one does not name a dependency.
  const id = (d: Dependency) => `${d.ecosystem}\u0000${d.name}`;
  const local = new Set(parsed.flatMap((p) => p.entries.flatMap((e) => (e.local ? [id(e.dep)] : []))));

  const out: Entry[] = [];
  const unlocked: string[] = [];
  const completed = new Set<Map<string, Entry[]>>();
  for (const p of parsed) {
    if (p.kind.role === 'lock') {
      // Locks of a family are added below, once their directness is known.
      if (p.kind.family === undefined) out.push(...p.entries.filter((e) => !e.local));
      continue;
    }
    const wants = p.entries.filter((e) => !e.local && !local.has(id(e.dep)));
    const lock = p.kind.family === undefined ? undefined : lockFor(p.kind.family, p.dir);
    if (lock === undefined) {
      out.push(...wants);
      unlocked.push(p.path);
      continue;
    }
    completed.add(lock);
    for (const wanted of wants) {
      if (wanted.peer) continue;
      const same = lock.get(wanted.dep.name);
      if (same === undefined) {
        out.push(wanted);
        continue;
      }
      // Lockfiles that do not record directness (yarn) learn it from the manifest's request; when no
      // request matches (a range rewritten by hand), every installed version of the name counts.
      // Lockfiles that record no requests either (poetry.lock) learn it from the name.
      const recording = same.filter((e) => e.requests !== undefined);
      if (recording.length === 0) {
        for (const e of same) e.dep.direct ??= true;
        continue;
      }
      const requested = recording.filter((e) => wanted.requests?.some((r) => e.requests?.includes(r)));
      for (const e of requested.length > 0 ? requested : recording) e.dep.direct = true;
    }
  }
  for (const lock of locks.values()) {
    for (const e of [...lock.values()].flat()) {
      if (e.local) continue;
      // Never asked for by the manifest the lockfile completes: transitive.
      if (e.dep.direct === undefined && completed.has(lock)) e.dep.direct = false;
      out.push(e);
    }
  }

  const dependencies = dedupe(out.map((e) => e.dep));
  const byPurl = new Map(dependencies.map((d) => [d.purl, d]));
  const located = out.map((e) => ({
    // An exact version is one package wherever it is found; a range is its manifest's own.
    dep: e.dep.version === '' ? e.dep : (byPurl.get(e.dep.purl) ?? e.dep),
    at: (e.at ?? []).map((place) => `${e.dep.source}#${place}`),
  }));
  return { dependencies, located, errors, unlocked: unlocked.sort() };
}

/**
 * readDependencies, for callers that want all or nothing: throws the first file's DependencyFileError.
 */
export function collectDependencies(files: { path: string; content: string }[]): Dependency[] {
  const read = readDependencies(files);
  const first = read.errors[0];
  if (first !== undefined) throw first;
  return read.dependencies;
}
