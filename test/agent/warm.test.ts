// Warm state: `agentgate warm` bakes a repository's mirror and its setup's cache entry; a job clones with
// --reference to the mirror (fetching only the commits since the bake) and its setup is restored from the
// baked entry; another repository's job, or a changed lockfile, does not use it.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { localCacheBackend } from '../../action/setup-cache.js';
import { repositoryKey, type WarmManifest, warmStateFor, withWarmCache } from '../../action/warm-state.js';
import { execFile } from '../../lib/exec.js';
import { pinAlternates } from '../../lib/git.js';
import { DEFAULT_POLICY_TEXT } from '../../policies/index.js';
import { runCli } from '../support/cli.js';
import { finalText } from '../support/messages-server.js';
import { commitEverything, sh } from '../support/repo.js';
import { runScripted } from '../support/session.js';

const temp = (label: string) => mkdtempSync(path.join(os.tmpdir(), `agentgate-warm-${label}-`));
const SETUP = 'mkdir -p deps && echo lib > deps/lib.txt && echo installed';
const POLICY = DEFAULT_POLICY_TEXT.replace(
  /^ {4}paths: \[\]\n {4}keyFiles:/m,
  '    paths: [deps]\n    keyFiles:',
);

/** A bare "origin" with some history, and a seed work tree to push more commits from. */
async function origin(): Promise<{ bare: string; seed: string }> {
  const seed = temp('seed');
  await sh(seed, 'git', ['init', '-q', '-b', 'main']);
  writeFileSync(path.join(seed, '.gitignore'), 'deps/\n');
  writeFileSync(path.join(seed, 'package-lock.json'), '{ "lockfileVersion": 3 }\n');
  writeFileSync(path.join(seed, 'check.sh'), 'test -f deps/lib.txt && echo ok\n');
  for (let i = 0; i < 30; i++) {
    writeFileSync(path.join(seed, `src-${i}.txt`), `${'x'.repeat(2000)} ${i}\n`);
    await commitEverything(seed, `commit ${i}`);
  }
  const bare = path.join(temp('origin'), 'app.git');
  await sh(seed, 'git', ['clone', '-q', '--bare', seed, bare]);
  await sh(seed, 'git', ['remote', 'add', 'origin', bare]);
  return { bare, seed };
}

const cli = (argv: string[]) => runCli(argv);

/** Objects a clone holds of its own (not borrowed through its alternates). */
async function ownObjects(repo: string): Promise<number> {
  const v = await sh(repo, 'git', ['count-objects', '-v']);
  const n = (k: string) => Number(new RegExp(`^${k}: (\\d+)$`, 'm').exec(v)?.[1] ?? 0);
  return n('count') + n('in-pack');
}

describe('warm state', () => {
  it('bakes the mirror and the setup; a job fetches only newer commits and restores its setup', async () => {
    const { bare, seed } = await origin();
    const policy = path.join(temp('policy'), 'policy.yml');
    writeFileSync(policy, POLICY);
    const warm = temp('warm');
    const baked = await cli(['warm', '--repo', bare, '--into', warm, '--setup', SETUP, '--policy', policy]);
    expect(baked.code, baked.err).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(warm, 'warm.json'), 'utf8')) as WarmManifest;
    expect(manifest).toMatchObject({
      repository: bare,
      key: `file:${bare.replace(/\.git$/, '')}`,
      ref: 'HEAD',
    });
    expect(manifest.commit).toBe((await sh(bare, 'git', ['rev-parse', 'HEAD'])).trim());
    expect(manifest.setup).toMatchObject({
      command: SETUP,
      passed: true,
      cacheKey: expect.stringMatching(/^agentgate-setup-/),
    });
    expect(baked.out).toMatch(/^baked .* at [0-9a-f]{12} into .*cache key agentgate-setup-/);

    // Three commits after the bake.
    for (let i = 0; i < 3; i++) {
      writeFileSync(path.join(seed, `new-${i}.txt`), `new ${i}\n`);
      await commitEverything(seed, `after the bake ${i}`);
    }
    await sh(seed, 'git', ['push', '-q', 'origin', 'main']);

    // A cold clone holds every object; a warm one only about the newer commits' (3 commits, 3 trees, 3 blobs).
    const cold = path.join(temp('cold'), 'job');
    await sh(path.dirname(cold), 'git', ['clone', '-q', `file://${bare}`, cold]);
    const job = path.join(temp('job'), 'job');
    await sh(path.dirname(job), 'git', [
      'clone',
      '-q',
      '--reference',
      path.join(warm, 'repo.git'),
      `file://${bare}`,
      job,
    ]);
    expect(await ownObjects(cold)).toBeGreaterThan(90);
    expect(await ownObjects(job)).toBeLessThanOrEqual(12);
    expect((await sh(job, 'git', ['log', '-1', '--format=%s'])).trim()).toBe('after the bake 2');

    // The job's setup: restored from the baked entry (the lockfile is unchanged), with nothing of its own.
    const state = warmStateFor(warm, `file://${bare}`);
    expect(state?.manifest.commit).toBe(manifest.commit);
    const own = localCacheBackend('job', temp('own-store'));
    const run = await runScripted(job, [finalText()], {
      setupCommand: SETUP,
      setupCache: withWarmCache(state, own),
      testCommand: 'sh check.sh',
      policyText: POLICY,
    });
    expect(run.result.setup).toMatchObject({
      cache: { hit: true, backend: expect.stringContaining('after the warm state baked') },
    });
    expect(run.result.tests.before).toMatchObject({ passed: true });

    // A changed lockfile is another key: the setup runs (and is kept in the job's own store, never the bake's).
    writeFileSync(path.join(job, 'package-lock.json'), '{ "lockfileVersion": 3, "changed": true }\n');
    await commitEverything(job, 'bump');
    const bumped = await runScripted(job, [finalText()], {
      setupCommand: SETUP,
      setupCache: withWarmCache(state, own),
      policyText: POLICY,
    });
    expect(bumped.result.setup).toMatchObject({ cache: { hit: false } });
    expect(bumped.result.setup?.outputTail).toContain('installed');

    // Another repository's job does not see this warm state.
    expect(warmStateFor(warm, 'https://github.com/acme/other')).toBeUndefined();
    // Refreshing fetches into the mirror; the manifest moves to the newest commit.
    const again = await cli(['warm', '--repo', bare, '--into', warm, '--setup', SETUP, '--policy', policy]);
    expect(again.code, again.err).toBe(0);
    const fresh = JSON.parse(readFileSync(path.join(warm, 'warm.json'), 'utf8')) as WarmManifest;
    expect(fresh.commit).toBe((await sh(bare, 'git', ['rev-parse', 'HEAD'])).trim());
  }, 120_000);

  it('runs a session on a checkout that borrows the mirror through the environment, as on a warm VM', async () => {
    const { bare, seed } = await origin();
    const warm = temp('warm');
    expect((await cli(['warm', '--repo', bare, '--into', warm])).code).toBe(0);
    writeFileSync(path.join(seed, 'new.txt'), 'new\n');
    await commitEverything(seed, 'after the bake');
    await sh(seed, 'git', ['push', '-q', 'origin', 'main']);
    const head = (await sh(bare, 'git', ['rev-parse', 'HEAD'])).trim();

    // actions/checkout's commands, with the variable the warm VM's init gives the job (guest/warm.sh).
    const objects = path.join(warm, 'repo.git', 'objects');
    const job = temp('job');
    const checkout = async (env: NodeJS.ProcessEnv) => {
      const run = (args: string[], over = env) =>
        execFile('git', args, { cwd: job, env: { PATH: process.env.PATH, HOME: job, ...over } });
      for (const args of [
        ['init', '-q', '-b', 'main', '.'],
        ['remote', 'add', 'origin', `file://${bare}`],
        ['fetch', '-q', '--no-tags', 'origin', `+${head}:refs/remotes/origin/main`],
        ['checkout', '-q', '--force', '-B', 'main', 'refs/remotes/origin/main'],
      ]) {
        const r = await run(args);
        expect(r.exitCode, r.output).toBe(0);
      }
      return run;
    };
    const borrowed = { GIT_ALTERNATE_OBJECT_DIRECTORIES: objects };
    const run = await checkout(borrowed);
    expect(await ownObjects(job)).toBeLessThanOrEqual(4);
    expect((await run(['rev-list', '--count', 'HEAD'], borrowed)).stdout.trim()).toBe('31');
    // Without the variable the checkout has no history: what the action's git must not run into.
    expect((await run(['rev-list', '--count', 'HEAD'], {})).exitCode).not.toBe(0);

    const before = process.env.GIT_ALTERNATE_OBJECT_DIRECTORIES;
    process.env.GIT_ALTERNATE_OBJECT_DIRECTORIES = objects;
    try {
      writeFileSync(path.join(job, 'extra.txt'), 'untracked\n');
      const session = await runScripted(job, [finalText()], { testCommand: 'git log --oneline | wc -l' });
      expect(session.result.outcome, JSON.stringify(session.result.tests)).not.toMatch(/error/);
      expect(session.result.tests.before).toMatchObject({ passed: true });
      expect(session.result.tests.before?.outputTail).toMatch(/\b31\b/);
      // The session wrote the borrowing into the checkout, once.
      expect(readFileSync(path.join(job, '.git', 'objects', 'info', 'alternates'), 'utf8')).toBe(
        `${objects}\n`,
      );
      expect(await pinAlternates(job)).toEqual([]);
    } finally {
      if (before === undefined) delete process.env.GIT_ALTERNATE_OBJECT_DIRECTORIES;
      else process.env.GIT_ALTERNATE_OBJECT_DIRECTORIES = before;
    }
  }, 120_000);

  it('names a repository the same however it is written', () => {
    const k = repositoryKey('https://github.com/acme/app');
    expect(repositoryKey('https://github.com/Acme/App.git')).toBe(k);
    expect(repositoryKey('https://x-access-token:t@github.com/acme/app/')).toBe(k);
    expect(repositoryKey('git@github.com:acme/app.git')).toBe(k);
    expect(repositoryKey('https://github.com/acme/other')).not.toBe(k);
  });

  it('names the flag at fault', async () => {
    expect(await cli(['warm', '--into', temp('x')])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--repo is required/),
    });
    expect(await cli(['warm', '--repo', '.'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--into is required/),
    });
    const notRepo = await cli(['warm', '--repo', temp('empty'), '--into', temp('w')]);
    expect(notRepo.code).toBe(1);
    expect(notRepo.err).toMatch(
      /agentgate warm: git clone .* failed \(exit 128\): fatal: repository '.*' does not exist/,
    );
  });
});
