// The sandbox against real bubblewrap and sandbox-runtime: no mocks. A host without bubblewrap fails
// these tests (CI installs it); they are never skipped.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createSandbox,
  probeSandbox,
  type Sandbox,
  type SandboxConfig,
  SandboxUnavailableError,
} from '../../action/sandbox/index.js';
import { loopbackWarning, usernsFix } from '../../action/sandbox/probe.js';
import { execFile } from '../../lib/exec.js';
import { type HttpTarget, startHttpTarget } from '../support/http-target.js';

const ENV_SECRET = 'tok-3f9a1c7e5b2d4086-secret';
const GH_SECRET = 'ghp_T3stT0kenValue000000000000000000000';
const FILE_SECRET = 'hunter2-correct-horse';
const RUN = { timeoutMs: 10_000, maxOutputBytes: 64 * 1024 };

const made: string[] = [];
function tempDir(label: string): string {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), `agentgate-sbtest-${label}-`)));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function config(workDir: string, over: Partial<SandboxConfig> = {}): SandboxConfig {
  return {
    workDir,
    mode: 'bubblewrap',
    allowedDomains: [],
    denyRead: [path.join(workDir, '.env')],
    envAllow: ['PATH', 'LANG', 'MY_*', 'GITHUB_TOKEN'],
    isSecretEnv: (n) => /TOKEN|SECRET|PASSWORD/.test(n),
    baseEnv: { ...process.env, MY_VAR: 'visible', MY_API_TOKEN: ENV_SECRET, GITHUB_TOKEN: GH_SECRET },
    ...over,
  };
}

/** Host processes whose command line contains `marker` (the host /proc sees into every namespace). */
function processesWith(marker: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmd.includes(marker)) found.push(`${pid}: ${cmd}`);
    } catch {
      /* gone */
    }
  }
  return found;
}

/** How many of `found` are the `sleep <marker>` processes themselves (not the shells that started them). */
function sleeps(found: string[], marker: string): number {
  return found.filter((l) => l.endsWith(`: sleep ${marker} `)).length;
}

/** Polls until `done(processes with marker)` holds or `ms` pass; returns the last list seen. */
async function pollProcesses(
  marker: string,
  done: (found: string[]) => boolean,
  ms: number,
): Promise<string[]> {
  const end = Date.now() + ms;
  let found = processesWith(marker);
  while (!done(found) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 20));
    found = processesWith(marker);
  }
  return found;
}

const open: Sandbox[] = [];
async function start(cfg: SandboxConfig): Promise<Sandbox> {
  const sb = await createSandbox(cfg);
  open.push(sb);
  return sb;
}
afterEach(async () => {
  for (const sb of open.splice(0)) await sb.dispose();
});

describe('probe', () => {
  it('finds bubblewrap, socat, ripgrep and working user namespaces', async () => {
    expect(await probeSandbox()).toEqual({ ok: true });
  });

  it('names the missing tools and the install command', async () => {
    const saved = process.env.PATH;
    process.env.PATH = tempDir('emptypath');
    try {
      const r = await probeSandbox();
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.reason).toContain('bubblewrap (bwrap)');
      expect(r.fix).toContain('apt-get install -y bubblewrap socat ripgrep');
      const err = await createSandbox(config(tempDir('work'))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SandboxUnavailableError);
      expect((err as Error).message).toContain(r.reason);
      expect((err as Error).message).toContain(r.fix);
    } finally {
      process.env.PATH = saved;
    }
  });
});

describe('the fix for blocked user namespaces', () => {
  const sysctl = (values: Record<string, string>) => async (file: string) => values[path.basename(file)];
  it('names the Ubuntu 24.04 AppArmor setting and the command that lifts it', async () => {
    const fix = await usernsFix(sysctl({ apparmor_restrict_unprivileged_userns: '1' }));
    expect(fix).toContain('kernel.apparmor_restrict_unprivileged_userns=1');
    expect(fix).toContain('sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0');
  });
  it('names the other kernel switches when they are the cause', async () => {
    expect(await usernsFix(sysctl({ unprivileged_userns_clone: '0' }))).toContain(
      'kernel.unprivileged_userns_clone=1',
    );
    expect(await usernsFix(sysctl({ max_user_namespaces: '0' }))).toContain('user.max_user_namespaces=15000');
    expect(await usernsFix(sysctl({}))).toContain('unshare(CLONE_NEWUSER)');
  });
});

describe('the loopback name the network bridge needs', () => {
  it('says nothing where localhost resolves, and names the fix where it does not', async () => {
    expect(await loopbackWarning()).toBeUndefined();
    const missing = Object.assign(new Error('getaddrinfo ENOTFOUND localhost'), { code: 'ENOTFOUND' });
    expect(await loopbackWarning(() => Promise.reject(missing))).toMatch(
      /^the name localhost does not resolve here \(ENOTFOUND\).*Add the line '127\.0\.0\.1 localhost' to \/etc\/hosts\.$/,
    );
  });
});

describe('bubblewrap sandbox', () => {
  let work: string;
  let outside: string;
  let sb: Sandbox;
  let tmpDir: string;
  beforeAll(async () => {
    work = tempDir('work');
    outside = tempDir('outside');
    tmpDir = path.join(tempDir('scratch'), 'tmp');
    mkdirSync(path.join(work, 'sub'));
    writeFileSync(path.join(work, '.env'), `DB_PASSWORD=${FILE_SECRET}\n`);
    await execFile('git', ['init', '-q', work]);
    sb = await createSandbox(config(work, { tmpDir }));
  });
  afterAll(async () => {
    await sb.dispose();
  });

  it('writes inside workDir and tmpDir, nowhere else', async () => {
    const r = await sb.run(
      `echo in > inside.txt; echo out > ${outside}/x.txt; echo $?; touch "$TMPDIR/t" && echo tmp-ok; ` +
        'mkdir -p "$HOME/.cache" && echo home-ok; echo etc > /etc/agentgate-x; echo $?',
      RUN,
    );
    expect(r.exitCode).toBe(0);
    expect(readFileSync(path.join(work, 'inside.txt'), 'utf8')).toBe('in\n');
    expect(existsSync(path.join(outside, 'x.txt'))).toBe(false);
    expect(existsSync('/etc/agentgate-x')).toBe(false);
    expect(r.output).toContain('Read-only file system');
    expect(r.output).toContain('tmp-ok');
    expect(r.output).toContain('home-ok');
    expect(existsSync(path.join(tmpDir, 't'))).toBe(true);
  });

  it('points TMPDIR and HOME at the private temp dir', async () => {
    const r = await sb.run('echo "tmp=$TMPDIR"; echo "home=$HOME"', RUN);
    expect(r.output).toContain(`tmp=${realpathSync(tmpDir)}\n`);
    expect(r.output).toContain(`home=${path.join(realpathSync(tmpDir), 'home')}\n`);
  });

  it('keeps the .git hooks and config read-only', async () => {
    const before = readFileSync(path.join(work, '.git/config'), 'utf8');
    const r = await sb.run('echo x > .git/hooks/pre-commit; echo "[alias]" >> .git/config; echo done', RUN);
    expect(r.output).toContain('done');
    expect(r.output).toContain('Read-only file system');
    expect(existsSync(path.join(work, '.git/hooks/pre-commit'))).toBe(false);
    expect(readFileSync(path.join(work, '.git/config'), 'utf8')).toBe(before);
  });

  it('cannot read a denied path', async () => {
    const r = await sb.run('cat .env', RUN);
    expect(r.exitCode).not.toBe(0);
    expect(r.output).not.toContain(FILE_SECRET);
  });

  it('passes allowlisted variables only, never secrets', async () => {
    const r = await sb.run('env', RUN);
    expect(r.exitCode).toBe(0);
    expect(r.output).toMatch(/^PATH=/m);
    expect(r.output).toContain('MY_VAR=visible');
    expect(r.output).not.toMatch(/^(GITHUB_TOKEN|MY_API_TOKEN)=/m);
    expect(r.output).not.toContain(ENV_SECRET);
    expect(r.output).not.toContain(GH_SECRET);
  });

  it('cannot see host processes, so not their environment either', async () => {
    const { spawn } = await import('node:child_process');
    const host = spawn('sleep', ['30'], {
      env: { PATH: process.env.PATH, HOST_SECRET: ENV_SECRET },
      stdio: 'ignore',
    });
    try {
      const r = await sb.run(
        `cat /proc/${host.pid}/environ; echo "rc=$?"; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c HOST_SECRET`,
        RUN,
      );
      expect(r.output).toContain('rc=1');
      expect(r.output).not.toContain(ENV_SECRET);
      expect(r.output.trim().endsWith('0')).toBe(true);
    } finally {
      host.kill();
    }
  });

  it('runs in a cwd inside workDir and refuses one outside', async () => {
    const r = await sb.run('pwd', { ...RUN, cwd: 'sub' });
    expect(r.output.trim()).toBe(path.join(work, 'sub'));
    await expect(sb.run('pwd', { ...RUN, cwd: '..' })).rejects.toThrow(/outside the work directory/);
    await expect(sb.run('pwd', { ...RUN, cwd: outside })).rejects.toThrow(/outside the work directory/);
  });

  it('kills the whole process tree on timeout', async () => {
    const marker = '987.654321';
    const running = sb.run(`bash -c 'sleep ${marker}' & sleep ${marker} & sleep ${marker}; wait`, {
      timeoutMs: 2500,
      maxOutputBytes: 4096,
    });
    // All three sleeps run before the timeout, so their absence afterwards means something.
    expect(sleeps(await pollProcesses(marker, (f) => sleeps(f, marker) >= 3, 2400), marker)).toBe(3);
    const r = await running;
    expect(r.timedOut).toBe(true);
    expect(await pollProcesses(marker, (f) => f.length === 0, 3000)).toEqual([]);
  });

  it('leaves nothing running when the command returns', async () => {
    const marker = '876.543219';
    const r = await sb.run(`sleep ${marker} & (setsid sleep ${marker} >/dev/null 2>&1 &); echo started`, RUN);
    expect(r.output).toBe('started\n');
    expect(r.timedOut).toBe(false);
    expect(await pollProcesses(marker, (f) => f.length === 0, 3000)).toEqual([]);
  });

  it('bounds output and says how much was cut', async () => {
    const r = await sb.run("head -c 50000 /dev/zero | tr '\\0' a; echo; echo last-line", {
      timeoutMs: 10_000,
      maxOutputBytes: 1000,
    });
    expect(r.truncated).toBe(true);
    expect(r.output).toMatch(/last-line\n\[output truncated: kept last 1000 of 50011 bytes\]$/);
  });

  it('may live beside another sandbox; only one may hold the network proxy', async () => {
    const second = await start(config(tempDir('work')));
    expect((await second.run('echo second', RUN)).output).toBe('second\n');
    const networked = await start(config(tempDir('work'), { allowedDomains: ['127.0.0.1'] }));
    await expect(createSandbox(config(tempDir('work'), { allowedDomains: ['127.0.0.1'] }))).rejects.toThrow(
      /already live/,
    );
    await networked.dispose();
  });
});

describe('network', () => {
  let target: HttpTarget;
  beforeAll(async () => {
    target = await startHttpTarget();
  });
  afterAll(() => target.close());

  const url = () => target.url;
  const viaProxy = () => `curl -sS --max-time 3 --noproxy '' -w ' status=%{http_code}\\n' ${url()}`;
  const fetchScript = () =>
    `node -e "fetch('${url()}').then(r=>r.text()).then(t=>console.log('got',t),e=>{console.log('blocked',String(e.cause?.code??e));process.exit(3)})"`;

  it('reaches nothing when the allowlist is empty', async () => {
    target.reset();
    const sb = await start(config(tempDir('work')));
    const direct = await sb.run(`curl -sS --max-time 3 ${url()}`, RUN);
    expect(direct.exitCode).not.toBe(0);
    // No proxy either: with nothing allowed, the network namespace has no way out at all.
    const proxyVar = await sb.run('echo "proxy=$HTTPS_PROXY"', RUN);
    expect(proxyVar.output).toBe('proxy=\n');
    const proxied = await sb.run(viaProxy(), RUN);
    expect(proxied.exitCode).not.toBe(0);
    const fetched = await sb.run(fetchScript(), RUN);
    expect(fetched.exitCode).toBe(3);
    expect(fetched.output).toContain('blocked');
    expect(target.hits()).toBe(0);
  });

  it('reaches an allowlisted 127.0.0.1 through the proxy only', async () => {
    target.reset();
    const sb = await start(config(tempDir('work'), { allowedDomains: ['127.0.0.1'] }));
    const proxied = await sb.run(viaProxy(), RUN);
    expect(proxied.output).toContain('reached status=200');
    expect(target.hits()).toBe(1);
    // NO_PROXY covers 127.0.0.1, so a client that honours it connects directly: the sandbox has no network.
    const direct = await sb.run(`curl -sS --max-time 3 ${url()}`, RUN);
    expect(direct.exitCode).not.toBe(0);
    const fetched = await sb.run(fetchScript(), RUN);
    expect(fetched.exitCode).toBe(3);
    expect(target.hits()).toBe(1);
  });
});

describe("mode 'none'", () => {
  it('runs unisolated with the filtered environment and says so', async () => {
    const work = tempDir('work');
    const outside = tempDir('outside');
    const sb = await start(config(work, { mode: 'none' }));
    expect(sb.mode).toBe('none');
    expect(sb.warnings.join('\n')).toMatch(/without isolation/);
    const r = await sb.run(`echo out > ${outside}/x.txt && env`, RUN);
    expect(r.exitCode).toBe(0);
    expect(readFileSync(path.join(outside, 'x.txt'), 'utf8')).toBe('out\n');
    expect(r.output).toContain('MY_VAR=visible');
    expect(r.output).not.toContain(GH_SECRET);
    expect(r.output).not.toContain('SANDBOX_RUNTIME');
  });

  it('kills the process tree on timeout too', async () => {
    const sb = await start(config(tempDir('work'), { mode: 'none' }));
    const marker = '986.123457';
    const running = sb.run(`sleep ${marker} & sleep ${marker}; wait`, {
      timeoutMs: 1500,
      maxOutputBytes: 1024,
    });
    expect(sleeps(await pollProcesses(marker, (f) => sleeps(f, marker) >= 2, 1400), marker)).toBe(2);
    const r = await running;
    expect(r.timedOut).toBe(true);
    expect(await pollProcesses(marker, (f) => f.length === 0, 3000)).toEqual([]);
  });
});

describe('lifecycle', () => {
  it('rejects an allowlist entry sandbox-runtime cannot use, and stays usable', async () => {
    const work = tempDir('work');
    await expect(
      createSandbox(config(work, { allowedDomains: ['https://example.com/path'] })),
    ).rejects.toThrow(/Invalid sandbox configuration: network\.allowedDomains/);
    const sb = await start(config(work));
    expect((await sb.run('echo ok', RUN)).output).toBe('ok\n');
  });

  it('removes its own temp dir on dispose and refuses to run afterwards', async () => {
    const sb = await createSandbox(config(tempDir('work')));
    const tmp = (await sb.run('echo "$TMPDIR"', RUN)).output.trim();
    expect(existsSync(tmp)).toBe(true);
    await sb.dispose();
    await sb.dispose();
    expect(existsSync(tmp)).toBe(false);
    await expect(sb.run('true', RUN)).rejects.toThrow(/disposed/);
    const again = await start(config(tempDir('work')));
    expect((await again.run('echo ok', RUN)).output).toBe('ok\n');
  });
});
