// The pure parts of the flaky hunter: framework detection, the commands it builds (and their quoting, run
// through a real bash to see what argv arrives), failure signatures, and the sweep's tally and ranking.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { failureSignature, groupSignatures, verdictOf } from '../../action/flaky/confirm.js';
import {
  detectFramework,
  type Framework,
  pytestNodeId,
  shellQuote,
  singleTestCommand,
  suiteCommand,
} from '../../action/flaky/frameworks.js';
import type { TestCaseResult } from '../../action/flaky/junit.js';
import { rankCandidates, tally } from '../../action/flaky/sweep.js';
import { execFile } from '../../lib/exec.js';

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});
function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentgate-flaky-detect-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** The argv bash hands a program for `command` (the program replaced by printf, one argument a line). */
async function argvOf(command: string): Promise<string[]> {
  const r = await execFile('/bin/bash', [
    '-c',
    `set -- ${command.replace(/^([A-Z_]+=\S+ )+/, '')}; printf '%s\\0' "$@"`,
  ]);
  expect(r.exitCode, r.output).toBe(0);
  return r.stdout.split('\0').slice(0, -1);
}

const fw = (kind: Framework['kind'], extra: Partial<Framework> = {}): Framework => ({
  kind,
  runner: kind === 'pytest' ? ['python3', '-m', 'pytest'] : kind === 'go' ? ['go'] : ['npx', kind],
  ...extra,
});

describe('detectFramework', () => {
  it('takes the test command first, then the repository files', async () => {
    const empty = repo({});
    expect((await detectFramework(empty, 'npx vitest run'))?.kind).toBe('vitest');
    expect((await detectFramework(empty, 'CI=1 npx jest --ci'))?.kind).toBe('jest');
    expect((await detectFramework(empty, 'python -m pytest -x tests'))?.kind).toBe('pytest');
    expect((await detectFramework(empty, 'go test ./...'))?.kind).toBe('go');
    expect(await detectFramework(empty, 'make check')).toBeUndefined();
    expect(
      (await detectFramework(repo({ 'package.json': '{"devDependencies":{"vitest":"^4"}}' })))?.kind,
    ).toBe('vitest');
    expect(
      (await detectFramework(repo({ 'package.json': '{"devDependencies":{"jest":"^29"}}' })))?.kind,
    ).toBe('jest');
    expect((await detectFramework(repo({ 'go.mod': 'module example.com/x\n' })))?.kind).toBe('go');
    expect(await detectFramework(repo({ 'pyproject.toml': '[tool.pytest.ini_options]\n' }))).toEqual({
      kind: 'pytest',
      runner: ['python3', '-m', 'pytest'],
    });
  });

  it('names package.json when it is not JSON', async () => {
    const dir = repo({ 'package.json': '{ nope' });
    await expect(detectFramework(dir)).rejects.toThrow(`${path.join(dir, 'package.json')}: not valid JSON`);
  });
});

const NASTY = `it's "$HOME" \`id\` (a|b) [x] > y`;

describe('commands', () => {
  it('quotes only what needs it', () => {
    expect(shellQuote('--outputFile=r.xml')).toBe('--outputFile=r.xml');
    expect(shellQuote("it's $x")).toBe(`'it'\\''s $x'`);
  });

  it('vitest: the suite with a seed, and one test by file and an anchored, escaped full name', async () => {
    const suite = suiteCommand(fw('vitest'), { reportFile: '.r/s.xml', seed: 7, shuffle: true });
    expect(suite).toEqual({
      command: 'npx vitest run --reporter=junit --outputFile=.r/s.xml --sequence.seed=7 --sequence.shuffle',
      reportFile: '.r/s.xml',
      format: 'junit',
      seed: '7',
      order: 'shuffled',
    });
    const test: TestCaseResult = {
      id: 'x',
      name: `cart > ${NASTY}`,
      classname: 'src/a b.test.ts',
      outcome: 'failed',
    };
    const one = singleTestCommand(fw('vitest'), test, { reportFile: 'o.xml' });
    expect(one.seed).toBe('none');
    const argv = await argvOf(one.command);
    expect(argv.slice(0, 5)).toEqual(['npx', 'vitest', 'run', 'src/a b.test.ts', '-t']);
    const pattern = new RegExp(argv[5] ?? '');
    expect(pattern.test(`cart ${NASTY}`)).toBe(true);
    expect(pattern.test(`cart ${NASTY}!`)).toBe(false);
    expect(argv.slice(6)).toEqual(['--reporter=junit', '--outputFile=o.xml']);
  });

  it('jest: jest-junit with the file attribute, the file as an end-anchored pattern', async () => {
    expect(suiteCommand(fw('jest'), { reportFile: 'j.xml', seed: 3 })).toMatchObject({
      command:
        'JEST_JUNIT_OUTPUT_FILE=j.xml JEST_JUNIT_ADD_FILE_ATTRIBUTE=true npx jest --ci --reporters=default --reporters=jest-junit',
      seed: 'none',
    });
    const one = singleTestCommand(
      fw('jest'),
      { id: 'x', name: 'foo (sub)', file: 'src/foo.test.js', outcome: 'failed' },
      { reportFile: 'j.xml' },
    );
    expect(await argvOf(one.command)).toEqual([
      'npx',
      'jest',
      'src/foo\\.test\\.js$',
      '-t',
      '^foo \\(sub\\)$',
      '--ci',
      '--reporters=default',
      '--reporters=jest-junit',
    ]);
    expect(() =>
      singleTestCommand(fw('jest'), { id: 'x', name: 'n', outcome: 'failed' }, { reportFile: 'j.xml' }),
    ).toThrow(/JEST_JUNIT_ADD_FILE_ATTRIBUTE=true/);
  });

  it('pytest: the node id from file and classname; the seed only with pytest-randomly', async () => {
    const test: TestCaseResult = {
      id: 'x',
      name: `test_p[${NASTY}]`,
      file: 'tests/test_cart.py',
      classname: 'tests.test_cart.TestCart',
      outcome: 'failed',
    };
    expect(pytestNodeId(test)).toBe(`tests/test_cart.py::TestCart::test_p[${NASTY}]`);
    expect(pytestNodeId({ ...test, classname: 'tests.test_cart', name: 'test_f' })).toBe(
      'tests/test_cart.py::test_f',
    );
    const plain = singleTestCommand(fw('pytest'), test, { reportFile: 'p.xml', seed: 5 });
    expect(plain.seed).toBe('none');
    expect(await argvOf(plain.command)).toEqual([
      'python3',
      '-m',
      'pytest',
      `tests/test_cart.py::TestCart::test_p[${NASTY}]`,
      '-p',
      'no:cacheprovider',
      '-o',
      'junit_family=xunit1',
      '--junitxml=p.xml',
      '-q',
    ]);
    const seeded = suiteCommand(fw('pytest', { randomly: true }), { reportFile: 'p.xml', seed: 5 });
    expect(seeded).toMatchObject({ seed: '5', order: 'shuffled' });
    expect(seeded.command).toMatch(/ -p randomly --randomly-seed=5$/);
  });

  it('go: -json to the report file, one test by anchored -run per subtest level', () => {
    expect(suiteCommand(fw('go'), { reportFile: 'g.jsonl', seed: 9, shuffle: true })).toEqual({
      command: 'go test -count=1 -json -shuffle=9 ./... > g.jsonl',
      reportFile: 'g.jsonl',
      format: 'go-json',
      seed: '9',
      order: 'shuffled',
    });
    const one = singleTestCommand(
      fw('go'),
      { id: 'x', name: 'TestSum/empty_cart', classname: 'example.com/shop/cart', outcome: 'failed' },
      { reportFile: 'g.jsonl' },
    );
    expect(one.command).toBe(
      "go test -run '^TestSum$/^empty_cart$' -count=1 -json example.com/shop/cart > g.jsonl",
    );
  });
});

describe('failure signatures', () => {
  it('strip numbers, hex, timestamps, durations, temp paths and addresses; group identical ones', () => {
    const a = 'stale cache on run 3 at 2026-12-05T08:38:20.907Z (/tmp/cart-19): expected true to be false';
    const b = 'stale cache on run 12 at 2026-12-06T01:02:03.004Z (/tmp/cart-7731): expected true to be false';
    expect(failureSignature(a)).toBe('stale cache on run <n> at <time> (<tmp>): expected true to be false');
    expect(failureSignature(b)).toBe(failureSignature(a));
    expect(
      failureSignature('<Obj at 0x7f5e736a2910> took 1.5s, id 3f9a1c7e-5b2d-4086-9c1a-0d2e4f6a8b9c'),
    ).toBe('<Obj at <hex>> took <duration>, id <hex>');
    expect(failureSignature('timeout of 5000ms exceeded\n  at a (/tmp/x/a.js:1:2)\n  at b\n  at c')).toBe(
      'timeout of <duration> exceeded\nat a (<tmp>:<n>:<n>)\nat b',
    );
    const groups = groupSignatures([a, 'expected 0.3 to be 0.31', b]);
    expect(groups).toEqual([
      { signature: failureSignature(a), count: 2, example: a },
      { signature: 'expected <n> to be <n>', count: 1, example: 'expected 0.3 to be 0.31' },
    ]);
  });

  it('verdicts: some failures flaky, all broken, none not reproduced', () => {
    expect(verdictOf(20, 7)).toBe('flaky');
    expect(verdictOf(20, 20)).toBe('broken');
    expect(verdictOf(20, 0)).toBe('not-reproduced');
  });
});

describe('tally and ranking', () => {
  const t = (id: string, outcome: TestCaseResult['outcome'], durationMs: number): TestCaseResult => ({
    id,
    name: id,
    outcome,
    durationMs,
    ...(outcome === 'failed' ? { message: `${id} failed` } : {}),
  });
  it('ranks by rate, then cheaper first; always-failing and skipped tests are no candidates', () => {
    const reports = [
      [
        t('a', 'failed', 100),
        t('b', 'failed', 10),
        t('c', 'failed', 900),
        t('d', 'passed', 1),
        t('e', 'skipped', 0),
      ],
      [
        t('a', 'passed', 100),
        t('b', 'passed', 10),
        t('c', 'passed', 900),
        t('d', 'failed', 1),
        t('e', 'skipped', 0),
      ],
      [
        t('a', 'passed', 100),
        t('b', 'passed', 10),
        t('c', 'failed', 900),
        t('d', 'passed', 1),
        t('e', 'skipped', 0),
      ],
      [t('a', 'passed', 100), t('b', 'passed', 10), t('c', 'passed', 900), t('d', 'passed', 1)],
    ];
    const stats = tally(reports);
    expect(rankCandidates(stats).map((s) => [s.id, s.rate])).toEqual([
      ['c', 0.5],
      ['d', 0.25],
      ['b', 0.25],
      ['a', 0.25],
    ]);
    expect(stats.find((s) => s.id === 'e')).toMatchObject({ runs: 0, skips: 3 });
    expect(stats.find((s) => s.id === 'c')?.messages).toEqual(['c failed', 'c failed']);
  });
});
