// The setup's cache on GitHub: the Actions cache service (v2), spoken directly so that what is stored
// is agentgate's own checked archive (action/setup-cache.ts), not a tar the runner's tar extracts
// unchecked. Twirp JSON to `{ACTIONS_RESULTS_URL}/twirp/github.actions.results.api.v1.CacheService/*`
// with the job's ACTIONS_RUNTIME_TOKEN; the archive goes to and comes from the signed blob URLs the
// service returns. GitHub scopes entries to the repository (and its branches), so a cache never crosses
// repositories. Entries are immutable: a key another job saved first is left as it is.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { SetupCacheBackend } from '../setup-cache.js';

const SERVICE = 'github.actions.results.api.v1.CacheService';
/** Twirp calls are small: a service that does not answer in this long is treated as down. */
const CALL_TIMEOUT_MS = 30_000;
/** The archive's transfer: generous, as a cache that is slower than the setup is no use anyway. */
const TRANSFER_TIMEOUT_MS = 10 * 60_000;

/** The cache's "version": what the archive is — agentgate's format and the directories it holds. */
export function cacheVersion(paths: readonly string[]): string {
  return createHash('sha256')
    .update(['agentgate-setup-cache', 'tar', ...[...paths].sort(), '1'].join('|'))
    .digest('hex');
}

export class ActionsCacheError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ActionsCacheError';
  }
}

/**
 * The Actions cache, when this job can use it: ACTIONS_RESULTS_URL and ACTIONS_RUNTIME_TOKEN set (a
 * JavaScript action on a GitHub runner has them) and the v2 service in use (ACTIONS_CACHE_SERVICE_V2).
 * Undefined otherwise (GitHub Enterprise Server's v1 service, or not on Actions).
 */
export function actionsCacheBackend(
  env: NodeJS.ProcessEnv,
  paths: readonly string[],
): SetupCacheBackend | undefined {
  const base = env.ACTIONS_RESULTS_URL;
  const token = env.ACTIONS_RUNTIME_TOKEN;
  if (!base || !token || !env.ACTIONS_CACHE_SERVICE_V2) return undefined;
  const origin = new URL(base).origin;
  const version = cacheVersion(paths);

  const call = async (method: string, body: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const res = await fetch(`${origin}/twirp/${SERVICE}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // Not JSON: reported with the status below.
    }
    if (!res.ok) {
      const code = typeof json.code === 'string' ? json.code : `HTTP ${res.status}`;
      const msg = typeof json.msg === 'string' ? json.msg : text.slice(0, 200);
      throw Object.assign(
        new ActionsCacheError(`the Actions cache service's ${method} failed: ${code}: ${msg}`),
        {
          code,
        },
      );
    }
    return json;
  };

  return {
    name: 'the GitHub Actions cache',
    async restore(key, file) {
      const r = await call('GetCacheEntryDownloadURL', { key, restore_keys: [], version });
      if (r.ok !== true || typeof r.signed_download_url !== 'string') return false;
      // An exact key only: a prefix match would be another lockfile's dependencies.
      if (typeof r.matched_key === 'string' && r.matched_key !== key) return false;
      const res = await fetch(r.signed_download_url, { signal: AbortSignal.timeout(TRANSFER_TIMEOUT_MS) });
      if (!res.ok || !res.body) {
        throw new ActionsCacheError(`the cache entry's download failed: HTTP ${res.status}`);
      }
      await pipeline(Readable.fromWeb(res.body as WebReadableStream), createWriteStream(file));
      return true;
    },
    async save(key, file) {
      let created: Record<string, unknown>;
      try {
        created = await call('CreateCacheEntry', { key, version });
      } catch (e) {
        // Another job saved this key first: entries are immutable, and that one is as good.
        if ((e as { code?: string }).code === 'already_exists') return;
        throw e;
      }
      if (created.ok !== true || typeof created.signed_upload_url !== 'string') {
        throw new ActionsCacheError(
          `the Actions cache refused the entry: ${typeof created.message === 'string' ? created.message : 'no reason given'}`,
        );
      }
      const size = (await stat(file)).size;
      // Loaded only when a cache entry is saved: every mode imports this module.
      const { BlockBlobClient } = await import('@azure/storage-blob');
      await new BlockBlobClient(created.signed_upload_url).uploadFile(file, {
        abortSignal: AbortSignal.timeout(TRANSFER_TIMEOUT_MS),
      });
      const done = await call('FinalizeCacheEntryUpload', { key, version, size_bytes: String(size) });
      if (done.ok !== true) {
        throw new ActionsCacheError(
          `the Actions cache did not keep the entry: ${typeof done.message === 'string' ? done.message : 'no reason given'}`,
        );
      }
    },
  };
}
