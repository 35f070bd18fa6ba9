// Where a run's evidence goes (--out: trace.jsonl, patch.diff, result.json) and the result.json of a run that
// stopped with an error: what went wrong and what was kept, written whatever the exit, so nothing is lost.
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRedactor, type Redactor } from '../lib/redact.js';
import { messageOf, UsageError } from './errors.js';
import type { TestRun } from './testing.js';

/** Files and a branch a run left behind. Only what this run wrote: never an earlier run's files. */
export interface Kept {
  trace?: string;
  patch?: string;
  /** The agent's branch, added to the user's repository. */
  branch?: string;
}

/**
 * result.json of a run that stopped with an error (exit code 2) before the agent finished: bad flags, a
 * policy that does not load, a repository that is not one, no sandbox, a crash. What was known by then,
 * the error, and what was kept.
 */
export interface RunErrorResult {
  outcome: 'error';
  error: string;
  sessionId: string | null;
  model: string | null;
  branch: string | null;
  baseCommit: string | null;
  commit: string | null;
  tests: { command: string | null; before: TestRun | null; after: null };
  warnings: string[];
  kept: Kept;
  /** The trace's length and head, when a trace was started (it is closed with a session.end line). */
  trace?: { lines: number; head: string };
}

/** The default output directory. */
export const DEFAULT_OUT_DIR = 'agentgate-out';

/** The output directory cannot be made (a file in the way, no permission): result.json cannot be written. */
export class OutDirError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'OutDirError';
  }
}

/**
 * A run that ended in an error, after its result.json was written (or could not be, and why). The message
 * is the original error's; `result` is what result.json says.
 */
export class RunError extends Error {
  readonly exitCode = 2;
  readonly result: RunErrorResult;
  /** result.json's path, when it was written. */
  readonly resultFile: string | undefined;
  /** Why result.json could not be written. */
  readonly notWritten: string | undefined;
  readonly outDirFailed: boolean;
  constructor(
    message: string,
    result: RunErrorResult,
    written: { file: string } | { reason: string },
    opts: { cause: unknown },
  ) {
    super(message, { cause: opts.cause });
    this.name = 'RunError';
    this.result = result;
    this.resultFile = 'file' in written ? written.file : undefined;
    this.notWritten = 'reason' in written ? written.reason : undefined;
    this.outDirFailed = opts.cause instanceof OutDirError;
  }
}

export function outputFiles(outDir: string): { trace: string; patch: string; result: string } {
  const dir = path.resolve(outDir);
  return {
    trace: path.join(dir, 'trace.jsonl'),
    patch: path.join(dir, 'patch.diff'),
    result: path.join(dir, 'result.json'),
  };
}

/** Creates the output directory (and its parents). Throws an OutDirError that says why it cannot. */
export function ensureOutDir(outDir: string): string {
  const dir = path.resolve(outDir);
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'EEXIST' || code === 'ENOTDIR'
        ? isFile(dir)
          ? 'it is a file, not a directory'
          : 'a directory on its path is a file'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EROFS'
            ? 'the file system is read-only'
            : messageOf(e);
    throw new OutDirError(`cannot create the output directory '${outDir}': ${why}`);
  }
  return dir;
}

function isFile(p: string): boolean {
  try {
    return !statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function rmStale(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    /* a directory of that name, say: not ours to remove */
  }
}

/** What a failed run knew by the time it stopped (everything optional). */
export interface FailureContext {
  outDir: string;
  /** Redacts the message and everything else before it is written (default: the environment's secrets). */
  redactor?: Redactor;
  env?: NodeJS.ProcessEnv;
  sessionId?: string;
  model?: string;
  branch?: string;
  baseCommit?: string;
  commit?: string | null;
  testCommand?: string;
  before?: TestRun | null;
  warnings?: string[];
  kept?: Kept;
  trace?: { lines: number; head: string };
}

/**
 * Writes result.json for a run that stopped with `error` (outcome 'error', the message, what was kept) and
 * returns the RunError to throw. An earlier run's trace.jsonl and patch.diff that this run did not write are
 * removed, so that the directory holds one run's evidence. Never throws: when result.json cannot be
 * written, the RunError says why. A RunError passes through unchanged.
 */
export function recordRunError(error: unknown, ctx: FailureContext): RunError {
  if (error instanceof RunError) return error;
  const redactor = ctx.redactor ?? createRedactor({ env: ctx.env ?? process.env });
  const files = outputFiles(ctx.outDir);
  const kept = ctx.kept ?? {};
  const result: RunErrorResult = redactor.redactDeep({
    outcome: 'error' as const,
    error: messageOf(error),
    sessionId: ctx.sessionId ?? null,
    model: ctx.model ?? null,
    branch: ctx.branch ?? null,
    baseCommit: ctx.baseCommit ?? null,
    commit: ctx.commit ?? null,
    tests: { command: ctx.testCommand ?? null, before: ctx.before ?? null, after: null },
    warnings: ctx.warnings ?? [],
    kept,
    ...(ctx.trace ? { trace: ctx.trace } : {}),
  });
  let written: { file: string } | { reason: string };
  try {
    ensureOutDir(ctx.outDir);
    if (!kept.trace) rmStale(files.trace);
    if (!kept.patch) rmStale(files.patch);
    writeFileSync(files.result, `${JSON.stringify(result, null, 2)}\n`);
    written = { file: files.result };
  } catch (e) {
    written = { reason: e instanceof OutDirError ? e.message : `${files.result}: ${messageOf(e)}` };
  }
  return new RunError(messageOf(error), result, written, { cause: error });
}
