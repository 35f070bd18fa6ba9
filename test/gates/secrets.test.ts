import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../gates/engine.js';
import {
  GITLEAKS_LEAKS_EXIT,
  gitleaksArgs,
  parseGitleaksReport,
  parseGitleaksVersion,
  scanPatterns,
  scanSecrets,
} from '../../gates/secrets/index.js';
import { EMBEDDED_SECRETS_ENGINE } from '../../gates/secrets/scan.js';
import { loadDefaultPolicy } from '../../policies/index.js';
import { fakeSecrets } from './secrets-fixtures.js';

const FAKE_BIN = fileURLToPath(new URL('../fixtures/bin', import.meta.url));
const policy = loadDefaultPolicy().policy.gates.secrets;
const S = fakeSecrets();
const noGitleaks = { PATH: '/usr/bin:/bin' };
const withGitleaks = { PATH: `${FAKE_BIN}${path.delimiter}${process.env.PATH}` };

describe('the secrets gate with the embedded engine', () => {
  it('finds GitHub tokens and AWS access key IDs, on the right lines, without quoting them', async () => {
    const out = await scanSecrets(
      [
        { path: 'src/config.ts', content: `const a = 1;\nconst token = "${S.github}";\n` },
        { path: 'deploy/aws.env', content: `# keys\nAWS_ACCESS_KEY_ID=${S.awsKeyId}\n` },
        { path: 'clean.ts', content: 'export const x = process.env.TOKEN;\n' },
      ],
      { policy, timeoutMs: 60_000, env: noGitleaks },
    );
    expect(out.engine).toBe(EMBEDDED_SECRETS_ENGINE);
    const where = out.findings.map((f) => [f.file, f.line, f.severity]);
    expect(where).toContainEqual(['src/config.ts', 2, 'critical']);
    expect(where).toContainEqual(['deploy/aws.env', 2, 'critical']);
    expect(out.findings.some((f) => f.file === 'clean.ts')).toBe(false);
    for (const f of out.findings) {
      expect(f.message).not.toContain(S.github);
      expect(f.message).not.toContain(S.awsKeyId);
      expect(f.secret).toBeTruthy();
    }
  });

  it('adds the policy’s own patterns', () => {
    const findings = scanPatterns(
      [{ path: 'a.txt', content: `x\nkey = itk_${'Ab3'.repeat(11)}\n` }],
      [
        {
          id: 'internal-token',
          regex: 'itk_[A-Za-z0-9]{32,}',
          severity: 'high',
          description: 'internal API token',
        },
      ],
    );
    expect(findings).toEqual([
      expect.objectContaining({
        ruleId: 'secret-pattern/internal-token',
        line: 2,
        severity: 'high',
        column: 7,
      }),
    ]);
  });

  it('fails as an engine error when the policy requires gitleaks and it is absent', async () => {
    await expect(
      scanSecrets([], { policy: { ...policy, engine: 'gitleaks' }, timeoutMs: 1000, env: noGitleaks }),
    ).rejects.toThrow(EngineError);
  });
});

describe('the secrets gate with gitleaks on PATH', () => {
  it('runs gitleaks on the changed files only, redacted, and names it as the engine', async () => {
    const out = await scanSecrets(
      [
        { path: 'src/a.ts', content: `ok\nconst t = "${S.github}";\n` },
        { path: 'src/b.ts', content: 'nothing here\n' },
      ],
      { policy, timeoutMs: 60_000, env: withGitleaks },
    );
    expect(out.engine).toBe('gitleaks 8.24.2');
    expect(out.findings).toEqual([
      expect.objectContaining({
        ruleId: 'gitleaks/github-pat',
        file: 'src/a.ts',
        line: 2,
        severity: 'critical',
      }),
    ]);
    expect(out.findings[0]?.secret).toBeUndefined();
  });

  it('turns a gitleaks crash or an unreadable report into an engine error, not a clean scan', async () => {
    for (const mode of ['crash', 'garbage']) {
      await expect(
        scanSecrets([{ path: 'a.ts', content: `"${S.github}"` }], {
          policy,
          timeoutMs: 60_000,
          env: { ...withGitleaks, FAKE_GITLEAKS_MODE: mode },
        }),
      ).rejects.toThrow(mode === 'crash' ? /gitleaks failed \(exit 1\)/ : /report unreadable/);
    }
  });

  it('can be told to use the embedded engine even when gitleaks is there (secretlint: its former name)', async () => {
    for (const engine of ['embedded', 'secretlint'] as const) {
      const out = await scanSecrets([], {
        policy: { ...policy, engine },
        timeoutMs: 1000,
        env: withGitleaks,
      });
      expect(out.engine).toMatch(/^agentgate-secrets \d+\.\d+\.\d+$/);
    }
  });
});

describe('reading gitleaks reports', () => {
  it('parses the documented JSON report and maps paths back to the repository', () => {
    const report = JSON.stringify([
      {
        RuleID: 'aws-access-token',
        Description: 'AWS access token',
        StartLine: 3,
        EndLine: 3,
        StartColumn: 9,
        EndColumn: 28,
        Match: 'REDACTED',
        Secret: 'REDACTED',
        File: '/tmp/scan/src/x.py',
        Commit: '',
        Entropy: 3.5,
        Author: '',
        Email: '',
        Date: '',
        Message: '',
        Tags: [],
        Fingerprint: 'src/x.py:aws-access-token:3',
      },
    ]);
    expect(parseGitleaksReport(report, '/tmp/scan')).toEqual([
      expect.objectContaining({
        ruleId: 'gitleaks/aws-access-token',
        file: 'src/x.py',
        line: 3,
        column: 9,
        endLine: 3,
      }),
    ]);
    expect(parseGitleaksReport('', '/tmp/scan')).toEqual([]);
    expect(() => parseGitleaksReport('{"a":1}', '/tmp/scan')).toThrow(/array/);
    expect(() => parseGitleaksReport('[{"File":"x"}]', '/tmp/scan')).toThrow(/RuleID/);
  });

  it('asks for redaction and a distinct exit code, with the right subcommand for the version', () => {
    expect(parseGitleaksVersion('v8.18.4\n')).toBe('8.18.4');
    const modern = gitleaksArgs('8.24.2', '/src', '/r.json');
    expect(modern.slice(0, 2)).toEqual(['dir', '/src']);
    expect(gitleaksArgs('8.18.0', '/src', '/r.json').slice(0, 4)).toEqual([
      'detect',
      '--no-git',
      '--source',
      '/src',
    ]);
    expect(modern).toContain('--redact');
    expect(modern[modern.indexOf('--exit-code') + 1]).toBe(String(GITLEAKS_LEAKS_EXIT));
    expect(GITLEAKS_LEAKS_EXIT).not.toBe(1);
  });
});

describe("the repository's gitleaks configuration", () => {
  it('comes from the base commit for both engines; the change cannot loosen its own scan', async () => {
    const { runGates } = await import('../../gates/index.js');
    const { loadDefaultPolicy } = await import('../../policies/index.js');
    const { commitEverything, makeRepo } = await import('../support/repo.js');
    const fs = await import('node:fs');
    const path = await import('node:path');
    const os = await import('node:os');
    const token = ['acme', '_live_', '4f9c2a7e1b3d5f60'].join('');
    const baseConfig = [
      '[extend]',
      'useDefault = true',
      '',
      '[[rules]]',
      'id = "acme-live-token"',
      'description = "ACME live token"',
      "regex = '''acme_live_[0-9a-f]{16}'''",
      'keywords = ["acme_live_"]',
      '',
    ].join('\n');
    const repo = await makeRepo(undefined, { '.gitleaks.toml': baseConfig, 'src/a.js': 'export {};\n' });
    // The change plants a token and rewrites the configuration to allow everything.
    fs.writeFileSync(path.join(repo, 'src/a.js'), `export const t = '${token}';\n`);
    fs.writeFileSync(path.join(repo, '.gitleaks.toml'), '[allowlist]\npaths = [".*"]\n');
    fs.writeFileSync(path.join(repo, '.gitleaksignore'), 'src/a.js\n');
    await commitEverything(repo, 'loosen');
    const policy = loadDefaultPolicy().policy;
    const embedded = await runGates({ repo, base: 'HEAD~1', policy, env: { PATH: '/usr/bin:/bin' } });
    const found = embedded.report.gates.find((g) => g.name === 'secrets')?.findings ?? [];
    expect(found.map((f) => f.ruleId)).toContain('secret/acme-live-token');

    // gitleaks (a stand-in on PATH that records what it is given) gets the base file by --config and an
    // ignore folder outside the scanned files.
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'agentgate-fake-gitleaks-'));
    const seen = path.join(bin, 'seen');
    fs.writeFileSync(
      path.join(bin, 'gitleaks'),
      [
        '#!/bin/sh',
        'if [ "$1" = version ]; then echo 8.30.1; exit 0; fi',
        `printf '%s\\n' "$@" > ${seen}.args`,
        'while [ $# -gt 0 ]; do',
        `  case "$1" in --config) cp "$2" ${seen}.toml;; --report-path) echo '[]' > "$2";; esac`,
        '  shift',
        'done',
        'exit 0',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    await runGates({ repo, base: 'HEAD~1', policy, env: { PATH: `${bin}:/usr/bin:/bin` } });
    expect(fs.readFileSync(`${seen}.toml`, 'utf8')).toBe(baseConfig);
    const args = fs.readFileSync(`${seen}.args`, 'utf8').split('\n');
    const scanned = args[1] ?? '';
    const ignoreDir = args[args.indexOf('--gitleaks-ignore-path') + 1] ?? '';
    expect(ignoreDir).not.toBe('');
    expect(path.relative(scanned, ignoreDir).startsWith('..')).toBe(true);
  }, 60_000);
});
