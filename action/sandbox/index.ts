// Sandboxed commands: every command the agent runs goes through here. In 'bubblewrap' mode it runs under
// @anthropic-ai/sandbox-runtime (bubblewrap namespaces plus its filtering proxy): writes only inside the
// work and temp directories, network only to the allowlisted domains through the proxy, an environment
// built from an allowlist. 'none' runs the same command unisolated, with the same environment.
import { mkdir, mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  getDefaultWritePaths,
  SandboxManager,
  type SandboxRuntimeConfig,
  SandboxRuntimeConfigSchema,
} from '@anthropic-ai/sandbox-runtime';
import { type ExecResult, execFile } from '../../lib/exec.js';
import { inside } from '../guards/paths.js';
import { buildCommandEnv } from './env.js';
import { DEFAULT_PATH, fixForFailure, probeSandboxDetailed } from './probe.js';

export { buildCommandEnv } from './env.js';
export { probeSandbox } from './probe.js';

export interface SandboxConfig {
  /** Absolute; the only writable place besides tmpDir. */
  workDir: string;
  /** Private temp dir (TMPDIR in the child). Created under os.tmpdir() when omitted, and then removed on dispose. */
  tmpDir?: string;
  /** 'none' runs commands unsandboxed (the caller records a warning). */
  mode: 'bubblewrap' | 'none';
  /** Egress allowlist (domain patterns, IP literals, optional :port); empty means no network. */
  allowedDomains: string[];
  /** Absolute paths or globs the command may not read. */
  denyRead: string[];
  /** Absolute paths inside workDir that stay read-only (e.g. workDir/.git). */
  denyWrite?: string[];
  /** Variable names passed through (exact names, '*' suffix globs). */
  envAllow: string[];
  /** A secret wins over the allowlist: never passed. */
  isSecretEnv: (name: string) => boolean;
  /** Defaults to process.env. */
  baseEnv?: NodeJS.ProcessEnv;
}

export interface CommandResult {
  exitCode: number | null;
  signal: string | null;
  /** Combined stdout/stderr, bounded; ends with "[output truncated: kept last N of M bytes]" when cut. */
  output: string;
  truncated: boolean;
  timedOut: boolean;
  durationMs: number;
}

export interface RunOptions {
  timeoutMs: number;
  maxOutputBytes: number;
  /** Must be inside workDir (relative paths are taken from workDir). Defaults to workDir. */
  cwd?: string;
}

export interface Sandbox {
  readonly mode: 'bubblewrap' | 'none';
  readonly warnings: string[];
  run(command: string, opts: RunOptions): Promise<CommandResult>;
  dispose(): Promise<void>;
}

export class SandboxUnavailableError extends Error {
  readonly reason: string;
  readonly fix: string;
  constructor(reason: string, fix: string) {
    super(`The bubblewrap sandbox cannot run on this host: ${reason}.\nFix: ${fix}`);
    this.name = 'SandboxUnavailableError';
    this.reason = reason;
    this.fix = fix;
  }
}

const SHELL = '/bin/bash';
const TRIAL_TIMEOUT_MS = 15_000;
/**
 * sandbox-runtime scans the Node process's cwd (not workDir) this deep for dangerous files before every
 * command. Only the top level of that scan matters here, and a deeper one costs time in a big checkout;
 * workDir's own .git is protected below.
 */
const MANDATORY_DENY_SEARCH_DEPTH = 1;
const MAX_VIOLATION_LINES = 10;
const NONE_WARNING =
  "sandbox mode 'none': commands run without isolation (no filesystem, network or process restrictions; only the environment is filtered)";

/** sandbox-runtime keeps one configuration and one proxy per process, so one bubblewrap sandbox may be live. */
let liveBubblewrap = false;
/** Violation records are keyed by command id for the life of the process, so ids are never reused. */
let commandSeq = 0;

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

function withLine(text: string, line: string): string {
  return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${line}`;
}

/** What the runtime refused this command (proxy denials), as a short block the model can act on. */
function violationsOf(commandId: string): string[] {
  const lines = [
    ...new Set(
      SandboxManager.getSandboxViolationStore()
        .getViolationsForCommand(commandId)
        .map((v) => v.line),
    ),
  ];
  if (lines.length <= MAX_VIOLATION_LINES) return lines;
  return [...lines.slice(0, MAX_VIOLATION_LINES), `... and ${lines.length - MAX_VIOLATION_LINES} more`];
}

function toCommandResult(r: ExecResult, maxOutputBytes: number, violations: string[] = []): CommandResult {
  let output = r.output;
  if (violations.length > 0) {
    output = withLine(output, `<sandbox_violations>\n${violations.join('\n')}\n</sandbox_violations>\n`);
  }
  if (r.truncated) {
    output = withLine(output, `[output truncated: kept last ${maxOutputBytes} of ${r.outputBytes} bytes]`);
  }
  return {
    exitCode: r.exitCode,
    signal: r.signal,
    output,
    truncated: r.truncated,
    timedOut: r.timedOut,
    durationMs: r.durationMs,
  };
}

/**
 * Writable paths sandbox-runtime adds on its own (its /tmp/claude and a few under the host's home),
 * made read-only again so that only workDir and tmpDir are writable. Device nodes stay as they are.
 */
function runtimeDefaultWritePaths(workDir: string, tmpDir: string): string[] {
  return getDefaultWritePaths().filter(
    (p) => !p.startsWith('/dev/') && !inside(p, workDir) && !inside(p, tmpDir),
  );
}

/**
 * Git runs hooks and reads config from these on the host after the session (commit, diff), so they stay
 * read-only whatever the caller lists. Only when .git is a directory: a missing one would block `git init`.
 */
async function gitDenyWrite(workDir: string): Promise<string[]> {
  const dotGit = path.join(workDir, '.git');
  const isDir = await stat(dotGit).then(
    (st) => st.isDirectory(),
    () => false,
  );
  return isDir ? [path.join(dotGit, 'hooks'), path.join(dotGit, 'config')] : [];
}

async function runtimeConfig(
  cfg: SandboxConfig,
  workDir: string,
  tmpDir: string,
  tools: { bwrap: string; socat: string; rg: string },
): Promise<SandboxRuntimeConfig> {
  const denyWrite = [
    ...(cfg.denyWrite ?? []),
    ...(await gitDenyWrite(workDir)),
    ...runtimeDefaultWritePaths(workDir, tmpDir),
  ];
  const candidate = {
    network: { allowedDomains: [...cfg.allowedDomains], deniedDomains: [] },
    filesystem: {
      denyRead: [...cfg.denyRead],
      allowWrite: [workDir, tmpDir],
      denyWrite: [...new Set(denyWrite)],
    },
    bwrapPath: tools.bwrap,
    socatPath: tools.socat,
    ripgrep: { command: tools.rg },
    mandatoryDenySearchDepth: MANDATORY_DENY_SEARCH_DEPTH,
  };
  const parsed = SandboxRuntimeConfigSchema.safeParse(candidate);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid sandbox configuration: ${issues}`);
  }
  return parsed.data;
}

/** Starts a sandbox. In 'bubblewrap' mode throws SandboxUnavailableError when the host cannot run it. */
export async function createSandbox(cfg: SandboxConfig): Promise<Sandbox> {
  if (!path.isAbsolute(cfg.workDir)) {
    throw new Error(`workDir must be an absolute path, got '${cfg.workDir}'`);
  }
  if (cfg.tmpDir !== undefined && !path.isAbsolute(cfg.tmpDir)) {
    throw new Error(`tmpDir must be an absolute path, got '${cfg.tmpDir}'`);
  }
  const bubblewrap = cfg.mode === 'bubblewrap';
  if (bubblewrap) {
    if (liveBubblewrap) {
      throw new Error(
        'A bubblewrap sandbox is already live in this process; dispose() it before creating another ' +
          '(sandbox-runtime keeps one configuration and proxy per process).',
      );
    }
    liveBubblewrap = true;
  }

  let tmpDir: string | undefined;
  const ownsTmp = cfg.tmpDir === undefined;
  try {
    const workDir = await realpath(cfg.workDir);
    if (cfg.tmpDir !== undefined) await mkdir(cfg.tmpDir, { recursive: true });
    tmpDir = await realpath(cfg.tmpDir ?? (await mkdtemp(path.join(os.tmpdir(), 'agentgate-sandbox-'))));
    const home = path.join(tmpDir, 'home');
    await mkdir(home, { recursive: true });

    const env = buildCommandEnv(cfg.baseEnv ?? process.env, cfg.envAllow, cfg.isSecretEnv, {
      HOME: home,
      TMPDIR: tmpDir,
    });
    env.PATH ??= DEFAULT_PATH;

    if (!bubblewrap) {
      return makeSandbox({ mode: 'none', workDir, tmpDir, ownsTmp, env, warnings: [NONE_WARNING] });
    }

    const probe = await probeSandboxDetailed();
    if (!probe.ok) throw new SandboxUnavailableError(probe.reason, probe.fix);
    const config = await runtimeConfig(cfg, workDir, tmpDir, probe);
    try {
      await SandboxManager.initialize(config);
    } catch (e) {
      await SandboxManager.reset().catch(() => {});
      const detail = e instanceof Error ? e.message : String(e);
      throw new SandboxUnavailableError(
        `sandbox-runtime failed to start (${detail})`,
        await fixForFailure(detail),
      );
    }
    const globWarnings = SandboxManager.getLinuxGlobPatternWarnings().map(
      (p) =>
        `sandbox: the path pattern '${p}' is not enforced under bubblewrap (write rules take literal paths; ` +
        'a read glob needs a literal directory to start from)',
    );
    const warnings = [...probe.warnings.map((w) => `sandbox: ${w}`), ...globWarnings];
    const sandbox = makeSandbox({ mode: 'bubblewrap', workDir, tmpDir, ownsTmp, env, warnings });
    let trial: CommandResult | Error;
    try {
      trial = await sandbox.run('true', { timeoutMs: TRIAL_TIMEOUT_MS, maxOutputBytes: 4096 });
    } catch (e) {
      trial = e instanceof Error ? e : new Error(String(e));
    }
    if (trial instanceof Error || trial.exitCode !== 0) {
      await sandbox.dispose().catch(() => {});
      const what =
        trial instanceof Error
          ? trial.message
          : `exit ${trial.exitCode ?? trial.signal}: ${trial.output.trim()}`;
      throw new SandboxUnavailableError(
        `a trial command failed inside the sandbox (${what})`,
        await fixForFailure(what),
      );
    }
    return sandbox;
  } catch (e) {
    if (bubblewrap) liveBubblewrap = false;
    if (ownsTmp && tmpDir) await rm(tmpDir, { recursive: true, force: true }).catch(() => {});
    throw e;
  }
}

interface SandboxState {
  mode: 'bubblewrap' | 'none';
  workDir: string;
  tmpDir: string;
  ownsTmp: boolean;
  env: Record<string, string>;
  warnings: string[];
}

function makeSandbox(s: SandboxState): Sandbox {
  const stop = new AbortController();
  const inflight = new Set<Promise<unknown>>();
  let disposing: Promise<void> | undefined;

  async function resolveCwd(cwd: string | undefined): Promise<string> {
    if (cwd === undefined) return s.workDir;
    const real = await realpath(path.resolve(s.workDir, cwd));
    if (!inside(s.workDir, real)) throw new Error(`cwd '${cwd}' is outside the work directory ${s.workDir}`);
    return real;
  }

  async function runOnce(command: string, opts: RunOptions): Promise<CommandResult> {
    const cwd = await resolveCwd(opts.cwd);
    const exec = (args: string[]) =>
      execFile(SHELL, args, {
        cwd,
        env: s.env,
        timeoutMs: opts.timeoutMs,
        maxOutputBytes: opts.maxOutputBytes,
        signal: stop.signal,
      });
    if (s.mode === 'none') return toCommandResult(await exec(['-c', command]), opts.maxOutputBytes);

    // sandbox-runtime points TMPDIR at its own shared directory; the command gets its private one.
    const inner = `export TMPDIR=${shellQuote(s.tmpDir)}; ${command}`;
    const commandId = `agentgate-${++commandSeq}`;
    const wrapped = await SandboxManager.wrapWithSandbox(inner, 'bash', undefined, stop.signal, {
      commandId,
      commandText: command,
    });
    try {
      const r = await exec(['-c', wrapped]);
      return toCommandResult(r, opts.maxOutputBytes, violationsOf(commandId));
    } finally {
      SandboxManager.cleanupAfterCommand();
    }
  }

  return {
    mode: s.mode,
    warnings: s.warnings,
    run(command, opts) {
      if (disposing) return Promise.reject(new Error('this sandbox has been disposed'));
      const p = runOnce(command, opts);
      inflight.add(p);
      const untrack = () => inflight.delete(p);
      p.then(untrack, untrack);
      return p;
    },
    dispose() {
      disposing ??= (async () => {
        stop.abort();
        await Promise.allSettled([...inflight]);
        try {
          if (s.mode === 'bubblewrap') await SandboxManager.reset();
        } finally {
          if (s.mode === 'bubblewrap') liveBubblewrap = false;
          if (s.ownsTmp) await rm(s.tmpDir, { recursive: true, force: true });
        }
      })();
      return disposing;
    },
  };
}
