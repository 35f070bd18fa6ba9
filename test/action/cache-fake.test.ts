import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { restoreCache, saveCache } from '@actions/cache';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type ArtifactFake,
  applyEnv,
  CACHE_MESSAGES,
  type FakeCacheEntry,
  startArtifactFake,
} from '../support/artifact-fake.js';

const SERVICE = '/twirp/github.actions.results.api.v1.CacheService';

/** What the client logs (@actions/core writes info, ::debug:: and ::warning:: lines to stdout) during `fn`. */
async function logged<T>(fn: () => Promise<T>): Promise<{ result: T; log: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  try {
    return { result: await fn(), log: lines.join('') };
  } finally {
    spy.mockRestore();
  }
}

/** The client's `version`: sha256 of the paths, the compression method and the salt '1.0', joined by '|'. */
function expectedVersion(paths: string[], entry: FakeCacheEntry): string {
  const zstd = entry.data.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));
  const gzip = entry.data.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]));
  expect(zstd || gzip, 'archive is zstd or gzip').toBe(true);
  const method = zstd ? 'zstd-without-long' : 'gzip';
  return createHash('sha256')
    .update([...paths, method, '1.0'].join('|'))
    .digest('hex');
}

describe('cache fake with the real @actions/cache client (cache service v2)', () => {
  let fake: ArtifactFake;
  let restoreEnv: () => void;
  let root: string;
  let deps: string;
  let paths: string[];
  const files = new Map<string, Buffer>([
    ['a.txt', Buffer.from('first file\n')],
    ['nested/b.bin', randomBytes(32 * 1024)],
  ]);

  async function writeDeps(variant: string): Promise<void> {
    await rm(deps, { recursive: true, force: true });
    await mkdir(join(deps, 'nested'), { recursive: true });
    for (const [name, data] of files)
      await writeFile(join(deps, name), Buffer.concat([data, Buffer.from(variant)]));
  }

  async function expectDeps(variant: string): Promise<void> {
    for (const [name, data] of files) {
      const restored = await readFile(join(deps, name));
      expect(restored.equals(Buffer.concat([data, Buffer.from(variant)])), name).toBe(true);
    }
  }

  const opsSince = (before: number) =>
    fake
      .requests()
      .slice(before)
      .map((r) => `${r.op} ${r.status}`);

  beforeAll(async () => {
    fake = await startArtifactFake({ repository: 'octo/app' });
    root = await mkdtemp(join(tmpdir(), 'cache-fake-'));
    const workspace = join(root, 'workspace');
    await mkdir(join(root, 'runner-temp'));
    deps = join(workspace, 'deps');
    paths = [deps];
    // The archive is made relative to GITHUB_WORKSPACE and staged under RUNNER_TEMP (default /home/actions/temp).
    restoreEnv = applyEnv({
      ...fake.env,
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: join(root, 'runner-temp'),
    });
  });

  afterAll(async () => {
    restoreEnv?.();
    await fake?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  afterEach(() => {
    expect(fake.violations).toEqual([]);
  });

  it('saves a directory and restores it byte for byte', async () => {
    await writeDeps('v0');
    const before = fake.requests().length;
    const id = await saveCache(paths, 'deps-linux-0');

    const [entry, ...rest] = fake.cacheEntries();
    expect(rest).toEqual([]);
    expect(entry).toBeDefined();
    if (!entry) return;
    expect(id).toBe(entry.id);
    expect(entry).toMatchObject({ repository: 'octo/app', key: 'deps-linux-0', size: entry.data.length });
    expect(entry.version).toBe(expectedVersion(paths, entry));
    // One Put Blob: the Azure SDK uploads files up to 128 MiB in a single shot.
    expect(opsSince(before)).toEqual(['CreateCacheEntry 200', 'PutBlob 201', 'FinalizeCacheEntryUpload 200']);

    await rm(deps, { recursive: true });
    const restoredAt = fake.requests().length;
    expect(await restoreCache(paths, 'deps-linux-0')).toBe('deps-linux-0');
    await expectDeps('v0');
    // The download is a plain GET (the Azure SDK is only used for *.blob.core.windows.net).
    expect(opsSince(restoredAt)).toEqual(['GetCacheEntryDownloadURL 200', 'GetBlob 200']);
  });

  it('refuses a second save of the same key and version: the client logs it and returns -1', async () => {
    await writeDeps('v0-changed');
    const before = fake.requests().length;
    const { result, log } = await logged(() => saveCache(paths, 'deps-linux-0'));

    expect(result).toBe(-1);
    expect(log).toContain(
      'Failed to save: Unable to reserve cache with key deps-linux-0, another job may be creating this cache.',
    );
    expect(log).toContain(`(409) Conflict: ${CACHE_MESSAGES.duplicate}`);
    expect(opsSince(before)).toEqual(['CreateCacheEntry 409']);
    expect(fake.cacheEntries().map((e) => e.key)).toEqual(['deps-linux-0']);
  });

  it('keeps the same key saved with other paths apart: another version, another entry', async () => {
    const other = join(root, 'workspace', 'other.txt');
    await writeFile(other, 'other\n');
    expect(await saveCache([deps, other], 'deps-linux-0')).toBeGreaterThan(0);
    const entries = fake.cacheEntries().filter((e) => e.key === 'deps-linux-0');
    expect(new Set(entries.map((e) => e.version)).size).toBe(2);

    await rm(deps, { recursive: true });
    expect(await restoreCache(paths, 'deps-linux-0')).toBe('deps-linux-0');
    await expectDeps('v0');
  });

  it('matches the key, then restore keys, as prefixes, newest entry first', async () => {
    await writeDeps('v1');
    expect(await saveCache(paths, 'deps-linux-1')).toBeGreaterThan(0);
    await writeDeps('v2');
    expect(await saveCache(paths, 'deps-linux-2')).toBeGreaterThan(0);

    await rm(deps, { recursive: true });
    const { result, log } = await logged(() =>
      restoreCache(paths, 'deps-linux-3', ['deps-macos-', 'deps-linux-']),
    );
    expect(result).toBe('deps-linux-2');
    expect(log).toContain('Cache hit for restore-key: deps-linux-2');
    await expectDeps('v2');

    // The key itself matches as a prefix too (GitHub's documented second step).
    expect(await restoreCache(paths, 'deps-linux-', [])).toBe('deps-linux-2');
    // An exact match beats a newer prefix match.
    expect(await restoreCache(paths, 'deps-linux-3', ['deps-linux-1', 'deps-linux-'])).toBe('deps-linux-1');
    await expectDeps('v1');
  });

  it('answers a miss with ok: false, which the client returns as undefined', async () => {
    const before = fake.requests().length;
    const { result, log } = await logged(() => restoreCache(paths, 'no-such-key', ['nor-this-']));
    expect(result).toBeUndefined();
    expect(log).toContain('Cache not found for version');
    expect(opsSince(before)).toEqual(['GetCacheEntryDownloadURL 200']);
  });

  it('keeps caches per repository: another repo sees none of them and saves its own', async () => {
    const back = applyEnv({ ACTIONS_RUNTIME_TOKEN: fake.tokenFor('octo/other') });
    try {
      expect(await restoreCache(paths, 'deps-linux-2', ['deps-'])).toBeUndefined();
      expect(await saveCache(paths, 'deps-linux-2')).toBeGreaterThan(0);
    } finally {
      back();
    }
    expect(fake.cacheEntries('octo/other').map((e) => e.key)).toEqual(['deps-linux-2']);
    expect(fake.cacheEntries().filter((e) => e.key === 'deps-linux-2')).toHaveLength(1);
  });

  it('refuses a save from a read-only token with ok: false, which the client warns about', async () => {
    const back = applyEnv({ ACTIONS_RUNTIME_TOKEN: fake.tokenFor('octo/app', { cacheAccess: 'read' }) });
    try {
      const { result, log } = await logged(() => saveCache(paths, 'deps-read-only'));
      expect(result).toBe(-1);
      expect(log).toContain(
        `::warning::Failed to save: Unable to reserve cache with key deps-read-only. More details: ${CACHE_MESSAGES.writeDenied}`,
      );
    } finally {
      back();
    }
    expect(fake.cacheEntries().some((e) => e.key === 'deps-read-only')).toBe(false);
  });

  it('retries a 500 on GetCacheEntryDownloadURL after ~3 s and then restores', async () => {
    fake.failNext('GetCacheEntryDownloadURL', 500);
    const before = fake.requests().length;
    const started = Date.now();
    const { result, log } = await logged(() => restoreCache(paths, 'deps-linux-2'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
    expect(result).toBe('deps-linux-2');
    expect(log).toContain(
      'Attempt 1 of 5 failed with error: Failed request: (500) Internal Server Error: ' +
        'cache fake: injected 500 on GetCacheEntryDownloadURL. Retrying request in 3000 ms...',
    );
    expect(opsSince(before)).toEqual([
      'GetCacheEntryDownloadURL 500',
      'GetCacheEntryDownloadURL 200',
      'GetBlob 200',
    ]);
  });

  it('treats a failed download (500, not retried) as a miss with a warning', async () => {
    fake.failNext('cache-download', 500);
    const { result, log } = await logged(() => restoreCache(paths, 'deps-linux-2'));
    expect(result).toBeUndefined();
    expect(log).toContain(
      '::warning::Failed to restore: downloadCache failed: Cache service responded with 500',
    );
  });
});

describe('cache fake strictness (raw protocol)', () => {
  let fake: ArtifactFake;
  beforeAll(async () => {
    fake = await startArtifactFake();
  });
  afterAll(async () => {
    await fake?.close();
  });

  const twirp = async (method: string, body: unknown) => {
    const res = await fetch(`${fake.url.replace(/\/$/, '')}${SERVICE}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${fake.token}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const version = 'a'.repeat(64);

  it('answers unknown and missing fields with invalid_argument and records them as violations', async () => {
    expect(await twirp('CreateCacheEntry', { key: 'k', version, paths: ['x'] })).toEqual({
      status: 400,
      body: {
        code: 'invalid_argument',
        msg: 'github.actions.results.api.v1.CreateCacheEntryRequest: unknown field "paths"',
      },
    });
    expect(await twirp('GetCacheEntryDownloadURL', { key: 'k', restore_keys: [] })).toMatchObject({
      status: 400,
      body: { code: 'invalid_argument' },
    });
    expect(await twirp('FinalizeCacheEntryUpload', { key: 'k', version, size_bytes: 'ten' })).toMatchObject({
      status: 400,
    });
    expect(fake.violations).toEqual([
      'CreateCacheEntry: github.actions.results.api.v1.CreateCacheEntryRequest: unknown field "paths"',
      'GetCacheEntryDownloadURL: github.actions.results.api.v1.GetCacheEntryDownloadURLRequest: missing required field "version"',
      'FinalizeCacheEntryUpload: github.actions.results.api.v1.FinalizeCacheEntryUploadRequest.size_bytes: expected an int64 (a decimal string or an integer), got "ten"',
    ]);
    expect(fake.cacheEntries()).toEqual([]);
  });

  it('accepts lowerCamelCase names and answers a miss with every field at its default', async () => {
    expect(await twirp('GetCacheEntryDownloadURL', { key: 'k', restoreKeys: ['k-'], version })).toEqual({
      status: 200,
      body: { ok: false, signed_download_url: '', matched_key: '' },
    });
  });

  it('refuses a finalize whose size differs from the upload, and a duplicate create with 409', async () => {
    const created = await twirp('CreateCacheEntry', { key: 'raw', version });
    expect(created).toMatchObject({ status: 200, body: { ok: true, message: '' } });
    const put = await fetch(String(created.body.signed_upload_url), {
      method: 'PUT',
      headers: { 'x-ms-blob-type': 'BlockBlob' },
      body: 'twelve bytes',
    });
    expect(put.status).toBe(201);

    const wrong = await twirp('FinalizeCacheEntryUpload', { key: 'raw', version, size_bytes: '11' });
    expect(wrong).toEqual({
      status: 400,
      body: { code: 'invalid_argument', msg: 'size mismatch: declared 11, received 12' },
    });
    expect(fake.cacheEntries()).toEqual([]);
    expect(await twirp('FinalizeCacheEntryUpload', { key: 'raw', version, size_bytes: 12 })).toMatchObject({
      status: 200,
      body: { ok: true, message: '' },
    });
    expect(fake.cacheEntries().map((e) => e.data.toString())).toEqual(['twelve bytes']);

    expect(await twirp('CreateCacheEntry', { key: 'raw', version })).toEqual({
      status: 409,
      body: { code: 'already_exists', msg: CACHE_MESSAGES.duplicate },
    });
  });
});
