// The one place that starts processes. Everything else (git, the gate engines, the sandbox, the microVM
// launcher, tests) goes through here, so timeouts, process-tree kills and output bounds behave the same
// everywhere. It lives in lib/, under action/, gates/ and runner-image/, which all need it.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';

export interface ExecOptions {
  cwd?: string;
  /** The complete environment of the child. Nothing is inherited unless passed here. */
  env?: NodeJS.ProcessEnv;
  /** Kill the whole process group after this many milliseconds. */
  timeoutMs?: number;
  /** Keep at most this many bytes of combined output (the tail is kept). */
  maxOutputBytes?: number;
  input?: string | Buffer;
  signal?: AbortSignal;
  /** Also return stdout as bytes (`stdoutBytes`), for binary-safe protocols like `git cat-file --batch`. */
  binaryStdout?: boolean;
  /** Called with each chunk of stdout as it arrives (a VM's console, to time its boot). */
  onStdout?: (chunk: string) => void;
}

export interface ExecResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr interleaved as they arrived, bounded by maxOutputBytes. */
  output: string;
  stdout: string;
  stderr: string;
  /** True when output was cut to maxOutputBytes. */
  truncated: boolean;
  /** Bytes of combined output the command produced, before any cut. */
  outputBytes: number;
  timedOut: boolean;
  durationMs: number;
  /** stdout as bytes, bounded like the rest; only with `binaryStdout`. */
  stdoutBytes?: Buffer;
}

const DEFAULT_MAX_OUTPUT = 1024 * 1024;

class Tail {
  private chunks: Buffer[] = [];
  size = 0;
  dropped = 0;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 0) {
      const first = this.chunks[0] as Buffer;
      const excess = this.size - this.limit;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
        this.dropped += first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
        this.dropped += excess;
      }
    }
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
  text(): string {
    return this.bytes().toString('utf8');
  }
}

/** Runs `file` with `args` (no shell). Never throws for a non-zero exit; throws only when spawning fails. */
export function execFile(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const limit = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const all = new Tail(limit);
    const out = new Tail(limit);
    const err = new Tail(limit);
    let timedOut = false;
    let settled = false;
    const killTree = (sig: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        try {
          child.kill(sig);
        } catch {
          /* already gone */
        }
      }
    };
    const timer =
      opts.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            killTree('SIGTERM');
            setTimeout(() => killTree('SIGKILL'), 2000).unref();
          }, opts.timeoutMs)
        : undefined;
    const onAbort = () => killTree('SIGKILL');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout?.on('data', (c: Buffer) => {
      all.push(c);
      out.push(c);
      opts.onStdout?.(c.toString('utf8'));
    });
    child.stderr?.on('data', (c: Buffer) => {
      all.push(c);
      err.push(c);
    });
    child.on('error', (e) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      reject(e);
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      // Anything the command left running in its group goes too.
      killTree('SIGKILL');
      resolve({
        exitCode: code,
        signal,
        output: all.text(),
        stdout: out.text(),
        stderr: err.text(),
        truncated: all.dropped > 0,
        outputBytes: all.dropped + all.size,
        timedOut,
        durationMs: performance.now() - started,
        ...(opts.binaryStdout ? { stdoutBytes: out.bytes() } : {}),
      });
    });
    if (opts.input !== undefined && child.stdin) {
      child.stdin.on('error', () => {});
      child.stdin.end(opts.input);
    }
  });
}

/** True for a regular file this process may execute. */
export async function isExecutableFile(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * The first executable file named `name` in the absolute directories of `searchPath` (a PATH value), or
 * undefined. Relative entries (`.`, ``) are skipped: a program is never found in whatever the current
 * directory happens to be.
 */
export async function findOnPath(
  name: string,
  searchPath = process.env.PATH ?? '',
): Promise<string | undefined> {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!path.isAbsolute(dir)) continue;
    const file = path.join(dir, name);
    if (await isExecutableFile(file)) return file;
  }
  return undefined;
}
