// Python: pip requirements files, poetry.lock, uv.lock and Pipfile.lock (pyproject.toml is in
// pyproject.ts). Names are normalised per PEP 503.

import {
  DependencyFileError,
  type Entry,
  isRecord,
  makeDependency,
  normalizePypiName,
  parseJsonFile,
  parseTomlFile,
  str,
  tomlPackages,
} from './common.js';

export const PEP508_NAME = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$/;
export const PEP440_CLAUSE = /^(~=|===|==|!=|<=|>=|<|>)\s*[0-9A-Za-z*][^\s,;()]*$/;

/** The pinned version of a specifier: `==1.2.3` or `===1.2.3`; '' for ranges and wildcards. */
function pinned(spec: string): string | undefined {
  const body = spec
    .replace(/^\(\s*/, '')
    .replace(/\s*\)$/, '')
    .trim();
  if (body === '') return '';
  const clauses = body.split(',').map((c) => c.trim());
  if (!clauses.every((c) => PEP440_CLAUSE.test(c))) return undefined;
  const only = clauses.length === 1 ? /^===?\s*(\S+)$/.exec(clauses[0] ?? '') : null;
  return only?.[1] !== undefined && !only[1].includes('*') ? only[1] : '';
}

/** Not a named requirement: a URL, an archive or a local path (pip installs those from where they point). */
function isLocation(line: string): boolean {
  return (
    /^(\.{0,2}\/|[a-z][a-z0-9+.-]*:\/\/|[a-z]+\+[a-z]+:)/i.test(line) ||
    /\.(whl|zip|tar\.gz|tgz)$/i.test(line)
  );
}

/**
 * requirements*.txt. `name==1.2.3` gives the version; ranges give ''. Options (`-r`, `-c`, `-e`,
 * `--index-url`), URLs, paths and `name @ url` direct references are skipped; per-requirement
 * options such as `--hash` are dropped. Every requirement is direct, unless pip-compile's `# via`
 * annotations say it came only through other packages.
 */
export function parseRequirements(file: string, content: string): Entry[] {
  const entries: { entry: Entry; via: string[] }[] = [];
  let last: { via: string[] } | undefined;
  let inVia = false;
  // Backslash continuations join lines; pip-compile puts `--hash` options on them.
  const lines = content.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  for (const [i, rawLine] of lines.entries()) {
    const comment = /(^|\s)#(.*)$/.exec(rawLine);
    if (comment && last !== undefined) {
      const note = (comment[2] ?? '').trim();
      const via = /^via\b\s*(.*)$/.exec(note);
      if (via) {
        inVia = true;
        if (via[1]) last.via.push(via[1]);
      } else if (inVia && rawLine.trimStart().startsWith('#') && note !== '') {
        last.via.push(note);
      }
    }
    const line = (comment ? rawLine.slice(0, comment.index) : rawLine).trim();
    if (line === '') continue;
    inVia = false;
    last = undefined;
    if (line.startsWith('-') || isLocation(line)) continue;
    const requirement = line.replace(/\s+--?[a-z].*$/i, '');
    const m = PEP508_NAME.exec(requirement.split(';')[0]?.trim() ?? '');
    const rest = m?.[3]?.trim() ?? '';
    if (rest.startsWith('@')) continue; // `name @ https://...`
    const version = m ? pinned(rest) : undefined;
    if (m?.[1] === undefined || version === undefined) {
      throw new DependencyFileError(
        file,
        `line ${i + 1}: expected a requirement like name==1.2.3, found "${line}"`,
      );
    }
    const record = {
      entry: { dep: makeDependency('pypi', normalizePypiName(m[1]), version, file) },
      via: [],
    };
    entries.push(record);
    last = record;
  }
  return entries.map(({ entry, via }) => {
    // `-r requirements.in`, `-c constraints.txt` or `my-app (pyproject.toml)`: the project asked for it.
    const direct = via.length === 0 || via.some((v) => /^-[rc]\b|\([^)]*\)$/.test(v));
    entry.dep.direct = direct;
    return entry;
  });
}

/** poetry.lock: `[[package]]` name and version. Local folders (`source.type = "directory"`) are skipped. */
export function parsePoetryLock(file: string, content: string): Entry[] {
  const packages = tomlPackages(file, parseTomlFile(file, content));
  return packages
    .filter((p) => !(isRecord(p.source) && str(p.source.type) === 'directory'))
    .map((p) => ({
      dep: makeDependency('pypi', normalizePypiName(String(p.name)), String(p.version), file),
    }));
}

/** A local source in uv.lock: the project itself, a workspace member, a folder or a file beside it. */
const UV_LOCAL_SOURCES = ['editable', 'virtual', 'directory', 'path'];

/**
 * uv.lock (`version = 1`): `[[package]]` name, version and source. Packages from a local source (the
 * project and its workspace members, `editable`/`virtual`, and folders or files) are the project's
 * own; their `dependencies`, `optional-dependencies` and `dev-dependencies` are the direct ones.
 */
export function parseUvLock(file: string, content: string): Entry[] {
  const lock = parseTomlFile(file, content);
  if (typeof lock.version !== 'number') {
    throw new DependencyFileError(file, 'expected a numeric top-level "version", as uv writes it');
  }
  const raw = lock.package ?? [];
  if (!Array.isArray(raw)) throw new DependencyFileError(file, 'expected [[package]] tables');
  const packages = raw.map((p, i) => {
    if (!isRecord(p) || typeof p.name !== 'string') {
      throw new DependencyFileError(file, `[[package]] number ${i + 1} has no string name`);
    }
    const source = isRecord(p.source) ? p.source : {};
    const local = UV_LOCAL_SOURCES.some((k) => k in source);
    if (!local && typeof p.version !== 'string') {
      throw new DependencyFileError(file, `[[package]] ${p.name} has no string version`);
    }
    return { p, name: normalizePypiName(p.name), version: str(p.version) ?? '', local };
  });
  const versionsOf = new Map<string, string[]>();
  for (const { name, version } of packages) versionsOf.set(name, [...(versionsOf.get(name) ?? []), version]);

  const direct = new Set<string>();
  const places = new Map<string, string[]>();
  for (const { p, name: parent, local } of packages) {
    const groups = [
      p.dependencies,
      ...[p['optional-dependencies'], p['dev-dependencies']].flatMap((g) =>
        isRecord(g) ? Object.values(g) : [],
      ),
    ];
    for (const list of groups) {
      if (!Array.isArray(list)) continue;
      for (const d of list) {
        const childName = isRecord(d) ? str(d.name) : undefined;
        if (childName === undefined) continue;
        const child = normalizePypiName(childName);
        const only = versionsOf.get(child);
        const version =
          str(isRecord(d) ? d.version : undefined) ?? (only?.length === 1 ? only[0] : undefined);
        if (local) direct.add(version === undefined ? child : `${child}@${version}`);
        if (version === undefined) continue;
        const key = `${child}@${version}`;
        places.set(key, [...(places.get(key) ?? []), `${parent}>${child}`]);
      }
    }
  }
  return packages
    .filter((x) => !x.local)
    .map(({ name, version }) => ({
      dep: makeDependency('pypi', name, version, file, {
        direct: direct.has(name) || direct.has(`${name}@${version}`),
      }),
      at: places.get(`${name}@${version}`) ?? [],
    }));
}

/**
 * Pipfile.lock (JSON): the `default` and `develop` sections, each `name: { "version": "==1.2.3" }`.
 * Entries without a version (`git`, `path`, `editable`) install from where they point and are
 * skipped. The lockfile does not say which packages the Pipfile asked for.
 */
export function parsePipfileLock(file: string, content: string): Entry[] {
  const lock = parseJsonFile(file, content);
  if (!isRecord(lock.default) && !isRecord(lock.develop)) {
    throw new DependencyFileError(file, 'expected a "default" or "develop" section');
  }
  const entries: Entry[] = [];
  for (const section of ['default', 'develop']) {
    const deps = lock[section];
    if (deps === undefined) continue;
    if (!isRecord(deps)) throw new DependencyFileError(file, `expected "${section}" to be an object`);
    for (const [name, meta] of Object.entries(deps)) {
      if (!isRecord(meta)) throw new DependencyFileError(file, `${section}["${name}"] is not an object`);
      const version = str(meta.version);
      if (version === undefined) continue;
      const exact = /^===?\s*(\S+)$/.exec(version.trim());
      if (exact?.[1] === undefined) {
        throw new DependencyFileError(
          file,
          `${section}["${name}"] has version "${version}", expected "==1.2.3"`,
        );
      }
      entries.push({ dep: makeDependency('pypi', normalizePypiName(name), exact[1], file) });
    }
  }
  return entries;
}
