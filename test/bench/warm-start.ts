// Warm starts, as ratios in one run:
// 1. session start → first model request, with a 10 s test suite against no test command at all: the
//    difference must stay within 0.3 s (the model does not wait for the baseline);
// 2. the setup on a second run with the same lockfile against the first run's: restored from the cache,
//    at most 20% of the first run's setup time.
// Real sessions: a git repository, the default policy's bubblewrap sandbox, the Anthropic SDK over HTTP
// to a local scripted server.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAnthropicProvider } from '../../action/llm/anthropic.js';
import { resolvePrices } from '../../action/llm/pricing.js';
import type { LLMProvider } from '../../action/llm/types.js';
import { type RunSettings, runSession } from '../../action/run.js';
import { localCacheBackend } from '../../action/setup-cache.js';
import { DEFAULT_POLICY_TEXT } from '../../policies/index.js';
import { parsePolicy } from '../../policies/loader.js';
import { finalText, startScriptedServer } from '../support/messages-server.js';
import { makeRepo } from '../support/repo.js';
import { median } from './stats.js';

const MODEL = 'claude-sonnet-4-6';
const ROUNDS = 3;

async function session(
  repo: string,
  extra: Partial<RunSettings>,
  policyText = DEFAULT_POLICY_TEXT,
): Promise<{ firstRequestMs: number; setupMs: number; totalMs: number }> {
  const server = await startScriptedServer([finalText(), finalText(), finalText()]);
  const sdk = createAnthropicProvider({ apiKey: 'sk-ant-bench-000000000000', baseURL: server.url });
  const started = performance.now();
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
    return { firstRequestMs: first, setupMs: r.setup?.durationMs ?? 0, totalMs: performance.now() - started };
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
  for (let i = 0; i < ROUNDS; i++) {
    const repoN = await makeRepo(undefined, files);
    const store = localCacheBackend(
      `bench-${i}`,
      mkdtempSync(path.join(os.tmpdir(), 'agentgate-bench-cache-')),
    );
    firsts.push((await session(repoN, { setupCommand: setup, setupCache: store }, policyText)).setupMs);
    seconds.push((await session(repoN, { setupCommand: setup, setupCache: store }, policyText)).setupMs);
  }
  const ratio = median(seconds) / median(firsts);
  process.stdout.write(
    `warm start: setup median ${median(firsts).toFixed(0)} ms on the first run, ${median(seconds).toFixed(0)} ms restored from the cache on the second, 2,000 files (x${ratio.toFixed(2)}; goal <= x0.20: ${ratio <= 0.2 ? 'met' : 'NOT met'})\n`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
