// What the handlers of every API area share: the wire types (a validated call, an answer, a recorded
// request), GitHub's error answers, paging, and the context object each area's handlers are built from.
import type { Operation } from '../openapi.js';
import { makeShapes, type Shapes } from './shapes.js';
import { type FakeIssue, type FakeState, type StateOps, stateOps } from './state.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  /** The REST operationId, or `graphql/<OperationName>` (`graphql` for an anonymous operation). */
  operationId?: string;
  status: number;
  token?: string;
  response?: unknown;
}

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Set when GitHub would reject the request for a reason the schema cannot express. */
  violation?: string;
}

/** A validated REST request: parameters coerced to their schema types. */
export interface Call {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  rawQuery: Record<string, string>;
  body: Record<string, unknown>;
  path: string;
  operation: Operation;
}

export type Handlers = Record<string, (call: Call) => Answer>;

/** GitHub's error body for the operation: `message`, `documentation_url`, `status` and any `extra`. */
export const error = (
  call: Call,
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
): Answer => ({
  status,
  body: { message, documentation_url: call.operation.documentationUrl, status: String(status), ...extra },
});

export const notFound = (call: Call) => error(call, 404, 'Not Found');

export const validationFailed = (
  call: Call,
  errors: Record<string, unknown>[],
  violation?: string,
): Answer => ({
  ...error(call, 422, 'Validation Failed', { errors }),
  violation,
});

/** Everything a handler module is built from. */
export interface Context {
  state: FakeState;
  /** The login every token acts as. */
  actor: string;
  /** The fake's base URL. */
  api: () => string;
  ops: StateOps;
  shapes: Shapes;
  error: typeof error;
  notFound: typeof notFound;
  validationFailed: typeof validationFailed;
  /** A path parameter, as coerced by validation. */
  num(call: Call, name: string): number;
  str(call: Call, name: string): string;
  /** One page of `items` per `per_page`/`page`, with GitHub's Link header when there is more. */
  paged<T>(call: Call, items: T[], map: (item: T) => unknown): Answer;
  /** `then` for the issue or pull request `issue_number` names; 404 when there is none. */
  withIssue(call: Call, then: (i: FakeIssue) => Answer): Answer;
}

export function makeContext(state: FakeState, actor: string, stamp: string, api: () => string): Context {
  const ops = stateOps(state);
  const num = (call: Call, name: string) => call.params[name] as number;
  const paged = <T>(call: Call, items: T[], map: (item: T) => unknown): Answer => {
    const perPage = Math.min(Number(call.query.per_page) || 30, 100);
    const page = Math.max(Number(call.query.page) || 1, 1);
    const last = Math.max(Math.ceil(items.length / perPage), 1);
    const link = (n: number, rel: string) => {
      const q = new URLSearchParams({ ...call.rawQuery, page: String(n) });
      return `<${api()}${call.path}?${q}>; rel="${rel}"`;
    };
    const links = [
      ...(page > 1 ? [link(page - 1, 'prev'), link(1, 'first')] : []),
      ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []),
    ];
    return {
      status: 200,
      body: items.slice((page - 1) * perPage, page * perPage).map(map),
      headers: links.length ? { link: links.join(', ') } : {},
    };
  };
  return {
    state,
    actor,
    api,
    ops,
    shapes: makeShapes(state, ops, actor, stamp, api),
    error,
    notFound,
    validationFailed,
    num,
    str: (call, name) => call.params[name] as string,
    paged,
    withIssue: (call, then) => {
      const i = ops.findIssue(num(call, 'issue_number'));
      return i ? then(i) : notFound(call);
    },
  };
}
