// Runs one agent session in-process against a scripted Messages server through the real Anthropic SDK.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAnthropicProvider } from '../../action/llm/anthropic.js';
import { resolvePrices } from '../../action/llm/pricing.js';
import { type RunResult, type RunSettings, runSession } from '../../action/run.js';
import { loadDefaultPolicy } from '../../policies/index.js';
import { parsePolicy } from '../../policies/loader.js';
import { type ScriptedServer, type ScriptStep, startScriptedServer } from './messages-server.js';

export const TEST_MODEL = 'claude-sonnet-4-6';

export interface SessionRun {
  result: RunResult;
  server: ScriptedServer;
  out: string;
  trace: string;
  events: { seq: number; type: string; data: Record<string, unknown> }[];
}

export async function runScripted(
  repo: string,
  steps: ScriptStep[],
  opts: Partial<RunSettings> & { policyText?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<SessionRun> {
  const server = await startScriptedServer(steps);
  const out = mkdtempSync(path.join(os.tmpdir(), 'agentgate-out-'));
  try {
    const { policyText, env, ...rest } = opts;
    const policy = policyText ? parsePolicy(policyText, 'test-policy.yml') : loadDefaultPolicy();
    const result = await runSession(
      {
        repo,
        task: 'Fix the bug.',
        model: TEST_MODEL,
        policy,
        prices: resolvePrices(TEST_MODEL, {}),
        testCommand: undefined,
        outDir: out,
        base: 'HEAD',
        budgets: { maxTurns: 20, maxTotalTokens: 1_000_000, maxCostUsd: 10, timeoutMs: 60_000 },
        ...rest,
      },
      {
        provider: createAnthropicProvider({
          apiKey: 'sk-ant-test-0000000000000000',
          baseURL: server.url,
          timeoutMs: 5000,
          maxRetries: 1,
          backoff: { initialMs: 1, maxMs: 5 },
        }),
        env: env ?? process.env,
      },
    );
    const trace = readFileSync(path.join(out, 'trace.jsonl'), 'utf8');
    const events = trace
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    return { result, server, out, trace, events };
  } finally {
    await server.close();
  }
}

export function toolResults(server: ScriptedServer): { content: string; is_error?: boolean }[] {
  const out: { content: string; is_error?: boolean }[] = [];
  const seen = new Set<string>();
  for (const r of server.requests) {
    for (const m of r.body.messages as { role: string; content: unknown }[]) {
      if (m.role !== 'user' || !Array.isArray(m.content)) continue;
      for (const b of m.content as {
        type: string;
        tool_use_id?: string;
        content?: string;
        is_error?: boolean;
      }[]) {
        if (b.type === 'tool_result' && b.tool_use_id && !seen.has(b.tool_use_id)) {
          seen.add(b.tool_use_id);
          out.push({ content: String(b.content), ...(b.is_error ? { is_error: true } : {}) });
        }
      }
    }
  }
  return out;
}
