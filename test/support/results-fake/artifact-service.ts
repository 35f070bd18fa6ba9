// The artifact half (v4+ "results service"), good enough for the REAL `@actions/artifact` 6.x
// `DefaultArtifactClient` to upload, list, download and delete against it.
//
// What the client does (read from node_modules/@actions/artifact/lib, v6.2.1):
// - Upload = CreateArtifact -> blob upload to `signed_upload_url` -> FinalizeArtifact. The run/job backend
//   ids come from the JWT `scp` claim `Actions.Results:<runBackendId>:<jobBackendId>`.
// - The blob upload goes through `@azure/storage-blob` `BlockBlobClient.uploadStream`: always Put Block
//   (8 MiB blocks) then Put Block List — never a single Put Blob (supported anyway).
// - `skipArchive: true` uploads one file raw: the artifact is named after the file's basename and `mime_type`
//   is derived from its extension; otherwise the blob is a deflate zip with `mime_type: application/zip`.
// - FinalizeArtifact carries `size` (int64 as a string) and `hash: "sha256:<hex of the uploaded bytes>"`.
import { type BlobSlot, newBlobSlot, newReadSig, sasUrl } from './blob.js';
import {
  field,
  int64Field,
  invalidArgument,
  type MessageShape,
  StorageError,
  sha256Hex,
  stringField,
  TwirpError,
} from './protocol.js';
import type { ResultsService, ServiceContext, TwirpMethod } from './service.js';
import type { Identity } from './tokens.js';
import { unzip } from './unzip.js';

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

const SERVICE = 'github.actions.results.api.v1.ArtifactService';
const CONTAINER = 'actions-results';
const DAY_MS = 24 * 60 * 60 * 1000;

const ids = { workflow_run_backend_id: 'string', workflow_job_run_backend_id: 'string' } as const;
const idsRequired = ['workflow_run_backend_id', 'workflow_job_run_backend_id'] as const;
const shape = (
  name: string,
  fields: MessageShape['fields'],
  required: readonly string[] = [],
): MessageShape => ({
  name: `github.actions.results.api.v1.${name}`,
  fields: { ...ids, ...fields },
  required: [...idsRequired, ...required],
});

interface Pending extends BlobSlot {
  id: number;
  runId: string;
  jobId: string;
  name: string;
  mimeType?: string;
  version?: number;
  expiresAt?: Date;
  createdAt: Date;
  finalized?: FakeArtifact;
}

export interface ArtifactService extends ResultsService {
  /** Finalized artifacts (all runs), unzipped, ordered by id. */
  artifacts(): FakeArtifact[];
}

export function createArtifactService(ctx: ServiceContext): ArtifactService {
  const byKey = new Map<string, Pending>(); // `${runId}\0${name}`
  const byId = new Map<number, Pending>();
  let nextId = 1000;
  const key = (run: string, name: string) => `${run}\0${name}`;

  function checkIds(body: Record<string, unknown>, caller: Identity): { run: string; job: string } {
    const run = stringField(body, 'workflow_run_backend_id') ?? '';
    const job = stringField(body, 'workflow_job_run_backend_id') ?? '';
    if (run !== caller.workflowRunBackendId || job !== caller.workflowJobRunBackendId) {
      throw new TwirpError(403, 'permission_denied', 'token is not scoped to this workflow run/job');
    }
    return { run, job };
  }

  const blobUrl = (p: Pending, sig: string, sp: string) =>
    sasUrl(ctx.origin(), CONTAINER, `${p.runId}/${p.id}/${encodeURIComponent(p.fileName)}`, sig, sp);

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

  function finalize(p: Pending, body: Record<string, unknown>): FakeArtifact {
    if (p.finalized) throw new TwirpError(409, 'already_exists', 'artifact has already been finalized');
    if (!p.blob) throw new TwirpError(412, 'failed_precondition', 'artifact content has not been uploaded');
    const data = p.blob.data;
    const size = int64Field(body, 'size') ?? 0n;
    if (size !== BigInt(data.length)) {
      throw invalidArgument(`size mismatch: declared ${size}, received ${data.length}`);
    }
    const hash = stringField(body, 'hash');
    if (hash !== undefined) {
      const match = /^sha256:([0-9a-f]{64})$/.exec(hash);
      if (!match) throw invalidArgument(`unsupported hash format: ${hash}`);
      const actual = sha256Hex(data);
      if (match[1] !== actual)
        throw invalidArgument(`hash mismatch: declared ${hash}, received sha256:${actual}`);
    }
    const archived = p.mimeType === undefined || p.mimeType === 'application/zip';
    let files: Map<string, Buffer>;
    if (archived) {
      try {
        files = unzip(data);
      } catch (error) {
        throw invalidArgument(`uploaded content is not a valid zip: ${String(error)}`);
      }
    } else {
      files = new Map([[p.fileName, data]]);
    }
    return {
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
  }

  const methods: Record<string, TwirpMethod> = {
    CreateArtifact: {
      request: shape(
        'CreateArtifactRequest',
        { name: 'string', expires_at: 'Timestamp', version: 'int32', mime_type: 'StringValue' },
        ['name'],
      ),
      handle(body, caller) {
        const { run, job } = checkIds(body, caller);
        const name = stringField(body, 'name') ?? '';
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
          if (expiresAt.getTime() <= createdAt.getTime())
            throw invalidArgument('expires_at must be in the future');
        }
        const mimeType = stringField(body, 'mime_type');
        const version = field(body, 'version');
        // What the client named the blob: `${name}.zip`, or the file's basename (= name) with skipArchive.
        const fileName = mimeType === undefined || mimeType === 'application/zip' ? `${name}.zip` : name;
        const p: Pending = {
          ...newBlobSlot(fileName),
          id: nextId++,
          runId: run,
          jobId: job,
          name,
          createdAt,
          ...(mimeType !== undefined ? { mimeType } : {}),
          ...(typeof version === 'number' ? { version } : {}),
          ...(expiresAt ? { expiresAt } : {}),
        };
        byKey.set(key(run, name), p);
        byId.set(p.id, p);
        return { ok: true, signed_upload_url: blobUrl(p, p.writeSig, 'cw') };
      },
    },

    FinalizeArtifact: {
      // `size` is not required: a zero size is the default value, which the client omits.
      request: shape('FinalizeArtifactRequest', { name: 'string', size: 'int64', hash: 'StringValue' }, [
        'name',
      ]),
      handle(body, caller) {
        const { run } = checkIds(body, caller);
        const p = byKey.get(key(run, stringField(body, 'name') ?? ''));
        if (!p) throw new TwirpError(404, 'not_found', 'artifact not found');
        p.finalized = finalize(p, body);
        p.writeSig = ''; // the upload SAS is no longer usable
        return { ok: true, artifact_id: String(p.id) };
      },
    },

    ListArtifacts: {
      request: shape('ListArtifactsRequest', { name_filter: 'StringValue', id_filter: 'Int64Value' }),
      handle(body, caller) {
        const { run } = checkIds(body, caller);
        const nameFilter = stringField(body, 'name_filter');
        const idFilter = int64Field(body, 'id_filter');
        const artifacts = [...byId.values()]
          .filter((p) => p.runId === run && p.finalized)
          .filter((p) => nameFilter === undefined || p.name === nameFilter)
          .filter((p) => idFilter === undefined || BigInt(p.id) === idFilter)
          .flatMap((p) => (p.finalized ? [monolith(p, p.finalized)] : []));
        return { artifacts };
      },
    },

    GetSignedArtifactURL: {
      request: shape('GetSignedArtifactURLRequest', { name: 'string' }, ['name']),
      handle(body, caller) {
        const { run } = checkIds(body, caller);
        const p = byKey.get(key(run, stringField(body, 'name') ?? ''));
        if (!p?.finalized) throw new TwirpError(404, 'not_found', 'artifact not found');
        return { signed_url: blobUrl(p, newReadSig(p), 'r') };
      },
    },

    DeleteArtifact: {
      request: shape('DeleteArtifactRequest', { name: 'string' }, ['name']),
      handle(body, caller) {
        const { run } = checkIds(body, caller);
        const name = stringField(body, 'name') ?? '';
        const p = byKey.get(key(run, name));
        if (!p?.finalized) throw new TwirpError(404, 'not_found', 'artifact not found');
        byKey.delete(key(run, name));
        byId.delete(p.id);
        return { ok: true, artifact_id: String(p.id) };
      },
    },
  };

  return {
    name: SERVICE,
    methods,
    unimplemented: new Set(['MigrateArtifact', 'FinalizeMigratedArtifact']),
    container: CONTAINER,
    resolveBlob(segments) {
      const [run, id] = segments;
      const p = id !== undefined ? byId.get(Number(id)) : undefined;
      if (!p || p.runId !== run || segments.length !== 3) return undefined;
      return {
        slot: p,
        readable: p.finalized !== undefined,
        uploadFault() {
          const status = ctx.takeFailure('upload');
          return status === undefined
            ? undefined
            : new StorageError(status, 'InjectedFailure', `artifact fake: injected ${status} on upload`);
        },
      };
    },
    artifacts() {
      return [...byId.values()]
        .flatMap((p) => (p.finalized ? [p.finalized] : []))
        .sort((a, b) => a.id - b.id)
        .map((a) => ({ ...a, files: new Map(a.files) }));
    },
  };
}
