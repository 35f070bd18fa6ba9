// Reads a policy file: YAML syntax first, then the schema. Every problem becomes a PolicyError that names
// the file, the line and column, the field path, and what was expected there. (The built-in pack loads
// without either: default.ts.)
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import type { LoadedPolicy } from './default.js';
import { PolicyError, type PolicyErrorLocation } from './errors.js';
import { formatFieldPath, PolicySchema, type ProblemParams } from './schema.js';

/** How many problems one error reports; the first is on the first line of the message. */
const MAX_REPORTED_PROBLEMS = 5;

interface Problem extends PolicyErrorLocation {
  offset: number;
  problem: string;
  /** Problems of a lower rank are reported first: a missing field is often the consequence of a misspelt key. */
  rank?: number;
}

function formatProblem(file: string, p: Problem): string {
  const where = p.line === undefined ? file : `${file}:${p.line}:${p.column ?? 1}`;
  const field = p.fieldPath ? `${p.fieldPath}: ` : '';
  const expected = p.expected ? ` (expected ${p.expected})` : '';
  return `${where}: ${field}${p.problem}${expected}`;
}

function toError(file: string, problems: Problem[]): PolicyError {
  const sorted = [...problems].sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0) || a.offset - b.offset);
  const first = sorted[0];
  if (!first) return new PolicyError(file, `${file}: invalid policy`);
  const lines = sorted.slice(0, MAX_REPORTED_PROBLEMS).map((p) => formatProblem(file, p));
  if (sorted.length > MAX_REPORTED_PROBLEMS)
    lines.push(`(${sorted.length - MAX_REPORTED_PROBLEMS} more problems)`);
  return new PolicyError(file, lines.join('\n'), first);
}

function describeValue(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 60)}...` : value}'`;
  return String(value);
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur = data;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** The offset in the text of the node at `path` (of its key, with `atKey`), or of the deepest node that exists. */
function offsetOf(doc: Document, path: readonly PropertyKey[], atKey: boolean): number {
  let node: unknown = doc.contents;
  let offset = doc.contents?.range?.[0] ?? 0;
  for (const [i, key] of path.entries()) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) break;
      const keyOffset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
      if (atKey && i === path.length - 1) return keyOffset ?? offset;
      node = pair.value;
      offset =
        (isScalar(node) || isMap(node) || isSeq(node) || isAlias(node) ? node.range?.[0] : undefined) ??
        keyOffset ??
        offset;
    } else if (isSeq(node) && typeof key === 'number') {
      const item: unknown = node.items[key];
      if (item === undefined) break;
      node = item;
      offset =
        (isScalar(item) || isMap(item) || isSeq(item) || isAlias(item) ? item.range?.[0] : undefined) ??
        offset;
    } else {
      break;
    }
  }
  return offset;
}

function problemOf(
  issue: z.core.$ZodIssue,
  data: unknown,
): { path: PropertyKey[]; atKey: boolean; problem: string; expected?: string } {
  const path = [...issue.path];
  const value = valueAt(data, path);
  switch (issue.code) {
    case 'invalid_type':
      return {
        path,
        atKey: false,
        problem: value === undefined ? 'missing' : `got ${describeValue(value)}`,
        expected: issue.message,
      };
    case 'invalid_value':
    case 'invalid_format':
    case 'too_small':
    case 'too_big':
      return {
        path,
        atKey: false,
        problem: `invalid value ${describeValue(value)}`,
        expected: issue.message,
      };
    case 'unrecognized_keys': {
      const key = issue.keys[0] ?? '';
      return { path: [...path, key], atKey: true, problem: `unknown key '${key}'`, expected: issue.message };
    }
    case 'invalid_key': {
      const key = path[path.length - 1];
      return {
        path,
        atKey: true,
        problem: `invalid name '${String(key)}'`,
        expected: issue.issues[0]?.message ?? issue.message,
      };
    }
    case 'custom': {
      const params = issue.params as Partial<ProblemParams> | undefined;
      return params?.problem
        ? { path, atKey: false, problem: params.problem, expected: issue.message }
        : { path, atKey: false, problem: issue.message };
    }
    default:
      return { path, atKey: false, problem: issue.message };
  }
}

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function parse(text: string, source: string, digest: string): LoadedPolicy {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { offset, line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    throw toError(
      source,
      doc.errors.map((e) => ({
        ...at(e.pos[0]),
        problem: `invalid YAML: ${e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`,
        expected: 'valid YAML',
      })),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new PolicyError(source, `${source}: invalid YAML: ${(e as Error).message}`, {
      expected: 'valid YAML',
    });
  }
  const result = PolicySchema.safeParse(data);
  if (!result.success) {
    throw toError(
      source,
      result.error.issues.map((issue) => {
        const p = problemOf(issue, data);
        return {
          ...at(offsetOf(doc, p.path, p.atKey)),
          fieldPath: formatFieldPath(p.path),
          problem: p.problem,
          rank: p.problem === 'missing' ? 1 : 0,
          ...(p.expected !== undefined ? { expected: p.expected } : {}),
        };
      }),
    );
  }
  return { policy: result.data, source, sha256: digest };
}

/** Parses and validates policy text. `source` names it in errors. Throws PolicyError. */
export function parsePolicy(text: string, source: string): LoadedPolicy {
  return parse(text, source, sha256(Buffer.from(text, 'utf8')));
}

/** Reads, parses and validates a policy file. Throws PolicyError, also when the file cannot be read. */
export async function loadPolicyFile(path: string): Promise<LoadedPolicy> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new PolicyError(path, `${path}: cannot read the policy file (${why})`, {
      expected: 'a readable YAML file',
    });
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new PolicyError(path, `${path}: the policy file is not valid UTF-8`, {
      expected: 'a UTF-8 YAML file',
    });
  }
  return parse(text, path, sha256(bytes));
}

export { type LoadedPolicy, PolicyError, type PolicyErrorLocation };
