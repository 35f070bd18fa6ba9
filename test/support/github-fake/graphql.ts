// GraphQL: every document validated against GitHub's schema (from @octokit/graphql-schema), then answered
// by the resolver the test registered for its operation name.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  buildClientSchema,
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  getVariableValues,
  type IntrospectionQuery,
  parse,
  validate,
} from 'graphql';
import type { Answer, RecordedRequest } from './context.js';
import { GRAPHQL_DOCS } from './shapes.js';
import type { FakeState } from './state.js';

export type GraphQLResolver = (variables: Record<string, unknown>, state: FakeState) => unknown;

let graphqlSchema: GraphQLSchema | undefined;

/** GitHub's GraphQL schema from @octokit/graphql-schema's introspection result, built once per process. */
export function loadGraphQLSchema(): GraphQLSchema {
  if (graphqlSchema) return graphqlSchema;
  // The package exports only its ESM entry, so find schema.json through the node_modules search path.
  const paths = createRequire(import.meta.url).resolve.paths('@octokit/graphql-schema') ?? [];
  const file = paths.map((dir) => `${dir}/@octokit/graphql-schema/schema.json`).find((f) => existsSync(f));
  if (!file) throw new Error('@octokit/graphql-schema is not installed');
  graphqlSchema = buildClientSchema(JSON.parse(readFileSync(file, 'utf8')) as IntrospectionQuery);
  return graphqlSchema;
}

/**
 * Whether a GraphQL request body is a query (reads only). Anything else counts as a write: a mutation,
 * a subscription, and a document that does not parse or name its operation (GitHub would run nothing,
 * but a test proving that nothing was written should see the attempt).
 */
export function isGraphQLQuery(raw: unknown): boolean {
  const { query, operationName } = (raw ?? {}) as { query?: unknown; operationName?: string | null };
  if (typeof query !== 'string') return false;
  try {
    return getOperationAST(parse(query), operationName ?? undefined)?.operation === 'query';
  } catch {
    return false;
  }
}

/**
 * The GraphQL endpoint for one fake: `register` sets an operation's resolver; `answer` answers a request
 * body, setting the record's operationId, with `takeFault` consulted once the document is valid.
 */
export function createGraphQL(
  state: FakeState,
  takeFault: (operationId: string, documentationUrl: string) => Answer | undefined,
) {
  const resolvers = new Map<string, GraphQLResolver>();

  const answer = async (raw: unknown, record: RecordedRequest): Promise<Answer> => {
    const reject = (message: string, errors: unknown[]): Answer => ({
      status: 200,
      body: { errors },
      violation: message,
    });
    const { query, variables, operationName } = (raw ?? {}) as {
      query?: unknown;
      variables?: Record<string, unknown> | null;
      operationName?: string | null;
    };
    if (typeof query !== 'string') {
      const message = 'A query attribute must be specified and must be a string.';
      return reject(message, [{ message }]);
    }
    const schema = loadGraphQLSchema();
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (e) {
      const err = e instanceof GraphQLError ? e : new GraphQLError(String(e));
      return reject(`GraphQL syntax: ${err.message}`, [err.toJSON()]);
    }
    const invalid = validate(schema, document);
    if (invalid.length) {
      return reject(
        `GraphQL: ${invalid.map((e) => e.message).join('; ')}`,
        invalid.map((e) => e.toJSON()),
      );
    }
    const operation = getOperationAST(document, operationName ?? undefined);
    if (!operation) {
      const message = operationName
        ? `Unknown operation named "${operationName}".`
        : 'Must provide operation name.';
      return reject(`GraphQL: ${message}`, [{ message }]);
    }
    const name = operation.name?.value ?? '';
    record.operationId = name ? `graphql/${name}` : 'graphql';
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
    if (coerced.errors) {
      return reject(
        `GraphQL variables: ${coerced.errors.map((e) => e.message).join('; ')}`,
        coerced.errors.map((e) => e.toJSON()),
      );
    }
    const scripted = takeFault(record.operationId, GRAPHQL_DOCS);
    if (scripted) return scripted;
    const resolver = resolvers.get(name);
    if (!resolver) {
      const message = `no resolver registered for GraphQL operation '${name}'`;
      return reject(`GraphQL: ${message}`, [{ message }]);
    }
    try {
      return { status: 200, body: { data: await resolver(coerced.coerced, state) } };
    } catch (e) {
      return {
        status: 200,
        body: { data: null, errors: [{ message: e instanceof Error ? e.message : String(e) }] },
      };
    }
  };

  return {
    answer,
    register(operationName: string, resolver: GraphQLResolver) {
      loadGraphQLSchema();
      resolvers.set(operationName, resolver);
    },
  };
}
