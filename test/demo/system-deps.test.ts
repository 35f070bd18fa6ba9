// The two set-up commands on a machine without the system packages: scripts/system-deps.mjs installs them
// with apt-get when it may (a fake apt-get here, which records its arguments and "installs" by linking the
// real binaries), and otherwise the demo stops with one message, exit code 2, and result.json written.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { execFile } from '../../lib/exec.js';
import {
  ensureLoopbackName,
  ensureSystemDeps,
  findCommand,
  installCommand,
  isStaticExecutable,
  LOOPBACK_HOSTS,
  missingMessage,
} from '../../scripts/system-deps.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = path.join(root, 'scripts/system-deps.mjs');
const CLI = path.join(root, 'action/dist/cli.js');
const realPath = process.env.PATH ?? '';

function tmp(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A bin dir with links to the real `tools` (node, git, ...), found on this machine's PATH. */
function binWith(tools: string[]): string {
  const bin = tmp('agentgate-bin-');
  for (const t of tools) {
    const real = t === 'node' ? process.execPath : findCommand(t, realPath);
    if (!real) throw new Error(`${t} is not on this machine's PATH`);
    symlinkSync(real, path.join(bin, t));
  }
  return bin;
}

const PROVIDES: Record<string, string> = { bubblewrap: 'bwrap', socat: 'socat', ripgrep: 'rg' };

/**
 * Fake apt-get, apt-cache and sudo in `bin`: each appends its argv (JSON) to `log`. apt-get install links the
 * real command of each package it is asked for into `bin`; apt-cache exits `aptCacheCode`; sudo (when
 * wanted) passes `-n true` when `sudoWorks` and runs the rest.
 */
function fakeApt(
  bin: string,
  opts: { aptCacheCode?: number; sudo?: 'works' | 'password' } = {},
): { log: string; calls: () => { tool: string; args: string[] }[] } {
  const log = path.join(tmp('agentgate-apt-'), 'calls.jsonl');
  writeFileSync(log, '');
  const script = (tool: string, body: string) => {
    const file = path.join(bin, tool);
    writeFileSync(
      file,
      `#!${process.execPath}
const fs = require('node:fs');
const path = require('node:path');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ tool: ${JSON.stringify(tool)}, args }) + '\\n');
${body}
`,
    );
    chmodSync(file, 0o755);
  };
  const provides = JSON.stringify(PROVIDES);
  const realBins = JSON.stringify(
    Object.fromEntries(Object.values(PROVIDES).map((c) => [c, findCommand(c, realPath) ?? ''])),
  );
  script(
    'apt-get',
    `if (args[0] === 'install') {
  const provides = ${provides};
  const real = ${realBins};
  for (const a of args.slice(1)) {
    const cmd = provides[a];
    if (cmd && !fs.existsSync(path.join(${JSON.stringify(bin)}, cmd))) fs.symlinkSync(real[cmd], path.join(${JSON.stringify(bin)}, cmd));
  }
}`,
  );
  script('apt-cache', `process.exitCode = ${opts.aptCacheCode ?? 0};`);
  if (opts.sudo) {
    script(
      'sudo',
      `if (args[0] !== '-n') process.exit(1);
if (args[1] === 'true') process.exit(${opts.sudo === 'works' ? 0 : 1});
const r = require('node:child_process').spawnSync(args[1], args.slice(2), { stdio: 'inherit' });
process.exitCode = r.status ?? 1;`,
    );
  }
  const calls = () =>
    readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { tool: string; args: string[] });
  return { log, calls };
}

/** What the fake apt-get was asked to do (through sudo or not). */
function aptGetCalls(calls: { tool: string; args: string[] }[]): string[][] {
  return calls.filter((c) => c.tool === 'apt-get').map((c) => c.args);
}

/** `npm run demo`'s script with only `bin` on PATH, writing into `out`. */
function runDemo(bin: string, out: string, env: Record<string, string> = {}) {
  return execFile(process.execPath, ['--import', 'tsx', 'test/demo/run-demo.ts', out], {
    cwd: root,
    env: { PATH: bin, HOME: process.env.HOME, TMPDIR: os.tmpdir(), ...env },
    timeoutMs: 120_000,
  });
}

const DEBIAN = () => 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n';

describe('npm run demo without the sandbox and no way to install it', () => {
  it('prints one message naming bubblewrap, socat, ripgrep and the apt-get command, exits 2, and writes result.json', async () => {
    const bin = binWith(['node', 'git']);
    const apt = fakeApt(bin);
    const out = path.join(tmp('agentgate-demo-'), 'demo-out');
    const r = await runDemo(bin, out, { AGENTGATE_NO_INSTALL: '1' });
    expect(r.exitCode, r.output).toBe(2);
    // stderr: the one message, no stack trace.
    const message = r.stderr.trim();
    for (const p of ['bubblewrap', 'socat', 'ripgrep']) expect(message).toContain(p);
    expect(message).toMatch(/^ {2}(sudo )?apt-get install -y bubblewrap socat ripgrep$/m);
    expect(message).toContain('AGENTGATE_NO_INSTALL is set');
    expect(message).toContain('npm run demo');
    expect(message.match(/agentgate: the demo needs/g)).toHaveLength(1);
    expect(r.output).not.toMatch(/^\s+at /m);
    // The CLI ran, refused without a sandbox, and said what it kept.
    expect(r.stdout).toContain('agentgate: error: The bubblewrap sandbox cannot run on this host');
    expect(r.stdout).toContain(`kept ${out}/trace.jsonl and ${out}/result.json`);
    const result = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8'));
    expect(result).toMatchObject({ outcome: 'error', kept: { trace: path.join(out, 'trace.jsonl') } });
    expect(result.error).toMatch(/bubblewrap \(bwrap\), socat, ripgrep \(rg\) not found on PATH/);
    const verify = await execFile(process.execPath, [
      CLI,
      'trace',
      'verify',
      path.join(out, 'trace.jsonl'),
      '--head',
      result.trace.head,
    ]);
    expect(verify.exitCode, verify.output).toBe(0);
    expect(aptGetCalls(apt.calls())).toEqual([]);
  });

  it('without git it cannot build the example repository: one message, exit 2', async () => {
    const bin = binWith(['node']);
    fakeApt(bin);
    const out = path.join(tmp('agentgate-demo-'), 'demo-out');
    const r = await runDemo(bin, out, { AGENTGATE_NO_INSTALL: '1' });
    expect(r.exitCode, r.output).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('git (git): the agent works in a git clone');
    expect(r.stderr).toMatch(/^ {2}(sudo )?apt-get install -y git bubblewrap socat ripgrep$/m);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(out)).toBe(false);
  });
});

describe('scripts/system-deps.mjs as root (or with passwordless sudo)', () => {
  it('installs exactly the missing packages with apt-get, says what and why, and succeeds', async () => {
    const bin = binWith(['node', 'git']);
    const apt = fakeApt(bin, { sudo: 'works' });
    const r = await execFile(process.execPath, [SCRIPT, 'demo'], {
      env: { PATH: bin },
      timeoutMs: 30_000,
    });
    expect(r.exitCode, r.output).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('agentgate: installing bubblewrap, socat, ripgrep for the demo');
    expect(r.stderr).toContain('bwrap (bubblewrap): the sandbox every command of the agent runs in');
    expect(aptGetCalls(apt.calls())).toEqual([
      ['install', '-y', '--no-install-recommends', '-qq', 'bubblewrap', 'socat', 'ripgrep'],
    ]);
    // As root apt-get runs directly; otherwise through sudo -n, with the non-interactive frontend.
    const sudo = apt.calls().filter((c) => c.tool === 'sudo');
    if (process.getuid?.() === 0) expect(sudo).toEqual([]);
    else expect(sudo.at(-1)?.args.slice(0, 3)).toEqual(['-n', 'env', 'DEBIAN_FRONTEND=noninteractive']);
    // Installed: a second run has nothing to do.
    const again = await execFile(process.execPath, [SCRIPT, 'demo'], { env: { PATH: bin } });
    expect(again.exitCode).toBe(0);
    expect(aptGetCalls(apt.calls())).toHaveLength(1);
  });

  it('the demo installs what is missing, then runs to the end', async () => {
    // What a minimal Debian has besides: a shell, which (the sandbox runtime looks tools up with it), env.
    const bin = binWith(['node', 'npm', 'git', 'sh', 'bash', 'which', 'env']);
    const apt = fakeApt(bin, { sudo: 'works' });
    const out = path.join(tmp('agentgate-demo-'), 'demo-out');
    const r = await runDemo(bin, out);
    expect(r.exitCode, r.output).toBe(0);
    expect(r.stderr).toContain('agentgate: installing bubblewrap, socat, ripgrep for the demo');
    expect(aptGetCalls(apt.calls())).toEqual([
      ['install', '-y', '--no-install-recommends', '-qq', 'bubblewrap', 'socat', 'ripgrep'],
    ]);
    expect(r.stdout).toContain('outcome:  completed');
    expect(JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')).outcome).toBe('completed');
  });

  it("updates apt's package lists first when they do not know the packages", async () => {
    const bin = binWith(['node', 'git']);
    const apt = fakeApt(bin, { aptCacheCode: 100, sudo: 'works' });
    const r = await execFile(process.execPath, [SCRIPT, 'demo'], { env: { PATH: bin }, timeoutMs: 30_000 });
    expect(r.exitCode, r.output).toBe(0);
    expect(r.stderr).toContain("updating apt's package lists");
    expect(aptGetCalls(apt.calls())).toEqual([
      ['update', '-qq'],
      ['install', '-y', '--no-install-recommends', '-qq', 'bubblewrap', 'socat', 'ripgrep'],
    ]);
  });

  it('stops with the message when apt-get fails', () => {
    const bin = binWith(['git']);
    fakeApt(bin);
    const r = ensureSystemDeps('demo', {
      env: { PATH: bin },
      uid: 0,
      run: () => 100,
      log: () => {},
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.missing).toEqual(['bwrap', 'socat', 'rg']);
    expect(r.message).toContain('apt-get install failed (exit 100)');
    expect(r.message).toContain('  apt-get install -y bubblewrap socat ripgrep');
  });

  it("runs apt-get update for the test guest's kernel on Debian when apt has no package lists", () => {
    const calls: string[][] = [];
    const bin = binWith([]);
    fakeApt(bin);
    const r = ensureSystemDeps('test', {
      env: { PATH: `${bin}${path.delimiter}${realPath}` },
      uid: 0,
      readOsRelease: DEBIAN,
      aptListsDir: tmp('agentgate-lists-'),
      run: (argv) => {
        calls.push(argv.slice(1));
        return 0;
      },
      log: () => {},
    });
    expect(r.ok).toBe(true);
    expect(calls).toEqual([['update', '-qq']]);
  });
});

describe('scripts/system-deps.mjs when it may not install', () => {
  it('as a user without sudo: names the exact command', () => {
    const bin = binWith(['git']);
    const apt = fakeApt(bin);
    const r = ensureSystemDeps('demo', { env: { PATH: bin }, uid: 1000, log: () => {} });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toBe(
      [
        'agentgate: the demo needs system packages that are not installed:',
        '  bwrap (bubblewrap): the sandbox every command of the agent runs in',
        "  socat (socat): carries the sandbox's network traffic to its filtering proxy",
        '  rg (ripgrep): the sandbox runtime finds the files it protects with it; the search tool',
        'Install them with:',
        '  sudo apt-get install -y bubblewrap socat ripgrep',
        '(Not installed automatically: not root, and sudo is not installed.)',
        'Then run `npm run demo` again.',
      ].join('\n'),
    );
    expect(aptGetCalls(apt.calls())).toEqual([]);
  });

  it('as a user whose sudo asks for a password: the same command, and why', () => {
    const bin = binWith(['git']);
    const apt = fakeApt(bin, { sudo: 'password' });
    const r = ensureSystemDeps('demo', { env: { PATH: bin }, uid: 1000, log: () => {} });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toContain('\n  sudo apt-get install -y bubblewrap socat ripgrep\n');
    expect(r.message).toContain('sudo asks for a password');
    expect(aptGetCalls(apt.calls())).toEqual([]);
    expect(apt.calls().filter((c) => c.tool === 'sudo')).toEqual([{ tool: 'sudo', args: ['-n', 'true'] }]);
  });

  it('names apt-get update too when the lists do not know the packages', () => {
    const bin = binWith(['git']);
    fakeApt(bin, { aptCacheCode: 100 });
    const r = ensureSystemDeps('demo', { env: { PATH: bin }, uid: 1000, log: () => {} });
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.message).toContain(
        '  sudo apt-get update && sudo apt-get install -y bubblewrap socat ripgrep',
      );
  });

  it('without apt-get: names the commands and the packages that provide them', () => {
    const r = ensureSystemDeps('demo', {
      env: { PATH: binWith([]) },
      uid: 1000,
      platform: 'linux',
      log: () => {},
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.missing).toEqual(['git', 'bwrap', 'socat', 'rg']);
    expect(r.message).toContain(
      "with your system's package manager (the Debian/Ubuntu packages: git, bubblewrap, socat, ripgrep)",
    );
    const mac = missingMessage('demo', ['bwrap'], { platform: 'darwin' });
    expect(mac).toContain('needs Linux; this is darwin');
  });

  it('the CLI exits 2 with the message, and 0 when nothing is missing', async () => {
    const bin = binWith(['node', 'git']);
    fakeApt(bin);
    const r = await execFile(process.execPath, [SCRIPT, 'demo'], {
      env: { PATH: bin, AGENTGATE_NO_INSTALL: '1' },
    });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('apt-get install -y bubblewrap socat ripgrep');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    const ok = await execFile(process.execPath, [SCRIPT, 'demo'], { env: { PATH: realPath } });
    expect(ok.exitCode, ok.output).toBe(0);
    expect(ok.output).toBe('');
    const usage = await execFile(process.execPath, [SCRIPT, 'everything']);
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toContain('usage: node scripts/system-deps.mjs demo|test');
  });
});

describe('the pieces', () => {
  it('tells a static executable from a dynamic one', () => {
    expect(isStaticExecutable(process.execPath)).toBe(false);
    // The tests' global setup made sure of a static busybox.
    expect(isStaticExecutable('/bin/busybox')).toBe(true);
    const notElf = path.join(tmp('agentgate-elf-'), 'x');
    mkdirSync(path.dirname(notElf), { recursive: true });
    writeFileSync(notElf, '#!/bin/sh\n');
    expect(isStaticExecutable(notElf)).toBe(false);
  });

  it('spells the install command for root and for sudo', () => {
    expect(installCommand(['a', 'b'])).toBe('sudo apt-get install -y a b');
    expect(installCommand(['a'], { root: true, update: true })).toBe(
      'apt-get update && apt-get install -y a',
    );
  });
});

describe('the name localhost (the sandbox bridge connects to it)', () => {
  /** A PATH with a `getent` on it; the probe decides what it answers, one answer per call. */
  function withGetent(answers: number[]) {
    const bin = tmp('agentgate-getent-');
    writeFileSync(path.join(bin, 'getent'), '#!/bin/sh\nexit 0\n');
    chmodSync(path.join(bin, 'getent'), 0o755);
    const calls: string[][] = [];
    const probe = (argv: string[]) => {
      calls.push(argv.slice(1));
      return answers.shift() ?? 1;
    };
    return { env: { PATH: bin }, probe, calls };
  }

  it('is left alone when it resolves', () => {
    const g = withGetent([0]);
    expect(ensureLoopbackName({ ...g, uid: 0, platform: 'linux', hostsFile: '/nonexistent/hosts' })).toEqual({
      ok: true,
    });
    expect(g.calls).toEqual([['hosts', 'localhost']]);
  });

  it('as root, writes a missing hosts file with the loopback entries, and checks again', () => {
    const g = withGetent([2, 0]);
    const hostsFile = path.join(tmp('agentgate-etc-'), 'hosts');
    const lines: string[] = [];
    const r = ensureLoopbackName({ ...g, uid: 0, platform: 'linux', hostsFile, log: (l) => lines.push(l) });
    expect(r).toEqual({ ok: true });
    expect(readFileSync(hostsFile, 'utf8')).toBe(LOOPBACK_HOSTS);
    expect(lines.join('\n')).toMatch(/writing .*hosts with the loopback entries/);
  });

  it('never changes an existing hosts file, and says the command otherwise', () => {
    const hostsFile = path.join(tmp('agentgate-etc-'), 'hosts');
    writeFileSync(hostsFile, '10.0.0.1 build-host\n');
    const r = ensureLoopbackName({ ...withGetent([2, 2]), uid: 0, platform: 'linux', hostsFile });
    expect(readFileSync(hostsFile, 'utf8')).toBe('10.0.0.1 build-host\n');
    expect(r.ok).toBe(false);
    const missing = path.join(tmp('agentgate-etc-'), 'hosts');
    const user = ensureLoopbackName({ ...withGetent([2]), uid: 1000, platform: 'linux', hostsFile: missing });
    expect(existsSync(missing)).toBe(false);
    expect(user).toEqual({
      ok: false,
      message: expect.stringContaining(`echo '127.0.0.1 localhost' | sudo tee -a ${missing}`),
    });
    expect(!user.ok && user.message).toMatch(/localhost does not resolve on this machine \(there is no /);
  });
});
