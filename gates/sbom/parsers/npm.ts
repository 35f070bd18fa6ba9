// npm's own files: package-lock.json / npm-shrinkwrap.json (lockfileVersion 2 and 3) and package.json.

import {
  DependencyFileError,
  type Entry,
  isLocalSpec,
  isRecord,
  makeDependency,
  parseJsonFile,
  requestKey,
  splitAtVersion,
  str,
} from './common.js';

const NODE_MODULES = 'node_modules/';

/** The dependency maps a package.json names and its lockfile installs. */
export const MANIFEST_SECTIONS = ['dependencies', 'devDependencies', 'optionalDependencies'] as const;
/**
 * In a lockfile a root's peer dependencies are installed too, so naming one there makes it direct; a
 * package.json without a lockfile names its peers' ranges as it names the others.
 */
const DIRECT_SECTIONS = [...MANIFEST_SECTIONS, 'peerDependencies'] as const;

function namesIn(pkg: Record<string, unknown>, sections: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const section of sections) {
    const deps = pkg[section];
    if (isRecord(deps)) for (const name of Object.keys(deps)) names.add(name);
  }
  return names;
}

/** An install path (`node_modules/a`, `packages/x/node_modules/b`), not a project folder. */
function isInstall(key: string): boolean {
  return key.startsWith(NODE_MODULES) || key.includes(`/${NODE_MODULES}`);
}

function licenseOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  // Old packages wrote `{ "type": "MIT", "url": ... }`.
  if (isRecord(v)) return str(v.type);
  return undefined;
}

/**
 * package-lock.json v2/v3. Each `packages` key is an install path: `node_modules/a`,
 * `node_modules/a/node_modules/b`, or `packages/x/node_modules/c` under a workspace. The name is the
 * last `node_modules/` segment unless the entry names the real package (an alias). The root `""`,
 * workspace folders (keys without `node_modules/`) and `link: true` entries are the project itself.
 * `direct` is true when the folder that holds the install (the root or a workspace) names it, or, for
 * the root's node_modules, any workspace does (npm hoists workspaces' dependencies there).
 */
export function parsePackageLock(file: string, content: string): Entry[] {
  const lock = parseJsonFile(file, content);
  const version = lock.lockfileVersion;
  if (version !== 2 && version !== 3) {
    const found = version === undefined ? 'none' : JSON.stringify(version);
    const hint =
      version === 1 ? '; regenerate it with npm 7 or later (npm install --lockfile-version 3)' : '';
    throw new DependencyFileError(file, `expected lockfileVersion 2 or 3, found ${found}${hint}`);
  }
  const packages = lock.packages;
  if (!isRecord(packages)) throw new DependencyFileError(file, 'expected a "packages" object');

  // Workspace folders: their dependencies are hoisted to the root's node_modules.
  const workspaceNames = new Set<string>();
  for (const [key, raw] of Object.entries(packages)) {
    if (key !== '' && !isInstall(key) && isRecord(raw)) {
      for (const name of namesIn(raw, DIRECT_SECTIONS)) workspaceNames.add(name);
    }
  }

  const named = new Map<string, Set<string>>();
  const namedBy = (folder: string): Set<string> => {
    let names = named.get(folder);
    if (names === undefined) {
      const pkg = packages[folder];
      names = isRecord(pkg) ? namesIn(pkg, DIRECT_SECTIONS) : new Set();
      named.set(folder, names);
    }
    return names;
  };

  const entries: Entry[] = [];
  for (const [key, raw] of Object.entries(packages)) {
    const at = key.lastIndexOf(NODE_MODULES);
    if (key === '' || at < 0) continue;
    if (at > 0 && key[at - 1] !== '/') continue; // a folder merely ending in "node_modules"
    if (!isRecord(raw)) throw new DependencyFileError(file, `packages["${key}"] is not an object`);
    const installedAs = key.slice(at + NODE_MODULES.length);
    if (installedAs === '') throw new DependencyFileError(file, `packages["${key}"] names no package`);
    if (raw.link === true) {
      entries.push({ dep: makeDependency('npm', installedAs, '', file), local: true });
      continue;
    }
    const name = str(raw.name) ?? installedAs;
    const holderKey = at === 0 ? '' : key.slice(0, at - 1);
    // A package nested in another package's node_modules is never direct.
    const direct =
      !isInstall(holderKey) &&
      (namedBy(holderKey).has(installedAs) || (at === 0 && workspaceNames.has(installedAs)));
    entries.push({
      dep: makeDependency('npm', name, str(raw.version) ?? '', file, {
        license: licenseOf(raw.license),
        direct,
      }),
      at: [key],
    });
  }
  return entries;
}

/**
 * package.json: dependencies, devDependencies, optionalDependencies and peerDependencies, each with
 * version '' (a range is not a version), the range, and `direct: true`; peers are marked, for they
 * count only where no lockfile completes the manifest. Aliases (`"a": "npm:b@^1"`) name the real
 * package; local specs (`workspace:`, `file:`, `link:`, `portal:`) are the project's own code and are
 * skipped. The package's own name comes back as a `local` entry, so that a workspace naming it is not
 * reported.
 */
export function parsePackageJson(file: string, content: string): Entry[] {
  const pkg = parseJsonFile(file, content);
  const entries: Entry[] = [];
  const own = str(pkg.name);
  if (own !== undefined && own !== '') {
    entries.push({ dep: makeDependency('npm', own, str(pkg.version) ?? '', file), local: true });
  }
  for (const section of DIRECT_SECTIONS) {
    const deps = pkg[section];
    if (deps === undefined) continue;
    if (!isRecord(deps)) throw new DependencyFileError(file, `expected "${section}" to be an object`);
    for (const [alias, range] of Object.entries(deps)) {
      if (typeof range !== 'string') {
        throw new DependencyFileError(file, `expected a version range string for ${section}["${alias}"]`);
      }
      if (isLocalSpec(range)) continue;
      const aliased = range.startsWith('npm:') ? splitAtVersion(range.slice(4)) : undefined;
      const name = aliased?.[0] ?? alias;
      entries.push({
        dep: makeDependency('npm', name, '', file, { direct: true, range }),
        requests: [requestKey(alias, range)],
        at: [`${section}>${alias}`],
        ...(section === 'peerDependencies' ? { peer: true } : {}),
      });
    }
  }
  return entries;
}
