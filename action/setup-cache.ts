// The setup's cache: the directories a setup command made (node_modules, .venv, …), packed as one tar
// and kept under a key made of what they depend on — the lockfiles' contents, the command, the OS and
// the CPU — so the next run with the same key restores them instead of running the setup again. A
// cache never crosses repositories (the local store keeps one directory per repository; GitHub's
// cache service is per repository). A restored archive is checked entry by entry before anything is
// written: only files, directories and symbolic links, every path inside one of the cached
// directories, every link resolving inside the work tree, and bounded in size and count.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import {
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { git } from '../lib/git.js';

/** Files up to this size are restored in one write. */
const SMALL_FILE_BYTES = 1024 * 1024;
/** File writes in flight at once while an archive is restored. */
const PARALLEL_WRITES = 64;
/**
 * Writes in flight for a restore beside the session: few, so that the session's own file operations
 * (which share Node's four I/O threads) never queue behind a dependency tree's.
 */
export const BACKGROUND_WRITES = 2;

/** What a cache holds at most: more is refused on save and on restore. */
export const CACHE_LIMITS = { bytes: 4 * 1024 ** 3, entries: 2_000_000 } as const;

export interface SetupCacheBackend {
  /** Where entries live, for messages (`local disk (~/.cache/agentgate/setup)`, `GitHub Actions cache`). */
  readonly name: string;
  /** The archive stored under `key`, written to `file`; false when there is none. */
  restore(key: string, file: string): Promise<boolean>;
  /** Stores the archive `file` under `key` (an existing entry of the same key is kept). */
  save(key: string, file: string): Promise<void>;
}

export interface CacheKeyInput {
  workDir: string;
  command: string;
  paths: readonly string[];
  keyFiles: readonly string[];
  platform?: string;
  arch?: string;
}

/**
 * The key, or why there is none: nothing to cache, or no key file in the work tree (a cache keyed by
 * nothing would never go stale, and would restore yesterday's dependencies for today's lockfile).
 */
export async function setupCacheKey(
  k: CacheKeyInput,
): Promise<{ key: string; keyFiles: string[] } | { none: string }> {
  if (k.paths.length === 0) return { none: 'the policy names no setup.cache.paths' };
  const h = createHash('sha256');
  h.update(`agentgate-setup-cache v1\0${k.platform ?? process.platform}\0${k.arch ?? process.arch}\0`);
  h.update(`${k.command}\0${[...k.paths].sort().join('\0')}\0`);
  const found: string[] = [];
  for (const f of [...k.keyFiles].sort()) {
    const data = await readFile(path.join(k.workDir, f)).catch(() => undefined);
    if (data === undefined) continue;
    found.push(f);
    h.update(`${f}\0${createHash('sha256').update(data).digest('hex')}\0`);
  }
  if (found.length === 0) {
    return { none: `none of the key files is in the repository (${k.keyFiles.slice(0, 6).join(', ')}…)` };
  }
  return {
    key: `agentgate-setup-${k.platform ?? process.platform}-${k.arch ?? process.arch}-${h.digest('hex').slice(0, 32)}`,
    keyFiles: found,
  };
}

export class CacheRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CacheRefused';
  }
}

/** Packs `paths` (relative to `workDir`; those that exist) into the tar `file`. Returns its size and entries. */
export async function packCache(
  workDir: string,
  paths: readonly string[],
  file: string,
): Promise<{ bytes: number; entries: number }> {
  const pack = tar.pack();
  const out = pipeline(pack, createWriteStream(file));
  let entries = 0;
  let bytes = 0;
  const add = (header: Partial<tar.Header> & { name: string }, body: Buffer = Buffer.alloc(0)) =>
    new Promise<void>((resolve, reject) => {
      pack.entry(header, body, (e) => (e ? reject(e) : resolve()));
    });
  const walk = async (rel: string): Promise<void> => {
    const abs = path.join(workDir, rel);
    const st = await lstat(abs);
    if (++entries > CACHE_LIMITS.entries) throw new CacheRefused(`more than ${CACHE_LIMITS.entries} entries`);
    const mode = st.mode & 0o7777;
    if (st.isSymbolicLink()) {
      await add({ name: rel, type: 'symlink', linkname: await readlink(abs), mode });
    } else if (st.isDirectory()) {
      await add({ name: `${rel}/`, type: 'directory', mode });
      for (const child of (await readdir(abs)).sort()) await walk(path.posix.join(rel, child));
    } else if (st.isFile()) {
      bytes += st.size;
      if (bytes > CACHE_LIMITS.bytes) throw new CacheRefused(`more than ${CACHE_LIMITS.bytes} bytes`);
      await add({ name: rel, type: 'file', mode, size: st.size, mtime: st.mtime }, await readFile(abs));
    }
    // Sockets, FIFOs and devices are not kept.
  };
  try {
    for (const p of paths) {
      const there = await lstat(path.join(workDir, p)).catch(() => undefined);
      if (there) await walk(p);
    }
    pack.finalize();
    await out;
  } catch (e) {
    pack.destroy(e as Error);
    await out.catch(() => {});
    throw e;
  }
  return { bytes: (await stat(file)).size, entries };
}

/** Why an entry may not be written, or undefined when it may. Pure. */
export function entryProblem(
  header: { name: string; type?: string | null; linkname?: string | null },
  paths: readonly string[],
): string | undefined {
  const name = header.name.replace(/\/+$/, '');
  if (name === '' || name.startsWith('/') || name.includes('\0') || name.includes('\\'))
    return `'${header.name}' is not a relative path`;
  const parts = name.split('/');
  if (parts.some((s) => s === '..' || s === '.' || s === ''))
    return `'${header.name}' has a '.' or '..' segment`;
  if (!paths.some((p) => name === p || name.startsWith(`${p}/`)))
    return `'${header.name}' is outside the cached directories (${paths.join(', ')})`;
  const type = header.type ?? 'file';
  if (type === 'symlink') {
    const target = header.linkname ?? '';
    if (target.startsWith('/')) return `'${header.name}' links to an absolute path`;
    const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(name), target));
    if (
      resolved === '..' ||
      resolved.startsWith('../') ||
      resolved === '.git' ||
      resolved.startsWith('.git/')
    )
      return `'${header.name}' links outside the work tree or into .git ('${target}')`;
    return undefined;
  }
  if (type !== 'file' && type !== 'directory')
    return `'${header.name}' is a ${type}, not a file, directory or link`;
  return undefined;
}

/** Throws CacheRefused when a cached directory is already in the work tree: a restore never merges. */
export async function checkTargetsFree(workDir: string, paths: readonly string[]): Promise<void> {
  for (const p of paths) {
    if (await lstat(path.join(workDir, p)).catch(() => undefined)) {
      throw new CacheRefused(
        `'${p}' is already in the work tree (a cached directory must be one the setup makes)`,
      );
    }
  }
}

/**
 * Reads the tar `file` through without writing anything, and throws CacheRefused at the first entry
 * restoreCache would refuse (entryProblem, the limits). A restore checked so can run beside the model:
 * only the disk can still fail it.
 */
export async function checkArchive(
  file: string,
  paths: readonly string[],
  limits: { bytes: number; entries: number } = CACHE_LIMITS,
): Promise<{ bytes: number; entries: number }> {
  const extract = tar.extract();
  let bytes = 0;
  let entries = 0;
  extract.on('entry', (header, stream, next) => {
    stream.on('error', () => {});
    stream.resume();
    entries++;
    bytes += header.size ?? 0;
    const problem =
      entryProblem(header, paths) ??
      (entries > limits.entries ? `more than ${limits.entries} entries` : undefined) ??
      (bytes > limits.bytes ? `more than ${limits.bytes} bytes` : undefined);
    if (problem) return next(new CacheRefused(problem));
    stream.on('end', () => next());
  });
  try {
    await pipeline(createReadStream(file), extract);
  } catch (e) {
    throw e instanceof CacheRefused
      ? e
      : new CacheRefused(`the archive cannot be read: ${(e as Error).message}`);
  }
  return { bytes, entries };
}

/**
 * Extracts the tar `file` into `workDir`, checking every entry first (entryProblem) and the totals as
 * it goes; on any problem nothing more is written and what was written is removed.
 */
export async function restoreCache(
  workDir: string,
  paths: readonly string[],
  file: string,
  limits: { bytes: number; entries: number } = CACHE_LIMITS,
  parallel = PARALLEL_WRITES,
): Promise<{ bytes: number; entries: number }> {
  await checkTargetsFree(workDir, paths);
  const extract = tar.extract();
  // Directories are made once each; file writes go on in parallel (bounded) while the archive is read.
  const made = new Map<string, Promise<unknown>>();
  const ensureDir = (dir: string, mode?: number): Promise<unknown> => {
    let p = made.get(dir);
    if (!p) {
      p = mkdir(dir, { recursive: true, ...(mode !== undefined ? { mode } : {}) });
      made.set(dir, p);
    }
    return p;
  };
  const pending = new Set<Promise<void>>();
  let writeError: unknown;
  const track = (p: Promise<unknown>) => {
    const t: Promise<void> = p.then(
      () => {
        pending.delete(t);
      },
      (e: unknown) => {
        pending.delete(t);
        writeError ??= e;
      },
    );
    pending.add(t);
  };
  let bytes = 0;
  let entries = 0;
  const links: [string, string][] = [];
  extract.on('entry', (header, stream, next) => {
    // The refusal is the extract's error (its pipeline rejects with it); the entry's stream ends with it too.
    stream.on('error', () => {});
    const fail = (why: string) => {
      stream.resume();
      next(new CacheRefused(why));
    };
    const problem = entryProblem(header, paths);
    if (problem) return fail(problem);
    if (++entries > limits.entries) return fail(`more than ${limits.entries} entries`);
    bytes += header.size ?? 0;
    if (bytes > limits.bytes) return fail(`more than ${limits.bytes} bytes`);
    const target = path.join(workDir, header.name);
    const mode = (header.mode ?? 0o644) & 0o777;
    const done = (e?: unknown) => next(e ? (e as Error) : undefined);
    if (header.type === 'directory') {
      stream.resume();
      ensureDir(target, mode | 0o700).then(() => done(), done);
    } else if (header.type === 'symlink') {
      stream.resume();
      // Links last: no file is ever written through a link the archive made.
      links.push([target, header.linkname ?? '']);
      next();
    } else if ((header.size ?? 0) <= SMALL_FILE_BYTES) {
      // Most files of a dependency tree are small: read whole, then written in one call beside the
      // next entries ('wx': never over an existing file).
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        const body = Buffer.concat(chunks);
        track(ensureDir(path.dirname(target)).then(() => writeFile(target, body, { mode, flag: 'wx' })));
        if (writeError !== undefined) return done(writeError);
        if (pending.size < parallel) return next();
        Promise.race(pending).then(() => done(writeError));
      });
    } else {
      // A large one is streamed, alone.
      Promise.all(pending)
        .then(() => ensureDir(path.dirname(target)))
        .then(() => pipeline(stream, createWriteStream(target, { mode, flags: 'wx' })))
        .then(() => done(writeError), done);
    }
  });
  try {
    await pipeline(createReadStream(file), extract);
    await Promise.all(pending);
    if (writeError !== undefined) throw writeError;
    for (const [at, to] of links) {
      await mkdir(path.dirname(at), { recursive: true });
      await symlink(to, at);
    }
  } catch (e) {
    await Promise.allSettled(pending);
    for (const p of paths) await rm(path.join(workDir, p), { recursive: true, force: true });
    throw e instanceof CacheRefused
      ? e
      : new CacheRefused(`the archive cannot be read: ${(e as Error).message}`);
  }
  return { bytes, entries };
}

/**
 * The local store: `<root>/<repository id>/<key>.tar`, written atomically. The repository id is a hash
 * of where the repository came from (its origin URL, else its path), so two repositories never share.
 */
export function localCacheBackend(repository: string, root = defaultCacheRoot()): SetupCacheBackend {
  const id = repositoryKey(repository);
  const dir = path.join(root, createHash('sha256').update(id).digest('hex').slice(0, 24));
  const entry = (key: string) => path.join(dir, `${key.replace(/[^A-Za-z0-9._-]/g, '_')}.tar`);
  return {
    name: `local disk (${dir})`,
    async restore(key, file) {
      const from = entry(key);
      if (!(await stat(from).catch(() => undefined))) return false;
      await pipeline(createReadStream(from), createWriteStream(file));
      return true;
    },
    async save(key, file) {
      const to = entry(key);
      if (await stat(to).catch(() => undefined)) return;
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const tmp = `${to}.${process.pid}.${Date.now()}.tmp`;
      await pipeline(createReadStream(file), createWriteStream(tmp, { mode: 0o600 }));
      await rename(tmp, to);
    },
  };
}

/** `$AGENTGATE_CACHE_DIR`, else `$XDG_CACHE_HOME/agentgate/setup`, else `~/.cache/agentgate/setup`. */
export function defaultCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AGENTGATE_CACHE_DIR) return path.resolve(env.AGENTGATE_CACHE_DIR);
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'agentgate', 'setup');
}

/** A URL without the user and token in it (`https://x:TOKEN@host/p` → `https://host/p`). */
export function withoutCredentials(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}

/**
 * A repository's identity across the ways it is named: `https://github.com/Acme/App.git`,
 * `git@github.com:acme/app` and the action's `https://github.com/acme/app` are one repository.
 */
export function repositoryKey(urlOrPath: string): string {
  const s = withoutCredentials(urlOrPath)
    .trim()
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
  const scp = /^[\w.-]+@([\w.-]+):(.+)$/.exec(s);
  if (scp) return `${scp[1]?.toLowerCase()}/${scp[2]?.toLowerCase()}`;
  try {
    const u = new URL(s);
    if (u.protocol === 'file:') return `file:${path.resolve(decodeURIComponent(u.pathname))}`;
    return `${u.host.toLowerCase()}${u.pathname.toLowerCase()}`;
  } catch {
    return `file:${path.resolve(s)}`;
  }
}

/**
 * Where a repository comes from: its origin's URL without credentials, else its path. Two clones of one
 * repository name the same; a directory that is not a repository (the session reports it) is its path.
 */
export async function repositoryOrigin(repo: string): Promise<string> {
  const r = await git(repo, ['remote', 'get-url', 'origin'], { allowFail: true }).catch(() => undefined);
  const url = r?.exitCode === 0 ? withoutCredentials(r.stdout.trim()) : '';
  return url !== '' ? url : path.resolve(repo);
}
