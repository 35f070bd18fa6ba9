// Confirming a candidate before anything is spent on a model: rerun it alone K times in the same sandbox
// (warm: the work tree's installed dependencies are reused, nothing is reinstalled), never stopping early
// because the rate is the evidence, and group its failures by signature. Failed sometimes: flaky.
// Failed every time: broken (a real failure, not a flake). Never failed: not reproduced, skipped.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Sandbox } from '../sandbox/index.js';
import { type Framework, type RunSpec, singleTestCommand } from './frameworks.js';
import type { TestCaseResult } from './junit.js';
import { DEFAULT_REPORT_DIR, type RunRecord, runWithReport } from './sweep.js';

export const DEFAULT_CONFIRM_RUNS = 20;
export const DEFAULT_TEST_TIMEOUT_MS = 2 * 60_000;
/** Signatures are compared whole; beyond this they are noise (deep stack frames). */
const MAX_SIGNATURE_CHARS = 300;
const MAX_SIGNATURE_LINES = 3;
const MAX_EXAMPLE_CHARS = 1000;

export interface Signature {
  signature: string;
  count: number;
  /** The first failure message with this signature, as it was. */
  example: string;
}

export type Verdict = 'flaky' | 'broken' | 'not-reproduced';

export interface Confirmation {
  id: string;
  verdict: Verdict;
  /** Failed in some runs and passed in others. */
  confirmed: boolean;
  runs: number;
  failures: number;
  rate: number;
  signatures: Signature[];
  /** Per run, the seed passed to the framework ('none' when it takes none). */
  seeds: string[];
  order: RunSpec['order'];
  /** The first run's command: what reproduces it. */
  command: string;
  records: RunRecord[];
  durationMs: number;
}

export interface ConfirmOptions {
  sandbox: Sandbox;
  workDir: string;
  framework: Framework;
  test: TestCaseResult;
  runs?: number;
  timeoutMs?: number;
  reportDir?: string;
  /** Run i gets seed + i. */
  seed?: number;
  shuffle?: boolean;
}

/**
 * A failure message with what changes from run to run taken out — timestamps, durations, temp paths,
 * addresses, hex ids, numbers — so that the same failure groups under one signature. Its first lines
 * only: deeper stack frames add nothing to tell failures apart.
 */
export function failureSignature(message: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .slice(0, MAX_SIGNATURE_LINES)
    .join('\n');
  const normalised = lines
    // ISO-8601 and common log timestamps, before their digits are taken by the number rule.
    .replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?/g, '<time>')
    .replace(/\b\d{2}:\d{2}:\d{2}(\.\d+)?\b/g, '<time>')
    // Temp paths: /tmp/x, /var/folders/..., $RUNNER_TEMP-like /home/runner/work/_temp/..., Windows Temp.
    .replace(/(\/private)?\/(tmp|var\/folders|var\/tmp)\/[^\s'"`:),\]]*/g, '<tmp>')
    .replace(/\/home\/runner\/work\/_temp\/[^\s'"`:),\]]*/g, '<tmp>')
    .replace(/[A-Za-z]:\\[^\s'"`]*\\Temp\\[^\s'"`:),\]]*/gi, '<tmp>')
    .replace(/\b0x[0-9a-f]+\b/gi, '<hex>')
    // UUIDs and hashes: runs of 8+ hex characters with at least one digit.
    .replace(/\b(?=[0-9a-f-]*\d)[0-9a-f]{8}(-?[0-9a-f]{4,})*\b/gi, '<hex>')
    .replace(/\b\d+(\.\d+)?\s?(ns|µs|us|ms|s|sec|seconds|m|min|h)\b/g, '<duration>')
    .replace(/\d+(\.\d+)?/g, '<n>')
    .replace(/[ \t]+/g, ' ');
  return normalised.length > MAX_SIGNATURE_CHARS ? normalised.slice(0, MAX_SIGNATURE_CHARS) : normalised;
}

/** Failure messages grouped by signature, most frequent first (ties: first seen first). */
export function groupSignatures(messages: readonly string[]): Signature[] {
  const groups = new Map<string, Signature>();
  for (const m of messages) {
    const signature = failureSignature(m);
    const g = groups.get(signature);
    if (g) g.count++;
    else groups.set(signature, { signature, count: 1, example: m.slice(0, MAX_EXAMPLE_CHARS) });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

export function verdictOf(runs: number, failures: number): Verdict {
  if (failures === 0) return 'not-reproduced';
  return failures === runs ? 'broken' : 'flaky';
}

/**
 * Reruns `test` alone `runs` times (DEFAULT_CONFIRM_RUNS) and measures it. A run that wrote no report, or
 * timed out, counts as a failure (a hang or crash is a flake symptom too). Throws when no run's report
 * contains the test: the command selected nothing, which would otherwise read as "not reproduced".
 */
export async function confirmTest(opts: ConfirmOptions): Promise<Confirmation> {
  const runs = opts.runs ?? DEFAULT_CONFIRM_RUNS;
  if (!Number.isInteger(runs) || runs < 1) {
    throw new Error(`confirm: runs must be a positive integer, got ${runs}`);
  }
  const started = performance.now();
  const reportDir = opts.reportDir ?? DEFAULT_REPORT_DIR;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TEST_TIMEOUT_MS;
  const ext = opts.framework.kind === 'go' ? 'jsonl' : 'xml';
  const records: RunRecord[] = [];
  const seeds: string[] = [];
  const messages: string[] = [];
  let counted = 0;
  let found = 0;
  let first: RunSpec | undefined;
  try {
    for (let i = 0; i < runs; i++) {
      const spec = singleTestCommand(opts.framework, opts.test, {
        reportFile: path.join(reportDir, `confirm-${i}.${ext}`),
        ...(opts.seed !== undefined ? { seed: opts.seed + i } : {}),
        ...(opts.shuffle !== undefined ? { shuffle: opts.shuffle } : {}),
      });
      first ??= spec;
      const r = await runWithReport(opts.sandbox, opts.workDir, spec, i, timeoutMs);
      records.push(r.record);
      seeds.push(spec.seed);
      const outcome = outcomeOf(opts.test, r.cases);
      if (outcome === 'absent') continue;
      if (outcome === 'no-report') {
        counted++;
        messages.push(r.record.error ?? 'no report');
        continue;
      }
      found++;
      if (outcome.outcome === 'skipped') continue;
      counted++;
      if (outcome.outcome === 'failed') messages.push(outcome.message ?? '');
    }
  } finally {
    await rm(path.resolve(opts.workDir, reportDir), { recursive: true, force: true });
  }
  if (found === 0 && messages.length < runs) {
    throw new Error(
      `confirm: no report of ${runs} reruns contains test '${opts.test.id}'; the command selected no test: ${first?.command ?? ''}`,
    );
  }
  const failures = messages.length;
  const verdict = verdictOf(counted, failures);
  return {
    id: opts.test.id,
    verdict,
    confirmed: verdict === 'flaky',
    runs: counted,
    failures,
    rate: counted > 0 ? failures / counted : 0,
    signatures: groupSignatures(messages),
    seeds,
    order: first?.order ?? 'declared',
    command: first?.command ?? '',
    records,
    durationMs: Math.round(performance.now() - started),
  };
}

/** The test's result in one rerun's report, matched by id, else by name (a report may drop the file). */
function outcomeOf(
  test: TestCaseResult,
  cases: TestCaseResult[] | undefined,
): TestCaseResult | 'no-report' | 'absent' {
  if (!cases) return 'no-report';
  return cases.find((c) => c.id === test.id) ?? cases.find((c) => c.name === test.name) ?? 'absent';
}
