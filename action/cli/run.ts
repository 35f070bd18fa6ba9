import { readFile } from 'node:fs/promises';
import { DEFAULT_BUDGETS } from '../budgets.js';
import { UsageError } from '../errors.js';
import { createAnthropicProvider } from '../llm/anthropic.js';
import { DEFAULT_MODEL, loadPriceOverrides, resolvePrices } from '../llm/pricing.js';
import type { LLMProvider } from '../llm/types.js';
import { exitCodeFor, type RunResult, runSession } from '../run.js';
import { intFlag, numberFlag, parseFlags } from './args.js';
import { loadPolicyOption } from './policy.js';

export const RUN_HELP = `Usage: agentgate run --repo DIR (--task TEXT | --task-file FILE) [options]

Runs the agent on a task in a private clone of DIR, on a new branch agentgate/<slug>-<id>.
Your checkout and current branch are never modified; the branch is added to DIR at the end.

  --repo DIR           the git repository to work on (required)
  --task TEXT          the task, as text
  --task-file FILE     the task, from a file
  --model M            model id (default ${DEFAULT_MODEL})
  --policy FILE        policy file (default: the built-in pack, policies/default.yml)
  --test-command CMD   test command: run before (red), as the finish check, and at the end
  --out DIR            where trace.jsonl, patch.diff and result.json go (default agentgate-out)
  --base REF           the commit to start from (default HEAD)
  --max-turns N        model calls at most (default ${DEFAULT_BUDGETS.maxTurns})
  --max-tokens N       total tokens at most (default ${DEFAULT_BUDGETS.maxTotalTokens})
  --max-cost USD       cost at most, in USD (default ${DEFAULT_BUDGETS.maxCostUsd})
  --timeout S          wall-clock limit in seconds (default ${DEFAULT_BUDGETS.timeoutMs / 1000})
  --prices FILE        JSON prices in USD per million tokens, over the built-in table:
                       {"<model>": {"inputPerMTok": 3, "outputPerMTok": 15}} (cache prices optional)
  --json               print result.json to stdout instead of the summary

Environment: ANTHROPIC_API_KEY (required), ANTHROPIC_BASE_URL (optional).

Exit codes: 0 finished with tests green (or none configured); 1 finished red or a budget ran
out (the work is kept on the branch and in --out); 2 usage, configuration or provider error.`;

export interface RunCommandDeps {
  env: NodeJS.ProcessEnv;
  out: (s: string) => void;
  err: (s: string) => void;
  /** Replaces the Anthropic provider (tests). */
  provider?: LLMProvider;
  /** Ends long-running commands (`runner launch`); default: SIGINT or SIGTERM. */
  signal?: AbortSignal;
}

export async function runCommand(argv: string[], deps: RunCommandDeps): Promise<number> {
  const { values } = parseFlags('run', argv, {
    repo: { type: 'string' },
    task: { type: 'string' },
    'task-file': { type: 'string' },
    model: { type: 'string' },
    policy: { type: 'string' },
    'test-command': { type: 'string' },
    out: { type: 'string' },
    base: { type: 'string' },
    'max-turns': { type: 'string' },
    'max-tokens': { type: 'string' },
    'max-cost': { type: 'string' },
    timeout: { type: 'string' },
    prices: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    deps.out(RUN_HELP);
    return 0;
  }
  if (!values.repo) throw new UsageError('--repo is required (the git repository to work on)');
  if ((values.task === undefined) === (values['task-file'] === undefined)) {
    throw new UsageError('exactly one of --task TEXT or --task-file FILE is required');
  }
  let task = values.task ?? '';
  if (values['task-file'] !== undefined) {
    task = await readFile(values['task-file'], 'utf8').catch((e: Error) => {
      throw new UsageError(`--task-file: cannot read '${values['task-file']}': ${e.message}`);
    });
  }
  if (task.trim() === '')
    throw new UsageError(`${values.task !== undefined ? '--task' : '--task-file'}: the task is empty`);

  const model = values.model ?? DEFAULT_MODEL;
  let overrides = {};
  if (values.prices !== undefined) {
    const text = await readFile(values.prices, 'utf8').catch((e: Error) => {
      throw new UsageError(`--prices: cannot read '${values.prices}': ${e.message}`);
    });
    try {
      overrides = loadPriceOverrides(JSON.parse(text));
    } catch (e) {
      throw new UsageError(`--prices: ${values.prices}: ${(e as Error).message}`);
    }
  }
  let prices: ReturnType<typeof resolvePrices>;
  try {
    prices = resolvePrices(model, overrides);
  } catch (e) {
    throw new UsageError(`--model: ${(e as Error).message}`);
  }
  const policy = await loadPolicyOption(values.policy);
  const timeoutS = numberFlag('timeout', values.timeout, 1);
  const budgets = {
    maxTurns: intFlag('max-turns', values['max-turns'], 1) ?? DEFAULT_BUDGETS.maxTurns,
    maxTotalTokens: intFlag('max-tokens', values['max-tokens'], 1) ?? DEFAULT_BUDGETS.maxTotalTokens,
    maxCostUsd: numberFlag('max-cost', values['max-cost'], 0) ?? DEFAULT_BUDGETS.maxCostUsd,
    timeoutMs: timeoutS !== undefined ? timeoutS * 1000 : DEFAULT_BUDGETS.timeoutMs,
  };
  if (!deps.provider && !deps.env.ANTHROPIC_API_KEY) {
    throw new UsageError('ANTHROPIC_API_KEY is not set (the Anthropic API key the agent uses)');
  }
  const provider = deps.provider ?? createAnthropicProvider({ env: deps.env });

  const result = await runSession(
    {
      repo: values.repo,
      task,
      model,
      policy,
      prices,
      testCommand: values['test-command'] || undefined,
      outDir: values.out ?? 'agentgate-out',
      budgets,
      base: values.base ?? 'HEAD',
    },
    { provider, env: deps.env, log: (l) => deps.err(`agentgate: ${l}`) },
  );
  deps.out(values.json ? JSON.stringify(result, null, 2) : summarize(result));
  return exitCodeFor(result);
}

function testLine(t: RunResult['tests']['before']): string {
  if (!t) return 'not run';
  return `${t.passed ? 'green' : 'red'} (exit ${t.exitCode}, ${t.durationMs} ms)`;
}

export function summarize(r: RunResult): string {
  return [
    `outcome:  ${r.outcome}${r.budget ? ` (budget: ${r.budget})` : ''} — ${r.detail}`,
    `branch:   ${r.branch}${r.commit ? ` @ ${r.commit.slice(0, 12)}` : ' (no changes)'}`,
    `turns:    ${r.turns}, tool calls: ${r.toolCalls}, denied: ${r.deniedCalls.length}`,
    `tokens:   ${r.usage.inputTokens} in / ${r.usage.outputTokens} out, cost $${r.costUsd.toFixed(4)}`,
    `tests:    ${r.tests.command ?? '(none configured)'}${r.tests.command ? `: before ${testLine(r.tests.before)}, after ${testLine(r.tests.after)}` : ''}`,
    ...r.deniedCalls.map((d) => `denied:   ${d.tool}: ${d.reason}`),
    ...r.warnings.map((w) => `warning:  ${w}`),
    `files:    ${r.files.trace}, ${r.files.patch}, ${r.files.result}`,
  ].join('\n');
}
