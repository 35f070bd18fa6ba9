// Cost of a confirmation rerun: one test of test/fixtures/flaky/js-vitest rerun alone N times through
// confirmTest (bubblewrap sandbox, warm work tree: nothing is reinstalled between runs) against a
// baseline in the same run: the same single-test command run N times bare, without the sandbox.
// Goal: seconds per rerun at most 1.3x the bare run's median.
import { cpSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { confirmTest } from '../../action/flaky/confirm.js';
import { type Framework, singleTestCommand } from '../../action/flaky/frameworks.js';
import { createSandbox } from '../../action/sandbox/index.js';
import { execFile } from '../../lib/exec.js';
import { median } from './stats.js';

const RUNS = 12;
const GOAL_RATIO = 1.3;
const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

export async function main(): Promise<{ bareMs: number; rerunMs: number; ratio: number }> {
  const work = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentgate-bench-flaky-')));
  cpSync(path.join(ROOT, 'test/fixtures/flaky/js-vitest'), work, { recursive: true });
  const framework: Framework = {
    kind: 'vitest',
    runner: [process.execPath, path.join(ROOT, 'node_modules/vitest/vitest.mjs')],
  };
  const test = {
    id: 'checkout.test.mjs::cart > adds up the items',
    name: 'cart > adds up the items',
    file: 'checkout.test.mjs',
    outcome: 'passed' as const,
  };
  const sandbox = await createSandbox({
    workDir: work,
    mode: 'bubblewrap',
    allowedDomains: [],
    denyRead: [],
    envAllow: ['PATH', 'LANG'],
    isSecretEnv: () => false,
    toolchains: [ROOT],
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  try {
    const spec = singleTestCommand(framework, test, { reportFile: '.agentgate-bench/report.xml' });
    const bare: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const r = await execFile('/bin/bash', ['-c', spec.command], {
        cwd: work,
        timeoutMs: 60_000,
        maxOutputBytes: 1 << 20,
      });
      bare.push(performance.now() - t);
      if (r.exitCode !== 0) throw new Error(`bare run failed: ${r.output.slice(-300)}`);
    }
    const c = await confirmTest({ sandbox, workDir: work, framework, test, runs: RUNS });
    const perRerun = c.records.map((r) => r.durationMs);
    const bareMs = median(bare);
    const rerunMs = median(perRerun);
    const ratio = rerunMs / bareMs;
    process.stdout.write(
      `flaky rerun: bare single-test run median ${bareMs.toFixed(0)} ms, confirmation rerun in the sandbox median ${rerunMs.toFixed(0)} ms (x${ratio.toFixed(2)}; goal <= x${GOAL_RATIO}: ${ratio <= GOAL_RATIO ? 'met' : 'NOT met'})\n`,
    );
    if (ratio > GOAL_RATIO) process.exitCode = 1;
    return { bareMs, rerunMs, ratio };
  } finally {
    await sandbox.dispose();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
