// The warm state a job looks for (baked by `agentgate warm`, action/warm.ts): whether the directory
// holds this repository's, and the setup cache with its baked entries first. Light: the action's every
// mode loads it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  defaultCacheRoot,
  localCacheBackend,
  repositoryKey,
  repositoryOrigin,
  type SetupCacheBackend,
} from './setup-cache.js';

export { repositoryKey };

/** What a bake left: read by jobs to decide whether the warm state is theirs. */
export interface WarmManifest {
  /** The repository, as given to the bake (URL without credentials, or path). */
  repository: string;
  /** Its normalised identity (see repositoryKey). */
  key: string;
  ref: string;
  commit: string;
  bakedAt: string;
  setup?: { command: string; passed: boolean; durationMs: number; cacheKey?: string };
}

/** Where a runner image keeps its warm state (AGENTGATE_WARM_DIR overrides it). */
export const DEFAULT_WARM_DIR = '/var/lib/agentgate/warm';
export const WARM_MIRROR = 'repo.git';
export const WARM_CACHE = 'setup-cache';
export const WARM_MANIFEST = 'warm.json';

/** The warm state in `dir` when it is this repository's; undefined otherwise (or when there is none). */
export function warmStateFor(
  dir: string | undefined,
  repository: string,
): { dir: string; manifest: WarmManifest } | undefined {
  if (!dir) return undefined;
  try {
    const manifest = JSON.parse(readFileSync(path.join(dir, WARM_MANIFEST), 'utf8')) as WarmManifest;
    return manifest.key === repositoryKey(repository) ? { dir, manifest } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The setup cache with the baked entries first (read-only: a job never writes into the warm state),
 * then `rest`, which also keeps what this job's setup makes.
 */
export function withWarmCache(
  warm: { dir: string; manifest: WarmManifest } | undefined,
  rest: SetupCacheBackend,
): SetupCacheBackend {
  if (!warm) return rest;
  const baked = localCacheBackend(warm.manifest.repository, path.join(warm.dir, WARM_CACHE));
  return {
    name: `${rest.name}, after the warm state baked ${warm.manifest.bakedAt}`,
    async restore(key, file) {
      return (await baked.restore(key, file)) || rest.restore(key, file);
    },
    save: (key, file) => rest.save(key, file),
  };
}

/**
 * The CLI's setup cache for the repository at `repo`: local disk (one store per repository), after the
 * repository's warm state in AGENTGATE_WARM_DIR.
 */
export async function cliSetupCache(repo: string, env: NodeJS.ProcessEnv): Promise<SetupCacheBackend> {
  const origin = await repositoryOrigin(repo);
  return withWarmCache(
    warmStateFor(env.AGENTGATE_WARM_DIR, origin),
    localCacheBackend(origin, defaultCacheRoot(env)),
  );
}
