import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createRedactor } from '../../lib/redact.js';
import { isAlwaysSecretEnvName } from '../../policies/index.js';
import { DEFAULT_BUDGETS } from '../budgets.js';
import { messageOf, UsageError } from '../errors.js';
import { createAnthropicProvider, DEFAULT_RETRY_WINDOW_MS } from '../llm/anthropic.js';
import { DEFAULT_MODEL, loadPriceOverrides, resolvePrices } from '../llm/pricing.js';
import type { LLMProvider } from '../llm/types.js';
import { exitCodeFor, type RunResult, type RunSettings, runSession } from '../run.js';
import { DEFAULT_OUT_DIR, type Kept, type RunError, recordRunError } from '../run-output.js';
import { cliSetupCache } from '../warm-state.js';
import { intFlag, numberFlag, parseFlags } from './args.js';
import { loadPolicyOption } from './policy-option.js';

export const RUN_HELP = `Usage: agentgate run --repo DIR (--task TEXT | --task-file FILE) [options]

Runs the agent on a task in a private clone of DIR, on a new branch agentgate/<slug>-<id>.
Your checkout and current branch are never modified; the branch is added to DIR at the end.

  --repo DIR           the git repository to work on (required)
  --task TEXT          the task, as text
  --task-file FILE     the task, from a file
  --model M            model id (default ${DEFAULT_MODEL})
  --policy FILE        policy file (default: the built-in pack, policies/default.yml)
  --test-command CMD   test command: run before (red), as the finish check, and at the end
  --setup CMD          run once in the sandbox before everything else (e.g. 'npm ci'); if it fails
                       the run ends setup_failed before any model call
  --out DIR            where trace.jsonl, patch.diff and result.json go (default ${DEFAULT_OUT_DIR})
  --base REF           the commit to start from (default HEAD)
  --max-turns N        model calls at most (default ${DEFAULT_BUDGETS.maxTurns})
  --max-tokens N       total tokens at most (default ${DEFAULT_BUDGETS.maxTotalTokens})
  --max-cost USD       cost at most, in USD (default ${DEFAULT_BUDGETS.maxCostUsd})
  --timeout S          wall-clock limit in seconds (default ${DEFAULT_BUDGETS.timeoutMs / 1000})
  --model-retry S      how long to keep retrying the model API on 429, 529 and 5xx, in seconds
                       (default ${DEFAULT_RETRY_WINDOW_MS / 1000}; never beyond --timeout)
  --prices FILE        JSON prices in USD per million tokens, over the built-in table:
                       {"<model>": {"inputPerMTok": 3, "outputPerMTok": 15}} (cache prices optional)
  --json               print result.json to stdout instead of the summary

Environment: ANTHROPIC_API_KEY (required), ANTHROPIC_BASE_URL (optional).

Exit codes: 0 finished with tests green (or none configured); 1 finished red or a budget ran
out (the work is kept on the branch and in --out); 2 usage, configuration or provider error.
Every exit but --help writes result.json to --out (outcome 'error' with the message and what
was kept when the run stopped early); the error message names the files kept.`;

export interface RunCommandDeps {
  env: NodeJS.ProcessEnv;
  out: (s: string) => void;
  err: (s: string) => void;
  /** Replaces the Anthropic provider (tests). */
  provider?: LLMProvider;
  /** Ends long-running commands (`runner launch`); default: SIGINT or SIGTERM. */
  signal?: AbortSignal;
}

/**
 * `agentgate run`. Whatever happens after the flags are read, result.json is written to --out (the default
 * when --out itself cannot be read) and the error names what was kept; see recordRunError.
 */
export async function runCommand(argv: string[], deps: RunCommandDeps): Promise<number> {
  const outDir = outDirOf(argv);
  let result: RunResult;
  let json = false;
  try {
    const parsed = await parseRunFlags(argv);
    if (parsed === 'help') {
      deps.out(RUN_HELP);
      return 0;
    }
    json = parsed.json;
    if (!deps.provider && !deps.env.ANTHROPIC_API_KEY) {
      throw new UsageError('ANTHROPIC_API_KEY is not set (the Anthropic API key the agent uses)');
    }
    const provider =
      deps.provider ?? createAnthropicProvider({ env: deps.env, retryWindowMs: parsed.retryWindowMs });
    result = await runSession(parsed.settings, {
      provider,
      env: deps.env,
      log: (l) => deps.err(`agentgate: ${l}`),
    });
  } catch (e) {
    // The policy may not have loaded: redact the environment's secrets as the policy language names them.
    const redactor = createRedactor({ env: deps.env, alwaysSecretEnv: isAlwaysSecretEnvName });
    const failure = recordRunError(e, { outDir, redactor });
    throw new Error(failureMessage(failure));
  }
  deps.out(json ? JSON.stringify(result, null, 2) : summarize(result));
  const code = exitCodeFor(result);
  if (code === 2) deps.err(`agentgate: error: ${withKept(result.detail, result.kept, result.files.result)}`);
  return code;
}

/** --out as given, read leniently so that result.json has a place even when other flags are wrong. */
function outDirOf(argv: string[]): string {
  try {
    const { values } = parseArgs({
      args: argv,
      options: { out: { type: 'string' } },
      strict: false,
      allowPositionals: true,
    });
    return typeof values.out === 'string' && values.out !== '' ? values.out : DEFAULT_OUT_DIR;
  } catch {
    return DEFAULT_OUT_DIR;
  }
}

async function parseRunFlags(
  argv: string[],
): Promise<'help' | { settings: RunSettings; json: boolean; retryWindowMs: number }> {
  const { values } = parseFlags('run', argv, {
    repo: { type: 'string' },
    task: { type: 'string' },
    'task-file': { type: 'string' },
    model: { type: 'string' },
    policy: { type: 'string' },
    'test-command': { type: 'string' },
    setup: { type: 'string' },
    out: { type: 'string' },
    base: { type: 'string' },
    'max-turns': { type: 'string' },
    'max-tokens': { type: 'string' },
    'max-cost': { type: 'string' },
    timeout: { type: 'string' },
    'model-retry': { type: 'string' },
    prices: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) return 'help';
  if (values.out === '') throw new UsageError('--out: expected a directory, got an empty string');
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
  const retryS = numberFlag('model-retry', values['model-retry'], 0);
  return {
    json: values.json ?? false,
    retryWindowMs: retryS !== undefined ? retryS * 1000 : DEFAULT_RETRY_WINDOW_MS,
    settings: {
      repo: values.repo,
      task,
      model,
      policy,
      prices,
      testCommand: values['test-command'] || undefined,
      ...(values.setup ? { setupCommand: values.setup } : {}),
      setupCache: await cliSetupCache(values.repo, process.env),
      outDir: values.out ?? DEFAULT_OUT_DIR,
      budgets,
      base: values.base ?? 'HEAD',
    },
  };
}

/** A path as the user would type it: relative to the current directory when inside it. */
function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

function listed(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** `message; kept the branch B, out/patch.diff, out/trace.jsonl and out/result.json`. */
function withKept(message: string, kept: Kept, resultFile: string | undefined): string {
  const items = [
    ...(kept.branch ? [`the branch ${kept.branch}`] : []),
    ...[kept.patch, kept.trace, resultFile].filter((f): f is string => f !== undefined).map(shown),
  ];
  const text = message.replace(/[.\s]+$/, '');
  return items.length > 0 ? `${text}; kept ${listed(items)}` : text;
}

/** The error as the CLI prints it: what went wrong, then what exists (or why result.json is not there). */
export function failureMessage(e: RunError): string {
  const kept = withKept(messageOf(e), e.result.kept, e.resultFile);
  if (e.notWritten === undefined) return kept;
  return e.outDirFailed
    ? `${kept}; result.json could not be written`
    : `${kept}; result.json could not be written: ${e.notWritten}`;
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
