// An in-memory GitHub on 127.0.0.1 for the tests, assembled from one module per API area (issues, pulls,
// checks, actions, repos, GraphQL) over a shared state, behind a server that validates every request.
import { getOperation } from '../openapi.js';
import { actionsHandlers } from './actions.js';
import { checkHandlers } from './checks.js';
import { type Handlers, makeContext, type RecordedRequest } from './context.js';
import { createFaults, type FaultServed, type FaultStep } from './faults.js';
import { createGraphQL, type GraphQLResolver, isGraphQLQuery } from './graphql.js';
import { issueHandlers } from './issues.js';
import { pullHandlers } from './pulls.js';
import { repoHandlers } from './repos.js';
import { startServer } from './server.js';
import { type FakeState, type GitHubFakeOptions, now, seedState } from './state.js';
import { blobOf, workflowRunHandlers } from './workflow-runs.js';

export type { RecordedRequest } from './context.js';
export type { FaultServed, FaultStep } from './faults.js';
export type { GraphQLResolver } from './graphql.js';
export type {
  FakeAnnotation,
  FakeArtifact,
  FakeCheckRun,
  FakeComment,
  FakeIssue,
  FakeJob,
  FakeLabel,
  FakePull,
  FakeRunner,
  FakeState,
  FakeWorkflowRun,
  GitHubFakeOptions,
  Permission,
  SeedIssue,
} from './state.js';

export interface GitHubFake {
  /** `http://127.0.0.1:PORT`: the REST base URL; GraphQL is at `${url}/graphql`. */
  url: string;
  requests: RecordedRequest[];
  /** One readable line per request GitHub would have rejected (or the fake answered off-schema). */
  violations: string[];
  tokens: Set<string>;
  state: FakeState;
  /**
   * Answer the next `times` (default 1) valid requests for the operation (REST operationId or
   * `graphql/<Name>`) with this status, body and extra headers (e.g. `retry-after`) instead. Appends to
   * the operation's fault script.
   */
  failNext(
    operationId: string,
    status: number,
    body?: unknown,
    times?: number,
    headers?: Record<string, string>,
  ): void;
  /**
   * Scripted answers for an operation's next valid requests, in order: a status (GitHub-shaped error
   * body), a full answer, or 'pass' (let that request through to the fake). After the script: pass, or
   * with `after: 'repeat'` the last step forever. Replaces the operation's earlier script.
   */
  fault(operationId: string, steps: FaultStep[], opts?: { after?: 'pass' | 'repeat' }): void;
  /** What the fault hook answered: one entry per request it intercepted. */
  faultsServed: FaultServed[];
  /**
   * The recorded requests that write: every method but GET and HEAD, except GraphQL queries (a GraphQL
   * mutation is a write).
   */
  writes(): RecordedRequest[];
  /** Answer the named GraphQL operation with the resolver's `data`; a thrown error becomes `errors`. */
  graphql(operationName: string, resolver: GraphQLResolver): void;
  close(): Promise<void>;
}

export async function startGitHubFake(options: GitHubFakeOptions): Promise<GitHubFake> {
  const actor = options.actor ?? 'github-actions[bot]';
  const stamp = now();
  const state = seedState(options, stamp);
  let url = '';
  const ctx = makeContext(state, actor, stamp, () => url);
  const handlers: Handlers = {
    ...repoHandlers(ctx),
    ...issueHandlers(ctx),
    ...pullHandlers(ctx),
    ...actionsHandlers(ctx),
    ...checkHandlers(ctx),
    ...workflowRunHandlers(ctx),
  };
  const faults = createFaults();
  const graphql = createGraphQL(state, faults.take);
  const server = await startServer({
    state,
    handlers,
    graphql: graphql.answer,
    takeFault: faults.take,
    blob: (p) => blobOf(state, p),
  });
  url = server.url;

  /** A fault on an operation the fake never answers would never be served: say so at once. */
  const faultable = (operationId: string) => {
    if (operationId === 'graphql' || operationId.startsWith('graphql/') || handlers[operationId]) {
      return operationId;
    }
    throw new Error(
      getOperation(operationId)
        ? `${operationId} is not implemented by the GitHub fake, so a fault on it would never be served`
        : `unknown operationId '${operationId}': expected a REST operationId such as 'issues/add-labels' or 'graphql/<Name>'`,
    );
  };

  return {
    url,
    requests: server.requests,
    violations: server.violations,
    tokens: server.tokens,
    state,
    faultsServed: faults.served,
    failNext(operationId, status, body, times = 1, headers) {
      const step = { status, body, headers };
      faults.append(
        faultable(operationId),
        Array.from({ length: times }, () => step),
      );
    },
    fault(operationId, steps, opts) {
      faults.script(faultable(operationId), steps, opts?.after ?? 'pass');
    },
    writes: () =>
      server.requests.filter(
        (r) =>
          r.method !== 'GET' &&
          r.method !== 'HEAD' &&
          !(r.method === 'POST' && r.path === '/graphql' && isGraphQLQuery(r.body)),
      ),
    graphql: graphql.register,
    close: server.close,
  };
}
