// The Firecracker backend, tested without Firecracker: its config file, jailer arguments and host
// forwarders are compared with golden files under test/fixtures/runner/firecracker/, and its invariants are
// checked directly. boot() runs against a fake jailer script.
//
// Golden files: after an intended change, regenerate them with
//   UPDATE_GOLDEN=1 npx vitest run test/runner/firecracker.test.ts
// and review the diff. Without UPDATE_GOLDEN the test only compares.
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { initMarkerClock } from '../../runner-image/launcher/console.js';
import {
  BASE_BOOT_ARGS,
  type FirecrackerOptions,
  firecrackerBackend,
  firecrackerConfig,
  firecrackerExitCode,
  hostForwarders,
  jailerArgs,
  jailFiles,
  jailRoot,
} from '../../runner-image/launcher/firecracker.js';
import type { VmSpec } from '../../runner-image/launcher/types.js';

const GOLDEN_DIR = path.join(import.meta.dirname, '..', 'fixtures', 'runner', 'firecracker');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const spec: VmSpec = {
  id: 'vm-0123abcd',
  kernel: '/var/lib/agentgate/images/vmlinux-6.1',
  initrd: '/var/lib/agentgate/images/initrd-6.1.img',
  bootArgs: 'quiet loglevel=3',
  baseImage: '/var/lib/agentgate/images/runner-base.ext4',
  writableLayer: '/var/lib/agentgate/vms/vm-0123abcd/rootfs.ext4',
  configDrive: '/var/lib/agentgate/vms/vm-0123abcd/config-drive.img',
  vcpus: 2,
  memoryMib: 1024,
  egress: [
    { guestAddress: '127.0.0.1', guestPort: 3128, hostAddress: '127.0.0.1', hostPort: 18080 },
    { guestAddress: '127.0.0.1', guestPort: 3129, hostAddress: '127.0.0.1', hostPort: 18081 },
  ],
};

const opts: FirecrackerOptions = {
  firecrackerBin: '/usr/local/bin/firecracker',
  jailerBin: '/usr/local/bin/jailer',
  chrootBaseDir: '/srv/jailer',
  uid: 123,
  gid: 100,
  cgroupVersion: 2,
};

/** Compares `actual` with a golden file, or rewrites the file under UPDATE_GOLDEN=1. */
async function golden(name: string, actual: string): Promise<void> {
  const file = path.join(GOLDEN_DIR, name);
  if (UPDATE) {
    await mkdir(GOLDEN_DIR, { recursive: true });
    await writeFile(file, actual);
    return;
  }
  expect(actual, `${name} differs from its golden file; rerun with UPDATE_GOLDEN=1 if intended`).toBe(
    await readFile(file, 'utf8'),
  );
}

/** Every path-like value in a config: the fields Firecracker reads files or sockets from. */
function configPaths(config: ReturnType<typeof firecrackerConfig>): string[] {
  return [
    config['boot-source'].kernel_image_path,
    ...(config['boot-source'].initrd_path ? [config['boot-source'].initrd_path] : []),
    ...config.drives.map((d) => d.path_on_host),
    ...(config.vsock ? [config.vsock.uds_path] : []),
  ];
}

describe('firecracker golden files', () => {
  it('config.json', async () => {
    const config = firecrackerConfig(spec);
    if (UPDATE) return golden('config.json', `${JSON.stringify(config, null, 2)}\n`);
    // Compared as data, so the fixture's formatting (biome) does not matter.
    expect(config).toEqual(JSON.parse(await readFile(path.join(GOLDEN_DIR, 'config.json'), 'utf8')));
  });

  it('jailer-args.txt (one argument per line)', async () => {
    await golden('jailer-args.txt', `${jailerArgs(spec, opts).join('\n')}\n`);
  });

  it('forwarders.txt (one socat command per line)', async () => {
    const lines = hostForwarders(spec, opts).map((argv) => {
      for (const a of argv) expect(a).not.toMatch(/\s/); // so a space-joined line is unambiguous
      return argv.join(' ');
    });
    await golden('forwarders.txt', `${lines.join('\n')}\n`);
  });
});

describe('firecracker config invariants', () => {
  const fakeJit = 'eyJydW5uZXIiOnsiaWQiOjQyLCJ0b2tlbiI6InNlY3JldC1qaXQtdG9rZW4ifX0';

  it('boot_args start with the fixed console arguments, then the spec arguments', () => {
    expect(firecrackerConfig(spec)['boot-source'].boot_args).toBe(`${BASE_BOOT_ARGS} quiet loglevel=3`);
    expect(firecrackerConfig({ ...spec, bootArgs: '  ' })['boot-source'].boot_args).toBe(BASE_BOOT_ARGS);
  });

  it('never puts the config drive contents or a JIT-like value in boot_args or the arguments', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'fc-drive-'));
    try {
      const drive = path.join(dir, 'config-drive.img');
      await writeFile(drive, `jitconfig=${fakeJit}\n`);
      const s = { ...spec, configDrive: drive };
      const everything = [
        JSON.stringify(firecrackerConfig(s)),
        ...jailerArgs(s, opts),
        ...hostForwarders(s, opts).flat(),
        ...jailFiles(s, opts).map((f) => f.to),
      ].join('\n');
      expect(everything).not.toContain(fakeJit);
      expect(everything.toLowerCase()).not.toContain('jit');
      expect(firecrackerConfig(s)['boot-source'].boot_args).not.toContain(await readFile(drive, 'utf8'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses boot arguments that look like a JIT config', () => {
    for (const bootArgs of [`agentgate.jit=${fakeJit}`, 'jitconfig=abc', `x=${'A'.repeat(80)}`]) {
      expect(() => firecrackerConfig({ ...spec, bootArgs })).toThrow(/JIT config/);
      expect(() => jailerArgs({ ...spec, bootArgs }, opts)).toThrow(/JIT config/);
    }
  });

  it('boots from the writable layer, never the base image', () => {
    const config = firecrackerConfig(spec);
    const roots = config.drives.filter((d) => d.is_root_device);
    expect(roots).toHaveLength(1);
    expect(roots[0]?.is_read_only).toBe(false);
    const files = jailFiles(spec, opts);
    const rootFile = files.find((f) => path.basename(f.to) === roots[0]?.path_on_host);
    expect(rootFile?.from).toBe(spec.writableLayer);
    expect(files.map((f) => f.from)).not.toContain(spec.baseImage);
    expect(() => firecrackerConfig({ ...spec, writableLayer: spec.baseImage })).toThrow(/base image/);
  });

  it('attaches the config drive read-only', () => {
    const config = firecrackerConfig(spec);
    const files = jailFiles(spec, opts);
    const driveFile = files.find((f) => f.from === spec.configDrive);
    const drive = config.drives.find((d) => d.path_on_host === path.basename(driveFile?.to ?? ''));
    expect(drive).toMatchObject({ is_read_only: true, is_root_device: false });
  });

  it('attaches the warm disk, when there is one, read-only as the third drive', () => {
    expect(firecrackerConfig(spec).drives.map((d) => d.drive_id)).toEqual(['rootfs', 'config']);
    const warm = { ...spec, warmDisk: '/var/lib/agentgate/warm/disks/warm-1.ext4' };
    const config = firecrackerConfig(warm);
    expect(config.drives.map((d) => d.drive_id)).toEqual(['rootfs', 'config', 'warm']);
    const file = jailFiles(warm, opts).find((f) => f.from === warm.warmDisk);
    expect(config.drives[2]).toEqual({
      drive_id: 'warm',
      path_on_host: path.basename(file?.to ?? ''),
      is_root_device: false,
      is_read_only: true,
    });
    expect(() => firecrackerConfig({ ...spec, warmDisk: spec.writableLayer })).toThrow(
      /warmDisk is the writable layer/,
    );
    expect(() => firecrackerConfig({ ...spec, warmDisk: 'warm.ext4' })).toThrow(
      /warmDisk must be an absolute path/,
    );
  });

  it('has no network interface', () => {
    expect(firecrackerConfig(spec)['network-interfaces']).toEqual([]);
    expect(firecrackerConfig({ ...spec, egress: [] })['network-interfaces']).toEqual([]);
  });

  it('keeps every path inside the jail, and places every file under the jail root', () => {
    const root = jailRoot(spec, opts);
    expect(root).toBe('/srv/jailer/firecracker/vm-0123abcd/root');
    for (const p of configPaths(firecrackerConfig(spec))) {
      expect(p).not.toContain('/');
      expect(p).not.toMatch(/^\.\.?$/);
      expect(path.resolve('/', p).startsWith('/')).toBe(true);
    }
    const names = new Set(jailFiles(spec, opts).map((f) => path.basename(f.to)));
    for (const f of jailFiles(spec, opts)) {
      expect(path.dirname(f.to)).toBe(root);
      expect(f.mode).toBe('hardlink-or-copy');
    }
    // Every file the config references (bar the vsock socket, which Firecracker creates) is placed there.
    for (const p of configPaths(firecrackerConfig(spec)).filter((p) => p !== 'v.sock'))
      expect(names).toContain(p);
    for (const argv of hostForwarders(spec, opts))
      expect(argv[1]?.startsWith(`UNIX-LISTEN:${root}/`)).toBe(true);
  });

  it('has a vsock device iff there is egress, one forwarder per entry on port guestPort', () => {
    const withEgress = firecrackerConfig(spec);
    expect(withEgress.vsock).toEqual({ guest_cid: 3, uds_path: 'v.sock' });
    const noEgress = { ...spec, egress: [] };
    expect(firecrackerConfig(noEgress)).not.toHaveProperty('vsock');
    expect(hostForwarders(noEgress, opts)).toEqual([]);
    const fwd = hostForwarders(spec, opts);
    expect(fwd).toHaveLength(2);
    expect(fwd[0]?.[1]).toContain('/v.sock_3128,');
    expect(fwd[0]?.[2]).toBe('TCP:127.0.0.1:18080');
    expect(fwd[1]?.[1]).toContain('/v.sock_3129,');
  });

  it('omits initrd_path when there is no initrd', () => {
    const { initrd: _, ...noInitrd } = spec;
    expect(firecrackerConfig(noInitrd)['boot-source']).not.toHaveProperty('initrd_path');
    expect(jailFiles(noInitrd, opts)).toHaveLength(3);
  });

  it('derives cgroup v2 limits and never daemonizes', () => {
    const args = jailerArgs(spec, opts);
    expect(args).toContain('cpu.max=200000 100000');
    expect(args).toContain(`memory.max=${(1024 + 64) * 1024 * 1024}`);
    expect(args).not.toContain('--daemonize');
    expect(args.slice(args.indexOf('--'))).toEqual(['--', '--config-file', 'config.json', '--no-api']);
  });

  it('rejects root uid/gid with an error naming the option', () => {
    expect(() => jailerArgs(spec, { ...opts, uid: 0 })).toThrow(
      /FirecrackerOptions\.uid must not be 0 \(root\)/,
    );
    expect(() => jailerArgs(spec, { ...opts, gid: 0 })).toThrow(
      /FirecrackerOptions\.gid must not be 0 \(root\)/,
    );
    expect(() => firecrackerBackend({ ...opts, uid: 0 })).toThrow(/FirecrackerOptions\.uid/);
    expect(() => hostForwarders(spec, { ...opts, gid: 0 })).toThrow(/FirecrackerOptions\.gid/);
  });

  it('rejects invalid specs and options', () => {
    expect(() => firecrackerConfig({ ...spec, id: 'vm/../x' })).toThrow(/VmSpec\.id/);
    expect(() => firecrackerConfig({ ...spec, vcpus: 0 })).toThrow(/VmSpec\.vcpus/);
    const dup = { ...spec, egress: [spec.egress[0], spec.egress[0]].filter((e) => e !== undefined) };
    expect(() => firecrackerConfig(dup)).toThrow(/used twice/);
    const remote = {
      ...spec,
      egress: [{ ...(spec.egress[0] as VmSpec['egress'][number]), hostAddress: '10.0.0.1' }],
    };
    expect(() => hostForwarders(remote, opts)).toThrow(/loopback/);
    expect(() => jailerArgs(spec, { ...opts, firecrackerBin: '/usr/bin/qemu' })).toThrow(/firecracker/);
    expect(() => jailerArgs(spec, { ...opts, chrootBaseDir: 'srv/jailer' })).toThrow(/chrootBaseDir/);
  });
});

describe('console parsing', () => {
  it('times init on the host clock at the first marker, also when it is split across chunks', () => {
    let now = 100;
    const clock = initMarkerClock(100, () => now);
    now = 150;
    clock.onChunk('[    0.1] booting\nAGENTGATE-');
    expect(clock.initMs).toBeUndefined();
    now = 420;
    clock.onChunk('INIT 0.31\n');
    now = 900;
    clock.onChunk('AGENTGATE-INIT again\n');
    expect(clock.initMs).toBe(320);
    const never = initMarkerClock(0, () => 5);
    never.onChunk('no marker here\n');
    expect(never.initMs).toBeUndefined();
  });

  it("takes Firecracker's exit code from its last exit line", () => {
    const out =
      'guest: Firecracker exiting successfully. exit_code=0\n[vm:main] Firecracker exiting with error. exit_code=3\n';
    expect(firecrackerExitCode(out)).toBe(3);
    expect(firecrackerExitCode('nothing')).toBeNull();
  });
});

// boot() against a fake jailer: a shell script that checks the jail it was given and prints a console.
describe('firecrackerBackend.boot (fake jailer)', () => {
  it('is a KVM backend that wants a raw writable layer', () => {
    const b = firecrackerBackend(opts);
    expect([b.name, b.accel, b.layerFormat]).toEqual(['firecracker', 'kvm', 'raw']);
  });

  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  // As root (the jailer's requirement) any unprivileged ids do; otherwise our own, which chown accepts.
  const uid = process.getuid?.() || 1000;
  const gid = process.getgid?.() || 1000;

  async function setup(script: string) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'fc-boot-'));
    dirs.push(dir);
    const files = {
      kernel: 'vmlinux',
      initrd: 'initrd.img',
      base: 'base.img',
      layer: 'layer.img',
      drive: 'drive.img',
    };
    for (const name of Object.values(files)) await writeFile(path.join(dir, name), name);
    const jailer = path.join(dir, 'fake-jailer.sh');
    await writeFile(jailer, script);
    await chmod(jailer, 0o755);
    await mkdir(path.join(dir, 'cgroup', 'firecracker', 'vm-boot1'), { recursive: true });
    const o: FirecrackerOptions = {
      firecrackerBin: path.join(dir, 'firecracker'),
      jailerBin: jailer,
      chrootBaseDir: path.join(dir, 'jails'),
      cgroupRoot: path.join(dir, 'cgroup'),
      uid,
      gid,
    };
    const s: VmSpec = {
      id: 'vm-boot1',
      kernel: path.join(dir, files.kernel),
      initrd: path.join(dir, files.initrd),
      bootArgs: '',
      baseImage: path.join(dir, files.base),
      writableLayer: path.join(dir, files.layer),
      configDrive: path.join(dir, files.drive),
      vcpus: 1,
      memoryMib: 128,
      egress: [],
    };
    return { dir, o, s };
  }

  // Finds the jail root from the jailer arguments, as the real jailer does.
  const preamble = `#!/bin/sh
while [ $# -gt 0 ]; do
  case "$1" in
    --id) id="$2"; shift ;;
    --chroot-base-dir) base="$2"; shift ;;
    --) shift; break ;;
  esac
  shift
done
root="$base/firecracker/$id/root"
`;

  it('builds the jail, collects the console, times init and removes the jail afterwards', async () => {
    const { dir, o, s } = await setup(`${preamble}
for f in config.json vmlinux initrd.img rootfs.img config-drive.img; do
  [ -f "$root/$f" ] || { echo "missing $f" >&2; exit 9; }
done
grep -q '"is_root_device": true' "$root/config.json" || exit 8
echo "args: $*"
echo "[    0.000000] Linux version 6.1"
echo "AGENTGATE-INIT 0.43"
echo "AGENTGATE-RESULT {}"
echo "Firecracker exiting successfully. exit_code=0"
`);
    const result = await firecrackerBackend(o).boot(s, { timeoutMs: 10_000 });
    expect(result.exitCode).toBe(0);
    expect(result.timedOut).toBe(false);
    expect(result.console).toContain('args: --config-file config.json --no-api');
    expect(result.initMs).toBeGreaterThanOrEqual(0);
    expect(result.initMs).toBeLessThanOrEqual(result.totalMs);
    expect(existsSync(path.join(o.chrootBaseDir, 'firecracker', s.id))).toBe(false);
    expect(existsSync(path.join(dir, 'cgroup', 'firecracker', s.id))).toBe(false);
    // The VM's files were linked, not moved: the originals are intact.
    expect(await readFile(s.writableLayer, 'utf8')).toBe('layer.img');
  });

  it("reports the jailer's exit code when it fails", async () => {
    const { o, s } = await setup(`${preamble}echo "jailer error" >&2\nexit 4\n`);
    const result = await firecrackerBackend(o).boot(s, { timeoutMs: 10_000 });
    expect(result.exitCode).toBe(4);
    expect(result.initMs).toBeUndefined();
  });

  it('kills the jailed process by its PID file on timeout, though it left the process group', async () => {
    // Like --new-pid-ns: the "VM" runs in its own session, its PID in <root>/firecracker.pid; the jailer exits.
    const { o, s } = await setup(`${preamble}
setsid sh -c 'echo $$ > "$0/firecracker.pid"; echo booting; echo "Firecracker exiting successfully. exit_code=0"; exec sleep 30' "$root" &
sleep 0.2
exit 0
`);
    const result = await firecrackerBackend(o).boot(s, { timeoutMs: 700 });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    expect(result.console).toContain('booting');
    expect(existsSync(path.join(o.chrootBaseDir, 'firecracker', s.id))).toBe(false);
  });

  it('refuses a jail that already exists and leaves it alone', async () => {
    const { o, s } = await setup(`${preamble}exit 0\n`);
    const existing = path.join(o.chrootBaseDir, 'firecracker', s.id, 'root');
    await mkdir(existing, { recursive: true });
    await expect(firecrackerBackend(o).boot(s, { timeoutMs: 10_000 })).rejects.toThrow(/already exists/);
    expect((await stat(existing)).isDirectory()).toBe(true);
  });

  it.skipIf(!existsSync('/usr/bin/socat'))(
    'starts a forwarder per egress entry before the jailer',
    async () => {
      const { o, s } = await setup(`${preamble}
for p in 3128 3129; do [ -S "$root/v.sock_$p" ] || { echo "no forwarder on $p" >&2; exit 7; }; done
echo forwarders-ready
`);
      const egress = [
        { guestAddress: '127.0.0.1', guestPort: 3128, hostAddress: '127.0.0.1', hostPort: 18080 },
        { guestAddress: '127.0.0.1', guestPort: 3129, hostAddress: '127.0.0.1', hostPort: 18081 },
      ];
      const result = await firecrackerBackend({ ...o, socatBin: '/usr/bin/socat' }).boot(
        { ...s, egress },
        { timeoutMs: 10_000 },
      );
      expect(result.console).toContain('forwarders-ready');
      expect(existsSync(path.join(o.chrootBaseDir, 'firecracker', s.id))).toBe(false);
    },
  );
});
