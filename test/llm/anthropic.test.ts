// The Anthropic provider through the real SDK, over HTTP, against the scripted Messages server.
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AnthropicProviderOptions,
  backoffMs,
  createAnthropicProvider,
  DEFAULT_RETRY_WINDOW_MS,
  formatDuration,
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

/** The simulated clock's start: retry waits advance it at once, so minutes of overload take milliseconds. */
const T0 = Date.parse('2026-11-22T10:00:00Z');

function provider(server: ScriptedServer, extra: Partial<AnthropicProviderOptions> = {}) {
  const delays: number[] = [];
  let clock = T0;
  const p = createAnthropicProvider({
    apiKey: KEY,
    baseURL: server.url,
    env: {},
    timeoutMs: 2000,
    sleep: async (ms) => {
      delays.push(ms);
      clock += ms;
    },
    now: () => clock,
    ...extra,
  });
  return { p, delays, elapsed: () => clock - T0 };
}

const overloaded = (headers: Record<string, string> = {}): ScriptStep => ({
  kind: 'error',
  status: 529,
  headers,
  body: apiError('overloaded_error', 'Overloaded'),
});

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
      {
        attempt: 1,
        delayMs: 3000,
        elapsedMs: 0,
        windowMs: DEFAULT_RETRY_WINDOW_MS,
        status: 429,
        reason: 'HTTP 429: rate_limit_error: slow down',
      },
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

  it('retries 5xx with growing backoff, and an optional retry cap ends it with a clear message', async () => {
    const server = await serve([
      { kind: 'error', status: 500, body: apiError('api_error', 'boom') },
      { kind: 'error', status: 502 },
      { kind: 'error', status: 500, body: apiError('api_error', 'boom again') },
    ]);
    const { p, delays } = provider(server, { maxRetries: 2, backoff: { initialMs: 100, maxMs: 10_000 } });
    const err = await p.createMessage(request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).message).toMatch(
      /^the Anthropic API kept failing for \d+ ms \(3 attempts, at most 2 retries\); giving up \(last: HTTP 500: api_error: boom again\)$/,
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

  it('rides out a minute of 529 overload within the retry window, then succeeds', async () => {
    const server = await serve([
      ...Array.from({ length: 6 }, () => overloaded({ 'retry-after': '10' })),
      { kind: 'message', content: [{ type: 'text', text: 'ok' }] },
    ]);
    const events: RetryEvent[] = [];
    const { p, delays, elapsed } = provider(server);
    const r = await p.createMessage(request, { onRetry: (e) => events.push(e) });
    expect(r.content).toEqual([{ type: 'text', text: 'ok' }]);
    expect(elapsed()).toBe(60_000);
    expect(delays).toEqual(Array(6).fill(10_000));
    expect(events).toHaveLength(6);
    expect(events.map((e) => e.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events.map((e) => e.elapsedMs)).toEqual([0, 10_000, 20_000, 30_000, 40_000, 50_000]);
    expect(events[5]).toEqual({
      attempt: 6,
      delayMs: 10_000,
      elapsedMs: 50_000,
      windowMs: 10 * 60_000,
      status: 529,
      reason: 'HTTP 529: overloaded_error: Overloaded',
    });
    expect(server.requests).toHaveLength(7);
  });

  it('gives up on an overload that outlasts the 10-minute window, saying how long and how often it tried', async () => {
    const server = await serve(Array.from({ length: 80 }, () => overloaded({ 'retry-after': '10' })));
    const events: RetryEvent[] = [];
    const { p, elapsed } = provider(server);
    const err = (await p
      .createMessage(request, { onRetry: (e) => events.push(e) })
      .catch((e: unknown) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.message).toBe(
      'the Anthropic API kept failing for 10 min 0 s (61 attempts, retry window 10 min); giving up (last: HTTP 529: overloaded_error: Overloaded)',
    );
    expect(err).toMatchObject({ status: 529, retryable: true });
    expect(elapsed()).toBe(10 * 60_000);
    expect(events).toHaveLength(60);
    // No wait ever ran past the window.
    expect(Math.max(...events.map((e) => e.elapsedMs + e.delayMs))).toBeLessThanOrEqual(10 * 60_000);
    expect(server.requests).toHaveLength(61);
  });

  it('bounds the default backoff by the window too', async () => {
    const server = await serve(Array.from({ length: 80 }, () => overloaded()));
    const events: RetryEvent[] = [];
    const { p, elapsed } = provider(server);
    const err = (await p
      .createMessage(request, { onRetry: (e) => events.push(e) })
      .catch((e: unknown) => e)) as ProviderError;
    expect(err.message).toMatch(
      /^the Anthropic API kept failing for (9 min \d+|10 min 0) s \((\d+) attempts, retry window 10 min\); giving up \(last: HTTP 529: overloaded_error: Overloaded\)$/,
    );
    expect(err.message).toContain(`(${events.length + 1} attempts,`);
    // Backoff doubles from 1 s up to its 60 s cap, so the last wait would have crossed the window.
    expect(elapsed()).toBeGreaterThan(9 * 60_000);
    expect(elapsed()).toBeLessThanOrEqual(10 * 60_000);
    expect(Math.max(...events.map((e) => e.delayMs))).toBeLessThanOrEqual(60_000);
  });

  it('gives up sooner under a shorter configured window', async () => {
    const server = await serve(Array.from({ length: 10 }, () => overloaded({ 'retry-after': '10' })));
    const events: RetryEvent[] = [];
    const { p, elapsed } = provider(server, { retryWindowMs: 30_000 });
    const err = (await p
      .createMessage(request, { onRetry: (e) => events.push(e) })
      .catch((e: unknown) => e)) as ProviderError;
    expect(err.message).toBe(
      'the Anthropic API kept failing for 30 s (4 attempts, retry window 30 s); giving up (last: HTTP 529: overloaded_error: Overloaded)',
    );
    expect(events.map((e) => e.windowMs)).toEqual([30_000, 30_000, 30_000]);
    expect(elapsed()).toBe(30_000);
    expect(server.requests).toHaveLength(4);
  });

  it("stops before the window when the next wait would outlast the session's deadline", async () => {
    const server = await serve(Array.from({ length: 10 }, () => overloaded({ 'retry-after': '10' })));
    const events: RetryEvent[] = [];
    const { p, elapsed } = provider(server);
    const err = (await p
      .createMessage(request, { deadlineMs: T0 + 25_000, onRetry: (e) => events.push(e) })
      .catch((e: unknown) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.message).toBe(
      "the Anthropic API kept failing for 20 s (3 attempts); giving up: the session's time budget ends in 5 s, before the next retry in 10 s (last: HTTP 529: overloaded_error: Overloaded)",
    );
    expect(events).toHaveLength(2);
    expect(elapsed()).toBe(20_000);
    expect(server.requests).toHaveLength(3);
  });

  it('names the window, not a later deadline, when the window ends first', async () => {
    const server = await serve(Array.from({ length: 10 }, () => overloaded({ 'retry-after': '10' })));
    const { p } = provider(server, { retryWindowMs: 15_000 });
    await expect(p.createMessage(request, { deadlineMs: T0 + 60 * 60_000 })).rejects.toThrow(
      /\(2 attempts, retry window 15 s\); giving up/,
    );
  });

  it('keeps the key out of a give-up message', async () => {
    const server = await serve([
      { kind: 'error', status: 503, body: apiError('api_error', `upstream saw ${KEY}`) },
      { kind: 'error', status: 503, body: apiError('api_error', `upstream saw ${KEY}`) },
    ]);
    const events: RetryEvent[] = [];
    const { p } = provider(server, { maxRetries: 1 });
    const err = (await p
      .createMessage(request, { onRetry: (e) => events.push(e) })
      .catch((e: unknown) => e)) as ProviderError;
    expect(err.message).toContain('upstream saw [REDACTED]');
    expect(err.message).not.toContain(KEY);
    expect(events[0]?.reason).not.toContain(KEY);
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

  it('formats durations for messages', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(42_400)).toBe('42 s');
    expect(formatDuration(59_600)).toBe('1 min 0 s');
    expect(formatDuration(10 * 60_000)).toBe('10 min 0 s');
    expect(formatDuration(10 * 60_000, true)).toBe('10 min');
    expect(formatDuration(90_000, true)).toBe('1 min 30 s');
  });

  it('doubles the backoff per attempt within jitter, up to the cap', () => {
    const b = { initialMs: 1000, maxMs: 8000 };
    expect(backoffMs(1, b, () => 0)).toBe(500);
    expect(backoffMs(1, b, () => 1)).toBe(1000);
    expect(backoffMs(3, b, () => 1)).toBe(4000);
    expect(backoffMs(10, b, () => 1)).toBe(8000);
  });
});
