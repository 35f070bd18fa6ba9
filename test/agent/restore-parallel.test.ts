// A setup restored from the cache goes beside the model, as the baseline does: the archive is checked
// first, the first model request goes out while its 20,000 files are still being written, every tool call
// waits for them, and the baseline sees the restored tree. A restore that fails on the disk after its check
// ends the run `setup_failed`, with result.json and the trace written.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { localCacheBackend, setupCacheKey } from '../../action/setup-cache.js';
import { DEFAULT_POLICY_TEXT } from '../../policies/index.js';
import { finalText, toolUse } from '../support/messages-server.js';
import { makeRepo } from '../support/repo.js';
import { runScripted } from '../support/session.js';

// The setup would fail if it ran: every run here must restore.
const SETUP = 'echo the setup ran; exit 3';
const POLICY = DEFAULT_POLICY_TEXT.replace(
  /^ {4}paths: \[\]\n {4}keyFiles:/m,
  '    paths: [deps]\n    keyFiles:',
);
const FILES = { '.gitignore': 'deps/\n', 'package-lock.json': '{ "lockfileVersion": 3 }\n' };

/** A cache entry for `repo`'s key holding `entries`, written straight into a local store. */
async function seed(repo: string, entries: { name: string; body?: string; type?: 'directory' }[]) {
  const key = await setupCacheKey({
    workDir: repo,
    command: SETUP,
    paths: ['deps'],
    keyFiles: ['package-lock.json'],
  });
  if ('none' in key) throw new Error(key.none);
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const e of entries) {
    if (e.type === 'directory') pack.entry({ name: e.name, type: 'directory', mode: 0o755 });
    else pack.entry({ name: e.name, mode: 0o644 }, e.body ?? '');
  }
  pack.finalize();
  await ended;
  const archive = path.join(mkdtempSync(path.join(os.tmpdir(), 'agentgate-restore-')), 'entry.tar');
  writeFileSync(archive, Buffer.concat(chunks));
  const store = localCacheBackend(repo, mkdtempSync(path.join(os.tmpdir(), 'agentgate-restore-store-')));
  await store.save(key.key, archive);
  return store;
}

type Event = { seq: number; type: string; data: Record<string, unknown> };
const first = (events: Event[], type: string, where: (e: Event) => boolean = () => true) =>
  events.find((e) => e.type === type && where(e)) as Event;

describe('a setup restored beside the model', () => {
  it('asks the model while the files are written; tools and the baseline wait for them', async () => {
    const repo = await makeRepo(undefined, FILES);
    const entries: { name: string; body?: string; type?: 'directory' }[] = [
      { name: 'deps/', type: 'directory' },
    ];
    for (let d = 0; d < 200; d++) {
      entries.push({ name: `deps/p${d}/`, type: 'directory' });
      for (let f = 0; f < 100; f++) entries.push({ name: `deps/p${d}/f${f}.js`, body: `module ${d} ${f}\n` });
    }
    const store = await seed(repo, entries);
    const run = await runScripted(
      repo,
      [toolUse('read_file', { path: 'deps/p199/f99.js' }), finalText('Read it.')],
      { setupCommand: SETUP, setupCache: store, policyText: POLICY, testCommand: 'test -f deps/p199/f99.js' },
    );
    expect(run.result).toMatchObject({
      outcome: 'completed',
      setup: { passed: true, cache: { hit: true } },
      tests: { before: { passed: true } },
    });
    expect(run.result.setup?.outputTail).not.toContain('the setup ran');
    // The session waited only for the fetch and the check; the files were written beside the model.
    expect(run.result.setup?.waitedMs).toBeLessThan(run.result.setup?.durationMs ?? 0);
    const events = run.events as Event[];
    const request = first(events, 'model.request');
    const setup = first(events, 'setup.run');
    const read = first(events, 'tool.result', (e) => e.data.name === 'read_file');
    const baseline = first(events, 'test.run', (e) => e.data.phase === 'baseline');
    // The model was asked before the restore ended; the read and the baseline came after it.
    expect(request.seq).toBeLessThan(setup.seq);
    expect(read.seq).toBeGreaterThan(setup.seq);
    expect(baseline.seq).toBeGreaterThan(setup.seq);
    expect(JSON.stringify(run.server.requests[1]?.body)).toContain('module 199 99');
  }, 60_000);

  it('ends the run setup_failed when the restore fails after its check', async () => {
    const repo = await makeRepo(undefined, FILES);
    // Each entry passes the check; the second cannot be written (its parent is a file).
    const store = await seed(repo, [
      { name: 'deps/lib', body: 'a file\n' },
      { name: 'deps/lib/index.js', body: 'under a file\n' },
    ]);
    const run = await runScripted(repo, [toolUse('read_file', { path: 'package-lock.json' }), finalText()], {
      setupCommand: SETUP,
      setupCache: store,
      policyText: POLICY,
      testCommand: 'true',
    });
    expect(run.result).toMatchObject({
      outcome: 'setup_failed',
      setup: { passed: false, cache: { hit: true } },
    });
    expect(run.result.setup?.outputTail).toMatch(
      /the restore of deps from the cache \(key agentgate-setup-\S+\) failed/,
    );
    expect(run.result.setup?.outputTail).not.toContain('the setup ran');
    expect(run.result.tests.before).toBeNull();
    expect(run.result.commit).toBeNull();
    expect(run.result.turns).toBeGreaterThan(0);
    const events = run.events as Event[];
    expect(first(events, 'setup.run').data).toMatchObject({ passed: false });
  }, 60_000);
});
