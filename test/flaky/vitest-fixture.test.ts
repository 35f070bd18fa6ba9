// The hunter end to end on test/fixtures/flaky/js-vitest, inside real bubblewrap: a sweep finds the
// order-dependent test (and neither the stable nor the broken one as flaky), confirmation measures its
// rate, and the stable and broken tests get their own verdicts. The fixture fails every third run of its
// flaky test (a counter file it leaves behind), so the rates here are exact.
import { cpSync, existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmTest } from '../../action/flaky/confirm.js';
import type { Framework } from '../../action/flaky/frameworks.js';
import { type SweepResult, sweep } from '../../action/flaky/sweep.js';
import { createSandbox, type Sandbox } from '../../action/sandbox/index.js';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const FIXTURE = path.join(PROJECT_ROOT, 'test/fixtures/flaky/js-vitest');
// The fixture installs nothing: this checkout's vitest runs it, shown to the sandbox as a toolchain.
const FRAMEWORK: Framework = {
  kind: 'vitest',
  runner: [process.execPath, path.join(PROJECT_ROOT, 'node_modules/vitest/vitest.mjs')],
};
const FLAKY = 'checkout.test.mjs::cart > applies the discount once';
const STABLE = 'checkout.test.mjs::cart > adds up the items';
const BROKEN = 'checkout.test.mjs::rounds the tax';

let workDir: string;
let sandbox: Sandbox;
let swept: SweepResult;

beforeAll(async () => {
  workDir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentgate-flaky-js-')));
  cpSync(FIXTURE, workDir, { recursive: true });
  sandbox = await createSandbox({
    workDir,
    mode: 'bubblewrap',
    allowedDomains: [],
    denyRead: [],
    envAllow: ['PATH', 'LANG'],
    isSecretEnv: () => false,
    toolchains: [PROJECT_ROOT],
  });
  swept = await sweep({ sandbox, workDir, framework: FRAMEWORK, runs: 3, seed: 100 });
});

afterAll(async () => {
  await sandbox?.dispose();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

const testOf = (id: string) => {
  const t = swept.tests.find((s) => s.id === id)?.test;
  if (!t) throw new Error(`the sweep did not report ${id}`);
  return t;
};

describe('vitest fixture in bubblewrap', () => {
  it('the sweep finds the flaky test only; the always-failing one is broken', () => {
    expect(swept.runs.map((r) => [r.seed, r.order, r.error])).toEqual([
      ['100', 'declared', undefined],
      ['101', 'declared', undefined],
      ['102', 'declared', undefined],
    ]);
    expect(swept.candidates.map((c) => [c.id, c.passes, c.failures])).toEqual([[FLAKY, 2, 1]]);
    expect(swept.broken.map((b) => b.id)).toEqual([BROKEN]);
    expect(swept.tests.find((t) => t.id === STABLE)).toMatchObject({ runs: 3, passes: 3, failures: 0 });
    // Reports are cleaned up after the sweep.
    expect(existsSync(path.join(workDir, '.agentgate-flaky'))).toBe(false);
  });

  it('confirmation reruns the flaky test alone and measures a rate strictly between 0 and 1', async () => {
    // The counter stands at 3 after the sweep: reruns 4..12 fail at 6, 9 and 12.
    const c = await confirmTest({
      sandbox,
      workDir,
      framework: FRAMEWORK,
      test: testOf(FLAKY),
      runs: 9,
      seed: 7,
    });
    expect(c).toMatchObject({ verdict: 'flaky', confirmed: true, runs: 9, failures: 3 });
    expect(c.rate).toBeCloseTo(1 / 3);
    expect(c.seeds).toEqual(['7', '8', '9', '10', '11', '12', '13', '14', '15']);
    // Run number, timestamp and temp path differ per failure; the signature does not.
    expect(c.signatures).toHaveLength(1);
    expect(c.signatures[0]).toMatchObject({
      count: 3,
      signature: 'stale cache on run <n> at <time> (<tmp>): expected true to be false // Object.is equality',
    });
    expect(c.command).toContain(" run checkout.test.mjs -t '^cart(?: > | )applies the discount once$'");
    // Only the one test ran: its report holds nothing else.
    expect(c.records.every((r) => r.error === undefined)).toBe(true);
  }, 20_000);

  it('a stable test is not reproduced; an always-failing one is broken, not flaky', async () => {
    const stable = await confirmTest({
      sandbox,
      workDir,
      framework: FRAMEWORK,
      test: testOf(STABLE),
      runs: 3,
    });
    expect(stable).toMatchObject({ verdict: 'not-reproduced', confirmed: false, failures: 0, rate: 0 });
    expect(stable.seeds).toEqual(['none', 'none', 'none']);
    const broken = await confirmTest({
      sandbox,
      workDir,
      framework: FRAMEWORK,
      test: testOf(BROKEN),
      runs: 3,
    });
    expect(broken).toMatchObject({ verdict: 'broken', confirmed: false, runs: 3, failures: 3, rate: 1 });
    expect(broken.signatures).toEqual([
      {
        signature: 'expected <n> to be <n> // Object.is equality',
        count: 3,
        example: 'expected 0.3 to be 0.31 // Object.is equality',
      },
    ]);
  }, 20_000);

  it('a rerun that selects no test is an error, not "not reproduced"', async () => {
    const ghost = { ...testOf(STABLE), id: 'checkout.test.mjs::gone', name: 'gone' };
    await expect(
      confirmTest({ sandbox, workDir, framework: FRAMEWORK, test: ghost, runs: 1 }),
    ).rejects.toThrow(
      /^confirm: no report of 1 reruns contains test 'checkout\.test\.mjs::gone'; the command selected no test: /,
    );
  });
});
