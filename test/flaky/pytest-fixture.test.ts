// The hunter end to end on test/fixtures/flaky/py-pytest, inside real bubblewrap: the sweep finds the
// order-dependent test, confirmation measures its exact rate (the fixture fails every third run, by a
// counter file it leaves behind), a stable test is not reproduced and an always-failing one is broken.
import { cpSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmTest } from '../../action/flaky/confirm.js';
import { type Framework, probePytestRandomly } from '../../action/flaky/frameworks.js';
import { type SweepResult, sweep } from '../../action/flaky/sweep.js';
import { createSandbox, type Sandbox } from '../../action/sandbox/index.js';
import { execFile } from '../../lib/exec.js';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const FIXTURE = path.join(PROJECT_ROOT, 'test/fixtures/flaky/py-pytest');
const FLAKY = 'test_checkout.py::test_applies_discount_once';
const STABLE = 'test_checkout.py::test_adds_up_items';
const BROKEN = 'test_checkout.py::test_rounds_tax';

let workDir: string;
let sandbox: Sandbox;
let framework: Framework;
let swept: SweepResult;

beforeAll(async () => {
  // The interpreter itself, not a version manager's shim (pyenv's needs its own tree): its prefixes are
  // the toolchains the sandbox shows.
  const py = await execFile(
    'python3',
    ['-c', 'import sys; print(sys.executable); print(sys.prefix); print(sys.base_prefix)'],
    {
      env: process.env,
    },
  );
  const [executable = 'python3', prefix = '', basePrefix = ''] = py.stdout.trim().split('\n');
  workDir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentgate-flaky-py-')));
  cpSync(FIXTURE, workDir, { recursive: true });
  sandbox = await createSandbox({
    workDir,
    mode: 'bubblewrap',
    allowedDomains: [],
    denyRead: [],
    envAllow: ['PATH', 'LANG'],
    isSecretEnv: () => false,
    toolchains: [...new Set([prefix, basePrefix].filter((p) => p !== ''))],
  });
  framework = {
    kind: 'pytest',
    runner: [executable, '-m', 'pytest'],
    randomly: await probePytestRandomly(sandbox, executable),
  };
  swept = await sweep({ sandbox, workDir, framework, runs: 3, seed: 1 });
}, 20_000);

afterAll(async () => {
  await sandbox?.dispose();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

const testOf = (id: string) => {
  const t = swept.tests.find((s) => s.id === id)?.test;
  if (!t) throw new Error(`the sweep did not report ${id}`);
  return t;
};

describe('pytest fixture in bubblewrap', () => {
  it('the sweep finds the flaky test only; the always-failing one is broken', () => {
    expect(swept.runs.every((r) => r.error === undefined && r.exitCode === 1)).toBe(true);
    expect(swept.candidates.map((c) => [c.id, c.passes, c.failures])).toEqual([[FLAKY, 2, 1]]);
    expect(swept.candidates[0]?.test).toMatchObject({
      classname: 'test_checkout.TestCart',
      file: 'test_checkout.py',
    });
    expect(swept.broken.map((b) => b.id)).toEqual([BROKEN]);
    expect(swept.tests.find((t) => t.id === STABLE)).toMatchObject({ runs: 3, passes: 3, failures: 0 });
  });

  it('confirmation measures a rate strictly between 0 and 1, with one signature', async () => {
    // The counter stands at 3 after the sweep: reruns 4..9 fail at 6 and 9.
    const c = await confirmTest({ sandbox, workDir, framework, test: testOf(FLAKY), runs: 6, seed: 40 });
    expect(c).toMatchObject({ verdict: 'flaky', confirmed: true, runs: 6, failures: 2 });
    expect(c.rate).toBeCloseTo(1 / 3);
    expect(c.command).toContain(
      ' test_checkout.py::TestCart::test_applies_discount_once -p no:cacheprovider',
    );
    expect(c.seeds).toEqual(
      framework.randomly ? ['40', '41', '42', '43', '44', '45'] : Array(6).fill('none'),
    );
    expect(c.signatures).toEqual([
      expect.objectContaining({
        count: 2,
        signature: 'AssertionError: stale cache on run <n> at <n> (<tmp>)\nassert not True',
      }),
    ]);
  }, 15_000);

  it('a stable test is not reproduced; an always-failing one is broken', async () => {
    const stable = await confirmTest({ sandbox, workDir, framework, test: testOf(STABLE), runs: 2 });
    expect(stable).toMatchObject({ verdict: 'not-reproduced', confirmed: false, runs: 2, failures: 0 });
    const broken = await confirmTest({ sandbox, workDir, framework, test: testOf(BROKEN), runs: 2 });
    expect(broken).toMatchObject({ verdict: 'broken', confirmed: false, runs: 2, failures: 2, rate: 1 });
  }, 15_000);
});
