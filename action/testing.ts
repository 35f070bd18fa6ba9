// Running the configured test command: the evidence (red at the start, green or red at the end).
import type { Sandbox } from './sandbox/index.js';

export interface TestRun {
  command: string;
  exitCode: number | null;
  passed: boolean;
  timedOut: boolean;
  durationMs: number;
  /** Bounded tail of the output (already redacted by the caller before it is stored or sent). */
  outputTail: string;
}

export async function runTestCommand(
  sandbox: Sandbox,
  command: string,
  timeoutMs: number,
  tailChars: number,
): Promise<TestRun> {
  const r = await sandbox.run(command, { timeoutMs, maxOutputBytes: Math.max(tailChars, 4096) });
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
