// Twirp and Azure error types, request-body helpers, and a small checker for proto3 JSON messages, shared
// by the artifact and cache halves of the results service fake.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A Twirp error answer: `{ code, msg }` with the HTTP status of the code. */
export class TwirpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A request the real service would reject as malformed (unknown or missing field, wrong type, bad route,
 * bad token, declared size or hash not matching the upload). Answered like any Twirp error and recorded
 * in the fake's `violations`.
 */
export class ProtocolViolation extends TwirpError {}

/** An Azure Storage error answer: XML body plus `x-ms-error-code`. */
export class StorageError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const invalidArgument = (message: string) => new ProtocolViolation(400, 'invalid_argument', message);

const TWIRP_CODES: Readonly<Record<number, string>> = {
  400: 'invalid_argument',
  401: 'unauthenticated',
  403: 'permission_denied',
  404: 'not_found',
  408: 'deadline_exceeded',
  409: 'already_exists',
  412: 'failed_precondition',
  429: 'resource_exhausted',
  500: 'internal',
  501: 'unimplemented',
  503: 'unavailable',
};

export function twirpCodeFor(status: number): string {
  return TWIRP_CODES[status] ?? (status >= 500 ? 'internal' : 'unknown');
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function md5Base64(data: Buffer): string {
  return createHash('md5').update(data).digest('base64');
}

// --- field access (protobuf JSON parsers accept the proto name and the lowerCamelCase JSON name) ---------------

const camelCase = (protoName: string) => protoName.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

export function field(body: Record<string, unknown>, protoName: string): unknown {
  if (protoName in body) return body[protoName];
  return body[camelCase(protoName)];
}

export function stringField(body: Record<string, unknown>, protoName: string): string | undefined {
  const value = field(body, protoName);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw invalidArgument(`${protoName} must be a string`);
}

export function int64Field(body: Record<string, unknown>, protoName: string): bigint | undefined {
  const value = field(body, protoName);
  if (value === undefined || value === null) return undefined;
  if (
    (typeof value === 'string' && /^-?\d+$/.test(value)) ||
    (typeof value === 'number' && Number.isInteger(value))
  ) {
    return BigInt(value);
  }
  throw invalidArgument(`${protoName} must be an int64`);
}

export function stringListField(body: Record<string, unknown>, protoName: string): string[] {
  const value = field(body, protoName);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

// --- message shapes ---------------------------------------------------------------------------------------------

/**
 * The proto3 JSON mapping of one field: scalars, the `google.protobuf` wrappers and Timestamp (which map to
 * the bare value), a nested message, or a repeated one. `null` stands for the default value of any of them.
 */
export type FieldShape =
  | 'string'
  | 'bool'
  | 'int32'
  | 'int64'
  | 'Timestamp'
  | 'StringValue'
  | 'Int64Value'
  | 'repeated string'
  | MessageShape
  | { repeated: MessageShape };

export interface MessageShape {
  /** Fully qualified proto name, for error messages. */
  name: string;
  fields: Readonly<Record<string, FieldShape>>;
  /** Fields the service cannot do without; absent, null or the default value (`""`, `0`) counts as missing. */
  required?: readonly string[];
}

const INT64 = /^-?\d+$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkValue(value: unknown, shape: FieldShape, path: string): void {
  if (value === null) return;
  const fail = (expected: string) => {
    throw invalidArgument(`${path}: expected ${expected}, got ${JSON.stringify(value)}`);
  };
  if (typeof shape === 'object') {
    if ('repeated' in shape) {
      if (!Array.isArray(value)) fail('an array');
      (value as unknown[]).forEach((item, i) => {
        checkMessage(item, shape.repeated, `${path}[${i}]`);
      });
    } else {
      checkMessage(value, shape, path);
    }
    return;
  }
  switch (shape) {
    case 'string':
    case 'StringValue':
      if (typeof value !== 'string') fail('a string');
      return;
    case 'bool':
      if (typeof value !== 'boolean') fail('a boolean');
      return;
    case 'int32': {
      const n = typeof value === 'string' && INT64.test(value) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) fail('an int32');
      return;
    }
    case 'int64':
    case 'Int64Value':
      if (
        !(typeof value === 'string' && INT64.test(value)) &&
        !(typeof value === 'number' && Number.isInteger(value))
      )
        fail('an int64 (a decimal string or an integer)');
      return;
    case 'Timestamp':
      if (typeof value !== 'string' || !RFC3339.test(value) || Number.isNaN(Date.parse(value)))
        fail('an RFC 3339 timestamp');
      return;
    case 'repeated string':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) fail('an array of strings');
      return;
  }
}

/**
 * Checks a decoded JSON request against its message shape: an object, no unknown field (by proto or JSON
 * name), no field given twice under both names, each value of the right JSON type, required fields present.
 * Deliberately stricter than a Twirp server, which may discard unknown fields: a client typo fails here.
 */
export function checkMessage(body: unknown, shape: MessageShape, path = shape.name): Record<string, unknown> {
  if (!isObject(body)) throw invalidArgument(`${path}: expected a JSON object`);
  const byJsonName = new Map<string, string>();
  for (const name of Object.keys(shape.fields)) {
    byJsonName.set(name, name);
    byJsonName.set(camelCase(name), name);
  }
  const seen = new Set<string>();
  for (const [key, value] of Object.entries(body)) {
    const name = byJsonName.get(key);
    if (name === undefined) throw invalidArgument(`${path}: unknown field "${key}"`);
    if (seen.has(name)) throw invalidArgument(`${path}: field "${name}" given twice`);
    seen.add(name);
    const fieldShape = shape.fields[name];
    if (fieldShape !== undefined) checkValue(value, fieldShape, `${path}.${name}`);
  }
  for (const name of shape.required ?? []) {
    const value = field(body, name);
    if (value === undefined || value === null || value === '' || value === 0 || value === '0') {
      throw invalidArgument(`${path}: missing required field "${name}"`);
    }
  }
  return body;
}
