// Warm state for one repository, baked ahead of the jobs (into a runner image, or a runner's disk) and
// rebuilt on a schedule: a mirror of the repository at the bake, and the setup's cache entry for the
// lockfiles of that commit. A job's git borrows the mirror's objects (GIT_ALTERNATE_OBJECT_DIRECTORIES,
// or `git clone --reference <warm>/repo.git`), so its checkout fetches only the commits since the bake,
// and its setup restores from the baked entry instead of running (action/warm-state.ts). Nothing secret is baked: the mirror is what any clone holds, and the setup runs in the sandbox
// with the setup network only.
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { git } from '../lib/git.js';
import type { LoadedPolicy } from '../policies/index.js';
import { sandboxConfigFor } from './sandbox/from-policy.js';
import { prepareWorkTree, SETUP_TIMEOUT_MS, type SetupRun } from './setup.js';
import { localCacheBackend, repositoryKey, withoutCredentials } from './setup-cache.js';
import { WARM_CACHE, WARM_MANIFEST, WARM_MIRROR, type WarmManifest } from './warm-state.js';

export interface BakeOptions {
  /** The repository to bake: a URL or a path. */
  source: string;
  ref: string;
  /** The warm directory: repo.git, setup-cache/ and warm.json go there (replaced atomically). */
  into: string;
  policy: LoadedPolicy;
  setupCommand?: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

/** Bakes the warm state: mirror, setup cache entry, manifest. A failing setup fails the bake. */
export async function bake(o: BakeOptions): Promise<WarmManifest> {
  const key = repositoryKey(o.source);
  mkdirSync(o.into, { recursive: true });
  const mirror = path.join(o.into, WARM_MIRROR);
  // A token in the URL is used for the transfer only: the mirror keeps the URL without it.
  const clean = withoutCredentials(o.source);
  const scrubbed = (e: unknown) =>
    new Error(
      String((e as Error).message ?? e)
        .split(o.source)
        .join(clean),
    );
  if (existsSync(mirror)) {
    o.log(`bake: fetching into ${mirror}`);
    await git(mirror, [
      'fetch',
      '--quiet',
      '--prune',
      '--tags',
      o.source,
      '+refs/heads/*:refs/heads/*',
    ]).catch((e: unknown) => {
      throw scrubbed(e);
    });
  } else {
    o.log(`bake: mirroring ${clean}`);
    await git(o.into, ['clone', '--quiet', '--mirror', o.source, WARM_MIRROR]).catch((e: unknown) => {
      throw scrubbed(e);
    });
    await git(mirror, ['remote', 'set-url', 'origin', clean]);
  }
  const commit = (await git(mirror, ['rev-parse', '--verify', `${o.ref}^{commit}`])).stdout.trim();
  const manifest: WarmManifest = {
    repository: clean,
    key,
    ref: o.ref,
    commit,
    bakedAt: new Date().toISOString(),
  };
  const command = o.setupCommand ?? o.policy.policy.setup.command;
  if (command) {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'agentgate-bake-'));
    try {
      const work = path.join(scratch, 'work');
      // A local clone (hard links), not --shared: the setup's sandbox shows the work tree only, and a
      // borrowed object store outside it would leave git inside the sandbox a broken repository.
      await git(scratch, ['clone', '--quiet', '--no-checkout', mirror, 'work']);
      await git(work, ['checkout', '--quiet', '--detach', commit]);
      const policy = o.policy.policy;
      const cache = localCacheBackend(clean, path.join(o.into, WARM_CACHE));
      o.log(`bake: setup ${command}`);
      const run: SetupRun = await prepareWorkTree({
        workDir: work,
        command,
        policy: policy.setup,
        sandbox: sandboxConfigFor(policy, { workDir: work, neverShown: [o.into], env: o.env }),
        cache,
        timeoutMs: SETUP_TIMEOUT_MS,
        tailChars: 2000,
        log: o.log,
      });
      if (!run.passed) {
        throw new Error(
          `the setup '${command}' failed (exit ${run.exitCode}): ${run.outputTail.slice(-500)}`,
        );
      }
      manifest.setup = {
        command,
        passed: run.passed,
        durationMs: run.durationMs,
        ...(run.cache?.key ? { cacheKey: run.cache.key } : {}),
      };
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  const file = path.join(o.into, WARM_MANIFEST);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  return manifest;
}
