// One runner VM, start to end: its JIT config, its config drive and copy-on-write layer, the boot,
// and the teardown — the layer and the drive are deleted whatever happened, and that is checked.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { execFile } from '../../lib/exec.js';
import { writeConfigDrive } from './config-drive.js';
import { childEnv } from './console.js';
import type { JitConfig } from './jit.js';
import {
  type Backend,
  type BootResult,
  type EgressForward,
  type IsolationStatement,
  RESULT_MARKER,
} from './types.js';

export interface RunnerImage {
  kernel: string;
  initrd?: string;
  /** The read-only root filesystem image (raw ext4). */
  baseImage: string;
  /** sha256 of the base image, stated to the guest. */
  digest: string;
  /** The warm disk every VM gets read-only (see VmSpec.warmDisk), when a repository is baked. */
  warmDisk?: string;
}

export interface LaunchOptions {
  backend: Backend;
  image: RunnerImage;
  /** Where the VM's own files live while it runs (a directory per VM is made inside). */
  stateDir: string;
  vcpus: number;
  memoryMib: number;
  bootArgs?: string;
  egress: EgressForward[];
  /** The proxy URL the guest uses for https_proxy (through the forwards). */
  proxyUrl?: string;
  /** Gets the JIT config for this VM's runner name. */
  jitConfig: (vmId: string) => Promise<JitConfig>;
  timeoutMs: number;
  signal?: AbortSignal;
  /** More files for the config drive (the tests' probe settings). */
  extraConfig?: Record<string, string>;
}

export interface LaunchResult extends BootResult {
  vmId: string;
  runnerId: number;
  /** The JSON the guest printed after RESULT_MARKER, when it did. */
  guestResult: Record<string, unknown> | undefined;
  /** True when the VM's layer and config drive are gone afterwards. */
  cleanedUp: boolean;
}

export function newVmId(): string {
  return `vm-${randomBytes(4).toString('hex')}`;
}

/** The guest's result line from its console. */
export function parseGuestResult(console: string): Record<string, unknown> | undefined {
  const line = console.split('\n').find((l) => l.includes(RESULT_MARKER));
  if (!line) return undefined;
  try {
    return JSON.parse(line.slice(line.indexOf(RESULT_MARKER) + RESULT_MARKER.length).trim()) as Record<
      string,
      unknown
    >;
  } catch {
    return undefined;
  }
}

/** The VM's writable layer over the base: a qcow2 overlay (QEMU) or a sparse, reflinked copy (raw). */
async function createLayer(format: 'qcow2' | 'raw', base: string, layer: string): Promise<void> {
  const r =
    format === 'qcow2'
      ? await execFile(
          'qemu-img',
          ['create', '-q', '-f', 'qcow2', '-b', path.resolve(base), '-F', 'raw', layer],
          {
            env: childEnv(),
            timeoutMs: 30_000,
          },
        )
      : await execFile('cp', ['--reflink=auto', '--sparse=always', base, layer], {
          env: childEnv(),
          timeoutMs: 120_000,
        });
  if (r.exitCode !== 0) throw new Error(`creating the writable layer failed: ${r.output.trim()}`);
}

export async function launchVm(o: LaunchOptions): Promise<LaunchResult> {
  const vmId = newVmId();
  const dir = path.join(o.stateDir, vmId);
  const files = { layer: path.join(dir, 'layer.img'), drive: path.join(dir, 'config.tar') };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  try {
    const jit = await o.jitConfig(vmId);
    const isolation: IsolationStatement = {
      tier: 'microvm',
      backend: o.backend.name,
      accel: o.backend.accel,
      ephemeral: true,
      imageDigest: o.image.digest,
      vmId,
    };
    await writeConfigDrive(files.drive, {
      jitconfig: jit.encodedJitConfig,
      isolation,
      egress: { proxy: o.proxyUrl ?? null, forwards: o.egress },
      extra: o.extraConfig ?? {},
    });
    await createLayer(o.backend.layerFormat ?? 'qcow2', o.image.baseImage, files.layer);
    const boot = await o.backend.boot(
      {
        id: vmId,
        kernel: o.image.kernel,
        ...(o.image.initrd ? { initrd: o.image.initrd } : {}),
        bootArgs: o.bootArgs ?? '',
        baseImage: o.image.baseImage,
        writableLayer: files.layer,
        configDrive: files.drive,
        ...(o.image.warmDisk ? { warmDisk: o.image.warmDisk } : {}),
        vcpus: o.vcpus,
        memoryMib: o.memoryMib,
        egress: o.egress,
      },
      { timeoutMs: o.timeoutMs, ...(o.signal ? { signal: o.signal } : {}) },
    );
    const cleanedUp = await destroy(dir);
    return { ...boot, vmId, runnerId: jit.runnerId, guestResult: parseGuestResult(boot.console), cleanedUp };
  } catch (e) {
    await destroy(dir);
    throw e;
  }
}

/** Deletes the VM's files (its layer and config drive) and says whether they are gone. */
async function destroy(dir: string): Promise<boolean> {
  await rm(dir, { recursive: true, force: true });
  return !existsSync(dir);
}
