// `agentgate flaky` on a fixture repository, inside the default policy's bubblewrap sandbox: the sweep
// finds the order-dependent test, confirmation measures its rate alone, the broken test is named, and
// flaky.json holds what the table says. Bad input is a usage error naming the flag.
import { cpSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { FlakyReport } from '../../action/cli/flaky.js';
import { main } from '../../action/cli/main.js';
import { DEFAULT_POLICY_TEXT } from '../../policies/index.js';
import { commitEverything, sh } from '../support/repo.js';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

function temp(label: string): string {
  const d = realpathSync(mkdtempSync(path.join(os.tmpdir(), `agentgate-flaky-cli-${label}-`)));
  made.push(d);
  return d;
}

async function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    out: (s: string) => out.push(s),
    err: (s: string) => err.push(s),
  } as never);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('agentgate flaky', () => {
  it('finds, confirms and reports the flaky test of a vitest repository', async () => {
    const repo = temp('repo');
    cpSync(path.join(PROJECT_ROOT, 'test/fixtures/flaky/js-vitest'), repo, { recursive: true });
    await sh(repo, 'git', ['init', '-q', '-b', 'main']);
    await commitEverything(repo, 'initial');
    // The default pack, and this checkout (its vitest runs the fixture) shown read-only.
    const policy = path.join(temp('policy'), 'policy.yml');
    const text = DEFAULT_POLICY_TEXT.replace(/^toolchains:\n/m, `toolchains:\n  - ${PROJECT_ROOT}\n`);
    (await import('node:fs')).writeFileSync(policy, text);
    const out = temp('out');
    const r = await cli([
      'flaky',
      '--repo',
      repo,
      '--framework',
      'vitest',
      '--runner',
      `${process.execPath} ${path.join(PROJECT_ROOT, 'node_modules/vitest/vitest.mjs')}`,
      '--runs',
      '3',
      '--confirm',
      '6',
      '--policy',
      policy,
      '--out',
      out,
    ]);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(readFileSync(path.join(out, 'flaky.json'), 'utf8')) as FlakyReport;
    expect(report.framework).toBe('vitest');
    expect(report.candidates).toHaveLength(1);
    const [c] = report.candidates;
    expect(c?.id).toBe('checkout.test.mjs::cart > applies the discount once');
    expect(c?.sweep).toMatchObject({ runs: 3, failures: 1 });
    expect(c?.confirmation).toMatchObject({ verdict: 'flaky', runs: 6, failures: 2 });
    expect(c?.confirmation.signatures).toHaveLength(1);
    expect(report.broken).toEqual(['checkout.test.mjs::rounds the tax']);
    expect(r.out).toMatch(/alone 2\/6 failed \(33%\) — confirmed flaky/);
  }, 90_000);

  it('names the flag at fault', async () => {
    expect(await cli(['flaky', '--runs', '0'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--runs: expected a whole number >= 1/),
    });
    expect(await cli(['flaky', '--framework', 'mocha'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--framework: expected one of vitest, jest, pytest, go/),
    });
    const notRepo = temp('plain');
    expect(await cli(['flaky', '--repo', notRepo])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--repo: .* is not a git repository/),
    });
  });
});
