/**
 * A local fake of the GitHub Actions artifact backend (v4+, "results service"), good enough for the REAL
 * `@actions/artifact` 6.x `DefaultArtifactClient` to upload (and list / download / delete) against it.
 *
 * What the client does (read from node_modules/@actions/artifact/lib, v6.2.1):
 * - Twirp JSON over HTTP: `POST {origin(ACTIONS_RESULTS_URL)}/twirp/github.actions.results.api.v1.ArtifactService/<Method>`
 *   with `Authorization: Bearer $ACTIONS_RUNTIME_TOKEN`, `Content-Type: application/json` and proto field names
 *   (snake_case). Upload = CreateArtifact -> blob upload to `signed_upload_url` -> FinalizeArtifact.
 * - The run/job backend ids come from the JWT `scp` claim `Actions.Results:<runBackendId>:<jobBackendId>`
 *   (decoded with jwt-decode, the signature is never checked).
 * - The blob upload goes through `@azure/storage-blob` `BlockBlobClient.uploadStream`: always Put Block
 *   (`PUT ?comp=block&blockid=<base64>`, 8 MiB blocks, status 201) then Put Block List (`PUT ?comp=blocklist`,
 *   XML `<BlockList><Latest>id</Latest>...</BlockList>`, status 201) — never a single Put Blob (supported anyway).
 * - `skipArchive: true` (present in 6.x) uploads one file raw: the artifact is named after the file's basename and
 *   `mime_type` is derived from its extension; otherwise the blob is a deflate zip with `mime_type: application/zip`.
 * - FinalizeArtifact carries `size` (int64 as a string) and `hash: "sha256:<hex of the uploaded bytes>"`.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateRawSync } from 'node:zlib';

export type FailableMethod = 'CreateArtifact' | 'FinalizeArtifact' | 'upload';

export interface FakeArtifact {
  id: number;
  name: string;
  /** Derived from the `expires_at` sent on CreateArtifact (rounded days from creation); absent if none was sent. */
  retentionDays?: number;
  expiresAt?: string;
  /** Size of the uploaded blob (the zip, or the raw file with `skipArchive`). */
  size: number;
  /** Unzipped entries (directories omitted), or `{ [name]: blob }` for a raw (`skipArchive`) upload. */
  files: Map<string, Buffer>;
  /** `false` when the blob was uploaded raw (mime type other than application/zip). */
  archived: boolean;
  mimeType?: string;
  /** The `hash` sent on finalize (`sha256:<hex>`), verified against the received bytes. */
  digest?: string;
  blob: Buffer;
  workflowRunBackendId: string;
  workflowJobRunBackendId: string;
  createdAt: Date;
}

export interface FakeRequest {
  /** Twirp method name, or PutBlock / PutBlockList / PutBlob / GetBlob, or `?` for anything unrouted. */
  op: string;
  status: number;
}

export interface ArtifactFake {
  /** Value for ACTIONS_RESULTS_URL (`http://127.0.0.1:PORT/`). */
  url: string;
  /**
   * Every env var the client reads, to apply around the calls (see {@link applyEnv}). GITHUB_SERVER_URL is pinned to
   * github.com (anything else is GHES, which the client refuses); empty strings deliberately neutralise ambient
   * values (proxies, concurrency/timeout/count overrides, the runner's retention cap).
   */
  env: Record<string, string>;
  token: string;
  workflowRunBackendId: string;
  workflowJobRunBackendId: string;
  /** Finalized artifacts (all runs), unzipped, ordered by id. */
  artifacts(): FakeArtifact[];
  /** Every request served, in order (handy to assert retries). */
  requests(): FakeRequest[];
  /**
   * Fail the next `times` (default 1) requests of that kind with `status`. Twirp methods answer a Twirp JSON error;
   * `upload` applies to any blob PUT (Put Block, Put Block List or Put Blob) and answers an Azure XML error.
   */
  failNext(method: FailableMethod, status: number, times?: number): void;
  close(): Promise<void>;
}

export interface ArtifactFakeOptions {
  workflowRunBackendId?: string;
  workflowJobRunBackendId?: string;
}

const SERVICE = 'github.actions.results.api.v1.ArtifactService';
const ACCOUNT = 'devstoreaccount1';
const CONTAINER = 'actions-results';
const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * Unexpected exceptions inside the fake answer 501: neither the Twirp client (retries 429/500/502/503/504 with a
 * 3 s, x1.5 backoff over 5 attempts) nor Azure (retries 500/503) retries it, so a fake bug fails a test fast.
 */
const FAKE_BUG_STATUS = 501;
const KNOWN_UNIMPLEMENTED = new Set(['MigrateArtifact', 'FinalizeMigratedArtifact']);

interface Pending {
  id: number;
  runId: string;
  jobId: string;
  name: string;
  fileName: string;
  mimeType?: string;
  version?: number;
  expiresAt?: Date;
  createdAt: Date;
  writeSig: string;
  readSigs: Set<string>;
  uncommitted: Map<string, Buffer>;
  committedBlocks: Map<string, Buffer>;
  blob?: { data: Buffer; contentType?: string; etag: string; lastModified: Date };
  finalized?: FakeArtifact;
}

class TwirpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

class StorageError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function twirpCodeFor(status: number): string {
  const codes: Record<number, string> = {
    400: 'invalid_argument',
    401: 'unauthenticated',
    403: 'permission_denied',
    404: 'not_found',
    408: 'deadline_exceeded',
    409: 'already_exists',
    412: 'failed_precondition',
    429: 'resource_exhausted',
    500: 'internal',
    501: 'unimplemented',
    503: 'unavailable',
  };
  return codes[status] ?? (status >= 500 ? 'internal' : 'unknown');
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** An unsigned (`alg: none`) JWT shaped like the runner's ACTIONS_RUNTIME_TOKEN. */
function makeRuntimeToken(runId: string, jobId: string): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT', alg: 'none' };
  const payload = {
    nameid: randomUUID(),
    scp: [
      `Actions.GenericRead:${randomUUID()}`,
      `Actions.UploadArtifacts:${randomUUID()}/1:${randomUUID()}`,
      `Actions.Results:${runId}:${jobId}`,
    ].join(' '),
    iss: 'vstoken.actions.githubusercontent.com',
    aud: 'vso:agentgate-artifact-fake',
    iat: now,
    nbf: now,
    exp: now + 6 * 60 * 60,
  };
  return `${b64url(header)}.${b64url(payload)}.`;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function md5Base64(data: Buffer): string {
  return createHash('md5').update(data).digest('base64');
}

/** Reads a field by proto name or lowerCamelCase JSON name (protobuf JSON parsers accept both). */
function field(body: Record<string, unknown>, protoName: string): unknown {
  if (protoName in body) return body[protoName];
  const camel = protoName.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  return body[camel];
}

function stringField(body: Record<string, unknown>, protoName: string): string | undefined {
  const value = field(body, protoName);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new TwirpError(400, 'invalid_argument', `${protoName} must be a string`);
}

function int64Field(body: Record<string, unknown>, protoName: string): bigint | undefined {
  const value = field(body, protoName);
  if (value === undefined || value === null) return undefined;
  if (
    (typeof value === 'string' && /^-?\d+$/.test(value)) ||
    (typeof value === 'number' && Number.isInteger(value))
  ) {
    return BigInt(value);
  }
  throw new TwirpError(400, 'invalid_argument', `${protoName} must be an int64`);
}

// --- zip reading (the client's archiver output: deflate, data descriptors, optional zip64) ---------------------

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Parses a zip through its central directory; verifies sizes and CRC-32 of every entry. */
export function unzip(zip: Buffer): Map<string, Buffer> {
  const minEocd = 22;
  let eocd = -1;
  for (let i = zip.length - minEocd; i >= Math.max(0, zip.length - minEocd - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('end of central directory not found');
  let entries = zip.readUInt16LE(eocd + 10);
  let cdOffset = zip.readUInt32LE(eocd + 16);
  if (entries === 0xffff || cdOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || zip.readUInt32LE(locator) !== 0x07064b50) throw new Error('zip64 locator not found');
    const z64 = Number(zip.readBigUInt64LE(locator + 8));
    if (zip.readUInt32LE(z64) !== 0x06064b50) throw new Error('zip64 end of central directory not found');
    entries = Number(zip.readBigUInt64LE(z64 + 32));
    cdOffset = Number(zip.readBigUInt64LE(z64 + 48));
  }
  const files = new Map<string, Buffer>();
  let p = cdOffset;
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error(`bad central directory entry #${i}`);
    const flags = zip.readUInt16LE(p + 8);
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    let compressedSize = zip.readUInt32LE(p + 20);
    let size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    let localOffset = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    const extra = zip.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen);
    for (let e = 0; e + 4 <= extra.length; ) {
      const id = extra.readUInt16LE(e);
      const len = extra.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff) {
          size = Number(extra.readBigUInt64LE(q));
          q += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = Number(extra.readBigUInt64LE(q));
          q += 8;
        }
        if (localOffset === 0xffffffff) localOffset = Number(extra.readBigUInt64LE(q));
      }
      e += 4 + len;
    }
    p += 46 + nameLen + extraLen + commentLen;
    if (flags & 1) throw new Error(`${name}: encrypted entries are not supported`);
    if (zip.readUInt32LE(localOffset) !== 0x04034b50) throw new Error(`${name}: bad local header`);
    const dataStart =
      localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) data = inflateRawSync(raw);
    else throw new Error(`${name}: unsupported compression method ${method}`);
    if (data.length !== size) throw new Error(`${name}: size ${data.length} != ${size}`);
    if (crc32(data) !== crc) throw new Error(`${name}: CRC-32 mismatch`);
    if (name.endsWith('/')) continue;
    files.set(name, data);
  }
  return files;
}

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
  const runId = options.workflowRunBackendId ?? randomUUID();
  const jobId = options.workflowJobRunBackendId ?? randomUUID();
  const token = makeRuntimeToken(runId, jobId);
  const byKey = new Map<string, Pending>(); // `${runId}\0${name}`
  const byId = new Map<number, Pending>();
  const failures = new Map<FailableMethod, number[]>();
  const log: FakeRequest[] = [];
  let nextId = 1000;
  let origin = '';

  const key = (run: string, name: string) => `${run}\0${name}`;

  function takeFailure(method: FailableMethod): number | undefined {
    const queue = failures.get(method);
    return queue?.shift();
  }

  function checkIds(body: Record<string, unknown>): { run: string; job: string } {
    const run = stringField(body, 'workflow_run_backend_id');
    const job = stringField(body, 'workflow_job_run_backend_id');
    if (!run || !job)
      throw new TwirpError(400, 'invalid_argument', 'workflow run/job backend ids are required');
    if (run !== runId || job !== jobId) {
      throw new TwirpError(403, 'permission_denied', 'token is not scoped to this workflow run/job');
    }
    return { run, job };
  }

  function monolith(p: Pending, a: FakeArtifact): Record<string, unknown> {
    return {
      workflow_run_backend_id: p.runId,
      workflow_job_run_backend_id: p.jobId,
      database_id: String(a.id),
      name: a.name,
      size: String(a.size),
      created_at: a.createdAt.toISOString(),
      ...(a.digest ? { digest: a.digest } : {}),
    };
  }

  const methods: Record<string, (body: Record<string, unknown>) => Record<string, unknown>> = {
    CreateArtifact(body) {
      const { run, job } = checkIds(body);
      const name = stringField(body, 'name');
      if (!name) throw new TwirpError(400, 'invalid_argument', 'name is required');
      if (byKey.has(key(run, name))) {
        throw new TwirpError(
          409,
          'already_exists',
          'an artifact with this name already exists on the workflow run',
        );
      }
      const createdAt = new Date();
      let expiresAt: Date | undefined;
      const rawExpiry = stringField(body, 'expires_at');
      if (rawExpiry !== undefined) {
        expiresAt = new Date(rawExpiry);
        if (Number.isNaN(expiresAt.getTime()))
          throw new TwirpError(400, 'invalid_argument', 'invalid expires_at');
        if (expiresAt.getTime() <= createdAt.getTime()) {
          throw new TwirpError(400, 'invalid_argument', 'expires_at must be in the future');
        }
      }
      const mimeType = stringField(body, 'mime_type');
      const version = field(body, 'version');
      const id = nextId++;
      // What the client named the blob: `${name}.zip`, or the file's basename (= name) with skipArchive.
      const fileName = mimeType === undefined || mimeType === 'application/zip' ? `${name}.zip` : name;
      const p: Pending = {
        id,
        runId: run,
        jobId: job,
        name,
        fileName,
        createdAt,
        writeSig: randomBytes(18).toString('base64url'),
        readSigs: new Set(),
        uncommitted: new Map(),
        committedBlocks: new Map(),
        ...(mimeType !== undefined ? { mimeType } : {}),
        ...(typeof version === 'number' ? { version } : {}),
        ...(expiresAt ? { expiresAt } : {}),
      };
      byKey.set(key(run, name), p);
      byId.set(id, p);
      return { ok: true, signed_upload_url: sasUrl(p, p.writeSig, 'cw') };
    },

    FinalizeArtifact(body) {
      const { run } = checkIds(body);
      const name = stringField(body, 'name');
      if (!name) throw new TwirpError(400, 'invalid_argument', 'name is required');
      const p = byKey.get(key(run, name));
      if (!p) throw new TwirpError(404, 'not_found', 'artifact not found');
      if (p.finalized) throw new TwirpError(409, 'already_exists', 'artifact has already been finalized');
      if (!p.blob) throw new TwirpError(412, 'failed_precondition', 'artifact content has not been uploaded');
      const data = p.blob.data;
      const size = int64Field(body, 'size');
      if (size === undefined || size !== BigInt(data.length)) {
        throw new TwirpError(
          400,
          'invalid_argument',
          `size mismatch: declared ${size}, received ${data.length}`,
        );
      }
      const hash = stringField(body, 'hash');
      if (hash !== undefined) {
        const match = /^sha256:([0-9a-f]{64})$/.exec(hash);
        if (!match) throw new TwirpError(400, 'invalid_argument', `unsupported hash format: ${hash}`);
        const actual = sha256Hex(data);
        if (match[1] !== actual) {
          throw new TwirpError(
            400,
            'invalid_argument',
            `hash mismatch: declared ${hash}, received sha256:${actual}`,
          );
        }
      }
      const archived = p.mimeType === undefined || p.mimeType === 'application/zip';
      let files: Map<string, Buffer>;
      if (archived) {
        try {
          files = unzip(data);
        } catch (error) {
          throw new TwirpError(
            400,
            'invalid_argument',
            `uploaded content is not a valid zip: ${String(error)}`,
          );
        }
      } else {
        files = new Map([[p.fileName, data]]);
      }
      p.finalized = {
        id: p.id,
        name: p.name,
        size: data.length,
        files,
        archived,
        blob: data,
        workflowRunBackendId: p.runId,
        workflowJobRunBackendId: p.jobId,
        createdAt: p.createdAt,
        ...(p.expiresAt
          ? {
              expiresAt: p.expiresAt.toISOString(),
              retentionDays: Math.round((p.expiresAt.getTime() - p.createdAt.getTime()) / DAY_MS),
            }
          : {}),
        ...(p.mimeType !== undefined ? { mimeType: p.mimeType } : {}),
        ...(hash !== undefined ? { digest: hash } : {}),
      };
      p.writeSig = ''; // the upload SAS is no longer usable
      return { ok: true, artifact_id: String(p.id) };
    },

    ListArtifacts(body) {
      const { run } = checkIds(body);
      const nameFilter = stringField(body, 'name_filter');
      const idFilter = int64Field(body, 'id_filter');
      const artifacts = [...byId.values()]
        .filter((p) => p.runId === run && p.finalized)
        .filter((p) => nameFilter === undefined || p.name === nameFilter)
        .filter((p) => idFilter === undefined || BigInt(p.id) === idFilter)
        .flatMap((p) => (p.finalized ? [monolith(p, p.finalized)] : []));
      return { artifacts };
    },

    GetSignedArtifactURL(body) {
      const { run } = checkIds(body);
      const name = stringField(body, 'name') ?? '';
      const p = byKey.get(key(run, name));
      if (!p?.finalized) throw new TwirpError(404, 'not_found', 'artifact not found');
      const sig = randomBytes(18).toString('base64url');
      p.readSigs.add(sig);
      return { signed_url: sasUrl(p, sig, 'r') };
    },

    DeleteArtifact(body) {
      const { run } = checkIds(body);
      const name = stringField(body, 'name') ?? '';
      const p = byKey.get(key(run, name));
      if (!p?.finalized) throw new TwirpError(404, 'not_found', 'artifact not found');
      byKey.delete(key(run, name));
      byId.delete(p.id);
      return { ok: true, artifact_id: String(p.id) };
    },
  };

  function sasUrl(p: Pending, sig: string, permissions: string): string {
    const expiry = new Date(Date.now() + 6 * 60 * 60 * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const query = new URLSearchParams({ sv: '2025-11-05', sr: 'b', sp: permissions, se: expiry, sig });
    return `${origin}/${ACCOUNT}/${CONTAINER}/${p.runId}/${p.id}/${encodeURIComponent(p.fileName)}?${query}`;
  }

  async function handleTwirp(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    const raw = await readBody(req);
    if (req.method !== 'POST') {
      throw new TwirpError(404, 'bad_route', `unsupported method ${req.method} (only POST is allowed)`);
    }
    const handler = Object.hasOwn(methods, method) ? methods[method] : undefined;
    if (!handler) {
      if (KNOWN_UNIMPLEMENTED.has(method))
        throw new TwirpError(501, 'unimplemented', `${method} is not implemented`);
      throw new TwirpError(404, 'bad_route', `no handler for path "${req.url}"`);
    }
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (contentType !== 'application/json') {
      throw new TwirpError(
        404,
        'bad_route',
        `unexpected Content-Type: "${req.headers['content-type'] ?? ''}"`,
      );
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      throw new TwirpError(401, 'unauthenticated', 'missing or invalid bearer token');
    }
    if (method === 'CreateArtifact' || method === 'FinalizeArtifact') {
      const status = takeFailure(method);
      if (status !== undefined) {
        throw new TwirpError(status, twirpCodeFor(status), `artifact fake: injected ${status} on ${method}`);
      }
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new TwirpError(400, 'malformed', 'the request body could not be decoded as JSON');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new TwirpError(400, 'malformed', 'the request body must be a JSON object');
    }
    const out = handler(body as Record<string, unknown>);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out));
  }

  function azureHeaders(req: IncomingMessage): Record<string, string> {
    const headers: Record<string, string> = {
      'x-ms-request-id': randomUUID(),
      'x-ms-version': String(req.headers['x-ms-version'] ?? '2025-11-05'),
      date: new Date().toUTCString(),
    };
    const clientRequestId = req.headers['x-ms-client-request-id'];
    if (typeof clientRequestId === 'string') headers['x-ms-client-request-id'] = clientRequestId;
    return headers;
  }

  function findBlob(url: URL): Pending {
    const segments = url.pathname.split('/').slice(1);
    const [account, container, run, id] = segments;
    const p = id !== undefined ? byId.get(Number(id)) : undefined;
    if (account !== ACCOUNT || container !== CONTAINER || !p || p.runId !== run || segments.length !== 5) {
      throw new StorageError(404, 'BlobNotFound', 'The specified blob does not exist.');
    }
    return p;
  }

  async function handleBlob(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    entry: FakeRequest,
  ): Promise<void> {
    const body = await readBody(req);
    const comp = url.searchParams.get('comp');
    const sig = url.searchParams.get('sig') ?? '';
    const p = findBlob(url);
    const headers = azureHeaders(req);

    if (req.method === 'GET' || req.method === 'HEAD') {
      entry.op = 'GetBlob';
      if (!p.readSigs.has(sig) || !p.finalized || !p.blob) {
        throw new StorageError(403, 'AuthenticationFailed', 'Server failed to authenticate the request.');
      }
      const data = p.blob.data;
      res.writeHead(200, {
        ...headers,
        'content-type': p.blob.contentType ?? 'application/octet-stream',
        'content-length': String(data.length),
        'content-disposition': `attachment; filename="${p.fileName}"; filename*=UTF-8''${encodeURIComponent(p.fileName)}`,
        etag: p.blob.etag,
        'last-modified': p.blob.lastModified.toUTCString(),
        'x-ms-blob-type': 'BlockBlob',
      });
      res.end(req.method === 'GET' ? data : undefined);
      return;
    }
    if (req.method !== 'PUT') {
      throw new StorageError(
        405,
        'UnsupportedHttpVerb',
        'The resource doesn\u2019t support the specified HTTP verb.',
      );
    }
    entry.op =
      comp === 'block'
        ? 'PutBlock'
        : comp === 'blocklist'
          ? 'PutBlockList'
          : comp === null
            ? 'PutBlob'
            : 'Put?';
    if (!p.writeSig || sig !== p.writeSig) {
      throw new StorageError(403, 'AuthenticationFailed', 'Server failed to authenticate the request.');
    }
    const injected = takeFailure('upload');
    if (injected !== undefined) {
      throw new StorageError(injected, 'InjectedFailure', `artifact fake: injected ${injected} on upload`);
    }
    if (req.headers['x-ms-structured-body'] !== undefined) {
      throw new StorageError(
        400,
        'UnsupportedHeader',
        'structured message bodies are not supported by this fake',
      );
    }
    const md5 = req.headers['content-md5'];
    if (typeof md5 === 'string' && md5 !== md5Base64(body)) {
      throw new StorageError(
        400,
        'Md5Mismatch',
        'The MD5 value specified in the request did not match with the MD5 value calculated by the server.',
      );
    }
    const serverMd5 = md5Base64(body);

    if (comp === 'block') {
      const blockId = url.searchParams.get('blockid');
      const decoded = blockId ? Buffer.from(blockId, 'base64') : Buffer.alloc(0);
      if (!blockId || decoded.length === 0 || decoded.length > 64 || decoded.toString('base64') !== blockId) {
        throw new StorageError(
          400,
          'InvalidQueryParameterValue',
          'Value for one of the query parameters is invalid.',
        );
      }
      const existing = [...p.uncommitted.keys(), ...p.committedBlocks.keys()][0];
      if (existing !== undefined && Buffer.from(existing, 'base64').length !== decoded.length) {
        throw new StorageError(400, 'InvalidBlobOrBlock', 'The specified blob or block content is invalid.');
      }
      p.uncommitted.set(blockId, body);
      res.writeHead(201, { ...headers, 'content-md5': serverMd5, 'x-ms-request-server-encrypted': 'true' });
      res.end();
      return;
    }

    let data: Buffer;
    let committed: Map<string, Buffer>;
    if (comp === 'blocklist') {
      const xml = body.toString('utf8');
      if (!/<BlockList>[\s\S]*<\/BlockList>|<BlockList\s*\/>/.test(xml)) {
        throw new StorageError(400, 'InvalidXmlDocument', 'XML specified is not syntactically valid.');
      }
      committed = new Map();
      const parts: Buffer[] = [];
      for (const m of xml.matchAll(/<(Latest|Committed|Uncommitted)>([^<]*)<\/\1>/g)) {
        const kind = m[1];
        const id = m[2] ?? '';
        const block =
          kind === 'Uncommitted'
            ? p.uncommitted.get(id)
            : kind === 'Committed'
              ? p.committedBlocks.get(id)
              : (p.uncommitted.get(id) ?? p.committedBlocks.get(id));
        if (!block) throw new StorageError(400, 'InvalidBlockList', 'The specified block list is invalid.');
        committed.set(id, block);
        parts.push(block);
      }
      data = Buffer.concat(parts);
    } else if (comp === null) {
      if (req.headers['x-ms-blob-type'] !== 'BlockBlob') {
        throw new StorageError(
          400,
          'MissingRequiredHeader',
          'An HTTP header that\u2019s mandatory for this request is not specified.',
        );
      }
      committed = new Map();
      data = body;
    } else {
      throw new StorageError(400, 'InvalidQueryParameterValue', `Unsupported comp=${comp} for this fake.`);
    }
    const contentType =
      req.headers['x-ms-blob-content-type'] ?? (comp === null ? req.headers['content-type'] : undefined);
    const lastModified = new Date();
    const etag = `"0x${randomBytes(8).toString('hex').toUpperCase()}"`;
    p.blob = { data, etag, lastModified, ...(typeof contentType === 'string' ? { contentType } : {}) };
    p.committedBlocks = committed;
    p.uncommitted = new Map();
    res.writeHead(201, {
      ...headers,
      etag,
      'last-modified': lastModified.toUTCString(),
      'content-md5': comp === null ? md5Base64(data) : serverMd5,
      'x-ms-request-server-encrypted': 'true',
    });
    res.end();
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin || 'http://127.0.0.1');
    const entry: FakeRequest = { op: '?', status: 0 };
    log.push(entry);
    const twirpPrefix = `/twirp/${SERVICE}/`;
    const finish = (error: unknown) => {
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
                `artifact fake bug: ${String(error instanceof Error ? error.stack : error)}`,
              );
        entry.status = e.status;
        if (!res.headersSent) {
          res.writeHead(e.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ code: e.code, msg: e.message }));
        }
        return;
      }
      const e =
        error instanceof StorageError
          ? error
          : new StorageError(FAKE_BUG_STATUS, 'InternalError', `artifact fake bug: ${String(error)}`);
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
    };
    let work: Promise<unknown>;
    if (url.pathname.startsWith(twirpPrefix)) {
      entry.op = url.pathname.slice(twirpPrefix.length);
      work = handleTwirp(req, res, entry.op).then(() => {
        entry.status = res.statusCode;
      });
    } else if (url.pathname.startsWith('/twirp/')) {
      work = readBody(req).then(() => {
        throw new TwirpError(404, 'bad_route', `no handler for path "${url.pathname}"`);
      });
    } else {
      work = handleBlob(req, res, url, entry).then(() => {
        entry.status = res.statusCode;
      });
    }
    work.catch(finish);
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
    token,
    workflowRunBackendId: runId,
    workflowJobRunBackendId: jobId,
    env: {
      ACTIONS_RUNTIME_TOKEN: token,
      ACTIONS_RESULTS_URL: url,
      // isGhes() is false only for github.com / *.ghe.com / *.localhost; GHES makes the client throw.
      GITHUB_SERVER_URL: 'https://github.com',
      // Caps retentionDays when set on a runner; '' means "no cap" (the client ignores empty values).
      GITHUB_RETENTION_DAYS: '',
      ACTIONS_ARTIFACT_UPLOAD_CONCURRENCY: '',
      ACTIONS_ARTIFACT_UPLOAD_TIMEOUT_MS: '',
      ACTIONS_ARTIFACT_MAX_ARTIFACT_COUNT: '',
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
    artifacts() {
      return [...byId.values()]
        .flatMap((p) => (p.finalized ? [p.finalized] : []))
        .sort((a, b) => a.id - b.id)
        .map((a) => ({ ...a, files: new Map(a.files) }));
    },
    requests() {
      return log.map((r) => ({ ...r }));
    },
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
