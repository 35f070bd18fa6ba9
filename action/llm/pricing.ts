// Per-model prices in USD per million tokens, for the cost budget and the cost reported in results.
// Source: Anthropic's published model pricing (5-minute cache writes). A user overrides or adds
// models with a JSON file (`--prices`), so a price change never needs a release.
import { z } from 'zod';
import type { Prices } from '../budgets.js';

export const DEFAULT_MODEL = 'claude-sonnet-4-6';

const tier = (input: number, output: number, cacheReadShare = 0.1): Prices => ({
  inputPerMTok: input,
  outputPerMTok: output,
  cacheWritePerMTok: input * 1.25,
  cacheReadPerMTok: input * cacheReadShare,
});

/**
 * Keyed by model id without a date suffix; dated ids (`claude-haiku-4-5-20251001`) resolve to their
 * family. Where the published price has tiers by prompt size, the higher tier is listed, so the cost
 * budget errs on the safe side.
 */
export const PRICES: Readonly<Record<string, Prices>> = {
  'claude-fable-5-1': tier(10, 50, 0.025),
  'claude-mythos-5-1': tier(10, 50, 0.025),
  'claude-fable-5': tier(10, 50),
  'claude-mythos-5': tier(10, 50),
  'claude-opus-5-5': tier(4, 20, 0.05),
  'claude-opus-5': tier(5, 25),
  'claude-opus-4-8': tier(5, 25),
  'claude-opus-4-7': tier(5, 25),
  'claude-opus-4-6': tier(5, 25),
  'claude-opus-4-5': tier(5, 25),
  'claude-opus-4-1': tier(15, 75),
  'claude-opus-4-0': tier(15, 75),
  'claude-opus-4': tier(15, 75),
  'claude-sonnet-5-5': tier(2, 10, 0.05),
  'claude-sonnet-5': tier(2, 10),
  'claude-sonnet-4-6': tier(3, 15),
  'claude-sonnet-4-5': tier(3, 15),
  'claude-sonnet-4-0': tier(3, 15),
  'claude-sonnet-4': tier(3, 15),
  'claude-3-7-sonnet': tier(3, 15),
  'claude-haiku-5-5': tier(0.5, 2.5),
  'claude-haiku-4-5': tier(1, 5),
  'claude-3-5-haiku': tier(0.8, 4),
};

const pricesSchema = z.strictObject({
  inputPerMTok: z.number().nonnegative(),
  outputPerMTok: z.number().nonnegative(),
  cacheWritePerMTok: z.number().nonnegative().optional(),
  cacheReadPerMTok: z.number().nonnegative().optional(),
});

const overridesSchema = z.record(z.string().min(1), pricesSchema);

export type PriceOverrides = Record<string, Prices>;

/**
 * Validates a price file: `{ "<model id>": { "inputPerMTok": 3, "outputPerMTok": 15,
 * "cacheWritePerMTok"?: 3.75, "cacheReadPerMTok"?: 0.3 } }`. Missing cache prices default to
 * 1.25x and 0.1x the input price. Throws an Error naming the field and what was expected.
 */
export function loadPriceOverrides(json: unknown): PriceOverrides {
  const parsed = overridesSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    throw new Error(
      `${where}: ${issue?.message ?? 'invalid'} (expected an object of model id -> { inputPerMTok, outputPerMTok, cacheWritePerMTok?, cacheReadPerMTok? } in USD per million tokens)`,
    );
  }
  const out: PriceOverrides = {};
  for (const [model, p] of Object.entries(parsed.data)) {
    out[model] = {
      inputPerMTok: p.inputPerMTok,
      outputPerMTok: p.outputPerMTok,
      cacheWritePerMTok: p.cacheWritePerMTok ?? p.inputPerMTok * 1.25,
      cacheReadPerMTok: p.cacheReadPerMTok ?? p.inputPerMTok * 0.1,
    };
  }
  return out;
}

const DATE_SUFFIX = /-(\d{8}|latest)$/;

function lookup(table: Readonly<Record<string, Prices>>, model: string): Prices | undefined {
  if (Object.hasOwn(table, model)) return table[model];
  const family = model.replace(DATE_SUFFIX, '');
  if (family !== model && Object.hasOwn(table, family)) return table[family];
  return undefined;
}

/**
 * The prices of `model`: an override for the exact id or its family first, then the built-in
 * table. An unknown model is an error, so the cost budget can never silently be zero.
 */
export function resolvePrices(model: string, overrides: PriceOverrides): Prices {
  const found = lookup(overrides, model) ?? lookup(PRICES, model);
  if (found) return found;
  throw new Error(
    `no price known for model '${model}'; give one with --prices FILE ({"${model}": {"inputPerMTok": N, "outputPerMTok": N}}) or use one of: ${Object.keys(PRICES).join(', ')}`,
  );
}
