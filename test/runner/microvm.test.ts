// A real microVM under QEMU (KVM when it works here, else TCG): the guest proves from the inside that
// its JIT config came on the config drive and not the kernel command line, that only the forwarded
// endpoint on the host's loopback answers, and that its writes land in its own layer; the host then
// checks the layer is gone and the base image untouched.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getOctokit } from '@actions/github';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LABELS, generateJitConfig } from '../../runner-image/launcher/jit.js';
import { type LaunchResult, launchVm } from '../../runner-image/launcher/launch.js';
import { runPool } from '../../runner-image/launcher/pool.js';
import { type Accel, hostTscKhz, probeKvm, qemuArgs } from '../../runner-image/launcher/qemu.js';
import { type GitHubFake, startGitHubFake } from '../support/github-fake.js';
import { buildTestGuest, sha256File, type TestGuest, testVm } from '../support/microvm.js';

let guest: TestGuest;
let accel: Accel;
let github: GitHubFake;
const servers: Server[] = [];
const hits = { allowed: 0, denied: 0 };

async function serve(body: string, count: () => void): Promise<number> {
  const server = createServer((_, res) => {
    count();
    res.end(body);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  guest = await buildTestGuest();
  accel = (await probeKvm(guest.kernel)).ok ? 'kvm' : 'tcg';
  github = await startGitHubFake({ owner: 'acme', repo: 'widgets' });
}, 300_000);
afterAll(async () => {
  await github?.close();
  for (const s of servers) await new Promise((r) => s.close(r));
});

describe('a runner microVM', () => {
  it('gets its JIT config on the config drive, reaches only the forwarded port, and leaves nothing behind', async () => {
    const allowedPort = await serve('agentgate-allowed', () => hits.allowed++);
    const deniedPort = await serve('must-not-be-reached', () => hits.denied++);
    const client = getOctokit('ghs_launcher-test-token', { baseUrl: github.url });

    const vm = testVm(guest, accel, {
      egress: [
        { guestAddress: '10.0.2.100', guestPort: 8080, hostAddress: '127.0.0.1', hostPort: allowedPort },
      ],
      proxyUrl: 'http://10.0.2.100:8080',
      jitConfig: (vmId) =>
        generateJitConfig(client, {
          scope: { owner: 'acme', repo: 'widgets' },
          name: vmId,
          labels: DEFAULT_LABELS,
          runnerGroupId: 1,
        }),
      extraConfig: {
        'probe.json': JSON.stringify({
          allowed: '10.0.2.100:8080',
          denied: `10.0.2.2:${deniedPort}`,
        }),
      },
    });
    const run = await launchVm(vm);

    expect(github.violations).toEqual([]);
    const runner = github.state.runners[0];
    expect(runner).toMatchObject({ id: run.runnerId, name: run.vmId, labels: DEFAULT_LABELS, scope: 'repo' });
    expect(run.timedOut).toBe(false);
    expect(run.exitCode).toBe(0);
    expect(run.initMs).toBeGreaterThan(0);
    const jitSha = createHash('sha256')
      .update(runner?.encoded_jit_config ?? '')
      .digest('hex');
    expect(run.guestResult).toMatchObject({
      jitSha256: jitSha,
      cmdlineHasJit: false,
      allowedBody: 'agentgate-allowed',
      denied: 'blocked',
      wroteLayer: true,
    });
    expect(hits).toEqual({ allowed: 1, denied: 0 });
    // The layer and the config drive are gone; the base image never saw the guest's write.
    expect(run.cleanedUp).toBe(true);
    expect(`sha256:${sha256File(vm.image.baseImage)}`).toBe(vm.image.digest);
    // The console never shows the config.
    expect(run.console).not.toContain(runner?.encoded_jit_config);
  }, 120_000);

  it('keeps a warm pool: replaces each VM after its job, never more than the pool size at once', async () => {
    const client = getOctokit('ghs_launcher-test-token', { baseUrl: github.url });
    const before = github.state.runners.length;
    const pool = await runPool<LaunchResult>({
      size: 2,
      maxVms: 3,
      launch: () =>
        launchVm(
          testVm(guest, accel, {
            jitConfig: (vmId) =>
              generateJitConfig(client, {
                scope: { org: 'acme' },
                name: vmId,
                labels: DEFAULT_LABELS,
                runnerGroupId: 1,
              }),
          }),
        ),
    });
    expect(pool).toMatchObject({ launched: 3, failed: 0, peak: 2 });
    for (const r of pool.results) {
      expect(
        r.exitCode === 0 && r.cleanedUp && r.guestResult?.jitSha256,
        `${r.vmId}: ${r.console}`,
      ).toBeTruthy();
    }
    // One runner registration per VM, each with its own name; no network without egress.
    const runners = github.state.runners.slice(before);
    expect(new Set(runners.map((r) => r.name)).size).toBe(3);
    expect(runners.every((r) => r.scope === 'org')).toBe(true);
    expect(pool.results.every((r) => r.guestResult?.denied === 'no-network')).toBe(true);
    expect(github.violations).toEqual([]);
  }, 180_000);

  it('destroys a VM that outlives its timeout, and its layer with it', async () => {
    const run = await launchVm(
      testVm(guest, accel, {
        jitConfig: async () => ({ runnerId: 7, encodedJitConfig: 'dGltZW91dA==' }),
        timeoutMs: 400,
      }),
    );
    expect(run.timedOut).toBe(true);
    expect(run.guestResult).toBeUndefined();
    expect(run.cleanedUp).toBe(true);
  }, 60_000);

  it('puts the config on a read-only drive, never on the command line, and gives no NIC without egress', () => {
    const spec = {
      id: 'vm-1',
      kernel: '/k',
      bootArgs: 'init=/sbin/agentgate-init',
      baseImage: '/base.img',
      writableLayer: '/run/vm-1/layer.img',
      configDrive: '/run/vm-1/config.tar',
      vcpus: 2,
      memoryMib: 512,
      egress: [],
    };
    const args = qemuArgs(spec, 'tcg');
    expect(args).toContain('id=cfg,file=/run/vm-1/config.tar,format=raw,if=none,readonly=on');
    expect(args).toContain('id=root,file=/run/vm-1/layer.img,format=qcow2,if=none');
    expect(args.join(' ')).not.toContain('/base.img');
    expect(args.some((a) => a.includes('netdev'))).toBe(false);
    expect(args.join(' ')).not.toContain('id=warm');
    // The warm disk every VM shares is read-only to each.
    const warm = qemuArgs({ ...spec, warmDisk: '/warm/disks/warm-1.ext4' }, 'tcg');
    expect(warm).toContain('id=warm,file=/warm/disks/warm-1.ext4,format=raw,if=none,readonly=on');
    expect(
      warm.slice(warm.indexOf('id=warm,file=/warm/disks/warm-1.ext4,format=raw,if=none,readonly=on')),
    ).toContain('virtio-blk-device,drive=warm');
    const append = args[args.indexOf('-append') + 1];
    // Under TCG the kernel is told the TSC rate, so it does not stall calibrating it.
    expect(append).toBe(
      'console=ttyS0 quiet panic=-1 reboot=t tsc_early_khz=2000000 lpj=8000000 init=/sbin/agentgate-init',
    );
    const withEgress = qemuArgs(
      {
        ...spec,
        egress: [{ guestAddress: '10.0.2.100', guestPort: 3128, hostAddress: '127.0.0.1', hostPort: 40000 }],
      },
      'kvm',
    );
    expect(withEgress).toContain('user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:3128-tcp:127.0.0.1:40000');
    expect(withEgress[withEgress.indexOf('-cpu') + 1]).toBe('host');
    expect(withEgress[withEgress.indexOf('-append') + 1]).not.toContain('tsc_early_khz');
    expect(hostTscKhz('cpu MHz\t\t: 2596.146\n')).toBe(2596146);
    expect(hostTscKhz('')).toBe(2_000_000);
  });
});
