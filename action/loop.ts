// The agent loop: model call -> tool calls (each parsed, authorised, run, redacted, traced) -> repeat,
// with every budget checked before each model call and the test command as the finish check.
import { z } from 'zod';
import type { Redactor } from '../lib/redact.js';
import { invisibleNote, revealInvisible } from '../lib/unicode.js';
import {
  addUsage,
  type BudgetName,
  type Budgets,
  checkBudgets,
  costOf,
  estimateInputTokens,
  type Prices,
  timeLimitDetail,
  totalTokens,
  ZERO_USAGE,
} from './budgets.js';
import {
  boundByDeadline,
  type Clock,
  DEADLINE_STOP_NOTE,
  defaultClock,
  startDeadline,
  untilAborted,
} from './deadline.js';
import { formatIssues } from './errors.js';
import type {
  ContentBlock,
  LLMProvider,
  Message,
  ModelResponse,
  ToolResultBlock,
  ToolSpec,
  Usage,
} from './llm/types.js';
import { ProviderError } from './llm/types.js';
import { authorize } from './policy-gate.js';
import { runTestCommand, type TestRun } from './testing.js';
import type { Tool, ToolContext } from './tools/types.js';
import type { TraceWriter } from './trace/trace.js';

/** How a run ended; `commit_failed` is the run's own (the loop never ends so): the work could not be committed. */
export type Outcome =
  | 'completed'
  | 'tests_failed'
  | 'budget_exhausted'
  | 'refused'
  | 'provider_error'
  | 'commit_failed'
  | 'setup_failed';

export interface DeniedCall {
  tool: string;
  ruleId: string;
  reason: string;
}

export interface LoopConfig {
  model: string;
  prices: Prices;
  budgets: Budgets;
  system: string;
  user: string;
  tools: readonly Tool[];
  /** Its deadline, clock and signal, when set, are the session's (the time budget then counts from its start). */
  ctx: ToolContext;
  /** How many times a failing finish check is sent back to the model. */
  maxVerifyAttempts: number;
  /** Characters of failing test output sent back to the model. */
  verifyTailChars: number;
  /**
   * The baseline test run on the unchanged tree, started before the loop and not waited for: the model
   * is asked at once, reads run beside it, anything that could change the tree (writes, commands, MCP
   * calls) waits for it, its result is told to the model as soon as it is known, and the finish check
   * waits for it too. Already redacted.
   */
  baseline?: Promise<TestRun | null>;
  /**
   * The work tree's preparation still under way (a setup restored from the cache, checked before it
   * started): the model is asked at once and every tool call waits for it. It resolves to undefined
   * when the tree is ready, or to why it could not be prepared: the loop then ends `setup_failed`.
   */
  prepared?: Promise<string | undefined>;
}

export interface LoopDeps {
  provider: LLMProvider;
  trace: TraceWriter;
  redactor: Redactor;
  /** Milliseconds since some fixed point (injected for tests); `ctx.clock` when that is set. */
  now?: () => number;
}

export interface LoopResult {
  outcome: Outcome;
  budget?: BudgetName;
  detail: string;
  turns: number;
  usage: Usage;
  costUsd: number;
  deniedCalls: DeniedCall[];
  toolCalls: number;
  summary: string;
  testsAfter?: TestRun;
}

export const DEFAULT_MAX_VERIFY_ATTEMPTS = 3;
export const DEFAULT_VERIFY_TAIL_CHARS = 4000;
/** How long a tool call or finish check in flight at the deadline is waited for (its own kill lands in ms). */
export const ABORT_SETTLE_MS = 1000;

export function toolSpec(t: Tool): ToolSpec {
  const json = t.jsonSchema ?? (z.toJSONSchema(t.inputSchema, { io: 'input' }) as Record<string, unknown>);
  const { $schema: _drop, ...schema } = json;
  return { name: t.name, description: t.description, input_schema: schema };
}

function charsOf(blocks: readonly ContentBlock[]): number {
  let n = 0;
  for (const b of blocks) {
    n +=
      b.type === 'text'
        ? b.text.length
        : b.type === 'tool_result'
          ? b.content.length
          : JSON.stringify(b.input).length;
    n += 16;
  }
  return n;
}

function textOf(blocks: readonly ContentBlock[]): string {
  return blocks
    .filter((b): b is Extract<ContentBlock, { type: 'text' }> => b.type === 'text')
    .map((b) => b.text)
    .join('\n')
    .trim();
}

export async function runAgentLoop(cfg: LoopConfig, deps: LoopDeps): Promise<LoopResult> {
  const now = cfg.ctx.clock ?? deps.now ?? defaultClock;
  if (cfg.ctx.deadline !== undefined && cfg.ctx.signal) {
    return loop(cfg, deps, { now, at: cfg.ctx.deadline, signal: cfg.ctx.signal });
  }
  // No session deadline: the loop's own, from now.
  const d = startDeadline(cfg.ctx.deadline ?? now() + cfg.budgets.timeoutMs, now);
  try {
    const ctx: ToolContext = { ...cfg.ctx, deadline: d.at, clock: now, signal: d.signal };
    return await loop({ ...cfg, ctx }, deps, { now, at: d.at, signal: d.signal });
  } finally {
    d.dispose();
  }
}

/** The loop proper; `ctx` carries the deadline `at` and its `signal`. */
async function loop(
  cfg: LoopConfig,
  deps: LoopDeps,
  clock: { now: Clock; at: number; signal: AbortSignal },
): Promise<LoopResult> {
  const { now, signal } = clock;
  const elapsed = () => cfg.budgets.timeoutMs - (clock.at - now());
  const { trace, redactor, provider } = deps;
  const tools = new Map(cfg.tools.map((t) => [t.name, t]));
  const specs = cfg.tools.map(toolSpec);
  const messages: Message[] = [
    { role: 'user', content: [{ type: 'text', text: redactor.redact(cfg.user) }] },
  ];

  let usage: Usage = ZERO_USAGE;
  let costUsd = 0;
  let turns = 0;
  let toolCalls = 0;
  let verifyAttempts = 0;
  let summary = '';
  let testsAfter: TestRun | undefined;
  const deniedCalls: DeniedCall[] = [];
  // Size of the conversation at the last call, for projecting the next request.
  let lastInputTokens = estimateInputTokens(cfg.system.length + JSON.stringify(specs).length);
  let charsSinceLastCall = charsOf(messages[0]?.content ?? []);

  const result = (outcome: Outcome, detail: string, extra: Partial<LoopResult> = {}): LoopResult => ({
    outcome,
    detail,
    turns,
    usage,
    costUsd,
    deniedCalls,
    toolCalls,
    summary,
    ...(testsAfter ? { testsAfter } : {}),
    ...extra,
  });
  // The deadline passed during a tool call or a finish check: what is in flight is left to its kill.
  const timeUp = (): LoopResult => {
    const detail = timeLimitDetail(cfg.budgets);
    trace.event('budget', {
      turns,
      usage,
      costUsd,
      elapsedMs: elapsed(),
      totalTokens: totalTokens(usage),
      check: { ok: false, budget: 'time', detail },
    });
    return result('budget_exhausted', detail, { budget: 'time' });
  };

  let baselineRun: TestRun | null | undefined;
  let baselineTold = false;
  const baseline = cfg.baseline?.then((r) => {
    baselineRun = r;
    return r;
  });
  let preparing = cfg.prepared !== undefined;
  let unprepared: string | undefined;
  const prepared = cfg.prepared?.then((why) => {
    preparing = false;
    unprepared = why;
  });
  /**
   * Waits for the work tree's preparation (bounded by the deadline): true once it is ready, false when the
   * deadline came first, else why it could not be prepared.
   */
  const afterPrepared = async (): Promise<boolean | string> => {
    if (prepared && preparing && !(await untilAborted(prepared, signal, ABORT_SETTLE_MS)).ok) return false;
    return unprepared ?? true;
  };
  /** Waits for the baseline (bounded by the deadline); false when the deadline came first. */
  const afterBaseline = async (): Promise<boolean> => {
    if (!baseline || baselineRun !== undefined) return true;
    return (await untilAborted(baseline, signal, ABORT_SETTLE_MS)).ok;
  };

  for (;;) {
    if (unprepared !== undefined) {
      return result('setup_failed', `the work tree could not be prepared: ${unprepared}`);
    }
    // The baseline's result, once known, goes with the next request (after the tool results).
    if (baselineRun && !baselineTold) {
      baselineTold = true;
      const note = baselineNote(baselineRun, cfg.verifyTailChars);
      const last = messages[messages.length - 1];
      if (last?.role === 'user') {
        last.content = [...last.content, note];
        charsSinceLastCall += charsOf([note]);
      }
    }
    const estInput = lastInputTokens + estimateInputTokens(charsSinceLastCall);
    const state = { turns, usage, costUsd, elapsedMs: elapsed() };
    const check = checkBudgets(cfg.budgets, state, estInput, cfg.prices);
    trace.event('budget', { ...state, totalTokens: totalTokens(usage), estInputTokens: estInput, check });
    if (!check.ok) {
      return result('budget_exhausted', check.detail, { budget: check.budget });
    }

    const request = {
      model: cfg.model,
      system: cfg.system,
      messages,
      tools: specs,
      maxTokens: check.maxTokens,
    };
    trace.event('model.request', {
      turn: turns + 1,
      model: cfg.model,
      maxTokens: check.maxTokens,
      messages: messages.length,
      lastMessage: messages[messages.length - 1],
    });
    const t0 = now();
    let response: ModelResponse;
    try {
      response = await provider.createMessage(request, {
        signal,
        onRetry: (e) => trace.event('model.retry', e),
      });
    } catch (e) {
      if (signal.aborted) return timeUp();
      const msg = e instanceof Error ? e.message : String(e);
      trace.event('model.error', { message: msg, status: e instanceof ProviderError ? e.status : undefined });
      return result('provider_error', msg);
    }
    turns++;
    usage = addUsage(usage, response.usage);
    costUsd += costOf(cfg.prices, response.usage);
    lastInputTokens =
      response.usage.inputTokens +
      response.usage.cacheReadInputTokens +
      response.usage.cacheCreationInputTokens +
      response.usage.outputTokens;
    charsSinceLastCall = 0;
    trace.event('model.response', {
      turn: turns,
      id: response.id,
      stopReason: response.stopReason,
      usage: response.usage,
      costUsd,
      latencyMs: Math.round(now() - t0),
      content: response.content,
    });
    messages.push({ role: 'assistant', content: response.content });
    const text = textOf(response.content);
    if (text) summary = text;

    const uses = response.content.filter((b) => b.type === 'tool_use');
    if (uses.length === 0) {
      if (response.stopReason === 'refusal') return result('refused', 'the model refused the task');
      if (response.stopReason === 'max_tokens') {
        const nudge: ContentBlock[] = [
          { type: 'text', text: 'Your reply was cut off at the output limit. Continue.' },
        ];
        messages.push({ role: 'user', content: nudge });
        charsSinceLastCall += charsOf(nudge);
        continue;
      }
      // The finish check: the model says it is done; the tests decide.
      if (!cfg.ctx.testCommand || !cfg.ctx.sandbox) {
        return result('completed', 'the model finished; no test command is configured');
      }
      // The before evidence first: the finish check never runs beside the baseline.
      if (!(await afterBaseline())) return timeUp();
      const bound = boundByDeadline(cfg.ctx.limits.maxCommandTimeoutS * 1000, cfg.ctx);
      if (bound.ms <= 0) return timeUp();
      const settled = await untilAborted(
        runTestCommand(cfg.ctx.sandbox, cfg.ctx.testCommand, bound.ms, cfg.verifyTailChars),
        signal,
        ABORT_SETTLE_MS,
      );
      if (!settled.ok) return timeUp();
      const run = settled.value;
      run.outputTail = redactor.redact(run.outputTail);
      testsAfter = run;
      const cut = bound.cut && run.timedOut;
      trace.event('test.run', {
        phase: 'finish-check',
        attempt: verifyAttempts + 1,
        ...run,
        ...(cut ? { stoppedByDeadline: true } : {}),
      });
      if (cut) return timeUp();
      if (run.passed) return result('completed', 'the model finished and the tests pass');
      verifyAttempts++;
      if (verifyAttempts > cfg.maxVerifyAttempts) {
        return result('tests_failed', `tests still fail after ${cfg.maxVerifyAttempts} finish check(s)`);
      }
      // Test output is text the repository controls: hidden characters in it are shown as escapes.
      const tail = revealInvisible(run.outputTail);
      const back: ContentBlock[] = [
        {
          type: 'text',
          text:
            `You said you were done, but the test command \`${run.command}\` failed ` +
            `(exit code ${run.exitCode}${run.timedOut ? ', timed out' : ''}). Fix the failure, then finish again.\n` +
            `Last ${run.outputTail.length} characters of output:\n${tail.text}${tail.revealed > 0 ? `\n${invisibleNote(tail)}` : ''}`,
        },
      ];
      messages.push({ role: 'user', content: back });
      charsSinceLastCall += charsOf(back);
      continue;
    }

    const results: ToolResultBlock[] = [];
    for (const use of uses) {
      toolCalls++;
      trace.event('tool.call', { id: use.id, name: use.name, input: use.input });
      // The deadline ends the call: a command's timeout is cut to it; anything else is not waited for.
      const settled = await untilAborted(
        callTool(cfg, tools, use.name, use.input, trace, deniedCalls, afterBaseline, afterPrepared),
        signal,
        ABORT_SETTLE_MS,
      );
      if (!settled.ok) {
        trace.event('tool.result', {
          id: use.id,
          name: use.name,
          isError: true,
          aborted: true,
          preview: DEADLINE_STOP_NOTE,
        });
        return timeUp();
      }
      const r = settled.value;
      const content = redactor.redact(r.content);
      trace.event('tool.result', {
        id: use.id,
        name: use.name,
        isError: r.isError === true,
        chars: content.length,
        preview: content.slice(0, 500),
        ...(r.meta ? { meta: r.meta } : {}),
      });
      for (const c of r.changes ?? []) trace.event('file.change', { tool: use.name, ...c });
      results.push({
        type: 'tool_result',
        tool_use_id: use.id,
        content,
        ...(r.isError ? { is_error: true } : {}),
      });
      // No new call once the deadline has passed.
      if (signal.aborted) return timeUp();
    }
    messages.push({ role: 'user', content: results });
    charsSinceLastCall += charsOf(results);
  }
}

async function callTool(
  cfg: LoopConfig,
  tools: Map<string, Tool>,
  name: string,
  input: unknown,
  trace: TraceWriter,
  deniedCalls: DeniedCall[],
  afterBaseline: () => Promise<boolean>,
  afterPrepared: () => Promise<boolean | string>,
): Promise<{
  content: string;
  isError?: boolean;
  changes?: import('./tools/types.js').FileChange[];
  meta?: Record<string, unknown>;
}> {
  const tool = tools.get(name);
  if (!tool) {
    return {
      content: `unknown tool '${name}'. Available tools: ${[...tools.keys()].join(', ')}`,
      isError: true,
    };
  }
  const parsed = tool.inputSchema.safeParse(input);
  if (!parsed.success) {
    return { content: `invalid input for ${name}: ${formatIssues(parsed.error)}`, isError: true };
  }
  const needs = tool.requests(parsed.data);
  const decision = authorize(cfg.ctx.policy, cfg.ctx.workDir, name, needs);
  trace.event('policy.decision', {
    tool: name,
    allowed: decision.allowed,
    ruleId: decision.ruleId,
    reason: decision.reason,
    checks: decision.checks.map((c) => ({ allowed: c.allowed, ruleId: c.ruleId, request: c.request })),
  });
  if (!decision.allowed) {
    deniedCalls.push({ tool: name, ruleId: decision.ruleId, reason: decision.reason });
    return { content: `denied by policy rule '${decision.ruleId}': ${decision.reason}`, isError: true };
  }
  // Nothing runs on a tree still being prepared.
  const ready = await afterPrepared();
  if (ready === false) {
    return { content: 'the session ran out of time before the work tree was prepared', isError: true };
  }
  if (typeof ready === 'string')
    return { content: `the work tree could not be prepared: ${ready}`, isError: true };
  // Reads run beside the baseline; what could change the tree waits until it has seen the tree as it was.
  const changes = (needs.write?.length ?? 0) > 0 || needs.command !== undefined || needs.mcp !== undefined;
  if (changes && !(await afterBaseline())) {
    return { content: 'the session ran out of time before the baseline test run ended', isError: true };
  }
  try {
    return await tool.run(parsed.data, cfg.ctx);
  } catch (e) {
    return { content: `${name} failed: ${e instanceof Error ? e.message : String(e)}`, isError: true };
  }
}

/** What the model is told of the baseline test run, once it has ended. */
function baselineNote(run: TestRun, tailChars: number): ContentBlock {
  const tail = revealInvisible(run.outputTail.slice(-tailChars));
  return {
    type: 'text',
    text:
      `The baseline run of the test command \`${run.command}\` on the unchanged tree has ended: ` +
      `${run.passed ? 'green' : 'red'} (exit code ${run.exitCode}${run.timedOut ? ', timed out' : ''}, ${(run.durationMs / 1000).toFixed(1)} s).\n` +
      `Last ${tail.text.length} characters of its output:\n${tail.text}${tail.revealed > 0 ? `\n${invisibleNote(tail)}` : ''}`,
  };
}
