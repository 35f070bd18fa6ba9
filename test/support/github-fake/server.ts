// The fake's HTTP server: authentication, JSON parsing, validation of every REST request against GitHub's
// OpenAPI description, dispatch to the handlers (or to GraphQL), the fault hook, a check of the fake's own
// answers against the documented response schemas, and a record of every request.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkRequest, checkResponse } from '../openapi.js';
import { type Answer, type Call, error, type Handlers, notFound, type RecordedRequest } from './context.js';
import { GRAPHQL_DOCS, REST_DOCS } from './shapes.js';
import type { FakeState } from './state.js';

export interface ServerDeps {
  state: FakeState;
  /** REST handlers by operationId. */
  handlers: Handlers;
  /** Answers a POST /graphql body; sets the record's operationId. */
  graphql: (body: unknown, record: RecordedRequest) => Promise<Answer>;
  /** A scripted answer for a valid request of the operation, if the fault hook has one. */
  takeFault: (operationId: string, documentationUrl: string) => Answer | undefined;
  /** Raw bytes served outside the API (where a download redirects), by path; undefined: not a blob. */
  blob?: (path: string) => { type: string; bytes: Buffer } | undefined;
}

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  violations: string[];
  tokens: Set<string>;
  close(): Promise<void>;
}

export async function startServer({
  state,
  handlers,
  graphql,
  takeFault,
  blob,
}: ServerDeps): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const tokens = new Set<string>();

  const answer = async (req: IncomingMessage, text: string, record: RecordedRequest): Promise<Answer> => {
    const auth = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!auth) {
      return {
        status: 401,
        body:
          record.path === '/graphql'
            ? { message: 'This endpoint requires you to be authenticated.', documentation_url: GRAPHQL_DOCS }
            : { message: 'Requires authentication', documentation_url: REST_DOCS, status: '401' },
        violation: 'no authorization header (`token X` or `Bearer X`)',
      };
    }
    record.token = auth[1] as string;
    tokens.add(record.token);

    let body: unknown;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        return {
          status: 400,
          body: { message: 'Problems parsing JSON', documentation_url: REST_DOCS },
          violation: 'request body is not JSON',
        };
      }
    }
    record.body = body;

    if (record.path === '/graphql' && record.method === 'POST') return graphql(body, record);

    const check = checkRequest({ method: record.method, path: record.path, query: record.query, body });
    if (!check.operation) {
      return {
        status: 404,
        body: { message: 'Not Found', documentation_url: REST_DOCS, status: '404' },
        violation: check.errors.join('; '),
      };
    }
    record.operationId = check.operation.operationId;
    const call: Call = {
      params: check.params,
      query: check.query,
      rawQuery: record.query,
      body: (body ?? {}) as Record<string, unknown>,
      path: record.path,
      operation: check.operation,
    };
    if (check.status) {
      return {
        ...error(call, check.status, `Invalid request.\n\n${check.errors.join('\n')}`),
        violation: check.errors.join('; '),
      };
    }
    const handler = handlers[check.operation.operationId];
    if (!handler) {
      return {
        ...error(call, 501, `${check.operation.operationId} is not implemented by the GitHub fake`),
        violation: `${check.operation.operationId} is not implemented by the GitHub fake`,
      };
    }
    const { owner, repo } = check.params;
    const sameRepo =
      String(owner).toLowerCase() === state.owner.toLowerCase() &&
      String(repo).toLowerCase() === state.repo.toLowerCase();
    if (owner !== undefined && repo !== undefined && !sameRepo) return notFound(call);
    const scripted = takeFault(check.operation.operationId, check.operation.documentationUrl);
    if (scripted) return scripted;

    const result = handler(call);
    const drift = checkResponse(check.operation.operationId, result.status, result.body);
    if (drift.length) {
      return {
        ...result,
        violation: [result.violation, `the fake's ${result.status} answer is off-schema: ${drift.join('; ')}`]
          .filter(Boolean)
          .join('; '),
      };
    }
    return result;
  };

  const server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      // A blob (e.g. an artifact's zip a download redirected to) is storage, not the API: no auth, no schema.
      const raw =
        req.method === 'GET' && url.pathname.startsWith('/_blobs/') ? blob?.(url.pathname) : undefined;
      if (raw) {
        res.writeHead(200, { 'content-type': raw.type, 'content-length': String(raw.bytes.length) });
        res.end(raw.bytes);
        return;
      }
      const record: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body: undefined,
        status: 0,
      };
      requests.push(record);
      answer(req, Buffer.concat(chunks).toString('utf8'), record)
        .catch(
          (e: unknown): Answer => ({
            status: 500,
            body: { message: 'Server Error', documentation_url: REST_DOCS },
            violation: `the fake threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
          }),
        )
        .then((result) => {
          record.status = result.status;
          record.response = result.body;
          if (result.violation) {
            violations.push(`${record.method} ${url.pathname}${url.search}: ${result.violation}`);
          }
          // Never 0: Octokit's throttling plugin would wait for the reset.
          const remaining = String(Math.max(5000 - requests.length, 1));
          res.writeHead(result.status, {
            'content-type': 'application/json; charset=utf-8',
            'x-github-media-type': 'github.v3; format=json',
            'x-github-request-id': `FAKE:${requests.length}`,
            'x-ratelimit-limit': '5000',
            'x-ratelimit-remaining': remaining,
            'x-ratelimit-used': String(requests.length),
            'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
            'x-ratelimit-resource': record.path === '/graphql' ? 'graphql' : 'core',
            ...result.headers,
          });
          res.end(
            result.status === 204 || result.body === undefined ? undefined : JSON.stringify(result.body),
          );
        });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    violations,
    tokens,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}
