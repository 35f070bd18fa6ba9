// Warm starts, as ratios in one run:
// 1. session start → first model request, with a 10 s test suite against no test command at all: the
//    difference must stay within 0.3 s (the model does not wait for the baseline);
// 2. the setup on a second run with the same lockfile against the first run's: restored from the cache,
//    the session waits at most 20% of the first run's setup time (the files are written beside the
//    model; that time is reported too);
// 3. a job on a warm runner (agentgate warm baked the mirror and the setup) against a cold one, from the
//    job's start (the clone) to the first model request: at most 30%.
// Real sessions: a git repository, the default policy's bubblewrap sandbox, the Anthropic SDK over HTTP
// to a local scripted server.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAnthropicProvider } from '../../action/llm/anthropic.js';
import { resolvePrices } from '../../action/llm/pricing.js';
import type { LLMProvider } from '../../action/llm/types.js';
import { type RunSettings, runSession } from '../../action/run.js';
import { localCacheBackend } from '../../action/setup-cache.js';
import { bake } from '../../action/warm.js';
import { warmStateFor, withWarmCache } from '../../action/warm-state.js';
import { execFile } from '../../lib/exec.js';
import { DEFAULT_POLICY_TEXT } from '../../policies/index.js';
import { parsePolicy } from '../../policies/loader.js';
import { finalText, startScriptedServer } from '../support/messages-server.js';
import { commitEverything, makeRepo } from '../support/repo.js';
import { median } from './stats.js';

const MODEL = 'claude-sonnet-4-6';
const ROUNDS = 3;

async function session(
  repo: string,
  extra: Partial<RunSettings>,
  policyText = DEFAULT_POLICY_TEXT,
  started = performance.now(),
): Promise<{ firstRequestMs: number; setupMs: number; setupWaitMs: number; totalMs: number }> {
  const server = await startScriptedServer([finalText(), finalText(), finalText()]);
  const sdk = createAnthropicProvider({ apiKey: 'sk-ant-bench-000000000000', baseURL: server.url });
  let first = 0;
  const provider: LLMProvider = {
    name: sdk.name,
    createMessage(req, opts) {
      if (first === 0) first = performance.now() - started;
      return sdk.createMessage(req, opts);
    },
  };
  try {
    const r = await runSession(
      {
        repo,
        task: 'Say you are done.',
        model: MODEL,
        policy: parsePolicy(policyText, 'bench-policy.yml'),
        prices: resolvePrices(MODEL, {}),
        testCommand: undefined,
        outDir: mkdtempSync(path.join(os.tmpdir(), 'agentgate-bench-out-')),
        base: 'HEAD',
        budgets: { maxTurns: 5, maxTotalTokens: 1_000_000, maxCostUsd: 10, timeoutMs: 120_000 },
        maxVerifyAttempts: 0,
        ...extra,
      },
      { provider },
    );
    const setupMs = r.setup?.durationMs ?? 0;
    return {
      firstRequestMs: first,
      setupMs,
      setupWaitMs: r.setup?.waitedMs ?? setupMs,
      totalMs: performance.now() - started,
    };
  } finally {
    await server.close();
  }
}

export async function main(): Promise<void> {
  // 1. The first model request does not wait for the suite.
  const repo = await makeRepo(undefined, { 'a.txt': 'one\n' });
  const none: number[] = [];
  const slow: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    none.push((await session(repo, {})).firstRequestMs);
    slow.push((await session(repo, { testCommand: 'sleep 10' })).firstRequestMs);
  }
  const diff = median(slow) - median(none);
  process.stdout.write(
    `warm start: first model request at median ${median(none).toFixed(0)} ms with no test command, ${median(slow).toFixed(0)} ms with a 10 s suite (+${diff.toFixed(0)} ms; goal <= +300 ms: ${diff <= 300 ? 'met' : 'NOT met'})\n`,
  );

  // 2. The setup's second run on the same lockfile restores its directories.
  const files: Record<string, string> = {
    '.gitignore': 'deps/\n',
    'package-lock.json': '{ "lockfileVersion": 3 }\n',
  };
  const setup =
    'sleep 2 && mkdir -p deps && for d in $(seq 1 40); do mkdir deps/p$d; for f in $(seq 1 50); do echo "module $d $f" > deps/p$d/f$f.js; done; done';
  const policyText = DEFAULT_POLICY_TEXT.replace(
    /^ {4}paths: \[\]\n {4}keyFiles:/m,
    '    paths: [deps]\n    keyFiles:',
  );
  const firsts: number[] = [];
  const seconds: number[] = [];
  const waits: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const repoN = await makeRepo(undefined, files);
    const store = localCacheBackend(
      `bench-${i}`,
      mkdtempSync(path.join(os.tmpdir(), 'agentgate-bench-cache-')),
    );
    firsts.push((await session(repoN, { setupCommand: setup, setupCache: store }, policyText)).setupMs);
    const second = await session(repoN, { setupCommand: setup, setupCache: store }, policyText);
    seconds.push(second.setupMs);
    waits.push(second.setupWaitMs);
  }
  // What the second session spends on its setup is what it waits for (the key, the fetch, the check):
  // the files are written beside the model. Writing them is reported too.
  const ratio = median(waits) / median(firsts);
  const writing = median(seconds) / median(firsts);
  process.stdout.write(
    `warm start: setup median ${median(firsts).toFixed(0)} ms on the first run; the second, restored from the cache, waits ${median(waits).toFixed(0)} ms and writes its 2,000 files beside the model in ${median(seconds).toFixed(0)} ms (x${ratio.toFixed(2)} waited, x${writing.toFixed(2)} with the writing; goal <= x0.20 spent: ${ratio <= 0.2 ? 'met' : 'NOT met'})\n`,
  );

  // 3. A job on a warm runner against a cold one: clone + setup + session start, to the first request.
  const origin = await makeRepo(undefined, files);
  for (let i = 0; i < 200; i++) {
    writeFileSync(path.join(origin, `src-${i % 40}.txt`), `${'line\n'.repeat(400)}${i}\n`);
    await commitEverything(origin, `change ${i}`);
  }
  const bare = path.join(mkdtempSync(path.join(os.tmpdir(), 'agentgate-bench-origin-')), 'app.git');
  await execFile('git', ['clone', '-q', '--bare', origin, bare], { env: process.env });
  const warmDir = mkdtempSync(path.join(os.tmpdir(), 'agentgate-bench-warm-'));
  await bake({
    source: bare,
    ref: 'HEAD',
    into: warmDir,
    policy: parsePolicy(policyText, 'bench-policy.yml'),
    setupCommand: setup,
    env: process.env,
    log: () => {},
  });
  const state = warmStateFor(warmDir, `file://${bare}`);
  const colds: number[] = [];
  const warms: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const job = async (warm: boolean) => {
      const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'agentgate-bench-job-')), 'job');
      const t0 = performance.now();
      const reference = warm ? ['--reference', path.join(warmDir, 'repo.git')] : [];
      await execFile('git', ['clone', '-q', ...reference, `file://${bare}`, dir], { env: process.env });
      const own = localCacheBackend(
        `job-${i}-${warm}`,
        mkdtempSync(path.join(os.tmpdir(), 'agentgate-bench-own-')),
      );
      const r = await session(
        dir,
        { setupCommand: setup, setupCache: warm ? withWarmCache(state, own) : own },
        policyText,
        t0,
      );
      return r.firstRequestMs;
    };
    colds.push(await job(false));
    warms.push(await job(true));
  }
  const warmRatio = median(warms) / median(colds);
  process.stdout.write(
    `warm start: a job reaches the first model request at median ${median(colds).toFixed(0)} ms cold, ${median(warms).toFixed(0)} ms on a warm runner (clone --reference and the baked setup, restored beside the model; 200 commits, 2,000 setup files) (x${warmRatio.toFixed(2)}; goal <= x0.30: ${warmRatio <= 0.3 ? 'met' : 'NOT met'})\n`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
