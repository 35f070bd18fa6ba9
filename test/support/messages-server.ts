// A scripted Anthropic Messages API server on 127.0.0.1 for tests: each POST /v1/messages gets the
// next scripted step. Requests are checked the way the real API checks them (headers, roles that
// alternate, every tool_use answered by a tool_result, tool names and schemas), so a malformed
// conversation fails the test with a 400 instead of passing against a lenient fake.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ScriptUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

export type ScriptBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; name: string; input: unknown; id?: string }
  | { type: 'thinking'; thinking: string; signature: string };

export type ScriptStep =
  /** A normal reply. tool_use blocks get ids when they have none; stop reason follows the content unless given. */
  | { kind: 'message'; content: ScriptBlock[]; stopReason?: string; usage?: ScriptUsage; delayMs?: number }
  /** An API error response with the given status, body and headers (e.g. retry-after). */
  | { kind: 'error'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Accepts the request and never answers. */
  | { kind: 'hang' }
  /** Closes the connection without an answer. */
  | { kind: 'drop' }
  /** Any raw response. */
  | { kind: 'respond'; status: number; headers?: Record<string, string>; body: string };

export interface RequestBody {
  model: string;
  max_tokens: number;
  system?: unknown;
  messages: { role: string; content: unknown }[];
  tools?: { name: string; description?: string; input_schema: Record<string, unknown> }[];
  [key: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: RequestBody;
  raw: string;
}

export interface ScriptedServer {
  url: string;
  requests: RecordedRequest[];
  /** Steps not yet served. */
  remaining(): number;
  /** Problems found in requests (each also answered with a 400). */
  violations: string[];
  close(): Promise<void>;
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

/** What the real API would reject in this request, or undefined. */
export function requestProblem(headers: http.IncomingHttpHeaders, body: unknown): string | undefined {
  const bearer = /^Bearer \S+$/.test(String(headers.authorization ?? ''));
  if (!headers['x-api-key'] && !bearer)
    return 'missing credentials: x-api-key or authorization: Bearer header';
  if (!headers['anthropic-version']) return 'missing anthropic-version header';
  if (typeof body !== 'object' || body === null) return 'body is not a JSON object';
  const b = body as Partial<RequestBody>;
  if (typeof b.model !== 'string' || b.model === '') return 'model: expected a non-empty string';
  if (!Number.isInteger(b.max_tokens) || (b.max_tokens ?? 0) < 1)
    return 'max_tokens: expected an integer >= 1';
  if (!Array.isArray(b.messages) || b.messages.length === 0) return 'messages: expected a non-empty array';
  const toolNames = new Set<string>();
  for (const [i, t] of (b.tools ?? []).entries()) {
    if (!TOOL_NAME.test(t.name)) return `tools.${i}.name: '${t.name}' does not match ${TOOL_NAME}`;
    if (toolNames.has(t.name)) return `tools: tool names must be unique ('${t.name}')`;
    toolNames.add(t.name);
    if (t.input_schema?.type !== 'object') return `tools.${i}.input_schema.type: expected 'object'`;
  }
  let pending: string[] = [];
  for (const [i, m] of b.messages.entries()) {
    const expected = i % 2 === 0 ? 'user' : 'assistant';
    if (m.role !== expected)
      return `messages.${i}.role: expected '${expected}' (roles must alternate, starting with user)`;
    const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
    if (!Array.isArray(blocks) || blocks.length === 0)
      return `messages.${i}.content: expected a non-empty array`;
    const typed = blocks as {
      type: string;
      id?: string;
      tool_use_id?: string;
      name?: string;
      text?: string;
    }[];
    if (m.role === 'user') {
      const answered = typed.filter((x) => x.type === 'tool_result').map((x) => x.tool_use_id);
      for (const id of pending) {
        if (!answered.includes(id)) return `messages.${i}: tool_use ${id} has no tool_result right after it`;
      }
      for (const id of answered) {
        if (!pending.includes(id ?? '')) return `messages.${i}: tool_result for unknown tool_use_id ${id}`;
      }
      if (pending.length > 0 && typed[0]?.type !== 'tool_result') {
        return `messages.${i}.content.0: tool_result blocks must come first`;
      }
      pending = [];
    } else {
      pending = typed.filter((x) => x.type === 'tool_use').map((x) => x.id ?? '');
      if (pending.length > 0 && toolNames.size === 0) {
        return `messages.${i}: requests which include tool_use blocks must define tools`;
      }
    }
    for (const x of typed) {
      if (x.type === 'text' && (x.text ?? '') === '')
        return `messages.${i}: text content blocks must be non-empty`;
    }
  }
  if (b.messages[b.messages.length - 1]?.role !== 'user')
    return 'messages: the last message must be from the user';
  return undefined;
}

function apiError(type: string, message: string) {
  return { type: 'error', error: { type, message } };
}

export async function startScriptedServer(steps: ScriptStep[]): Promise<ScriptedServer> {
  const queue = [...steps];
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const sockets = new Set<Socket>();
  let seq = 0;

  const send = (
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${seq}`, ...headers });
    res.end(text);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seq++;
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      const url = req.url ?? '';
      requests.push({
        method: req.method ?? '',
        path: url,
        headers: req.headers,
        body: body as RequestBody,
        raw,
      });
      if (req.method !== 'POST' || url.split('?')[0] !== '/v1/messages') {
        send(res, 404, apiError('not_found_error', `no route ${req.method} ${url}`));
        return;
      }
      const problem = requestProblem(req.headers, body);
      if (problem) {
        violations.push(problem);
        const status = problem.startsWith('missing credentials') ? 401 : 400;
        send(
          res,
          status,
          apiError(status === 401 ? 'authentication_error' : 'invalid_request_error', problem),
        );
        return;
      }
      const step = queue.shift();
      if (!step) {
        send(res, 500, apiError('api_error', 'the scripted session has no more steps'));
        return;
      }
      switch (step.kind) {
        case 'hang':
          return;
        case 'drop':
          req.socket.destroy();
          return;
        case 'respond':
          send(res, step.status, step.body, step.headers);
          return;
        case 'error':
          send(res, step.status, step.body ?? apiError('api_error', `scripted ${step.status}`), step.headers);
          return;
        case 'message': {
          const b = body as RequestBody;
          let n = 0;
          const content = step.content.map((c) =>
            c.type === 'tool_use' ? { ...c, id: c.id ?? `toolu_${String(seq).padStart(4, '0')}_${n++}` } : c,
          );
          const stopReason =
            step.stopReason ?? (content.some((c) => c.type === 'tool_use') ? 'tool_use' : 'end_turn');
          const usage = step.usage ?? { input_tokens: 100, output_tokens: 20 };
          const message = {
            id: `msg_${String(seq).padStart(6, '0')}`,
            type: 'message',
            role: 'assistant',
            model: b.model,
            content,
            stop_reason: stopReason,
            stop_sequence: null,
            usage: { cache_read_input_tokens: 0, cache_creation_input_tokens: 0, ...usage },
          };
          if (step.delayMs) setTimeout(() => send(res, 200, message), step.delayMs);
          else send(res, 200, message);
          return;
        }
      }
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    violations,
    remaining: () => queue.length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export const SCRIPT_USAGE: ScriptUsage = { input_tokens: 100, output_tokens: 20 };

/** A reply that calls one tool. */
export function toolUse(name: string, input: unknown, usage: ScriptUsage = SCRIPT_USAGE): ScriptStep {
  return { kind: 'message', content: [{ type: 'tool_use', name, input }], usage };
}

/** A final reply: text, end of turn. */
export function finalText(text = 'Done.', usage: ScriptUsage = SCRIPT_USAGE): ScriptStep {
  return { kind: 'message', content: [{ type: 'text', text }], stopReason: 'end_turn', usage };
}
