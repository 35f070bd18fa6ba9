// Can the bubblewrap sandbox run on this host? Checks the tools it needs, then actually creates the
// namespaces it uses, and when that fails says which kernel setting is in the way and how to change it.
import dns from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SandboxManager } from '@anthropic-ai/sandbox-runtime';
import { execFile, findOnPath as findExecutable, isExecutableFile } from '../../lib/exec.js';

export type ProbeResult = { ok: true } | { ok: false; reason: string; fix: string };

/** What a successful probe found: absolute tool paths for the runtime and anything degraded. */
export type ProbeDetail =
  | {
      ok: true;
      bwrap: string;
      socat: string;
      rg: string;
      /** The shell commands run in, resolved once. */
      bash: string;
      /** sandbox-runtime's seccomp helper (blocks unix sockets), when there is one for this architecture. */
      seccompHelper: string | undefined;
      warnings: string[];
    }
  | { ok: false; reason: string; fix: string };

export const INSTALL_FIX =
  'install them with `sudo apt-get install -y bubblewrap socat ripgrep` (Debian/Ubuntu)';

const REQUIRED_TOOLS = [
  { bin: 'bwrap', name: 'bubblewrap (bwrap)' },
  { bin: 'socat', name: 'socat' },
  { bin: 'rg', name: 'ripgrep (rg)' },
] as const;

const TRIAL_TIMEOUT_MS = 10_000;
/** The PATH a command gets when the environment has none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The first executable `bin` on `searchPath` (default this process's PATH, else the standard one), or undefined. */
export function findOnPath(
  bin: string,
  searchPath = process.env.PATH ?? DEFAULT_PATH,
): Promise<string | undefined> {
  return findExecutable(bin, searchPath);
}

async function readSysctl(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/**
 * How to let unprivileged user namespaces through, judged from the kernel settings that restrict them.
 * `read` reads a /proc/sys file (replaced in tests).
 */
export async function usernsFix(
  read: (file: string) => Promise<string | undefined> = readSysctl,
): Promise<string> {
  const apparmor = await read('/proc/sys/kernel/apparmor_restrict_unprivileged_userns');
  const clone = await read('/proc/sys/kernel/unprivileged_userns_clone');
  const max = await read('/proc/sys/user/max_user_namespaces');
  if (apparmor === '1') {
    return (
      'AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1, the default on ' +
      'Ubuntu 24.04 and its GitHub-hosted runners). Run `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0` ' +
      'in a step before this one, or install an AppArmor profile that grants `userns` to bwrap and to the ' +
      "sandbox-runtime's apply-seccomp helper."
    );
  }
  if (clone === '0') {
    return 'unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone=0). Run `sudo sysctl -w kernel.unprivileged_userns_clone=1`.';
  }
  if (max === '0') {
    return 'user namespaces are disabled (user.max_user_namespaces=0). Run `sudo sysctl -w user.max_user_namespaces=15000`.';
  }
  return (
    'user namespaces are blocked. Inside a container, allow unshare(CLONE_NEWUSER) (e.g. `docker run ' +
    '--security-opt seccomp=unconfined --security-opt apparmor=unconfined`) or use a VM runner; on Ubuntu 24.04 run ' +
    '`sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`.'
  );
}

/** A fix for a failure seen after the probe passed: namespace trouble gets the userns fix. */
export async function fixForFailure(detail: string): Promise<string> {
  if (/namespace|uid.?map|setgroups|CLONE_NEWUSER|Operation not permitted|Permission denied/i.test(detail)) {
    return usernsFix();
  }
  return "rerun with SRT_DEBUG=1 in the environment to see sandbox-runtime's debug log";
}

/**
 * The runtime's helper that applies its seccomp filter in a nested namespace, looked up where the runtime
 * looks: next to a bundle (vendor/seccomp/<arch>/ beside this file), then in the installed package.
 */
async function applySeccompHelper(): Promise<string | undefined> {
  const arch = process.arch === 'x64' ? 'x64' : process.arch === 'arm64' ? 'arm64' : undefined;
  if (!arch) return undefined;
  const rel = path.join('vendor', 'seccomp', arch, 'apply-seccomp');
  const candidates = [path.join(path.dirname(fileURLToPath(import.meta.url)), rel)];
  try {
    const entry = createRequire(import.meta.url).resolve('@anthropic-ai/sandbox-runtime');
    candidates.push(path.join(path.dirname(entry), '..', rel));
  } catch {
    /* not installed next to us: only the bundled location counts */
  }
  for (const c of candidates) {
    if (await isExecutableFile(c)) return c;
  }
  return undefined;
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? 'no output'
  );
}

/** Runs `true` under bwrap with the namespaces the sandbox uses (and through the seccomp helper, when given). */
async function trial(bwrap: string, truePath: string, helper?: string): Promise<string | undefined> {
  const root = process.geteuid?.() === 0;
  const caps = root ? ['--cap-drop', 'ALL', ...(helper ? ['--cap-add', 'CAP_SETFCAP'] : [])] : [];
  const args = [
    '--new-session',
    '--die-with-parent',
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--unshare-net',
    '--unshare-pid',
    '--unshare-user',
    ...caps,
    '--proc',
    '/proc',
    '--',
    ...(helper ? [helper] : []),
    truePath,
  ];
  try {
    const r = await execFile(bwrap, args, {
      env: { PATH: DEFAULT_PATH },
      timeoutMs: TRIAL_TIMEOUT_MS,
      maxOutputBytes: 4096,
    });
    if (r.exitCode === 0) return undefined;
    return r.timedOut
      ? `timed out after ${TRIAL_TIMEOUT_MS} ms`
      : `exit ${r.exitCode ?? r.signal}: ${firstLine(r.output)}`;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/**
 * The runtime's network bridge (socat) reaches its filtering proxy at `localhost`. Where that name does
 * not resolve (a minimal root without /etc/hosts), commands the policy lets onto the network fail to
 * connect: a warning that says so and how to fix it. `lookup` resolves as socat does (getaddrinfo).
 */
export async function loopbackWarning(
  lookup: (host: string) => Promise<unknown> = (host) => dns.lookup(host),
): Promise<string | undefined> {
  try {
    await lookup('localhost');
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    return (
      `the name localhost does not resolve here (${code}), and the sandbox's network bridge connects to its ` +
      "proxy at localhost: commands will have no network. Add the line '127.0.0.1 localhost' to /etc/hosts."
    );
  }
}

/** The full probe, with what the sandbox needs to start when it succeeds. */
export async function probeSandboxDetailed(): Promise<ProbeDetail> {
  if (process.platform !== 'linux') {
    return {
      ok: false,
      reason: `the bubblewrap sandbox needs Linux (this is ${process.platform})`,
      fix: 'run on a Linux runner (e.g. ubuntu-latest)',
    };
  }
  const found: Record<string, string> = {};
  const missing: string[] = [];
  for (const t of REQUIRED_TOOLS) {
    const p = await findOnPath(t.bin);
    if (p) found[t.bin] = p;
    else missing.push(t.name);
  }
  const { bwrap, socat, rg } = found;
  if (!bwrap || !socat || !rg) {
    return { ok: false, reason: `${missing.join(', ')} not found on PATH`, fix: INSTALL_FIX };
  }

  const deps = await SandboxManager.checkDependenciesAsync({ command: rg });
  if (deps.errors.length > 0) {
    const capability = deps.errors.some((e) => e.includes('CAP_SETFCAP'));
    return {
      ok: false,
      reason: deps.errors.join('; '),
      fix: capability
        ? "run as a non-root user, or keep CAP_SETFCAP in the capability bounding set (Docker's default set has it)"
        : INSTALL_FIX,
    };
  }

  const truePath = (await findOnPath('true', DEFAULT_PATH)) ?? '/bin/true';
  const plain = await trial(bwrap, truePath);
  if (plain !== undefined) {
    return {
      ok: false,
      reason: `bubblewrap cannot create user namespaces (${plain})`,
      fix: await usernsFix(),
    };
  }
  const helper = await applySeccompHelper();
  if (helper) {
    const nested = await trial(bwrap, truePath, helper);
    if (nested !== undefined) {
      return {
        ok: false,
        reason: `the seccomp helper cannot create its nested user namespace inside bubblewrap (${nested})`,
        fix: await usernsFix(),
      };
    }
  }
  const loopback = await loopbackWarning();
  const bash = (await findOnPath('bash', DEFAULT_PATH)) ?? '/bin/bash';
  return {
    ok: true,
    bwrap,
    socat,
    rg,
    bash,
    seccompHelper: helper,
    warnings: [...deps.warnings, ...(loopback ? [loopback] : [])],
  };
}

/** Whether the bubblewrap sandbox can run here; when not, why and how to fix it. */
export async function probeSandbox(): Promise<ProbeResult> {
  const r = await probeSandboxDetailed();
  return r.ok ? { ok: true } : { ok: false, reason: r.reason, fix: r.fix };
}
