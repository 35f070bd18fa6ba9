// The warm pool's bookkeeping, with launches that are plain promises: replacement, the size bound,
// backoff after failures, and stopping.
import { describe, expect, it } from 'vitest';
import { runPool } from '../../runner-image/launcher/pool.js';

describe('the warm pool', () => {
  it('replaces each finished VM until maxVms, with at most `size` up at once', async () => {
    let up = 0;
    let peak = 0;
    const pool = await runPool({
      size: 3,
      maxVms: 10,
      launch: async (slot) => {
        up++;
        peak = Math.max(peak, up);
        await new Promise((r) => setTimeout(r, 5 + slot));
        up--;
        return slot;
      },
    });
    expect(pool).toMatchObject({ launched: 10, failed: 0, peak: 3 });
    expect(peak).toBe(3);
    expect(pool.results).toHaveLength(10);
  });

  it('backs off after a failed launch, doubling to the cap, and counts the failures', async () => {
    const waits: number[] = [];
    let calls = 0;
    const errors: unknown[] = [];
    const pool = await runPool({
      size: 1,
      maxVms: 5,
      backoffMs: 100,
      maxBackoffMs: 300,
      sleep: async (ms) => {
        waits.push(ms);
      },
      onError: (_, e) => errors.push(e),
      launch: async () => {
        calls++;
        if (calls <= 4) throw new Error(`boot ${calls} failed`);
        return 'ok';
      },
    });
    expect(waits).toEqual([100, 200, 300, 300]);
    expect(pool).toMatchObject({ launched: 5, failed: 4, results: ['ok'] });
    expect(errors.map(String)).toEqual([
      'Error: boot 1 failed',
      'Error: boot 2 failed',
      'Error: boot 3 failed',
      'Error: boot 4 failed',
    ]);
  });

  it('stops starting VMs when the signal aborts, and lets the running ones finish', async () => {
    const stop = new AbortController();
    let launched = 0;
    const pool = await runPool({
      size: 2,
      signal: stop.signal,
      launch: async () => {
        launched++;
        if (launched === 3) stop.abort();
        await new Promise((r) => setTimeout(r, 5));
        return launched;
      },
    });
    expect(pool.launched).toBe(3);
    expect(pool.results).toHaveLength(3);
  });

  it('refuses a size that is not a whole number of at least 1', async () => {
    await expect(runPool({ size: 0, launch: async () => 1 })).rejects.toThrow(
      /pool size: expected a whole number >= 1, got 0/,
    );
  });
});
