import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkBudgets,
  DEFAULT_BUDGETS,
  MIN_OUTPUT_TOKENS_PER_CALL,
  ZERO_USAGE,
} from '../../action/budgets.js';
import { resolveInside } from '../../action/guards/paths.js';

const prices = { inputPerMTok: 3, outputPerMTok: 15, cacheWritePerMTok: 3.75, cacheReadPerMTok: 0.3 };

describe('path containment', () => {
  const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentgate-guard-')));
  const outside = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentgate-out-')));
  writeFileSync(path.join(outside, 'x'), 'x');
  mkdirSync(path.join(root, 'src'));
  symlinkSync(path.join(outside, 'x'), path.join(root, 'link'));
  symlinkSync(outside, path.join(root, 'dirlink'));
  symlinkSync(path.join(root, 'src'), path.join(root, 'inner'));

  it('allows paths inside, including ones not created yet', () => {
    expect(resolveInside(root, 'src/a.ts')).toMatchObject({ ok: true, rel: 'src/a.ts' });
    expect(resolveInside(root, 'new/dir/file.txt')).toMatchObject({ ok: true, rel: 'new/dir/file.txt' });
    expect(resolveInside(root, path.join(root, 'src'))).toMatchObject({ ok: true, rel: 'src' });
    expect(resolveInside(root, 'inner/b.ts')).toMatchObject({ ok: true, rel: 'src/b.ts' });
    expect(resolveInside(root, '.')).toMatchObject({ ok: true, rel: '.' });
  });

  it('refuses .., absolute paths elsewhere, and symlinks that lead out', () => {
    expect(resolveInside(root, '../x').ok).toBe(false);
    expect(resolveInside(root, 'src/../../x').ok).toBe(false);
    expect(resolveInside(root, '/etc/passwd').ok).toBe(false);
    expect(resolveInside(root, 'link')).toMatchObject({ ok: false });
    expect(resolveInside(root, 'dirlink/new-file')).toMatchObject({ ok: false });
    expect(resolveInside(root, 'a\0b').ok).toBe(false);
  });
});

describe('budgets are checked before each call', () => {
  it('refuses the call at max turns', () => {
    const r = checkBudgets(
      { ...DEFAULT_BUDGETS, maxTurns: 3 },
      { turns: 3, usage: ZERO_USAGE, costUsd: 0, elapsedMs: 0 },
      10,
      prices,
    );
    expect(r).toMatchObject({ ok: false, budget: 'turns' });
  });
  it('caps max_tokens to what the token budget has left', () => {
    const r = checkBudgets(
      { ...DEFAULT_BUDGETS, maxTotalTokens: 5000 },
      { turns: 0, usage: ZERO_USAGE, costUsd: 0, elapsedMs: 0 },
      1000,
      prices,
    );
    expect(r).toEqual({ ok: true, maxTokens: 4000 });
  });
  it('refuses when less than a minimal reply is affordable', () => {
    const usd = ((MIN_OUTPUT_TOKENS_PER_CALL - 1) * 15) / 1e6;
    const r = checkBudgets(
      { ...DEFAULT_BUDGETS, maxCostUsd: usd },
      { turns: 0, usage: ZERO_USAGE, costUsd: 0, elapsedMs: 0 },
      0,
      prices,
    );
    expect(r).toMatchObject({ ok: false, budget: 'cost' });
  });
  it('refuses after the time limit', () => {
    const r = checkBudgets(
      { ...DEFAULT_BUDGETS, timeoutMs: 1000 },
      { turns: 0, usage: ZERO_USAGE, costUsd: 0, elapsedMs: 1000 },
      0,
      prices,
    );
    expect(r).toMatchObject({ ok: false, budget: 'time' });
  });
});
