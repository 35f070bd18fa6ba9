// The gates end to end on real git repositories, through the CLI entry (`agentgate gates`).
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../action/cli/main.js';
import type { GatesReport } from '../../gates/index.js';
import { validateBom } from '../../gates/sbom/index.js';
import { startRegistryFake } from '../support/registry-fake.js';
import { commitEverything, makeRepo, sh } from '../support/repo.js';
import { validateSarif } from '../support/sarif-schema.js';
import { fakeSecrets } from './secrets-fixtures.js';

const FAKE_BIN = fileURLToPath(new URL('../fixtures/bin', import.meta.url));
const S = fakeSecrets();
/** No gitleaks or semgrep: the embedded engines run. */
const ENV = { ...process.env, PATH: '/usr/local/bin:/usr/bin:/bin' };

function write(dir: string, file: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
}

async function gates(args: string[], env: NodeJS.ProcessEnv = ENV) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['gates', ...args], { env, out: (s) => out.push(s), err: (s) => err.push(s) });
  const stdout = out.join('\n');
  let report: GatesReport | undefined;
  try {
    report = JSON.parse(stdout) as GatesReport;
  } catch {
    report = undefined;
  }
  return { code, stdout, stderr: err.join('\n'), report };
}

function gate(report: GatesReport | undefined, name: string) {
  const g = report?.gates.find((x) => x.name === name);
  if (!g) throw new Error(`no ${name} gate in ${JSON.stringify(report)}`);
  return g;
}

const APP = 'export function add(a: number, b: number): number {\n  return a + b;\n}\n';

describe('agentgate gates', () => {
  it('passes a clean change, names every engine, and keeps to the JSON contract', async () => {
    const repo = await makeRepo(undefined, { 'src/app.ts': APP });
    await sh(repo, 'git', ['checkout', '-qb', 'feature']);
    write(repo, 'src/app.ts', `${APP}export const twice = (n: number) => add(n, n);\n`);
    await commitEverything(repo, 'feature');

    const { code, report } = await gates(['--repo', repo, '--base', 'main']);
    expect(code).toBe(0);
    expect(report?.verdict).toBe('pass');
    expect(report?.gates.map((g) => g.name)).toEqual(['secrets', 'sast', 'sbom', 'dependencies', 'policy']);
    for (const g of report?.gates ?? []) {
      expect(g).toEqual({
        name: expect.any(String),
        status: 'pass',
        engine: expect.stringMatching(/^\S+ \d+\.\d+\.\d+/),
        durationMs: expect.any(Number),
        findings: [],
      });
    }
    expect(gate(report, 'secrets').engine).toMatch(/^agentgate-secrets /);
    expect(gate(report, 'sast').engine).toMatch(/^ast-grep /);
    expect(report?.diff).toEqual({ files: 1, addedLines: 1, deletedLines: 0 });
  });

  it('fails a change with a planted secret, a vulnerability and a protected path, and says where', async () => {
    const repo = await makeRepo(undefined, { 'src/app.ts': APP });
    const base = (await sh(repo, 'git', ['rev-parse', 'HEAD'])).trim();
    write(repo, 'src/token.ts', `export const token = "${S.github}";\n`);
    write(repo, 'src/run.js', 'export function run(input) {\n  return eval(input);\n}\n');
    write(repo, '.github/workflows/ci.yml', 'on: push\n');
    await commitEverything(repo, 'bad');

    const { code, report, stdout } = await gates(['--repo', repo, '--base', base, '--head', 'HEAD']);
    expect(code).toBe(1);
    expect(report?.verdict).toBe('fail');
    const secrets = gate(report, 'secrets');
    expect(secrets.status).toBe('fail');
    expect(secrets.findings[0]).toMatchObject({
      file: 'src/token.ts',
      line: 1,
      severity: 'critical',
      blocking: true,
      preExisting: false,
    });
    const sast = gate(report, 'sast');
    expect(sast.status).toBe('fail');
    expect(sast.findings.some((f) => f.file === 'src/run.js' && f.line === 2 && f.blocking)).toBe(true);
    expect(gate(report, 'policy').findings).toContainEqual(
      expect.objectContaining({ ruleId: 'protected-path', file: '.github/workflows/ci.yml', blocking: true }),
    );
    expect(stdout).not.toContain(S.github);
  });

  it('reports findings on untouched lines of touched files as pre-existing, and they do not block', async () => {
    const repo = await makeRepo(undefined, {
      'src/legacy.ts': `export const old = "${S.github}";\nexport const a = 1;\n`,
      'src/other.js': 'export const f = (x) => eval(x);\n',
    });
    await sh(repo, 'git', ['checkout', '-qb', 'feature']);
    write(
      repo,
      'src/legacy.ts',
      `export const old = "${S.github}";\nexport const a = 1;\nexport const b = 2;\n`,
    );
    await commitEverything(repo, 'add b');

    const { code, report } = await gates(['--repo', repo, '--base', 'main']);
    expect(code).toBe(0);
    const secret = gate(report, 'secrets').findings[0];
    expect(secret).toMatchObject({ file: 'src/legacy.ts', line: 1, preExisting: true, blocking: false });
    // other.js was not touched, so it was not scanned at all in diff mode.
    expect(gate(report, 'sast').findings).toEqual([]);

    const full = await gates(['--repo', repo, '--base', 'main', '--full']);
    expect(full.code).toBe(0);
    expect(full.report?.mode).toBe('full');
    expect(gate(full.report, 'sast').findings).toContainEqual(
      expect.objectContaining({ file: 'src/other.js', preExisting: true, blocking: false }),
    );
  });

  it('does not count a renamed file’s pre-existing secret as new', async () => {
    const body = Array.from({ length: 12 }, (_, i) => `export const v${i} = ${i};`).join('\n');
    const repo = await makeRepo(undefined, { 'src/old.ts': `export const k = "${S.github}";\n${body}\n` });
    await sh(repo, 'git', ['checkout', '-qb', 'feature']);
    mkdirSync(path.join(repo, 'lib'));
    renameSync(path.join(repo, 'src/old.ts'), path.join(repo, 'lib/new.ts'));
    await commitEverything(repo, 'move');

    const { code, report } = await gates(['--repo', repo, '--base', 'main']);
    expect(code).toBe(0);
    expect(gate(report, 'secrets').findings).toEqual([
      expect.objectContaining({ file: 'lib/new.ts', line: 1, preExisting: true, blocking: false }),
    ]);
  });

  it('counts uncommitted and untracked files with --worktree', async () => {
    const repo = await makeRepo(undefined, { 'src/app.ts': APP });
    write(repo, 'notes/untracked.txt', `token ${S.github}\n`);
    const committed = await gates(['--repo', repo, '--base', 'main']);
    expect(committed.report?.verdict).toBe('pass');
    const worktree = await gates(['--repo', repo, '--base', 'main', '--worktree']);
    expect(worktree.code).toBe(1);
    expect(worktree.report?.head).toBe('worktree');
    expect(gate(worktree.report, 'secrets').findings[0]).toMatchObject({
      file: 'notes/untracked.txt',
      blocking: true,
    });
  });

  it('writes every report with --out, and none of them holds the secret', async () => {
    const repo = await makeRepo(undefined, { 'src/app.ts': APP });
    write(repo, 'src/conf.ts', `export const aws = "${S.awsKeyId}";\nexport const gh = "${S.github}";\n`);
    const out = path.join(os.tmpdir(), `agentgate-out-${process.pid}-${Date.now()}`);
    for (const format of ['json', 'sarif', 'markdown']) {
      const r = await gates([
        '--repo',
        repo,
        '--base',
        'main',
        '--worktree',
        '--out',
        out,
        '--format',
        format,
      ]);
      expect(r.code).toBe(1);
      expect(r.stdout).not.toContain(S.github);
      expect(r.stdout).not.toContain(S.awsKeyId);
      expect(r.stderr).not.toContain(S.github);
    }
    expect(readdirSync(out).sort()).toEqual(['gates.json', 'gates.md', 'gates.sarif', 'sbom.cdx.json']);
    for (const file of readdirSync(out)) {
      const text = readFileSync(path.join(out, file), 'utf8');
      expect(text).not.toContain(S.github);
      expect(text).not.toContain(S.awsKeyId);
    }
    expect(readFileSync(path.join(out, 'gates.md'), 'utf8')).toMatch(/src\/conf\.ts:1/);
    const sarif = JSON.parse(readFileSync(path.join(out, 'gates.sarif'), 'utf8')) as unknown;
    expect(validateSarif(sarif) ? [] : validateSarif.errors).toEqual([]);
    expect(await validateBom(JSON.parse(readFileSync(path.join(out, 'sbom.cdx.json'), 'utf8')))).toBeNull();
  });

  it('validates the BOM when the change touches a dependency file; an unreadable one errs and leaves no BOM', async () => {
    const repo = await makeRepo(undefined, { 'src/app.ts': APP, 'package.json': '{ "name": "app" }\n' });
    const out = path.join(repo, '..', `out-${path.basename(repo)}`);
    // Untouched dependency files: the gate passes and the BOM is still written, listing the manifest.
    write(repo, 'src/app.ts', `${APP}export const one = 1;\n`);
    await commitEverything(repo, 'code only');
    expect((await gates(['--repo', repo, '--base', 'HEAD~1', '--out', out])).code).toBe(0);
    expect(await validateBom(JSON.parse(readFileSync(path.join(out, 'sbom.cdx.json'), 'utf8')))).toBeNull();
    // A manifest the change leaves unreadable: the gate errs, and no BOM pretends there are no dependencies.
    write(repo, 'package.json', '{ "name": ');
    await commitEverything(repo, 'broken manifest');
    const { code, report } = await gates(['--repo', repo, '--base', 'HEAD~1', '--out', out]);
    expect(code).toBe(2);
    expect(gate(report, 'sbom')).toMatchObject({
      status: 'error',
      error: expect.stringContaining('package.json'),
    });
    expect(readFileSync(path.join(out, 'sbom.cdx.json'), 'utf8')).toBe('{}\n');
  });

  it('exits 2 with the fix when the base is missing from a shallow clone', async () => {
    const origin = await makeRepo(undefined, { 'a.txt': 'a\n' });
    write(origin, 'b.txt', 'b\n');
    await commitEverything(origin, 'second');
    const base = (await sh(origin, 'git', ['rev-parse', 'HEAD~1'])).trim();
    const clone = path.join(os.tmpdir(), `agentgate-shallow-${process.pid}-${Date.now()}`);
    await sh(os.tmpdir(), 'git', ['clone', '-q', '--depth', '1', `file://${origin}`, clone]);

    const { code, stderr } = await gates(['--repo', clone, '--base', base]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/shallow clone/);
    expect(stderr).toMatch(/fetch-depth: 0/);
  });

  it('exits 2 on bad input, naming the flag or the ref', async () => {
    const repo = await makeRepo(undefined, { 'a.txt': 'a\n' });
    expect((await gates(['--repo', repo])).stderr).toMatch(/--base is required/);
    expect((await gates(['--repo', repo, '--base', 'nope'])).stderr).toMatch(
      /The base 'nope' is not a commit/,
    );
    const bad = await gates(['--repo', repo, '--base', 'main', '--format', 'xml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format: expected one of json\|sarif\|markdown/);
    expect((await gates(['--repo', os.tmpdir(), '--base', 'main'])).stderr).toMatch(
      /is not a git repository/,
    );
  });

  it('fails closed, exit 2, when an engine crashes', async () => {
    const repo = await makeRepo(undefined, { 'src/app.ts': APP });
    write(repo, 'src/x.ts', 'export const x = 1;\n');
    const env = { ...ENV, PATH: `${FAKE_BIN}${path.delimiter}${ENV.PATH}`, FAKE_GITLEAKS_MODE: 'crash' };
    const { code, report, stderr } = await gates(['--repo', repo, '--base', 'main', '--worktree'], env);
    expect(code).toBe(2);
    expect(report?.verdict).toBe('fail');
    expect(gate(report, 'secrets')).toMatchObject({ status: 'error', engine: 'gitleaks 8.24.2' });
    expect(gate(report, 'secrets').error).toMatch(/gitleaks failed \(exit 1\)/);
    expect(stderr).toMatch(/secrets: gitleaks failed/);
  });

  it('checks a dependency the change adds against the registry, and lists it in the BOM and the delta', async () => {
    const fake = await startRegistryFake();
    try {
      fake.addNpm('left-pad-ok', {
        versions: { '1.3.0': { published: '2024-01-01T00:00:00Z' } },
        license: 'MIT',
        downloads: 90_000,
      });
      const lock = (deps: Record<string, string>) =>
        JSON.stringify({
          name: 'app',
          lockfileVersion: 3,
          packages: {
            '': { name: 'app', dependencies: deps },
            ...Object.fromEntries(
              Object.entries(deps).map(([n, v]) => [`node_modules/${n}`, { version: v, license: 'MIT' }]),
            ),
          },
        });
      const repo = await makeRepo(undefined, {
        'package.json': JSON.stringify({ name: 'app', dependencies: {} }),
        'package-lock.json': lock({}),
      });
      const policyFile = path.join(repo, '..', `policy-${path.basename(repo)}.yml`);
      writeFileSync(
        policyFile,
        `version: 1\ngates:\n  dependencies:\n    registries: ${JSON.stringify(fake.registries)}\n`,
      );
      write(
        repo,
        'package.json',
        JSON.stringify({ name: 'app', dependencies: { 'left-pad-ok': '^1.3.0', 'lefft-pad-ok': '^1.0.0' } }),
      );
      write(repo, 'package-lock.json', lock({ 'left-pad-ok': '1.3.0', 'lefft-pad-ok': '1.0.0' }));
      const out = path.join(os.tmpdir(), `agentgate-deps-${process.pid}-${Date.now()}`);
      const { code, report } = await gates([
        '--repo',
        repo,
        '--base',
        'main',
        '--worktree',
        '--policy',
        policyFile,
        '--out',
        out,
      ]);
      expect(code).toBe(1);
      expect(report?.dependencies.added.map((d) => `${d.name}@${d.version}`)).toEqual(
        ['left-pad-ok@1.3.0', 'lefft-pad-ok@1.0.0'].sort(),
      );
      expect(
        gate(report, 'dependencies')
          .findings.map((f) => f.ruleId)
          .sort(),
      ).toEqual(['dep-not-found']);
      const bom = JSON.parse(readFileSync(path.join(out, 'sbom.cdx.json'), 'utf8')) as {
        specVersion: string;
        components: { purl: string }[];
      };
      expect(bom.specVersion).toBe('1.6');
      expect(bom.components.map((c) => c.purl)).toContain('pkg:npm/left-pad-ok@1.3.0');
    } finally {
      await fake.close();
    }
  });
});
