import { describe, expect, it } from 'vitest';
import { costOf } from '../../action/budgets.js';
import { DEFAULT_MODEL, loadPriceOverrides, PRICES, resolvePrices } from '../../action/llm/pricing.js';

describe('price table', () => {
  it('knows the default model', () => {
    expect(resolvePrices(DEFAULT_MODEL, {})).toEqual(PRICES[DEFAULT_MODEL]);
  });

  it('resolves a dated model id to its family', () => {
    expect(resolvePrices('claude-haiku-4-5-20251001', {})).toEqual({
      inputPerMTok: 1,
      outputPerMTok: 5,
      cacheWritePerMTok: 1.25,
      cacheReadPerMTok: 0.1,
    });
  });

  it('refuses an unknown model and says how to price it', () => {
    expect(() => resolvePrices('claude-imaginary-9', {})).toThrow(
      /no price known for model 'claude-imaginary-9'; give one with --prices FILE/,
    );
  });

  it('lets an override replace a built-in price or add a model', () => {
    const o = loadPriceOverrides({
      [DEFAULT_MODEL]: { inputPerMTok: 1, outputPerMTok: 2 },
      'my-proxy-model': { inputPerMTok: 4, outputPerMTok: 8, cacheWritePerMTok: 0, cacheReadPerMTok: 0 },
    });
    expect(resolvePrices(DEFAULT_MODEL, o)).toEqual({
      inputPerMTok: 1,
      outputPerMTok: 2,
      cacheWritePerMTok: 1.25,
      cacheReadPerMTok: 0.1,
    });
    expect(resolvePrices('my-proxy-model', o).inputPerMTok).toBe(4);
  });

  it('names the field at fault in a bad price file', () => {
    expect(() => loadPriceOverrides({ m: { inputPerMTok: -1, outputPerMTok: 2 } })).toThrow(
      /^m\.inputPerMTok: /,
    );
    expect(() => loadPriceOverrides({ m: { inputPerMTok: 1 } })).toThrow(
      /^m\.outputPerMTok: .*expected an object of model id/,
    );
    expect(() => loadPriceOverrides({ m: { inputPerMTok: 1, outputPerMTok: 1, input: 3 } })).toThrow(/^m: /);
    expect(() => loadPriceOverrides([])).toThrow(/^\(top level\): /);
  });

  it('costs usage by token kind', () => {
    const p = resolvePrices('claude-sonnet-4-6', {});
    const usd = costOf(p, {
      inputTokens: 1_000_000,
      outputTokens: 100_000,
      cacheReadInputTokens: 1_000_000,
      cacheCreationInputTokens: 1_000_000,
    });
    // 3 + 1.5 + 0.30 + 3.75
    expect(usd).toBeCloseTo(8.55, 10);
  });
});
