// The CLI as its tests run it: `main` in process, its stdout and stderr collected.
import { main } from '../../action/cli/main.js';
import type { RunCommandDeps } from '../../action/cli/run.js';

export interface CliRun {
  code: number;
  /** stdout and stderr, each joined with newlines. */
  out: string;
  err: string;
  /** What was written to stdout, one call at a time. */
  outLines: string[];
}

/** Runs `agentgate <argv>` with process.env unless `deps` says otherwise. */
export async function runCli(
  argv: string[],
  deps: Partial<Omit<RunCommandDeps, 'out' | 'err'>> = {},
): Promise<CliRun> {
  const outLines: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    env: process.env,
    ...deps,
    out: (s) => outLines.push(s),
    err: (s) => err.push(s),
  });
  return { code, out: outLines.join('\n'), err: err.join('\n'), outLines };
}
