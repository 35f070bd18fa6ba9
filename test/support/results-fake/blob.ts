// The fake Azure Blob Storage behind the signed URLs the results service hands out: Put Block, Put Block
// List and Put Blob to write (with the upload signature), Get Blob to read (with a download signature).
// Both halves of the fake keep their blobs in BlobSlots; the server finds the slot from the URL path.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { md5Base64, readBody, StorageError } from './protocol.js';

export const ACCOUNT = 'devstoreaccount1';
const API_VERSION = '2025-11-05';

export interface StoredBlob {
  data: Buffer;
  contentType?: string;
  etag: string;
  lastModified: Date;
}

export interface BlobSlot {
  /** Sent as the download's content-disposition. */
  fileName: string;
  /** The signature of the upload URL; '' once the entry is sealed (finalized). */
  writeSig: string;
  /** Signatures of the download URLs handed out. */
  readSigs: Set<string>;
  uncommitted: Map<string, Buffer>;
  committedBlocks: Map<string, Buffer>;
  blob?: StoredBlob;
}

export function newBlobSlot(fileName: string): BlobSlot {
  return {
    fileName,
    writeSig: randomBytes(18).toString('base64url'),
    readSigs: new Set(),
    uncommitted: new Map(),
    committedBlocks: new Map(),
  };
}

/** What the server found for a blob URL, and the fault hooks that apply to it. */
export interface BlobTarget {
  slot: BlobSlot;
  /** False until the owning artifact / cache entry is finalized: reads are refused before. */
  readable: boolean;
  /** Returns an injected failure for a write, if one is queued. */
  uploadFault?: () => StorageError | undefined;
  /** Returns an injected failure for a read, if one is queued. */
  downloadFault?: () => StorageError | undefined;
}

/** A SAS-shaped URL (`sv, sr, sp, se, sig`) for `/{account}/{container}/{blobPath}` on the fake's origin. */
export function sasUrl(origin: string, container: string, blobPath: string, sig: string, sp: string): string {
  const expiry = new Date(Date.now() + 6 * 60 * 60 * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const query = new URLSearchParams({ sv: API_VERSION, sr: 'b', sp, se: expiry, sig });
  return `${origin}/${ACCOUNT}/${container}/${blobPath}?${query}`;
}

export function newReadSig(slot: BlobSlot): string {
  const sig = randomBytes(18).toString('base64url');
  slot.readSigs.add(sig);
  return sig;
}

export function azureHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {
    'x-ms-request-id': randomUUID(),
    'x-ms-version': String(req.headers['x-ms-version'] ?? API_VERSION),
    date: new Date().toUTCString(),
  };
  const clientRequestId = req.headers['x-ms-client-request-id'];
  if (typeof clientRequestId === 'string') headers['x-ms-client-request-id'] = clientRequestId;
  return headers;
}

const authFailed = () =>
  new StorageError(403, 'AuthenticationFailed', 'Server failed to authenticate the request.');

function putOp(comp: string | null): string {
  if (comp === 'block') return 'PutBlock';
  if (comp === 'blocklist') return 'PutBlockList';
  return comp === null ? 'PutBlob' : 'Put?';
}

/** Serves one blob request; `entry.op` is set to GetBlob / PutBlock / PutBlockList / PutBlob. */
export async function handleBlob(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  entry: { op: string },
  resolve: (url: URL) => BlobTarget,
): Promise<void> {
  const body = await readBody(req);
  const target = resolve(url);
  const comp = url.searchParams.get('comp');
  const sig = url.searchParams.get('sig') ?? '';
  const p = target.slot;
  const headers = azureHeaders(req);

  if (req.method === 'GET' || req.method === 'HEAD') {
    entry.op = 'GetBlob';
    if (!p.readSigs.has(sig) || !target.readable || !p.blob) throw authFailed();
    const injected = target.downloadFault?.();
    if (injected) throw injected;
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
  entry.op = putOp(comp);
  if (!p.writeSig || sig !== p.writeSig) throw authFailed();
  const injected = target.uploadFault?.();
  if (injected) throw injected;
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
    putBlock(p, url, body);
    res.writeHead(201, { ...headers, 'content-md5': serverMd5, 'x-ms-request-server-encrypted': 'true' });
    res.end();
    return;
  }

  let data: Buffer;
  let committed: Map<string, Buffer>;
  if (comp === 'blocklist') {
    [data, committed] = commitBlockList(p, body.toString('utf8'));
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

function putBlock(p: BlobSlot, url: URL, body: Buffer): void {
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
}

function commitBlockList(p: BlobSlot, xml: string): [Buffer, Map<string, Buffer>] {
  if (!/<BlockList>[\s\S]*<\/BlockList>|<BlockList\s*\/>/.test(xml)) {
    throw new StorageError(400, 'InvalidXmlDocument', 'XML specified is not syntactically valid.');
  }
  const committed = new Map<string, Buffer>();
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
  return [Buffer.concat(parts), committed];
}
