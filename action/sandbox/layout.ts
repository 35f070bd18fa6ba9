// The host facts the mount set needs, looked up once per sandbox: which system roots are directories or
// symlinks, which /etc secrets exist, which toolchain directories exist, what else inside the work tree
// must be hidden or kept read-only.
import { lstat, readdir, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { inside } from '../guards/paths.js';
import { ETC_SECRETS, type Hidden, type HostLayout, SYSTEM_ROOTS, type SystemRoot } from './mounts.js';

async function kindOf(p: string): Promise<'file' | 'dir' | undefined> {
  try {
    const st = await stat(p);
    return st.isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

async function systemRoot(p: string): Promise<SystemRoot | undefined> {
  try {
    const st = await lstat(p);
    if (st.isSymbolicLink()) return { path: p, kind: 'symlink', target: await readlink(p) };
    if (st.isDirectory()) return { path: p, kind: 'dir' };
  } catch {
    /* not on this host */
  }
  return undefined;
}

/** The /etc secrets of ETC_SECRETS that exist here ('*' entries expanded within their directory). */
async function etcSecrets(): Promise<Hidden[]> {
  const out: Hidden[] = [];
  for (const entry of ETC_SECRETS) {
    if (!entry.endsWith('*')) {
      const kind = await kindOf(entry);
      if (kind) out.push({ path: entry, kind });
      continue;
    }
    const dir = path.dirname(entry);
    const prefix = path.basename(entry).slice(0, -1);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.startsWith(prefix)).sort()) {
      const p = path.join(dir, name);
      const kind = await kindOf(p);
      if (kind) out.push({ path: p, kind });
    }
  }
  return out;
}

/** `~/x` under `home`; other entries as given. */
export function expandHome(p: string, home: string): string {
  if (p === '~') return home;
  return p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
}

/**
 * The toolchain directories that exist, symlinks resolved. A directory that would show the home itself
 * or the root is dropped (the policy schema refuses those too), and so is one inside or around a
 * directory that is never shown (the user's checkout, $RUNNER_TEMP).
 */
async function toolchainDirs(
  dirs: readonly string[],
  home: string,
  neverShown: readonly string[],
): Promise<string[]> {
  const out = new Set<string>();
  const overlaps = (d: string) => neverShown.some((n) => inside(n, d) || inside(d, n));
  for (const d of dirs) {
    const abs = path.resolve(expandHome(d, home));
    try {
      const real = await realpath(abs);
      if (!(await stat(real)).isDirectory()) continue;
      if (real === '/' || real === home || inside(real, home)) continue;
      if (overlaps(abs) || overlaps(real)) continue;
      out.add(real);
    } catch {
      /* not installed here */
    }
  }
  return [...out].sort();
}

/**
 * The absolute directories of a command's PATH: programs the runner put on it (a setup action's bin,
 * a version manager's shims) run inside too. Not the root, /tmp, or a directory holding the home.
 */
export function pathDirs(pathValue: string | undefined): string[] {
  return (pathValue ?? '')
    .split(':')
    .filter((d) => path.isAbsolute(d) && !['/', '/tmp', '/home', '/root'].includes(path.resolve(d)));
}

export async function resolveHostLayout(
  toolchains: readonly string[],
  home: string,
  pathValue: string | undefined,
  neverShown: readonly string[] = [],
): Promise<HostLayout> {
  const system = (await Promise.all(SYSTEM_ROOTS.map(systemRoot))).filter(
    (r): r is SystemRoot => r !== undefined,
  );
  const dirs = await toolchainDirs([...toolchains, ...pathDirs(pathValue)], home, neverShown);
  // Below a system root already: nothing to add.
  const extra = dirs.filter(
    (d) => !system.some((r) => r.kind === 'dir' && inside(r.path, d)) && !inside('/etc', d),
  );
  return { system, etcSecrets: await etcSecrets(), toolchains: extra };
}

/** Of `paths` (absolute), the ones inside `workDir` that exist, with their kind. */
export async function existingInside(workDir: string, paths: readonly string[]): Promise<Hidden[]> {
  const out: Hidden[] = [];
  for (const p of new Set(paths)) {
    if (!path.isAbsolute(p) || !inside(workDir, p) || p === workDir) continue;
    const kind = await kindOf(p);
    if (kind) out.push({ path: p, kind });
  }
  return out;
}
