// Budgets are checked BEFORE each model call, so none can be overrun: the next call's output is capped to
// what the token and cost budgets have left, and no call is made when that is too little.
import type { Usage } from './llm/types.js';

export type BudgetName = 'turns' | 'tokens' | 'cost' | 'time';

export interface Budgets {
  maxTurns: number;
  maxTotalTokens: number;
  maxCostUsd: number;
  timeoutMs: number;
}

export const DEFAULT_BUDGETS: Budgets = {
  maxTurns: 40,
  maxTotalTokens: 2_000_000,
  maxCostUsd: 5,
  timeoutMs: 30 * 60_000,
};

/** Output tokens for one model call, at most. */
export const MAX_OUTPUT_TOKENS_PER_CALL = 8192;
/** A call that could only produce fewer output tokens than this is not worth making. */
export const MIN_OUTPUT_TOKENS_PER_CALL = 256;

export interface Prices {
  inputPerMTok: number;
  outputPerMTok: number;
  cacheWritePerMTok: number;
  cacheReadPerMTok: number;
}

export interface BudgetState {
  turns: number;
  usage: Usage;
  costUsd: number;
  elapsedMs: number;
}

export type BudgetCheck = { ok: true; maxTokens: number } | { ok: false; budget: BudgetName; detail: string };

/** Why a session stopped on the wall clock. */
export function timeLimitDetail(b: Pick<Budgets, 'timeoutMs'>): string {
  return `reached the time limit (${Math.round(b.timeoutMs / 1000)} s)`;
}

export function totalTokens(u: Usage): number {
  return u.inputTokens + u.outputTokens + u.cacheReadInputTokens + u.cacheCreationInputTokens;
}

/** A deliberately high estimate of the input tokens of a request of `chars` characters. */
export function estimateInputTokens(chars: number): number {
  return Math.ceil(chars / 3) + 16;
}

/**
 * Decides whether the next model call may be made, and with how many output tokens at most.
 * `estInputTokens` is the projected size of the next request.
 */
export function checkBudgets(
  b: Budgets,
  s: BudgetState,
  estInputTokens: number,
  prices: Prices,
): BudgetCheck {
  if (s.turns >= b.maxTurns) {
    return { ok: false, budget: 'turns', detail: `reached max turns (${b.maxTurns})` };
  }
  if (s.elapsedMs >= b.timeoutMs) return { ok: false, budget: 'time', detail: timeLimitDetail(b) };
  let maxTokens = MAX_OUTPUT_TOKENS_PER_CALL;
  const tokensLeft = b.maxTotalTokens - totalTokens(s.usage) - estInputTokens;
  maxTokens = Math.min(maxTokens, tokensLeft);
  if (maxTokens < MIN_OUTPUT_TOKENS_PER_CALL) {
    return {
      ok: false,
      budget: 'tokens',
      detail: `token budget ${b.maxTotalTokens} would be exceeded (used ${totalTokens(s.usage)}, next request ~${estInputTokens} input tokens)`,
    };
  }
  const usdLeft = b.maxCostUsd - s.costUsd - (estInputTokens * prices.inputPerMTok) / 1e6;
  const affordable =
    prices.outputPerMTok > 0 ? Math.floor((usdLeft * 1e6) / prices.outputPerMTok) : maxTokens;
  maxTokens = Math.min(maxTokens, affordable);
  if (maxTokens < MIN_OUTPUT_TOKENS_PER_CALL) {
    return {
      ok: false,
      budget: 'cost',
      detail: `cost budget $${b.maxCostUsd} would be exceeded (spent $${s.costUsd.toFixed(4)})`,
    };
  }
  return { ok: true, maxTokens };
}

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadInputTokens: a.cacheReadInputTokens + b.cacheReadInputTokens,
    cacheCreationInputTokens: a.cacheCreationInputTokens + b.cacheCreationInputTokens,
  };
}

export const ZERO_USAGE: Usage = {
  inputTokens: 0,
  outputTokens: 0,
  cacheReadInputTokens: 0,
  cacheCreationInputTokens: 0,
};

export function costOf(p: Prices, u: Usage): number {
  return (
    (u.inputTokens * p.inputPerMTok +
      u.outputTokens * p.outputPerMTok +
      u.cacheCreationInputTokens * p.cacheWritePerMTok +
      u.cacheReadInputTokens * p.cacheReadPerMTok) /
    1e6
  );
}
