// Tools are data: a name, a description, a zod input schema and a run function.
// The loop parses input with the schema, asks the policy gate, then runs; failures become error results.
import type { z } from 'zod';
import type { Decision, Policy, PolicyRequest } from '../../policies/index.js';
import type { Clock } from '../deadline.js';
import type { Sandbox } from '../sandbox/index.js';

export interface ToolContext {
  /** Absolute, realpath'd root of the agent's work tree. */
  workDir: string;
  policy: Policy;
  sandbox: Sandbox | undefined;
  /** The configured test command for run_tests, if any. */
  testCommand: string | undefined;
  limits: ToolLimits;
  /** When the session's time budget runs out, on `clock`'s scale: every wait is cut to the time left. */
  deadline?: number;
  /** The clock `deadline` is on (default performance.now). */
  clock?: Clock;
  /** Fires at the deadline: in-flight work (an MCP call) ends. */
  signal?: AbortSignal;
}

export interface ToolLimits {
  /** Bound on the text a tool returns to the model. */
  maxResultChars: number;
  /** Default and maximum command timeouts. */
  defaultCommandTimeoutS: number;
  maxCommandTimeoutS: number;
}

export interface FileChange {
  path: string;
  beforeSha256: string | null;
  afterSha256: string | null;
}

export interface ToolResult {
  content: string;
  isError?: boolean;
  /** Files this call changed (for the trace). */
  changes?: FileChange[];
  /** Extra facts for the trace (exit code, duration, truncation...). */
  meta?: Record<string, unknown>;
}

export interface Tool<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  inputSchema: S;
  /** The JSON Schema sent to the model, when it is not derived from inputSchema (MCP tools). */
  jsonSchema?: Record<string, unknown>;
  /** What the policy must allow for this call (besides the tool itself). Paths are as the model gave them. */
  requests(input: z.infer<S>): ToolPolicyNeeds;
  run(input: z.infer<S>, ctx: ToolContext): Promise<ToolResult>;
}

export interface ToolPolicyNeeds {
  read?: string[];
  write?: string[];
  command?: string;
  mcp?: { server: string; tool: string };
}

export type { Decision, PolicyRequest };
