// The image build's pins: versions.json is well formed, and a download is used only when its sha256
// matches (the build's own shell function, against a file served on 127.0.0.1).
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from '../../lib/exec.js';

const root = fileURLToPath(new URL('../../runner-image/', import.meta.url));
const versions = JSON.parse(readFileSync(path.join(root, 'versions.json'), 'utf8')) as {
  debian: { suite: string; mirror: string; packages: string[] };
  tools: Record<string, { version: string; url: string; sha256: string; installTo: string }>;
};

const PAYLOAD = Buffer.from('a release asset\n');
let url: string;
const server = createServer((_, res) => res.end(PAYLOAD));
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/asset.tgz`;
});
afterAll(() => new Promise((r) => server.close(r)));

async function verify(sha256: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentgate-verify-'));
  const file = path.join(dir, 'versions.json');
  writeFileSync(file, JSON.stringify({ tools: { asset: { version: '1', url, sha256, installTo: '/x' } } }));
  const dest = path.join(dir, 'asset.tgz');
  const r = await execFile(
    'bash',
    ['-c', `. "${root}build/lib.sh"; verify_download "$1" asset "$2"`, 'verify', file, dest],
    {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      timeoutMs: 20_000,
    },
  );
  return { ...r, kept: existsSync(dest) };
}

describe('versions.json', () => {
  it('pins every upstream tool by version, https URL and sha256', () => {
    expect(Object.keys(versions.tools).sort()).toEqual(['actions-runner', 'gitleaks', 'semgrep']);
    for (const [name, t] of Object.entries(versions.tools)) {
      expect(t.url, name).toMatch(/^https:\/\//);
      expect(t.url, name).toContain(t.version);
      expect(t.sha256, name).toMatch(/^[0-9a-f]{64}$/);
      expect(t.installTo, name).toMatch(/^\//);
    }
    expect(versions.debian.packages).toEqual(
      expect.arrayContaining(['git', 'ca-certificates', 'bubblewrap', 'socat', 'ripgrep', 'nftables']),
    );
  });
  it('pins a runner that runs node24 actions (2.328.0 or later)', () => {
    const [major, minor] = (versions.tools['actions-runner']?.version ?? '0.0.0').split('.').map(Number);
    expect((major ?? 0) > 2 || ((major ?? 0) === 2 && (minor ?? 0) >= 328)).toBe(true);
  });
});

describe('verify_download', () => {
  it('keeps a download whose sha256 matches the pin', async () => {
    const r = await verify(createHash('sha256').update(PAYLOAD).digest('hex'));
    expect(r.exitCode).toBe(0);
    expect(r.kept).toBe(true);
  });
  it('fails the build and removes a download whose sha256 does not match', async () => {
    const r = await verify('0'.repeat(64));
    expect(r.exitCode).toBe(1);
    expect(r.kept).toBe(false);
    expect(r.stderr).toMatch(
      /asset: sha256 mismatch for http:\/\/127\.0\.0\.1:\d+\/asset\.tgz \(expected 0{64}, got [0-9a-f]{64}\)/,
    );
  });
  it('refuses a pin that is not a sha256', async () => {
    const r = await verify('latest');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/tools\.asset\.sha256 is not a sha256/);
  });
});
