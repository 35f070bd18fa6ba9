// Sandboxed commands: every command the agent runs goes through here. In 'bubblewrap' mode it runs under
// bubblewrap with the mount set of ./mounts.ts (reads deny-by-default: the work tree, a private home and
// temp dir, the system and toolchain directories read-only, nothing else of the host), in its own user,
// PID, IPC, UTS and network namespaces, with socket(AF_UNIX) blocked by the seccomp helper of
// @anthropic-ai/sandbox-runtime. When the policy lists network hosts, that runtime's filtering proxy is
// the only way out: its sockets are bound in and a socat bridge inside serves HTTP(S)_PROXY. The
// environment is built from an allowlist. 'none' runs the same command unisolated, with the same
// environment.
//
// Why the mount set is built here rather than by sandbox-runtime's wrapWithSandbox: that function starts
// from the host's whole root (`--ro-bind / /`) and subtracts; deny-by-default is the other way round,
// and building the argument list once per session also keeps a command's overhead to bwrap's own.
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SandboxManager, SandboxRuntimeConfigSchema } from '@anthropic-ai/sandbox-runtime';
import { type ExecResult, execFile } from '../../lib/exec.js';
import { inside } from '../guards/paths.js';
import { type EgressProxy, startEgressProxy } from './egress.js';
import { buildCommandEnv } from './env.js';
import { existingInside, resolveHostLayout } from './layout.js';
import { bwrapArgs, capabilityArgs, type HostLayout, type MountSpec, programPath } from './mounts.js';
import { DEFAULT_PATH, fixForFailure, probeSandboxDetailed } from './probe.js';

export { buildCommandEnv } from './env.js';
export { probeSandbox } from './probe.js';

export interface SandboxConfig {
  /** Absolute; the only writable place besides tmpDir. */
  workDir: string;
  /** Private temp dir (TMPDIR in the child; HOME is its `home`). Created under os.tmpdir() when omitted, and then removed on dispose. */
  tmpDir?: string;
  /** 'none' runs commands unsandboxed (the caller records a warning). */
  mode: 'bubblewrap' | 'none';
  /** Egress allowlist (domain patterns, IP literals, optional :port); empty means no network. */
  allowedDomains: string[];
  /** Absolute paths inside workDir hidden from commands (those that exist when the sandbox starts). */
  denyRead: string[];
  /** Absolute paths inside workDir that stay read-only (e.g. workDir/.git). */
  denyWrite?: string[];
  /**
   * Host directories commands may read (absolute or ~/...), besides the system directories. The
   * directories on the command's PATH are added to them.
   */
  toolchains?: readonly string[];
  /**
   * Host directories no toolchain or PATH entry may show, or sit inside: the user's checkout,
   * $RUNNER_TEMP, the runner's work directory.
   */
  neverShown?: readonly string[];
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

/** How to start a long-lived program (an MCP server) inside the sandbox: spawn `file` with `args` and `env`. */
export interface Launch {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

export interface LaunchOptions {
  /** Variables added to the sandbox's environment for this program (the caller has vetted them). */
  env?: Record<string, string>;
  cwd?: string;
  /**
   * Hosts this program alone may reach (domain patterns, IP literals, optional :port), through a
   * filtering proxy of its own; the sandbox's allowedDomains do not apply to it. Empty: no network.
   */
  network?: readonly string[];
}

export interface Sandbox {
  readonly mode: 'bubblewrap' | 'none';
  readonly warnings: string[];
  run(command: string, opts: RunOptions): Promise<CommandResult>;
  /** The same isolation for a program that keeps running (stdio stays open); the caller spawns it. */
  launch(argv: readonly string[], opts?: LaunchOptions): Promise<Launch>;
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

const TRIAL_TIMEOUT_MS = 15_000;
const MAX_VIOLATION_LINES = 10;
/** Ports the bridge listens on inside the sandbox's network namespace. */
const BRIDGE_HTTP_PORT = 3128;
const BRIDGE_SOCKS_PORT = 1080;
const PROXY_USER = 'srt';
const NONE_WARNING =
  "sandbox mode 'none': commands run without isolation (no filesystem, network or process restrictions; only the environment is filtered)";
const CAP_SETFCAP = 31n;

/** sandbox-runtime keeps one configuration and one proxy per process, so one networked sandbox may be live. */
let liveProxy = false;

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

function withLine(text: string, line: string): string {
  return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${line}`;
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

/** Whether CAP_SETFCAP is in this process's bounding (or inheritable) set, from /proc/self/status. */
async function hasSetfcap(): Promise<boolean> {
  try {
    const { readFile } = await import('node:fs/promises');
    const status = await readFile('/proc/self/status', 'utf8');
    const bnd = /^CapBnd:\s*([0-9a-f]+)$/im.exec(status)?.[1];
    const inh = /^CapInh:\s*([0-9a-f]+)$/im.exec(status)?.[1];
    if (bnd === undefined || inh === undefined) return false;
    return ((BigInt(`0x${bnd}`) | BigInt(`0x${inh}`)) & (1n << CAP_SETFCAP)) !== 0n;
  } catch {
    return false;
  }
}

/** The proxy's bridge: where its sockets are, and what a command's environment must say to use it. */
interface Bridge {
  http: string;
  socks: string;
  env: Record<string, string>;
}

/** Starts sandbox-runtime's filtering proxy for `allowedDomains`; its filesystem settings are unused. */
async function startProxy(
  allowedDomains: string[],
  socat: string,
  rg: string,
  bwrap: string,
): Promise<Bridge> {
  const parsed = SandboxRuntimeConfigSchema.safeParse({
    network: { allowedDomains: [...allowedDomains], deniedDomains: [] },
    filesystem: { denyRead: [], allowWrite: [], denyWrite: [] },
    bwrapPath: bwrap,
    socatPath: socat,
    ripgrep: { command: rg },
  });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid sandbox configuration: ${issues}`);
  }
  try {
    await SandboxManager.initialize(parsed.data);
    await SandboxManager.waitForNetworkInitialization();
  } catch (e) {
    await SandboxManager.reset().catch(() => {});
    const detail = e instanceof Error ? e.message : String(e);
    throw new SandboxUnavailableError(
      `sandbox-runtime's proxy failed to start (${detail})`,
      await fixForFailure(detail),
    );
  }
  const http = SandboxManager.getLinuxHttpSocketPath();
  const socks = SandboxManager.getLinuxSocksSocketPath();
  if (!http || !socks) {
    await SandboxManager.reset().catch(() => {});
    throw new SandboxUnavailableError(
      "sandbox-runtime's network bridge did not start",
      await fixForFailure('no bridge socket'),
    );
  }
  const token = SandboxManager.getProxyAuthToken();
  return {
    http,
    socks,
    env: {
      ...proxyEnv(token ? `${PROXY_USER}:${token}@` : ''),
      ...(token ? { GIT_CONFIG_PARAMETERS: "'http.proxyAuthMethod=basic'" } : {}),
    },
  };
}

/** A bridge listener inside the sandbox: a loopback port that leads to a proxy's unix socket outside. */
interface Listener {
  port: number;
  socket: string;
}

function listenersOf(bridge: Bridge): Listener[] {
  return [
    { port: BRIDGE_HTTP_PORT, socket: bridge.http },
    { port: BRIDGE_SOCKS_PORT, socket: bridge.socks },
  ];
}

/** The script bwrap runs with network hosts: the bridge's listeners (before seccomp, which forbids their unix sockets), then the program. */
function bridgeScript(socatPath: string, listeners: readonly Listener[], program: string): string {
  const socat = shellQuote(socatPath);
  const jobs = listeners.map((_, i) => `%${i + 1}`).join(' ');
  return [
    ...listeners.map(
      (l) =>
        `${socat} TCP-LISTEN:${l.port},fork,reuseaddr,bind=127.0.0.1 UNIX-CONNECT:${shellQuote(l.socket)} >/dev/null 2>&1 &`,
    ),
    `trap 'rc=$?; kill ${jobs} 2>/dev/null; exit $rc' EXIT`,
    program,
  ].join('\n');
}

/** The environment that points a program at a proxy bridged to BRIDGE_HTTP_PORT. */
function proxyEnv(auth: string): Record<string, string> {
  const url = `http://${auth}localhost:${BRIDGE_HTTP_PORT}`;
  const noProxy = 'localhost,127.0.0.1,::1';
  return {
    HTTP_PROXY: url,
    HTTPS_PROXY: url,
    http_proxy: url,
    https_proxy: url,
    ALL_PROXY: url,
    all_proxy: url,
    GRPC_PROXY: url,
    grpc_proxy: url,
    NO_PROXY: noProxy,
    no_proxy: noProxy,
  };
}

/** What a bubblewrap sandbox resolved once, at its start, so that each command only assembles arguments. */
interface Prepared {
  bwrap: string;
  shell: string;
  socat: string;
  helper: string | undefined;
  layout: HostLayout;
  caps: string[];
  readOnly: string[];
  hidden: MountSpec['hidden'];
  bridge: Bridge | undefined;
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
  const networked = bubblewrap && cfg.allowedDomains.length > 0;
  if (networked) {
    if (liveProxy) {
      throw new Error(
        'A bubblewrap sandbox with network hosts is already live in this process; dispose() it before creating ' +
          'another (sandbox-runtime keeps one proxy per process).',
      );
    }
    liveProxy = true;
  }

  let tmpDir: string | undefined;
  let proxyStarted = false;
  const ownsTmp = cfg.tmpDir === undefined;
  try {
    const workDir = await realpath(cfg.workDir);
    if (cfg.tmpDir !== undefined) await mkdir(cfg.tmpDir, { recursive: true });
    tmpDir = await realpath(cfg.tmpDir ?? (await mkdtemp(path.join(os.tmpdir(), 'agentgate-sandbox-'))));
    const home = path.join(tmpDir, 'home');
    await mkdir(home, { recursive: true });

    const baseEnv = cfg.baseEnv ?? process.env;
    const env = buildCommandEnv(baseEnv, cfg.envAllow, cfg.isSecretEnv, { HOME: home, TMPDIR: tmpDir });
    env.PATH ??= DEFAULT_PATH;

    if (!bubblewrap) {
      return makeSandbox({ mode: 'none', workDir, tmpDir, ownsTmp, env, warnings: [NONE_WARNING] });
    }

    const probe = await probeSandboxDetailed();
    if (!probe.ok) throw new SandboxUnavailableError(probe.reason, probe.fix);
    const hostHome = baseEnv.HOME ?? os.homedir();
    const euid = process.geteuid?.() ?? 1000;
    const prepared: Prepared = {
      bwrap: probe.bwrap,
      shell: probe.bash,
      socat: probe.socat,
      helper: probe.seccompHelper,
      layout: await resolveHostLayout(cfg.toolchains ?? [], hostHome, env.PATH, cfg.neverShown ?? []),
      caps: capabilityArgs({
        euid,
        hasSetfcap: await hasSetfcap(),
        usesSeccompHelper: probe.seccompHelper !== undefined,
      }),
      readOnly: (await existingInside(workDir, [...(cfg.denyWrite ?? []), ...gitReadOnly(workDir)])).map(
        (h) => h.path,
      ),
      hidden: await existingInside(workDir, cfg.denyRead),
      bridge: undefined,
    };
    if (networked) {
      prepared.bridge = await startProxy(cfg.allowedDomains, probe.socat, probe.rg, probe.bwrap);
      proxyStarted = true;
    }
    const warnings = [
      ...probe.warnings.map((w) => `sandbox: ${w}`),
      ...(probe.seccompHelper
        ? []
        : [
            'sandbox: the seccomp helper for this CPU architecture is missing, so commands may open unix sockets',
          ]),
    ];
    const sandbox = makeSandbox({ mode: 'bubblewrap', workDir, tmpDir, ownsTmp, env, warnings, prepared });
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
    if (proxyStarted) await SandboxManager.reset().catch(() => {});
    if (networked) liveProxy = false;
    if (ownsTmp && tmpDir) await rm(tmpDir, { recursive: true, force: true }).catch(() => {});
    throw e;
  }
}

/**
 * Git runs hooks and reads config from these on the host after the session (commit, diff), so they stay
 * read-only whatever the caller lists.
 */
function gitReadOnly(workDir: string): string[] {
  return [path.join(workDir, '.git', 'hooks'), path.join(workDir, '.git', 'config')];
}

interface SandboxState {
  mode: 'bubblewrap' | 'none';
  workDir: string;
  tmpDir: string;
  ownsTmp: boolean;
  env: Record<string, string>;
  warnings: string[];
  prepared?: Prepared;
}

function makeSandbox(s: SandboxState): Sandbox {
  const stop = new AbortController();
  const inflight = new Set<Promise<unknown>>();
  let disposing: Promise<void> | undefined;
  const bridge = s.prepared?.bridge;
  const env = bridge ? { ...s.env, ...bridge.env } : s.env;
  const egress: { proxy: EgressProxy; dir: string }[] = [];

  async function resolveCwd(cwd: string | undefined): Promise<string> {
    if (cwd === undefined) return s.workDir;
    const real = await realpath(path.resolve(s.workDir, cwd));
    if (!inside(s.workDir, real)) throw new Error(`cwd '${cwd}' is outside the work directory ${s.workDir}`);
    return real;
  }

  /**
   * bwrap's argv for the program `argv` run from `cwd`: seccomp first, and the bridge's listeners before
   * it when there is a proxy (`listeners`, default the sandbox's own).
   */
  function wrap(
    p: Prepared,
    argv: readonly string[],
    cwd: string,
    listeners = bridge ? listenersOf(bridge) : [],
  ): string[] {
    const spec: MountSpec = {
      workDir: s.workDir,
      tmpDir: s.tmpDir,
      readOnly: p.readOnly,
      hidden: p.hidden,
      sockets: [...new Set(listeners.map((l) => l.socket))],
      programs: p.helper ? [p.helper] : [],
      caps: p.caps,
      cwd,
    };
    const program = p.helper ? [programPath(p.helper), ...argv] : [...argv];
    const tail =
      listeners.length > 0
        ? [p.shell, '-c', bridgeScript(p.socat, listeners, program.map(shellQuote).join(' '))]
        : program;
    return [...bwrapArgs(p.layout, spec), '--', ...tail];
  }

  /** Proxy denials recorded while a command ran (sandbox-runtime keeps the last 100). */
  function violationsSince(before: number): string[] {
    if (!bridge) return [];
    const store = SandboxManager.getSandboxViolationStore();
    const added = store.getTotalCount() - before;
    if (added <= 0) return [];
    const lines = [...new Set(store.getViolations(Math.min(added, 100)).map((v) => v.line))];
    if (lines.length <= MAX_VIOLATION_LINES) return lines;
    return [...lines.slice(0, MAX_VIOLATION_LINES), `... and ${lines.length - MAX_VIOLATION_LINES} more`];
  }

  async function runOnce(command: string, opts: RunOptions): Promise<CommandResult> {
    const cwd = await resolveCwd(opts.cwd);
    const execOpts = {
      cwd,
      env,
      timeoutMs: opts.timeoutMs,
      maxOutputBytes: opts.maxOutputBytes,
      signal: stop.signal,
    };
    const p = s.prepared;
    if (!p)
      return toCommandResult(await execFile('/bin/bash', ['-c', command], execOpts), opts.maxOutputBytes);
    const before = bridge ? SandboxManager.getSandboxViolationStore().getTotalCount() : 0;
    const r = await execFile(p.bwrap, wrap(p, [p.shell, '-c', command], cwd), execOpts);
    return toCommandResult(r, opts.maxOutputBytes, violationsSince(before));
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
    async launch(argv, opts = {}) {
      if (disposing) throw new Error('this sandbox has been disposed');
      if (argv.length === 0) throw new Error('launch needs a program');
      const cwd = await resolveCwd(opts.cwd);
      const p = s.prepared;
      // Its own network list, not the commands': the sandbox's proxy settings are left out.
      const launchEnv = { ...s.env, ...(opts.env ?? {}) };
      if (!p) return { file: argv[0] as string, args: argv.slice(1), env: launchEnv, cwd };
      const network = opts.network ?? [];
      if (network.length === 0) return { file: p.bwrap, args: wrap(p, argv, cwd, []), env: launchEnv, cwd };
      const dir = await mkdtemp(path.join(os.tmpdir(), 'agentgate-egress-'));
      const proxy = await startEgressProxy(path.join(dir, 'proxy.sock'), network);
      egress.push({ proxy, dir });
      const listeners = [{ port: BRIDGE_HTTP_PORT, socket: proxy.socketPath }];
      return {
        file: p.bwrap,
        args: wrap(p, argv, cwd, listeners),
        env: { ...launchEnv, ...proxyEnv('') },
        cwd,
      };
    },
    dispose() {
      disposing ??= (async () => {
        stop.abort();
        await Promise.allSettled([...inflight]);
        await Promise.allSettled(
          egress.splice(0).map(async (e) => {
            await e.proxy.close();
            await rm(e.dir, { recursive: true, force: true });
          }),
        );
        try {
          if (bridge) await SandboxManager.reset();
        } finally {
          if (bridge) liveProxy = false;
          if (s.ownsTmp) await rm(s.tmpDir, { recursive: true, force: true });
        }
      })();
      return disposing;
    },
  };
}
