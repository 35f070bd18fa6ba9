// The SAST gate: semgrep when it is on PATH (or required by the policy), else ast-grep; both run the
// project's own rule pack (policies/sast/) over a directory holding only the files to scan.

import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { execFile } from '../../lib/exec.js';
import { type GatesPolicy, SAST_PACK } from '../../policies/index.js';
import {
  EngineError,
  type EngineOutput,
  findOnPath,
  materialize,
  probeVersion,
  type TextFile,
} from '../engine.js';
import { parseAstGrepStream } from './ast-grep.js';
import { parseSemgrepReport } from './semgrep.js';

export { parseAstGrepStream } from './ast-grep.js';
export { parseSemgrepReport, parseSemgrepVersion, SEMGREP_ERROR_EXIT } from './semgrep.js';

/** File extensions the rule pack has rules for; other files are not given to the engines. */
export const SAST_EXTENSIONS = new Set([
  '.js',
  '.jsx',
  '.mjs',
  '.cjs',
  '.ts',
  '.tsx',
  '.mts',
  '.cts',
  '.py',
  '.go',
]);

export function isSastFile(file: string): boolean {
  return SAST_EXTENSIONS.has(path.extname(file).toLowerCase());
}

export interface SastOptions {
  policy: GatesPolicy['sast'];
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
}

let packDir: Promise<string> | undefined;

/**
 * The embedded rule pack, written once per process to a private directory the engines read, and removed
 * when the process exits.
 */
function rulePackDir(): Promise<string> {
  packDir ??= (async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'agentgate-sast-pack-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    for (const [rel, text] of Object.entries(SAST_PACK)) {
      const target = path.join(dir, rel);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, text);
    }
    return dir;
  })();
  return packDir;
}

/** The ast-grep binary: the one installed with agentgate, else `ast-grep` on PATH. */
async function findAstGrep(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  try {
    const pkg = createRequire(import.meta.url).resolve('@ast-grep/cli/package.json');
    const bin = path.join(path.dirname(pkg), 'ast-grep');
    const found = await findOnPath('ast-grep', path.dirname(bin));
    if (found) return found;
  } catch {
    /* not installed alongside */
  }
  return findOnPath('ast-grep', env.PATH);
}

export async function scanSast(files: readonly TextFile[], opts: SastOptions): Promise<EngineOutput> {
  const choice = opts.policy.engine;
  const semgrep = choice === 'ast-grep' ? undefined : await findOnPath('semgrep', opts.env.PATH);
  if (semgrep === undefined && choice === 'semgrep') {
    throw new EngineError(
      'semgrep',
      'the policy requires semgrep (gates.sast.engine: semgrep) but it is not on PATH; install it or set the engine to auto',
    );
  }
  const targets = files.filter((f) => isSastFile(f.path));
  if (semgrep !== undefined) return runSemgrep(semgrep, targets, opts);
  const astGrep = await findAstGrep(opts.env);
  if (astGrep === undefined) {
    throw new EngineError(
      'ast-grep',
      'no SAST engine: neither semgrep nor ast-grep (@ast-grep/cli) was found',
    );
  }
  return runAstGrep(astGrep, targets, opts);
}

async function runAstGrep(
  binary: string,
  files: readonly TextFile[],
  opts: SastOptions,
): Promise<EngineOutput> {
  const engine = `ast-grep ${await probeVersion('ast-grep', binary, ['--version'], opts.env)}`;
  if (files.length === 0) return { engine, findings: [] };
  const [pack, src] = await Promise.all([rulePackDir(), materialize(files)]);
  try {
    const r = await execFile(
      binary,
      [
        'scan',
        '--config',
        path.join(pack, 'ast-grep', 'sgconfig.yml'),
        '--json=stream',
        '--include-metadata',
        '.',
      ],
      { cwd: src.dir, env: opts.env, timeoutMs: opts.timeoutMs, maxOutputBytes: 256 * 1024 * 1024 },
    );
    if (r.timedOut)
      throw new EngineError(engine, `ast-grep timed out after ${Math.round(opts.timeoutMs / 1000)} s`);
    // ast-grep exits 1 when error-severity rules match; anything else non-zero is a failure.
    if (r.exitCode !== 0 && r.exitCode !== 1) {
      throw new EngineError(
        engine,
        `ast-grep failed (exit ${r.exitCode ?? r.signal}): ${r.stderr.trim().slice(0, 500)}`,
      );
    }
    try {
      return { engine, findings: parseAstGrepStream(r.stdout, src.dir) };
    } catch (e) {
      throw new EngineError(engine, `ast-grep output unreadable: ${(e as Error).message}`);
    }
  } finally {
    await src.cleanup();
  }
}

async function runSemgrep(
  binary: string,
  files: readonly TextFile[],
  opts: SastOptions,
): Promise<EngineOutput> {
  const v = await probeVersion('semgrep', binary, ['--version'], opts.env);
  const engine = `semgrep ${v}`;
  if (files.length === 0) return { engine, findings: [] };
  const [pack, src] = await Promise.all([rulePackDir(), materialize(files)]);
  try {
    const args = [
      'scan',
      '--config',
      path.join(pack, 'semgrep', 'agentgate.yml'),
      '--json',
      '--metrics=off',
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
      throw new EngineError(engine, `semgrep timed out after ${Math.round(opts.timeoutMs / 1000)} s`);
    try {
      return { engine, findings: parseSemgrepReport(r.exitCode, r.stdout, src.dir) };
    } catch (e) {
      throw new EngineError(engine, `semgrep: ${(e as Error).message}`);
    }
  } finally {
    await src.cleanup();
  }
}
