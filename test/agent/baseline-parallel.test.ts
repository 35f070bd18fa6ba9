// The model starts at once: a 10-second baseline test run goes beside the first model turns. Reads run
// beside it; a write waits until the baseline has seen the unchanged tree; the baseline's result reaches
// the model with the next request after it ends; the finish check waits for it; the card's before/after
// evidence is the same as a serial run's.
import { describe, expect, it } from 'vitest';
import { finalText, toolUse } from '../support/messages-server.js';
import { makeRepo } from '../support/repo.js';
import { runScripted } from '../support/session.js';

const at = (e: { data: Record<string, unknown> } & { ts?: string }) => Date.parse(String(e.ts));

describe('the baseline beside the model', () => {
  it('sends the first model request before a 10 s baseline ends; writes and the finish check wait for it', async () => {
    const repo = await makeRepo(undefined, { 'a.txt': 'one\n' });
    const run = await runScripted(
      repo,
      [
        toolUse('read_file', { path: 'a.txt' }),
        toolUse('write_file', { path: 'fixed.txt', content: 'done\n' }),
        finalText('Wrote fixed.txt.'),
      ],
      { testCommand: 'test -f fixed.txt || { sleep 10; exit 1; }' },
    );
    expect(run.result).toMatchObject({
      outcome: 'completed',
      tests: { before: { passed: false }, after: { passed: true } },
    });
    const events = run.events as { seq: number; type: string; ts: string; data: Record<string, unknown> }[];
    const start = at(events.find((e) => e.type === 'session.start') as (typeof events)[number]);
    const firstRequest = events.find((e) => e.type === 'model.request') as (typeof events)[number];
    const baseline = events.find(
      (e) => e.type === 'test.run' && e.data.phase === 'baseline',
    ) as (typeof events)[number];
    const readResult = events.find(
      (e) => e.type === 'tool.result' && e.data.name === 'read_file',
    ) as (typeof events)[number];
    const writeResult = events.find(
      (e) => e.type === 'tool.result' && e.data.name === 'write_file',
    ) as (typeof events)[number];
    const finish = events.find(
      (e) => e.type === 'test.run' && e.data.phase === 'finish-check',
    ) as (typeof events)[number];

    // The model was asked long before the 10 s baseline ended (the clone and sandbox take well under 2 s).
    expect(at(firstRequest) - start).toBeLessThan(2000);
    expect(at(baseline) - at(firstRequest)).toBeGreaterThan(8000);
    // The read ran beside the baseline; the write only after it; the finish check after it too.
    expect(readResult.seq).toBeLessThan(baseline.seq);
    expect(writeResult.seq).toBeGreaterThan(baseline.seq);
    expect(finish.seq).toBeGreaterThan(baseline.seq);
    // The baseline's result went to the model with the first request after it ended.
    const bodies = run.server.requests.map((r) => JSON.stringify(r.body));
    expect(bodies[0]).not.toContain('The baseline run of the test command');
    expect(
      bodies
        .slice(1)
        .some((b) =>
          b.includes(
            'The baseline run of the test command `test -f fixed.txt || { sleep 10; exit 1; }` on the unchanged tree has ended: red',
          ),
        ),
    ).toBe(true);
  }, 60_000);
});
