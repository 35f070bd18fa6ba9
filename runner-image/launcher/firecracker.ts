// The Firecracker backend: one jailed Firecracker microVM per job, configured from a file (no API socket).
//
// Egress design. The guest has NO network interface (`network-interfaces: []`). Its only way out is the
// host-side allowlisting HTTP CONNECT proxy, reached over vsock:
//
//   guest runner --https_proxy=http://127.0.0.1:<guestPort>--> guest socat
//     `socat TCP-LISTEN:<guestPort>,bind=127.0.0.1,fork VSOCK-CONNECT:2:<guestPort>` (run by the image's init)
//   --AF_VSOCK, host CID 2, port P = guestPort--> Firecracker's vsock device (guest CID 3, `uds_path`)
//   --forwarded by Firecracker to the host Unix socket `<uds_path>_<P>`--> host forwarder
//     `socat UNIX-LISTEN:<uds_path>_<P>,fork,... TCP:<hostAddress>:<hostPort>` (run by `boot()`)
//   --TCP on loopback--> the allowlisting proxy.
//
// Each `VmSpec.egress` entry is one vsock port (its `guestPort`) and one host forwarder; a guest connecting to
// a port nobody forwards gets a reset from Firecracker. `guestAddress` is not used here: with no NIC the only
// sensible guest address is loopback, where the image's init binds. With no egress there is no vsock device
// at all, so the VM has no route out whatsoever.
//
// Jail. Firecracker runs under its jailer (chroot, cgroup v2 limits, new PID namespace, uid/gid drop). The
// jailer chroots to `<chrootBaseDir>/<basename(firecrackerBin)>/<id>/root` (`.../firecracker/<id>/root` for the
// usual binary name), so every path in the config file is a bare file name in that jail root: the kernel,
// initrd, the VM's writable layer (the root drive; the shared base image is never given to the VM) and the
// read-only config drive are hard-linked (or copied) there before start. The writable layer must be a raw
// disk image (e.g. a reflink/sparse copy of the base image): Firecracker's block device has no backing files.
// The JIT config only ever travels on the config drive; the kernel command line never carries it.
//
// Flags, from Firecracker's docs/jailer.md, src/jailer/src/main.rs (`build_arg_parser`), src/jailer/src/env.rs
// (`--cgroup <file>=<value>`, repeatable) and src/firecracker/src/main.rs (`--config-file`, `--no-api`, which
// requires `--config-file`); config keys from src/firecracker/swagger/firecracker.yaml (FullVmConfiguration,
// BootSource, Drive, MachineConfiguration, Vsock) and docs/vsock.md (`<uds_path>_<PORT>` for guest-initiated
// connections).
import { constants } from 'node:fs';
import { chown, copyFile, link, mkdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type ExecResult, execFile } from '../../lib/exec.js';
import { childEnv, initMarkerClock } from './console.js';
import type { Backend, BootResult, VmSpec } from './types.js';

export interface FirecrackerOptions {
  /** Absolute path of the (statically linked) Firecracker binary; its file name must contain `firecracker`. */
  firecrackerBin: string;
  /** The jailer binary of the same Firecracker release. The jailer itself must run as root. */
  jailerBin: string;
  /** The jailer's `--chroot-base-dir`: jails are built at `<chrootBaseDir>/<firecracker file name>/<id>/root`. */
  chrootBaseDir: string;
  /** The unprivileged uid and gid Firecracker runs as. Never 0. */
  uid: number;
  gid: number;
  /** cgroup v2 limits (`--cgroup-version 2`); the only version this backend supports. */
  cgroupVersion?: 2;
  /** The socat binary the host forwarders run (default `socat`, looked up on PATH). */
  socatBin?: string;
  /** Where the cgroup v2 hierarchy is mounted, to remove the VM's leftover cgroup (default `/sys/fs/cgroup`). */
  cgroupRoot?: string;
  /** Keep at most this many bytes of console output (the tail; default 4 MiB). */
  maxConsoleBytes?: number;
  /** How long to wait for the host forwarders' sockets to appear before giving up (default 5000 ms). */
  forwarderReadyMs?: number;
}

/** The subset of Firecracker's `--config-file` JSON (FullVmConfiguration) this backend writes. */
export interface FirecrackerConfig {
  'boot-source': { kernel_image_path: string; boot_args: string; initrd_path?: string };
  drives: { drive_id: string; path_on_host: string; is_root_device: boolean; is_read_only: boolean }[];
  'machine-config': { vcpu_count: number; mem_size_mib: number; smt: false };
  'network-interfaces': [];
  vsock?: { guest_cid: number; uds_path: string };
}

export interface JailFile {
  /** The host file. */
  from: string;
  /** Its place in the jail root (absolute host path). */
  to: string;
  mode: 'hardlink-or-copy';
}

/** The kernel command line every VM starts with; the spec's `bootArgs` follow it. */
export const BASE_BOOT_ARGS = 'console=ttyS0 reboot=k panic=1 pci=off';
/** The guest's vsock CID (0-2 are reserved; 2 is the host). */
export const GUEST_CID = 3;
/** The host's vsock CID, which the guest connects to. */
export const HOST_CID = 2;

/** The fixed names of the VM's files inside the jail root. Fixed, so no host path or content leaks in. */
export const JAIL_NAMES = {
  kernel: 'vmlinux',
  initrd: 'initrd.img',
  rootfs: 'rootfs.img',
  configDrive: 'config-drive.img',
  warmDisk: 'warm.img',
  vsock: 'v.sock',
  config: 'config.json',
} as const;

const CPU_PERIOD_US = 100_000;
/** Memory the Firecracker process may use beyond the guest's RAM (VMM, device buffers). */
const VMM_OVERHEAD_MIB = 64;
/** `sun_path` is 108 bytes including the terminating NUL. */
const MAX_UNIX_PATH = 107;
/** Characters safe in a socat address and a jailer argument. */
const SAFE_PATH = /^[A-Za-z0-9._/+-]+$/;

// ---------------------------------------------------------------------------------------------------------
// Validation

function fail(message: string): never {
  throw new Error(`firecracker: ${message}`);
}

function checkOptions(opts: FirecrackerOptions): void {
  for (const key of ['uid', 'gid'] as const) {
    const v = opts[key];
    if (!Number.isInteger(v) || v < 0)
      fail(`FirecrackerOptions.${key} must be a non-negative integer, got ${v}`);
    if (v === 0) {
      fail(
        `FirecrackerOptions.${key} must not be 0 (root): Firecracker must run unprivileged inside its jail`,
      );
    }
  }
  if (opts.cgroupVersion !== undefined && opts.cgroupVersion !== 2) {
    fail(`FirecrackerOptions.cgroupVersion must be 2, got ${String(opts.cgroupVersion)}`);
  }
  for (const key of ['firecrackerBin', 'chrootBaseDir'] as const) {
    const v = opts[key];
    if (!path.isAbsolute(v) || path.normalize(v) !== v || (v.length > 1 && v.endsWith('/'))) {
      fail(`FirecrackerOptions.${key} must be an absolute, normalised path, got ${JSON.stringify(v)}`);
    }
    if (!SAFE_PATH.test(v))
      fail(`FirecrackerOptions.${key} has characters unsafe in arguments: ${JSON.stringify(v)}`);
  }
  // The jailer refuses any exec file whose name lacks "firecracker".
  if (!path.basename(opts.firecrackerBin).includes('firecracker')) {
    fail(`FirecrackerOptions.firecrackerBin's file name must contain "firecracker": ${opts.firecrackerBin}`);
  }
  if (!opts.jailerBin) fail('FirecrackerOptions.jailerBin is required');
}

/**
 * A tripwire, not the protection (that is the config drive): refuses kernel arguments that look like a runner
 * JIT config (the word, or a long base64 run such as the base64 JSON GitHub hands out).
 */
function checkBootArgs(bootArgs: string): void {
  if (
    /jit/i.test(bootArgs) ||
    /[A-Za-z0-9+/]{64,}/.test(bootArgs) ||
    /eyJ[A-Za-z0-9+/_-]{16,}/.test(bootArgs)
  ) {
    fail('VmSpec.bootArgs looks like it carries a JIT config; the JIT config goes on the config drive only');
  }
}

function isLoopback(address: string): boolean {
  return /^127(\.\d{1,3}){3}$/.test(address) || address === '::1';
}

function checkPort(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    fail(`${what} must be a port 1-65535, got ${value}`);
}

function checkSpec(spec: VmSpec): void {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(spec.id)) {
    fail(
      `VmSpec.id must be 1-64 letters, digits or hyphens (the jailer's rule), got ${JSON.stringify(spec.id)}`,
    );
  }
  if (!Number.isInteger(spec.vcpus) || spec.vcpus < 1 || spec.vcpus > 32) {
    fail(`VmSpec.vcpus must be an integer 1-32, got ${spec.vcpus}`);
  }
  if (!Number.isInteger(spec.memoryMib) || spec.memoryMib < 1) {
    fail(`VmSpec.memoryMib must be a positive integer, got ${spec.memoryMib}`);
  }
  const files: [string, string | undefined][] = [
    ['kernel', spec.kernel],
    ['initrd', spec.initrd],
    ['baseImage', spec.baseImage],
    ['writableLayer', spec.writableLayer],
    ['configDrive', spec.configDrive],
    ['warmDisk', spec.warmDisk],
  ];
  for (const [key, value] of files) {
    if (value !== undefined && !path.isAbsolute(value)) fail(`VmSpec.${key} must be an absolute path`);
  }
  if (path.resolve(spec.writableLayer) === path.resolve(spec.baseImage)) {
    fail('VmSpec.writableLayer is the base image: the VM must boot from its own writable layer');
  }
  if (path.resolve(spec.configDrive) === path.resolve(spec.writableLayer)) {
    fail('VmSpec.configDrive is the writable layer');
  }
  if (spec.warmDisk !== undefined && path.resolve(spec.warmDisk) === path.resolve(spec.writableLayer)) {
    fail('VmSpec.warmDisk is the writable layer');
  }
  checkBootArgs(spec.bootArgs);
  const seen = new Set<number>();
  spec.egress.forEach((e, i) => {
    checkPort(e.guestPort, `VmSpec.egress[${i}].guestPort`);
    checkPort(e.hostPort, `VmSpec.egress[${i}].hostPort`);
    if (seen.has(e.guestPort)) fail(`VmSpec.egress[${i}].guestPort ${e.guestPort} is used twice`);
    seen.add(e.guestPort);
    if (!isLoopback(e.hostAddress)) {
      fail(`VmSpec.egress[${i}].hostAddress must be a loopback address (the proxy), got ${e.hostAddress}`);
    }
  });
}

// ---------------------------------------------------------------------------------------------------------
// Pure builders

/** The jail root the jailer chroots into: `<chrootBaseDir>/<basename(firecrackerBin)>/<id>/root`. */
export function jailRoot(spec: Pick<VmSpec, 'id'>, opts: FirecrackerOptions): string {
  return path.join(opts.chrootBaseDir, path.basename(opts.firecrackerBin), spec.id, 'root');
}

/** The Firecracker `--config-file` JSON. Every path is a bare file name in the jail root. */
export function firecrackerConfig(spec: VmSpec): FirecrackerConfig {
  checkSpec(spec);
  const extra = spec.bootArgs.trim();
  const config: FirecrackerConfig = {
    'boot-source': {
      kernel_image_path: JAIL_NAMES.kernel,
      boot_args: extra ? `${BASE_BOOT_ARGS} ${extra}` : BASE_BOOT_ARGS,
      ...(spec.initrd ? { initrd_path: JAIL_NAMES.initrd } : {}),
    },
    // Order matters: the root drive is /dev/vda, the config drive /dev/vdb, the warm disk /dev/vdc.
    drives: [
      { drive_id: 'rootfs', path_on_host: JAIL_NAMES.rootfs, is_root_device: true, is_read_only: false },
      { drive_id: 'config', path_on_host: JAIL_NAMES.configDrive, is_root_device: false, is_read_only: true },
      ...(spec.warmDisk
        ? [{ drive_id: 'warm', path_on_host: JAIL_NAMES.warmDisk, is_root_device: false, is_read_only: true }]
        : []),
    ],
    'machine-config': { vcpu_count: spec.vcpus, mem_size_mib: spec.memoryMib, smt: false },
    'network-interfaces': [],
  };
  if (spec.egress.length > 0) config.vsock = { guest_cid: GUEST_CID, uds_path: JAIL_NAMES.vsock };
  return config;
}

/** What must be in the jail root before start. `config.json` is written, not linked (see `boot`). */
export function jailFiles(spec: VmSpec, opts: FirecrackerOptions): JailFile[] {
  checkOptions(opts);
  checkSpec(spec);
  const root = jailRoot(spec, opts);
  const file = (from: string, name: string): JailFile => ({
    from,
    to: path.join(root, name),
    mode: 'hardlink-or-copy',
  });
  return [
    file(spec.kernel, JAIL_NAMES.kernel),
    ...(spec.initrd ? [file(spec.initrd, JAIL_NAMES.initrd)] : []),
    file(spec.writableLayer, JAIL_NAMES.rootfs),
    file(spec.configDrive, JAIL_NAMES.configDrive),
    ...(spec.warmDisk ? [file(spec.warmDisk, JAIL_NAMES.warmDisk)] : []),
  ];
}

/** The cgroup v2 limits: `cpu.max` = vcpus full CPUs, `memory.max` = guest RAM + VMM overhead, in bytes. */
export function cgroupLimits(spec: Pick<VmSpec, 'vcpus' | 'memoryMib'>): {
  cpuMax: string;
  memoryMax: number;
} {
  return {
    cpuMax: `${spec.vcpus * CPU_PERIOD_US} ${CPU_PERIOD_US}`,
    memoryMax: (spec.memoryMib + VMM_OVERHEAD_MIB) * 1024 * 1024,
  };
}

/**
 * The jailer's arguments (without the jailer binary itself). No `--daemonize`: the launcher supervises the
 * process and reads the console from its stdout. Everything after `--` goes to Firecracker.
 */
export function jailerArgs(spec: VmSpec, opts: FirecrackerOptions): string[] {
  checkOptions(opts);
  checkSpec(spec);
  const { cpuMax, memoryMax } = cgroupLimits(spec);
  return [
    '--id',
    spec.id,
    '--exec-file',
    opts.firecrackerBin,
    '--uid',
    String(opts.uid),
    '--gid',
    String(opts.gid),
    '--chroot-base-dir',
    opts.chrootBaseDir,
    '--cgroup-version',
    '2',
    '--cgroup',
    `cpu.max=${cpuMax}`,
    '--cgroup',
    `memory.max=${memoryMax}`,
    '--new-pid-ns',
    '--',
    '--config-file',
    JAIL_NAMES.config,
    '--no-api',
  ];
}

/** The host path Firecracker forwards guest connections to vsock port `port` to: `<uds_path>_<port>`. */
export function vsockHostPath(spec: Pick<VmSpec, 'id'>, opts: FirecrackerOptions, port: number): string {
  return `${path.join(jailRoot(spec, opts), JAIL_NAMES.vsock)}_${port}`;
}

/**
 * The host forwarders, one socat argv (binary first) per egress entry: listen on `<uds_path>_<guestPort>`,
 * owned by the jailed uid/gid with mode 0600 (connecting needs write permission on the socket), and pass
 * each connection to the proxy at `<hostAddress>:<hostPort>`.
 */
export function hostForwarders(spec: VmSpec, opts: FirecrackerOptions): string[][] {
  checkOptions(opts);
  checkSpec(spec);
  return spec.egress.map((e) => {
    const listen = vsockHostPath(spec, opts, e.guestPort);
    if (Buffer.byteLength(listen) > MAX_UNIX_PATH) {
      fail(
        `the forwarder socket path is longer than a Unix socket allows (${MAX_UNIX_PATH} bytes): ${listen}`,
      );
    }
    const target = e.hostAddress.includes(':')
      ? `TCP6:[${e.hostAddress}]:${e.hostPort}`
      : `TCP:${e.hostAddress}:${e.hostPort}`;
    return [
      opts.socatBin ?? 'socat',
      `UNIX-LISTEN:${listen},fork,user=${opts.uid},group=${opts.gid},mode=0600`,
      target,
    ];
  });
}

// ---------------------------------------------------------------------------------------------------------
// Console parsing

/**
 * Firecracker's own exit code. With `--new-pid-ns` the jailer clones Firecracker into a new PID namespace and
 * exits 0 at once, so the jailer's exit code only says whether it got that far; Firecracker's status is
 * known from its final log line (`... exit_code=N`), the last one in the output (the guest cannot write after
 * Firecracker ends). No such line (e.g. it was killed) gives null.
 */
export function firecrackerExitCode(output: string): number | null {
  const matches = [...output.matchAll(/Firecracker exiting (?:successfully|with error)\. exit_code=(\d+)/g)];
  const last = matches.at(-1);
  return last?.[1] !== undefined ? Number(last[1]) : null;
}

// ---------------------------------------------------------------------------------------------------------
// The backend

const DEFAULT_MAX_CONSOLE = 4 * 1024 * 1024;
const KILL_RETRY_MS = 250;

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function placeFile(f: JailFile): Promise<void> {
  try {
    await link(f.from, f.to);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') fail(`cannot place ${f.from} in the jail: it does not exist`);
    // Another filesystem (EXDEV), protected hard links (EPERM), ...: copy, as a reflink where possible.
    await copyFile(f.from, f.to, constants.COPYFILE_FICLONE);
  }
}

/** SIGKILLs the jailed Firecracker, whose PID the jailer writes to `<jail root>/<exec file name>.pid`. */
async function killJailed(pidFile: string): Promise<void> {
  try {
    const pid = Number.parseInt((await readFile(pidFile, 'utf8')).trim(), 10);
    if (Number.isInteger(pid) && pid > 1) process.kill(pid, 'SIGKILL');
  } catch {
    /* not written yet, or already gone */
  }
}

/**
 * boot(): builds the jail (files linked in, config.json written, per-VM files owned by uid/gid), starts the
 * host forwarders and waits for their sockets, runs the jailer through `execFile`, and always removes the
 * jail directory and the VM's cgroup afterwards.
 *
 * Supervision: with `--new-pid-ns` Firecracker leaves the jailer's process group and session (the jailer
 * makes it a session leader), so `execFile`'s own timeout could not reach it. This backend keeps its own
 * timer and abort handling: it SIGKILLs Firecracker by the PID file the jailer writes (repeating until the
 * process is gone, to cover the moment before the file exists) and aborts the jailer's process group.
 * `execFile` resolves once Firecracker has exited, as Firecracker holds the stdout pipe it inherited.
 *
 * Result: `console` is stdout (the serial console); `exitCode` is the jailer's if it failed, null if this
 * backend killed the VM, otherwise Firecracker's from its exit log line (null if there is none); `initMs` and `totalMs` are host-clock times
 * from spawning the jailer to the first INIT_MARKER on the console (`initMarkerClock`) and to the console's
 * pipes closing (Firecracker gone). `layerFormat` is 'raw': Firecracker's block device reads raw images only.
 */
export function firecrackerBackend(opts: FirecrackerOptions): Backend {
  checkOptions(opts);
  return {
    name: 'firecracker',
    accel: 'kvm',
    layerFormat: 'raw',
    async boot(spec, bootOpts): Promise<BootResult> {
      const config = firecrackerConfig(spec);
      const files = jailFiles(spec, opts);
      const args = jailerArgs(spec, opts);
      const forwarders = hostForwarders(spec, opts);
      const root = jailRoot(spec, opts);
      const jailDir = path.dirname(root);
      const execName = path.basename(opts.firecrackerBin);
      const cgroupDir = path.join(opts.cgroupRoot ?? '/sys/fs/cgroup', execName, spec.id);

      if (await exists(jailDir)) fail(`the jail ${jailDir} already exists: VM ids must be unique`);
      const forwarderStop = new AbortController();
      const forwarderRuns: Promise<ExecResult>[] = [];
      try {
        await mkdir(root, { recursive: true, mode: 0o700 });
        for (const f of files) await placeFile(f);
        // Firecracker (as uid/gid) reads and writes the per-VM files; the shared kernel and initrd must be
        // readable by it already (a hard link shares the inode, so they are not chowned here).
        for (const f of files) {
          if (f.from === spec.writableLayer || f.from === spec.configDrive)
            await chown(f.to, opts.uid, opts.gid);
        }
        const configPath = path.join(root, JAIL_NAMES.config);
        await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
        await chown(configPath, opts.uid, opts.gid);

        for (const [bin, ...fargs] of forwarders) {
          if (bin === undefined) continue;
          const run = execFile(bin, fargs, {
            env: childEnv(),
            signal: forwarderStop.signal,
            maxOutputBytes: 64 * 1024,
          });
          run.catch(() => {}); // observed below; keep an early spawn failure from going unhandled
          forwarderRuns.push(run);
        }
        await waitForSockets(
          spec.egress.map((e) => vsockHostPath(spec, opts, e.guestPort)),
          forwarderRuns,
          opts.forwarderReadyMs ?? 5000,
        );

        const stop = new AbortController();
        let timedOut = false;
        let killer: NodeJS.Timeout | undefined;
        const pidFile = path.join(root, `${execName}.pid`);
        const kill = () => {
          stop.abort();
          if (killer) return;
          void killJailed(pidFile);
          killer = setInterval(() => void killJailed(pidFile), KILL_RETRY_MS);
        };
        const timer = setTimeout(() => {
          timedOut = true;
          kill();
        }, bootOpts.timeoutMs);
        const onAbort = () => kill();
        if (bootOpts.signal?.aborted) kill();
        else bootOpts.signal?.addEventListener('abort', onAbort, { once: true });
        let result: ExecResult;
        const started = performance.now();
        const clock = initMarkerClock(started);
        try {
          result = await execFile(opts.jailerBin, args, {
            env: childEnv(),
            signal: stop.signal,
            maxOutputBytes: opts.maxConsoleBytes ?? DEFAULT_MAX_CONSOLE,
            onStdout: (chunk) => clock.onChunk(chunk),
          });
        } finally {
          clearTimeout(timer);
          if (killer) clearInterval(killer);
          bootOpts.signal?.removeEventListener('abort', onAbort);
        }

        // Killed by us (timeout, abort): no exit code, whatever the console claims.
        const exitCode =
          result.exitCode !== 0
            ? result.exitCode
            : stop.signal.aborted
              ? null
              : firecrackerExitCode(result.output);
        return {
          exitCode,
          timedOut,
          console: result.stdout,
          initMs: clock.initMs,
          totalMs: performance.now() - started,
        };
      } finally {
        forwarderStop.abort();
        await Promise.allSettled(forwarderRuns);
        await rm(jailDir, { recursive: true, force: true });
        await rmdir(cgroupDir).catch(() => {}); // the jailer leaves it; empty once Firecracker is gone
      }
    },
  };
}

/** Waits until every forwarder socket exists; fails if a forwarder ends first or the time runs out. */
async function waitForSockets(
  paths: string[],
  runs: Promise<ExecResult>[],
  timeoutMs: number,
): Promise<void> {
  if (paths.length === 0) return;
  let ended: string | undefined;
  for (const run of runs) {
    run.then(
      (r) => {
        ended ??= `a host forwarder exited (code ${r.exitCode}): ${r.output.trim().slice(0, 500)}`;
      },
      (e: unknown) => {
        ended ??= `a host forwarder could not start: ${e instanceof Error ? e.message : String(e)}`;
      },
    );
  }
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (ended !== undefined) fail(ended);
    const ready = await Promise.all(paths.map(exists));
    if (ready.every(Boolean)) return;
    if (performance.now() > deadline)
      fail(`the host forwarders' sockets did not appear within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
