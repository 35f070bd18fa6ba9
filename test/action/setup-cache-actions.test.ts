// The setup's cache on GitHub, against the local fake of the Actions cache service (v2, the protocol the
// real @actions/cache client speaks; see test/action/cache-fake.test.ts): a round trip of agentgate's
// own archive, an entry another job saved first, exact keys only, another repository's token never
// seeing it; and the action end to end: the second dispatch on the same lockfile restores the setup.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { actionsCacheBackend, cacheVersion } from '../../action/github/actions-cache.js';
import { packCache, restoreCache } from '../../action/setup-cache.js';
import { DEFAULT_POLICY_TEXT } from '../../policies/index.js';
import { MODEL_KEY, makeRemote, OWNER, REPO, runAction } from '../support/action-harness.js';
import { type ArtifactFake, startArtifactFake } from '../support/artifact-fake.js';
import { type GitHubFake, startGitHubFake } from '../support/github-fake.js';
import {
  finalText,
  type ScriptedServer,
  type ScriptStep,
  startScriptedServer,
} from '../support/messages-server.js';

const temp = (label: string) => mkdtempSync(path.join(os.tmpdir(), `agentgate-actions-cache-${label}-`));

let fake: ArtifactFake;
const open: { close(): Promise<void> }[] = [];
beforeAll(async () => {
  fake = await startArtifactFake();
});
afterAll(() => fake.close());
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

function archiveOf(files: Record<string, string>): Promise<string> {
  const work = temp('src');
  for (const [f, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(work, f)), { recursive: true });
    writeFileSync(path.join(work, f), body);
  }
  const file = path.join(temp('tar'), 'a.tar');
  return packCache(work, ['deps'], file).then(() => file);
}

describe('the Actions cache backend', () => {
  it('is used only with the v2 service, the results URL and the runtime token', () => {
    expect(actionsCacheBackend(fake.env, ['deps'])?.name).toBe('the GitHub Actions cache');
    expect(actionsCacheBackend({ ...fake.env, ACTIONS_CACHE_SERVICE_V2: '' }, ['deps'])).toBeUndefined();
    expect(actionsCacheBackend({ ...fake.env, ACTIONS_RUNTIME_TOKEN: '' }, ['deps'])).toBeUndefined();
  });

  it('round-trips the archive; a second save of the key keeps the first; exact keys only; per repository', async () => {
    const backend = actionsCacheBackend(fake.env, ['deps']);
    if (!backend) throw new Error('no backend');
    const key = `agentgate-setup-linux-x64-${Date.now()}`;
    await backend.save(key, await archiveOf({ 'deps/a.js': 'one' }));
    const entries = fake.cacheEntries().filter((e) => e.key === key);
    expect(entries).toHaveLength(1);
    expect(entries[0]?.version).toBe(cacheVersion(['deps']));

    // Another job saved the key first: no error, the first entry stays.
    await backend.save(key, await archiveOf({ 'deps/a.js': 'two' }));
    expect(fake.cacheEntries().filter((e) => e.key === key)).toHaveLength(1);

    const back = path.join(temp('back'), 'a.tar');
    expect(await backend.restore(key, back)).toBe(true);
    const work = temp('work');
    await restoreCache(work, ['deps'], back);
    expect(readFileSync(path.join(work, 'deps/a.js'), 'utf8')).toBe('one');

    // A key that is only a prefix of a saved one is a miss: that would be another lockfile's tree.
    expect(await backend.restore(key.slice(0, -3), path.join(temp('p'), 'a.tar'))).toBe(false);
    // Other directories are another version: a miss.
    const other = actionsCacheBackend(fake.env, ['deps', '.venv']);
    expect(await other?.restore(key, path.join(temp('v'), 'a.tar'))).toBe(false);
    // Another repository's job never sees it.
    const elsewhere = actionsCacheBackend(
      { ...fake.env, ACTIONS_RUNTIME_TOKEN: fake.tokenFor('acme/other') },
      ['deps'],
    );
    expect(await elsewhere?.restore(key, path.join(temp('o'), 'a.tar'))).toBe(false);
    expect(fake.violations).toEqual([]);
  });

  it('says why when the service refuses or fails', async () => {
    const backend = actionsCacheBackend(fake.env, ['deps']);
    fake.failNext('GetCacheEntryDownloadURL', 503);
    await expect(backend?.restore('k', path.join(temp('f'), 'a.tar'))).rejects.toThrow(
      /the Actions cache service's GetCacheEntryDownloadURL failed: .*503|unavailable/,
    );
    const readOnly = actionsCacheBackend(
      { ...fake.env, ACTIONS_RUNTIME_TOKEN: fake.tokenFor(`${OWNER}/${REPO}`, { cacheAccess: 'read' }) },
      ['deps'],
    );
    await expect(readOnly?.save(`k-${Date.now()}`, await archiveOf({ 'deps/a': 'x' }))).rejects.toThrow(
      /the Actions cache refused the entry: cache write denied/,
    );
  });
});

describe('agent mode with a setup command on GitHub', () => {
  async function model(steps: ScriptStep[]): Promise<ScriptedServer> {
    const server = await startScriptedServer(steps);
    open.push(server);
    return server;
  }
  async function github(): Promise<GitHubFake> {
    const gh = await startGitHubFake({ owner: OWNER, repo: REPO, permissions: { 'octo-dev': 'admin' } });
    open.push(gh);
    return gh;
  }

  it('runs the setup on the first dispatch and restores it from the Actions cache on the second', async () => {
    const policy = DEFAULT_POLICY_TEXT.replace(
      /^ {4}paths: \[\]\n {4}keyFiles:/m,
      '    paths: [deps]\n    keyFiles:',
    );
    const { workspace } = await makeRemote({
      '.gitignore': 'deps/\n',
      'package-lock.json': `{ "lockfileVersion": 3, "name": "app-${Date.now()}" }\n`,
      'check.sh': 'test -f deps/lib.txt && echo ok\n',
      '.github/agentgate.yml': policy,
    });
    const dispatch = async () =>
      runAction({
        workspace,
        eventName: 'workflow_dispatch',
        payload: { inputs: {}, repository: { default_branch: 'main' } },
        inputs: {
          task: 'Nothing to change; say so.',
          'anthropic-api-key': MODEL_KEY,
          'setup-command': 'mkdir -p deps && echo lib > deps/lib.txt && echo installed',
          'test-command': 'sh check.sh',
          engines: 'embedded',
        },
        github: await github(),
        artifacts: fake,
        modelUrl: (await model([finalText('Nothing to change.')])).url,
      });
    const first = await dispatch();
    expect(first.stdout).toMatch(/setup: saved deps to the GitHub Actions cache/);
    const second = await dispatch();
    expect(second.stdout).toMatch(/setup: restored deps from the GitHub Actions cache/);
    expect(second.stdout).toMatch(/baseline: exit 0 \(green/);
    expect(fake.violations).toEqual([]);
  }, 120_000);
});
