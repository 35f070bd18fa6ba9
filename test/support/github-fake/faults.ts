// The fault hook: per operation (REST operationId or `graphql/<Name>`), a script of answers for its next
// valid requests. A step is a status (answered with GitHub's error body for it), a full answer, or 'pass'
// (the request reaches the fake). After the script the operation passes, or repeats its last step.
import { STATUS_CODES } from 'node:http';
import type { Answer } from './context.js';
import { RATE_LIMIT_DOCS } from './shapes.js';

export type FaultStep =
  | number
  | 'pass'
  | { status: number; body?: unknown; headers?: Record<string, string> };

export interface FaultServed {
  operationId: string;
  status: number;
}

/** GitHub's messages for the statuses its API answers with. */
const MESSAGES: Record<number, string> = {
  400: 'Problems parsing JSON',
  401: 'Bad credentials',
  403: 'Resource not accessible by integration',
  404: 'Not Found',
  409: 'Conflict',
  422: 'Validation Failed',
  429: 'API rate limit exceeded for installation ID 1.',
  500: 'Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};
const PRIMARY_LIMIT = MESSAGES[429] as string;
const SECONDARY_LIMIT =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID FAKE.';

/**
 * GitHub's error body for `status`. A 429, or a 403 with `x-ratelimit-remaining: 0`, is the primary rate
 * limit; a 403 with `retry-after` the secondary one; both link the rate-limit docs, as GitHub does.
 */
export function githubError(
  status: number,
  documentationUrl: string,
  headers: Record<string, string> = {},
): { message: string; documentation_url: string; status: string } {
  const limited =
    status === 429 || (status === 403 && headers['x-ratelimit-remaining'] === '0')
      ? PRIMARY_LIMIT
      : status === 403 && headers['retry-after'] !== undefined
        ? SECONDARY_LIMIT
        : undefined;
  return {
    message: limited ?? MESSAGES[status] ?? STATUS_CODES[status] ?? `HTTP ${status}`,
    documentation_url: limited ? RATE_LIMIT_DOCS : documentationUrl,
    status: String(status),
  };
}

interface Script {
  steps: FaultStep[];
  after: 'pass' | 'repeat';
}

export interface Faults {
  /** Replaces the operation's script. */
  script(operationId: string, steps: FaultStep[], after: 'pass' | 'repeat'): void;
  /** Appends steps to the operation's script (a new one passes after them). */
  append(operationId: string, steps: FaultStep[]): void;
  /** The scripted answer for a valid request of the operation, or undefined to let it through. */
  take(operationId: string, documentationUrl: string): Answer | undefined;
  /** One entry per request a script answered. */
  served: FaultServed[];
}

function checkStep(operationId: string, step: FaultStep): FaultStep {
  if (step === 'pass') return step;
  const status = typeof step === 'number' ? step : step?.status;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    throw new TypeError(
      `fault(${operationId}): a step is an HTTP status, 'pass' or { status, body?, headers? }; got ${JSON.stringify(step)}`,
    );
  }
  return step;
}

export function createFaults(): Faults {
  const scripts = new Map<string, Script>();
  const served: FaultServed[] = [];
  return {
    served,
    script(operationId, steps, after) {
      scripts.set(operationId, { steps: steps.map((s) => checkStep(operationId, s)), after });
    },
    append(operationId, steps) {
      const script = scripts.get(operationId) ?? { steps: [], after: 'pass' };
      script.steps.push(...steps.map((s) => checkStep(operationId, s)));
      scripts.set(operationId, script);
    },
    take(operationId, documentationUrl) {
      const script = scripts.get(operationId);
      if (!script) return undefined;
      const keep = script.after === 'repeat' && script.steps.length === 1;
      const step = keep ? script.steps[0] : script.steps.shift();
      if (step === undefined || step === 'pass') return undefined;
      const { status, body, headers } = typeof step === 'number' ? { status: step } : step;
      const lower = Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
      served.push({ operationId, status });
      return {
        status,
        body: body ?? (status >= 400 ? githubError(status, documentationUrl, lower) : undefined),
        headers: lower,
      };
    },
  };
}
