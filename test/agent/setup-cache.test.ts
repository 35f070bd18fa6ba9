// The setup's cache on local disk: a second run on the same lockfile restores what the first setup made
// instead of running it; a changed lockfile runs it again; another repository never shares an entry; a
// hostile archive (paths out of the tree, links out, devices) is refused entry by entry and the setup
// runs instead. And the setup's own network: a domain it may reach is never the agent's.
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkArchive,
  checkTargetsFree,
  entryProblem,
  localCacheBackend,
  restoreCache,
  setupCacheKey,
} from '../../action/setup-cache.js';
import { DEFAULT_POLICY_TEXT } from '../../policies/index.js';
import { type HttpTarget, startHttpTarget } from '../support/http-target.js';
import { finalText, toolUse } from '../support/messages-server.js';
import { commitEverything, makeRepo } from '../support/repo.js';
import { runScripted, toolResults } from '../support/session.js';

const temp = (label: string) => mkdtempSync(path.join(os.tmpdir(), `agentgate-setup-cache-${label}-`));

const FILES = {
  '.gitignore': 'deps/\n',
  'package-lock.json': '{ "lockfileVersion": 3, "packages": { "": { "name": "app" } } }\n',
  'check.sh': 'test -f deps/lib.txt && test -L deps/current && echo ok\n',
};
// A slow setup, as an install is: the second run must not wait for it.
const SETUP =
  'sleep 1 && mkdir -p deps/v1 && echo lib > deps/lib.txt && ln -s v1 deps/current && chmod 755 deps/v1 && echo installed';
const policyText = DEFAULT_POLICY_TEXT.replace(
  /^ {4}paths: \[\]\n {4}keyFiles:/m,
  '    paths: [deps]\n    keyFiles:',
);

describe('the setup cache (local disk)', () => {
  it('restores on the same lockfile, runs again on a changed one, and never crosses repositories', async () => {
    expect(policyText).toContain('paths: [deps]');
    const root = temp('store');
    const repo = await makeRepo(undefined, FILES);
    const cache = localCacheBackend('https://example.invalid/acme/app', root);
    const opts = { setupCommand: SETUP, testCommand: 'sh check.sh', setupCache: cache, policyText };

    const first = await runScripted(repo, [finalText()], opts);
    expect(first.result.setup).toMatchObject({
      passed: true,
      cache: { hit: false, keyFiles: ['package-lock.json'] },
    });
    expect(first.result.setup?.cache?.bytes).toBeGreaterThan(0);
    expect(first.result.tests.before).toMatchObject({ passed: true });

    const second = await runScripted(repo, [finalText()], opts);
    expect(second.result.setup).toMatchObject({ passed: true, cache: { hit: true } });
    expect(second.result.setup?.outputTail).toMatch(
      /restored deps from the cache .*the setup command did not run/,
    );
    // What the tests need is there (file and link), without the setup's second of sleep.
    expect(second.result.tests.before).toMatchObject({ passed: true });
    expect(second.result.setup?.durationMs).toBeLessThan((first.result.setup?.durationMs ?? 0) * 0.5);
    expect(second.events.find((e) => e.type === 'setup.run')?.data).toMatchObject({ cache: { hit: true } });

    // A changed lockfile is another key: the setup runs again.
    writeFileSync(
      path.join(repo, 'package-lock.json'),
      '{ "lockfileVersion": 3, "packages": { "": { "name": "app2" } } }\n',
    );
    await commitEverything(repo, 'bump');
    const third = await runScripted(repo, [finalText()], opts);
    expect(third.result.setup).toMatchObject({ cache: { hit: false } });
    expect(third.result.setup?.outputTail).toContain('installed');

    // Another repository with the very same lockfile and command: its own store, a miss.
    const other = await makeRepo(undefined, FILES);
    const elsewhere = await runScripted(other, [finalText()], {
      ...opts,
      setupCache: localCacheBackend('https://example.invalid/acme/other', root),
    });
    expect(elsewhere.result.setup).toMatchObject({ cache: { hit: false } });
  }, 90_000);

  it('caches nothing without a key file, and says so', async () => {
    const repo = await makeRepo(undefined, { '.gitignore': 'deps/\n', 'check.sh': 'echo ok\n' });
    const run = await runScripted(repo, [finalText()], {
      setupCommand: 'mkdir -p deps && echo x > deps/a',
      setupCache: localCacheBackend('r', temp('nokey')),
      policyText,
    });
    expect(run.result.setup?.cache).toMatchObject({
      hit: false,
      note: expect.stringMatching(/^not cached: none of the key files/),
    });
  }, 30_000);
});

async function tarOf(
  entries: { header: tar.Header | Record<string, unknown>; body?: string }[],
): Promise<string> {
  const file = path.join(temp('tar'), 'a.tar');
  const pack = tar.pack();
  const out = pipeline(pack, createWriteStream(file));
  for (const e of entries) pack.entry(e.header as tar.Header, e.body ?? '');
  pack.finalize();
  await out;
  return file;
}

describe('a restored archive is checked entry by entry', () => {
  it('refuses paths out of the tree or the cached dirs, links out or into .git, and devices', () => {
    const paths = ['node_modules', 'a/.venv'];
    expect(entryProblem({ name: 'node_modules/x/index.js', type: 'file' }, paths)).toBeUndefined();
    expect(
      entryProblem({ name: 'a/.venv/bin/python', type: 'symlink', linkname: '../lib/python3' }, paths),
    ).toBeUndefined();
    expect(entryProblem({ name: '../evil', type: 'file' }, paths)).toMatch(/'\.\.'/);
    expect(entryProblem({ name: '/etc/cron.d/x', type: 'file' }, paths)).toMatch(/not a relative path/);
    expect(entryProblem({ name: 'node_modules/../../x', type: 'file' }, paths)).toMatch(/'\.\.'/);
    expect(entryProblem({ name: 'src/index.js', type: 'file' }, paths)).toMatch(
      /outside the cached directories/,
    );
    expect(entryProblem({ name: 'node_modules_evil/x', type: 'file' }, paths)).toMatch(/outside the cached/);
    expect(entryProblem({ name: 'node_modules/l', type: 'symlink', linkname: '/etc/passwd' }, paths)).toMatch(
      /absolute/,
    );
    expect(entryProblem({ name: 'node_modules/l', type: 'symlink', linkname: '../../x' }, paths)).toMatch(
      /outside the work tree/,
    );
    expect(
      entryProblem({ name: 'node_modules/l', type: 'symlink', linkname: '../.git/hooks' }, paths),
    ).toMatch(/into \.git/);
    expect(entryProblem({ name: 'node_modules/h', type: 'link', linkname: 'node_modules/x' }, paths)).toMatch(
      /is a link/,
    );
    expect(entryProblem({ name: 'node_modules/d', type: 'character-device' }, paths)).toMatch(
      /character-device/,
    );
  });

  it('writes nothing through a link it made, and leaves no partial directory when it refuses', async () => {
    const work = temp('work');
    // A link to a directory, then a file "inside" it: were links made first, the file would land outside.
    const hostile = await tarOf([
      { header: { name: 'deps/', type: 'directory', mode: 0o755 } },
      { header: { name: 'deps/out', type: 'symlink', linkname: '..' } },
      { header: { name: 'deps/ok.txt', type: 'file', mode: 0o644, size: 2 }, body: 'ok' },
      { header: { name: 'deps/../../escape.txt', type: 'file', mode: 0o644, size: 1 }, body: 'x' },
    ]);
    await expect(restoreCache(work, ['deps'], hostile)).rejects.toThrow(/'\.\.' segment/);
    expect(() => readFileSync(path.join(work, 'deps/ok.txt'))).toThrow();

    const fine = await tarOf([
      { header: { name: 'deps/', type: 'directory', mode: 0o755 } },
      { header: { name: 'deps/ok.txt', type: 'file', mode: 0o644, size: 2 }, body: 'ok' },
      { header: { name: 'deps/cur', type: 'symlink', linkname: 'ok.txt' } },
    ]);
    const r = await restoreCache(work, ['deps'], fine);
    expect(r.entries).toBe(3);
    expect(readFileSync(path.join(work, 'deps/cur'), 'utf8')).toBe('ok');
    // Bounded: an archive past the entry or byte limit is refused, and nothing of it is left.
    const tight = temp('tight');
    await expect(restoreCache(tight, ['deps'], fine, { bytes: 1 << 20, entries: 2 })).rejects.toThrow(
      /more than 2 entries/,
    );
    await expect(restoreCache(tight, ['deps'], fine, { bytes: 1, entries: 100 })).rejects.toThrow(
      /more than 1 bytes/,
    );
    expect(() => readFileSync(path.join(tight, 'deps/ok.txt'))).toThrow();
    // A cached directory that is already in the tree is not overwritten.
    await expect(restoreCache(work, ['deps'], fine)).rejects.toThrow(/already in the work tree/);
    await expect(checkTargetsFree(work, ['deps'])).rejects.toThrow(/already in the work tree/);
    await expect(checkTargetsFree(tight, ['deps'])).resolves.toBeUndefined();

    // The check before a restore beside the model: the same refusals and limits, nothing written.
    await expect(checkArchive(hostile, ['deps'])).rejects.toThrow(/'\.\.' segment/);
    await expect(checkArchive(fine, ['deps'], { bytes: 1 << 20, entries: 2 })).rejects.toThrow(
      /more than 2 entries/,
    );
    await expect(checkArchive(fine, ['deps'], { bytes: 1, entries: 100 })).rejects.toThrow(
      /more than 1 bytes/,
    );
    await expect(checkArchive(fine, ['deps'])).resolves.toEqual({ bytes: 2, entries: 3 });
    const truncated = path.join(temp('cut'), 'cut.tar');
    writeFileSync(truncated, readFileSync(fine).subarray(0, 700));
    await expect(checkArchive(truncated, ['deps'])).rejects.toThrow(/the archive cannot be read/);
    expect(readdirSync(tight)).toEqual([]);
  });

  it('keys by the lockfiles, the command, the paths, the OS and the CPU', async () => {
    const dir = temp('key');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'uv.lock'), 'a');
    const base = { workDir: dir, command: 'uv sync', paths: ['.venv'], keyFiles: ['uv.lock', 'poetry.lock'] };
    const k = await setupCacheKey(base);
    expect(k).toMatchObject({ keyFiles: ['uv.lock'] });
    const keyOf = async (o: Partial<typeof base> & { platform?: string; arch?: string }) =>
      ((await setupCacheKey({ ...base, ...o })) as { key: string }).key;
    const key = (k as { key: string }).key;
    expect(await keyOf({ command: 'uv sync --frozen' })).not.toBe(key);
    expect(await keyOf({ paths: ['.venv', 'x'] })).not.toBe(key);
    expect(await keyOf({ arch: 'arm64' })).not.toBe(key);
    expect(await keyOf({ platform: 'darwin' })).not.toBe(key);
    await writeFile(path.join(dir, 'uv.lock'), 'b');
    expect(await keyOf({})).not.toBe(key);
    expect(await setupCacheKey({ ...base, paths: [] })).toEqual({
      none: 'the policy names no setup.cache.paths',
    });
  });
});

describe("the setup's own network", () => {
  let target: HttpTarget;
  beforeAll(async () => {
    target = await startHttpTarget();
  });
  afterAll(() => target.close());

  it('reaches setup.allowedDomains during the setup; the agent never does', async () => {
    const repo = await makeRepo(undefined, { '.gitignore': 'deps/\n', 'x.txt': 'x\n' });
    const text = policyText.replace(
      /^setup:\n {2}allowedDomains: \[\]/m,
      'setup:\n  allowedDomains: ["127.0.0.1"]',
    );
    expect(text).toContain('allowedDomains: ["127.0.0.1"]');
    const fetchIt = `curl -sS --max-time 3 --noproxy '' -o /dev/null -w 'status=%{http_code}' ${target.url}`;
    // Through Node, which the command rules do not stop: the sandbox's network is what refuses it.
    const nodeFetch = `node -e "fetch('${target.url}').then(() => console.log('reached'), () => console.log('blocked'))"`;
    target.reset();
    const run = await runScripted(repo, [toolUse('run_command', { command: nodeFetch }), finalText()], {
      setupCommand: `${fetchIt} && echo`,
      policyText: text,
    });
    expect(run.result.setup).toMatchObject({
      passed: true,
      outputTail: expect.stringContaining('status=200'),
    });
    expect(target.hits()).toBe(1);
    const [agent] = toolResults(run.server);
    expect(agent?.content).toMatch(/\nblocked\n\[exit code 0/);
    expect(target.hits()).toBe(1);
  }, 60_000);
});
