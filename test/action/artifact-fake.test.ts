import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultArtifactClient } from '@actions/artifact';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArtifactFake, applyEnv, startArtifactFake } from '../support/artifact-fake.js';

const SERVICE = '/twirp/github.actions.results.api.v1.ArtifactService';

describe('artifact fake with the real @actions/artifact client', () => {
  let fake: ArtifactFake;
  let restoreEnv: () => void;
  let root: string;
  let files: string[];
  const contents = new Map<string, Buffer>([
    ['report.json', Buffer.from('{"ok":true}\n')],
    ['logs/run.log', Buffer.from('line 1\nline 2\n'.repeat(200))],
    ['trace.bin', randomBytes(64 * 1024)],
  ]);
  const client = new DefaultArtifactClient();

  beforeAll(async () => {
    fake = await startArtifactFake();
    restoreEnv = applyEnv(fake.env);
    root = await mkdtemp(join(tmpdir(), 'artifact-fake-'));
    await mkdir(join(root, 'logs'));
    files = [];
    for (const [name, data] of contents) {
      await writeFile(join(root, name), data);
      files.push(join(root, name));
    }
  });

  afterAll(async () => {
    restoreEnv?.();
    await fake?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('uploads a zip of 3 files and the fake holds byte-identical files', async () => {
    const result = await client.uploadArtifact('agentgate-evidence', files, root, { retentionDays: 7 });

    const [artifact, ...rest] = fake.artifacts();
    expect(rest).toEqual([]);
    expect(artifact).toBeDefined();
    if (!artifact) return;
    expect(result.id).toBe(artifact.id);
    expect(result.size).toBe(artifact.size);
    expect(result.size).toBe(artifact.blob.length);
    expect(result.digest).toBe(createHash('sha256').update(artifact.blob).digest('hex'));
    expect(artifact.digest).toBe(`sha256:${result.digest}`);
    expect(artifact).toMatchObject({ name: 'agentgate-evidence', retentionDays: 7, archived: true });
    expect(artifact.mimeType).toBe('application/zip');
    expect([...artifact.files.keys()].sort()).toEqual([...contents.keys()].sort());
    for (const [name, data] of contents) {
      expect(artifact.files.get(name)?.equals(data), name).toBe(true);
    }
    // Exactly one block (8 MiB chunks), then the block list — no retries.
    expect(fake.requests().map((r) => `${r.op} ${r.status}`)).toEqual([
      'CreateArtifact 200',
      'PutBlock 201',
      'PutBlockList 201',
      'FinalizeArtifact 200',
    ]);
  });

  it('lists, downloads and deletes through the same client', async () => {
    const { artifacts } = await client.listArtifacts();
    expect(artifacts.map((a) => a.name)).toContain('agentgate-evidence');
    const listed = artifacts.find((a) => a.name === 'agentgate-evidence');
    expect(listed).toBeDefined();
    if (!listed) return;

    const out = await mkdtemp(join(tmpdir(), 'artifact-fake-dl-'));
    try {
      const dl = await client.downloadArtifact(listed.id, { path: out, expectedHash: listed.digest });
      expect(dl.digestMismatch).toBe(false);
      for (const [name, data] of contents) {
        expect((await readFile(join(out, name))).equals(data), name).toBe(true);
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('rejects a duplicate artifact name in the same run with 409, like the real service', async () => {
    await expect(client.uploadArtifact('agentgate-evidence', files, root)).rejects.toThrow(
      'Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: ' +
        'an artifact with this name already exists on the workflow run',
    );
  });

  it('uploads a single file raw with skipArchive', async () => {
    const binary = join(root, 'trace.bin');
    const result = await client.uploadArtifact('ignored', [binary], root, { skipArchive: true });
    const artifact = fake.artifacts().find((a) => a.id === result.id);
    expect(artifact).toMatchObject({ name: 'trace.bin', archived: false, size: 64 * 1024 });
    expect(artifact?.retentionDays).toBeUndefined();
    expect(artifact?.files.get('trace.bin')?.equals(contents.get('trace.bin') ?? Buffer.alloc(0))).toBe(true);
  });

  it('surfaces an injected CreateArtifact failure as a rejected promise (4xx: no retry)', async () => {
    const before = fake.requests().length;
    fake.failNext('CreateArtifact', 400);
    await expect(client.uploadArtifact('create-fails', files, root)).rejects.toThrow(
      'Failed to CreateArtifact: Received non-retryable error: Failed request: (400) Bad Request: ' +
        'artifact fake: injected 400 on CreateArtifact',
    );
    expect(fake.requests().slice(before)).toEqual([{ op: 'CreateArtifact', status: 400 }]);
    expect(fake.artifacts().some((a) => a.name === 'create-fails')).toBe(false);
  });

  it('surfaces an injected FinalizeArtifact failure', async () => {
    fake.failNext('FinalizeArtifact', 403);
    await expect(client.uploadArtifact('finalize-fails', files, root)).rejects.toThrow(
      'Failed to FinalizeArtifact: Received non-retryable error: Failed request: (403) Forbidden',
    );
  });

  it('surfaces a non-retryable blob upload failure (Azure does not retry 4xx)', async () => {
    fake.failNext('upload', 400);
    await expect(client.uploadArtifact('upload-fails', files, root)).rejects.toThrow(
      'artifact fake: injected 400 on upload',
    );
  });

  it('recovers from a one-off 500 on the blob upload (Azure retries immediately)', async () => {
    const before = fake.requests().length;
    fake.failNext('upload', 500);
    await client.uploadArtifact('upload-retried', files, root);
    expect(
      fake
        .requests()
        .slice(before)
        .map((r) => `${r.op} ${r.status}`),
    ).toEqual([
      'CreateArtifact 200',
      'PutBlock 500',
      'PutBlock 201',
      'PutBlockList 201',
      'FinalizeArtifact 200',
    ]);
  });

  it('retries a 503 from the results service after ~3 s and then succeeds', async () => {
    const before = fake.requests().length;
    fake.failNext('CreateArtifact', 503);
    const started = Date.now();
    await client.uploadArtifact('create-retried', files, root);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
    expect(
      fake
        .requests()
        .slice(before, before + 2)
        .map((r) => `${r.op} ${r.status}`),
    ).toEqual(['CreateArtifact 503', 'CreateArtifact 200']);
  });
});

describe('artifact fake strictness (raw protocol)', () => {
  let fake: ArtifactFake;
  beforeAll(async () => {
    fake = await startArtifactFake();
  });
  afterAll(async () => {
    await fake?.close();
  });

  const twirp = (method: string, body: unknown, token = fake.token) =>
    fetch(`${fake.url.replace(/\/$/, '')}${SERVICE}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
  const ids = () => ({
    workflow_run_backend_id: fake.workflowRunBackendId,
    workflow_job_run_backend_id: fake.workflowJobRunBackendId,
  });

  it('binds 127.0.0.1 and exposes the env the client needs', () => {
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(fake.env.ACTIONS_RESULTS_URL).toBe(fake.url);
    const payload = JSON.parse(
      Buffer.from(fake.env.ACTIONS_RUNTIME_TOKEN?.split('.')[1] ?? '', 'base64url').toString(),
    ) as { scp: string };
    expect(payload.scp).toContain(
      `Actions.Results:${fake.workflowRunBackendId}:${fake.workflowJobRunBackendId}`,
    );
  });

  it('answers unknown Twirp methods with a 404 bad_route JSON error', async () => {
    const res = await twirp('NoSuchMethod', {});
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'bad_route' });
  });

  it('rejects a bad bearer token with 401', async () => {
    const res = await twirp('ListArtifacts', ids(), 'nope');
    expect(res.status).toBe(401);
  });

  it('answers a finalize for an unknown artifact with 404 not_found', async () => {
    const res = await twirp('FinalizeArtifact', { ...ids(), name: 'ghost', size: '0' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ code: 'not_found', msg: 'artifact not found' });
  });

  it('rejects a finalize whose hash does not match the uploaded bytes', async () => {
    const created = (await (await twirp('CreateArtifact', { ...ids(), name: 'raw', version: 7 })).json()) as {
      signed_upload_url: string;
    };
    const data = Buffer.from('not really a zip');
    const put = await fetch(created.signed_upload_url, {
      method: 'PUT',
      headers: { 'x-ms-blob-type': 'BlockBlob' },
      body: data,
    });
    expect(put.status).toBe(201);
    const wrong = `sha256:${'0'.repeat(64)}`;
    const res = await twirp('FinalizeArtifact', {
      ...ids(),
      name: 'raw',
      size: String(data.length),
      hash: wrong,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { msg: string }).msg).toContain('hash mismatch');
    expect(fake.artifacts()).toEqual([]);
  });

  it('rejects blob writes without the issued signature', async () => {
    const created = (await (await twirp('CreateArtifact', { ...ids(), name: 'sig', version: 7 })).json()) as {
      signed_upload_url: string;
    };
    const url = new URL(created.signed_upload_url);
    url.searchParams.set('sig', 'forged');
    const put = await fetch(url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: 'x' });
    expect(put.status).toBe(403);
    expect(put.headers.get('x-ms-error-code')).toBe('AuthenticationFailed');
  });
});
