// gitleaks, when it is on PATH. It scans a directory holding only the changed files, always with
// --redact, and with an exit code for "leaks found" that differs from its error code (1), so a crash
// is never read as a clean scan or as findings.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execFile } from '../../lib/exec.js';
import {
  EngineError,
  type EngineOutput,
  materialize,
  probeVersion,
  repoPath,
  type TextFile,
} from '../engine.js';
import type { RawFinding } from '../types.js';

/** The exit code we ask gitleaks to use when it finds leaks. */
export const GITLEAKS_LEAKS_EXIT = 42;

/** One entry of gitleaks' JSON report (`--report-format json`), as documented. */
export interface GitleaksLeak {
  RuleID: string;
  Description?: string;
  StartLine: number;
  EndLine?: number;
  StartColumn?: number;
  EndColumn?: number;
  Match?: string;
  Secret?: string;
  File: string;
  Commit?: string;
  Entropy?: number;
  Fingerprint?: string;
  Tags?: string[];
}

export function parseGitleaksVersion(output: string): string | undefined {
  return /v?(\d+\.\d+\.\d+)/.exec(output)?.[1];
}

/** `gitleaks dir` arrived in 8.19; older releases scan a directory with `detect --no-git --source`. */
/**
 * gitleaks' arguments. `config` and `ignoreDir` are given always: gitleaks would otherwise read a
 * `.gitleaks.toml` and a `.gitleaksignore` from the scanned directory, which holds the change's own
 * files — a change could loosen its own scan.
 */
export function gitleaksArgs(
  version: string,
  dir: string,
  report: string,
  config?: string,
  ignoreDir?: string,
): string[] {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const scan =
    major > 8 || (major === 8 && minor >= 19) ? ['dir', dir] : ['detect', '--no-git', '--source', dir];
  return [
    ...scan,
    ...(config ? ['--config', config] : []),
    ...(ignoreDir ? ['--gitleaks-ignore-path', ignoreDir] : []),
    '--redact',
    '--exit-code',
    String(GITLEAKS_LEAKS_EXIT),
    '--report-format',
    'json',
    '--report-path',
    report,
    '--no-banner',
    '--log-level',
    'error',
  ];
}

/** Parses a gitleaks JSON report. Throws when it is not the documented shape. */
export function parseGitleaksReport(text: string, scanDir: string): RawFinding[] {
  let data: unknown;
  try {
    data = JSON.parse(text === '' ? '[]' : text);
  } catch {
    throw new Error('the report is not JSON');
  }
  if (!Array.isArray(data)) throw new Error('the report is not a JSON array');
  return data.map((entry: Partial<GitleaksLeak>, i) => {
    if (
      typeof entry?.RuleID !== 'string' ||
      typeof entry.File !== 'string' ||
      typeof entry.StartLine !== 'number'
    ) {
      throw new Error(`report entry ${i} lacks RuleID, File or StartLine`);
    }
    const finding: RawFinding = {
      ruleId: `gitleaks/${entry.RuleID}`,
      severity: 'critical',
      file: repoPath(entry.File, scanDir),
      line: entry.StartLine,
      message: `Possible secret: ${entry.Description ?? entry.RuleID}`,
      fix: 'Remove the secret from the change, rotate it, and read it from the environment or a secret store.',
      cwe: ['CWE-798'],
    };
    if (typeof entry.EndLine === 'number') finding.endLine = entry.EndLine;
    if (typeof entry.StartColumn === 'number') finding.column = entry.StartColumn;
    // With --redact gitleaks reports "REDACTED"; anything else is still treated as a secret to scrub.
    if (typeof entry.Secret === 'string' && entry.Secret !== '' && entry.Secret !== 'REDACTED') {
      finding.secret = entry.Secret;
    }
    return finding;
  });
}

export async function scanWithGitleaks(
  binary: string,
  files: readonly TextFile[],
  opts: GitleaksOptions,
): Promise<EngineOutput> {
  const version = await probeVersion('gitleaks', binary, ['version'], opts.env);
  return runScan(binary, version, files, opts, `gitleaks ${version}`);
}

export interface GitleaksOptions {
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
  /** The base commit's `.gitleaks.toml`; without it gitleaks' own default rules. */
  repoConfig?: { text: string; path: string } | undefined;
}

/** gitleaks' configuration for a scan: the repository's (from base), or its defaults. */
export const GITLEAKS_DEFAULT_CONFIG = '[extend]\nuseDefault = true\n';

async function runScan(
  binary: string,
  version: string,
  files: readonly TextFile[],
  opts: GitleaksOptions,
  engine: string,
): Promise<EngineOutput> {
  const src = await materialize(files);
  // The configuration and an empty ignore folder live beside the report, outside the scanned files.
  const out = await materialize([
    { path: 'gitleaks.toml', content: opts.repoConfig?.text ?? GITLEAKS_DEFAULT_CONFIG },
  ]);
  try {
    const report = path.join(out.dir, 'gitleaks.json');
    const config = path.join(out.dir, 'gitleaks.toml');
    const r = await execFile(binary, gitleaksArgs(version, src.dir, report, config, out.dir), {
      env: opts.env,
      timeoutMs: opts.timeoutMs,
    });
    if (r.timedOut)
      throw new EngineError(engine, `gitleaks timed out after ${Math.round(opts.timeoutMs / 1000)} s`);
    if (r.exitCode !== 0 && r.exitCode !== GITLEAKS_LEAKS_EXIT) {
      throw new EngineError(engine, `gitleaks failed (exit ${r.exitCode}): ${r.stderr.trim().slice(0, 500)}`);
    }
    const text = await readFile(report, 'utf8').catch(() => {
      if (r.exitCode === 0) return '[]';
      throw new EngineError(engine, 'gitleaks reported leaks but wrote no report');
    });
    try {
      return { engine, findings: parseGitleaksReport(text, src.dir) };
    } catch (e) {
      throw new EngineError(engine, `gitleaks report unreadable: ${(e as Error).message}`);
    }
  } finally {
    await Promise.all([src.cleanup(), out.cleanup()]);
  }
}
