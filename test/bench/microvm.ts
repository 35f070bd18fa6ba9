// Runner VM start-up: launch -> guest init (the init's first line on the console) and launch -> poweroff,
// for the test guest (Debian cloud kernel + busybox initramfs) under QEMU microvm with KVM when the
// probe shows it works here, else TCG. The design target with KVM/Firecracker is <= 1 s to init.
//   npx tsx test/bench/microvm.ts [--runs 5]
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchVm } from '../../runner-image/launcher/launch.js';
import { probeKvm } from '../../runner-image/launcher/qemu.js';
import { buildTestGuest, testVm } from '../support/microvm.js';
import { median, p90 } from './stats.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

export async function main(): Promise<void> {
  const runs = arg('runs', 5);
  const guest = await buildTestGuest();
  const kvm = await probeKvm(guest.kernel);
  const accel = kvm.ok ? 'kvm' : 'tcg';
  console.log(`microVM benchmark: QEMU microvm, ${accel} (${kvm.reason}), ${runs} runs`);
  const init: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const vm = testVm(guest, accel, {
      jitConfig: async () => ({ runnerId: i, encodedJitConfig: `bench-${i}` }),
      timeoutMs: 120_000,
    });
    const r = await launchVm(vm);
    rmSync(vm.stateDir, { recursive: true, force: true });
    if (r.exitCode !== 0 || r.initMs === undefined || !r.cleanedUp) {
      throw new Error(`run ${i}: exit ${r.exitCode}, init ${r.initMs}, cleaned ${r.cleanedUp}\n${r.console}`);
    }
    if (i === 0) continue; // warm-up: page cache for the kernel and initramfs
    init.push(r.initMs);
    total.push(r.totalMs);
  }
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  console.log(`  launch -> guest init: median ${ms(median(init))}, p90 ${ms(p90(init))}`);
  console.log(`  launch -> poweroff:   median ${ms(median(total))}, p90 ${ms(p90(total))}`);
  console.log(
    `  (includes creating the qcow2 layer and the config drive, and their deletion; target with KVM/Firecracker: <= 1000 ms to init)`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
