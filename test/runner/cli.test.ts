// `agentgate runner`: the launch command end to end on an image directory made from the test guest,
// registering runners with the GitHub API fake; and its usage errors.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { type GitHubFake, startGitHubFake } from '../support/github-fake.js';
import { buildTestGuest, makeBaseImage, type TestGuest } from '../support/microvm.js';
import { commitEverything, sh } from '../support/repo.js';

let github: GitHubFake;
let image: string;
let guest: TestGuest;
beforeAll(async () => {
  github = await startGitHubFake({ owner: 'acme', repo: 'widgets' });
  guest = await buildTestGuest();
  image = mkdtempSync(path.join(os.tmpdir(), 'agentgate-image-'));
  copyFileSync(guest.kernel, path.join(image, 'vmlinuz'));
  copyFileSync(guest.initrd, path.join(image, 'initrd.gz'));
  const digest = makeBaseImage(path.join(image, 'rootfs.ext4'));
  writeFileSync(
    path.join(image, 'manifest.json'),
    JSON.stringify({ image: 'rootfs.ext4', digest: `sha256:${digest}` }),
  );
}, 300_000);
afterAll(async () => {
  await github?.close();
  if (image) rmSync(image, { recursive: true, force: true });
});

/** An image directory whose manifest names a warm disk that is not there. */
function badWarmImage(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentgate-image-badwarm-'));
  writeFileSync(
    path.join(dir, 'manifest.json'),
    JSON.stringify({
      image: 'rootfs.ext4',
      digest: `sha256:${'a'.repeat(64)}`,
      warm: { image: 'warm.ext4' },
    }),
  );
  return dir;
}

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const r = await runCli(argv, {
    env: {
      PATH: process.env.PATH,
      GITHUB_TOKEN: 'ghs_runner-admin-token',
      GITHUB_API_URL: github.url,
      ...env,
    },
    signal: new AbortController().signal,
  });
  return { code: r.code, out: r.outLines, err: r.err };
}

describe('agentgate runner launch', () => {
  it('boots one-job VMs registered as JIT runners, prints each result, and cleans up', async () => {
    const r = await cli([
      'runner',
      'launch',
      '--image',
      image,
      '--repo',
      'acme/widgets',
      '--max-vms',
      '1',
      '--labels',
      'self-hosted,agentgate,microvm,gpu-none',
      '--vcpus',
      '1',
      '--memory-mib',
      '256',
      '--state-dir',
      mkdtempSync(path.join(os.tmpdir(), 'agentgate-state-')),
    ]);
    expect(r.err).toMatch(/1 VM\(s\), 0 failed to start/);
    expect(r.code).toBe(0);
    expect(github.violations).toEqual([]);
    const runner = github.state.runners.at(-1);
    expect(runner?.labels).toEqual(['self-hosted', 'agentgate', 'microvm', 'gpu-none']);
    const line = JSON.parse(r.out[0] ?? '{}');
    expect(line).toMatchObject({ vmId: runner?.name, runnerId: runner?.id, exitCode: 0, cleanedUp: true });
    expect(line.guest.jitSha256).toBe(
      createHash('sha256')
        .update(runner?.encoded_jit_config ?? '')
        .digest('hex'),
    );
    expect(line.initMs).toBeGreaterThan(0);
  }, 120_000);

  it('bakes --warm-repo into a warm disk each VM mounts, and deletes the disks when it stops', async () => {
    // The same image, booting the warm guest: it reports the warm disk it finds.
    const warmImage = mkdtempSync(path.join(os.tmpdir(), 'agentgate-image-warm-'));
    for (const f of ['vmlinuz', 'rootfs.ext4', 'manifest.json'])
      copyFileSync(path.join(image, f), path.join(warmImage, f));
    copyFileSync(guest.initrdWarm, path.join(warmImage, 'initrd.gz'));
    const repo = mkdtempSync(path.join(os.tmpdir(), 'agentgate-warm-repo-'));
    await sh(repo, 'git', ['init', '-q', '-b', 'main']);
    writeFileSync(path.join(repo, 'README.md'), 'app\n');
    await commitEverything(repo, 'first');
    const commit = (await sh(repo, 'git', ['rev-parse', 'HEAD'])).trim();
    const warmDir = mkdtempSync(path.join(os.tmpdir(), 'agentgate-warm-dir-'));
    const r = await cli(
      [
        'runner',
        'launch',
        '--image',
        warmImage,
        '--repo',
        'acme/widgets',
        '--max-vms',
        '1',
        '--vcpus',
        '1',
        '--memory-mib',
        '256',
        '--state-dir',
        mkdtempSync(path.join(os.tmpdir(), 'agentgate-state-')),
        '--warm-repo',
        repo,
        '--warm-every',
        '30',
        '--warm-dir',
        warmDir,
      ],
      { PATH: `${process.env.PATH}:/usr/sbin:/sbin` },
    );
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(new RegExp(`warm disk: ${repo} at ${commit.slice(0, 12)}, \\d+ MiB, built in`));
    expect(r.err).toMatch(
      new RegExp(`booting a VM \\(qemu-microvm, \\w+, warm at ${commit.slice(0, 12)}\\)`),
    );
    const line = JSON.parse(r.out[0] ?? '{}');
    expect(line.guest).toMatchObject({ warm: true, readOnly: true, bakedCommit: commit });
    // The baked state stays for the next start (a fetch, not a clone); the disks are gone.
    expect(readdirSync(path.join(warmDir, 'disks'))).toEqual([]);
    expect(existsSync(path.join(warmDir, 'state', 'repo.git'))).toBe(true);
    rmSync(warmImage, { recursive: true, force: true });
  }, 180_000);

  it('names the flag or variable at fault, exit code 2', async () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['runner', 'launch', '--image', image], {}, /exactly one of --repo OWNER\/REPO or --org ORG/],
      [
        ['runner', 'launch', '--image', image, '--repo', 'acme'],
        {},
        /Invalid --repo 'acme'\. Expected format \{owner\}\/\{repo\}/,
      ],
      [
        ['runner', 'launch', '--image', image, '--org', 'acme'],
        { GITHUB_TOKEN: '' },
        /GITHUB_TOKEN: a token allowed to register/,
      ],
      [
        ['runner', 'launch', '--image', os.tmpdir(), '--org', 'acme'],
        {},
        /--image: cannot read .*manifest\.json/,
      ],
      [
        ['runner', 'launch', '--image', image, '--org', 'acme', '--backend', 'xen'],
        {},
        /--backend: expected qemu or firecracker/,
      ],
      [
        ['runner', 'launch', '--image', image, '--org', 'acme', '--pool', '0'],
        {},
        /--pool: expected a whole number >= 1/,
      ],
      [
        ['runner', 'launch', '--image', image, '--org', 'acme', '--vcpus', '0'],
        {},
        /--vcpus: expected a whole number >= 1/,
      ],
      [['runner', 'fly'], {}, /unknown subcommand 'fly'/],
      [
        ['runner', 'launch', '--image', image, '--org', 'acme', '--warm-ref', 'main'],
        {},
        /--warm-ref needs --warm-repo/,
      ],
      [
        ['runner', 'launch', '--image', image, '--org', 'acme', '--warm-repo', '.', '--warm-every', '0'],
        {},
        /--warm-every: expected a whole number >= 1, got '0'/,
      ],
      [
        ['runner', 'launch', '--image', badWarmImage(), '--org', 'acme'],
        {},
        /manifest\.json: 'warm\.image' names .*warm\.ext4, which does not exist/,
      ],
    ];
    for (const [argv, env, message] of cases) {
      const r = await cli(argv, env);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(message);
    }
  });
});
