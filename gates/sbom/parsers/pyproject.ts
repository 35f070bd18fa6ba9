// pyproject.toml: the requirements of PEP 621 (`[project]`), PEP 735 (`[dependency-groups]`) and
// Poetry (`[tool.poetry]`). A manifest: each requirement is a direct PyPI package with version '' and
// its specifier as the range; a lockfile beside it (poetry.lock, uv.lock) gives the exact versions.

import {
  DependencyFileError,
  type Entry,
  isRecord,
  makeDependency,
  normalizePypiName,
  parseTomlFile,
  str,
} from './common.js';
import { PEP440_CLAUSE, PEP508_NAME } from './python.js';

/**
 * A PEP 508 requirement (`requests[socks]>=2.31,<3; python_version >= "3.8"`): its name and specifier;
 * `undefined` for a direct reference (`name @ https://...`), which installs from where it points.
 */
function requirement(file: string, where: string, text: string): { name: string; range: string } | undefined {
  const m = PEP508_NAME.exec(text.split(';')[0]?.trim() ?? '');
  const rest = m?.[3]?.trim() ?? '';
  if (m?.[1] !== undefined && rest.startsWith('@')) return undefined;
  const range = rest
    .replace(/^\(\s*/, '')
    .replace(/\s*\)$/, '')
    .trim();
  const clauses = range === '' ? [] : range.split(',').map((c) => c.trim());
  if (m?.[1] === undefined || !clauses.every((c) => PEP440_CLAUSE.test(c))) {
    throw new DependencyFileError(file, `${where}: expected a requirement like "name>=1.0", found "${text}"`);
  }
  return { name: normalizePypiName(m[1]), range: clauses.join(',') };
}

/** A Poetry constraint: `"^2.31"`, `{ version = "^2.31", extras = [...] }`, or a list of either with markers. */
function poetryRange(file: string, where: string, spec: unknown): string | undefined {
  if (typeof spec === 'string') return spec;
  if (Array.isArray(spec)) {
    const ranges = spec.map((s) => poetryRange(file, where, s));
    return ranges.some((r) => r === undefined) ? undefined : ranges.join(' || ');
  }
  if (isRecord(spec)) {
    // git, path, url and local development installs do not come from the index.
    if (['git', 'path', 'url', 'develop'].some((k) => spec[k] !== undefined)) return undefined;
    return str(spec.version) ?? '*';
  }
  throw new DependencyFileError(
    file,
    `${where}: expected a version string or a table, found ${JSON.stringify(spec)}`,
  );
}

/**
 * pyproject.toml: `[project] dependencies` and `[project.optional-dependencies]` (PEP 621),
 * `[dependency-groups]` (PEP 735, `{include-group = ...}` entries skipped), uv's legacy
 * `[tool.uv] dev-dependencies`, and Poetry's `[tool.poetry.dependencies]`, `dev-dependencies` and
 * `[tool.poetry.group.<name>.dependencies]` (`python` itself skipped). Direct references, git and
 * path dependencies are skipped, and so are the project's extras naming itself (`my-app[test]`). The
 * project's own name comes back as a `local` entry.
 */
export function parsePyproject(file: string, content: string): Entry[] {
  const doc = parseTomlFile(file, content);
  const entries: Entry[] = [];
  const add = (name: string, range: string, at: string) =>
    entries.push({
      dep: makeDependency('pypi', name, '', file, { direct: true, range }),
      at: [`${at}>${name}`],
    });
  const own = (name: string | undefined) => {
    if (name !== undefined && name !== '') {
      entries.push({ dep: makeDependency('pypi', normalizePypiName(name), '', file), local: true });
    }
  };
  const pep508List = (where: string, list: unknown, includes = false) => {
    if (list === undefined) return;
    if (!Array.isArray(list))
      throw new DependencyFileError(file, `expected ${where} to be an array of requirements`);
    for (const item of list) {
      if (includes && isRecord(item) && typeof item['include-group'] === 'string') continue;
      if (typeof item !== 'string') {
        throw new DependencyFileError(
          file,
          `${where}: expected a requirement string, found ${JSON.stringify(item)}`,
        );
      }
      const req = requirement(file, where, item);
      if (req !== undefined) add(req.name, req.range, where);
    }
  };
  const tableOf = (where: string, v: unknown): Record<string, unknown> | undefined => {
    if (v === undefined) return undefined;
    if (!isRecord(v)) throw new DependencyFileError(file, `expected [${where}] to be a table`);
    return v;
  };

  const project = tableOf('project', doc.project);
  if (project !== undefined) {
    own(str(project.name));
    pep508List('project.dependencies', project.dependencies);
    const optional = tableOf('project.optional-dependencies', project['optional-dependencies']) ?? {};
    for (const [group, list] of Object.entries(optional))
      pep508List(`project.optional-dependencies.${group}`, list);
  }
  const groups = tableOf('dependency-groups', doc['dependency-groups']) ?? {};
  for (const [group, list] of Object.entries(groups)) pep508List(`dependency-groups.${group}`, list, true);

  const tool = isRecord(doc.tool) ? doc.tool : {};
  if (isRecord(tool.uv)) pep508List('tool.uv.dev-dependencies', tool.uv['dev-dependencies']);
  const poetry = tableOf('tool.poetry', tool.poetry);
  if (poetry !== undefined) {
    own(str(poetry.name));
    const tables: [string, unknown][] = [
      ['tool.poetry.dependencies', poetry.dependencies],
      ['tool.poetry.dev-dependencies', poetry['dev-dependencies']],
    ];
    const poetryGroups = tableOf('tool.poetry.group', poetry.group) ?? {};
    for (const [group, g] of Object.entries(poetryGroups)) {
      tables.push([`tool.poetry.group.${group}.dependencies`, isRecord(g) ? g.dependencies : g]);
    }
    for (const [where, t] of tables) {
      for (const [key, spec] of Object.entries(tableOf(where, t) ?? {})) {
        if (key.toLowerCase() === 'python') continue;
        const range = poetryRange(file, `${where}.${key}`, spec);
        if (range !== undefined) add(normalizePypiName(key), range, where);
      }
    }
  }
  // The project's extras naming the project itself (`my-app[test]`) are not dependencies.
  const ownNames = new Set(entries.flatMap((e) => (e.local ? [e.dep.name] : [])));
  return entries.filter((e) => e.local || !ownNames.has(e.dep.name));
}
