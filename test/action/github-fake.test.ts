// The GitHub fake, driven by the real @actions/github client: the endpoints the action uses answer
// GitHub-shaped JSON and keep state, and what GitHub would reject is answered and recorded as a violation.
import { getOctokit } from '@actions/github';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GitHubFake, startGitHubFake } from '../support/github-fake.js';
import { checkRequest, getOperation, matchOperation, openApiLoads } from '../support/openapi.js';

let fake: GitHubFake;
let octokit: ReturnType<typeof getOctokit>;
const repo = { owner: 'acme', repo: 'widgets' };

beforeEach(async () => {
  fake = await startGitHubFake({
    ...repo,
    permissions: { alice: 'admin', mona: 'maintain', tri: 'triage' },
    issues: [{ number: 7, title: 'Widgets wobble', body: 'They wobble.', labels: ['bug'], user: 'mona' }],
  });
  octokit = getOctokit('ghs_test', { baseUrl: fake.url });
});
afterEach(async () => {
  await fake.close();
});

/** The HTTP status of a rejected Octokit call. */
async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (e) {
    return (e as { status: number }).status;
  }
  throw new Error('expected the request to fail');
}

describe('GitHub fake: the action’s endpoints', () => {
  it('parses the OpenAPI description once per process, however many requests it checks', () => {
    expect(openApiLoads()).toBe(1);
    expect(matchOperation('GET', '/repos/acme/widgets')).toBeDefined();
    expect(openApiLoads()).toBe(1);
  });

  it('answers a realistic session with no violations', async () => {
    const { data: repository } = await octokit.rest.repos.get(repo);
    expect(repository).toMatchObject({ full_name: 'acme/widgets', default_branch: 'main', private: false });

    await expect(octokit.rest.issues.getLabel({ ...repo, name: 'agentgate' })).rejects.toMatchObject({
      status: 404,
    });
    const { data: created } = await octokit.rest.issues.createLabel({
      ...repo,
      name: 'agentgate',
      color: '5319e7',
      description: 'Opened by agentgate',
    });
    expect(created).toMatchObject({ name: 'agentgate', color: '5319e7', default: false });
    expect(await statusOf(octokit.rest.issues.createLabel({ ...repo, name: 'AgentGate' }))).toBe(422);

    const { data: pr } = await octokit.rest.pulls.create({
      ...repo,
      title: 'Fix the wobble',
      head: 'agentgate/fix-wobble',
      base: 'main',
      body: 'Closes #7',
      draft: true,
    });
    expect(pr).toMatchObject({
      number: 8, // issues and pull requests share one sequence
      state: 'open',
      draft: true,
      html_url: 'https://github.com/acme/widgets/pull/8',
      head: { ref: 'agentgate/fix-wobble' },
      base: { ref: 'main' },
      user: { login: 'github-actions[bot]' },
    });
    expect(pr.head.sha).toMatch(/^[0-9a-f]{40}$/);
    await expect(
      octokit.rest.pulls.create({ ...repo, title: 'again', head: 'acme:agentgate/fix-wobble', base: 'main' }),
    ).rejects.toMatchObject({
      status: 422,
      response: {
        data: { errors: [{ message: 'A pull request already exists for acme:agentgate/fix-wobble.' }] },
      },
    });

    const { data: open } = await octokit.rest.pulls.list({ ...repo, head: 'acme:agentgate/fix-wobble' });
    expect(open.map((p) => p.number)).toEqual([8]);
    expect((await octokit.rest.pulls.list({ ...repo, head: 'acme:other', state: 'all' })).data).toEqual([]);
    const { data: updated } = await octokit.rest.pulls.update({
      ...repo,
      pull_number: 8,
      body: 'Closes #7, v2',
    });
    expect(updated.body).toBe('Closes #7, v2');
    expect((await octokit.rest.pulls.get({ ...repo, pull_number: 8 })).data.body).toBe('Closes #7, v2');

    const { data: comment } = await octokit.rest.issues.createComment({
      ...repo,
      issue_number: 8,
      body: 'Working…',
    });
    expect(comment.html_url).toBe(`https://github.com/acme/widgets/pull/8#issuecomment-${comment.id}`);
    await octokit.rest.issues.updateComment({ ...repo, comment_id: comment.id, body: 'Done.' });
    const { data: comments } = await octokit.rest.issues.listComments({
      ...repo,
      issue_number: 8,
      per_page: 100,
    });
    expect(comments.map((c) => [c.id, c.body, c.user?.login])).toEqual([
      [comment.id, 'Done.', 'github-actions[bot]'],
    ]);

    const { data: labels } = await octokit.rest.issues.addLabels({
      ...repo,
      issue_number: 8,
      labels: ['agentgate'],
    });
    expect(labels.map((l) => l.name)).toEqual(['agentgate']);
    const { data: onIssue } = await octokit.rest.issues.listLabelsOnIssue({ ...repo, issue_number: 7 });
    expect(onIssue.map((l) => l.name)).toEqual(['bug']);
    const { data: asIssue } = await octokit.rest.issues.get({ ...repo, issue_number: 8 });
    expect(asIssue.pull_request?.html_url).toBe(pr.html_url);

    const annotation = {
      path: 'src/a.ts',
      start_line: 1,
      end_line: 1,
      annotation_level: 'warning' as const,
      message: 'no',
    };
    const { data: run } = await octokit.rest.checks.create({
      ...repo,
      name: 'agentgate',
      head_sha: pr.head.sha,
      status: 'in_progress',
      output: { title: 'Gates', summary: 'running', annotations: Array(50).fill(annotation) },
    });
    expect(run).toMatchObject({ status: 'in_progress', conclusion: null, pull_requests: [{ number: 8 }] });
    const { data: done } = await octokit.rest.checks.update({
      ...repo,
      check_run_id: run.id,
      conclusion: 'success',
      output: { title: 'Gates', summary: 'all passed', annotations: [annotation, annotation] },
    });
    expect(done).toMatchObject({
      status: 'completed',
      conclusion: 'success',
      output: { annotations_count: 52 },
    });
    expect(fake.state.checkRuns[0]?.output.annotations).toHaveLength(52);
    const { data: forRef } = await octokit.rest.checks.listForRef({ ...repo, ref: 'agentgate/fix-wobble' });
    expect(forRef.check_runs.map((c) => c.id)).toEqual([run.id]);

    const level = async (username: string) =>
      (await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username })).data;
    expect(await level('alice')).toMatchObject({ permission: 'admin', role_name: 'admin' });
    expect(await level('mona')).toMatchObject({ permission: 'write', role_name: 'maintain' });
    expect(await level('tri')).toMatchObject({ permission: 'read', role_name: 'triage' });
    expect(await level('stranger')).toMatchObject({ permission: 'none' });

    expect(fake.violations).toEqual([]);
    expect(fake.tokens).toEqual(new Set(['ghs_test']));
    expect(fake.state.pulls[0]).toMatchObject({ number: 8, labels: ['agentgate'], body: 'Closes #7, v2' });
    expect(fake.requests.find((r) => r.operationId === 'pulls/create')).toMatchObject({
      method: 'POST',
      path: '/repos/acme/widgets/pulls',
      status: 201,
      body: { head: 'agentgate/fix-wobble', base: 'main' },
    });
  });

  it('pages with Link headers, which octokit.paginate follows', async () => {
    for (let i = 0; i < 5; i++)
      await octokit.rest.issues.createComment({ ...repo, issue_number: 7, body: `c${i}` });
    const all = await octokit.paginate(octokit.rest.issues.listComments, {
      ...repo,
      issue_number: 7,
      per_page: 2,
    });
    expect(all.map((c) => c.body)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect(fake.requests.filter((r) => r.operationId === 'issues/list-comments')).toHaveLength(3);
    expect(fake.violations).toEqual([]);
  });

  it('answers 404 for another repository, without calling it a violation', async () => {
    expect(await statusOf(octokit.rest.pulls.get({ owner: 'acme', repo: 'gadgets', pull_number: 1 }))).toBe(
      404,
    );
    expect(await statusOf(octokit.rest.issues.get({ ...repo, issue_number: 99 }))).toBe(404);
    expect(fake.violations).toEqual([]);
  });

  it('fails a scripted call, then answers normally', async () => {
    fake.failNext('pulls/create', 500);
    const params = { ...repo, title: 't', head: 'feature', base: 'main' };
    expect(await statusOf(octokit.rest.pulls.create(params))).toBe(500);
    expect(fake.state.pulls).toEqual([]);
    expect((await octokit.rest.pulls.create(params)).status).toBe(201);
    expect(fake.requests.map((r) => r.status)).toEqual([500, 201]);
    expect(fake.violations).toEqual([]);
  });
});

describe('GitHub fake: what GitHub would reject', () => {
  it('a body field of the wrong type', async () => {
    const draft = 'yes' as unknown as boolean;
    expect(
      await statusOf(octokit.rest.pulls.create({ ...repo, title: 't', head: 'x', base: 'main', draft })),
    ).toBe(422);
    expect(fake.violations).toEqual(['POST /repos/acme/widgets/pulls: body/draft must be boolean']);
    expect(fake.state.pulls).toEqual([]);
  });

  it('a missing required body field', async () => {
    const request = octokit.request('POST /repos/{owner}/{repo}/pulls', {
      ...repo,
      title: 't',
      head: 'x',
    } as never);
    expect(await statusOf(request)).toBe(422);
    expect(fake.violations).toEqual([
      "POST /repos/acme/widgets/pulls: body must have required property 'base'",
    ]);
  });

  it('a title GitHub requires though the schema cannot say so', async () => {
    expect(await statusOf(octokit.rest.pulls.create({ ...repo, head: 'x', base: 'main' }))).toBe(422);
    expect(fake.violations).toEqual([
      'POST /repos/acme/widgets/pulls: pulls/create needs `title` unless `issue` is given',
    ]);
  });

  it('a body field the operation does not document (GitHub would silently ignore it)', async () => {
    const request = octokit.request('POST /repos/{owner}/{repo}/pulls', {
      ...repo,
      title: 't',
      head: 'x',
      base: 'main',
      drafts: true,
    } as never);
    expect(await statusOf(request)).toBe(422);
    expect(fake.violations).toEqual([
      "POST /repos/acme/widgets/pulls: body has a field the operation does not document: 'drafts'",
    ]);
  });

  it('an unknown query parameter', async () => {
    const request = octokit.request('GET /repos/{owner}/{repo}/pulls', { ...repo, author: 'mona' });
    expect(await statusOf(request)).toBe(422);
    expect(fake.violations).toEqual([
      "GET /repos/acme/widgets/pulls?author=mona: unknown query parameter 'author'",
    ]);
  });

  it('an unknown route', async () => {
    expect(await statusOf(octokit.request('GET /repos/{owner}/{repo}/widgets', repo))).toBe(404);
    expect(fake.violations).toEqual([
      'GET /repos/acme/widgets/widgets: no operation for GET /repos/acme/widgets/widgets',
    ]);
  });

  it('more than 50 annotations in one check run request', async () => {
    const { data: run } = await octokit.rest.checks.create({
      ...repo,
      name: 'gates',
      head_sha: 'a'.repeat(40),
    });
    const annotations = Array.from({ length: 51 }, (_, i) => ({
      path: 'a.ts',
      start_line: i + 1,
      end_line: i + 1,
      annotation_level: 'notice' as const,
      message: `m${i}`,
    }));
    const update = octokit.rest.checks.update({
      ...repo,
      check_run_id: run.id,
      output: { summary: 's', annotations },
    });
    expect(await statusOf(update)).toBe(422);
    expect(fake.violations).toEqual([
      `PATCH /repos/acme/widgets/check-runs/${run.id}: body/output/annotations must NOT have more than 50 items`,
    ]);
    expect(fake.state.checkRuns[0]?.output.annotations).toEqual([]);
  });

  it('a request without a token', async () => {
    const res = await fetch(`${fake.url}/repos/acme/widgets`);
    expect(res.status).toBe(401);
    expect(fake.violations).toEqual([
      'GET /repos/acme/widgets: no authorization header (`token X` or `Bearer X`)',
    ]);
  });

  it('an answer of the fake itself that the response schema does not allow', async () => {
    const issue = fake.state.issues[0];
    if (issue) issue.title = 42 as unknown as string;
    await octokit.rest.issues.get({ ...repo, issue_number: 7 });
    expect(fake.violations).toEqual([
      "GET /repos/acme/widgets/issues/7: the fake's 200 answer is off-schema: response/title must be string",
    ]);
  });

  it('an operation the fake does not implement', async () => {
    expect(await statusOf(octokit.rest.repos.listBranches(repo))).toBe(501);
    expect(fake.violations).toEqual([
      'GET /repos/acme/widgets/branches: repos/list-branches is not implemented by the GitHub fake',
    ]);
  });
});

describe('GitHub fake: GraphQL', () => {
  it('answers a valid document from a registered resolver', async () => {
    fake.graphql('Viewer', () => ({ viewer: { login: 'github-actions[bot]' } }));
    const data = await octokit.graphql<{ viewer: { login: string } }>('query Viewer { viewer { login } }');
    expect(data.viewer.login).toBe('github-actions[bot]');
    expect(fake.requests.at(-1)).toMatchObject({ operationId: 'graphql/Viewer', status: 200 });
    expect(fake.violations).toEqual([]);
  });

  it('passes coerced variables to the resolver', async () => {
    fake.graphql('Pr', (variables, state) => ({
      repository: {
        pullRequest: { title: state.issues.find((i) => i.number === variables.n)?.title ?? null },
      },
    }));
    const query =
      'query Pr($o: String!, $r: String!, $n: Int!) { repository(owner: $o, name: $r) { pullRequest(number: $n) { title } } }';
    const data = await octokit.graphql<{ repository: { pullRequest: { title: string } } }>(query, {
      o: 'acme',
      r: 'widgets',
      n: 7,
    });
    expect(data.repository.pullRequest.title).toBe('Widgets wobble');
    expect(fake.violations).toEqual([]);
  });

  it('rejects a field the schema does not have', async () => {
    fake.graphql('Viewer', () => ({ viewer: { login: 'x' } }));
    await expect(octokit.graphql('query Viewer { viewer { login shoeSize } }')).rejects.toThrow(
      /Cannot query field "shoeSize" on type "User"/,
    );
    expect(fake.violations).toEqual([
      'POST /graphql: GraphQL: Cannot query field "shoeSize" on type "User".',
    ]);
  });

  it('rejects wrong variables and unregistered operations', async () => {
    await expect(octokit.graphql('query Viewer { viewer { login } }')).rejects.toThrow(/no resolver/);
    await expect(
      octokit.graphql(
        'query Pr($n: Int!) { repository(owner: "a", name: "b") { pullRequest(number: $n) { id } } }',
        {
          n: 'seven',
        },
      ),
    ).rejects.toThrow(/Int cannot represent/);
    expect(fake.violations).toHaveLength(2);
  });
});

describe('OpenAPI request validation', () => {
  it('prefers literal path segments over parameters', () => {
    expect(matchOperation('GET', '/repos/a/b/issues/comments')?.operation.operationId).toBe(
      'issues/list-comments-for-repo',
    );
    expect(matchOperation('GET', '/repos/a/b/issues/12')).toMatchObject({
      operation: { operationId: 'issues/get', template: '/repos/{owner}/{repo}/issues/{issue_number}' },
      params: { owner: 'a', repo: 'b', issue_number: '12' },
    });
    expect(matchOperation('GET', '/repos/a/b/compare/main...topic')?.params).toMatchObject({
      base: 'main',
      head: 'topic',
    });
  });

  it('coerces parameters and honours nullable', () => {
    const ok = checkRequest({
      method: 'PATCH',
      path: '/repos/a/b/issues/3',
      query: {},
      body: { title: null, milestone: null, state_reason: null },
    });
    expect(ok).toMatchObject({ status: 0, errors: [], params: { issue_number: 3 } });
    const bad = checkRequest({
      method: 'GET',
      path: '/repos/a/b/pulls/x',
      query: { state: 'nope' },
      body: undefined,
    });
    expect(bad.errors).toEqual([
      "path parameter 'pull_number' must be integer",
      "unknown query parameter 'state'",
    ]);
  });
});

describe('GitHub fake: fault hook', () => {
  const labels = { ...repo, issue_number: 7, labels: ['agentgate'] };

  /** The rejection of an Octokit call: status, GitHub's body and the response headers. */
  async function rejection(promise: Promise<unknown>) {
    try {
      await promise;
    } catch (e) {
      const { status, response } = e as {
        status: number;
        response?: { data: unknown; headers: Record<string, string> };
      };
      return { status, body: response?.data, headers: response?.headers ?? {} };
    }
    throw new Error('expected the request to fail');
  }

  it('answers a scripted status with GitHub’s error body, then lets the next request through', async () => {
    fake.fault('issues/add-labels', [503, 'pass']);
    expect(await rejection(octokit.rest.issues.addLabels(labels))).toMatchObject({
      status: 503,
      body: {
        message: 'Service Unavailable',
        documentation_url: getOperation('issues/add-labels')?.documentationUrl,
        status: '503',
      },
    });
    expect(fake.state.issues[0]?.labels).toEqual(['bug']);
    const { data } = await octokit.rest.issues.addLabels(labels);
    expect(data.map((l) => l.name)).toEqual(['bug', 'agentgate']);
    expect((await octokit.rest.issues.addLabels(labels)).status).toBe(200); // the script is over: pass
    expect(fake.faultsServed).toEqual([{ operationId: 'issues/add-labels', status: 503 }]);
    expect(fake.requests.map((r) => r.status)).toEqual([503, 200, 200]);
    expect(fake.violations).toEqual([]);
  });

  it("with after: 'repeat', keeps answering the last step", async () => {
    fake.fault('issues/add-labels', [403], { after: 'repeat' });
    for (let i = 0; i < 3; i++) {
      expect(await rejection(octokit.rest.issues.addLabels(labels))).toMatchObject({
        status: 403,
        body: { message: 'Resource not accessible by integration', status: '403' },
      });
    }
    expect(fake.state.issues[0]?.labels).toEqual(['bug']);
    expect(fake.faultsServed).toEqual(Array(3).fill({ operationId: 'issues/add-labels', status: 403 }));
  });

  it('serves rate limits with the given headers, and full answers as given', async () => {
    const reset = String(Math.floor(Date.now() / 1000) + 60);
    fake.fault('pulls/create', [
      { status: 429, headers: { 'Retry-After': '7' } },
      { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset } },
      { status: 422, body: { message: 'Validation Failed', errors: [{ code: 'custom', message: 'nope' }] } },
    ]);
    const params = { ...repo, title: 't', head: 'feature', base: 'main' };
    expect(await rejection(octokit.rest.pulls.create(params))).toMatchObject({
      status: 429,
      body: { message: 'API rate limit exceeded for installation ID 1.', status: '429' },
      headers: { 'retry-after': '7' },
    });
    expect(await rejection(octokit.rest.pulls.create(params))).toMatchObject({
      status: 403,
      body: { message: 'API rate limit exceeded for installation ID 1.' },
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset },
    });
    expect((await rejection(octokit.rest.pulls.create(params))).body).toEqual({
      message: 'Validation Failed',
      errors: [{ code: 'custom', message: 'nope' }],
    });
    expect((await octokit.rest.pulls.create(params)).status).toBe(201);
    expect(fake.faultsServed.map((f) => f.status)).toEqual([429, 403, 422]);
  });

  it('applies only to valid requests of the operation it names', async () => {
    fake.fault('pulls/create', [500]);
    const draft = 'yes' as unknown as boolean;
    const invalid = octokit.rest.pulls.create({ ...repo, title: 't', head: 'x', base: 'main', draft });
    expect(await statusOf(invalid)).toBe(422); // rejected by validation: the step is not used up
    expect((await octokit.rest.pulls.list(repo)).status).toBe(200);
    expect(await statusOf(octokit.rest.pulls.create({ ...repo, title: 't', head: 'x', base: 'main' }))).toBe(
      500,
    );
    expect(fake.faultsServed).toEqual([{ operationId: 'pulls/create', status: 500 }]);
    expect(() => fake.fault('issues/addLabels', [500])).toThrow(/unknown operationId 'issues\/addLabels'/);
    expect(() => fake.fault('repos/list-branches', [500])).toThrow(/not implemented by the GitHub fake/);
    expect(() => fake.fault('pulls/create', [42])).toThrow(/a step is an HTTP status/);
  });

  it('scripts GraphQL operations by name, and keeps failNext working on the same queue', async () => {
    fake.graphql('Viewer', () => ({ viewer: { login: 'github-actions[bot]' } }));
    fake.fault('graphql/Viewer', [502]);
    await expect(octokit.graphql('query Viewer { viewer { login } }')).rejects.toMatchObject({ status: 502 });
    expect(await octokit.graphql('query Viewer { viewer { login } }')).toEqual({
      viewer: { login: 'github-actions[bot]' },
    });
    fake.failNext('issues/get', 500, undefined, 2, { 'retry-after': '1' });
    const get = () => octokit.rest.issues.get({ ...repo, issue_number: 7 });
    expect(await rejection(get())).toMatchObject({
      status: 500,
      body: { message: 'Server Error', status: '500' },
      headers: { 'retry-after': '1' },
    });
    expect(await statusOf(get())).toBe(500);
    expect((await get()).status).toBe(200);
    expect(fake.faultsServed.map((f) => `${f.operationId} ${f.status}`)).toEqual([
      'graphql/Viewer 502',
      'issues/get 500',
      'issues/get 500',
    ]);
  });

  it('writes() lists what writes: POST, PATCH and GraphQL mutations, not GETs or GraphQL queries', async () => {
    fake.graphql('Viewer', () => ({ viewer: { login: 'github-actions[bot]' } }));
    fake.graphql('React', () => ({ addReaction: { clientMutationId: null } }));
    await octokit.rest.repos.get(repo);
    await octokit.rest.issues.listComments({ ...repo, issue_number: 7 });
    await octokit.graphql('query Viewer { viewer { login } }');
    expect(fake.writes()).toEqual([]);

    const { data: comment } = await octokit.rest.issues.createComment({
      ...repo,
      issue_number: 7,
      body: 'hi',
    });
    await octokit.rest.issues.updateComment({ ...repo, comment_id: comment.id, body: 'hello' });
    await octokit.graphql(
      'mutation React($id: ID!) { addReaction(input: { subjectId: $id, content: HOORAY }) { clientMutationId } }',
      { id: 'I_1' },
    );
    expect(fake.writes().map((r) => `${r.method} ${r.operationId}`)).toEqual([
      'POST issues/create-comment',
      'PATCH issues/update-comment',
      'POST graphql/React',
    ]);
    expect(fake.violations).toEqual([]);
  });
});
