// Running the configured test command: the evidence (red at the start, green or red at the end).
import { within } from './deadline.js';
import type { Sandbox } from './sandbox/index.js';

/** How long a test run is waited for past its timeout (its kill normally lands in milliseconds). */
export const TEST_KILL_WAIT_MS = 500;

export interface TestRun {
  command: string;
  exitCode: number | null;
  passed: boolean;
  timedOut: boolean;
  durationMs: number;
  /** Bounded tail of the output (already redacted by the caller before it is stored or sent). */
  outputTail: string;
}

/** Runs the test command; never waits more than `timeoutMs` plus TEST_KILL_WAIT_MS for it. */
export async function runTestCommand(
  sandbox: Sandbox,
  command: string,
  timeoutMs: number,
  tailChars: number,
): Promise<TestRun> {
  const started = performance.now();
  const run = sandbox.run(command, { timeoutMs, maxOutputBytes: Math.max(tailChars, 4096) });
  const settled = await within(run, timeoutMs + TEST_KILL_WAIT_MS);
  if (!settled.ok) {
    // Something it started holds its output open past the kill; the sandbox's disposal ends it.
    return {
      command,
      exitCode: null,
      passed: false,
      timedOut: true,
      durationMs: Math.round(performance.now() - started),
      outputTail: `[no result ${TEST_KILL_WAIT_MS} ms after the ${timeoutMs} ms timeout; left to be killed]`,
    };
  }
  const r = settled.value;
  const out = r.output.length > tailChars ? r.output.slice(-tailChars) : r.output;
  return {
    command,
    exitCode: r.exitCode,
    passed: r.exitCode === 0 && !r.timedOut,
    timedOut: r.timedOut,
    durationMs: Math.round(r.durationMs),
    outputTail: out,
  };
}
