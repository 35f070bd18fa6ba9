// What each half of the results service fake plugs into the shared server.
import type { BlobTarget } from './blob.js';
import type { MessageShape } from './protocol.js';
import type { Identity } from './tokens.js';

/** Requests `failNext` can fail: Twirp methods by name, blob traffic by kind. */
export type FailableMethod =
  | 'CreateArtifact'
  | 'FinalizeArtifact'
  /** Any artifact blob PUT (Put Block, Put Block List, Put Blob). */
  | 'upload'
  | 'CreateCacheEntry'
  | 'FinalizeCacheEntryUpload'
  | 'GetCacheEntryDownloadURL'
  /** Any cache blob PUT. */
  | 'cache-upload'
  /** A cache blob GET. */
  | 'cache-download';

export interface ServiceContext {
  /** `http://127.0.0.1:PORT`, known once the server listens. */
  origin(): string;
  /** The next injected status for that kind of request, if any is queued. */
  takeFailure(method: FailableMethod): number | undefined;
}

export interface TwirpMethod {
  /** The request message; a request that does not fit answers `invalid_argument` and is a violation. */
  request: MessageShape;
  handle(body: Record<string, unknown>, caller: Identity): Record<string, unknown>;
}

export interface ResultsService {
  /** Fully qualified Twirp service name, e.g. `github.actions.results.api.v1.CacheService`. */
  name: string;
  methods: Readonly<Record<string, TwirpMethod>>;
  /** Methods of the real service this fake leaves out: they answer 501 unimplemented, not 404 bad_route. */
  unimplemented?: ReadonlySet<string>;
  /** The blob container its signed URLs point into. */
  container: string;
  /** The blob behind `/{account}/{container}/{...segments}`, if any. */
  resolveBlob(segments: readonly string[]): BlobTarget | undefined;
}
