// Python: pip requirements files and poetry.lock. Names are normalised per PEP 503.

import {
  DependencyFileError,
  type Entry,
  isRecord,
  makeDependency,
  normalizePypiName,
  parseTomlFile,
  str,
  tomlPackages,
} from './common.js';

const NAME = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$/;
const CLAUSE = /^(~=|===|==|!=|<=|>=|<|>)\s*[^\s,;()]+$/;

/** The pinned version of a specifier: `==1.2.3` or `===1.2.3`; '' for ranges and wildcards. */
function pinned(spec: string): string | undefined {
  const body = spec
    .replace(/^\(\s*/, '')
    .replace(/\s*\)$/, '')
    .trim();
  if (body === '') return '';
  const clauses = body.split(',').map((c) => c.trim());
  if (!clauses.every((c) => CLAUSE.test(c))) return undefined;
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
    const m = NAME.exec(requirement.split(';')[0]?.trim() ?? '');
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
