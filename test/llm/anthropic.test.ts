// The Anthropic provider through the real SDK, over HTTP, against the scripted Messages server.
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AnthropicProviderOptions,
  backoffMs,
  createAnthropicProvider,
  retryAfterMs,
} from '../../action/llm/anthropic.js';
import { type ModelRequest, ProviderError, type RetryEvent } from '../../action/llm/types.js';
import { type ScriptedServer, type ScriptStep, startScriptedServer } from '../support/messages-server.js';

const KEY = 'sk-ant-api03-unit-test-key-0123456789abcdef';
const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(steps: ScriptStep[]): Promise<ScriptedServer> {
  const s = await startScriptedServer(steps);
  servers.push(s);
  return s;
}

const request: ModelRequest = {
  model: 'claude-sonnet-4-6',
  system: 'You fix bugs.',
  maxTokens: 1024,
  tools: [
    {
      name: 'read_file',
      description: 'Read a file.',
      input_schema: { type: 'object', properties: { path: { type: 'string' } } },
    },
  ],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Fix it.' }] }],
};

function provider(server: ScriptedServer, extra: Partial<AnthropicProviderOptions> = {}) {
  const delays: number[] = [];
  const p = createAnthropicProvider({
    apiKey: KEY,
    baseURL: server.url,
    env: {},
    timeoutMs: 2000,
    maxRetries: 2,
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...extra,
  });
  return { p, delays };
}

const apiError = (type: string, message: string) => ({ type: 'error', error: { type, message } });

describe('Anthropic provider', () => {
  it('maps a multi-turn tool-use conversation both ways', async () => {
    const server = await serve([
      {
        kind: 'message',
        content: [
          { type: 'text', text: 'Reading.' },
          { type: 'tool_use', name: 'read_file', input: { path: 'a.txt' } },
        ],
        usage: {
          input_tokens: 120,
          output_tokens: 30,
          cache_read_input_tokens: 7,
          cache_creation_input_tokens: 9,
        },
      },
      { kind: 'message', content: [{ type: 'text', text: 'Done.' }] },
    ]);
    const { p } = provider(server);
    const first = await p.createMessage(request);
    expect(first.stopReason).toBe('tool_use');
    expect(first.usage).toEqual({
      inputTokens: 120,
      outputTokens: 30,
      cacheReadInputTokens: 7,
      cacheCreationInputTokens: 9,
    });
    const use = first.content[1];
    expect(use).toMatchObject({ type: 'tool_use', name: 'read_file', input: { path: 'a.txt' } });
    const id = use?.type === 'tool_use' ? use.id : '';

    const second = await p.createMessage({
      ...request,
      messages: [
        ...request.messages,
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: id, content: 'hello', is_error: true }],
        },
      ],
    });
    expect(second).toMatchObject({ stopReason: 'end_turn', content: [{ type: 'text', text: 'Done.' }] });

    expect(server.violations).toEqual([]);
    const body = server.requests[1]?.body;
    expect(body).toMatchObject({ model: 'claude-sonnet-4-6', max_tokens: 1024, system: 'You fix bugs.' });
    expect(body?.tools?.[0]).toMatchObject({ name: 'read_file', input_schema: { type: 'object' } });
    expect(body?.messages[2]).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: id, content: 'hello', is_error: true }],
    });
    expect(server.requests[0]?.path).toBe('/v1/messages');
  });

  it('retries a 429 after the delay retry-after names, then succeeds', async () => {
    const server = await serve([
      {
        kind: 'error',
        status: 429,
        headers: { 'retry-after': '3' },
        body: apiError('rate_limit_error', 'slow down'),
      },
      { kind: 'message', content: [{ type: 'text', text: 'ok' }] },
    ]);
    const events: RetryEvent[] = [];
    const { p, delays } = provider(server, { backoff: { initialMs: 10, maxMs: 60_000 } });
    const r = await p.createMessage(request, { onRetry: (e) => events.push(e) });
    expect(r.content).toEqual([{ type: 'text', text: 'ok' }]);
    expect(delays).toEqual([3000]);
    expect(events).toEqual([
      { attempt: 1, delayMs: 3000, status: 429, reason: 'HTTP 429: rate_limit_error: slow down' },
    ]);
    expect(server.requests).toHaveLength(2);
  });

  it('prefers retry-after-ms, and caps any delay at the backoff maximum', async () => {
    const server = await serve([
      { kind: 'error', status: 529, headers: { 'retry-after-ms': '250', 'retry-after': '9' } },
      { kind: 'error', status: 503, headers: { 'retry-after': '3600' } },
      { kind: 'message', content: [{ type: 'text', text: 'ok' }] },
    ]);
    const { p, delays } = provider(server, { backoff: { initialMs: 10, maxMs: 5000 } });
    await p.createMessage(request);
    expect(delays).toEqual([250, 5000]);
  });

  it('retries 5xx with growing backoff and gives up with a clear message after the last retry', async () => {
    const server = await serve([
      { kind: 'error', status: 500, body: apiError('api_error', 'boom') },
      { kind: 'error', status: 502 },
      { kind: 'error', status: 500, body: apiError('api_error', 'boom again') },
    ]);
    const { p, delays } = provider(server, { backoff: { initialMs: 100, maxMs: 10_000 } });
    const err = await p.createMessage(request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).message).toBe(
      'the Anthropic API failed 3 times; giving up (last: HTTP 500: api_error: boom again)',
    );
    expect((err as ProviderError).status).toBe(500);
    expect(server.requests).toHaveLength(3);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(50);
    expect(delays[0]).toBeLessThanOrEqual(100);
    expect(delays[1]).toBeGreaterThanOrEqual(100);
    expect(delays[1]).toBeLessThanOrEqual(200);
  });

  it('retries a dropped connection and a request that times out', async () => {
    const server = await serve([
      { kind: 'drop' },
      { kind: 'hang' },
      { kind: 'message', content: [{ type: 'text', text: 'ok' }] },
    ]);
    const events: RetryEvent[] = [];
    const { p } = provider(server, { timeoutMs: 300 });
    const r = await p.createMessage(request, { onRetry: (e) => events.push(e) });
    expect(r.content).toEqual([{ type: 'text', text: 'ok' }]);
    expect(events.map((e) => e.reason)).toEqual([
      expect.stringMatching(/^connection error/),
      'request timed out',
    ]);
  });

  it('ends at once on 401 with a message that names ANTHROPIC_API_KEY and never the key', async () => {
    const server = await serve([
      { kind: 'error', status: 401, body: apiError('authentication_error', `invalid x-api-key ${KEY}`) },
    ]);
    const { p } = provider(server);
    const err = (await p.createMessage(request).catch((e: unknown) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.message).toMatch(/^the Anthropic API rejected the key \(HTTP 401\): check ANTHROPIC_API_KEY/);
    expect(err.message).not.toContain(KEY);
    expect(err.retryable).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry a bad request, and says what the API said', async () => {
    const server = await serve([
      { kind: 'error', status: 400, body: apiError('invalid_request_error', 'max_tokens: too large') },
    ]);
    const { p, delays } = provider(server);
    await expect(p.createMessage(request)).rejects.toThrow(
      'the Anthropic API refused the request (HTTP 400: invalid_request_error: max_tokens: too large)',
    );
    expect(delays).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('stops without retrying when the caller aborts (the wall-clock budget)', async () => {
    const server = await serve([{ kind: 'hang' }, { kind: 'hang' }]);
    const { p } = provider(server, { timeoutMs: 60_000 });
    // The server never answers: only the abort can end the call.
    const err = await p.createMessage(request, { signal: AbortSignal.timeout(150) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(ProviderError);
    expect(server.requests).toHaveLength(1);
  });

  it('reads ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL from the environment', async () => {
    const server = await serve([{ kind: 'message', content: [{ type: 'text', text: 'ok' }] }]);
    const p = createAnthropicProvider({
      env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: server.url },
      maxRetries: 0,
    });
    await p.createMessage(request);
    const h = server.requests[0]?.headers ?? {};
    expect(h['x-api-key'] ?? h.authorization).toContain(KEY);
    expect(h['anthropic-version']).toBeTruthy();
  });

  it('says ANTHROPIC_API_KEY is not set when there is no key', async () => {
    const p = createAnthropicProvider({ env: {} });
    await expect(p.createMessage(request)).rejects.toThrow('ANTHROPIC_API_KEY is not set');
  });
});

describe('retry timing', () => {
  it('reads retry-after-ms, retry-after seconds and retry-after dates', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '120' }))).toBe(120);
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }))).toBe(2000);
    const now = Date.parse('2026-11-22T10:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': 'Sun, 22 Nov 2026 10:00:05 GMT' }), now)).toBe(5000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMs(new Headers({}))).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });

  it('doubles the backoff per attempt within jitter, up to the cap', () => {
    const b = { initialMs: 1000, maxMs: 8000 };
    expect(backoffMs(1, b, () => 0)).toBe(500);
    expect(backoffMs(1, b, () => 1)).toBe(1000);
    expect(backoffMs(3, b, () => 1)).toBe(4000);
    expect(backoffMs(10, b, () => 1)).toBe(8000);
  });
});
