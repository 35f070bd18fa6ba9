// Per-turn overhead of the agent loop with a zero-latency model: budget check, trace (redacted,
// hash-chained, fsync-free append), policy decision, a read_file tool call, result redaction.
// Two models: in-process (the loop alone) and the real SDK over HTTP to a local scripted server.
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_BUDGETS } from '../../action/budgets.js';
import { createAnthropicProvider } from '../../action/llm/anthropic.js';
import { resolvePrices } from '../../action/llm/pricing.js';
import type { LLMProvider, ModelResponse } from '../../action/llm/types.js';
import { runAgentLoop } from '../../action/loop.js';
import { DEFAULT_TOOL_LIMITS } from '../../action/run.js';
import { BUILTIN_TOOLS } from '../../action/tools/index.js';
import { TraceWriter } from '../../action/trace/trace.js';
import { createRedactor } from '../../lib/redact.js';
import { isAlwaysSecretEnvName, loadDefaultPolicy } from '../../policies/index.js';
import { type ScriptStep, startScriptedServer } from '../support/messages-server.js';
import { median, p90 } from './stats.js';

const TURNS = 200;
const MODEL = 'claude-sonnet-4-6';

function step(n: number): ModelResponse {
  return {
    id: `msg_${n}`,
    model: MODEL,
    content: [{ type: 'tool_use', id: `toolu_${n}`, name: 'read_file', input: { path: 'src/a.ts' } }],
    stopReason: 'tool_use',
    usage: { inputTokens: 10, outputTokens: 10, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
  };
}

async function measure(provider: LLMProvider, label: string): Promise<{ median: number; p90: number }> {
  const work = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentgate-bench-')));
  mkdirSync(path.join(work, 'src'));
  writeFileSync(path.join(work, 'src/a.ts'), 'export const a = 1;\n'.repeat(50));
  const redactor = createRedactor({ env: process.env, alwaysSecretEnv: isAlwaysSecretEnvName });
  const trace = TraceWriter.open(path.join(work, 'trace.jsonl'), redactor);
  const stamps: number[] = [];
  const timed: LLMProvider = {
    name: provider.name,
    async createMessage(req, opts) {
      stamps.push(performance.now());
      return provider.createMessage(req, opts);
    },
  };
  await runAgentLoop(
    {
      model: MODEL,
      prices: resolvePrices(MODEL, {}),
      budgets: { ...DEFAULT_BUDGETS, maxTurns: TURNS, maxCostUsd: 1000, maxTotalTokens: 1e12 },
      system: 'bench',
      user: 'bench',
      tools: BUILTIN_TOOLS,
      ctx: {
        workDir: work,
        policy: loadDefaultPolicy().policy,
        sandbox: undefined,
        testCommand: undefined,
        limits: DEFAULT_TOOL_LIMITS,
      },
      maxVerifyAttempts: 0,
      verifyTailChars: 1000,
    },
    { provider: timed, trace, redactor },
  );
  trace.close();
  const gaps = stamps.slice(1).map((t, i) => t - (stamps[i] ?? t));
  const warm = gaps.slice(20);
  const r = { median: median(warm), p90: p90(warm) };
  process.stdout.write(
    `loop overhead (${label}): median ${r.median.toFixed(2)} ms/turn, p90 ${r.p90.toFixed(2)} ms over ${warm.length} turns\n`,
  );
  return r;
}

export async function main(): Promise<void> {
  let n = 0;
  const inProcess: LLMProvider = { name: 'in-process', createMessage: async () => step(n++) };
  await measure(inProcess, 'in-process model, loop only');

  const steps: ScriptStep[] = Array.from({ length: TURNS }, () => ({
    kind: 'message',
    content: [{ type: 'tool_use', name: 'read_file', input: { path: 'src/a.ts' } }],
    usage: { input_tokens: 10, output_tokens: 10 },
  }));
  const server = await startScriptedServer(steps);
  try {
    await measure(
      createAnthropicProvider({ apiKey: 'sk-ant-bench-000000000000', baseURL: server.url }),
      'real SDK over HTTP to a local scripted server',
    );
  } finally {
    await server.close();
  }
  process.stdout.write('goal: <= 20 ms per turn\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
