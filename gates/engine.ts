// What the gates share about engines: the files they scan, how they report, how they fail (and how bad
// input fails the whole run), and where scan directories go.
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFile } from '../lib/exec.js';
import type { RawFinding } from './types.js';

/** A text file at head, by repository-relative POSIX path. */
export interface TextFile {
  path: string;
  content: string;
}

export interface EngineOutput {
  /** `<name> <version>` */
  engine: string;
  findings: RawFinding[];
}

/** An engine that crashed, timed out, was required but missing, or answered in a shape we cannot read. */
export class EngineError extends Error {
  constructor(
    readonly engine: string,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** Bad input: no repository, an unknown ref, a base missing from a shallow clone. Exit code 2. */
export class GatesInputError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'GatesInputError';
  }
}

const TMPFS_MAGIC = 0x01021994;

/**
 * Where scan directories go: $TMPDIR when it is set; else /dev/shm when it is a tmpfs with room to
 * spare (creating thousands of small files on a disk can take seconds: 20,000 took 18 s on one CI
 * disk, 0.3 s on tmpfs); else the system's temp directory.
 */
export function scratchRoot(bytes: number, env: NodeJS.ProcessEnv = process.env): string {
  if (env.TMPDIR) return os.tmpdir();
  try {
    const shm = statfsSync('/dev/shm');
    if (shm.type === TMPFS_MAGIC && shm.bavail * shm.bsize > 2 * bytes + 64 * 1024 * 1024) return '/dev/shm';
  } catch {
    /* no /dev/shm here */
  }
  return os.tmpdir();
}

/**
 * Writes files under a fresh temporary directory with their repository paths, so an external engine
 * scans exactly the changed content and nothing else. The caller removes it with `cleanup`. The writes
 * are synchronous: for many small files that is several times faster than a promise per file.
 */
export async function materialize(
  files: readonly TextFile[],
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const bytes = files.reduce((n, f) => n + f.content.length, 0);
  const dir = mkdtempSync(path.join(scratchRoot(bytes), 'agentgate-scan-'));
  try {
    const made = new Set<string>();
    for (const file of files) {
      const target = path.join(dir, file.path);
      if (!target.startsWith(dir + path.sep)) continue; // git never stores such a path; never write outside
      const parent = path.dirname(target);
      if (!made.has(parent)) {
        mkdirSync(parent, { recursive: true });
        made.add(parent);
      }
      writeFileSync(target, file.content);
    }
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Maps an engine's reported path (absolute, or relative to the scan directory) back to the repository path. */
export function repoPath(reported: string, scanDir: string): string {
  const abs = path.isAbsolute(reported) ? reported : path.join(scanDir, reported);
  return path.relative(scanDir, abs).split(path.sep).join('/');
}

/** The 1-based line of a character offset. */
export function lineOf(content: string, offset: number): number {
  let line = 1;
  for (let i = content.indexOf('\n'); i >= 0 && i < offset; i = content.indexOf('\n', i + 1)) line++;
  return line;
}

/** `x.y.z` from a program's version output. */
export function semverIn(output: string): string | undefined {
  return /v?(\d+\.\d+\.\d+)/.exec(output)?.[1];
}

/** Runs `binary args` and reads its version; a program that cannot start or answer is an EngineError. */
export async function probeVersion(
  name: string,
  binary: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const r = await execFile(binary, args, { env, timeoutMs: 60_000 }).catch((e: Error) => {
    throw new EngineError(name, `${name} could not start: ${e.message}`);
  });
  const version = semverIn(r.stdout);
  if (r.exitCode !== 0 || version === undefined) {
    throw new EngineError(
      name,
      `${name} ${args.join(' ')} failed (exit ${r.exitCode}): ${r.output.slice(0, 300)}`,
    );
  }
  return version;
}
