// What every dependency-file parser shares: the error it throws, the entry it returns, and how names
// become Package URLs.

import { PackageURL } from 'packageurl-js';
import { parse as parseToml } from 'smol-toml';
import type { Dependency, Ecosystem } from '../../types.js';

/** A dependency file we cannot read. The message starts with the file's path and says what was expected. */
export class DependencyFileError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'DependencyFileError';
  }
}

/**
 * A dependency as its file states it. A manifest's entry (version '') also carries the range it asks
 * for, so that a manifest without a lockfile can show a bump of that range.
 */
export type RangedDependency = Dependency & { range?: string };

/**
 * A parsed dependency plus what merging needs and `Dependency` does not carry: the requests
 * (`alias@range`, normalised by `requestKey`) a lock entry satisfies or a manifest entry makes.
 */
export interface Entry {
  dep: RangedDependency;
  requests?: readonly string[];
  /**
   * Where in its file the entry sits, when the format says: an install path (`node_modules/a/node_modules/b`),
   * a parent and name (`debug>ms`), a yarn request, a manifest's section and name. Two versions of one
   * package at the same place in the base and the head are one bump, however many other versions coexist.
   */
  at?: readonly string[];
  /** The project's own package (a package.json's `name`): not a dependency, but a manifest may name it. */
  local?: boolean;
  /** A manifest's peer dependency: read only when no lockfile completes the manifest. */
  peer?: boolean;
}

export type Parser = (file: string, content: string) => Entry[];

/** Builds the purl and the dependency; an empty version gives a purl without one. */
export function makeDependency(
  ecosystem: Ecosystem,
  name: string,
  version: string,
  source: string,
  extra: { license?: string | undefined; direct?: boolean | undefined; range?: string | undefined } = {},
): RangedDependency {
  const dep: RangedDependency = { ecosystem, name, version, purl: purlOf(ecosystem, name, version), source };
  if (extra.license !== undefined && extra.license.trim() !== '') dep.license = extra.license.trim();
  if (extra.direct !== undefined) dep.direct = extra.direct;
  if (extra.range !== undefined && version === '') dep.range = extra.range.trim();
  return dep;
}

export function purlOf(ecosystem: Ecosystem, name: string, version: string): string {
  // npm scopes and Go module paths go in the namespace, so the purl reads `%40scope/name`, `github.com/x/y`.
  let namespace: string | undefined;
  let base = name;
  const slash = name.lastIndexOf('/');
  if ((ecosystem === 'npm' || ecosystem === 'golang') && slash > 0) {
    namespace = name.slice(0, slash);
    base = name.slice(slash + 1);
  }
  return new PackageURL(ecosystem, namespace, base, version === '' ? undefined : version).toString();
}

/** PEP 503: lowercase, and every run of `-`, `_` and `.` becomes one `-`. */
export function normalizePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** The npm package name in `name@range` (a scoped name keeps its leading `@`). */
export function splitAtVersion(spec: string): [name: string, rest: string] | undefined {
  const at = spec.indexOf('@', 1);
  if (at <= 0) return undefined;
  return [spec.slice(0, at), spec.slice(at + 1)];
}

/**
 * The key under which a manifest's request and a lockfile's record of it meet: `alias@range`, with
 * yarn berry's default `npm:` protocol dropped (`a@npm:^1.0.0` and `a@^1.0.0` are the same request).
 */
export function requestKey(alias: string, range: string): string {
  const r = range.trim();
  const plain = r.startsWith('npm:') && splitAtVersion(r.slice(4)) === undefined ? r.slice(4) : r;
  return `${alias}@${plain}`;
}

/** Local code rather than a registry package: the project's own workspaces, links and folders. */
export function isLocalSpec(range: string): boolean {
  return /^(workspace|link|portal|file):/.test(range.trim());
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * The text without a leading UTF-8 byte order mark, as npm reads package.json and lockfiles
 * (`JSON.parse` and the TOML parser refuse one; editors on Windows write it).
 */
export function stripBom(content: string): string {
  return content.charCodeAt(0) === 0xfeff ? content.slice(1) : content;
}

export function parseJsonFile(file: string, content: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = JSON.parse(stripBom(content));
  } catch (e) {
    throw new DependencyFileError(file, `not valid JSON (${(e as Error).message})`);
  }
  if (!isRecord(data)) throw new DependencyFileError(file, 'expected a JSON object at the top level');
  return data;
}

/**
 * JSON with line and block comments and trailing commas, as bun.lock is written: both are blanked
 * outside strings (keeping offsets, so JSON.parse's positions still point into the file), then parsed.
 */
export function parseJsoncFile(file: string, content: string): Record<string, unknown> {
  const text = stripBom(content);
  const blank: [start: number, end: number][] = [];
  let lastComma = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      lastComma = -1;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) {
      const line = text[i + 1] === '/';
      const found = line ? text.indexOf('\n', i) : text.indexOf('*/', i + 2);
      const end = found < 0 ? text.length : line ? found : found + 2;
      blank.push([i, end]);
      i = end - 1;
    } else if (c === ',') {
      lastComma = i;
    } else if (c === '}' || c === ']') {
      if (lastComma >= 0) blank.push([lastComma, lastComma + 1]);
      lastComma = -1;
    } else if (c !== undefined && c > ' ') {
      lastComma = -1;
    }
  }
  blank.sort((a, b) => a[0] - b[0]);
  let json = '';
  let at = 0;
  for (const [start, end] of blank) {
    json += text.slice(at, start) + text.slice(start, end).replace(/[^\n]/g, ' ');
    at = end;
  }
  return parseJsonFile(file, json + text.slice(at));
}

export function parseTomlFile(file: string, content: string): Record<string, unknown> {
  try {
    return parseToml(stripBom(content)) as Record<string, unknown>;
  } catch (e) {
    const first = (e as Error).message.split('\n')[0] ?? '';
    throw new DependencyFileError(file, `not valid TOML (${first})`);
  }
}

/** `[[package]]` tables with string `name` and `version`, as Cargo.lock and poetry.lock hold them. */
export function tomlPackages(file: string, data: Record<string, unknown>): Record<string, unknown>[] {
  const packages = data.package ?? [];
  if (!Array.isArray(packages)) throw new DependencyFileError(file, 'expected [[package]] tables');
  return packages.map((p, i) => {
    if (!isRecord(p) || typeof p.name !== 'string' || typeof p.version !== 'string') {
      throw new DependencyFileError(file, `[[package]] number ${i + 1} has no string name and version`);
    }
    return p;
  });
}
