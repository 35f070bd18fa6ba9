// MCP servers as tools. A stdio server named in the policy runs inside the session's sandbox (the same
// mount set as commands: the work tree, a private home; the sandbox's allowlisted environment plus its
// own env; network only to the hosts its `network` lists, through a filtering proxy of its own). A
// streamable HTTP server is reached at the URL the policy gives. Secrets reach a server by reference
// (`${NAME}`: a variable of the runner's environment), never written in the policy. Each of its tools
// the policy allows becomes a Tool named `mcp__<server>__<tool>`; tools the policy does not allow are
// never shown to the model. A server that cannot start or list its tools in time is skipped with a
// warning. Calls that fail become error results, never throws.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { z } from 'zod';
import { createRedactor } from '../../lib/redact.js';
import { invisibleNote, revealInvisible } from '../../lib/unicode.js';
import { ENV_REFERENCE, evaluate, type Policy } from '../../policies/index.js';
import { VERSION } from '../constants.js';
import { boundByDeadline } from '../deadline.js';
import { isNeverPassed } from '../sandbox/env.js';
import type { Sandbox } from '../sandbox/index.js';
import { bound } from './files.js';
import type { Tool, ToolContext, ToolResult } from './types.js';

export const MCP_CONNECT_TIMEOUT_MS = 10_000;
export const MCP_CALL_TIMEOUT_MS = 120_000;
/** The model API accepts tool names matching this; others are skipped with a warning. */
const TOOL_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_DESCRIPTION_CHARS = 4000;
const MAX_LIST_PAGES = 20;
const STDERR_TAIL_CHARS = 2000;
const CLIENT_INFO = { name: 'agentgate', version: VERSION };
/** Known token formats only (no values): a policy value that matches one is a secret written in the file. */
const KNOWN_TOKENS = createRedactor();

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
  /** The session's sandbox: stdio servers run inside it. */
  sandbox: Sandbox;
  /** Working directory of the server processes (inside the sandbox's work tree). */
  cwd: string;
  /** Bound on starting a server and listing its tools. */
  timeoutMs?: number;
  /** Bound on one tool call. */
  callTimeoutMs?: number;
  /** The runner's environment, where `${NAME}` references are looked up (default: process.env). */
  baseEnv?: NodeJS.ProcessEnv;
  /** Told every value a reference resolved to, so that it is redacted wherever it shows up. */
  onSecret?: (value: string) => void;
}

type ServerConfig = Policy['mcp']['servers'][string];

export function mcpToolName(server: string, tool: string): string {
  return `mcp__${server}__${tool}`;
}

/**
 * `value` with its `${NAME}` references replaced from `env`; the names that are not set are listed in
 * `missing` (and left as they were).
 */
export function resolveReferences(
  value: string,
  env: NodeJS.ProcessEnv,
): { value: string; resolved: string[]; missing: string[] } {
  const resolved: string[] = [];
  const missing: string[] = [];
  const out = value.replace(ENV_REFERENCE, (whole, name: string) => {
    const v = env[name];
    if (v === undefined) {
      missing.push(name);
      return whole;
    }
    resolved.push(v);
    return v;
  });
  return { value: out, resolved, missing };
}

/**
 * A server's own variables, references resolved from `baseEnv`, minus the action's credentials (which
 * never reach a server, as they never reach a command). The sandbox adds its allowlisted environment.
 */
export function mcpServerEnv(
  configured: Record<string, string>,
  baseEnv: NodeJS.ProcessEnv,
): { env: Record<string, string>; dropped: string[]; missing: string[]; secrets: string[] } {
  const env: Record<string, string> = {};
  const dropped: string[] = [];
  const missing: string[] = [];
  const secrets: string[] = [];
  for (const [key, value] of Object.entries(configured)) {
    if (isNeverPassed(key)) {
      dropped.push(key);
      continue;
    }
    const r = resolveReferences(value, baseEnv);
    env[key] = r.value;
    missing.push(...r.missing);
    secrets.push(...r.resolved);
  }
  return { env, dropped, missing, secrets };
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
      // At most the call's own bound, and never past the session's deadline.
      const timeout = Math.max(1, boundByDeadline(callTimeoutMs, ctx).ms);
      try {
        const result = await client.callTool({ name: listed.name, arguments: input }, undefined, {
          timeout,
          ...(ctx.signal ? { signal: ctx.signal } : {}),
        });
        const meta = { server, tool: listed.name, durationMs: Math.round(performance.now() - started) };
        // What a server returns is shown as files are: invisible characters made visible.
        const shown = revealInvisible(renderMcpResult(result));
        const note = invisibleNote(shown);
        return {
          content: `${bound(shown.text, ctx.limits.maxResultChars)}${note ? `\n${note}` : ''}`,
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

/** The transport to one server: its command launched in the sandbox, or its URL. */
async function openTransport(
  server: string,
  config: ServerConfig,
  opts: McpConnectOptions,
  warn: (text: string) => void,
): Promise<Transport> {
  const baseEnv = opts.baseEnv ?? process.env;
  for (const [where, entries] of [
    ['env', config.env],
    ['headers', config.headers],
  ] as const) {
    for (const [name, value] of Object.entries(entries)) {
      const literal = value.replace(ENV_REFERENCE, '');
      if (KNOWN_TOKENS.redact(literal) !== literal) {
        throw new Error(
          `mcp.servers.${server}.${where}.${name} holds a token written in the policy file; put it in a ` +
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a ${NAME} reference to the runner's environment, not a template
            "variable of the runner's environment and write ${NAME} instead",
        );
      }
    }
  }
  if (config.url !== undefined) {
    const headers: Record<string, string> = {};
    const missing: string[] = [];
    for (const [name, value] of Object.entries(config.headers)) {
      const r = resolveReferences(value, baseEnv);
      headers[name] = r.value;
      missing.push(...r.missing);
      for (const v of r.resolved) opts.onSecret?.(v);
    }
    if (missing.length > 0) throw new Error(`${missingText(missing)} (referenced by its headers)`);
    return new StreamableHTTPClientTransport(new URL(config.url), { requestInit: { headers } });
  }
  const { env, dropped, missing, secrets } = mcpServerEnv(config.env, baseEnv);
  for (const v of secrets) opts.onSecret?.(v);
  if (dropped.length > 0) {
    warn(`mcp server '${server}': not passing ${dropped.join(', ')} (never given to MCP servers)`);
  }
  if (missing.length > 0) throw new Error(`${missingText(missing)} (referenced by its env)`);
  if (opts.sandbox.mode === 'none' && config.network.length > 0) {
    warn(`mcp server '${server}': sandbox mode 'none', so its network list is not enforced`);
  }
  const launch = await opts.sandbox.launch([config.command ?? '', ...config.args], {
    env,
    cwd: opts.cwd,
    network: config.network,
  });
  return new StdioClientTransport({
    command: launch.file,
    args: launch.args,
    env: launch.env,
    cwd: launch.cwd,
    stderr: 'pipe',
  });
}

function missingText(names: string[]): string {
  const unique = [...new Set(names)];
  return `the runner's environment has no ${unique.join(', ')}`;
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
  const transport = await openTransport(server, config, opts, warn);
  let stderr = '';
  const stderrStream = transport instanceof StdioClientTransport ? transport.stderr : null;
  stderrStream?.on('data', (chunk: Buffer) => {
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
