// The real engines on hosted runners: pinned releases served from a local HTTP server on 127.0.0.1 go
// through the real @actions/tool-cache code path (download, sha256 check, extract, cache). A good
// release installs and is used by the gates; a tampered one is refused and the embedded engine runs,
// and the report says why.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isGitHubHosted, setUpEngines, withEngines } from '../../action/engines.js';
import { runGates, toMarkdown } from '../../gates/index.js';
import { loadDefaultPolicy, type Policy } from '../../policies/index.js';
import { ENGINE_RELEASES, type EngineRelease } from '../../runner-image/index.js';
import { commitEverything, makeRepo } from '../support/repo.js';

const FAKE_BIN = fileURLToPath(new URL('../fixtures/bin', import.meta.url));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let server: Server;
let base: string;
const served = new Map<string, Buffer>();
const requests: string[] = [];
let work: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'agentgate-engines-'));
  // A gitleaks release: a gzipped tarball with the program at its root (the fake speaks gitleaks' CLI).
  const pack = path.join(work, 'pack');
  await mkdir(pack);
  await copyFile(path.join(FAKE_BIN, 'gitleaks'), path.join(pack, 'gitleaks'));
  execFileSync('tar', ['-czf', path.join(work, 'gitleaks.tar.gz'), '-C', pack, 'gitleaks']);
  served.set('/gitleaks.tar.gz', readFileSync(path.join(work, 'gitleaks.tar.gz')));
  // An opengrep release: the program itself (the fake plays opengrep under that name).
  served.set('/opengrep', readFileSync(path.join(FAKE_BIN, 'semgrep')));
  served.set(
    '/opengrep-tampered',
    Buffer.concat([readFileSync(path.join(FAKE_BIN, 'semgrep')), Buffer.from('\n')]),
  );
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = served.get(req.url ?? '');
    if (body === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(work, { recursive: true, force: true });
});

let cacheRoot: string;
function freshToolCache(): void {
  // tool-cache reads these when it runs; a fresh cache per test.
  cacheRoot = mkdtempSync(path.join(work, 'cache-'));
  process.env.RUNNER_TOOL_CACHE = path.join(cacheRoot, 'tools');
  process.env.RUNNER_TEMP = path.join(cacheRoot, 'temp');
  requests.length = 0;
}

afterEach(() => {
  process.env = { ...savedEnv };
});

function releases(opengrepPath = '/opengrep'): EngineRelease[] {
  const gitleaks = served.get('/gitleaks.tar.gz') as Buffer;
  const opengrep = served.get('/opengrep') as Buffer;
  return [
    {
      tool: 'gitleaks',
      gate: 'secrets',
      version: '8.24.2',
      archive: 'tar.gz',
      assets: { 'linux-x64': { url: `${base}/gitleaks.tar.gz`, sha256: sha256(gitleaks) } },
    },
    {
      tool: 'opengrep',
      gate: 'sast',
      version: '1.27.1',
      archive: 'binary',
      assets: { 'linux-x64': { url: `${base}${opengrepPath}`, sha256: sha256(opengrep) } },
    },
  ];
}

describe('the pinned releases', () => {
  it('pin gitleaks and opengrep for Linux x64 and arm64 by https URL and sha256', () => {
    expect(ENGINE_RELEASES.map((r) => `${r.tool}/${r.gate}`)).toEqual(['gitleaks/secrets', 'opengrep/sast']);
    for (const r of ENGINE_RELEASES) {
      for (const p of ['linux-x64', 'linux-arm64'] as const) {
        const a = r.assets[p];
        expect(a?.url, `${r.tool} ${p}`).toMatch(new RegExp(`^https://github\\.com/.+/v${r.version}/`));
        expect(a?.sha256, `${r.tool} ${p}`).toMatch(/^[0-9a-f]{64}$/);
      }
    }
  });
});

describe('setUpEngines', () => {
  it('installs a good release through the tool cache, checks it, and finds it there the next time', async () => {
    freshToolCache();
    const setup = await setUpEngines('install', { env: {}, releases: releases(), platform: 'linux-x64' });
    expect(setup.installed).toEqual(['gitleaks 8.24.2', 'opengrep 1.27.1']);
    expect(setup.engines).toEqual({ unavailable: {} });
    for (const [dir, tool] of setup.path.map((d, i) => [d, ['gitleaks', 'opengrep'][i]] as const)) {
      expect(dir.startsWith(process.env.RUNNER_TOOL_CACHE as string)).toBe(true);
      accessSync(path.join(dir, tool as string), constants.X_OK);
      expect(existsSync(`${dir}.complete`)).toBe(true);
    }
    expect(requests.sort()).toEqual(['/gitleaks.tar.gz', '/opengrep']);
    // Nothing of the downloads is left in the runner's temp directory.
    expect(readdirSync(process.env.RUNNER_TEMP as string)).toEqual([]);

    requests.length = 0;
    const again = await setUpEngines('install', { env: {}, releases: releases(), platform: 'linux-x64' });
    expect(again.path).toEqual(setup.path);
    expect(requests).toEqual([]);
  });

  it('refuses a tampered download with a clear reason, deletes it, and caches nothing', async () => {
    freshToolCache();
    const logs: string[] = [];
    const setup = await setUpEngines('install', {
      env: {},
      releases: releases('/opengrep-tampered'),
      platform: 'linux-x64',
      log: (l) => logs.push(l),
    });
    expect(setup.installed).toEqual(['gitleaks 8.24.2']);
    const note = setup.engines.unavailable?.sast;
    expect(note?.engine).toBe('opengrep 1.27.1');
    expect(note?.reason).toMatch(
      /^the download from http:\/\/127\.0\.0\.1:\d+\/opengrep-tampered has sha256 [0-9a-f]{64}, not the pinned [0-9a-f]{64}; it was refused and deleted/,
    );
    expect(logs.join('\n')).toMatch(/opengrep 1\.27\.1 could not be installed: the download .* refused/);
    expect(existsSync(path.join(process.env.RUNNER_TOOL_CACHE as string, 'opengrep'))).toBe(false);
    expect(readdirSync(process.env.RUNNER_TEMP as string)).toEqual([]);
  });

  it('notes a release that cannot be downloaded, or has no pin for the platform', async () => {
    freshToolCache();
    const missing = releases('/no-such-release');
    const setup = await setUpEngines('install', { env: {}, releases: missing, platform: 'linux-x64' });
    expect(setup.engines.unavailable?.sast?.reason).toMatch(
      /the download from http:\/\/127\.0\.0\.1:\d+\/no-such-release failed: Unexpected HTTP response: 404/,
    );
    const arm = await setUpEngines('install', { env: {}, releases: releases(), platform: 'linux-arm64' });
    expect(arm.engines.unavailable?.secrets?.reason).toBe(
      'gitleaks 8.24.2 has no pinned release for linux-arm64',
    );
  });

  it('auto installs on GitHub-hosted runners only; embedded asks for the embedded engines', async () => {
    freshToolCache();
    expect(isGitHubHosted({ RUNNER_ENVIRONMENT: 'github-hosted' })).toBe(true);
    const selfHosted = await setUpEngines('auto', {
      env: { RUNNER_ENVIRONMENT: 'self-hosted' },
      releases: releases(),
      platform: 'linux-x64',
    });
    expect(selfHosted).toEqual({ path: [], engines: {}, installed: [] });
    expect(requests).toEqual([]);
    const hosted = await setUpEngines('auto', {
      env: { RUNNER_ENVIRONMENT: 'github-hosted' },
      releases: releases(),
      platform: 'linux-x64',
    });
    expect(hosted.installed).toHaveLength(2);
    expect(await setUpEngines('embedded', { env: {}, releases: releases() })).toEqual({
      path: [],
      engines: { embeddedOnly: true },
      installed: [],
    });
  });
});

describe('the gates with installed engines', () => {
  const policy = loadDefaultPolicy().policy;
  // A token gitleaks' fake finds, and an eval every SAST engine flags.
  const TOKEN = `ghp_${'A1b2C3d4E5'.repeat(3)}123456`;

  async function changed(): Promise<string> {
    const repo = await makeRepo(undefined, { 'README.md': '# app\n' });
    await writeFile(path.join(repo, 'run.js'), 'export function run(input) {\n  return eval(input);\n}\n');
    await writeFile(path.join(repo, 'config.js'), `export const token = '${TOKEN}';\n`);
    await commitEverything(repo, 'change');
    return repo;
  }

  /** Installs `releases` into a fresh tool cache, then runs the gates on the planted change with them. */
  async function gatesWith(installing: EngineRelease[], gatesPolicy: Policy = policy) {
    freshToolCache();
    const setup = await setUpEngines('install', { env: {}, releases: installing, platform: 'linux-x64' });
    const repo = await changed();
    try {
      const run = await runGates({
        repo,
        base: 'HEAD~1',
        policy: gatesPolicy,
        env: withEngines({ PATH: '/usr/bin:/bin' }, setup),
        engines: setup.engines,
      });
      return { report: run.report, gate: (name: string) => run.report.gates.find((g) => g.name === name) };
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  }

  it('run gitleaks and opengrep from the tool cache, first on PATH', async () => {
    const { gate } = await gatesWith(releases());
    expect(gate('secrets')?.engine).toBe('gitleaks 8.24.2');
    expect(gate('sast')?.engine).toBe('opengrep 1.27.1');
    expect(gate('sast')?.findings.map((f) => f.ruleId)).toEqual(['js-eval-dynamic']);
    expect(gate('secrets')?.findings.length).toBeGreaterThan(0);
    expect(gate('sast')?.note).toBeUndefined();
  });

  it('fall back to the embedded engine when a release is refused, and the report says why', async () => {
    const { report, gate } = await gatesWith(releases('/opengrep-tampered'));
    const sast = gate('sast');
    expect(sast?.status).toBe('fail');
    expect(sast?.engine).toMatch(/^ast-grep \d/);
    expect(sast?.findings.map((f) => f.ruleId)).toEqual(['js-eval-dynamic']);
    expect(sast?.note).toMatch(
      /^opengrep 1\.27\.1 could not be installed \(the download .* sha256 .*\); ast-grep \S+ ran instead$/,
    );
    expect(toMarkdown(report)).toMatch(/ast-grep \S+ \(opengrep 1\.27\.1 could not be installed/);
  });

  it('fail closed when the policy requires the engine that could not be installed', async () => {
    const strict = { ...policy, gates: { ...policy.gates, sast: { engine: 'opengrep' as const } } };
    const { report, gate } = await gatesWith(releases('/opengrep-tampered'), strict);
    expect(gate('sast')?.status).toBe('error');
    expect(gate('sast')?.error).toMatch(/requires opengrep/);
    expect(report.verdict).toBe('fail');
  });
});
