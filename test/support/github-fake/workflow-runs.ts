// GitHub Actions history: workflow runs (listed for the repository or one workflow, filtered by
// `created`, `head_sha`, `branch`, `event`, `status`), the jobs of each attempt, the artifacts a run
// uploaded, and their download: a 302 to a blob URL this fake serves (as GitHub redirects to storage).
import type { Answer, Call, Context, Handlers } from './context.js';
import { nodeId, userId } from './shapes.js';
import { type FakeArtifact, type FakeState, type FakeWorkflowRun, repoWeb } from './state.js';

const BLOB_PREFIX = '/_blobs/artifacts/';

/** The artifact zip a blob path names, for the server's raw route. */
export function blobOf(state: FakeState, path: string): { type: string; bytes: Buffer } | undefined {
  const m = new RegExp(`^${BLOB_PREFIX}(\\d+)\\.zip$`).exec(path);
  if (!m) return undefined;
  const a = state.workflowRuns.flatMap((r) => r.artifacts).find((x) => x.id === Number(m[1]));
  return a && !a.expired ? { type: 'application/zip', bytes: a.zip } : undefined;
}

/** GitHub's `created` qualifier: `>=D`, `>D`, `<=D`, `<D`, `A..B` or a bare date (that day). */
export function matchesCreated(created: string, filter: string | undefined): boolean {
  if (filter === undefined || filter === '') return true;
  const t = Date.parse(created);
  const at = (s: string, end = false) => {
    const d = s.length <= 10 ? `${s}T${end ? '23:59:59.999' : '00:00:00'}Z` : s;
    return Date.parse(d);
  };
  const range = /^(.+)\.\.(.+)$/.exec(filter);
  if (range) return t >= at(range[1] as string) && t <= at(range[2] as string, true);
  const cmp = /^(>=|<=|>|<)(.+)$/.exec(filter);
  if (cmp) {
    const [, op, d] = cmp as unknown as [string, string, string];
    if (op === '>=') return t >= at(d);
    if (op === '>') return t > at(d, true);
    if (op === '<=') return t <= at(d, true);
    return t < at(d);
  }
  return t >= at(filter) && t <= at(filter, true);
}

export function workflowRunHandlers(ctx: Context): Handlers {
  const { state, num, str, paged, notFound, error, api } = ctx;
  const { user, repository, repoApi } = ctx.shapes;

  const minimalRepo = () => {
    // minimal-repository: the repository shape, as the run's `repository` and `head_repository`.
    const r = repository();
    return { ...r, owner: user(state.owner) };
  };

  const conclusionOf = (r: FakeWorkflowRun) => r.attempts.at(-1)?.conclusion ?? null;

  const run = (r: FakeWorkflowRun) => {
    const u = `${repoApi()}/actions/runs/${r.id}`;
    const attempt = Math.max(r.attempts.length, 1);
    return {
      id: r.id,
      name: r.name,
      node_id: nodeId('WFR', r.id),
      head_branch: r.head_branch,
      head_sha: r.head_sha,
      path: r.path,
      display_title: r.name,
      run_number: r.run_number,
      run_attempt: attempt,
      event: r.event,
      status: conclusionOf(r) === null ? 'in_progress' : 'completed',
      conclusion: conclusionOf(r),
      workflow_id: r.workflow_id,
      check_suite_id: userId(`suite:${r.head_sha}`),
      check_suite_node_id: nodeId('CS', userId(`suite:${r.head_sha}`)),
      url: u,
      html_url: `${repoWeb(state)}/actions/runs/${r.id}`,
      pull_requests: [],
      created_at: r.created_at,
      updated_at: r.created_at,
      run_started_at: r.created_at,
      actor: user(state.owner),
      triggering_actor: user(state.owner),
      jobs_url: `${u}/jobs`,
      logs_url: `${u}/logs`,
      check_suite_url: `${repoApi()}/check-suites/${userId(`suite:${r.head_sha}`)}`,
      artifacts_url: `${u}/artifacts`,
      cancel_url: `${u}/cancel`,
      rerun_url: `${u}/rerun`,
      previous_attempt_url: attempt > 1 ? `${u}/attempts/${attempt - 1}` : null,
      workflow_url: `${repoApi()}/actions/workflows/${r.workflow_id}`,
      head_commit: {
        id: r.head_sha,
        tree_id: r.head_sha,
        message: r.name,
        timestamp: r.created_at,
        author: { name: state.owner, email: `${state.owner}@users.noreply.github.com` },
        committer: { name: state.owner, email: `${state.owner}@users.noreply.github.com` },
      },
      repository: minimalRepo(),
      head_repository: minimalRepo(),
    };
  };

  const artifact = (r: FakeWorkflowRun, a: FakeArtifact) => ({
    id: a.id,
    node_id: nodeId('MDg6QXJ0aWZhY3Q', a.id),
    name: a.name,
    size_in_bytes: a.zip.length,
    url: `${repoApi()}/actions/artifacts/${a.id}`,
    archive_download_url: `${repoApi()}/actions/artifacts/${a.id}/zip`,
    expired: a.expired ?? false,
    created_at: r.created_at,
    expires_at: r.created_at,
    updated_at: r.created_at,
    workflow_run: {
      id: r.id,
      repository_id: userId(`${state.owner}/${state.repo}`),
      head_repository_id: userId(`${state.owner}/${state.repo}`),
      head_branch: r.head_branch,
      head_sha: r.head_sha,
    },
  });

  const listRuns = (call: Call, only?: (r: FakeWorkflowRun) => boolean): Answer => {
    const q = call.query as Record<string, string | undefined>;
    const runs = state.workflowRuns
      .filter((r) => !only || only(r))
      .filter((r) => matchesCreated(r.created_at, q.created))
      .filter((r) => q.head_sha === undefined || r.head_sha === q.head_sha)
      .filter((r) => q.branch === undefined || r.head_branch === q.branch)
      .filter((r) => q.event === undefined || r.event === q.event)
      .filter(
        (r) =>
          q.status === undefined ||
          q.status === (conclusionOf(r) === null ? 'in_progress' : 'completed') ||
          q.status === conclusionOf(r),
      )
      .sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id - a.id);
    const page = paged(call, runs, run);
    return { ...page, body: { total_count: runs.length, workflow_runs: page.body } };
  };

  const findRun = (call: Call) => state.workflowRuns.find((r) => r.id === num(call, 'run_id'));

  return {
    'actions/list-workflow-runs-for-repo': (call) => listRuns(call),

    'actions/list-workflow-runs': (call) => {
      const w = String(call.params.workflow_id);
      return listRuns(call, (r) => String(r.workflow_id) === w || r.path.split('/').at(-1) === w);
    },

    'actions/list-jobs-for-workflow-run-attempt': (call) => {
      const r = findRun(call);
      const n = num(call, 'attempt_number');
      const attempt = r?.attempts[n - 1];
      if (!r || !attempt) return notFound(call);
      const jobs = attempt.jobs.map((j, i) => ({ ...j, id: j.id ?? r.id * 1000 + n * 100 + i }));
      const page = paged(call, jobs, (j) => ({
        id: j.id,
        run_id: r.id,
        run_url: `${repoApi()}/actions/runs/${r.id}`,
        run_attempt: n,
        node_id: nodeId('CR', j.id),
        head_sha: r.head_sha,
        url: `${repoApi()}/actions/jobs/${j.id}`,
        html_url: `${repoWeb(state)}/actions/runs/${r.id}/job/${j.id}`,
        status: j.conclusion === null ? 'in_progress' : 'completed',
        conclusion: j.conclusion,
        created_at: r.created_at,
        started_at: r.created_at,
        completed_at: j.conclusion === null ? null : r.created_at,
        name: j.name,
        steps: [],
        check_run_url: `${repoApi()}/check-runs/${j.id}`,
        labels: ['ubuntu-latest'],
        runner_id: 1,
        runner_name: 'GitHub Actions 1',
        runner_group_id: 1,
        runner_group_name: 'GitHub Actions',
        workflow_name: r.name,
        head_branch: r.head_branch,
      }));
      return { ...page, body: { total_count: jobs.length, jobs: page.body } };
    },

    'actions/list-workflow-run-artifacts': (call) => {
      const r = findRun(call);
      if (!r) return notFound(call);
      const name = call.query.name as string | undefined;
      const items = r.artifacts.filter((a) => name === undefined || a.name === name);
      const page = paged(call, items, (a) => artifact(r, a));
      return { ...page, body: { total_count: items.length, artifacts: page.body } };
    },

    'actions/download-artifact': (call) => {
      if (str(call, 'archive_format') !== 'zip') return notFound(call);
      const a = state.workflowRuns.flatMap((r) => r.artifacts).find((x) => x.id === num(call, 'artifact_id'));
      if (!a) return notFound(call);
      if (a.expired) return error(call, 410, 'Artifact has expired');
      return { status: 302, headers: { location: `${api()}${BLOB_PREFIX}${a.id}.zip` } };
    },
  };
}
