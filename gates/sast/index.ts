// The SAST gate: semgrep or opengrep (its fork, same rules and report) when one is on PATH or required
// by the policy, else the embedded ast-grep binding. All run the project's own rule pack
// (policies/sast/) on exactly the files to scan.

import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFile, findOnPath } from '../../lib/exec.js';
import { type GatesPolicy, SAST_PACK } from '../../policies/index.js';
import { EngineError, type EngineOutput, materialize, probeVersion, type TextFile } from '../engine.js';
import { astGrepLanguageOf, scanWithAstGrep } from './ast-grep.js';
import { parseSemgrepReport } from './semgrep.js';

export { astGrepLanguageOf, loadAstGrep } from './ast-grep.js';
export { parseSemgrepReport, parseSemgrepVersion, SEMGREP_ERROR_EXIT } from './semgrep.js';

/** True for a file the rule pack has rules for; other files are not given to the engines. */
export function isSastFile(file: string): boolean {
  return astGrepLanguageOf(file) !== undefined;
}

export interface SastOptions {
  policy: GatesPolicy['sast'];
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
  /** Use the embedded engine even when semgrep or opengrep is on PATH (unless the policy requires one). */
  embeddedOnly?: boolean;
}

/** The semgrep-compatible engines, in the order `auto` prefers them. */
const SEMGREP_LIKE = ['semgrep', 'opengrep'] as const;
type SemgrepLike = (typeof SEMGREP_LIKE)[number];

let packDir: Promise<string> | undefined;

/**
 * The semgrep rule pack, written once per process to a private directory the engine reads, and removed
 * when the process exits.
 */
function rulePackDir(): Promise<string> {
  packDir ??= (async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'agentgate-sast-pack-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    for (const [rel, text] of Object.entries(SAST_PACK)) {
      if (!rel.startsWith('semgrep/')) continue;
      const target = path.join(dir, rel);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, text);
    }
    return dir;
  })();
  return packDir;
}

async function findSemgrepLike(
  choice: GatesPolicy['sast']['engine'],
  pathVar: string | undefined,
): Promise<{ name: SemgrepLike; binary: string } | undefined> {
  const names: readonly SemgrepLike[] =
    choice === 'opengrep' ? ['opengrep'] : choice === 'ast-grep' ? [] : SEMGREP_LIKE;
  for (const name of names) {
    const binary = await findOnPath(name, pathVar);
    if (binary !== undefined) return { name, binary };
  }
  return undefined;
}

export async function scanSast(files: readonly TextFile[], opts: SastOptions): Promise<EngineOutput> {
  const choice = opts.policy.engine;
  const required = choice === 'semgrep' || choice === 'opengrep';
  const real = opts.embeddedOnly && !required ? undefined : await findSemgrepLike(choice, opts.env.PATH);
  if (real === undefined && required) {
    const wanted = choice === 'semgrep' ? 'semgrep or opengrep' : 'opengrep';
    throw new EngineError(
      choice,
      `the policy requires ${wanted} (gates.sast.engine: ${choice}) but it is not on PATH; install it or set the engine to auto`,
    );
  }
  const targets = files.filter((f) => isSastFile(f.path));
  if (real !== undefined) return runSemgrep(real.name, real.binary, targets, opts);
  return scanWithAstGrep(targets);
}

async function runSemgrep(
  name: SemgrepLike,
  binary: string,
  files: readonly TextFile[],
  opts: SastOptions,
): Promise<EngineOutput> {
  const v = await probeVersion(name, binary, ['--version'], opts.env);
  const engine = `${name} ${v}`;
  if (files.length === 0) return { engine, findings: [] };
  const [pack, src] = await Promise.all([rulePackDir(), materialize(files)]);
  try {
    const args = [
      'scan',
      '--config',
      path.join(pack, 'semgrep', 'agentgate.yml'),
      '--json',
      // opengrep removed the metrics flag (it sends none); semgrep needs it off.
      ...(name === 'semgrep' ? ['--metrics=off'] : []),
      '--disable-version-check',
      '--quiet',
      '--no-git-ignore',
      ...files.map((f) => f.path),
    ];
    const r = await execFile(binary, args, {
      cwd: src.dir,
      env: opts.env,
      timeoutMs: opts.timeoutMs,
      maxOutputBytes: 256 * 1024 * 1024,
    });
    if (r.timedOut)
      throw new EngineError(engine, `${name} timed out after ${Math.round(opts.timeoutMs / 1000)} s`);
    try {
      return { engine, findings: parseSemgrepReport(r.exitCode, r.stdout, src.dir) };
    } catch (e) {
      throw new EngineError(engine, `${name}: ${(e as Error).message}`);
    }
  } finally {
    await src.cleanup();
  }
}
