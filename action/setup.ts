// Preparing the work tree before the agent: the setup command, run once in the sandbox — with the
// setup's own extra network, which the agent's commands never get — or, when the directories it makes
// are cached under the same key (lockfiles, command, OS, CPU), restored from the cache instead. A
// successful setup's directories are saved for the next run. A cache that cannot be read, refuses a
// check or cannot be saved costs only the time: the setup runs, and the problem is a note.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SetupPolicy } from '../policies/index.js';
import { within } from './deadline.js';
import { messageOf } from './errors.js';
import { createSandbox, type Sandbox, type SandboxConfig } from './sandbox/index.js';
import {
  BACKGROUND_WRITES,
  CACHE_LIMITS,
  checkArchive,
  checkTargetsFree,
  packCache,
  restoreCache,
  type SetupCacheBackend,
  setupCacheKey,
} from './setup-cache.js';
import { runTestCommand, type TestRun } from './testing.js';

/** The setup command's own bound (an install from a cold cache), within the session's deadline. */
export const SETUP_TIMEOUT_MS = 15 * 60_000;
/** How long the setup's sandbox is waited for when it ends (what it leaves running is killed). */
const DISPOSE_WAIT_MS = 1000;

export interface SetupCacheRecord {
  /** Where entries are kept. */
  backend: string;
  key?: string;
  /** The key files that went into the key. */
  keyFiles?: string[];
  hit: boolean;
  /** The archive restored or saved. */
  bytes?: number;
  /** Why nothing was restored or saved, when that was not a plain miss. */
  note?: string;
}

/** The setup's run (or its restore) as the test runs are recorded, plus what the cache did. */
export type SetupRun = TestRun & {
  cache?: SetupCacheRecord;
  /**
   * For a restore beside the model: the milliseconds the session waited for it (the key, the fetch and
   * the check) before it went on; the rest of durationMs was spent beside the model.
   */
  waitedMs?: number;
};

export interface PrepareOptions {
  workDir: string;
  command: string;
  policy: SetupPolicy;
  /**
   * The work tree's sandbox as the agent gets it. The setup runs in a sandbox of its own made from it,
   * which also reaches the policy's setup.allowedDomains, and is ended before this returns (only one
   * sandbox at a time may hold the network proxy, and the agent's starts after).
   */
  sandbox: SandboxConfig;
  /** How a sandbox is started (default createSandbox). */
  open?: (cfg: SandboxConfig) => Promise<Sandbox>;
  cache?: SetupCacheBackend;
  timeoutMs: number;
  tailChars: number;
  log: (line: string) => void;
}

export async function prepareWorkTree(o: PrepareOptions): Promise<SetupRun> {
  return (await startPrepare(o)).done;
}

/** A preparation started: `done` settles when the work tree is ready (never rejects). */
export interface PrepareStart {
  done: Promise<SetupRun>;
  /**
   * True when `done` is a restore from the cache still under way. Its archive was checked entry by entry
   * before it started, so only the disk can still fail it (then `done` is a failed run saying so).
   */
  background: boolean;
}

/**
 * Starts preparing the work tree. A setup that must run (no cache, a miss, an entry refused) runs to
 * its end before this returns. A cache hit is checked, then, with `background`, extracted while the
 * caller goes on (the session asks the model meanwhile; its tools wait for `done`).
 */
export async function startPrepare(o: PrepareOptions & { background?: boolean }): Promise<PrepareStart> {
  const started = performance.now();
  const paths = o.policy.cache.paths;
  let record: SetupCacheRecord | undefined;
  let key: string | undefined;
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'agentgate-setup-'));
  const archive = path.join(scratch, 'cache.tar');
  const cleanUp = () => rm(scratch, { recursive: true, force: true });
  let handedOver = false;
  try {
    if (o.cache && paths.length > 0) {
      const k = await setupCacheKey({
        workDir: o.workDir,
        command: o.command,
        paths,
        keyFiles: o.policy.cache.keyFiles,
      });
      if ('none' in k) record = { backend: o.cache.name, hit: false, note: `not cached: ${k.none}` };
      else {
        key = k.key;
        record = { backend: o.cache.name, key, keyFiles: k.keyFiles, hit: false };
        try {
          if (await o.cache.restore(key, archive)) {
            await checkTargetsFree(o.workDir, paths);
            const checked = await checkArchive(archive, paths);
            const hit: SetupCacheRecord = { ...record, hit: true, bytes: checked.bytes };
            const waited = o.background ? { waitedMs: Math.round(performance.now() - started) } : {};
            const restoring = restoreCache(
              o.workDir,
              paths,
              archive,
              CACHE_LIMITS,
              o.background ? BACKGROUND_WRITES : undefined,
            ).then(
              (r): SetupRun => {
                const durationMs = Math.round(performance.now() - started);
                o.log(
                  `setup: restored ${paths.join(', ')} from ${hit.backend} (${r.entries} entries, ${durationMs} ms)`,
                );
                return {
                  command: o.command,
                  exitCode: 0,
                  passed: true,
                  timedOut: false,
                  durationMs,
                  ...waited,
                  outputTail: `restored ${paths.join(', ')} from the cache (key ${key}); the setup command did not run`,
                  cache: hit,
                };
              },
              (e: unknown): SetupRun => ({
                command: o.command,
                exitCode: null,
                passed: false,
                timedOut: false,
                durationMs: Math.round(performance.now() - started),
                ...waited,
                outputTail: `the restore of ${paths.join(', ')} from the cache (key ${key}) failed: ${messageOf(e)}`,
                cache: { ...hit, note: `the restore failed: ${messageOf(e)}` },
              }),
            );
            if (o.background) {
              handedOver = true;
              return { done: restoring.finally(cleanUp), background: true };
            }
            const run = await restoring;
            if (run.passed) return { done: Promise.resolve(run), background: false };
            // Serial: what was written is gone (restoreCache removes it); the setup runs instead.
            record = { ...record, note: run.cache?.note ?? 'the restore failed' };
            o.log(`setup: ${record.note}`);
          }
        } catch (e) {
          record = { ...record, note: `the cache entry was not used: ${messageOf(e)}` };
          o.log(`setup: ${record.note}`);
        }
      }
    }

    const sandbox = await (o.open ?? createSandbox)({
      ...o.sandbox,
      tmpDir: path.join(scratch, 'tmp'),
      allowedDomains: [...new Set([...o.sandbox.allowedDomains, ...o.policy.allowedDomains])],
    });
    let run: TestRun;
    try {
      run = await runTestCommand(sandbox, o.command, o.timeoutMs, o.tailChars);
    } finally {
      await within(sandbox.dispose(), DISPOSE_WAIT_MS);
    }
    if (run.passed && o.cache && key && record) {
      try {
        const packed = await packCache(o.workDir, paths, archive);
        if (packed.entries === 0)
          record = { ...record, note: `not saved: the setup made none of ${paths.join(', ')}` };
        else {
          await o.cache.save(key, archive);
          record = { ...record, bytes: packed.bytes };
          o.log(`setup: saved ${paths.join(', ')} to ${o.cache.name} (${packed.bytes} bytes)`);
        }
      } catch (e) {
        record = { ...record, note: `not saved: ${messageOf(e)}` };
        o.log(`setup: the cache was ${record.note}`);
      }
    }
    return { done: Promise.resolve({ ...run, ...(record ? { cache: record } : {}) }), background: false };
  } finally {
    if (!handedOver) await cleanUp();
  }
}
