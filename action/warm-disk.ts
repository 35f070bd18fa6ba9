// The warm disk: a baked warm directory (action/warm.ts) as a small ext4 image that every runner VM gets
// read-only as its third drive, and the schedule that rebuilds it (every 30 minutes by default) while the
// launcher runs. A rebuild fetches into the same mirror and packs a new disk; VMs booted before it keep the
// disk they started with, which is deleted once the last of them has ended.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { execFile, findOnPath } from '../lib/exec.js';
import { WARM_MANIFEST, type WarmManifest } from './warm-state.js';

/** How often the launcher rebakes by default: the warm state is at most this old. */
export const DEFAULT_WARM_EVERY_MINUTES = 30;

/** The ext4 volume label of a warm disk. */
export const WARM_DISK_LABEL = 'agentgate-warm';

async function mkfsExt4(env: NodeJS.ProcessEnv): Promise<string> {
  // mkfs.ext4 lives in /sbin or /usr/sbin, which an unprivileged user's PATH may not list.
  const found = await findOnPath('mkfs.ext4', [env.PATH ?? '', '/usr/sbin', '/sbin'].join(path.delimiter));
  if (!found) throw new Error('mkfs.ext4 is not installed (Debian: apt-get install e2fsprogs)');
  return found;
}

/** Bytes the tree at `dir` takes on disk. */
async function diskUsage(dir: string, env: NodeJS.ProcessEnv): Promise<number> {
  const r = await execFile('du', ['-sk', dir], { env, timeoutMs: 300_000 });
  const kib = Number(/^(\d+)/.exec(r.stdout)?.[1]);
  if (r.exitCode !== 0 || !Number.isFinite(kib)) throw new Error(`du -sk ${dir} failed: ${r.output.trim()}`);
  return kib * 1024;
}

/**
 * Packs the warm directory `dir` into the ext4 image `file` (replaced atomically): no journal (it is only
 * ever mounted read-only), everything readable by the guest's unprivileged runner (nothing secret is
 * baked), sized to the contents with room for ext4's own blocks. Returns the image's size in bytes.
 */
export async function makeWarmDisk(dir: string, file: string, env: NodeJS.ProcessEnv): Promise<number> {
  if (!existsSync(path.join(dir, WARM_MANIFEST))) {
    throw new Error(`${dir} holds no ${WARM_MANIFEST}: bake it first (agentgate warm)`);
  }
  const mkfs = await mkfsExt4(env);
  const chmod = await execFile('chmod', ['-R', 'a+rX', dir], { env, timeoutMs: 300_000 });
  if (chmod.exitCode !== 0) throw new Error(`chmod -R a+rX ${dir} failed: ${chmod.output.trim()}`);
  const used = await diskUsage(dir, env);
  const mib = Math.ceil((used * 1.25) / 2 ** 20) + 32;
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  const r = await execFile(
    mkfs,
    [
      '-q',
      '-F',
      '-L',
      WARM_DISK_LABEL,
      '-O',
      '^has_journal',
      '-m',
      '0',
      '-E',
      'root_owner=0:0',
      '-d',
      dir,
      tmp,
      `${mib}M`,
    ],
    { env, timeoutMs: 600_000 },
  );
  if (r.exitCode !== 0) {
    rmSync(tmp, { force: true });
    throw new Error(`mkfs.ext4 -d ${dir} failed (exit ${r.exitCode}): ${r.output.trim()}`);
  }
  renameSync(tmp, file);
  return statSync(file).size;
}

/** One built disk and the VMs that use it. */
interface Disk {
  file: string;
  manifest: WarmManifest;
  users: number;
  retired: boolean;
}

/** A VM's hold on the current disk: it stays until released, even after a newer disk replaces it. */
export interface WarmLease {
  /** The disk to give the VM, or undefined when none has been built (the VM starts cold). */
  file: string | undefined;
  manifest: WarmManifest | undefined;
  release(): void;
}

export interface WarmDisksOptions {
  /** Bakes the warm directory (fetch, setup) and returns its manifest. */
  bake: () => Promise<WarmManifest>;
  /** The baked directory `bake` fills. */
  dir: string;
  /** Where the disks are written. */
  disksDir: string;
  everyMs: number;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

/**
 * The launcher's warm disks: `refresh` bakes and packs a new disk and makes it the one new VMs get;
 * `start` refreshes every `everyMs` (the next wait starts when a rebuild ends, so two never overlap) until
 * `stop`. A failed rebuild is logged and the previous disk stays in use.
 */
export class WarmDisks {
  private current: Disk | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  /** Rebuilds done and failed, for the log and the tests. */
  readonly stats = { built: 0, failed: 0 };

  constructor(private readonly o: WarmDisksOptions) {}

  acquire(): WarmLease {
    const disk = this.current;
    if (!disk) return { file: undefined, manifest: undefined, release: () => {} };
    disk.users++;
    let released = false;
    return {
      file: disk.file,
      manifest: disk.manifest,
      release: () => {
        if (released) return;
        released = true;
        disk.users--;
        this.collect(disk);
      },
    };
  }

  /** Bakes and packs a new disk; true when it is now the current one. */
  refresh(): Promise<boolean> {
    const run = this.build();
    this.running = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  private async build(): Promise<boolean> {
    const started = performance.now();
    try {
      const manifest = await this.o.bake();
      const file = path.join(this.o.disksDir, `warm-${Date.now()}-${randomBytes(3).toString('hex')}.ext4`);
      const bytes = await makeWarmDisk(this.o.dir, file, this.o.env);
      const previous = this.current;
      this.current = { file, manifest, users: 0, retired: false };
      if (previous) {
        previous.retired = true;
        this.collect(previous);
      }
      this.stats.built++;
      this.o.log(
        `warm disk: ${manifest.repository} at ${manifest.commit.slice(0, 12)}, ${Math.round(bytes / 2 ** 20)} MiB, built in ${Math.round(performance.now() - started)} ms`,
      );
      return true;
    } catch (e) {
      this.stats.failed++;
      this.o.log(
        `warm disk: the rebuild failed (${(e as Error).message}); ${this.current ? `VMs keep the disk of ${this.current.manifest.commit.slice(0, 12)}` : 'VMs start cold'}`,
      );
      return false;
    }
  }

  /** Refreshes every everyMs until stop(). */
  start(): void {
    const next = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        void this.refresh().then(next);
      }, this.o.everyMs);
      this.timer.unref?.();
    };
    next();
  }

  /** Stops the schedule, waits for a rebuild under way, and deletes every disk no VM holds. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    if (this.current) {
      this.current.retired = true;
      this.collect(this.current);
    }
  }

  private collect(disk: Disk): void {
    if (disk.retired && disk.users === 0) rmSync(disk.file, { force: true });
  }
}
