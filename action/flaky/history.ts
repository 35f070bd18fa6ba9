// Flaky-test candidates from a repository's CI history (issue 14, deliverable 1), read through the
// GitHub API over the last N days from three sources:
//   rerun      a job that failed in one attempt of a workflow run and succeeded in a later attempt
//              (same run, so the same head_sha);
//   junit      JUnit XML reports uploaded as artifacts (names like *junit* / *test-results*): a test
//              that failed in one report and passed in another of the same head_sha;
//   annotation failure annotations of failed check runs on those shas that name a test (its file as
//              the path, its name in the title or message).
// Everything is bounded (runs, artifacts, bytes, check runs) and a cap that is hit says so in `notes`;
// an API error degrades to a note too. These are only candidates: confirmation reruns them next.
import type { GitHubClient } from '../github/client.js';
import { describeGitHubError } from '../github/client.js';
import { escapeRegExp } from './frameworks.js';
import { parseJUnit, type TestCaseResult } from './junit.js';
import { unzip } from './unzip.js';

export type HistorySource = 'rerun' | 'junit' | 'annotation';

export interface HistoryCandidate {
  /** `job:<workflow>/<job>` for a job; the JUnit id (`<file or classname>::<name>`) for a test. */
  id: string;
  name: string;
  file?: string;
  /** The report's classname (pytest's module and class, go's package): what a rerun of it needs. */
  classname?: string;
  failures: number;
  passes: number;
  /** failures / (failures + passes). */
  rate: number;
  /** Mean duration of one passing-or-failing execution in ms (0 when unknown): the cost of a rerun. */
  costMs: number;
  sources: HistorySource[];
  /** Where it was seen, one line each: run, attempt, artifact or check run. */
  evidence: string[];
}

export interface HistoryOptions {
  owner: string;
  repo: string;
  /** How far back: runs created on or after `now - days`. */
  days: number;
  now: Date;
  /** A workflow file name (`ci.yml`) or id: only its runs. */
  workflow?: string | number;
  maxRuns?: number;
  /** Artifacts downloaded at most (across all runs). */
  maxArtifacts?: number;
  /** An artifact's zip over this size is not downloaded. */
  maxArtifactBytes?: number;
  /** Failed check runs whose annotations are read at most. */
  maxCheckRuns?: number;
  /** Which artifacts hold JUnit XML. */
  artifactPattern?: RegExp;
}

export interface HistoryResult {
  /** Highest rate first, then cheapest, then id. */
  candidates: HistoryCandidate[];
  runsRead: number;
  notes: string[];
}

export const HISTORY_DEFAULTS = {
  maxRuns: 200,
  maxArtifacts: 50,
  maxArtifactBytes: 20 * 1024 * 1024,
  maxCheckRuns: 50,
  /** Uncompressed bytes of one report file, and of all reports in one artifact. */
  maxReportBytes: 10 * 1024 * 1024,
  maxArchiveBytes: 50 * 1024 * 1024,
  artifactPattern: /junit|test[-_ ]?results?|test[-_ ]?reports?/i,
} as const;

const PER_PAGE = 100;
const FAILED = new Set(['failure', 'timed_out']);
/** Paths that are test files, for annotations that name no test the reports know. */
const TEST_FILE = /(?:^|\/)(?:test_[^/]+\.py|[^/]+_test\.(?:py|go)|[^/]+\.(?:test|spec)\.[cm]?[jt]sx?)$/;

interface Run {
  id: number;
  name: string;
  head_sha: string;
  run_attempt: number;
}

interface Tally {
  id: string;
  name: string;
  file?: string;
  /** The report's classname (pytest's module and class, go's package): what a rerun of it needs. */
  classname?: string;
  failures: number;
  passes: number;
  totalMs: number;
  timed: number;
  sources: Set<HistorySource>;
  evidence: string[];
  /** head_sha → outcomes seen on it. */
  bySha: Map<string, Seen>;
  /** Workflow run id → outcomes seen in its attempts. */
  byRun: Map<number, Seen>;
}

interface Seen {
  failed: boolean;
  passed: boolean;
}

/** Finds flaky candidates in the last `days` of the repository's Actions history. Never throws for API errors. */
export async function findFlakyFromHistory(
  client: GitHubClient,
  opts: HistoryOptions,
): Promise<HistoryResult> {
  const limits = {
    maxRuns: opts.maxRuns ?? HISTORY_DEFAULTS.maxRuns,
    maxArtifacts: opts.maxArtifacts ?? HISTORY_DEFAULTS.maxArtifacts,
    maxArtifactBytes: opts.maxArtifactBytes ?? HISTORY_DEFAULTS.maxArtifactBytes,
    maxCheckRuns: opts.maxCheckRuns ?? HISTORY_DEFAULTS.maxCheckRuns,
  };
  const repo = { owner: opts.owner, repo: opts.repo };
  const notes: string[] = [];
  const attempt = async <T>(what: string, call: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await call();
    } catch (e) {
      notes.push(`${what}: ${describeGitHubError(e)}`);
      return undefined;
    }
  };

  // Phase 1: the runs of the window.
  const since = new Date(opts.now.getTime() - opts.days * 86_400_000).toISOString();
  const runs = await listRuns(client, repo, since, opts.workflow, limits.maxRuns, notes, attempt);

  // Phase 2: jobs that failed and then passed on a re-run.
  const jobs = new Map<string, Tally>();
  for (const run of runs.filter((r) => r.run_attempt > 1)) {
    for (let n = 1; n <= run.run_attempt; n++) {
      const listed = await attempt(`jobs of run ${run.id} attempt ${n}`, () =>
        client.paginate(client.rest.actions.listJobsForWorkflowRunAttempt, {
          ...repo,
          run_id: run.id,
          attempt_number: n,
          per_page: PER_PAGE,
        }),
      );
      for (const job of listed ?? []) {
        if (job.conclusion !== 'success' && job.conclusion !== 'failure') continue;
        const id = `job:${run.name}/${job.name}`;
        const t = tallyOf(jobs, id, job.name);
        const ms =
          job.started_at && job.completed_at
            ? Date.parse(job.completed_at) - Date.parse(job.started_at)
            : NaN;
        record(t, run.head_sha, run.id, job.conclusion === 'failure', Number.isFinite(ms) ? ms : undefined);
        if (job.conclusion === 'failure')
          t.evidence.push(`run ${run.id} attempt ${n}: job "${job.name}" failed`);
      }
    }
  }
  for (const t of jobs.values()) if (mixedOnOneSha(t)) t.sources.add('rerun');

  // Phase 3: JUnit reports uploaded as artifacts.
  const tests = new Map<string, Tally>();
  const pattern = opts.artifactPattern ?? HISTORY_DEFAULTS.artifactPattern;
  let downloads = 0;
  let capNoted = false;
  for (const run of runs) {
    const artifacts = await attempt(`artifacts of run ${run.id}`, () =>
      client.paginate(client.rest.actions.listWorkflowRunArtifacts, {
        ...repo,
        run_id: run.id,
        per_page: PER_PAGE,
      }),
    );
    for (const a of artifacts ?? []) {
      if (!pattern.test(a.name) || a.expired) continue;
      if (downloads >= limits.maxArtifacts) {
        if (!capNoted)
          notes.push(
            `artifact cap reached: read ${limits.maxArtifacts} test-report artifacts, skipped the rest`,
          );
        capNoted = true;
        continue;
      }
      if (a.size_in_bytes > limits.maxArtifactBytes) {
        notes.push(
          `artifact ${a.name} (${a.id}) of run ${run.id}: ${a.size_in_bytes} bytes is over the ${limits.maxArtifactBytes}-byte cap; skipped`,
        );
        continue;
      }
      downloads++;
      const zip = await attempt(`artifact ${a.name} (${a.id}) of run ${run.id}`, async () => {
        const { data } = await client.rest.actions.downloadArtifact({
          ...repo,
          artifact_id: a.id,
          archive_format: 'zip',
        });
        return Buffer.from(data as ArrayBuffer);
      });
      if (!zip) continue;
      for (const c of readReports(zip, `artifact ${a.name} (${a.id}) of run ${run.id}`, notes)) {
        if (c.outcome === 'skipped') continue;
        // vitest names the file only as the classname.
        const file = c.file ?? (c.classname && TEST_FILE.test(c.classname) ? c.classname : undefined);
        const t = tallyOf(tests, c.id, c.name, file);
        if (t.classname === undefined && c.classname !== undefined) t.classname = c.classname;
        record(t, run.head_sha, run.id, c.outcome === 'failed', c.durationMs);
        if (c.outcome === 'failed') t.evidence.push(`run ${run.id}: failed in artifact ${a.name} (${a.id})`);
      }
    }
  }
  for (const t of tests.values()) if (mixedOnOneSha(t)) t.sources.add('junit');
  foldJobsIntoTests(jobs, tests);

  // Phase 4: annotations of failed check runs on the shas of the window.
  await readAnnotations(
    client,
    repo,
    [...new Set(runs.map((r) => r.head_sha))],
    tests,
    limits.maxCheckRuns,
    notes,
    attempt,
  );

  const candidates = [...jobs.values(), ...tests.values()]
    .filter((t) => t.sources.size > 0)
    .map(toCandidate)
    .sort((a, b) => b.rate - a.rate || a.costMs - b.costMs || a.id.localeCompare(b.id));
  return { candidates, runsRead: runs.length, notes };
}

type Attempt = <T>(what: string, call: () => Promise<T>) => Promise<T | undefined>;
type Repo = { owner: string; repo: string };

async function listRuns(
  client: GitHubClient,
  repo: Repo,
  since: string,
  workflow: string | number | undefined,
  maxRuns: number,
  notes: string[],
  attempt: Attempt,
): Promise<Run[]> {
  const runs: Run[] = [];
  let more = false;
  // GitHub lists runs newest first; the window ends at the first older run. (The `created` parameter
  // takes a search qualifier such as `>=2024-05-01` on GitHub, but its published OpenAPI description
  // declares a plain date-time, so the window is applied here rather than sent.)
  const params = { ...repo, per_page: Math.min(PER_PAGE, maxRuns) };
  await attempt('workflow runs', async () => {
    const pages =
      workflow === undefined
        ? client.paginate.iterator(client.rest.actions.listWorkflowRunsForRepo, params)
        : client.paginate.iterator(client.rest.actions.listWorkflowRuns, {
            ...params,
            workflow_id: workflow,
          });
    for await (const page of pages) {
      for (const r of page.data) {
        if (r.created_at < since) return;
        if (runs.length >= maxRuns) {
          more = true;
          return;
        }
        runs.push({
          id: r.id,
          name: r.name ?? String(r.workflow_id),
          head_sha: r.head_sha,
          run_attempt: r.run_attempt ?? 1,
        });
      }
    }
  });
  if (more) notes.push(`run cap reached: read the newest ${maxRuns} workflow runs since ${since}`);
  return runs;
}

/** The test cases of every XML file in an artifact zip; problems become notes. */
function readReports(zip: Buffer, source: string, notes: string[]): TestCaseResult[] {
  try {
    const { entries, skipped } = unzip(zip, (n) => n.toLowerCase().endsWith('.xml'), {
      maxEntryBytes: HISTORY_DEFAULTS.maxReportBytes,
      maxTotalBytes: HISTORY_DEFAULTS.maxArchiveBytes,
    });
    for (const s of skipped) notes.push(`${source}: ${s}`);
    return entries.flatMap((e) => {
      try {
        return parseJUnit(e.data.toString('utf8'), `${source}: ${e.name}`);
      } catch (err) {
        notes.push(err instanceof Error ? err.message : String(err));
        return [];
      }
    });
  } catch (e) {
    notes.push(`${source}: ${e instanceof Error ? e.message : String(e)}`);
    return [];
  }
}

async function readAnnotations(
  client: GitHubClient,
  repo: Repo,
  shas: string[],
  tests: Map<string, Tally>,
  maxCheckRuns: number,
  notes: string[],
  attempt: Attempt,
): Promise<void> {
  let read = 0;
  for (const sha of shas) {
    const checks = await attempt(`check runs of ${sha.slice(0, 7)}`, () =>
      client.paginate(client.rest.checks.listForRef, {
        ...repo,
        ref: sha,
        filter: 'all',
        per_page: PER_PAGE,
      }),
    );
    const passedNames = new Set((checks ?? []).filter((c) => c.conclusion === 'success').map((c) => c.name));
    for (const c of checks ?? []) {
      if (!FAILED.has(c.conclusion ?? '') || c.output.annotations_count === 0) continue;
      if (read >= maxCheckRuns) {
        notes.push(`check-run cap reached: read the annotations of ${maxCheckRuns} failed check runs`);
        return;
      }
      read++;
      const annotations = await attempt(`annotations of check run ${c.id}`, () =>
        client.paginate(client.rest.checks.listAnnotations, {
          ...repo,
          check_run_id: c.id,
          per_page: PER_PAGE,
        }),
      );
      for (const a of annotations ?? []) {
        if (a.annotation_level !== 'failure') continue;
        const said = `${a.title ?? ''}\n${a.message ?? ''}`;
        const known = [...tests.values()].filter(
          (t) =>
            (t.file === a.path || t.id.startsWith(`${a.path}::`)) && t.name !== '' && said.includes(t.name),
        );
        const where =
          `check run "${c.name}" (${c.id}) on ${sha.slice(0, 7)}: ${a.path}:${a.start_line} ${a.title ?? ''}`.trim();
        for (const t of known) {
          t.sources.add('annotation');
          t.evidence.push(where);
        }
        // A test the reports do not know: a candidate when the same check passed on the same sha (a re-run).
        if (known.length === 0 && TEST_FILE.test(a.path) && passedNames.has(c.name)) {
          const name = (a.title ?? '').replace(new RegExp(`^${escapeRegExp(a.path)}\\s*>\\s*`), '') || a.path;
          const t = tallyOf(tests, `${a.path}::${name}`, name, a.path);
          if (!t.evidence.includes(where)) {
            record(t, sha, undefined, true, undefined);
            record(t, sha, undefined, false, undefined);
            t.sources.add('annotation');
            t.evidence.push(where);
          }
        }
      }
    }
  }
}

function tallyOf(map: Map<string, Tally>, id: string, name: string, file?: string): Tally {
  let t = map.get(id);
  if (!t) {
    t = {
      id,
      name,
      ...(file !== undefined ? { file } : {}),
      failures: 0,
      passes: 0,
      totalMs: 0,
      timed: 0,
      sources: new Set(),
      evidence: [],
      bySha: new Map(),
      byRun: new Map(),
    };
    map.set(id, t);
  }
  return t;
}

function record(
  t: Tally,
  sha: string,
  runId: number | undefined,
  failed: boolean,
  ms: number | undefined,
): void {
  if (failed) t.failures++;
  else t.passes++;
  if (ms !== undefined) {
    t.totalMs += ms;
    t.timed++;
  }
  const mark = <K>(m: Map<K, Seen>, k: K) => {
    const seen = m.get(k) ?? { failed: false, passed: false };
    if (failed) seen.failed = true;
    else seen.passed = true;
    m.set(k, seen);
  };
  mark(t.bySha, sha);
  if (runId !== undefined) mark(t.byRun, runId);
}

/**
 * A test that failed in one attempt of a run and passed in another is a re-run flake itself, and it
 * explains the job that flaked in that run: the job's evidence moves to the test, and a job whose every
 * flaky run is explained by a test is no longer a candidate of its own.
 */
function foldJobsIntoTests(jobs: Map<string, Tally>, tests: Map<string, Tally>): void {
  const mixedRuns = (t: Tally) => [...t.byRun].filter(([, s]) => s.failed && s.passed).map(([id]) => id);
  const testsByRun = new Map<number, Tally[]>();
  for (const t of tests.values()) {
    for (const run of mixedRuns(t)) {
      t.sources.add('rerun');
      testsByRun.set(run, [...(testsByRun.get(run) ?? []), t]);
    }
  }
  for (const [id, job] of jobs) {
    const runs = mixedRuns(job);
    if (runs.length === 0) continue;
    for (const run of runs) {
      for (const t of testsByRun.get(run) ?? []) {
        t.evidence.push(...job.evidence.filter((e) => e.startsWith(`run ${run} `)));
      }
    }
    if (runs.every((run) => testsByRun.has(run))) jobs.delete(id);
  }
}

/** Failed and passed on the same commit: not a fix, a flake. */
function mixedOnOneSha(t: Tally): boolean {
  return [...t.bySha.values()].some((s) => s.failed && s.passed);
}

const SOURCE_ORDER: HistorySource[] = ['rerun', 'junit', 'annotation'];

function toCandidate(t: Tally): HistoryCandidate {
  const runs = t.failures + t.passes;
  return {
    id: t.id,
    name: t.name,
    ...(t.file !== undefined ? { file: t.file } : {}),
    ...(t.classname !== undefined ? { classname: t.classname } : {}),
    failures: t.failures,
    passes: t.passes,
    rate: runs > 0 ? t.failures / runs : 0,
    costMs: t.timed > 0 ? Math.round(t.totalMs / t.timed) : 0,
    sources: SOURCE_ORDER.filter((s) => t.sources.has(s)),
    evidence: t.evidence,
  };
}
