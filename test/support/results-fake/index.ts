// One local server standing in for GitHub Actions' "results service" at ACTIONS_RESULTS_URL, as on
// GitHub: the ArtifactService and the CacheService (Twirp JSON under /twirp/<service>/<Method>) plus the
// Azure blob endpoint their signed URLs point to. Driven in the tests by the real @actions/artifact and
// @actions/cache clients.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createArtifactService, type FakeArtifact } from './artifact-service.js';
import { ACCOUNT, azureHeaders, handleBlob } from './blob.js';
import { createCacheService, type FakeCacheEntry } from './cache-service.js';
import {
  checkMessage,
  ProtocolViolation,
  readBody,
  StorageError,
  TwirpError,
  twirpCodeFor,
  xmlEscape,
} from './protocol.js';
import type { FailableMethod, ResultsService } from './service.js';
import { type CacheAccess, type Identity, mintIdentity } from './tokens.js';

export type { FakeArtifact } from './artifact-service.js';
export { CACHE_MESSAGES, type FakeCacheEntry } from './cache-service.js';
export type { FailableMethod } from './service.js';
export type { CacheAccess } from './tokens.js';
export { unzip } from './unzip.js';

export interface FakeRequest {
  /** Twirp method name, or PutBlock / PutBlockList / PutBlob / GetBlob, or `?` for anything unrouted. */
  op: string;
  status: number;
}

export interface ArtifactFake {
  /** Value for ACTIONS_RESULTS_URL (`http://127.0.0.1:PORT/`). */
  url: string;
  /**
   * Every env var the artifact and cache clients read, to apply around the calls (see {@link applyEnv}).
   * GITHUB_SERVER_URL is pinned to github.com (anything else is GHES, which the artifact client refuses and
   * where the cache client falls back to v1); empty strings deliberately neutralise ambient values (proxies,
   * concurrency/timeout/count overrides, the runner's retention cap, ACTIONS_CACHE_URL, cache mode).
   */
  env: Record<string, string>;
  /** The runtime token of {@link repository}'s run/job. */
  token: string;
  /** `owner/name` the fake's own token belongs to; cache entries are kept per repository. */
  repository: string;
  workflowRunBackendId: string;
  workflowJobRunBackendId: string;
  /** Finalized artifacts (all runs), unzipped, ordered by id. */
  artifacts(): FakeArtifact[];
  /** Finalized cache entries of a repository (default: the fake's own), oldest first. */
  cacheEntries(repository?: string): FakeCacheEntry[];
  /**
   * A token for another run: of another repository (whose cache this server keeps apart), or with less
   * cache access (`read`: saves are refused with `ok: false`; `none`: restores are refused too).
   */
  tokenFor(repository: string, options?: { cacheAccess?: CacheAccess }): string;
  /** Every request served, in order (handy to assert retries). */
  requests(): FakeRequest[];
  /** Requests the real service would reject as malformed (`<op>: <reason>`), in order. */
  violations: string[];
  /**
   * Fail the next `times` (default 1) requests of that kind with `status`. Twirp methods answer a Twirp JSON
   * error; `upload` / `cache-upload` apply to any artifact / cache blob PUT and `cache-download` to a cache
   * blob GET, answering an Azure XML error.
   */
  failNext(method: FailableMethod, status: number, times?: number): void;
  close(): Promise<void>;
}

export interface ArtifactFakeOptions {
  workflowRunBackendId?: string;
  workflowJobRunBackendId?: string;
  /** Default `agentgate/fake-repo`. */
  repository?: string;
}

/**
 * Unexpected exceptions inside the fake answer 501: neither the Twirp clients (retry 429/500/502/503/504 with
 * a 3 s, x1.5 backoff over 5 attempts) nor Azure (retries 500/503) retry it, so a fake bug fails a test fast.
 */
const FAKE_BUG_STATUS = 501;
const TWIRP_FAILABLE = new Set<string>([
  'CreateArtifact',
  'FinalizeArtifact',
  'CreateCacheEntry',
  'FinalizeCacheEntryUpload',
  'GetCacheEntryDownloadURL',
]);

// --- env helper -----------------------------------------------------------------------------------------------

/** Sets the variables on process.env and returns a function restoring the previous values (or absence). */
export function applyEnv(vars: Record<string, string>): () => void {
  const saved = new Map<string, string | undefined>();
  for (const [key, value] of Object.entries(vars)) {
    if (!saved.has(key)) saved.set(key, process.env[key]);
    process.env[key] = value;
  }
  return () => {
    for (const [key, value] of saved) {
      if (value === undefined) Reflect.deleteProperty(process.env, key);
      else process.env[key] = value;
    }
  };
}

// --- the fake -------------------------------------------------------------------------------------------------

export async function startArtifactFake(options: ArtifactFakeOptions = {}): Promise<ArtifactFake> {
  const own = mintIdentity(
    options.repository ?? 'agentgate/fake-repo',
    options.workflowRunBackendId,
    options.workflowJobRunBackendId,
  );
  const identities = new Map<string, Identity>([[own.token, own]]);
  const failures = new Map<FailableMethod, number[]>();
  const log: FakeRequest[] = [];
  const violations: string[] = [];
  let origin = '';

  const ctx = {
    origin: () => origin,
    takeFailure: (method: FailableMethod) => failures.get(method)?.shift(),
  };
  const artifactService = createArtifactService(ctx);
  const cacheService = createCacheService(ctx);
  const services = new Map<string, ResultsService>([
    [artifactService.name, artifactService],
    [cacheService.name, cacheService],
  ]);
  const containers = new Map<string, ResultsService>([
    [artifactService.container, artifactService],
    [cacheService.container, cacheService],
  ]);

  async function handleTwirp(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const raw = await readBody(req);
    const [serviceName = '', method = '', ...rest] = path.split('/');
    const service = services.get(serviceName);
    if (req.method !== 'POST') {
      throw new ProtocolViolation(
        404,
        'bad_route',
        `unsupported method ${req.method} (only POST is allowed)`,
      );
    }
    const handler =
      service && rest.length === 0 && Object.hasOwn(service.methods, method)
        ? service.methods[method]
        : undefined;
    if (!handler) {
      if (service?.unimplemented?.has(method))
        throw new TwirpError(501, 'unimplemented', `${method} is not implemented`);
      throw new ProtocolViolation(404, 'bad_route', `no handler for path "${req.url}"`);
    }
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (contentType !== 'application/json') {
      throw new ProtocolViolation(
        404,
        'bad_route',
        `unexpected Content-Type: "${req.headers['content-type'] ?? ''}"`,
      );
    }
    const auth = req.headers.authorization ?? '';
    const caller = auth.startsWith('Bearer ') ? identities.get(auth.slice('Bearer '.length)) : undefined;
    if (!caller) throw new ProtocolViolation(401, 'unauthenticated', 'missing or invalid bearer token');
    if (TWIRP_FAILABLE.has(method)) {
      const status = ctx.takeFailure(method as FailableMethod);
      if (status !== undefined) {
        const label = service === cacheService ? 'cache fake' : 'artifact fake';
        throw new TwirpError(status, twirpCodeFor(status), `${label}: injected ${status} on ${method}`);
      }
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new ProtocolViolation(400, 'malformed', 'the request body could not be decoded as JSON');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ProtocolViolation(400, 'malformed', 'the request body must be a JSON object');
    }
    const out = handler.handle(checkMessage(body, handler.request), caller);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out));
  }

  function blobTarget(url: URL) {
    const [account = '', container = '', ...segments] = url.pathname.split('/').slice(1);
    const target = account === ACCOUNT ? containers.get(container)?.resolveBlob(segments) : undefined;
    if (!target) throw new StorageError(404, 'BlobNotFound', 'The specified blob does not exist.');
    return target;
  }

  function answerError(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    entry: FakeRequest,
    error: unknown,
  ) {
    if (
      error instanceof TwirpError ||
      (url.pathname.startsWith('/twirp/') && !(error instanceof StorageError))
    ) {
      const e =
        error instanceof TwirpError
          ? error
          : new TwirpError(
              FAKE_BUG_STATUS,
              'internal',
              `results fake bug: ${String(error instanceof Error ? error.stack : error)}`,
            );
      entry.status = e.status;
      if (e instanceof ProtocolViolation) violations.push(`${entry.op}: ${e.message}`);
      if (!res.headersSent) {
        res.writeHead(e.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: e.code, msg: e.message }));
      }
      return;
    }
    const e =
      error instanceof StorageError
        ? error
        : new StorageError(FAKE_BUG_STATUS, 'InternalError', `results fake bug: ${String(error)}`);
    entry.status = e.status;
    if (!res.headersSent) {
      res.writeHead(e.status, {
        ...azureHeaders(req),
        'content-type': 'application/xml',
        'x-ms-error-code': e.code,
      });
      res.end(
        `<?xml version="1.0" encoding="utf-8"?><Error><Code>${e.code}</Code><Message>${xmlEscape(e.message)}\nRequestId:${randomUUID()}\nTime:${new Date().toISOString()}</Message></Error>`,
      );
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin || 'http://127.0.0.1');
    const entry: FakeRequest = { op: '?', status: 0 };
    log.push(entry);
    let work: Promise<void>;
    if (url.pathname.startsWith('/twirp/')) {
      const path = url.pathname.slice('/twirp/'.length);
      entry.op = path.split('/')[1] ?? '?';
      work = handleTwirp(req, res, path);
    } else {
      work = handleBlob(req, res, url, entry, blobTarget);
    }
    work.then(
      () => {
        entry.status = res.statusCode;
      },
      (error: unknown) => answerError(req, res, url, entry, error),
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  const url = `${origin}/`;

  return {
    url,
    token: own.token,
    repository: own.repository,
    workflowRunBackendId: own.workflowRunBackendId,
    workflowJobRunBackendId: own.workflowJobRunBackendId,
    env: {
      ACTIONS_RUNTIME_TOKEN: own.token,
      ACTIONS_RESULTS_URL: url,
      // isGhes() is false only for github.com / *.ghe.com / *.localhost; GHES makes the artifact client throw
      // and the cache client use v1.
      GITHUB_SERVER_URL: 'https://github.com',
      // Caps retentionDays when set on a runner; '' means "no cap" (the client ignores empty values).
      GITHUB_RETENTION_DAYS: '',
      ACTIONS_ARTIFACT_UPLOAD_CONCURRENCY: '',
      ACTIONS_ARTIFACT_UPLOAD_TIMEOUT_MS: '',
      ACTIONS_ARTIFACT_MAX_ARTIFACT_COUNT: '',
      // @actions/cache speaks v2 (Twirp at ACTIONS_RESULTS_URL) only when this is non-empty; v1 would go to
      // ACTIONS_CACHE_URL, blanked so an ambient one is never used. ACTIONS_CACHE_MODE '' permits read+write.
      ACTIONS_CACHE_SERVICE_V2: 'true',
      ACTIONS_CACHE_URL: '',
      ACTIONS_CACHE_MODE: '',
      // @actions/http-client bypasses proxies for loopback, but @azure/core-rest-pipeline does not: it honours
      // HTTPS_PROXY/ALL_PROXY/HTTP_PROXY (upper case first, then lower case) even for http:// URLs, and reads
      // NO_PROXY only once per process. Blank them all so the blob upload is never proxied.
      HTTPS_PROXY: '',
      https_proxy: '',
      HTTP_PROXY: '',
      http_proxy: '',
      ALL_PROXY: '',
      all_proxy: '',
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
    },
    artifacts: () => artifactService.artifacts(),
    cacheEntries: (repository = own.repository) => cacheService.entries(repository),
    tokenFor(repository, tokenOptions = {}) {
      const identity = mintIdentity(repository, undefined, undefined, tokenOptions.cacheAccess);
      identities.set(identity.token, identity);
      return identity.token;
    },
    requests: () => log.map((r) => ({ ...r })),
    violations,
    failNext(method, status, times = 1) {
      if (!Number.isInteger(status) || status < 100 || status > 599)
        throw new Error(`invalid status ${status}`);
      const queue = failures.get(method) ?? [];
      for (let i = 0; i < times; i++) queue.push(status);
      failures.set(method, queue);
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
