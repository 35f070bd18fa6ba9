// run_command and run_tests: both run in the sandbox, never in the action's own environment.
import { z } from 'zod';
import { invisibleNote, revealInvisible } from '../../lib/unicode.js';
import { boundByDeadline, DEADLINE_STOP_NOTE } from '../deadline.js';
import type { CommandResult } from '../sandbox/index.js';
import type { Tool, ToolContext, ToolResult } from './types.js';

export function formatCommandResult(command: string, r: CommandResult): string {
  const status = r.timedOut
    ? `timed out after ${Math.round(r.durationMs / 1000)} s (process tree killed)`
    : r.signal
      ? `killed by ${r.signal}`
      : `exit code ${r.exitCode}`;
  // Invisible Unicode in the output is shown as \u{XXXX} escapes, with a note under the status line.
  const out = revealInvisible(r.output);
  const note = out.revealed > 0 ? `\n${invisibleNote(out)}` : '';
  return `$ ${command}\n${out.text}${out.text.endsWith('\n') || out.text === '' ? '' : '\n'}[${status}, ${Math.round(r.durationMs)} ms]${note}`;
}

/** Runs one command line in the session's sandbox and reports it as a tool result. */
async function runSandboxed(ctx: ToolContext, command: string, timeoutS: number): Promise<ToolResult> {
  if (!ctx.sandbox) throw new Error('commands are disabled: no sandbox is available for this session');
  // The session's deadline bounds every command: its timeout is cut to the time left.
  const bound = boundByDeadline(timeoutS * 1000, ctx);
  if (bound.ms <= 0) return { content: `$ ${command}\n[not run: ${DEADLINE_STOP_NOTE}]`, isError: true };
  const r = await ctx.sandbox.run(command, {
    timeoutMs: bound.ms,
    maxOutputBytes: ctx.limits.maxResultChars,
  });
  const stopped = bound.cut && r.timedOut;
  return {
    content: formatCommandResult(command, r) + (stopped ? `\n[${DEADLINE_STOP_NOTE}]` : ''),
    isError: r.exitCode !== 0,
    meta: {
      exitCode: r.exitCode,
      timedOut: r.timedOut,
      truncated: r.truncated,
      durationMs: Math.round(r.durationMs),
      ...(stopped ? { stoppedByDeadline: true } : {}),
    },
  };
}

const runCommandInput = z.object({
  command: z.string().min(1).describe('A shell command line, run with bash in the repository root.'),
  timeout_s: z.number().int().min(1).optional().describe('Timeout in seconds.'),
});

export const runCommandTool: Tool<typeof runCommandInput> = {
  name: 'run_command',
  description:
    'Run a shell command in the repository root inside a sandbox (no network unless allowed, no credentials). ' +
    'Output is combined stdout/stderr, truncated if long.',
  inputSchema: runCommandInput,
  requests: (i) => ({ command: i.command }),
  run: (i, ctx) =>
    runSandboxed(
      ctx,
      i.command,
      Math.min(i.timeout_s ?? ctx.limits.defaultCommandTimeoutS, ctx.limits.maxCommandTimeoutS),
    ),
};

const runTestsInput = z.object({});

export const runTestsTool: Tool<typeof runTestsInput> = {
  name: 'run_tests',
  description: "Run the repository's configured test command in the sandbox and return its result.",
  inputSchema: runTestsInput,
  requests: () => ({}),
  async run(_i, ctx): Promise<ToolResult> {
    if (!ctx.testCommand) return { content: 'no test command is configured for this session', isError: true };
    return runSandboxed(ctx, ctx.testCommand, ctx.limits.maxCommandTimeoutS);
  },
};
