import { readFileSync } from 'node:fs';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../gates/engine.js';
import { DYNAMIC_LANGUAGES, VENDORED_PLATFORMS, type VendorManifest } from '../../gates/sast/ast-grep.js';
import { parseSemgrepReport, scanSast } from '../../gates/sast/index.js';
import { ruleIdOf } from '../../gates/sast/semgrep.js';
import { loadDefaultPolicy } from '../../policies/index.js';

const FAKE_BIN = fileURLToPath(new URL('../fixtures/bin', import.meta.url));
const policy = loadDefaultPolicy().policy.gates.sast;
const plain = { PATH: '/usr/bin:/bin' };
const withSemgrep = { PATH: `${FAKE_BIN}${path.delimiter}/usr/bin:/bin` };
const FILES = [
  { path: 'src/run.js', content: 'export function run(input) {\n  return eval(input);\n}\n' },
  {
    path: 'app/db.py',
    content: 'def q(cur, name):\n    cur.execute("SELECT * FROM t WHERE n = \'" + name + "\'")\n',
  },
  { path: 'README.md', content: 'eval(x) in prose is not scanned\n' },
];

describe('the sast gate with ast-grep (embedded)', () => {
  it('runs the rule pack on the given files and reports rule, CWE, severity and fix', async () => {
    const out = await scanSast(FILES, { policy, timeoutMs: 60_000, env: plain });
    expect(out.engine).toMatch(/^ast-grep \d+\.\d+\.\d+$/);
    const js = out.findings.find((f) => f.file === 'src/run.js');
    expect(js).toMatchObject({ ruleId: 'js-eval-dynamic', line: 2, severity: 'critical', cwe: ['CWE-95'] });
    expect(js?.fix).toBeTruthy();
    expect(out.findings.find((f) => f.file === 'app/db.py')).toMatchObject({
      ruleId: 'py-sql-string-concat',
      line: 2,
    });
    expect(out.findings.some((f) => f.file === 'README.md')).toBe(false);
  });

  it('has nothing to do, and says which engine would have run, when no file is in a scanned language', async () => {
    const out = await scanSast([{ path: 'a.md', content: 'x' }], { policy, timeoutMs: 60_000, env: plain });
    expect(out).toEqual({ engine: expect.stringMatching(/^ast-grep /), findings: [] });
  });

  it('names each rule’s match in every language the pack covers, with the pack’s metadata', async () => {
    const out = await scanSast(
      [
        ...FILES,
        {
          path: 'svc/tls.go',
          content: 'package svc\n\nimport "crypto/tls"\n\nvar C = &tls.Config{InsecureSkipVerify: true}\n',
        },
      ],
      { policy, timeoutMs: 60_000, env: plain },
    );
    expect(out.findings.map((f) => `${f.ruleId}@${f.file}:${f.line}`)).toEqual([
      'py-sql-string-concat@app/db.py:2',
      'js-eval-dynamic@src/run.js:2',
      'go-tls-insecure-skip-verify@svc/tls.go:5',
    ]);
  });

  it('is used even when semgrep is on PATH when told to use only the embedded engines', async () => {
    const out = await scanSast(FILES, { policy, timeoutMs: 60_000, env: withSemgrep, embeddedOnly: true });
    expect(out.engine).toMatch(/^ast-grep /);
  });
});

describe('the sast gate with semgrep on PATH', () => {
  it('runs semgrep with the pack and names it as the engine', async () => {
    const out = await scanSast(FILES, { policy, timeoutMs: 60_000, env: withSemgrep });
    expect(out.engine).toBe('semgrep 1.95.0');
    expect(out.findings).toEqual([
      expect.objectContaining({
        ruleId: 'js-eval-dynamic',
        file: 'src/run.js',
        line: 2,
        severity: 'critical',
        cwe: ['CWE-95'],
      }),
    ]);
  });

  it('treats exit code 2 or more as a gate error', async () => {
    await expect(
      scanSast(FILES, { policy, timeoutMs: 60_000, env: { ...withSemgrep, FAKE_SEMGREP_MODE: 'crash' } }),
    ).rejects.toThrow(/semgrep: failed \(exit 7\): invalid configuration/);
    expect(() =>
      parseSemgrepReport(2, '{"results":[],"errors":[{"message":"boom","level":"error"}]}', '/s'),
    ).toThrow(/exit 2.*boom/);
    expect(() =>
      parseSemgrepReport(0, '{"results":[],"errors":[{"message":"rule x failed","level":"error"}]}', '/s'),
    ).toThrow(/rule x failed/);
    expect(ruleIdOf('tmp.agentgate-sast-pack-x.semgrep.agentgate.py-os-system')).toBe('py-os-system');
  });

  it('fails when the policy requires semgrep and it is not there, and can be told to use ast-grep', async () => {
    await expect(
      scanSast(FILES, { policy: { engine: 'semgrep' }, timeoutMs: 1000, env: plain }),
    ).rejects.toThrow(EngineError);
    const out = await scanSast(FILES, {
      policy: { engine: 'ast-grep' },
      timeoutMs: 60_000,
      env: withSemgrep,
    });
    expect(out.engine).toMatch(/^ast-grep /);
  });
});

describe('the sast gate with opengrep on PATH', () => {
  let bin: string;
  beforeAll(async () => {
    bin = await mkdtemp(path.join(os.tmpdir(), 'agentgate-opengrep-'));
    await symlink(path.join(FAKE_BIN, 'semgrep'), path.join(bin, 'opengrep'));
  });
  afterAll(() => rm(bin, { recursive: true, force: true }));
  const withOpengrep = () => ({ PATH: `${bin}${path.delimiter}/usr/bin:/bin` });

  it('runs opengrep with the pack, without the metrics flag it refuses, and names it', async () => {
    const out = await scanSast(FILES, { policy, timeoutMs: 60_000, env: withOpengrep() });
    expect(out.engine).toBe('opengrep 1.27.1');
    expect(out.findings).toEqual([
      expect.objectContaining({ ruleId: 'js-eval-dynamic', file: 'src/run.js', line: 2 }),
    ]);
  });

  it('satisfies a policy that requires semgrep (the semgrep-compatible engines) or opengrep', async () => {
    for (const engine of ['semgrep', 'opengrep'] as const) {
      const out = await scanSast(FILES, { policy: { engine }, timeoutMs: 60_000, env: withOpengrep() });
      expect(out.engine, engine).toBe('opengrep 1.27.1');
    }
  });

  it('fails closed when the policy requires opengrep and it is missing, even with semgrep there', async () => {
    await expect(
      scanSast(FILES, { policy: { engine: 'opengrep' }, timeoutMs: 1000, env: withSemgrep }),
    ).rejects.toThrow(/requires opengrep \(gates.sast.engine: opengrep\) but it is not on PATH/);
    await expect(
      scanSast(FILES, { policy: { engine: 'semgrep' }, timeoutMs: 1000, env: plain, embeddedOnly: true }),
    ).rejects.toThrow(/requires semgrep or opengrep/);
  });
});

describe('the embedded engine as the action ships it (action/dist/vendor/ast-grep/)', () => {
  const VENDOR = fileURLToPath(new URL('../../action/dist/vendor/ast-grep', import.meta.url));
  // ELF e_machine: what the file runs on.
  const MACHINE: Record<(typeof VENDORED_PLATFORMS)[number], number> = {
    'linux-x64': 62,
    'linux-arm64': 183,
  };
  const require = createRequire(import.meta.url);
  const installed = (require('@ast-grep/napi/package.json') as { version: string }).version;

  it.each(VENDORED_PLATFORMS)('carries the installed binding and grammars, built for %s', (platform) => {
    const dir = path.join(VENDOR, platform);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as VendorManifest;
    expect(manifest.version).toBe(installed);
    expect(Object.keys(manifest.grammars).sort()).toEqual(Object.keys(DYNAMIC_LANGUAGES).sort());
    for (const file of [manifest.binding, ...Object.values(manifest.grammars)]) {
      const head = readFileSync(path.join(dir, file)).subarray(0, 20);
      expect(head.readUInt32BE(0), `${platform}/${file} is ELF`).toBe(0x7f454c46);
      expect(head.readUInt16LE(18), `${platform}/${file} machine`).toBe(MACHINE[platform]);
    }
  });
});
