// bun.lock: Bun's text lockfile (Bun 1.2 and later; JSON with trailing commas). `workspaces` holds
// each workspace's package.json ranges, keyed by folder (`""` is the root); `packages` maps an install
// path to a tuple whose first item says what was installed:
//   npm        ["name@1.2.3", registry, info, integrity]
//   workspace  ["name@workspace:packages/x"]        (also link:, file:, root: — the project's own)
//   git/github ["name@github:user/repo#sha", info, tag] and tarballs ["name@https://...", info]
// An install path is the installed name (`ms`, `@scope/pkg`), under the name of the package or
// workspace that holds it when not hoisted (`debug/ms`, `@scope/app/lodash`).

import {
  DependencyFileError,
  type Entry,
  isLocalSpec,
  isRecord,
  makeDependency,
  parseJsoncFile,
  splitAtVersion,
  str,
} from './common.js';

const SECTIONS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];

/** The names of an install path, scopes kept whole: `@a/b/c/@d/e` is `@a/b`, `c`, `@d/e`. */
function segments(key: string): string[] {
  const parts = key.split('/');
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] ?? '';
    out.push(p.startsWith('@') && i + 1 < parts.length ? `${p}/${parts[++i]}` : p);
  }
  return out;
}

function namesIn(pkg: Record<string, unknown>): Set<string> {
  const names = new Set<string>();
  for (const s of SECTIONS) if (isRecord(pkg[s])) for (const n of Object.keys(pkg[s])) names.add(n);
  return names;
}

/**
 * Direct: installed at the top and named by the root or by a workspace that holds no copy of its own,
 * or installed under a workspace that names it. Versions that are URLs or git references give version '' as in pnpm-lock.
 */
export function parseBunLock(file: string, content: string): Entry[] {
  const lock = parseJsoncFile(file, content);
  const version = lock.lockfileVersion;
  if (typeof version !== 'number' || ![0, 1, 2].includes(version)) {
    throw new DependencyFileError(
      file,
      `expected lockfileVersion 0, 1 or 2, found ${version === undefined ? 'none' : JSON.stringify(version)}`,
    );
  }
  const workspaces = isRecord(lock.workspaces) ? lock.workspaces : {};
  const packages = lock.packages ?? {};
  if (!isRecord(packages)) throw new DependencyFileError(file, 'expected "packages" to be an object');

  // Names hoisted to the top for a workspace: those it names and holds no copy of its own.
  const hoisted = new Set<string>();
  const byWorkspaceName = new Map<string, Set<string>>();
  for (const [folder, ws] of Object.entries(workspaces)) {
    if (!isRecord(ws)) continue;
    const names = namesIn(ws);
    const name = str(ws.name);
    if (name !== undefined && folder !== '') byWorkspaceName.set(name, names);
    for (const n of names)
      if (folder === '' || name === undefined || !Object.hasOwn(packages, `${name}/${n}`)) hoisted.add(n);
  }

  const entries: Entry[] = [];
  for (const [key, tuple] of Object.entries(packages)) {
    const ident = Array.isArray(tuple) ? str(tuple[0]) : undefined;
    const split = ident === undefined ? undefined : splitAtVersion(ident);
    if (split === undefined) {
      throw new DependencyFileError(file, `packages["${key}"] does not start with a "name@version" string`);
    }
    const [name, resolved] = split;
    if (isLocalSpec(resolved) || resolved.startsWith('root:')) {
      entries.push({ dep: makeDependency('npm', name, '', file), local: true });
      continue;
    }
    const path = segments(key);
    const installedAs = path.at(-1) ?? name;
    const holder = path.slice(0, -1);
    const direct =
      holder.length === 0
        ? hoisted.has(installedAs)
        : holder.length === 1 && (byWorkspaceName.get(holder[0] ?? '')?.has(installedAs) ?? false);
    entries.push({
      dep: makeDependency('npm', name, /[:/#]/.test(resolved) ? '' : resolved, file, { direct }),
      at: [key],
    });
  }
  return entries;
}
