// The image build's pins: versions.json is well formed, a download is used only when its sha256 matches,
// and the engines are installed from it as tarball or bare executable (the build's own shell functions,
// against files served on 127.0.0.1), and the manifest names what the image carries.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from '../../lib/exec.js';
import { ENGINE_RELEASES } from '../../runner-image/index.js';

interface Asset {
  url: string;
  sha256: string;
}
interface Pin extends Asset {
  version: string;
  installTo: string;
  archive?: string;
  assets?: Record<string, Asset>;
}

const root = fileURLToPath(new URL('../../runner-image/', import.meta.url));
const versionsFile = path.join(root, 'versions.json');
const versions = JSON.parse(readFileSync(versionsFile, 'utf8')) as {
  debian: { suite: string; mirror: string; packages: string[] };
  tools: Record<string, Pin>;
};
const buildScript = readFileSync(path.join(root, 'build/build-image.sh'), 'utf8');

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const PATH = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

/** Runs one of build/lib.sh's functions with `args`, as the build does. */
function lib(fn: string, args: string[]) {
  return execFile('bash', ['-c', `. "${root}build/lib.sh"; ${fn} "$@"`, fn, ...args], {
    env: PATH,
    timeoutMs: 20_000,
  });
}

/** A versions.json pinning one tool, `asset`, in a fresh directory. */
function pinOne(pin: Partial<Pin>): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentgate-pins-'));
  const file = path.join(dir, 'versions.json');
  writeFileSync(file, JSON.stringify({ tools: { asset: { version: '1', installTo: '/x', ...pin } } }));
  return { dir, file };
}

// What the server hands out: a bare executable, a tarball with it at its root, one with it in a folder,
// and any other path a plain payload.
const PAYLOAD = Buffer.from('a release asset\n');
const PROGRAM = Buffer.from('#!/bin/sh\necho asset 1.0\n');
const files = new Map<string, Buffer>([['/asset.bin', PROGRAM]]);
let base: string;
const server = createServer((req, res) => res.end(files.get(req.url ?? '') ?? PAYLOAD));

beforeAll(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentgate-assets-'));
  mkdirSync(path.join(dir, 'bin'));
  writeFileSync(path.join(dir, 'asset'), PROGRAM, { mode: 0o644 });
  writeFileSync(path.join(dir, 'bin', 'asset'), PROGRAM, { mode: 0o755 });
  for (const [name, member] of [
    ['asset.tar.gz', 'asset'],
    ['nested.tar.gz', 'bin'],
  ] as const) {
    const r = await execFile('tar', ['-czf', path.join(dir, name), '-C', dir, member], { env: PATH });
    expect(r.exitCode, r.stderr).toBe(0);
    files.set(`/${name}`, readFileSync(path.join(dir, name)));
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

const served = (p: string) => files.get(p) ?? PAYLOAD;

async function verify(sum: string) {
  const { dir, file } = pinOne({ url: `${base}/asset.tgz`, sha256: sum });
  const dest = path.join(dir, 'asset.tgz');
  const r = await lib('verify_download', [file, 'asset', dest]);
  return { ...r, kept: existsSync(dest) };
}

/** install_pinned of `asset` served at `urlPath`, into a fresh image tree. */
async function install(
  urlPath: string,
  pin: Partial<Pin> & { archive: string },
  sum = sha256(served(urlPath)),
) {
  const { dir, file } = pinOne({ url: `${base}${urlPath}`, sha256: sum, ...pin });
  const tree = path.join(dir, 'rootfs');
  const work = path.join(dir, 'work');
  mkdirSync(tree);
  mkdirSync(work);
  const r = await lib('install_pinned', [file, 'asset', tree, work]);
  return { ...r, tree, leftInWork: readdirSync(work) };
}

const modeOf = (f: string) => statSync(f).mode & 0o777;

describe('versions.json', () => {
  it('pins every upstream tool by version, https URL and sha256', () => {
    expect(Object.keys(versions.tools).sort()).toEqual(['actions-runner', 'gitleaks', 'opengrep']);
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

  it("pins each engine's release for linux x64 and arm64, the image's being the top-level pin", () => {
    const engines = Object.entries(versions.tools).filter(([, t]) => t.assets !== undefined);
    expect(engines.map(([name]) => name).sort()).toEqual(['gitleaks', 'opengrep']);
    for (const [name, t] of engines) {
      expect(['tar.gz', 'binary'], name).toContain(t.archive);
      const assets = t.assets ?? {};
      expect(Object.keys(assets).sort(), name).toEqual(['linux-arm64', 'linux-x64']);
      for (const [platform, a] of Object.entries(assets)) {
        expect(Object.keys(a).sort(), `${name} ${platform}`).toEqual(['sha256', 'url']);
        expect(a.url, `${name} ${platform}`).toMatch(/^https:\/\/\S+$/);
        expect(a.url, `${name} ${platform}`).toContain(t.version);
        expect(a.sha256, `${name} ${platform}`).toMatch(/^[0-9a-f]{64}$/);
      }
      expect(assets['linux-x64'], name).toEqual({ url: t.url, sha256: t.sha256 });
      // Two platforms, two different files: a copied line would install the wrong architecture.
      expect(assets['linux-arm64']?.url, name).not.toBe(t.url);
      expect(assets['linux-arm64']?.sha256, name).not.toBe(t.sha256);
    }
  });

  it('has tools without assets only as plain pins (no archive kind)', () => {
    for (const [name, t] of Object.entries(versions.tools)) {
      if (t.assets === undefined) expect(t.archive, name).toBeUndefined();
    }
  });

  it('puts each engine on PATH under its own name, where the gates look for it', () => {
    for (const name of ['gitleaks', 'opengrep']) {
      const t = versions.tools[name] as Pin;
      const program = t.archive === 'tar.gz' ? path.posix.join(t.installTo, name) : t.installTo;
      expect(program, name).toBe(`/usr/local/bin/${name}`);
    }
  });

  it('is where the action reads the engines it installs on GitHub-hosted runners', () => {
    for (const r of ENGINE_RELEASES) {
      const t = versions.tools[r.tool] as Pin;
      expect({ version: r.version, archive: r.archive, assets: r.assets }, r.tool).toEqual({
        version: t.version,
        archive: t.archive,
        assets: t.assets,
      });
    }
    expect(ENGINE_RELEASES.map((r) => r.tool).sort()).toEqual(['gitleaks', 'opengrep']);
  });

  it('pins a runner that runs node24 actions (2.328.0 or later)', () => {
    const [major, minor] = (versions.tools['actions-runner']?.version ?? '0.0.0').split('.').map(Number);
    expect((major ?? 0) > 2 || ((major ?? 0) === 2 && (minor ?? 0) >= 328)).toBe(true);
  });
});

describe('verify_download', () => {
  it('keeps a download whose sha256 matches the pin', async () => {
    const r = await verify(sha256(PAYLOAD));
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

describe('install_pinned', () => {
  const tarball = { archive: 'tar.gz', installTo: '/usr/local/bin' };
  const binary = { archive: 'binary', installTo: '/usr/local/bin/asset' };

  it('installs the program from the root of a tarball whose sha256 matches, executable', async () => {
    const r = await install('/asset.tar.gz', tarball);
    expect(r.exitCode, r.stderr).toBe(0);
    const program = path.join(r.tree, 'usr/local/bin/asset');
    expect(readFileSync(program)).toEqual(PROGRAM);
    expect(modeOf(program)).toBe(0o755);
    expect(readdirSync(path.join(r.tree, 'usr/local/bin'))).toEqual(['asset']);
    expect(r.leftInWork).toEqual([]);
  });

  it('installs nothing from a tarball whose sha256 does not match', async () => {
    const r = await install('/asset.tar.gz', tarball, '0'.repeat(64));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/asset: sha256 mismatch for http:\/\/127\.0\.0\.1:\d+\/asset\.tar\.gz/);
    expect(readdirSync(r.tree)).toEqual([]);
    expect(r.leftInWork).toEqual([]);
  });

  it('fails when the tarball does not have the program at its root', async () => {
    const r = await install('/nested.tar.gz', tarball);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/asset: cannot unpack asset from the root of its tarball/);
    expect(readdirSync(r.tree)).toEqual([]);
  });

  it('installs a bare executable whose sha256 matches at installTo, executable, and it runs', async () => {
    const r = await install('/asset.bin', binary);
    expect(r.exitCode, r.stderr).toBe(0);
    const program = path.join(r.tree, 'usr/local/bin/asset');
    expect(readFileSync(program)).toEqual(PROGRAM);
    expect(modeOf(program)).toBe(0o755);
    expect(r.leftInWork).toEqual([]);
    const run = await execFile(program, [], { env: PATH });
    expect(run.stdout.trim()).toBe('asset 1.0');
  });

  it('installs no bare executable whose sha256 does not match, and leaves no download behind', async () => {
    const r = await install('/asset.bin', binary, sha256(PAYLOAD));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      /asset: sha256 mismatch for http:\/\/127\.0\.0\.1:\d+\/asset\.bin \(expected [0-9a-f]{64}, got [0-9a-f]{64}\)/,
    );
    expect(readdirSync(r.tree)).toEqual([]);
    expect(r.leftInWork).toEqual([]);
  });

  it('refuses an archive kind it does not know, and a relative installTo, before downloading', async () => {
    const zip = await install('/asset.bin', { archive: 'zip', installTo: '/usr/local/bin' });
    expect(zip.exitCode).toBe(1);
    expect(zip.stderr).toMatch(/tools\.asset\.archive is 'zip', not tar\.gz or binary/);
    const relative = await install('/asset.bin', { archive: 'binary', installTo: 'usr/local/bin/asset' });
    expect(relative.exitCode).toBe(1);
    expect(relative.stderr).toMatch(/tools\.asset\.installTo is not an absolute path/);
    for (const r of [zip, relative]) {
      expect(readdirSync(r.tree)).toEqual([]);
      expect(r.leftInWork).toEqual([]);
    }
  });
});

describe('the build', () => {
  it('downloads every tool versions.json pins, and installs the engines with install_pinned', () => {
    const fetched = [...buildScript.matchAll(/^\s*(verify_download|install_pinned) "\$versions" (\S+)/gm)];
    expect(fetched.map((m) => m[2]).sort()).toEqual(Object.keys(versions.tools).sort());
    const engines = fetched.filter((m) => m[1] === 'install_pinned').map((m) => m[2]);
    expect(engines.sort()).toEqual(['gitleaks', 'opengrep']);
    expect(buildScript).not.toMatch(/semgrep/);
  });

  it("is described in the guide: what the image carries, at versions.json's versions", () => {
    const guide = readFileSync(path.join(root, 'README.md'), 'utf8');
    const rows = new Map(
      [...guide.matchAll(/^\| (Actions runner|gitleaks|opengrep|semgrep) \| (\S+) .*\| `([^`]+)` \|/gm)].map(
        (m) => [m[1], { version: m[2], installTo: m[3] }],
      ),
    );
    expect(Object.fromEntries(rows)).toEqual({
      'Actions runner': {
        version: versions.tools['actions-runner']?.version,
        installTo: versions.tools['actions-runner']?.installTo,
      },
      gitleaks: { version: versions.tools.gitleaks?.version, installTo: '/usr/local/bin/gitleaks' },
      opengrep: { version: versions.tools.opengrep?.version, installTo: versions.tools.opengrep?.installTo },
    });
  });

  it("writes a manifest naming each carried tool's version, and none when built --offline", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'agentgate-manifest-'));
    const manifest = async (offline: boolean) => {
      const out = path.join(dir, `${offline}.json`);
      const r = await lib('write_manifest', [
        out,
        versionsFile,
        'a'.repeat(64),
        '6.1.0-28-cloud-amd64',
        `${offline}`,
        '4500',
        '400000',
      ]);
      expect(r.exitCode, r.stderr).toBe(0);
      return JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
    };
    const online = await manifest(false);
    expect(online).toMatchObject({
      image: 'rootfs.ext4',
      digest: `sha256:${'a'.repeat(64)}`,
      kernel: '6.1.0-28-cloud-amd64',
      offline: false,
      sizeMib: 4500,
      usedKib: 400000,
      debian: versions.debian,
    });
    expect(online.tools).toEqual({
      'actions-runner': versions.tools['actions-runner']?.version,
      gitleaks: versions.tools.gitleaks?.version,
      opengrep: versions.tools.opengrep?.version,
    });
    const offline = await manifest(true);
    expect(offline).toMatchObject({ offline: true, tools: {} });
    expect(offline).not.toHaveProperty('warm');
  });

  it("bakes --warm-repo into warm.ext4 with the action's CLI, and the manifest names it", async () => {
    const repo = mkdtempSync(path.join(os.tmpdir(), 'agentgate-bake-repo-'));
    const git = (...args: string[]) => execFile('git', args, { cwd: repo, env: PATH });
    await git('init', '-q', '-b', 'main');
    writeFileSync(path.join(repo, 'README.md'), 'app\n');
    await git('add', '.');
    await git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'first');
    const commit = (await git('rev-parse', 'HEAD')).stdout.trim();
    const out = mkdtempSync(path.join(os.tmpdir(), 'agentgate-bake-out-'));
    const cli = fileURLToPath(new URL('../../action/dist/cli.js', import.meta.url));
    const sbin = { PATH: `${PATH.PATH}:/usr/sbin:/sbin` };
    const baked = await execFile(
      'bash',
      [
        '-c',
        `. "${root}build/lib.sh"; bake_warm_disk "$@"`,
        'bake',
        cli,
        path.join(out, 'warm'),
        path.join(out, 'warm.ext4'),
        '--repo',
        repo,
      ],
      { env: sbin, timeoutMs: 60_000 },
    );
    expect(baked.exitCode, baked.output).toBe(0);
    const listing = await execFile('debugfs', ['-R', 'ls /', path.join(out, 'warm.ext4')], { env: sbin });
    expect(listing.stdout).toMatch(/repo\.git/);
    expect(listing.stdout).toMatch(/warm\.json/);

    const warm = execFile(
      'jq',
      ['-c', '{image: "warm.ext4", repository, commit, bakedAt, setup}', path.join(out, 'warm', 'warm.json')],
      { env: PATH },
    );
    const file = path.join(out, 'manifest.json');
    const r = await lib('write_manifest', [
      file,
      versionsFile,
      'a'.repeat(64),
      'k',
      'true',
      '1',
      '1',
      (await warm).stdout.trim(),
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).warm).toMatchObject({
      image: 'warm.ext4',
      repository: repo,
      commit,
    });

    // The warm flags are checked before anything is built.
    const refused = await execFile(
      'bash',
      [path.join(root, 'build/build-image.sh'), out, '--warm-ref', 'main'],
      { env: PATH },
    );
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/--warm-ref, --warm-setup and --warm-policy need --warm-repo/);
  });
});
