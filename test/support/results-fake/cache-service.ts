// The cache half of the results service (cache service v2), good enough for the REAL `@actions/cache` 6.x
// `saveCache` / `restoreCache` against it.
//
// What the client does (read from node_modules/@actions/cache/lib, v6.3.0):
// - v2 only when ACTIONS_CACHE_SERVICE_V2 is set (any non-empty value) and GITHUB_SERVER_URL is github.com,
//   *.ghe.com or *.localhost; otherwise it speaks the v1 REST protocol to ACTIONS_CACHE_URL.
// - Twirp JSON to `POST {ACTIONS_RESULTS_URL}/twirp/github.actions.results.api.v1.CacheService/<Method>`,
//   `Authorization: Bearer $ACTIONS_RUNTIME_TOKEN`, proto field names, default values omitted.
// - Save = tar (+ zstd if `zstd` is on PATH, else gzip) -> CreateCacheEntry {key, version} -> blob upload to
//   `signed_upload_url` with `BlockBlobClient.uploadFile` (one Put Blob up to 128 MiB, 64 MiB blocks above)
//   -> FinalizeCacheEntryUpload {key, version, size_bytes}.
// - Restore = GetCacheEntryDownloadURL {key, restore_keys, version} -> `ok: false` is a miss; otherwise a
//   plain GET of `signed_download_url` (the Azure SDK is used only for *.blob.core.windows.net hosts).
// - `version` = sha256 hex of `[...paths, compressionMethod, ('windows-only' on win32 unless cross-OS), '1.0']`
//   joined with '|': the same key saved with other paths or another compression is another entry.
import { type BlobSlot, newBlobSlot, newReadSig, sasUrl } from './blob.js';
import {
  int64Field,
  invalidArgument,
  type MessageShape,
  StorageError,
  stringField,
  stringListField,
  TwirpError,
} from './protocol.js';
import type { FailableMethod, ResultsService, ServiceContext, TwirpMethod } from './service.js';

export interface FakeCacheEntry {
  id: number;
  repository: string;
  key: string;
  version: string;
  /** Size of the uploaded archive, as declared on finalize and verified against the bytes. */
  size: number;
  /** The archive as uploaded (a tar, zstd- or gzip-compressed by the client). */
  data: Buffer;
  createdAt: Date;
}

const SERVICE = 'github.actions.results.api.v1.CacheService';
const CONTAINER = 'actions-cache';
/** GitHub's documented key limit; the client refuses longer keys itself. */
const MAX_KEY_LENGTH = 512;
export const CACHE_MESSAGES = {
  duplicate: 'cache entry with the same key, version, and scope already exists',
  // The client matches these prefixes (CACHE_WRITE_DENIED_PREFIX / CACHE_READ_DENIED_PREFIX).
  writeDenied: 'cache write denied: token has no writable scopes',
  readDenied: 'cache read denied: token has no readable scopes',
} as const;

const cacheScope: MessageShape = {
  name: 'github.actions.results.entities.v1.CacheScope',
  fields: { scope: 'string', permission: 'int64' },
};
const cacheMetadata: MessageShape = {
  name: 'github.actions.results.entities.v1.CacheMetadata',
  fields: { repository_id: 'int64', scope: { repeated: cacheScope } },
};
const request = (name: string, fields: MessageShape['fields']): MessageShape => ({
  name: `github.actions.results.api.v1.${name}`,
  fields: { metadata: cacheMetadata, key: 'string', version: 'string', ...fields },
  required: ['key', 'version'],
});

interface CacheSlot extends BlobSlot {
  id: number;
  repository: string;
  key: string;
  version: string;
  createdAt: Date;
  finalized?: FakeCacheEntry;
}

export interface CacheService extends ResultsService {
  /** Finalized entries, oldest first; of one repository, or of all when none is given. */
  entries(repository?: string): FakeCacheEntry[];
}

function checkKey(key: string): string {
  if (key.length > MAX_KEY_LENGTH) throw invalidArgument(`key is longer than ${MAX_KEY_LENGTH} characters`);
  return key;
}

export function createCacheService(ctx: ServiceContext): CacheService {
  const slots: CacheSlot[] = []; // creation order: the last match is the newest
  let nextId = 1;

  const find = (repository: string, key: string, version: string) =>
    slots.find((s) => s.repository === repository && s.key === key && s.version === version);
  const blobUrl = (s: CacheSlot, sig: string, sp: string) =>
    sasUrl(ctx.origin(), CONTAINER, String(s.id), sig, sp);
  const keyAndVersion = (body: Record<string, unknown>) => ({
    key: checkKey(stringField(body, 'key') ?? ''),
    version: stringField(body, 'version') ?? '',
  });

  const methods: Record<string, TwirpMethod> = {
    CreateCacheEntry: {
      request: request('CreateCacheEntryRequest', {}),
      handle(body, caller) {
        const { key, version } = keyAndVersion(body);
        // A read-only token is refused with HTTP 200 and ok: false, not a Twirp error.
        if (caller.cacheAccess !== 'read-write') {
          return { ok: false, signed_upload_url: '', message: CACHE_MESSAGES.writeDenied };
        }
        // Entries are immutable: an existing key + version (finalized or still uploading) is never replaced.
        if (find(caller.repository, key, version)) {
          throw new TwirpError(409, 'already_exists', CACHE_MESSAGES.duplicate);
        }
        const slot: CacheSlot = {
          ...newBlobSlot(`cache-${nextId}`),
          id: nextId++,
          repository: caller.repository,
          key,
          version,
          createdAt: new Date(),
        };
        slots.push(slot);
        return { ok: true, signed_upload_url: blobUrl(slot, slot.writeSig, 'cw'), message: '' };
      },
    },

    FinalizeCacheEntryUpload: {
      // `size_bytes` is not required: zero is the default value, which the client omits; it is compared anyway.
      request: request('FinalizeCacheEntryUploadRequest', { size_bytes: 'int64' }),
      handle(body, caller) {
        const { key, version } = keyAndVersion(body);
        const slot = find(caller.repository, key, version);
        if (!slot) throw new TwirpError(404, 'not_found', 'cache entry not found');
        if (slot.finalized)
          throw new TwirpError(409, 'already_exists', 'cache entry has already been finalized');
        if (!slot.blob)
          throw new TwirpError(412, 'failed_precondition', 'cache entry content has not been uploaded');
        const data = slot.blob.data;
        const size = int64Field(body, 'size_bytes') ?? 0n;
        if (size !== BigInt(data.length)) {
          throw invalidArgument(`size mismatch: declared ${size}, received ${data.length}`);
        }
        slot.finalized = {
          id: slot.id,
          repository: slot.repository,
          key,
          version,
          size: data.length,
          data,
          createdAt: slot.createdAt,
        };
        slot.writeSig = ''; // the upload SAS is no longer usable
        return { ok: true, entry_id: String(slot.id), message: '' };
      },
    },

    GetCacheEntryDownloadURL: {
      request: request('GetCacheEntryDownloadURLRequest', { restore_keys: 'repeated string' }),
      handle(body, caller) {
        const { key, version } = keyAndVersion(body);
        const restoreKeys = stringListField(body, 'restore_keys').map(checkKey);
        if (caller.cacheAccess === 'none')
          throw new TwirpError(403, 'permission_denied', CACHE_MESSAGES.readDenied);
        const newestFirst = slots
          .filter((s) => s.finalized && s.repository === caller.repository && s.version === version)
          .reverse();
        // The documented order: the key exactly, then the key as a prefix, then each restore key in turn
        // (exactly, then as a prefix); among prefix matches the newest entry wins.
        for (const wanted of [key, ...restoreKeys]) {
          const hit =
            newestFirst.find((s) => s.key === wanted) ?? newestFirst.find((s) => s.key.startsWith(wanted));
          if (hit)
            return {
              ok: true,
              signed_download_url: blobUrl(hit, newReadSig(hit), 'r'),
              matched_key: hit.key,
            };
        }
        return { ok: false, signed_download_url: '', matched_key: '' };
      },
    },
  };

  const fault = (method: FailableMethod) => () => {
    const status = ctx.takeFailure(method);
    return status === undefined
      ? undefined
      : new StorageError(status, 'InjectedFailure', `cache fake: injected ${status} on ${method}`);
  };

  return {
    name: SERVICE,
    methods,
    container: CONTAINER,
    resolveBlob(segments) {
      const slot = segments.length === 1 ? slots.find((s) => String(s.id) === segments[0]) : undefined;
      if (!slot) return undefined;
      return {
        slot,
        readable: slot.finalized !== undefined,
        uploadFault: fault('cache-upload'),
        downloadFault: fault('cache-download'),
      };
    },
    entries(repository) {
      return slots
        .flatMap((s) => (s.finalized ? [s.finalized] : []))
        .filter((e) => repository === undefined || e.repository === repository)
        .map((e) => ({ ...e, data: Buffer.from(e.data) }));
    },
  };
}
