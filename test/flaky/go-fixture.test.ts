// The hunter end to end on test/fixtures/flaky/go-test, inside real bubblewrap: the sweep finds the
// order-dependent test, confirmation measures its exact rate (the fixture fails every third run, by a
// counter file it leaves behind), a stable test is not reproduced and an always-failing one is broken.
// go needs nothing set: its build cache and GOPATH default to the sandbox's private HOME, which is
// writable and lasts as long as the sandbox, so only the first build is cold; the fixture has no
// dependencies, so nothing is downloaded (the sandbox has no network).
import { cpSync, existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmTest } from '../../action/flaky/confirm.js';
import type { Framework } from '../../action/flaky/frameworks.js';
import { type SweepResult, sweep } from '../../action/flaky/sweep.js';
import { createSandbox, type Sandbox } from '../../action/sandbox/index.js';
import { execFile } from '../../lib/exec.js';
import { findCommand } from '../../scripts/system-deps.mjs';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const FIXTURE = path.join(PROJECT_ROOT, 'test/fixtures/flaky/go-test');
const PKG = 'example.com/checkout';
const FLAKY = `${PKG}::TestAppliesDiscountOnce`;
const STABLE = `${PKG}::TestAddsUpItems`;
const BROKEN = `${PKG}::TestRoundsTax`;
const FRAMEWORK: Framework = { kind: 'go', runner: ['go'] };

const GO = findCommand('go', process.env.PATH);

let workDir: string;
let sandbox: Sandbox;
let swept: SweepResult;

const testOf = (id: string) => {
  const t = swept.tests.find((s) => s.id === id)?.test;
  if (!t) throw new Error(`the sweep did not report ${id}`);
  return t;
};

const TITLE = `go fixture in bubblewrap${GO ? '' : ' (skipped: go is not on PATH; install golang-go)'}`;

describe.skipIf(!GO)(TITLE, () => {
  beforeAll(async () => {
    // GOROOT is the toolchain the sandbox shows (under /usr for Debian's golang-go, so already shown;
    // elsewhere for setup-go's or an official tarball's, whose bin/ alone is on PATH).
    const goroot = (await execFile('go', ['env', 'GOROOT'], { env: process.env })).stdout.trim();
    workDir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentgate-flaky-go-')));
    // Not a counter a local `go test` in the fixture left behind: the rates below count from zero.
    cpSync(FIXTURE, workDir, { recursive: true, filter: (src) => path.basename(src) !== '.run-counter' });
    sandbox = await createSandbox({
      workDir,
      mode: 'bubblewrap',
      allowedDomains: [],
      denyRead: [],
      envAllow: ['PATH', 'LANG'],
      isSecretEnv: () => false,
      toolchains: goroot === '' ? [] : [realpathSync(goroot)],
    });
    swept = await sweep({ sandbox, workDir, framework: FRAMEWORK, runs: 3, seed: 1, shuffle: true });
  }, 20_000);

  afterAll(async () => {
    await sandbox?.dispose();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('the sweep finds the flaky test only; the always-failing one is broken', () => {
    expect(swept.runs.map((r) => [r.seed, r.order, r.exitCode, r.error])).toEqual([
      ['1', 'shuffled', 1, undefined],
      ['2', 'shuffled', 1, undefined],
      ['3', 'shuffled', 1, undefined],
    ]);
    expect(swept.runs[0]?.command).toBe(
      'go test -count=1 -json -shuffle=1 ./... > .agentgate-flaky/suite-0.jsonl',
    );
    expect(swept.candidates.map((c) => [c.id, c.passes, c.failures])).toEqual([[FLAKY, 2, 1]]);
    expect(swept.candidates[0]?.test).toMatchObject({ name: 'TestAppliesDiscountOnce', classname: PKG });
    expect(swept.broken.map((b) => b.id)).toEqual([BROKEN]);
    expect(swept.tests.find((t) => t.id === STABLE)).toMatchObject({ runs: 3, passes: 3, failures: 0 });
    // Reports are cleaned up after the sweep.
    expect(existsSync(path.join(workDir, '.agentgate-flaky'))).toBe(false);
  });

  it('confirmation reruns the flaky test alone and measures a rate strictly between 0 and 1', async () => {
    // The counter stands at 3 after the sweep: reruns 4..9 fail at 6 and 9.
    const c = await confirmTest({
      sandbox,
      workDir,
      framework: FRAMEWORK,
      test: testOf(FLAKY),
      runs: 6,
      seed: 40,
      shuffle: true,
    });
    expect(c).toMatchObject({ verdict: 'flaky', confirmed: true, runs: 6, failures: 2, order: 'shuffled' });
    expect(c.rate).toBeCloseTo(1 / 3);
    expect(c.seeds).toEqual(['40', '41', '42', '43', '44', '45']);
    expect(c.command).toBe(
      `go test -run '^TestAppliesDiscountOnce$' -count=1 -json -shuffle=40 ${PKG} > .agentgate-flaky/confirm-0.jsonl`,
    );
    // Run number, timestamp and temp path differ per failure; the signature does not.
    expect(c.signatures).toEqual([
      expect.objectContaining({
        count: 2,
        signature: 'checkout_test.go:<n>: stale cache on run <n> at <time> (<tmp>)',
      }),
    ]);
    expect(c.records.every((r) => r.error === undefined)).toBe(true);
  }, 15_000);

  it('a stable test is not reproduced; an always-failing one is broken', async () => {
    const stable = await confirmTest({
      sandbox,
      workDir,
      framework: FRAMEWORK,
      test: testOf(STABLE),
      runs: 2,
    });
    expect(stable).toMatchObject({ verdict: 'not-reproduced', confirmed: false, runs: 2, failures: 0 });
    expect(stable.seeds).toEqual(['none', 'none']);
    const broken = await confirmTest({
      sandbox,
      workDir,
      framework: FRAMEWORK,
      test: testOf(BROKEN),
      runs: 2,
    });
    expect(broken).toMatchObject({ verdict: 'broken', confirmed: false, runs: 2, failures: 2, rate: 1 });
    expect(broken.signatures).toEqual([
      {
        signature: 'checkout_test.go:<n>: RoundCents(<n> * <n>) = <n>, want <n>',
        count: 2,
        example: 'checkout_test.go:52: RoundCents(0.1 * 3) = 0.3, want 0.31',
      },
    ]);
  }, 15_000);

  it('go keeps its build cache in the private HOME, with nothing set by the caller', async () => {
    const r = await sandbox.run('go env -json GOCACHE GOMODCACHE GOFLAGS', {
      timeoutMs: 10_000,
      maxOutputBytes: 4096,
    });
    expect(r.exitCode).toBe(0);
    const env = JSON.parse(r.output) as Record<string, string>;
    expect(env.GOCACHE).toMatch(/\/home\/\.cache\/go-build$/);
    expect(env.GOMODCACHE).toMatch(/\/home\/go\/pkg\/mod$/);
    expect(env.GOCACHE?.startsWith(workDir)).toBe(false);
    expect(env.GOFLAGS).toBe('');
    // The cold first build is the sweep's only slow run: the others reuse the cache.
    const [first, ...rest] = swept.runs.map((run) => run.durationMs);
    expect(Math.max(...rest)).toBeLessThan(first ?? 0);
  });
});
