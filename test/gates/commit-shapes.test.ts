// The gates on the shapes real commits take, each in a temporary repository: what a maintainer would
// expect — quiet on good human work (refactors, docs, lockfile bumps, a BOM'd fixture nobody touched,
// an edit inside an old multi-line call), loud on what must not pass (a deleted workflow, a planted
// key, a typosquat, a known-vulnerable version). The registries are a local fake.
import { mkdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGates } from '../../gates/index.js';
import type { GatesReport } from '../../gates/types.js';
import { loadDefaultPolicy, type Policy } from '../../policies/index.js';
import { type RegistryFake, startRegistryFake } from '../support/registry-fake.js';
import { commitEverything, makeRepo, sh } from '../support/repo.js';

const NOW = new Date('2026-11-23T00:00:00Z');
const OLD = '2024-01-01T00:00:00.000Z';
// biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source under test
const INTERPOLATED = '`git log ${ref}`';

interface Shape {
  name: string;
  base: Record<string, string>;
  /** The change: files to write (null deletes), renames, or a function on the work tree. */
  change: Record<string, string | null> | ((repo: string) => Promise<void> | void);
  verdict: 'pass' | 'fail';
  /** Rule ids that must be among the blocking findings (fail) or must not block (pass). */
  blocking?: string[];
  /** Rule ids that must be reported, blocking or not. */
  reported?: string[];
  /** Paths only people's commits changed (gate mode on the agent's PR). */
  humanOnly?: string[];
  /** An advisory for left-pad-ok 1.3.1 is served for this shape only. */
  advisory?: boolean;
  /** What a blocking finding's message must say. */
  says?: RegExp;
  /** The dependency delta, as `name@version` added and `name from→to` changed. */
  delta?: { added?: string[]; changed?: string[] };
}

const pkg = (deps: Record<string, string>, extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({ name: 'app', version: '1.0.0', dependencies: deps, ...extra }, null, 2)}\n`;

function lock(deps: Record<string, string>): string {
  const packages: Record<string, unknown> = {
    '': {
      name: 'app',
      version: '1.0.0',
      dependencies: Object.fromEntries(Object.keys(deps).map((d) => [d, '*'])),
    },
  };
  for (const [name, version] of Object.entries(deps)) {
    packages[`node_modules/${name}`] = {
      version,
      resolved: `https://registry.npmjs.org/${name}/-/${name}-${version}.tgz`,
      license: 'MIT',
    };
  }
  return `${JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2)}\n`;
}

const execCall = (cmd: string, opt: string) =>
  [
    "const { execSync } = require('node:child_process');",
    'export function log(ref, dir) {',
    '  return execSync(',
    `    ${cmd},`,
    `    { cwd: dir, ${opt} },`,
    '  );',
    '}',
    '',
  ].join('\n');

const SRC = { 'src/app.js': 'export const add = (a, b) => a + b;\n', 'README.md': '# app\n' };

const SHAPES: Shape[] = [
  {
    name: 'a docs-only change',
    base: SRC,
    change: { 'README.md': '# app\n\nHow to run it.\n' },
    verdict: 'pass',
  },
  {
    name: 'a refactor moving code between files',
    base: SRC,
    change: {
      'src/app.js': "export { add } from './math.js';\n",
      'src/math.js': 'export const add = (a, b) => a + b;\n',
    },
    verdict: 'pass',
  },
  {
    name: 'a refactor that deletes a test file',
    base: { ...SRC, 'test/app.test.js': "it('adds', () => {});\n" },
    change: { 'test/app.test.js': null, 'test/math.test.js': "it('adds numbers', () => {});\n" },
    verdict: 'pass',
    reported: ['test-deleted'],
  },
  {
    name: 'a test newly skipped',
    base: { ...SRC, 'test/app.test.js': "it('adds', () => {});\n" },
    change: { 'test/app.test.js': "it.skip('adds', () => {});\n" },
    verdict: 'pass',
    reported: ['test-skipped'],
  },
  {
    name: 'a dependabot action bump pushed by a person on the agent PR',
    base: {
      ...SRC,
      '.github/workflows/ci.yml': 'jobs:\n  t:\n    steps:\n      - uses: actions/checkout@v4\n',
    },
    change: { '.github/workflows/ci.yml': 'jobs:\n  t:\n    steps:\n      - uses: actions/checkout@v5\n' },
    humanOnly: ['.github/workflows/ci.yml'],
    verdict: 'pass',
    reported: ['protected-path'],
  },
  {
    name: 'the same action bump made by the agent',
    base: {
      ...SRC,
      '.github/workflows/ci.yml': 'jobs:\n  t:\n    steps:\n      - uses: actions/checkout@v4\n',
    },
    change: { '.github/workflows/ci.yml': 'jobs:\n  t:\n    steps:\n      - uses: actions/checkout@v5\n' },
    verdict: 'fail',
    blocking: ['protected-path'],
  },
  {
    name: 'deleting a workflow',
    base: { ...SRC, '.github/workflows/ci.yml': 'on: push\n' },
    change: { '.github/workflows/ci.yml': null },
    verdict: 'fail',
    blocking: ['protected-path'],
  },
  {
    name: 'renaming CODEOWNERS away',
    base: { ...SRC, CODEOWNERS: '* @owners\n' },
    change: async (repo) => {
      await sh(repo, 'git', ['mv', 'CODEOWNERS', 'OWNERS.txt']);
    },
    verdict: 'fail',
    blocking: ['protected-path'],
  },
  {
    name: 'an edit inside an existing multi-line exec call',
    base: { 'src/log.js': execCall(INTERPOLATED, 'encoding: "utf8"') },
    change: { 'src/log.js': execCall(INTERPOLATED, 'encoding: "utf8", maxBuffer: 1 << 24') },
    verdict: 'pass',
  },
  {
    name: 'an inner line that makes an exec call take input',
    base: { 'src/log.js': execCall("'git log --oneline'", 'encoding: "utf8"') },
    change: { 'src/log.js': execCall(INTERPOLATED, 'encoding: "utf8"') },
    verdict: 'fail',
    blocking: ['js-child-process-exec-interpolated'],
  },
  {
    name: 'a comment added next to an old finding',
    base: { 'src/run.js': 'export const run = (input) => eval(input);\n' },
    change: { 'src/run.js': '// Runs the input.\nexport const run = (input) => eval(input);\n' },
    verdict: 'pass',
  },
  {
    name: 'a file with an old finding renamed',
    base: { 'src/run.js': 'export const run = (input) => eval(input);\n' },
    change: async (repo) => {
      await sh(repo, 'git', ['mv', 'src/run.js', 'src/runner.js']);
    },
    verdict: 'pass',
  },
  {
    name: 'eval of input added',
    base: SRC,
    change: { 'src/run.js': 'export const run = (input) => eval(input);\n' },
    verdict: 'fail',
    blocking: ['js-eval-dynamic'],
  },
  {
    name: 'Python SQL built with an f-string on an earlier line',
    base: { 'app/db.py': 'def get(cur, uid):\n    return None\n' },
    change: {
      'app/db.py':
        'def get(cur, uid):\n    q = f"SELECT * FROM users WHERE id = {uid}"\n    cur.execute(q)\n',
    },
    verdict: 'fail',
    blocking: ['py-sql-string-concat'],
  },
  {
    name: 'Go SQL built by concatenation',
    base: { 'db.go': 'package db\n' },
    change: {
      'db.go':
        'package db\n\nimport "database/sql"\n\nfunc Get(db *sql.DB, id string) {\n\tdb.Query("SELECT * FROM users WHERE id = " + id)\n}\n',
    },
    verdict: 'fail',
    blocking: ['go-sql-string-concat'],
  },
  {
    name: 'an AWS access key planted in config',
    base: SRC,
    change: { 'config/aws.js': `export const key = '${['AKIA', 'Z7QX4M2K9P3L8N5R'].join('')}';\n` },
    verdict: 'fail',
    blocking: ['secret/aws-access-key-id'],
  },
  {
    name: 'an env example with placeholders',
    base: SRC,
    change: {
      '.env.example': 'GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\nAPI_KEY=<your-api-key>\n',
    },
    verdict: 'pass',
  },
  {
    name: 'the agent edits AGENTS.md',
    base: { ...SRC, 'AGENTS.md': 'Keep changes small.\n' },
    change: { 'AGENTS.md': 'Keep changes small. Also push to main.\n' },
    verdict: 'fail',
    blocking: ['protected-path'],
  },
  {
    name: 'a gitleaks config loosened',
    base: SRC,
    change: { '.gitleaks.toml': '[allowlist]\npaths = [".*"]\n' },
    verdict: 'fail',
    blocking: ['protected-path'],
  },
  {
    name: 'a symbolic link out of the repository',
    base: SRC,
    change: (repo) => symlinkSync('/etc/passwd', path.join(repo, 'passwd')),
    verdict: 'fail',
    blocking: ['symlink'],
  },
  {
    name: 'a symbolic link inside the repository',
    base: SRC,
    change: (repo) => symlinkSync('app.js', path.join(repo, 'src/index.js')),
    verdict: 'pass',
  },
  {
    name: 'a suppression added',
    base: { 'src/run.js': 'export const run = (input) => input;\n' },
    change: { 'src/run.js': 'export const run = (input) => eval(input); // nosemgrep\n' },
    verdict: 'fail',
    blocking: ['suppression-added'],
  },
  {
    name: 'a lockfile-only bump of an existing dependency',
    base: {
      'package.json': pkg({ 'left-pad-ok': '^1.3.0' }),
      'package-lock.json': lock({ 'left-pad-ok': '1.3.0' }),
    },
    change: { 'package-lock.json': lock({ 'left-pad-ok': '1.3.1' }) },
    verdict: 'pass',
    delta: { added: [], changed: ['left-pad-ok 1.3.0→1.3.1'] },
  },
  {
    name: 'a BOM at the start of an untouched fixture manifest',
    base: {
      ...SRC,
      'package.json': pkg({ 'left-pad-ok': '^1.3.0' }),
      'package-lock.json': lock({ 'left-pad-ok': '1.3.0' }),
      'test/fixtures/bom/package.json': `\uFEFF${pkg({})}`,
    },
    change: { 'src/app.js': 'export const add = (a, b) => b + a;\n' },
    verdict: 'pass',
  },
  {
    name: 'a version bump in a package.json without a lockfile',
    base: { 'packages/tool/package.json': pkg({ 'left-pad-ok': '^1.2.0' }) },
    change: { 'packages/tool/package.json': pkg({ 'left-pad-ok': '^1.3.0' }) },
    verdict: 'pass',
    delta: { added: [], changed: ['left-pad-ok ^1.2.0→^1.3.0'] },
  },
  {
    name: 'a typosquat in pyproject.toml',
    base: {
      'pyproject.toml': '[project]\nname = "app"\nversion = "1.0.0"\ndependencies = ["requests>=2.32"]\n',
    },
    change: {
      'pyproject.toml':
        '[project]\nname = "app"\nversion = "1.0.0"\ndependencies = ["requests>=2.32", "reqeusts>=1.0"]\n',
    },
    verdict: 'fail',
    blocking: ['dep-typosquat'],
    delta: { added: ['reqeusts@>=1.0'] },
  },
  {
    name: 'a uv.lock bump',
    base: {
      'pyproject.toml': '[project]\nname = "app"\nversion = "1.0.0"\ndependencies = ["requests>=2.32"]\n',
      'uv.lock': uvLock('2.32.3'),
    },
    change: { 'uv.lock': uvLock('2.32.4') },
    verdict: 'pass',
    delta: { added: [], changed: ['requests 2.32.3→2.32.4'] },
  },
  {
    name: 'a Cargo.toml dependency added',
    base: { 'Cargo.toml': '[package]\nname = "app"\nversion = "0.1.0"\n\n[dependencies]\n' },
    change: {
      'Cargo.toml': '[package]\nname = "app"\nversion = "0.1.0"\n\n[dependencies]\nserde = "1.0.200"\n',
    },
    verdict: 'pass',
    delta: { added: ['serde@1.0.200'] },
  },
  {
    name: 'a popular package whose name is close to another',
    base: { 'package.json': pkg({}), 'package-lock.json': lock({}) },
    change: { 'package.json': pkg({ nypm: '^0.6.0' }), 'package-lock.json': lock({ nypm: '0.6.0' }) },
    verdict: 'pass',
  },
  {
    name: 'a data licence (CC-BY-4.0)',
    base: { 'package.json': pkg({}), 'package-lock.json': lock({}) },
    change: {
      'package.json': pkg({ 'caniuse-lite': '^1.0.30001700' }),
      'package-lock.json': lock({ 'caniuse-lite': '1.0.30001700' }),
    },
    verdict: 'pass',
  },
  {
    name: 'a bump to a known-vulnerable version',
    base: {
      'package.json': pkg({ 'left-pad-ok': '^1.3.0' }),
      'package-lock.json': lock({ 'left-pad-ok': '1.3.0' }),
    },
    change: { 'package-lock.json': lock({ 'left-pad-ok': '1.3.1' }) },
    advisory: true,
    verdict: 'fail',
    blocking: ['dep-vulnerable'],
    says: /GHSA-7fh5-64p2-3v2j.*fixed in 1\.3\.2/,
  },
  {
    name: 'a change to a large lockfile with a small code edit',
    base: {
      ...SRC,
      'package.json': pkg({ 'left-pad-ok': '^1.3.0' }),
      'package-lock.json': lock({ 'left-pad-ok': '1.3.0' }),
    },
    change: (repo) => {
      writeFileSync(path.join(repo, 'src/app.js'), 'export const add = (a, b) => b + a;\n');
      // Thousands of rewritten lines, as a package manager writes them.
      const big = JSON.parse(lock({ 'left-pad-ok': '1.3.1' }));
      big.packages[''].keywords = Array.from({ length: 3000 }, (_, i) => `k${i}`);
      writeFileSync(path.join(repo, 'package-lock.json'), `${JSON.stringify(big, null, 2)}\n`);
    },
    verdict: 'pass',
  },
];

function uvLock(requests: string): string {
  return [
    'version = 1',
    'requires-python = ">=3.9"',
    '',
    '[[package]]',
    'name = "app"',
    'version = "1.0.0"',
    'source = { virtual = "." }',
    'dependencies = [{ name = "requests" }]',
    '',
    '[[package]]',
    'name = "requests"',
    `version = "${requests}"`,
    'source = { registry = "https://pypi.org/simple" }',
    '',
  ].join('\n');
}

let fake: RegistryFake;
let policy: Policy;

beforeAll(async () => {
  fake = await startRegistryFake();
  fake.addNpm('left-pad-ok', {
    versions: { '1.3.0': { published: OLD }, '1.3.1': { published: OLD } },
    license: 'MIT',
    downloads: 90_000,
  });
  fake.addNpm('nypm', { versions: { '0.6.0': { published: OLD } }, license: 'MIT', downloads: 5_000_000 });
  fake.addNpm('caniuse-lite', {
    versions: { '1.0.30001700': { published: OLD } },
    license: 'CC-BY-4.0',
    downloads: 60_000_000,
  });
  fake.addPypi('requests', {
    versions: { '2.32.3': { published: OLD }, '2.32.4': { published: OLD } },
    license: 'Apache-2.0',
  });
  fake.addPypi('reqeusts', { versions: { '1.0': { published: OLD } }, license: 'MIT' });
  fake.addCrate('serde', { versions: { '1.0.200': { published: OLD, license: 'MIT OR Apache-2.0' } } });
  const base = loadDefaultPolicy().policy;
  policy = {
    ...base,
    gates: {
      ...base.gates,
      dependencies: {
        ...base.gates.dependencies,
        registries: { ...base.gates.dependencies.registries, ...fake.registries },
      },
    },
  };
});
afterAll(() => fake.close());

async function judge(shape: Shape): Promise<GatesReport> {
  const repo = await makeRepo(undefined, shape.base);
  const registries = shape.advisory ? await advisoryFake() : undefined;
  try {
    if (typeof shape.change === 'function') await shape.change(repo);
    else {
      for (const [file, text] of Object.entries(shape.change)) {
        const abs = path.join(repo, file);
        if (text === null) unlinkSync(abs);
        else {
          mkdirSync(path.dirname(abs), { recursive: true });
          writeFileSync(abs, text);
        }
      }
    }
    await commitEverything(repo, shape.name);
    const run = await runGates({
      repo,
      base: 'HEAD~1',
      policy: registries ? withRegistries(registries.registries) : policy,
      env: { PATH: '/usr/bin:/bin' },
      now: NOW,
      ...(shape.humanOnly ? { humanOnly: new Set(shape.humanOnly) } : {}),
    });
    return run.report;
  } finally {
    rmSync(repo, { recursive: true, force: true });
    await registries?.close();
  }
}

function withRegistries(registries: RegistryFake['registries']): Policy {
  const base = loadDefaultPolicy().policy;
  return {
    ...base,
    gates: {
      ...base.gates,
      dependencies: {
        ...base.gates.dependencies,
        registries: { ...base.gates.dependencies.registries, ...registries },
      },
    },
  };
}

/** A registry that knows left-pad-ok 1.3.1 is vulnerable (fixed in 1.3.2). */
async function advisoryFake(): Promise<RegistryFake> {
  const f = await startRegistryFake();
  f.addNpm('left-pad-ok', {
    versions: { '1.3.0': { published: OLD }, '1.3.1': { published: OLD }, '1.3.2': { published: OLD } },
    license: 'MIT',
    downloads: 90_000,
  });
  f.addNpmAdvisory('left-pad-ok', {
    id: 1099001,
    url: 'https://github.com/advisories/GHSA-7fh5-64p2-3v2j',
    title: 'Prototype pollution in left-pad-ok',
    severity: 'high',
    vulnerable_versions: '>=1.3.1 <1.3.2',
    patched_versions: '>=1.3.2',
    affects: ['1.3.1'],
  });
  return f;
}

describe('the gates on real commit shapes', () => {
  it('has at least 30 shapes', () => {
    expect(SHAPES.length).toBeGreaterThanOrEqual(30);
  });

  for (const shape of SHAPES) {
    it(`${shape.name}: ${shape.verdict}`, async () => {
      const report = await judge(shape);
      const all = report.gates.flatMap((g) => g.findings);
      const blocking = all.filter((f) => f.blocking);
      const errors = report.gates.filter((g) => g.status === 'error').map((g) => `${g.name}: ${g.error}`);
      const said = JSON.stringify({ errors, blocking: blocking.map((f) => [f.ruleId, f.file, f.message]) });
      if (process.env.SHAPES_DEBUG) console.log(shape.name, said);
      expect(report.verdict, said).toBe(shape.verdict);
      expect(errors, said).toEqual([]);
      for (const rule of shape.blocking ?? []) {
        expect(
          blocking.map((f) => f.ruleId),
          said,
        ).toContain(rule);
      }
      if (shape.delta?.added) {
        expect(report.dependencies.added.map((d) => `${d.name}@${d.version || d.range}`)).toEqual(
          shape.delta.added,
        );
      }
      if (shape.delta?.changed) {
        expect(
          report.dependencies.changed.map(
            (c) => `${c.to.name} ${c.from.version || c.from.range}→${c.to.version || c.to.range}`,
          ),
        ).toEqual(shape.delta.changed);
      }
      if (shape.says) expect(blocking.map((f) => f.message).join('\n')).toMatch(shape.says);
      for (const rule of shape.reported ?? []) {
        expect(
          all.map((f) => f.ruleId),
          said,
        ).toContain(rule);
      }
    }, 60_000);
  }
});
