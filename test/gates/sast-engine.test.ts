import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../gates/engine.js';
import { parseAstGrepStream, parseSemgrepReport, scanSast } from '../../gates/sast/index.js';
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

  it('reads the documented stream format, 0-based lines and metadata', () => {
    const line = JSON.stringify({
      file: 'src/a.go',
      ruleId: 'go-tls-insecure-skip-verify',
      severity: 'error',
      message: 'tls.Config sets InsecureSkipVerify.',
      note: 'Remove it.',
      range: { start: { line: 8, column: 20 }, end: { line: 8, column: 44 } },
      metadata: { cwe: 'CWE-295', agentgateSeverity: 'high', fix: 'Use RootCAs.' },
    });
    expect(parseAstGrepStream(`${line}\n`, '/scan')).toEqual([
      expect.objectContaining({
        file: 'src/a.go',
        line: 9,
        column: 21,
        severity: 'high',
        cwe: ['CWE-295'],
        fix: 'Use RootCAs.',
      }),
    ]);
    expect(() => parseAstGrepStream('{oops\n', '/scan')).toThrow(/not JSON/);
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
