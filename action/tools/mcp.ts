// MCP servers as tools. Each server named in the policy is started over stdio with a reduced
// environment; each of its tools the policy allows becomes a Tool named `mcp__<server>__<tool>`.
// Tools the policy does not allow are never shown to the model. A server that cannot start or list
// its tools in time is skipped with a warning. Calls that fail become error results, never throws.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { z } from 'zod';
import { evaluate, type Policy } from '../../policies/index.js';
import { VERSION } from '../constants.js';
import { isNeverPassed } from '../sandbox/env.js';
import { bound } from './files.js';
import type { Tool, ToolContext, ToolResult } from './types.js';

export const MCP_CONNECT_TIMEOUT_MS = 10_000;
export const MCP_CALL_TIMEOUT_MS = 120_000;
/** Variables copied from the parent environment into every server's environment. */
export const MCP_BASE_ENV_KEYS = ['PATH', 'HOME', 'LANG'] as const;
/** The model API accepts tool names matching this; others are skipped with a warning. */
const TOOL_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_DESCRIPTION_CHARS = 4000;
const MAX_LIST_PAGES = 20;
const STDERR_TAIL_CHARS = 2000;
const CLIENT_INFO = { name: 'agentgate', version: VERSION };

export type McpInput = z.ZodType<Record<string, unknown>>;

export interface McpTool extends Tool<McpInput> {
  /** The server's JSON schema for the input, as sent to the model. */
  jsonSchema: Record<string, unknown>;
}

export interface McpConnection {
  server: string;
  tools: McpTool[];
  close(): Promise<void>;
}

export interface McpHub {
  tools: McpTool[];
  warnings: string[];
  close(): Promise<void>;
}

export interface McpConnectOptions {
  /** Working directory of the server processes. */
  cwd: string;
  /** Bound on starting a server and listing its tools. */
  timeoutMs?: number;
  /** Bound on one tool call. */
  callTimeoutMs?: number;
  /** Where PATH, HOME and LANG come from (default: process.env). */
  baseEnv?: NodeJS.ProcessEnv;
}

type ServerConfig = Policy['mcp']['servers'][string];

export function mcpToolName(server: string, tool: string): string {
  return `mcp__${server}__${tool}`;
}

/** The complete environment of a server: PATH, HOME, LANG from `baseEnv`, then its configured env minus the action's credentials. */
export function mcpServerEnv(
  configured: Record<string, string>,
  baseEnv: NodeJS.ProcessEnv,
): { env: Record<string, string>; dropped: string[] } {
  const env: Record<string, string> = {};
  for (const key of MCP_BASE_ENV_KEYS) {
    const value = baseEnv[key];
    if (value !== undefined) env[key] = value;
  }
  const dropped: string[] = [];
  for (const [key, value] of Object.entries(configured)) {
    // The action's own credentials never reach a server, as they never reach a command.
    if (isNeverPassed(key)) dropped.push(key);
    else env[key] = value;
  }
  return { env, dropped };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const looseObject = z.record(z.string(), z.unknown());

/** Validates against the server's schema when zod can convert it; otherwise accepts any object and leaves checks to the server. */
export function mcpInputSchema(jsonSchema: Record<string, unknown>): McpInput {
  try {
    return z.fromJSONSchema(jsonSchema as z.core.JSONSchema.JSONSchema).pipe(looseObject);
  } catch {
    return looseObject;
  }
}

type ContentPart = { type: string; [key: string]: unknown };

function base64Bytes(data: unknown): number {
  return typeof data === 'string' ? Buffer.byteLength(data, 'base64') : 0;
}

function renderPart(part: ContentPart): string {
  switch (part.type) {
    case 'text':
      return String(part.text ?? '');
    case 'image':
    case 'audio':
      return `[${String(part.mimeType ?? part.type)} ${base64Bytes(part.data)} bytes]`;
    case 'resource_link':
      return `[resource link ${String(part.uri ?? '')}${part.mimeType ? ` (${String(part.mimeType)})` : ''}]`;
    case 'resource': {
      const r = (part.resource ?? {}) as Record<string, unknown>;
      const uri = String(r.uri ?? '');
      if (typeof r.text === 'string') return `[resource ${uri}]\n${r.text}`;
      return `[${String(r.mimeType ?? 'application/octet-stream')} ${base64Bytes(r.blob)} bytes: ${uri}]`;
    }
    default:
      return `[${part.type} content]`;
  }
}

/** Text of a tools/call result: text parts joined, other parts summarised. */
export function renderMcpResult(result: Record<string, unknown>): string {
  if (Array.isArray(result.content)) {
    const parts = (result.content as ContentPart[]).map(renderPart);
    if (parts.length === 0 && result.structuredContent !== undefined) {
      return JSON.stringify(result.structuredContent);
    }
    return parts.join('\n');
  }
  // Servers on the 2024-10-07 protocol answer with `toolResult`.
  return JSON.stringify(result.toolResult ?? null);
}

interface ListedTool {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
}

function makeTool(
  client: Client,
  server: string,
  listed: ListedTool,
  name: string,
  callTimeoutMs: number,
): McpTool {
  const description = `[mcp:${server}] ${listed.description ?? ''}`.trimEnd();
  return {
    name,
    description: bound(description, MAX_DESCRIPTION_CHARS),
    inputSchema: mcpInputSchema(listed.inputSchema),
    jsonSchema: listed.inputSchema,
    requests: () => ({ mcp: { server, tool: listed.name } }),
    async run(input: Record<string, unknown>, ctx: ToolContext): Promise<ToolResult> {
      const started = performance.now();
      try {
        const result = await client.callTool({ name: listed.name, arguments: input }, undefined, {
          timeout: callTimeoutMs,
          ...(ctx.signal ? { signal: ctx.signal } : {}),
        });
        const meta = { server, tool: listed.name, durationMs: Math.round(performance.now() - started) };
        return {
          content: bound(renderMcpResult(result), ctx.limits.maxResultChars),
          isError: result.isError === true,
          meta,
        };
      } catch (e) {
        return { content: `mcp ${server}/${listed.name} failed: ${message(e)}`, isError: true };
      }
    },
  };
}

async function listAllTools(client: Client, timeoutMs: number): Promise<ListedTool[]> {
  const tools: ListedTool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const res = await client.listTools(cursor === undefined ? undefined : { cursor }, { timeout: timeoutMs });
    tools.push(...res.tools);
    cursor = res.nextCursor;
    if (cursor === undefined) break;
  }
  return tools;
}

/** Starts one server, lists its tools, and keeps those the policy allows. Throws when it cannot start or list. */
export async function connectMcpServer(
  policy: Policy,
  server: string,
  config: ServerConfig,
  opts: McpConnectOptions,
  warn: (text: string) => void,
): Promise<McpConnection> {
  const timeoutMs = opts.timeoutMs ?? MCP_CONNECT_TIMEOUT_MS;
  const callTimeoutMs = opts.callTimeoutMs ?? MCP_CALL_TIMEOUT_MS;
  const { env, dropped } = mcpServerEnv(config.env, opts.baseEnv ?? process.env);
  if (dropped.length > 0) {
    warn(`mcp server '${server}': not passing ${dropped.join(', ')} (never given to MCP servers)`);
  }
  const transport = new StdioClientTransport({
    command: config.command,
    args: config.args,
    env,
    cwd: opts.cwd,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
  });
  const client = new Client(CLIENT_INFO);
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= client.close().catch(() => undefined);
    return closed;
  };

  let listed: ListedTool[];
  try {
    listed = await withTimeout(
      (async () => {
        await client.connect(transport, { timeout: timeoutMs });
        return listAllTools(client, timeoutMs);
      })(),
      timeoutMs,
      'starting the server and listing its tools',
    );
  } catch (e) {
    await close();
    const tail = stderr.trim();
    throw new Error(tail ? `${message(e)}; stderr: ${tail}` : message(e));
  }

  const tools: McpTool[] = [];
  const seen = new Set<string>();
  for (const t of listed) {
    const name = mcpToolName(server, t.name);
    if (!evaluate(policy, { kind: 'tool', tool: name }).allowed) continue;
    if (!evaluate(policy, { kind: 'mcp', server, tool: t.name }).allowed) continue;
    if (!TOOL_NAME_PATTERN.test(name)) {
      warn(`mcp server '${server}': tool '${t.name}' skipped: '${name}' is not a valid tool name`);
      continue;
    }
    if (seen.has(name)) {
      warn(`mcp server '${server}': tool '${t.name}' listed twice; keeping the first`);
      continue;
    }
    seen.add(name);
    tools.push(makeTool(client, server, t, name, callTimeoutMs));
  }
  // Nothing to offer: no reason to keep the process running.
  if (tools.length === 0) await close();
  return { server, tools, close };
}

/** Connects to every server in `policy.mcp.servers` concurrently; failures become warnings. */
export async function connectMcpServers(policy: Policy, opts: McpConnectOptions): Promise<McpHub> {
  const warnings: string[] = [];
  const warn = (text: string) => warnings.push(text);
  const entries = Object.entries(policy.mcp.servers);
  const settled = await Promise.allSettled(
    entries.map(([server, config]) => connectMcpServer(policy, server, config, opts, warn)),
  );
  const connections: McpConnection[] = [];
  settled.forEach((s, i) => {
    const server = entries[i]?.[0] ?? '?';
    if (s.status === 'fulfilled') connections.push(s.value);
    else warnings.push(`mcp server '${server}' skipped: ${message(s.reason)}`);
  });
  const nameClash = new Set<string>();
  const tools: McpTool[] = [];
  for (const c of connections) {
    for (const t of c.tools) {
      if (nameClash.has(t.name)) {
        warnings.push(`mcp tool '${t.name}' offered by more than one server; keeping the first`);
        continue;
      }
      nameClash.add(t.name);
      tools.push(t);
    }
  }
  let closed: Promise<void> | undefined;
  return {
    tools,
    warnings,
    close: () => {
      closed ??= Promise.all(connections.map((c) => c.close())).then(() => undefined);
      return closed;
    },
  };
}
