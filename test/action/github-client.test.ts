// The GitHub client as the action builds it, against a scripted HTTP server on 127.0.0.1: a failed call
// names its method, route, status and GitHub's message once retries are done, keeps the properties
// callers read, never shows the token; and the rate-limit warnings say whether they retry or give up.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ClientOptions,
  createGitHubClient,
  describeGitHubError,
  httpStatus,
  operationOf,
  RATE_LIMIT_RETRIES,
} from '../../action/github/client.js';

const TOKEN = 'ghs_unitTestToken0123456789abcdefABCDEF';
const repo = { owner: 'acme', repo: 'widgets' };

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Served {
  url: string;
  requests: { method: string; url: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

const servers: Served[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Answers each request with the next reply; the last reply repeats. */
async function serve(replies: Reply[]): Promise<Served> {
  const requests: Served['requests'] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
      });
      const r = replies[Math.min(requests.length, replies.length) - 1] ?? { status: 500 };
      res.writeHead(r.status, {
        'content-type': 'application/json; charset=utf-8',
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '4999',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
        ...r.headers,
      });
      res.end(r.body === undefined ? undefined : JSON.stringify(r.body));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const served: Served = {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  servers.push(served);
  return served;
}

function client(
  apiUrl: string,
  tuning: ClientOptions['tuning'] = { pace: false, retries: 1, retryAfterBaseMs: 1 },
) {
  const warnings: string[] = [];
  const gh = createGitHubClient({ token: TOKEN, apiUrl, warn: (w) => warnings.push(w), tuning });
  return { gh, warnings };
}

async function failure(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (e) {
    return e as Error & Record<string, unknown>;
  }
  throw new Error('expected the request to fail');
}

const SERVER_ERROR = { message: 'Server Error', documentation_url: 'https://docs.github.com/rest' };

describe('GitHub client errors', () => {
  it('names the method, route, status and message of a call that failed after its retries', async () => {
    const server = await serve([{ status: 500, body: SERVER_ERROR }]);
    const { gh } = client(server.url);
    const e = await failure(
      gh.rest.checks.update({ ...repo, check_run_id: 1001, status: 'completed', conclusion: 'success' }),
    );
    expect(e.message).toBe(
      'GitHub API PATCH /repos/acme/widgets/check-runs/1001 failed: HTTP 500 Server Error',
    );
    // Retried once (tuning.retries) before the error was renamed: the wrapper saw the final one.
    expect(server.requests.map((r) => r.method)).toEqual(['PATCH', 'PATCH']);
    expect(server.requests[0]?.authorization).toBe(`token ${TOKEN}`);
    // Callers still read the status, the response and the request.
    expect(httpStatus(e)).toBe(500);
    expect(e.name).toBe('HttpError');
    expect(e).toMatchObject({
      status: 500,
      response: { status: 500, data: { message: 'Server Error' } },
      request: { method: 'PATCH' },
    });
    expect(String(e.stack).split('\n')[0]).toBe(`HttpError: ${e.message}`);
    expect(e.message).not.toContain(TOKEN);
    expect(JSON.stringify((e.request as { headers?: unknown }).headers)).not.toContain(TOKEN);
  });

  it('lists the errors of a 422 and leaves the query string out of the route', async () => {
    const server = await serve([
      {
        status: 422,
        body: {
          message: 'Validation Failed',
          errors: [
            { resource: 'PullRequest', code: 'custom', message: 'No commits between main and agentgate/x' },
            { resource: 'PullRequest', field: 'head', code: 'invalid' },
            { resource: 'Issue', code: 'unprocessable', message: 'Title is too long' },
          ],
          documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
        },
      },
    ]);
    const { gh } = client(server.url);
    const e = await failure(
      gh.request('POST /repos/{owner}/{repo}/pulls?source=agentgate', {
        ...repo,
        title: 'Fix',
        head: 'agentgate/x',
        base: 'main',
      }),
    );
    expect(e.message).toBe(
      'GitHub API POST /repos/acme/widgets/pulls failed: HTTP 422 Validation Failed: No commits between main and agentgate/x; PullRequest.head: invalid; Title is too long (unprocessable)',
    );
    expect(httpStatus(e)).toBe(422);
    // Never retried.
    expect(server.requests).toHaveLength(1);
  });

  it('strips an API base URL with a path (GitHub Enterprise Server) and never shows the token', async () => {
    const server = await serve([{ status: 401, body: { message: `Bad credentials: ${TOKEN}` } }]);
    const { gh } = client(`${server.url}/api/v3`);
    const e = await failure(gh.rest.repos.get(repo));
    expect(server.requests[0]?.url).toBe('/api/v3/repos/acme/widgets');
    expect(e.message).toBe('GitHub API GET /repos/acme/widgets failed: HTTP 401 Bad credentials: [REDACTED]');
    expect(httpStatus(e)).toBe(401);
  });

  it('says so when nothing answered', async () => {
    const server = await serve([]);
    const url = server.url;
    await servers.splice(0)[0]?.close();
    const { gh } = client(url, { pace: false, retries: 0 });
    const e = await failure(gh.rest.issues.createComment({ ...repo, issue_number: 7, body: 'hi' }));
    expect(e.message).toMatch(
      /^GitHub API POST \/repos\/acme\/widgets\/issues\/7\/comments failed: .*ECONNREFUSED/,
    );
    expect(e.message).not.toContain(TOKEN);
  });

  it('describes errors from their own request, and plain errors without a response', () => {
    const e = Object.assign(new Error('Not Found'), {
      status: 404,
      request: { method: 'GET', url: 'https://api.github.com/repos/acme/widgets/labels/agentgate?x=1' },
      response: { status: 404, data: { message: 'Not Found' } },
    });
    expect(describeGitHubError(e, { apiUrl: 'https://api.github.com' })).toBe(
      'GitHub API GET /repos/acme/widgets/labels/agentgate failed: HTTP 404 Not Found',
    );
    expect(describeGitHubError(new Error('socket hang up'), { method: 'post', url: '/graphql' })).toBe(
      'GitHub API POST /graphql failed: socket hang up',
    );
    const html = { ...e, status: 502, response: { status: 502, data: '<html>Bad gateway</html>' } };
    expect(describeGitHubError(html)).toBe(
      'GitHub API GET /repos/acme/widgets/labels/agentgate failed: HTTP 502',
    );
    expect(operationOf('get', 'http://127.0.0.1:9/api/v3?page=2', 'http://127.0.0.1:9/api/v3')).toBe('GET /');
  });
});

describe('GitHub rate-limit warnings', () => {
  const limited = (): Reply => ({
    status: 403,
    body: { message: 'API rate limit exceeded for installation ID 1.' },
    headers: {
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 1),
    },
  });
  // Rate-limit waits in units of 5 ms instead of seconds; no inner retries, so the throttling decides.
  const tuning = { retries: 0, retryAfterBaseMs: 5 };

  it('says it retries, and which attempt comes next, when it will', async () => {
    const server = await serve([limited(), { status: 200, body: { full_name: 'acme/widgets' } }]);
    const { gh, warnings } = client(server.url, tuning);
    const { data } = await gh.rest.repos.get(repo);
    expect(data.full_name).toBe('acme/widgets');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      new RegExp(
        `^GitHub rate limit on GET /repos/acme/widgets; retrying after \\d+ s \\(attempt 2 of ${RATE_LIMIT_RETRIES + 1}\\)$`,
      ),
    );
  });

  it('says it gives up, not that it retries, on the last attempt', async () => {
    const server = await serve([limited()]);
    const { gh, warnings } = client(server.url, tuning);
    const e = await failure(gh.rest.repos.get(repo));
    expect(server.requests).toHaveLength(RATE_LIMIT_RETRIES + 1);
    expect(warnings).toEqual([
      expect.stringMatching(/; retrying after \d+ s \(attempt 2 of 3\)$/),
      expect.stringMatching(/; retrying after \d+ s \(attempt 3 of 3\)$/),
      'GitHub rate limit on GET /repos/acme/widgets; giving up after 3 attempts',
    ]);
    expect(e.message).toBe(
      'GitHub API GET /repos/acme/widgets failed: HTTP 403 API rate limit exceeded for installation ID 1.',
    );
    expect(httpStatus(e)).toBe(403);
  });

  it('words the secondary limit the same way', async () => {
    const secondary: Reply = {
      status: 429,
      body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes.' },
      headers: { 'retry-after': '1' },
    };
    const server = await serve([secondary]);
    const { gh, warnings } = client(server.url, tuning);
    const e = await failure(gh.rest.issues.listComments({ ...repo, issue_number: 7, per_page: 100 }));
    expect(warnings).toEqual([
      'GitHub secondary rate limit on GET /repos/acme/widgets/issues/7/comments; retrying after 1 s (attempt 2 of 3)',
      'GitHub secondary rate limit on GET /repos/acme/widgets/issues/7/comments; retrying after 1 s (attempt 3 of 3)',
      'GitHub secondary rate limit on GET /repos/acme/widgets/issues/7/comments; giving up after 3 attempts',
    ]);
    expect(e.message).toMatch(
      /^GitHub API GET \/repos\/acme\/widgets\/issues\/7\/comments failed: HTTP 429 You have exceeded a secondary rate limit/,
    );
  });
});
