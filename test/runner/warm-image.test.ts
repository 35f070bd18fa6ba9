// A warm runner image under QEMU: the launcher's warm disks bake a repository (its mirror and its setup's
// cache) into a read-only disk; three commits land after the bake; then a VM boots with the disk and its
// job checks the repository out the way actions/checkout does, from a git remote on the host's loopback.
// The warm job fetches only the newer commits' objects, sees the baked setup and cannot write the disk; a
// cold VM, booted beside it, fetches everything. A second rebake replaces the disk once no VM holds it.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bake } from '../../action/warm.js';
import { WarmDisks } from '../../action/warm-disk.js';
import { DEFAULT_POLICY_TEXT, parsePolicyText } from '../../policies/index.js';
import { launchVm } from '../../runner-image/launcher/launch.js';
import { type Accel, probeKvm } from '../../runner-image/launcher/qemu.js';
import { buildTestGuest, sha256File, type TestGuest, testVm } from '../support/microvm.js';
import { commitEverything, sh } from '../support/repo.js';

const temp = (label: string) => mkdtempSync(path.join(os.tmpdir(), `agentgate-warm-image-${label}-`));
const SETUP = 'mkdir -p deps && echo lib > deps/lib.txt';
const POLICY = DEFAULT_POLICY_TEXT.replace(
  /^ {4}paths: \[\]\n {4}keyFiles:/m,
  '    paths: [deps]\n    keyFiles:',
);
const GIT_PORT_IN_GUEST = 9418;

let guest: TestGuest;
let accel: Accel;
let daemon: ChildProcess | undefined;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `git daemon` serving the repositories under `base` on the loopback; resolves once it accepts. */
async function gitDaemon(base: string): Promise<number> {
  const port = await freePort();
  daemon = spawn(
    'git',
    [
      'daemon',
      '--export-all',
      `--base-path=${base}`,
      '--listen=127.0.0.1',
      `--port=${port}`,
      '--reuseaddr',
      base,
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) return port;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('git daemon did not start');
}

beforeAll(async () => {
  guest = await buildTestGuest();
  accel = (await probeKvm(guest.kernel)).ok ? 'kvm' : 'tcg';
}, 300_000);
afterAll(() => {
  daemon?.kill();
});

describe('a warm runner image', () => {
  it('boots a job from the baked state: its checkout fetches only the commits since the bake', async () => {
    // The origin: 30 commits, served by git daemon as git://<host>/app.git.
    const served = temp('served');
    const seed = temp('seed');
    await sh(seed, 'git', ['init', '-q', '-b', 'main']);
    writeFileSync(path.join(seed, '.gitignore'), 'deps/\n');
    writeFileSync(path.join(seed, 'package-lock.json'), '{ "lockfileVersion": 3 }\n');
    for (let i = 0; i < 30; i++) {
      writeFileSync(path.join(seed, `src-${i}.txt`), `${'x'.repeat(2000)} ${i}\n`);
      await commitEverything(seed, `commit ${i}`);
    }
    const bare = path.join(served, 'app.git');
    await sh(seed, 'git', ['clone', '-q', '--bare', seed, bare]);
    await sh(seed, 'git', ['remote', 'add', 'origin', bare]);

    // The launcher's warm disks: bake (mirror + setup) and pack.
    const root = temp('warm');
    const log: string[] = [];
    const policy = await parsePolicyText(POLICY, 'policy.yml');
    const disks = new WarmDisks({
      bake: () =>
        bake({
          source: bare,
          ref: 'HEAD',
          into: path.join(root, 'state'),
          policy,
          setupCommand: SETUP,
          env: process.env,
          log: (l) => log.push(l),
        }),
      dir: path.join(root, 'state'),
      disksDir: path.join(root, 'disks'),
      everyMs: 60_000,
      env: process.env,
      log: (l) => log.push(l),
    });
    expect(await disks.refresh(), log.join('\n')).toBe(true);
    const lease = disks.acquire();
    expect(lease.file).toBeDefined();
    const disk = lease.file as string;
    const digest = sha256File(disk);
    const bakedCommit = lease.manifest?.commit;

    // Three commits after the bake.
    for (let i = 0; i < 3; i++) {
      writeFileSync(path.join(seed, `new-${i}.txt`), `new ${i}\n`);
      await commitEverything(seed, `after the bake ${i}`);
    }
    await sh(seed, 'git', ['push', '-q', 'origin', 'main']);
    const head = (await sh(bare, 'git', ['rev-parse', 'HEAD'])).trim();
    const port = await gitDaemon(served);

    const vm = (warmDisk: string | undefined) => {
      const o = testVm(guest, accel, {
        jitConfig: async () => ({ runnerId: 1, encodedJitConfig: 'd2FybQ==' }),
        egress: [
          {
            guestAddress: '10.0.2.100',
            guestPort: GIT_PORT_IN_GUEST,
            hostAddress: '127.0.0.1',
            hostPort: port,
          },
        ],
        extraConfig: {
          'job.json': JSON.stringify({ remote: `git://10.0.2.100:${GIT_PORT_IN_GUEST}/app.git`, sha: head }),
        },
      });
      return launchVm({
        ...o,
        memoryMib: 384,
        image: { ...o.image, initrd: guest.initrdWarm, ...(warmDisk ? { warmDisk } : {}) },
      });
    };
    const [warm, cold] = await Promise.all([vm(disk), vm(undefined)]);
    lease.release();

    expect(warm.exitCode, warm.console).toBe(0);
    expect(warm.guestResult, warm.console).toMatchObject({
      warm: true,
      readOnly: true,
      bakedCommit,
      checkoutExit: 0,
      head,
      subject: 'after the bake 2',
      commits: 33,
      dirty: 0,
    });
    // The baked setup is there for the action to restore (its entry and its index).
    expect(warm.guestResult?.setupEntries).toBeGreaterThan(0);
    // Only the newer commits' objects (3 commits, 3 trees, 3 blobs) came over the wire; a cold VM takes all.
    expect(warm.guestResult?.ownObjects).toBeLessThanOrEqual(12);
    expect(cold.guestResult, cold.console).toMatchObject({ warm: false, checkoutExit: 0, head, commits: 33 });
    expect(cold.guestResult?.ownObjects).toBeGreaterThan(90);
    // No guest changed the shared disk.
    expect(sha256File(disk)).toBe(digest);

    // A rebake makes a new disk at the new head; the old one is deleted (no VM holds it any more).
    expect(await disks.refresh(), log.join('\n')).toBe(true);
    const next = disks.acquire();
    expect(next.manifest?.commit).toBe(head);
    expect(next.file).not.toBe(disk);
    expect(existsSync(disk)).toBe(false);
    next.release();
    await disks.stop();
    expect(existsSync(next.file as string)).toBe(false);
  }, 240_000);
});
