// The one place an Octokit is built: the token, the API base URL, retries for transient failures and
// GitHub's rate-limit pacing. Everything that talks to GitHub takes this client as its first argument.
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';

export type GitHubClient = ReturnType<typeof getOctokit>;

export interface ClientOptions {
  token: string;
  apiUrl: string;
  /** Warnings about rate limits and retries. */
  warn: (message: string) => void;
  /** Overrides for tests: retry timing and whether writes are paced (GitHub asks for ~1 s between writes). */
  tuning?: { retryAfterBaseMs?: number; retries?: number; pace?: boolean };
}

/** Retried at most this often: a rate limit, or GitHub's secondary limit. */
export const RATE_LIMIT_RETRIES = 2;

export function createGitHubClient(opts: ClientOptions): GitHubClient {
  const t = opts.tuning ?? {};
  const onLimit =
    (kind: string) => (after: number, o: { method: string; url: string }, _: unknown, count: number) => {
      opts.warn(`GitHub ${kind} on ${o.method} ${o.url}; retrying after ${after} s (attempt ${count + 1})`);
      return count < RATE_LIMIT_RETRIES;
    };
  return getOctokit(
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
            },
    },
    retry,
    throttling,
  );
}

/** The HTTP status of a failed request (Octokit's RequestError carries it), or undefined. */
export function httpStatus(e: unknown): number | undefined {
  const status = (e as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}
