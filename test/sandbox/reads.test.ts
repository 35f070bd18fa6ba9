// Reads are deny-by-default: a sandboxed command sees the work tree, its private home and temp dir, the
// system and toolchain directories, and nothing else of the host. Each place a runner keeps credentials
// is planted with a secret here, and no command can print it. The work clone holds no blob of a path
// the read rules deny, and git inside the sandbox cannot fetch one.
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkClone, DETACHED_ORIGIN, reattachWorkClone, sparsePatterns } from '../../action/git.js';
import { createSandbox, type Sandbox } from '../../action/sandbox/index.js';
import { bwrapArgs, ETC_SECRETS } from '../../action/sandbox/mounts.js';
import { evaluate, loadDefaultPolicy } from '../../policies/index.js';
import { commitEverything, makeRepo, sh } from '../support/repo.js';

const SECRET = 'planted-7c1e9d3b5a-credential';
const RUN = { timeoutMs: 10_000, maxOutputBytes: 256 * 1024 };

const made: string[] = [];
function tempDir(label: string): string {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), `agentgate-reads-${label}-`)));
  made.push(dir);
  return dir;
}
function plant(file: string, content = `${SECRET}\n`): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

describe('what a sandboxed command can read', () => {
  let home: string;
  let runnerTemp: string;
  let runnerDir: string;
  let sibling: string;
  let work: string;
  let sb: Sandbox;
  const planted: string[] = [];

  beforeAll(async () => {
    home = tempDir('home');
    for (const f of [
      '.npmrc',
      '.git-credentials',
      '.ssh/id_rsa',
      '.docker/config.json',
      '.config/gh/hosts.yml',
      '.cargo/credentials.toml',
    ]) {
      planted.push(plant(path.join(home, f)));
    }
    chmodSync(plant(path.join(home, '.cargo/bin/cargo-tool'), '#!/bin/sh\necho toolchain-ok\n'), 0o755);
    runnerDir = tempDir('runner');
    planted.push(plant(path.join(runnerDir, '.credentials')));
    runnerTemp = tempDir('runner-temp');
    planted.push(plant(path.join(runnerTemp, 'git-credentials-1234.config')));
    planted.push(plant(path.join(runnerTemp, '_runner_file_commands/set_env_1')));
    sibling = tempDir('sibling');
    planted.push(
      plant(
        path.join(sibling, '.git/config'),
        `[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic ${SECRET}\n`,
      ),
    );
    work = tempDir('work');
    sb = await createSandbox({
      workDir: work,
      mode: 'bubblewrap',
      allowedDomains: [],
      denyRead: [],
      envAllow: ['PATH'],
      isSecretEnv: () => false,
      toolchains: ['~/.cargo/bin'],
      baseEnv: {
        PATH: `${path.join(home, '.cargo/bin')}:/usr/bin:/bin`,
        HOME: home,
        RUNNER_TEMP: runnerTemp,
      },
    });
  });
  afterAll(async () => {
    await sb.dispose();
    for (const d of made) rmSync(d, { recursive: true, force: true });
  });

  it('cannot read home dotfiles, the runner, $RUNNER_TEMP or another checkout', async () => {
    for (const file of planted) {
      const r = await sb.run(
        `cat ${JSON.stringify(file)}; ls -la ${JSON.stringify(path.dirname(file))}`,
        RUN,
      );
      expect(r.output, file).not.toContain(SECRET);
      expect(r.output, file).toMatch(/No such file or directory/);
    }
  });

  it('reads the toolchain directories the policy lists, and nothing beside them', async () => {
    const r = await sb.run('cargo-tool; ls -a "$(dirname "$(dirname "$(command -v cargo-tool)")")"', RUN);
    expect(r.output).toContain('toolchain-ok');
    expect(r.output).not.toContain('credentials.toml');
  });

  it('runs programs from the PATH directories, but never from a directory that is never shown', async () => {
    const tools = tempDir('tools');
    chmodSync(plant(path.join(tools, 'bin/my-tool'), '#!/bin/sh\necho path-tool-ok\n'), 0o755);
    planted.push(plant(path.join(tools, 'secret.txt')));
    const checkout = tempDir('checkout');
    chmodSync(plant(path.join(checkout, 'bin/repo-tool'), '#!/bin/sh\necho repo-tool-ran\n'), 0o755);
    plant(path.join(checkout, '.env'));
    const withPath = await createSandbox({
      workDir: work,
      mode: 'bubblewrap',
      allowedDomains: [],
      denyRead: [],
      envAllow: ['PATH'],
      isSecretEnv: () => false,
      baseEnv: { PATH: `${path.join(tools, 'bin')}:${checkout}:${path.join(checkout, 'bin')}:/usr/bin:/bin` },
      neverShown: [checkout],
    });
    try {
      const r = await withPath.run(
        `my-tool; repo-tool; cat ${path.join(tools, 'secret.txt')} ${path.join(checkout, '.env')}`,
        RUN,
      );
      expect(r.output).toContain('path-tool-ok');
      expect(r.output).not.toContain('repo-tool-ran');
      expect(r.output).not.toContain(SECRET);
    } finally {
      await withPath.dispose();
    }
  });

  it('shows an empty root but for the system, the work tree and its own temp', async () => {
    const r = await sb.run('ls -a /; ls -a /tmp; cat /etc/shadow; echo rc=$?', RUN);
    const roots = r.output.split('\n');
    // Nor the top of the project's own path: the seccomp helper under its node_modules is bound elsewhere.
    const project = process.cwd().split('/')[1] ?? '';
    const absents = ['home', 'root', 'opt', 'run', 'srv', 'mnt', 'var/lib'];
    if (!['usr', 'tmp', 'bin', 'lib', 'etc'].includes(project)) absents.push(project);
    for (const absent of absents) expect(roots).not.toContain(absent);
    expect(roots).toContain('usr');
    expect(r.output).not.toMatch(/^root:[^:]*:\d+:/m);
    expect(r.output).toContain('rc=');
  });

  it('sees only its own processes', async () => {
    const r = await sb.run('for p in /proc/[0-9]*; do cat "$p/comm"; done', RUN);
    const names = r.output.trim().split('\n');
    expect(names.length).toBeLessThanOrEqual(6);
    for (const name of names) expect(['bwrap', 'bash', 'cat', 'apply-seccomp']).toContain(name);
  });

  it('hides every /etc secret the host has, and writes the root nowhere', () => {
    const args = bwrapArgs(
      {
        system: [{ path: '/usr', kind: 'dir' }],
        etcSecrets: [{ path: '/etc/shadow', kind: 'file' }],
        toolchains: [],
      },
      {
        workDir: '/w',
        tmpDir: '/t',
        readOnly: [],
        hidden: [],
        sockets: [],
        programs: [],
        caps: [],
        cwd: '/w',
      },
    );
    expect(args.join(' ')).toContain('--ro-bind /dev/null /etc/shadow');
    expect(args).toContain('--unshare-net');
    expect(args.slice(-4)).toEqual(['--remount-ro', '/', '--chdir', '/w']);
    expect(ETC_SECRETS).toContain('/etc/ssh/ssh_host_*');
  });
});

describe('the work clone', () => {
  const DENIED = 'deploy/.env.production';
  let repo: string;
  let clone: string;
  let sb: Sandbox;
  const { policy } = loadDefaultPolicy();
  const denied = (f: string) => !evaluate(policy, { kind: 'read', path: f }).allowed;

  beforeAll(async () => {
    repo = await makeRepo(undefined, {
      'src/app.js': 'console.log(1);\n',
      [DENIED]: `DB_PASSWORD=${SECRET}\n`,
      'config/.npmrc': `//registry.npmjs.org/:_authToken=${SECRET}\n`,
      'weird [name]*.txt': 'ok\n',
    });
    // History too: an older version of the denied file.
    writeFileSync(path.join(repo, DENIED), `DB_PASSWORD=${SECRET}-v2\n`);
    writeFileSync(path.join(repo, '.env'), `UNTRACKED=${SECRET}\n`);
    await sh(repo, 'git', ['-c', 'user.name=d', '-c', 'user.email=d@e', 'commit', '-qam', 'v2']);
    const scratch = tempDir('clone');
    clone = path.join(scratch, 'work');
    const base = (await sh(repo, 'git', ['rev-parse', 'HEAD'])).trim();
    const made = await createWorkClone(repo, clone, base, 'agentgate/test', denied);
    expect(made.hidden.sort()).toEqual(['config/.npmrc', DENIED]);
    sb = await createSandbox({
      workDir: clone,
      mode: 'bubblewrap',
      allowedDomains: [],
      denyRead: [],
      denyWrite: [path.join(clone, '.git')],
      envAllow: ['PATH'],
      isSecretEnv: () => false,
    });
  });
  afterAll(async () => {
    await sb.dispose();
    rmSync(repo, { recursive: true, force: true });
  });

  it('holds no blob of a denied path, at any commit', async () => {
    const packed = await sh(clone, 'git', ['rev-list', '--objects', '--missing=print', '--all']);
    const present = await sh(clone, 'git', ['cat-file', '--batch-all-objects', '--batch-check']);
    const deniedBlobs = (await sh(repo, 'git', ['rev-list', '--objects', '--all']))
      .split('\n')
      .filter((l) => l.endsWith(` ${DENIED}`) || l.endsWith(' config/.npmrc'))
      .map((l) => l.split(' ')[0] as string);
    expect(deniedBlobs.length).toBe(3);
    for (const oid of deniedBlobs) {
      expect(present).not.toContain(oid);
      expect(packed).toContain(`?${oid}`);
    }
    expect(readFileSync(path.join(clone, 'weird [name]*.txt'), 'utf8')).toBe('ok\n');
  });

  it('fails git show, cat-file, log -p and grep on a denied path inside the sandbox', async () => {
    for (const cmd of [
      `git show HEAD:${DENIED}`,
      `git cat-file -p HEAD:${DENIED}`,
      `git log -p -- ${DENIED}`,
      `git grep DB_PASSWORD HEAD`,
      `git show HEAD~1:${DENIED}`,
      `cat ${DENIED}`,
    ]) {
      const r = await sb.run(cmd, RUN);
      expect(r.output, cmd).not.toContain(SECRET);
      expect(r.exitCode, cmd).not.toBe(0);
    }
  });

  it('names no readable origin, and the user checkout is not there', async () => {
    const url = await sb.run('git remote get-url origin; git config --list | grep -i url', RUN);
    expect(url.output).toContain(DETACHED_ORIGIN);
    expect(url.output).not.toContain(repo);
    const r = await sb.run(`cat ${JSON.stringify(path.join(repo, '.env'))}`, RUN);
    expect(r.output).toContain('No such file or directory');
    expect(r.output).not.toContain(SECRET);
  });

  it('lets the host commit and fetch the branch back once the origin is reattached', async () => {
    writeFileSync(path.join(clone, 'src/app.js'), 'console.log(2);\n');
    mkdirSync(path.join(clone, 'deploy'));
    writeFileSync(path.join(clone, DENIED), 'written by the agent\n');
    await reattachWorkClone(clone, repo);
    await commitEverything(clone, 'agent work');
    const files = await sh(clone, 'git', ['diff-tree', '-r', '--name-only', 'HEAD~1', 'HEAD']);
    expect(files.trim().split('\n')).toEqual(['src/app.js']);
    await sh(repo, 'git', ['fetch', '-q', clone, '+refs/heads/agentgate/test:refs/heads/agentgate/test']);
    expect(await sh(repo, 'git', ['show', 'agentgate/test:src/app.js'])).toBe('console.log(2);\n');
  });

  it('writes exact sparse patterns, special characters escaped', () => {
    expect(sparsePatterns(['a/b.txt', '!x#*?[y]', 'trail '])).toBe(
      '/*\n!/a/b.txt\n!/\\!x\\#\\*\\?\\[y\\]\n!/trail\\ \n',
    );
  });
});
