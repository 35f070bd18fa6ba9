// The one place an Octokit is built: the token, the API base URL, retries for transient failures and
// GitHub's rate-limit pacing. Everything that talks to GitHub takes this client as its first argument.
// A failed request's error is renamed here, once, to say which call failed and what GitHub said.
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { messageOf } from '../errors.js';

export type GitHubClient = ReturnType<typeof getOctokit>;
/** A request as Octokit's hooks and rate-limit handlers see it: a route template and its parameters. */
type RouteOptions = Parameters<GitHubClient['request']['endpoint']['parse']>[0];

export interface ClientOptions {
  token: string;
  apiUrl: string;
  /** Warnings about rate limits and retries. */
  warn: (message: string) => void;
  /**
   * Overrides for tests: retry timing (the unit of both the retry and the rate-limit waits, default
   * 1000 ms), how often a failed request is retried, and whether writes are paced (GitHub asks for
   * ~1 s between writes; `pace: false` also turns the rate-limit retries off).
   */
  tuning?: { retryAfterBaseMs?: number; retries?: number; pace?: boolean };
}

/** Retried at most this often: a rate limit, or GitHub's secondary limit. */
export const RATE_LIMIT_RETRIES = 2;

/** How much of GitHub's own message an error carries. */
const GITHUB_MESSAGE_LIMIT = 1000;

export function createGitHubClient(opts: ClientOptions): GitHubClient {
  const t = opts.tuning ?? {};
  const attempts = RATE_LIMIT_RETRIES + 1;
  // Called only once requests run, by which time `octokit` below exists.
  const onLimit = (kind: string) => (after: number, o: RouteOptions, _: unknown, count: number) => {
    const op = operationOf(o.method, expandedUrl(octokit, o), opts.apiUrl);
    const again = count < RATE_LIMIT_RETRIES;
    opts.warn(
      again
        ? `GitHub ${kind} on ${op}; retrying after ${after} s (attempt ${count + 2} of ${attempts})`
        : `GitHub ${kind} on ${op}; giving up after ${attempts} attempts`,
    );
    return again;
  };
  const octokit = getOctokit(
    opts.token,
    {
      baseUrl: opts.apiUrl,
      userAgent: 'agentgate',
      retry: {
        ...(t.retries !== undefined ? { retries: t.retries } : {}),
        ...(t.retryAfterBaseMs !== undefined ? { retryAfterBaseValue: t.retryAfterBaseMs } : {}),
      },
      throttle:
        t.pace === false
          ? { enabled: false }
          : {
              onRateLimit: onLimit('rate limit'),
              onSecondaryRateLimit: onLimit('secondary rate limit'),
              ...(t.retryAfterBaseMs !== undefined ? { retryAfterBaseValue: t.retryAfterBaseMs } : {}),
            },
    },
    retry,
    throttling,
  );
  // Registered after the plugins, so it wraps them: it sees the error that is left once retries and
  // rate-limit waits are done, and renames it without touching status, request or response.
  octokit.hook.wrap('request', async (request, options) => {
    try {
      return await request(options);
    } catch (e) {
      const text = describeGitHubError(e, {
        apiUrl: opts.apiUrl,
        method: options.method,
        url: expandedUrl(octokit, options),
      });
      rename(e, opts.token ? text.split(opts.token).join('[REDACTED]') : text);
      throw e;
    }
  });
  return octokit;
}

/** The HTTP status of a failed request (Octokit's RequestError carries it), or undefined. */
export function httpStatus(e: unknown): number | undefined {
  const status = (e as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * The URL a request goes to. Hooks see the route template (`/repos/{owner}/{repo}`) and its
 * parameters; this fills them in, as the request itself will.
 */
function expandedUrl(gh: GitHubClient, o: RouteOptions): string {
  try {
    return gh.request.endpoint.parse(o).url;
  } catch {
    return o.url ?? '';
  }
}

/** `METHOD /path`: a request without the API base URL, the query string and the fragment. */
export function operationOf(method: string | undefined, url: string | undefined, apiUrl?: string): string {
  let path = url ?? '';
  const base = apiUrl?.replace(/\/+$/, '');
  if (base && path.startsWith(base) && /^(?:[/?#]|$)/.test(path.slice(base.length))) {
    path = path.slice(base.length);
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    path = new URL(path).pathname;
  }
  path = path.split(/[?#]/)[0] ?? '';
  return `${(method ?? 'GET').toUpperCase()} ${path.startsWith('/') ? path : `/${path}`}`;
}

interface FailedRequest {
  status?: unknown;
  request?: { method?: string; url?: string };
  response?: { status?: number; data?: unknown };
}

/**
 * What a failed GitHub API call was and what GitHub answered, e.g.
 * `GitHub API PATCH /repos/acme/widgets/check-runs/1001 failed: HTTP 500 Server Error`. The method
 * and URL default to the error's own request (Octokit's RequestError carries one).
 */
export function describeGitHubError(
  e: unknown,
  where: { apiUrl?: string; method?: string; url?: string } = {},
): string {
  const failed = (typeof e === 'object' && e !== null ? e : {}) as FailedRequest;
  const op = operationOf(
    where.method ?? failed.request?.method,
    where.url ?? failed.request?.url,
    where.apiUrl,
  );
  const response = failed.response;
  if (response === undefined || typeof failed.status !== 'number') {
    // No answer at all: a connection failure, an abort, or a fault before the request went out.
    return `GitHub API ${op} failed: ${messageOf(e)}`;
  }
  const said = githubMessage(response.data);
  return `GitHub API ${op} failed: HTTP ${failed.status}${said ? ` ${said}` : ''}`;
}

/** GitHub's `message`, with the `errors` a 422 lists, from a response body. */
function githubMessage(data: unknown): string | undefined {
  let text: string | undefined;
  if (typeof data === 'string') {
    // A proxy's HTML error page says nothing useful.
    const first = data.trim().split('\n')[0]?.trim() ?? '';
    text = first.startsWith('<') ? undefined : first;
  } else if (typeof data === 'object' && data !== null) {
    const body = data as { message?: unknown; errors?: unknown };
    const message = typeof body.message === 'string' ? body.message : undefined;
    const errors = Array.isArray(body.errors)
      ? body.errors.map(errorText).filter((x) => x !== undefined)
      : [];
    text = [message, errors.join('; ')].filter((x) => x).join(': ');
  }
  if (!text) return undefined;
  return text.length > GITHUB_MESSAGE_LIMIT ? `${text.slice(0, GITHUB_MESSAGE_LIMIT)}…` : text;
}

/** One entry of a 422's `errors`: its message (with its code unless `custom`), or where and what. */
function errorText(x: unknown): string | undefined {
  if (typeof x === 'string') return x || undefined;
  if (typeof x !== 'object' || x === null) return undefined;
  const { message, code, resource, field } = x as Record<string, unknown>;
  const codeText = typeof code === 'string' && code !== '' ? code : undefined;
  if (typeof message === 'string' && message !== '') {
    return codeText && codeText !== 'custom' ? `${message} (${codeText})` : message;
  }
  const at = [resource, field].filter((s): s is string => typeof s === 'string' && s !== '').join('.');
  if (codeText) return at ? `${at}: ${codeText}` : codeText;
  return undefined;
}

/** Gives an error a new message (and the stack's first line with it); leaves anything else as it is. */
function rename(e: unknown, message: string): void {
  if (!(e instanceof Error)) return;
  if (!Object.getOwnPropertyDescriptor(e, 'message')?.writable) return;
  const head = `${e.name}: ${e.message}`;
  e.message = message;
  if (typeof e.stack === 'string' && e.stack.startsWith(head)) {
    e.stack = `${e.name}: ${message}${e.stack.slice(head.length)}`;
  }
}
