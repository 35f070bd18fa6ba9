// GitHub's REST API description (@octokit/openapi, api.github.com.json) as a request and response
// validator for the test fakes: find the operation for a method and a concrete path, check its path
// and query parameters and its JSON body, and check a response body against the documented schema.
// The description is parsed once per process and each validator is compiled on first use.
//
// Two repairs are made to the description on load, because Ajv reads OpenAPI 3.0's `nullable`
// literally: `nullable` without a sibling `type` (next to allOf/oneOf/$ref; Ajv throws on compile)
// becomes `anyOf: [schema, {type: 'null'}]`, and a nullable `enum` that does not list null gets null.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Json = Record<string, unknown>;

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Json;
}

/** One REST operation of the description. */
export interface Operation {
  operationId: string;
  /** Upper-case HTTP method. */
  method: string;
  /** The path template, e.g. `/repos/{owner}/{repo}/pulls/{pull_number}`. */
  template: string;
  documentationUrl: string;
}

export interface RequestCheck {
  operation?: Operation;
  /** 0 when the request is valid, else the status GitHub would answer with (404 or 422). */
  status: number;
  errors: string[];
  /** Path parameters, coerced to their schema types. */
  params: Record<string, unknown>;
  /** Query parameters, coerced to their schema types. */
  query: Record<string, unknown>;
}

interface Route {
  operation: Operation;
  raw: Json;
  /** JSON pointer (URI fragment form) of the operation object. */
  pointer: string;
  /** One matcher per path segment: a literal, or a regex whose groups are the named parameters. */
  segments: ({ literal: string } | { regex: RegExp; names: string[]; mixed: boolean })[];
}

interface Loaded {
  document: Json;
  routes: Route[];
  byId: Map<string, Route>;
  /** Bodies and responses: no coercion. */
  ajv: Ajv;
  /** Path and query parameters arrive as strings: coerce them to the schema's type. */
  paramsAjv: Ajv;
}

const SCHEMA_ID = 'https://api.github.com/openapi.json';
const REST_DOCS = 'https://docs.github.com/rest';

let loaded: Loaded | undefined;
let loads = 0;
const compiled = new Map<string, ValidateFunction | null>();

const require = createRequire(import.meta.url);

/** The parsed description and the routes, loaded on first use and cached for the process. */
function load(): Loaded {
  if (loaded) return loaded;
  loads++;
  const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
  const document = JSON.parse(readFileSync(file, 'utf8')) as Json;
  repairNullable(document);
  const routes: Route[] = [];
  const byId = new Map<string, Route>();
  for (const [template, item] of Object.entries(document.paths as Record<string, Json>)) {
    for (const [method, raw] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete', 'head'].includes(method)) continue;
      const op = raw as Json;
      const operation: Operation = {
        operationId: String(op.operationId),
        method: method.toUpperCase(),
        template,
        documentationUrl: (op.externalDocs as { url?: string } | undefined)?.url ?? REST_DOCS,
      };
      const route: Route = {
        operation,
        raw: op,
        pointer: pointer('paths', template, method),
        segments: template
          .split('/')
          .slice(1)
          .map((segment) => {
            if (!segment.includes('{')) return { literal: segment };
            const names: string[] = [];
            const source = segment
              .split(/(\{[^}]+\})/)
              .map((part) => {
                const m = /^\{([^}]+)\}$/.exec(part);
                if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
                names.push(m[1] as string);
                return '(.+?)';
              })
              .join('');
            return { regex: new RegExp(`^${source}$`), names, mixed: !/^\{[^}]+\}$/.test(segment) };
          }),
      };
      routes.push(route);
      byId.set(operation.operationId, route);
    }
  }
  const ajv = newAjv({});
  const paramsAjv = newAjv({ coerceTypes: 'array' });
  for (const instance of [ajv, paramsAjv]) instance.addSchema(document, SCHEMA_ID, undefined, false);
  loaded = { document, routes, byId, ajv, paramsAjv };
  return loaded;
}

function newAjv(options: { coerceTypes?: 'array' }): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, ...options });
  addFormats.default(ajv);
  // The two formats the description uses that ajv-formats does not know.
  ajv.addFormat('repo.nwo', /^[\w.-]+\/[\w.-]+$/);
  ajv.addFormat('timestamp', /^\d+$/);
  return ajv;
}

/** See the header: make `nullable` mean what the description intends, in a form Ajv compiles. */
function repairNullable(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) repairNullable(item);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const schema = node as Json;
  for (const value of Object.values(schema)) repairNullable(value);
  if (typeof schema.nullable !== 'boolean') return;
  if (schema.type === undefined) {
    const nullable = schema.nullable;
    const { nullable: _, description, title, ...inner } = schema;
    if (!nullable) {
      delete schema.nullable;
      return;
    }
    for (const key of Object.keys(schema)) delete schema[key];
    Object.assign(schema, { title, description, anyOf: [inner, { type: 'null' }] });
    if (title === undefined) delete schema.title;
    if (description === undefined) delete schema.description;
  } else if (schema.nullable && Array.isArray(schema.enum) && !schema.enum.includes(null)) {
    schema.enum.push(null);
  }
}

/** A JSON pointer into the description, as a URI fragment. */
function pointer(...parts: (string | number)[]): string {
  return `#/${parts.map((p) => encodeURIComponent(String(p).replace(/~/g, '~0').replace(/\//g, '~1'))).join('/')}`;
}

/** Follow a local `$ref` (parameters, responses), returning the target and its pointer. */
function deref(node: Json, at: string): { node: Json; at: string } {
  const ref = node.$ref;
  if (typeof ref !== 'string') return { node, at };
  const parts = ref.slice(2).split('/');
  let target: unknown = load().document;
  for (const part of parts) target = (target as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return deref(target as Json, pointer(...parts.map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))));
}

function compile(key: string, ajv: Ajv, schema: () => Json | undefined): ValidateFunction | null {
  let validate = compiled.get(key);
  if (validate === undefined) {
    const s = schema();
    validate = s ? ajv.compile({ $id: `${SCHEMA_ID}/${key}`, ...s }) : null;
    compiled.set(key, validate);
  }
  return validate;
}

/** How many times this process has parsed the description (it is cached: 1 once anything asked). */
export function openApiLoads(): number {
  load();
  return loads;
}

export function getOperation(operationId: string): Operation | undefined {
  return load().byId.get(operationId)?.operation;
}

/**
 * The operation for a method and a concrete path (percent-encoded, without the query), with its raw
 * path parameters. Where several templates match, the one with literal segments earliest wins, as in
 * GitHub's router (`/repos/{owner}/{repo}/issues/comments` over `/repos/{owner}/{repo}/issues/{issue_number}`).
 */
export function matchOperation(
  method: string,
  path: string,
): { operation: Operation; params: Record<string, string> } | undefined {
  const segments = path.split('/').slice(1);
  let best: { route: Route; params: Record<string, string>; rank: number[] } | undefined;
  for (const route of load().routes) {
    if (route.operation.method !== method.toUpperCase() || route.segments.length !== segments.length)
      continue;
    const params: Record<string, string> = {};
    const rank: number[] = [];
    let ok = true;
    for (const [i, matcher] of route.segments.entries()) {
      const segment = segments[i] as string;
      if ('literal' in matcher) {
        ok = matcher.literal === segment;
        rank.push(2);
      } else {
        const m = matcher.regex.exec(segment);
        ok = m !== null;
        matcher.names.forEach((name, j) => {
          params[name] = safeDecode(m?.[j + 1] ?? '');
        });
        rank.push(matcher.mixed ? 1 : 0);
      }
      if (!ok) break;
    }
    if (ok && (!best || compareRank(rank, best.rank) > 0)) best = { route, params, rank };
  }
  return best && { operation: best.route.operation, params: best.params };
}

function compareRank(a: number[], b: number[]): number {
  for (const [i, x] of a.entries()) {
    const d = x - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Validate a request: route, path and query parameters, and JSON body. */
export function checkRequest(request: {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}): RequestCheck {
  const match = matchOperation(request.method, request.path);
  if (!match) {
    return {
      status: 404,
      errors: [`no operation for ${request.method} ${request.path}`],
      params: {},
      query: {},
    };
  }
  const { operation } = match;
  const route = load().byId.get(operation.operationId) as Route;
  const errors: string[] = [];

  const parameters = ((route.raw.parameters as Json[] | undefined) ?? []).map((p, i) =>
    deref(p, `${route.pointer}/parameters/${i}`),
  );
  const check = (where: 'path' | 'query', values: Record<string, unknown>) => {
    const validate = compile(`${operation.operationId}/${where}`, load().paramsAjv, () => {
      const own = parameters.filter((p) => (p.node as unknown as Parameter).in === where);
      return {
        type: 'object',
        properties: Object.fromEntries(
          own.map((p) => [(p.node as unknown as Parameter).name, { $ref: `${SCHEMA_ID}${p.at}/schema` }]),
        ),
        required: own
          .filter((p) => p.node.required === true)
          .map((p) => (p.node as unknown as Parameter).name),
        additionalProperties: false,
      };
    });
    if (validate && !validate(values)) errors.push(...describe(validate.errors, `${where} parameter`));
  };
  const params: Record<string, unknown> = { ...match.params };
  check('path', params);
  const query: Record<string, unknown> = { ...request.query };
  for (const p of parameters) {
    const param = p.node as unknown as Parameter;
    const value = query[param.name];
    if (param.in === 'query' && param.schema?.type === 'array' && typeof value === 'string') {
      query[param.name] = value.split(',');
    }
  }
  check('query', query);

  const requestBody = route.raw.requestBody as
    | { required?: boolean; content?: Record<string, unknown> }
    | undefined;
  const hasBody = request.body !== undefined && request.body !== '';
  if (!requestBody) {
    if (hasBody && request.method !== 'GET') errors.push(`${operation.operationId} takes no request body`);
  } else if (!hasBody) {
    if (requestBody.required) errors.push(`${operation.operationId} requires a request body`);
  } else if (requestBody.content?.['application/json']) {
    const validate = compile(`${operation.operationId}/body`, load().ajv, () => ({
      $ref: `${SCHEMA_ID}${route.pointer}/requestBody/content/${encodeURIComponent('application~1json')}/schema`,
    }));
    if (validate && !validate(request.body)) errors.push(...describe(validate.errors, 'body'));
    errors.push(...unknownBodyFields(route, request.body));
  }
  return { operation, status: errors.length ? 422 : 0, errors, params, query };
}

/**
 * Top-level body fields the operation does not document. GitHub ignores them, so a misspelt field
 * (`drafts: true`) would silently do nothing; here it is a violation. Only plain object schemas are
 * checked (not oneOf/anyOf bodies).
 */
function unknownBodyFields(route: Route, body: unknown): string[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return [];
  const media = (route.raw.requestBody as Json).content as Record<string, Json>;
  const { node } = deref(media['application/json']?.schema as Json, '');
  const properties = node.properties as Json | undefined;
  if (!properties || node.oneOf || node.anyOf || node.allOf) return [];
  return Object.keys(body)
    .filter((k) => !(k in properties))
    .map((k) => `body has a field the operation does not document: '${k}'`);
}

/**
 * Check a response body against the schema documented for the operation and status. Returns no
 * errors when the status or its JSON schema is not documented.
 */
export function checkResponse(operationId: string, status: number, body: unknown): string[] {
  const route = load().byId.get(operationId);
  if (!route) return [`unknown operation ${operationId}`];
  const validate = compile(`${operationId}/response/${status}`, load().ajv, () => {
    const responses = route.raw.responses as Record<string, Json>;
    const response = responses[String(status)] ?? responses.default;
    if (!response) return undefined;
    const { node, at } = deref(response, `${route.pointer}/responses/${status}`);
    const content = node.content as Record<string, Json> | undefined;
    if (!content?.['application/json']?.schema) return undefined;
    return { $ref: `${SCHEMA_ID}${at}/content/${encodeURIComponent('application~1json')}/schema` };
  });
  return validate && !validate(body) ? describe(validate.errors, 'response') : [];
}

/** Ajv errors as readable lines: `body/draft must be boolean`, `query parameter 'foo' is not allowed`. */
function describe(errors: ErrorObject[] | null | undefined, subject: string): string[] {
  return (errors ?? []).map((e) => {
    if (subject.endsWith('parameter')) {
      const name = e.instancePath.split('/')[1];
      if (e.keyword === 'additionalProperties') return `unknown ${subject} '${e.params.additionalProperty}'`;
      if (e.keyword === 'required') return `missing required ${subject} '${e.params.missingProperty}'`;
      return `${subject} '${name}'${e.instancePath.split('/').slice(2).join('/')} ${message(e)}`;
    }
    return `${subject}${e.instancePath} ${message(e)}`;
  });
}

function message(e: ErrorObject): string {
  const allowed = e.keyword === 'enum' ? ` (${(e.params.allowedValues as unknown[]).join(', ')})` : '';
  return `${e.message ?? e.keyword}${allowed}`;
}
