// Cost of running a command in the sandbox: N runs of a bare execFile('/bin/true') against the same
// `true` through createSandbox in 'none' mode (bash -c), in 'bubblewrap' mode with the default pack's
// toolchain list (bwrap with the deny-by-default mount set, the seccomp helper) and in 'bubblewrap' mode
// with a network host (the proxy bridge's socat listeners too). Everything the sandbox needs is resolved
// once when it starts. Goal: <= 30 ms median overhead over the bare run, without the network bridge.
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSandbox, type SandboxConfig } from '../../action/sandbox/index.js';
import { execFile } from '../../lib/exec.js';
import { loadDefaultPolicy } from '../../policies/index.js';
import { median, p90 } from './stats.js';

const N = 50;
const WARMUP = 5;
const GOAL_MS = 30;
const RUN = { timeoutMs: 30_000, maxOutputBytes: 64 * 1024 };

interface Stats {
  median: number;
  p90: number;
}

async function measure(label: string, once: () => Promise<{ exitCode: number | null }>): Promise<Stats> {
  for (let i = 0; i < WARMUP; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    const r = await once();
    times.push(performance.now() - t);
    if (r.exitCode !== 0) throw new Error(`${label}: exit ${r.exitCode}`);
  }
  const s = { median: median(times), p90: p90(times) };
  process.stdout.write(
    `${label.padEnd(34)} median ${s.median.toFixed(1).padStart(6)} ms, p90 ${s.p90.toFixed(1).padStart(6)} ms\n`,
  );
  return s;
}

export async function main(): Promise<{ bare: Stats; none: Stats; bubblewrap: Stats; networked: Stats }> {
  const workDir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentgate-bench-')));
  const cfg = (mode: SandboxConfig['mode'], allowedDomains: string[] = []): SandboxConfig => ({
    workDir,
    mode,
    allowedDomains,
    denyRead: [path.join(workDir, '.env')],
    envAllow: ['PATH', 'LANG'],
    isSecretEnv: () => false,
    toolchains: loadDefaultPolicy().policy.toolchains,
  });
  process.stdout.write(`sandbox overhead over ${N} runs (after ${WARMUP} warm-up runs)\n`);
  const bare = await measure("bare execFile('/bin/true')", () => execFile('/bin/true', [], RUN));

  const unsandboxed = await createSandbox(cfg('none'));
  const none = await measure("sandbox 'none' (bash -c true)", () => unsandboxed.run('true', RUN));
  await unsandboxed.dispose();

  const sandbox = await createSandbox(cfg('bubblewrap'));
  let bubblewrap: Stats;
  let networked: Stats;
  try {
    bubblewrap = await measure("sandbox 'bubblewrap' (true)", () => sandbox.run('true', RUN));
    const withProxy = await createSandbox(cfg('bubblewrap', ['127.0.0.1']));
    try {
      networked = await measure("sandbox 'bubblewrap' + proxy (true)", () => withProxy.run('true', RUN));
    } finally {
      await withProxy.dispose();
    }
  } finally {
    await sandbox.dispose();
    rmSync(workDir, { recursive: true, force: true });
  }
  const overhead = { median: bubblewrap.median - bare.median, p90: bubblewrap.p90 - bare.p90 };
  process.stdout.write(
    `overhead (bubblewrap - bare): median ${overhead.median.toFixed(1)} ms, p90 ${overhead.p90.toFixed(1)} ms ` +
      `(goal <= ${GOAL_MS} ms median: ${overhead.median <= GOAL_MS ? 'met' : 'NOT met'})\n`,
  );
  if (overhead.median > GOAL_MS) process.exitCode = 1;
  return { bare, none, bubblewrap, networked };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
