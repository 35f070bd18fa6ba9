// The Anthropic provider: the only module that imports @anthropic-ai/sdk. It maps the neutral
// request to the Messages API (with tool use) and back, and owns retries: the SDK's own retries are
// off so that every retry is bounded here, honours `retry-after`, and is reported for the trace.
// A retryable failure (429, 529 overloaded, 5xx, a dropped connection) is retried for a window of
// time rather than a number of attempts, so a few minutes of overload do not end a session; the
// caller's signal and deadline still bound it.
import Anthropic from '@anthropic-ai/sdk';
import type {
  CallOptions,
  ContentBlock,
  LLMProvider,
  Message,
  ModelRequest,
  ModelResponse,
  RetryEvent,
} from './types.js';
import { ProviderError } from './types.js';

export interface Backoff {
  /** Delay before the first retry when the server names none. */
  initialMs: number;
  /** Upper bound of any one delay, `retry-after` included. */
  maxMs: number;
}

export interface AnthropicProviderOptions {
  /** Default: ANTHROPIC_API_KEY from `env`. */
  apiKey?: string;
  /** Default: ANTHROPIC_BASE_URL from `env`, else the SDK's default. */
  baseURL?: string;
  /** Where the defaults come from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Bound on one HTTP attempt (default 10 minutes). */
  timeoutMs?: number;
  /**
   * How long to keep retrying a retryable failure, from the call's first attempt (default
   * DEFAULT_RETRY_WINDOW_MS): no retry starts whose delay would end past the window.
   */
  retryWindowMs?: number;
  /** An optional hard cap on retries after the first attempt (default: none; the window bounds them). */
  maxRetries?: number;
  backoff?: Backoff;
  /** Injected for tests; must resolve after `ms` or reject when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The clock the retry window is measured on (default Date.now); injected with `sleep` in tests. */
  now?: () => number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1000, maxMs: 60_000 };
export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_RETRY_WINDOW_MS = 10 * 60_000;

/** Statuses worth another attempt: timeout, conflict, rate limit, overload and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * The server's requested delay in ms, from `retry-after-ms` (milliseconds) or `retry-after`
 * (seconds or an HTTP date), or undefined when absent or unusable.
 */
export function retryAfterMs(headers: Headers | undefined, nowMs = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '') {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return n;
  }
  const ra = headers.get('retry-after');
  if (ra === null || ra.trim() === '') return undefined;
  const secs = Number(ra);
  if (Number.isFinite(secs)) return secs >= 0 ? secs * 1000 : undefined;
  const at = Date.parse(ra);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Exponential backoff with full jitter in its upper half: initial * 2^(attempt-1), capped. */
export function backoffMs(attempt: number, b: Backoff, random = Math.random): number {
  const base = Math.min(b.maxMs, b.initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + (random() * base) / 2);
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

type SdkBlock = Anthropic.Messages.ContentBlockParam;

function toSdkBlock(b: ContentBlock): SdkBlock {
  if (b.type === 'text') return { type: 'text', text: b.text };
  if (b.type === 'tool_use') return { type: 'tool_use', id: b.id, name: b.name, input: b.input };
  return {
    type: 'tool_result',
    tool_use_id: b.tool_use_id,
    content: b.content,
    ...(b.is_error ? { is_error: true } : {}),
  };
}

function toSdkContent(blocks: ContentBlock[]): SdkBlock[] {
  return blocks.map(toSdkBlock);
}

function toSdkMessages(messages: Message[]): Anthropic.Messages.MessageParam[] {
  return messages.map((m) => ({ role: m.role, content: toSdkContent(m.content) }));
}

function fromSdkContent(blocks: Anthropic.Messages.ContentBlock[]): ContentBlock[] {
  const out: ContentBlock[] = [];
  for (const b of blocks) {
    if (b.type === 'text') out.push({ type: 'text', text: b.text });
    else if (b.type === 'tool_use') out.push({ type: 'tool_use', id: b.id, name: b.name, input: b.input });
    // Thinking and server-tool blocks carry nothing the loop acts on.
  }
  return out;
}

/** What a failed attempt means: retry (with the server's delay, if any) or stop with a clear message. */
interface Classified {
  retryable: boolean;
  reason: string;
  status?: number;
  retryAfterMs?: number;
}

function apiMessage(e: InstanceType<typeof Anthropic.APIError>): string {
  const body = e.error as { error?: { type?: string; message?: string } } | undefined;
  const inner = body?.error;
  if (inner?.message) return inner.type ? `${inner.type}: ${inner.message}` : inner.message;
  return e.message;
}

function classify(e: unknown): Classified {
  if (e instanceof Anthropic.APIConnectionTimeoutError)
    return { retryable: true, reason: 'request timed out' };
  if (e instanceof Anthropic.APIConnectionError) {
    return {
      retryable: true,
      reason: `connection error: ${e.cause instanceof Error ? e.cause.message : e.message}`,
    };
  }
  if (e instanceof Anthropic.APIError && typeof e.status === 'number') {
    const ra = retryAfterMs(e.headers ?? undefined);
    return {
      retryable: isRetryableStatus(e.status),
      reason: `HTTP ${e.status}: ${apiMessage(e)}`,
      status: e.status,
      ...(ra !== undefined ? { retryAfterMs: ra } : {}),
    };
  }
  return { retryable: false, reason: e instanceof Error ? e.message : String(e) };
}

/** A duration for messages: `850 ms`, `42 s`, `10 min 0 s`; `short` drops zero seconds (`10 min`). */
export function formatDuration(ms: number, short = false): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const secs = Math.round(ms / 1000);
  if (secs < 60) return `${secs} s`;
  const min = Math.floor(secs / 60);
  const rest = secs % 60;
  return short && rest === 0 ? `${min} min` : `${min} min ${rest} s`;
}

/** Why a failure that is not worth retrying ends the call. */
function refusalMessage(c: Classified): string {
  if (c.status === 401) {
    return `the Anthropic API rejected the key (HTTP 401): check ANTHROPIC_API_KEY (${c.reason})`;
  }
  if (c.status === 403) return `the Anthropic API key may not use this model or endpoint (${c.reason})`;
  if (c.status === 404)
    return `the Anthropic API does not know this model or endpoint; check --model and ANTHROPIC_BASE_URL (${c.reason})`;
  return `the Anthropic API refused the request (${c.reason})`;
}

/** Where retrying stands after a retryable failure: the bounds it is measured against. */
interface RetryState {
  attempt: number;
  startedMs: number;
  nowMs: number;
  delayMs: number;
  windowMs: number;
  maxRetries: number | undefined;
  deadlineMs: number | undefined;
}

/** Why the next retry must not start, as the whole error message, or undefined to retry. */
function giveUpMessage(c: Classified, s: RetryState): string | undefined {
  const tried = `the Anthropic API kept failing for ${formatDuration(s.nowMs - s.startedMs)}`;
  const last = `(last: ${c.reason})`;
  const attempts = `${s.attempt} attempt${s.attempt === 1 ? '' : 's'}`;
  if (s.maxRetries !== undefined && s.attempt > s.maxRetries) {
    return `${tried} (${attempts}, at most ${s.maxRetries} retries); giving up ${last}`;
  }
  const resumeAt = s.nowMs + s.delayMs;
  const windowEnd = s.startedMs + s.windowMs;
  // The session's deadline, when it comes before the window ends, is the bound to name.
  if (s.deadlineMs !== undefined && s.deadlineMs <= windowEnd && resumeAt > s.deadlineMs) {
    const left = formatDuration(Math.max(0, s.deadlineMs - s.nowMs));
    return `${tried} (${attempts}); giving up: the session's time budget ends in ${left}, before the next retry in ${formatDuration(s.delayMs)} ${last}`;
  }
  if (resumeAt > windowEnd) {
    return `${tried} (${attempts}, retry window ${formatDuration(s.windowMs, true)}); giving up ${last}`;
  }
  return undefined;
}

export function createAnthropicProvider(opts: AnthropicProviderOptions = {}): LLMProvider {
  const env = opts.env ?? process.env;
  const apiKey = opts.apiKey ?? env.ANTHROPIC_API_KEY;
  const baseURL = opts.baseURL ?? (env.ANTHROPIC_BASE_URL || undefined);
  const windowMs = opts.retryWindowMs ?? DEFAULT_RETRY_WINDOW_MS;
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const sleep = opts.sleep ?? defaultSleep;
  const now = opts.now ?? Date.now;
  // A server that echoes the key back must not put it in an error message.
  const scrub = (text: string): string => (apiKey ? text.split(apiKey).join('[REDACTED]') : text);
  // Constructed on first use, so a missing key is reported by the call that needs it.
  let client: Anthropic | undefined;

  const getClient = (): Anthropic => {
    if (!apiKey)
      throw new ProviderError('ANTHROPIC_API_KEY is not set (the Anthropic API key the agent uses)');
    client ??= new Anthropic({
      apiKey,
      ...(baseURL ? { baseURL } : {}),
      maxRetries: 0,
      timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    return client;
  };

  return {
    name: 'anthropic',
    async createMessage(req: ModelRequest, call: CallOptions = {}): Promise<ModelResponse> {
      const anthropic = getClient();
      const params: Anthropic.Messages.MessageCreateParamsNonStreaming = {
        model: req.model,
        max_tokens: req.maxTokens,
        system: req.system,
        messages: toSdkMessages(req.messages),
        ...(req.tools.length > 0
          ? {
              tools: req.tools.map((t) => ({
                name: t.name,
                description: t.description,
                input_schema: t.input_schema as Anthropic.Messages.Tool.InputSchema,
              })),
            }
          : {}),
      };
      const started = now();
      for (let attempt = 1; ; attempt++) {
        try {
          const msg = await anthropic.messages.create(params, call.signal ? { signal: call.signal } : {});
          return {
            id: msg.id,
            model: msg.model,
            content: fromSdkContent(msg.content),
            stopReason: msg.stop_reason ?? 'end_turn',
            usage: {
              inputTokens: msg.usage.input_tokens,
              outputTokens: msg.usage.output_tokens,
              cacheReadInputTokens: msg.usage.cache_read_input_tokens ?? 0,
              cacheCreationInputTokens: msg.usage.cache_creation_input_tokens ?? 0,
            },
          };
        } catch (e) {
          // The caller's deadline ended it: not a provider failure, and never retried.
          if (call.signal?.aborted || e instanceof Anthropic.APIUserAbortError) throw e;
          const c = classify(e);
          if (!c.retryable) throw new ProviderError(scrub(refusalMessage(c)), c.status, false);
          const nowMs = now();
          const elapsedMs = nowMs - started;
          const delayMs = Math.min(backoff.maxMs, c.retryAfterMs ?? backoffMs(attempt, backoff));
          const stop = giveUpMessage(c, {
            attempt,
            startedMs: started,
            nowMs,
            delayMs,
            windowMs,
            maxRetries: opts.maxRetries,
            deadlineMs: call.deadlineMs,
          });
          if (stop !== undefined) throw new ProviderError(scrub(stop), c.status, true);
          const event: RetryEvent = {
            attempt,
            delayMs,
            elapsedMs,
            windowMs,
            reason: scrub(c.reason),
            ...(c.status ? { status: c.status } : {}),
          };
          call.onRetry?.(event);
          await sleep(delayMs, call.signal);
        }
      }
    },
  };
}
