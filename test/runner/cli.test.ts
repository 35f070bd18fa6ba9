// `agentgate runner`: the launch command end to end on an image directory made from the test guest,
// registering runners with the GitHub API fake; and its usage errors.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../action/cli/main.js';
import { type GitHubFake, startGitHubFake } from '../support/github-fake.js';
import { buildTestGuest, makeBaseImage } from '../support/microvm.js';

let github: GitHubFake;
let image: string;
beforeAll(async () => {
  github = await startGitHubFake({ owner: 'acme', repo: 'widgets' });
  const guest = await buildTestGuest();
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

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    env: {
      PATH: process.env.PATH,
      GITHUB_TOKEN: 'ghs_runner-admin-token',
      GITHUB_API_URL: github.url,
      ...env,
    },
    signal: new AbortController().signal,
  });
  return { code, out, err: err.join('\n') };
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
    ];
    for (const [argv, env, message] of cases) {
      const r = await cli(argv, env);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(message);
    }
  });
});
