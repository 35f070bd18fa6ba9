// The test guest (Debian cloud kernel + busybox initramfs with runner-image/guest/probe-init.sh), built
// once per checkout into node_modules/.cache and reused while its inputs are unchanged; and a small base
// image.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from '../../lib/exec.js';
import type { LaunchOptions } from '../../runner-image/launcher/launch.js';
import { type Accel, qemuBackend } from '../../runner-image/launcher/qemu.js';

const IMAGE_DIR = fileURLToPath(new URL('../../runner-image/', import.meta.url));
const CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/', import.meta.url));
const INPUTS = [
  'build/build-test-guest.sh',
  'build/lib.sh',
  'guest/boot.sh',
  'guest/probe-init.sh',
  'guest/warm.sh',
  'guest/warm-probe-init.sh',
];

export interface TestGuest {
  kernel: string;
  initrd: string;
  /** The warm guest's initramfs: guest/warm-probe-init.sh with this host's git. */
  initrdWarm: string;
}

export async function buildTestGuest(): Promise<TestGuest> {
  const hash = createHash('sha256');
  for (const f of INPUTS) hash.update(readFileSync(path.join(IMAGE_DIR, f)));
  const dir = path.join(CACHE_DIR, `agentgate-test-guest-${hash.digest('hex').slice(0, 12)}`);
  const guest = {
    kernel: path.join(dir, 'vmlinuz'),
    initrd: path.join(dir, 'initrd.gz'),
    initrdWarm: path.join(dir, 'initrd-warm.gz'),
  };
  if (Object.values(guest).every((f) => existsSync(f))) return guest;
  const r = await execFile('bash', [path.join(IMAGE_DIR, 'build/build-test-guest.sh'), dir], {
    env: process.env,
    timeoutMs: 300_000,
  });
  if (r.exitCode !== 0) {
    throw new Error(
      `building the test guest failed (needs Debian's apt repositories, busybox-static and qemu-system-x86; .ci/run installs them):\n${r.output}`,
    );
  }
  return guest;
}

/** A raw base image of `mib` MiB with a known pattern, and its sha256. */
export function makeBaseImage(file: string, mib = 4): string {
  const data = Buffer.alloc(mib * 1024 * 1024);
  data.write('agentgate base image\n');
  writeFileSync(file, data);
  return createHash('sha256').update(data).digest('hex');
}

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/**
 * Launch options for the test guest: a fresh state directory and base image, 1 vCPU, 256 MiB, no
 * network, a 90 s limit; `over` sets the JIT config source and anything else.
 */
export function testVm(
  guest: TestGuest,
  accel: Accel,
  over: Partial<LaunchOptions> & Pick<LaunchOptions, 'jitConfig'>,
): LaunchOptions {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'agentgate-vm-'));
  const baseImage = path.join(stateDir, 'base.img');
  const digest = `sha256:${makeBaseImage(baseImage)}`;
  return {
    backend: qemuBackend(accel),
    image: { kernel: guest.kernel, initrd: guest.initrd, baseImage, digest },
    stateDir,
    vcpus: 1,
    memoryMib: 256,
    egress: [],
    timeoutMs: 90_000,
    ...over,
  };
}
