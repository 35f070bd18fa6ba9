import { afterEach, describe, expect, it } from 'vitest';
import { findFlakyFromHistory } from '../../action/flaky/history.js';
import { unzip } from '../../action/flaky/unzip.js';
import { createGitHubClient } from '../../action/github/client.js';
import { type FakeWorkflowRun, type GitHubFake, startGitHubFake } from '../support/github-fake.js';
import { makeZip } from '../support/zip.js';

const OWNER = 'acme';
const REPO = 'widgets';
const SHA = 'a'.repeat(40);
const NOW = new Date();
const TODAY = NOW.toISOString().replace(/\.\d{3}Z$/, 'Z');
const FILE = 'src/cart.test.ts';

const junit = (xFailed: boolean) => `<?xml version="1.0" encoding="UTF-8"?>
<testsuites><testsuite name="${FILE}" tests="2">
  <testcase classname="${FILE}" name="cart > X adds an item" time="0.2">${
    xFailed ? '<failure message="expected 2 to be 1">AssertionError</failure>' : ''
  }</testcase>
  <testcase classname="${FILE}" name="cart > Y totals" time="0.1"/>
</testsuite></testsuites>`;

let nextId = 5000;
function flakyRun(gh: GitHubFake, overrides: Partial<FakeWorkflowRun> = {}): FakeWorkflowRun {
  const run: FakeWorkflowRun = {
    id: nextId++,
    name: 'CI',
    workflow_id: 77,
    path: '.github/workflows/ci.yml',
    head_sha: SHA,
    head_branch: 'main',
    event: 'push',
    run_number: 12,
    created_at: TODAY,
    attempts: [
      {
        conclusion: 'failure',
        jobs: [
          { name: 'test', conclusion: 'failure' },
          { name: 'lint', conclusion: 'success' },
        ],
      },
      {
        conclusion: 'success',
        jobs: [
          { name: 'test', conclusion: 'success' },
          { name: 'lint', conclusion: 'success' },
        ],
      },
    ],
    artifacts: [
      {
        id: nextId++,
        name: 'junit-results',
        zip: makeZip([{ name: 'reports/vitest.xml', data: junit(true) }]),
      },
      {
        id: nextId++,
        name: 'junit-results',
        zip: makeZip([{ name: 'reports/vitest.xml', data: junit(false), method: 0 }]),
      },
      { id: nextId++, name: 'coverage', zip: makeZip([{ name: 'lcov.info', data: 'TN:' }]) },
    ],
    ...overrides,
  };
  gh.state.workflowRuns.push(run);
  return run;
}

const open: GitHubFake[] = [];
afterEach(async () => {
  for (const f of open.splice(0)) await f.close();
});

async function setup() {
  const gh = await startGitHubFake({ owner: OWNER, repo: REPO });
  open.push(gh);
  const client = createGitHubClient({
    token: 'ghs_test',
    apiUrl: gh.url,
    warn: () => {},
    tuning: { retries: 0, pace: false, retryAfterBaseMs: 1 },
  });
  const checkRun = (conclusion: string, annotations: { path: string; title: string; message: string }[]) =>
    gh.state.checkRuns.push({
      id: nextId++,
      name: 'test',
      head_sha: SHA,
      status: 'completed',
      conclusion,
      started_at: TODAY,
      completed_at: TODAY,
      details_url: null,
      external_id: null,
      output: {
        title: null,
        summary: null,
        text: null,
        annotations: annotations.map((a) => ({
          ...a,
          start_line: 3,
          end_line: 3,
          annotation_level: 'failure' as const,
        })),
      },
    });
  return { gh, client, checkRun };
}

const opts = { owner: OWNER, repo: REPO, days: 7, now: NOW };

describe('findFlakyFromHistory', () => {
  it('finds a test that failed and then passed on a re-run of the same sha, from reruns, JUnit and annotations', async () => {
    const { gh, client, checkRun } = await setup();
    flakyRun(gh);
    // An old run outside the window and a stable single-attempt run.
    flakyRun(gh, { created_at: '2020-01-01T00:00:00Z', head_sha: 'b'.repeat(40) });
    flakyRun(gh, {
      head_sha: 'c'.repeat(40),
      attempts: [{ conclusion: 'success', jobs: [{ name: 'test', conclusion: 'success' }] }],
      artifacts: [],
    });
    checkRun('failure', [
      { path: FILE, title: `${FILE} > cart > X adds an item`, message: 'expected 2 to be 1' },
    ]);
    checkRun('success', []);

    const r = await findFlakyFromHistory(client, opts);

    expect(r.notes).toEqual([]);
    expect(r.runsRead).toBe(2);
    expect(r.candidates).toHaveLength(1);
    const x = r.candidates[0];
    expect(x).toMatchObject({
      id: `${FILE}::cart > X adds an item`,
      name: 'cart > X adds an item',
      file: FILE,
      failures: 1,
      passes: 1,
      rate: 0.5,
      costMs: 200,
      sources: ['rerun', 'junit', 'annotation'],
    });
    expect(x?.evidence.join('\n')).toMatch(/attempt 1: job "test" failed/);
    expect(x?.evidence.join('\n')).toMatch(/check run "test"/);
    expect(r.candidates.some((c) => c.name.includes('Y totals'))).toBe(false);
    // Both JUnit artifacts were downloaded through the redirect; the coverage artifact was not.
    expect(gh.requests.filter((q) => q.operationId === 'actions/download-artifact')).toHaveLength(2);
    expect(gh.violations).toEqual([]);
  });

  it('keeps a flaky job as a candidate when no report explains it, and filters by workflow', async () => {
    const { gh, client } = await setup();
    flakyRun(gh, { artifacts: [] });
    const r = await findFlakyFromHistory(client, { ...opts, workflow: 'ci.yml' });
    expect(r.candidates).toEqual([
      expect.objectContaining({ id: 'job:CI/test', failures: 1, passes: 1, rate: 0.5, sources: ['rerun'] }),
    ]);
    expect(gh.requests.some((q) => q.operationId === 'actions/list-workflow-runs')).toBe(true);
    expect(gh.violations).toEqual([]);
  });

  it('notes the caps it hits instead of reading on', async () => {
    const { gh, client } = await setup();
    for (let i = 0; i < 3; i++) flakyRun(gh, { head_sha: String(i).repeat(40) });
    const r = await findFlakyFromHistory(client, {
      ...opts,
      maxRuns: 2,
      maxArtifacts: 1,
      maxArtifactBytes: 10_000,
    });
    expect(r.runsRead).toBe(2);
    expect(r.notes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/run cap reached: read the newest 2 workflow runs/),
        expect.stringMatching(/artifact cap reached: read 1 test-report artifacts/),
      ]),
    );
    const tiny = await findFlakyFromHistory(client, { ...opts, maxRuns: 1, maxArtifactBytes: 10 });
    expect(tiny.notes.join('\n')).toMatch(/over the 10-byte cap; skipped/);
    expect(gh.violations).toEqual([]);
  });

  it('degrades API errors to notes', async () => {
    const { gh, client } = await setup();
    flakyRun(gh);
    gh.failNext('actions/list-workflow-run-artifacts', 500, { message: 'Server Error' });
    gh.failNext('checks/list-for-ref', 403, { message: 'Resource not accessible by integration' });
    const r = await findFlakyFromHistory(client, opts);
    expect(r.notes.join('\n')).toMatch(/artifacts of run \d+: GitHub API GET .*\/artifacts failed: HTTP 500/);
    expect(r.notes.join('\n')).toMatch(/check runs of aaaaaaa: .*HTTP 403 Resource not accessible/);
    expect(r.candidates.map((c) => c.id)).toEqual(['job:CI/test']);

    gh.failNext('actions/list-workflow-runs-for-repo', 500, { message: 'Server Error' });
    const none = await findFlakyFromHistory(client, opts);
    expect(none).toMatchObject({ candidates: [], runsRead: 0 });
    expect(none.notes[0]).toMatch(/^workflow runs: .*HTTP 500/);
    expect(gh.violations).toEqual([]);
  });
});

describe('unzip', () => {
  it('reads stored and deflated entries, and skips what is over the limits', () => {
    const zip = makeZip([
      { name: 'a.xml', data: '<a/>' },
      { name: 'b.xml', data: 'x'.repeat(5000), method: 0 },
      { name: 'c.txt', data: 'no' },
    ]);
    const all = unzip(zip, (n) => n.endsWith('.xml'), { maxEntryBytes: 1e6, maxTotalBytes: 1e6 });
    expect(all.entries.map((e) => [e.name, e.data.length])).toEqual([
      ['a.xml', 4],
      ['b.xml', 5000],
    ]);
    const small = unzip(zip, () => true, { maxEntryBytes: 100, maxTotalBytes: 1e6 });
    expect(small.entries.map((e) => e.name)).toEqual(['a.xml', 'c.txt']);
    expect(small.skipped).toEqual(['b.xml: 5000 bytes is over the 100-byte limit per report']);
    expect(() =>
      unzip(Buffer.from('not a zip at all, really not'), () => true, { maxEntryBytes: 1, maxTotalBytes: 1 }),
    ).toThrow(/not a zip archive/);
  });
});
