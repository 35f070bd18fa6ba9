// The QEMU backend: `-M microvm` (virtio-mmio devices, no PCI, no firmware), with KVM when a probe shows
// it can run a guest, otherwise TCG (software emulation: slower, same isolation boundary for the tests).
//
// Egress: QEMU's user-mode network with `restrict=on` gives the guest no route to the host or the
// world; each `guestfwd` opens exactly one guest address:port that QEMU connects to a host endpoint —
// in production the allowlisting egress proxy. A guest with no forwards gets no NIC at all.
import { readFileSync } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { execFile } from '../../lib/exec.js';
import { childEnv, initMarkerClock } from './console.js';
import type { Backend, BootResult, VmSpec } from './types.js';

export const QEMU_BIN = 'qemu-system-x86_64';

/** The kernel command line every guest gets before the spec's own arguments. */
export const BASE_BOOT_ARGS = 'console=ttyS0 quiet panic=-1 reboot=t';

export type Accel = 'kvm' | 'tcg';

/**
 * Under TCG the guest kernel cannot calibrate its TSC (microvm has no HPET or PM timer, and the emulated
 * PIT drifts with host load); it then stalls in early boot, seen here in one boot of two even on an idle
 * host. Telling it the TSC rate (TCG's TSC runs at the host's rate) and the delay-loop value skips both
 * calibrations. lpj assumes HZ=250, the Debian kernel's; it only sizes busy-wait loops.
 */
export function tcgTimingArgs(tscKhz: number): string {
  const khz = Math.round(tscKhz);
  return `tsc_early_khz=${khz} lpj=${khz * 4}`;
}

/** The host's TSC rate in kHz, from /proc/cpuinfo's `cpu MHz` (2 GHz when it says nothing). */
export function hostTscKhz(cpuinfo = readCpuinfo()): number {
  const mhz = Number(/^cpu MHz\s*:\s*([\d.]+)/m.exec(cpuinfo)?.[1]);
  return Number.isFinite(mhz) && mhz > 0 ? Math.round(mhz * 1000) : 2_000_000;
}

function readCpuinfo(): string {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

/** The machine every VM and the KVM probe share: microvm, no defaults or firmware, console on stdio. */
function machineArgs(accel: Accel, memoryMib: number, vcpus: number, kernel: string): string[] {
  return [
    '-M',
    'microvm,x-option-roms=off,rtc=on',
    '-accel',
    accel,
    '-cpu',
    accel === 'kvm' ? 'host' : 'max',
    '-m',
    String(memoryMib),
    '-smp',
    String(vcpus),
    '-nodefaults',
    '-no-user-config',
    '-nographic',
    '-serial',
    'stdio',
    '-no-reboot',
    '-kernel',
    kernel,
  ];
}

/** The QEMU command line for a spec. Pure. */
export function qemuArgs(spec: VmSpec, accel: Accel, tscKhz = 2_000_000): string[] {
  const timing = accel === 'tcg' ? ` ${tcgTimingArgs(tscKhz)}` : '';
  const args = [
    ...machineArgs(accel, spec.memoryMib, spec.vcpus, spec.kernel),
    ...(spec.initrd ? ['-initrd', spec.initrd] : []),
    '-append',
    `${BASE_BOOT_ARGS}${timing}${spec.bootArgs ? ` ${spec.bootArgs}` : ''}`,
    '-drive',
    `id=root,file=${spec.writableLayer},format=qcow2,if=none`,
    '-device',
    'virtio-blk-device,drive=root',
    '-drive',
    `id=cfg,file=${spec.configDrive},format=raw,if=none,readonly=on`,
    '-device',
    'virtio-blk-device,drive=cfg',
    // The warm disk is shared by every VM: read-only, so no guest can change what the next one sees.
    ...(spec.warmDisk
      ? [
          '-drive',
          `id=warm,file=${spec.warmDisk},format=raw,if=none,readonly=on`,
          '-device',
          'virtio-blk-device,drive=warm',
        ]
      : []),
  ];
  if (spec.egress.length > 0) {
    const forwards = spec.egress.map(
      (f) => `guestfwd=tcp:${f.guestAddress}:${f.guestPort}-tcp:${f.hostAddress}:${f.hostPort}`,
    );
    args.push(
      '-netdev',
      ['user', 'id=n0', 'restrict=on', ...forwards].join(','),
      '-device',
      'virtio-net-device,netdev=n0',
    );
  }
  return args;
}

/**
 * Whether KVM can run a guest here: /dev/kvm is usable and QEMU gets as far as starting the kernel.
 * Some hosts expose /dev/kvm but cannot run a standard guest (QEMU aborts setting MSRs); they get TCG.
 */
export async function probeKvm(kernel: string, qemu = QEMU_BIN): Promise<{ ok: boolean; reason: string }> {
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return { ok: false, reason: '/dev/kvm is missing or not accessible' };
  }
  const r = await execFile(
    qemu,
    [
      ...machineArgs('kvm', 128, 1, kernel),
      // No root: the kernel panics and, with panic=-1 and -no-reboot, QEMU exits. Reaching that is enough.
      '-append',
      'console=ttyS0 panic=-1',
    ],
    { env: childEnv(), timeoutMs: 10_000, maxOutputBytes: 256 * 1024 },
  ).catch((e: Error) => ({ exitCode: null, output: e.message, timedOut: false }));
  if (/Linux version/.test(r.output)) return { ok: true, reason: 'KVM booted a kernel' };
  const line = r.output.trim().split('\n').pop() ?? '';
  return { ok: false, reason: r.timedOut ? 'KVM probe timed out' : `KVM cannot run a guest here: ${line}` };
}

export function qemuBackend(accel: Accel, qemu = QEMU_BIN): Backend {
  const tscKhz = hostTscKhz();
  return {
    name: 'qemu-microvm',
    accel,
    async boot(spec, opts): Promise<BootResult> {
      const started = performance.now();
      const clock = initMarkerClock(started);
      const r = await execFile(qemu, qemuArgs(spec, accel, tscKhz), {
        env: childEnv(),
        timeoutMs: opts.timeoutMs,
        maxOutputBytes: 4 * 1024 * 1024,
        onStdout: (text) => clock.onChunk(text),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      return {
        exitCode: r.exitCode,
        timedOut: r.timedOut,
        console: r.stdout,
        initMs: clock.initMs,
        totalMs: performance.now() - started,
      };
    },
  };
}
