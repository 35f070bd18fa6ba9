// The local sweep: run the whole suite K times in the sandbox and keep, per test, how often it passed and
// failed. A test that did both is a flaky candidate; one that failed every time it ran is broken, which is
// a different problem (a fix, not a flake hunt). Candidates are ranked by flake rate, then by cost (the
// cheaper test first: confirming it takes K reruns).
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { CommandResult, Sandbox } from '../sandbox/index.js';
import { type Framework, type RunSpec, suiteCommand } from './frameworks.js';
import { parseGoTestJson, parseJUnit, type TestCaseResult } from './junit.js';

/** A suite run may take minutes; one test alone, far less (confirm.ts passes its own). */
export const DEFAULT_SUITE_TIMEOUT_MS = 10 * 60_000;
/** Where reports are written inside the work tree (the sandbox's only writable place besides its temp). */
export const DEFAULT_REPORT_DIR = '.agentgate-flaky';
const MAX_OUTPUT_BYTES = 64 * 1024;
const TAIL_CHARS = 2000;

export interface RunRecord {
  index: number;
  command: string;
  seed: string;
  order: RunSpec['order'];
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  /** Why this run has no results (no report, or one that did not parse), with the output's tail. */
  error?: string;
}

export interface Reported {
  record: RunRecord;
  /** Undefined when the run wrote no usable report. */
  cases?: TestCaseResult[];
  result: CommandResult;
}

/**
 * Runs `spec` in the sandbox and reads the report it wrote. The report file is removed first, so a run
 * that crashes before writing one is never credited with the previous run's results, and its directory
 * is made: go's report is a shell redirection, which creates no directory (the other frameworks do).
 */
export async function runWithReport(
  sandbox: Sandbox,
  workDir: string,
  spec: RunSpec,
  index: number,
  timeoutMs: number,
): Promise<Reported> {
  const reportPath = path.resolve(workDir, spec.reportFile);
  await rm(reportPath, { force: true });
  await mkdir(path.dirname(reportPath), { recursive: true });
  const result = await sandbox.run(spec.command, { timeoutMs, maxOutputBytes: MAX_OUTPUT_BYTES });
  const record: RunRecord = {
    index,
    command: spec.command,
    seed: spec.seed,
    order: spec.order,
    exitCode: result.exitCode,
    timedOut: result.timedOut,
    durationMs: Math.round(result.durationMs),
  };
  const tail = result.output.slice(-TAIL_CHARS);
  let text: string;
  try {
    text = await readFile(reportPath, 'utf8');
  } catch {
    const why = result.timedOut
      ? `timed out after ${timeoutMs} ms`
      : `exit ${result.exitCode ?? result.signal}`;
    return {
      record: { ...record, error: `no report at ${spec.reportFile} (${why}); output ends:\n${tail}` },
      result,
    };
  }
  try {
    const cases =
      spec.format === 'go-json' ? parseGoTestJson(text, spec.reportFile) : parseJUnit(text, spec.reportFile);
    return { record, cases, result };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { record: { ...record, error: `${msg}; output ends:\n${tail}` }, result };
  }
}

export interface TestStats {
  id: string;
  /** The test as the last report that had it named it (what a rerun of it alone needs). */
  test: TestCaseResult;
  /** Runs whose report had this test as passed or failed (skips are not counted). */
  runs: number;
  passes: number;
  failures: number;
  skips: number;
  /** failures / runs. */
  rate: number;
  meanDurationMs: number;
  /** The failure messages, one per failed run, in run order. */
  messages: string[];
}

export interface SweepOptions {
  sandbox: Sandbox;
  /** The sandbox's work directory on the host (reports are read from here). */
  workDir: string;
  framework: Framework;
  runs: number;
  timeoutMs?: number;
  /** Relative to workDir; made before each run, removed afterwards. */
  reportDir?: string;
  /** Run i gets seed + i (recorded); omitted: the framework's default order and no seed. */
  seed?: number;
  shuffle?: boolean;
}

export interface SweepResult {
  runs: RunRecord[];
  tests: TestStats[];
  /** Passed in some runs and failed in others, by rate (highest first), then mean duration (cheapest first). */
  candidates: TestStats[];
  /** Failed in every run that reported it. */
  broken: TestStats[];
  durationMs: number;
}

/** Runs the suite `runs` times in order and tallies each test's outcomes. Throws when no run gave a report. */
export async function sweep(opts: SweepOptions): Promise<SweepResult> {
  if (!Number.isInteger(opts.runs) || opts.runs < 1) {
    throw new Error(`sweep: runs must be a positive integer, got ${opts.runs}`);
  }
  const started = performance.now();
  const reportDir = opts.reportDir ?? DEFAULT_REPORT_DIR;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_SUITE_TIMEOUT_MS;
  const records: RunRecord[] = [];
  const reports: TestCaseResult[][] = [];
  try {
    for (let i = 0; i < opts.runs; i++) {
      const spec = suiteCommand(opts.framework, {
        reportFile: path.join(reportDir, `suite-${i}.${opts.framework.kind === 'go' ? 'jsonl' : 'xml'}`),
        ...(opts.seed !== undefined ? { seed: opts.seed + i } : {}),
        ...(opts.shuffle !== undefined ? { shuffle: opts.shuffle } : {}),
      });
      const r = await runWithReport(opts.sandbox, opts.workDir, spec, i, timeoutMs);
      records.push(r.record);
      if (r.cases) reports.push(r.cases);
    }
  } finally {
    await rm(path.resolve(opts.workDir, reportDir), { recursive: true, force: true });
  }
  if (reports.length === 0) {
    const last = records.at(-1);
    throw new Error(
      `sweep: none of ${opts.runs} suite runs wrote a report; the last: ${last?.error ?? 'unknown'}`,
    );
  }
  const tests = tally(reports);
  return {
    runs: records,
    tests,
    candidates: rankCandidates(tests),
    broken: tests.filter((t) => t.runs > 0 && t.failures === t.runs),
    durationMs: Math.round(performance.now() - started),
  };
}

/** Per-test outcome counts across reports (pure). */
export function tally(reports: readonly (readonly TestCaseResult[])[]): TestStats[] {
  const byId = new Map<string, TestStats & { totalMs: number; timed: number }>();
  for (const cases of reports) {
    for (const c of cases) {
      let s = byId.get(c.id);
      if (!s) {
        s = {
          id: c.id,
          test: c,
          runs: 0,
          passes: 0,
          failures: 0,
          skips: 0,
          rate: 0,
          meanDurationMs: 0,
          messages: [],
          totalMs: 0,
          timed: 0,
        };
        byId.set(c.id, s);
      }
      s.test = c;
      if (c.outcome === 'skipped') {
        s.skips++;
        continue;
      }
      s.runs++;
      if (c.outcome === 'passed') s.passes++;
      else {
        s.failures++;
        s.messages.push(c.message ?? '');
      }
      if (c.durationMs !== undefined) {
        s.totalMs += c.durationMs;
        s.timed++;
      }
    }
  }
  return [...byId.values()].map(({ totalMs, timed, ...s }) => ({
    ...s,
    rate: s.runs > 0 ? s.failures / s.runs : 0,
    meanDurationMs: timed > 0 ? Math.round(totalMs / timed) : 0,
  }));
}

/** The flaky candidates of `tests`: both outcomes seen; highest rate first, then cheapest. */
export function rankCandidates(tests: readonly TestStats[]): TestStats[] {
  return tests
    .filter((t) => t.passes > 0 && t.failures > 0)
    .sort((a, b) => b.rate - a.rate || a.meanDurationMs - b.meanDurationMs || a.id.localeCompare(b.id));
}
