// The nightly hunter's decisions: one PR per test (a second night finds the first night's PR or
// branch), the PR and cost budget across tests, no model call for a test that is not reproduced, and
// the summary and evidence texts.
import { describe, expect, it } from 'vitest';
import {
  evidenceTable,
  flakyBranch,
  type NightCandidate,
  nightSummary,
  planNight,
} from '../../action/flaky/nightly.js';

const candidate = (
  id: string,
  verdict: NightCandidate['confirmed']['verdict'],
  failures = 7,
): NightCandidate => ({
  id,
  found: { runs: 5, failures: 2, source: 'sweep' },
  confirmed: {
    verdict,
    runs: 20,
    failures: verdict === 'not-reproduced' ? 0 : verdict === 'broken' ? 20 : failures,
  },
});

const limits = {
  openPrHeads: new Map<string, number>(),
  remoteBranches: new Set<string>(),
  maxPrs: 2,
  maxCostUsd: 5,
  defaultCostUsd: 1,
};

describe('the nightly plan', () => {
  it('names a fix branch after the test, the same every night', () => {
    const b = flakyBranch('checkout.test.mjs::cart > applies the discount once');
    expect(b).toMatch(/^agentgate\/flaky-checkout-test-mjs-cart-applies-the-disco-[0-9a-f]{8}$/);
    expect(flakyBranch('checkout.test.mjs::cart > applies the discount once')).toBe(b);
    expect(flakyBranch('checkout.test.mjs::cart > applies the discount twice')).not.toBe(b);
  });

  it('fixes confirmed tests within the budget, never a second PR for the same test', () => {
    const cs = [
      candidate('a.test.ts::one', 'flaky'),
      candidate('b.test.ts::two', 'not-reproduced'),
      candidate('c.test.ts::three', 'broken'),
      candidate('d.test.ts::four', 'flaky'),
      candidate('e.test.ts::five', 'flaky'),
    ];
    const first = planNight(cs, limits);
    expect(first.map((d) => d.decision.kind)).toEqual([
      'fix',
      'not-reproduced',
      'broken',
      'fix',
      'over-budget',
    ]);
    // The second night: the first night's PR is open, the other's branch still exists.
    const heads = new Map([[flakyBranch('a.test.ts::one'), 41]]);
    const second = planNight(cs, {
      ...limits,
      openPrHeads: heads,
      remoteBranches: new Set([flakyBranch('d.test.ts::four')]),
    });
    expect(second.map((d) => d.decision.kind)).toEqual([
      'open-pr',
      'not-reproduced',
      'broken',
      'branch-exists',
      'fix',
    ]);
    expect(second[0]?.decision).toMatchObject({ pr: 41 });
    // The cost budget binds before the PR count does.
    const dear = planNight(cs, { ...limits, maxPrs: 10, maxCostUsd: 2.5, defaultCostUsd: 1.2 });
    expect(dear.filter((d) => d.decision.kind === 'fix')).toHaveLength(2);
    expect(dear.at(-1)?.decision).toMatchObject({
      kind: 'over-budget',
      why: expect.stringMatching(/\$3\.60 would pass the night's \$2\.50/),
    });
  });

  it('summarises every candidate with its rates and what happened', () => {
    const cs = [candidate('a.test.ts::one', 'flaky', 14), candidate('b.test.ts::two', 'not-reproduced')];
    const md = nightSummary(cs, planNight(cs, limits));
    expect(md).toContain(
      '| `a.test.ts::one` | 2/5 failed (sweep) | 14/20 failed (70%) | fix attempted on `agentgate/flaky-a-test-ts-one-',
    );
    expect(md).toContain(
      '| `b.test.ts::two` | 2/5 failed (sweep) | 0/20 failed (0%) | not reproduced alone: recorded, no model call |',
    );
  });

  it('shows the before/after evidence and how to reproduce', () => {
    const md = evidenceTable({
      id: 'checkout.test.mjs::cart > applies the discount once',
      before: { runs: 20, failures: 14 },
      after: { runs: 50, passes: 50, suitePassed: true },
      signatures: [{ signature: 'AssertionError: stale cache on run <n>', count: 14 }],
      reproduce: "npx vitest run checkout.test.mjs -t 'applies the discount once'",
    });
    expect(md).toContain('| before (base) | 20 | 14/20 failed |');
    expect(md).toContain('| after (this PR) | 50 | 50/50 passed, then the whole suite passed |');
    expect(md).toContain('- 14× `AssertionError: stale cache on run <n>`');
    expect(md).toContain('Test: `checkout.test.mjs::cart > applies the discount once`');
    expect(md).toContain(
      "Reproduce (the test alone; rerun it to see the flake): `npx vitest run checkout.test.mjs -t 'applies the discount once'`",
    );
    // Output from the test is untrusted: a backtick cannot close the code span.
    const hostile = evidenceTable({
      id: 't',
      before: { runs: 20, failures: 3 },
      after: { runs: 50, passes: 0, suitePassed: true, quarantined: true },
      signatures: [{ signature: 'boom ` @octocat <img src=x>', count: 3 }],
      reproduce: 'x',
    });
    expect(hostile).toContain('- 3× ``boom ` @octocat <img src=x>``');
    expect(hostile).toContain(
      '| after (this PR) | — | quarantined: the test is skipped, then the whole suite passed |',
    );
  });
});
