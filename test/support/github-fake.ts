// An in-memory GitHub on 127.0.0.1 for the tests: one repository's labels, issues, pull requests,
// comments and check runs behind the REST endpoints the action uses, and GraphQL answered by resolvers
// the test registers. Every REST request is checked against GitHub's OpenAPI description and every
// GraphQL document against GitHub's schema; whatever GitHub would reject is answered as GitHub would
// and recorded in `violations`. The fake's own answers are checked against the documented response
// schemas too, so a drift in the fake shows up in `violations` as well.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import {
  buildClientSchema,
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  getVariableValues,
  type IntrospectionQuery,
  parse,
  validate,
} from 'graphql';
import { checkRequest, checkResponse, type Operation } from './openapi.js';

export type Permission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

export interface FakeLabel {
  id: number;
  name: string;
  color: string;
  description: string | null;
  default: boolean;
}

export interface FakeComment {
  id: number;
  body: string;
  user: string;
  html_url: string;
  created_at: string;
  updated_at: string;
}

export interface FakeIssue {
  id: number;
  number: number;
  title: string;
  body: string | null;
  /** Label names; their objects live in `FakeState.labels`. */
  labels: string[];
  comments: FakeComment[];
  user: string;
  state: 'open' | 'closed';
  html_url: string;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
}

export interface FakePull extends FakeIssue {
  head: { ref: string; sha: string };
  base: { ref: string };
  draft: boolean;
  merged: boolean;
  maintainer_can_modify: boolean;
}

export interface FakeAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
  raw_details?: string;
}

export interface FakeCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  started_at: string | null;
  completed_at: string | null;
  details_url: string | null;
  external_id: string | null;
  /** `annotations` accumulates across create and every update, as on GitHub. */
  output: {
    title: string | null;
    summary: string | null;
    text: string | null;
    annotations: FakeAnnotation[];
  };
}

export interface FakeRunner {
  id: number;
  name: string;
  labels: string[];
  runner_group_id: number;
  work_folder: string;
  /** 'repo' or 'org': where it was registered. */
  scope: 'repo' | 'org';
  /** The encoded JIT config handed out for it. */
  encoded_jit_config: string;
}

export interface FakeState {
  owner: string;
  repo: string;
  defaultBranch: string;
  private: boolean;
  /** Role per login; logins not listed have none. */
  permissions: Record<string, Permission>;
  /** Branch name to head commit SHA; a branch not listed gets a SHA derived from its name. */
  branches: Record<string, string>;
  labels: FakeLabel[];
  issues: FakeIssue[];
  pulls: FakePull[];
  checkRuns: FakeCheckRun[];
  /** Just-in-time runners registered through generate-jitconfig; the org is the repository's owner. */
  runners: FakeRunner[];
  /** The next database id for labels, comments, issues, pull requests and check runs. */
  nextId: number;
}

export interface GitHubFakeOptions {
  owner: string;
  repo: string;
  defaultBranch?: string;
  private?: boolean;
  permissions?: Record<string, Permission>;
  /** The login every token acts as: author of new comments and pull requests. Default `github-actions[bot]`. */
  actor?: string;
  branches?: Record<string, string>;
  labels?: { name: string; color?: string; description?: string }[];
  issues?: SeedIssue[];
  pulls?: (SeedIssue & { head: string | { ref: string; sha?: string }; base?: string; draft?: boolean })[];
}

/** An issue to start with; a pull request has these fields too. */
export interface SeedIssue {
  number: number;
  title: string;
  body?: string;
  labels?: string[];
  user?: string;
  state?: 'open' | 'closed';
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  /** The REST operationId, or `graphql/<OperationName>` (`graphql` for an anonymous operation). */
  operationId?: string;
  status: number;
  token?: string;
  response?: unknown;
}

export type GraphQLResolver = (variables: Record<string, unknown>, state: FakeState) => unknown;

export interface GitHubFake {
  /** `http://127.0.0.1:PORT`: the REST base URL; GraphQL is at `${url}/graphql`. */
  url: string;
  requests: RecordedRequest[];
  /** One readable line per request GitHub would have rejected (or the fake answered off-schema). */
  violations: string[];
  tokens: Set<string>;
  state: FakeState;
  /**
   * Answer the next `times` (default 1) valid requests for the operation (REST operationId or
   * `graphql/<Name>`) with this status, body and extra headers (e.g. `retry-after`) instead.
   */
  failNext(
    operationId: string,
    status: number,
    body?: unknown,
    times?: number,
    headers?: Record<string, string>,
  ): void;
  /** Answer the named GraphQL operation with the resolver's `data`; a thrown error becomes `errors`. */
  graphql(operationName: string, resolver: GraphQLResolver): void;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Set when GitHub would reject the request for a reason the schema cannot express. */
  violation?: string;
}

/** A validated REST request: parameters coerced to their schema types. */
interface Call {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  rawQuery: Record<string, string>;
  body: Record<string, unknown>;
  path: string;
  operation: Operation;
}

const WEB = 'https://github.com';
const REST_DOCS = 'https://docs.github.com/rest';
const GRAPHQL_DOCS = 'https://docs.github.com/graphql';

let graphqlSchema: GraphQLSchema | undefined;

/** GitHub's GraphQL schema from @octokit/graphql-schema's introspection result, built once per process. */
function loadGraphQLSchema(): GraphQLSchema {
  if (graphqlSchema) return graphqlSchema;
  // The package exports only its ESM entry, so find schema.json through the node_modules search path.
  const paths = createRequire(import.meta.url).resolve.paths('@octokit/graphql-schema') ?? [];
  const file = paths.map((dir) => `${dir}/@octokit/graphql-schema/schema.json`).find((f) => existsSync(f));
  if (!file) throw new Error('@octokit/graphql-schema is not installed');
  graphqlSchema = buildClientSchema(JSON.parse(readFileSync(file, 'utf8')) as IntrospectionQuery);
  return graphqlSchema;
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const nodeId = (prefix: string, id: number) => `${prefix}_${Buffer.from(`0:${id}`).toString('base64url')}`;
const userId = (login: string) => Number.parseInt(sha1(login).slice(0, 7), 16);

/** GitHub's `permission` is the legacy level; `role_name` is the fine-grained role. */
const LEGACY: Record<Permission, string> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
  none: 'none',
};

export async function startGitHubFake(options: GitHubFakeOptions): Promise<GitHubFake> {
  const actor = options.actor ?? 'github-actions[bot]';
  const stamp = now();
  const state: FakeState = {
    owner: options.owner,
    repo: options.repo,
    defaultBranch: options.defaultBranch ?? 'main',
    private: options.private ?? false,
    permissions: { ...options.permissions },
    branches: { ...options.branches },
    labels: [],
    issues: [],
    pulls: [],
    checkRuns: [],
    runners: [],
    nextId: 1001,
  };
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const tokens = new Set<string>();
  const failures = new Map<
    string,
    { status: number; body: unknown; times: number; headers: Record<string, string> | undefined }[]
  >();
  const resolvers = new Map<string, GraphQLResolver>();
  let api = '';

  const repoApi = () => `${api}/repos/${state.owner}/${state.repo}`;
  const repoWeb = () => `${WEB}/${state.owner}/${state.repo}`;
  const nextId = () => state.nextId++;
  const nextNumber = () =>
    Math.max(0, ...state.issues.map((i) => i.number), ...state.pulls.map((p) => p.number)) + 1;
  const branchSha = (ref: string) => state.branches[ref] ?? sha1(`${state.owner}/${state.repo}:${ref}`);
  const findIssue = (n: number): FakeIssue | FakePull | undefined =>
    state.pulls.find((p) => p.number === n) ?? state.issues.find((i) => i.number === n);
  const isPull = (i: FakeIssue): i is FakePull => state.pulls.includes(i as FakePull);
  const findLabel = (name: string) => state.labels.find((l) => l.name.toLowerCase() === name.toLowerCase());
  const ensureLabel = (name: string): FakeLabel => {
    let label = findLabel(name);
    if (!label) {
      label = { id: nextId(), name, color: 'ededed', description: null, default: false };
      state.labels.push(label);
    }
    return label;
  };

  // Seed the repository.
  for (const l of options.labels ?? []) {
    state.labels.push({
      id: nextId(),
      name: l.name,
      color: l.color ?? 'ededed',
      description: l.description ?? null,
      default: false,
    });
  }
  // A pull request is an issue with more fields (as on GitHub): the fields both share.
  const seedIssue = (i: SeedIssue, page: 'issues' | 'pull') => {
    for (const name of i.labels ?? []) ensureLabel(name);
    return {
      id: nextId(),
      number: i.number,
      title: i.title,
      body: i.body ?? null,
      labels: i.labels ?? [],
      comments: [],
      user: i.user ?? state.owner,
      state: i.state ?? 'open',
      html_url: `${repoWeb()}/${page}/${i.number}`,
      created_at: stamp,
      updated_at: stamp,
      closed_at: i.state === 'closed' ? stamp : null,
    };
  };
  for (const i of options.issues ?? []) state.issues.push(seedIssue(i, 'issues'));
  for (const p of options.pulls ?? []) {
    const head = typeof p.head === 'string' ? { ref: p.head } : p.head;
    state.pulls.push({
      ...seedIssue(p, 'pull'),
      head: { ref: head.ref, sha: head.sha ?? branchSha(head.ref) },
      base: { ref: p.base ?? state.defaultBranch },
      draft: p.draft ?? false,
      merged: false,
      maintainer_can_modify: false,
    });
  }

  // ---- GitHub-shaped JSON --------------------------------------------------------------------------

  const user = (login: string) => {
    const u = `${api}/users/${encodeURIComponent(login)}`;
    const id = userId(login);
    return {
      login,
      id,
      node_id: nodeId(login.endsWith('[bot]') ? 'BOT' : 'U', id),
      avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
      gravatar_id: '',
      url: u,
      html_url: login.endsWith('[bot]') ? `${WEB}/apps/${login.slice(0, -5)}` : `${WEB}/${login}`,
      followers_url: `${u}/followers`,
      following_url: `${u}/following{/other_user}`,
      gists_url: `${u}/gists{/gist_id}`,
      starred_url: `${u}/starred{/owner}{/repo}`,
      subscriptions_url: `${u}/subscriptions`,
      organizations_url: `${u}/orgs`,
      repos_url: `${u}/repos`,
      events_url: `${u}/events{/privacy}`,
      received_events_url: `${u}/received_events`,
      type: login.endsWith('[bot]') ? 'Bot' : 'User',
      user_view_type: 'public',
      site_admin: false,
    };
  };

  const rolePermissions = (role: Permission) => {
    const rank = ['none', 'read', 'triage', 'write', 'maintain', 'admin'].indexOf(role);
    return { admin: rank >= 5, maintain: rank >= 4, push: rank >= 3, triage: rank >= 2, pull: rank >= 1 };
  };

  const authorAssociation = (login: string) =>
    login === state.owner
      ? 'OWNER'
      : (state.permissions[login] ?? 'none') !== 'none'
        ? 'COLLABORATOR'
        : 'NONE';

  /** Fields of both `repository` and `full-repository`. */
  const repository = () => {
    const r = repoApi();
    const id = userId(`${state.owner}/${state.repo}`);
    const openIssues = [...state.issues, ...state.pulls].filter((i) => i.state === 'open').length;
    return {
      id,
      node_id: nodeId('R', id),
      name: state.repo,
      full_name: `${state.owner}/${state.repo}`,
      owner: user(state.owner),
      private: state.private,
      visibility: state.private ? 'private' : 'public',
      html_url: repoWeb(),
      description: null,
      fork: false,
      url: r,
      archive_url: `${r}/{archive_format}{/ref}`,
      assignees_url: `${r}/assignees{/user}`,
      blobs_url: `${r}/git/blobs{/sha}`,
      branches_url: `${r}/branches{/branch}`,
      collaborators_url: `${r}/collaborators{/collaborator}`,
      comments_url: `${r}/comments{/number}`,
      commits_url: `${r}/commits{/sha}`,
      compare_url: `${r}/compare/{base}...{head}`,
      contents_url: `${r}/contents/{+path}`,
      contributors_url: `${r}/contributors`,
      deployments_url: `${r}/deployments`,
      downloads_url: `${r}/downloads`,
      events_url: `${r}/events`,
      forks_url: `${r}/forks`,
      git_commits_url: `${r}/git/commits{/sha}`,
      git_refs_url: `${r}/git/refs{/sha}`,
      git_tags_url: `${r}/git/tags{/sha}`,
      git_url: `git://github.com/${state.owner}/${state.repo}.git`,
      issue_comment_url: `${r}/issues/comments{/number}`,
      issue_events_url: `${r}/issues/events{/number}`,
      issues_url: `${r}/issues{/number}`,
      keys_url: `${r}/keys{/key_id}`,
      labels_url: `${r}/labels{/name}`,
      languages_url: `${r}/languages`,
      merges_url: `${r}/merges`,
      milestones_url: `${r}/milestones{/number}`,
      notifications_url: `${r}/notifications{?since,all,participating}`,
      pulls_url: `${r}/pulls{/number}`,
      releases_url: `${r}/releases{/id}`,
      ssh_url: `git@github.com:${state.owner}/${state.repo}.git`,
      stargazers_url: `${r}/stargazers`,
      statuses_url: `${r}/statuses/{sha}`,
      subscribers_url: `${r}/subscribers`,
      subscription_url: `${r}/subscription`,
      tags_url: `${r}/tags`,
      teams_url: `${r}/teams`,
      trees_url: `${r}/git/trees{/sha}`,
      clone_url: `${repoWeb()}.git`,
      mirror_url: null,
      hooks_url: `${r}/hooks`,
      svn_url: repoWeb(),
      homepage: null,
      language: 'TypeScript',
      forks: 0,
      forks_count: 0,
      stargazers_count: 0,
      watchers: 0,
      watchers_count: 0,
      size: 0,
      default_branch: state.defaultBranch,
      open_issues: openIssues,
      open_issues_count: openIssues,
      is_template: false,
      topics: [],
      has_issues: true,
      has_projects: true,
      has_wiki: true,
      has_pages: false,
      has_downloads: true,
      has_discussions: false,
      archived: false,
      disabled: false,
      pushed_at: stamp,
      created_at: stamp,
      updated_at: stamp,
      permissions: rolePermissions(state.permissions[actor] ?? 'write'),
      allow_rebase_merge: true,
      allow_squash_merge: true,
      allow_merge_commit: true,
      allow_auto_merge: false,
      delete_branch_on_merge: false,
      allow_forking: true,
      web_commit_signoff_required: false,
      license: null,
      subscribers_count: 0,
      network_count: 0,
    };
  };

  const label = (l: FakeLabel) => ({
    id: l.id,
    node_id: nodeId('LA', l.id),
    url: `${repoApi()}/labels/${encodeURIComponent(l.name)}`,
    name: l.name,
    color: l.color,
    description: l.description,
    default: l.default,
  });

  const issueLabels = (i: FakeIssue) => i.labels.map((name) => label(ensureLabel(name)));

  const issue = (i: FakeIssue) => {
    const r = repoApi();
    const u = `${r}/issues/${i.number}`;
    return {
      id: i.id,
      node_id: nodeId(isPull(i) ? 'PR' : 'I', i.id),
      url: u,
      repository_url: r,
      labels_url: `${u}/labels{/name}`,
      comments_url: `${u}/comments`,
      events_url: `${u}/events`,
      html_url: i.html_url,
      timeline_url: `${u}/timeline`,
      number: i.number,
      state: i.state,
      state_reason: i.state === 'closed' ? 'completed' : null,
      title: i.title,
      body: i.body,
      user: user(i.user),
      labels: issueLabels(i),
      assignee: null,
      assignees: [],
      milestone: null,
      locked: false,
      active_lock_reason: null,
      comments: i.comments.length,
      closed_at: i.closed_at,
      created_at: i.created_at,
      updated_at: i.updated_at,
      closed_by: null,
      author_association: authorAssociation(i.user),
      ...(isPull(i)
        ? {
            draft: i.draft,
            pull_request: {
              url: `${r}/pulls/${i.number}`,
              html_url: i.html_url,
              diff_url: `${i.html_url}.diff`,
              patch_url: `${i.html_url}.patch`,
              merged_at: null,
            },
          }
        : {}),
    };
  };

  const pull = (p: FakePull) => {
    const r = repoApi();
    const u = `${r}/pulls/${p.number}`;
    const side = (ref: string, sha: string) => ({
      label: `${state.owner}:${ref}`,
      ref,
      sha,
      user: user(state.owner),
      repo: repository(),
    });
    return {
      url: u,
      id: p.id,
      node_id: nodeId('PR', p.id),
      html_url: p.html_url,
      diff_url: `${p.html_url}.diff`,
      patch_url: `${p.html_url}.patch`,
      issue_url: `${r}/issues/${p.number}`,
      commits_url: `${u}/commits`,
      review_comments_url: `${u}/comments`,
      review_comment_url: `${r}/pulls/comments{/number}`,
      comments_url: `${r}/issues/${p.number}/comments`,
      statuses_url: `${r}/statuses/${p.head.sha}`,
      number: p.number,
      state: p.state,
      locked: false,
      title: p.title,
      user: user(p.user),
      body: p.body,
      labels: issueLabels(p),
      milestone: null,
      active_lock_reason: null,
      created_at: p.created_at,
      updated_at: p.updated_at,
      closed_at: p.closed_at,
      merged_at: null,
      merge_commit_sha: null,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: side(p.head.ref, p.head.sha),
      base: side(p.base.ref, branchSha(p.base.ref)),
      _links: {
        self: { href: u },
        html: { href: p.html_url },
        issue: { href: `${r}/issues/${p.number}` },
        comments: { href: `${r}/issues/${p.number}/comments` },
        review_comments: { href: `${u}/comments` },
        review_comment: { href: `${r}/pulls/comments{/number}` },
        commits: { href: `${u}/commits` },
        statuses: { href: `${r}/statuses/${p.head.sha}` },
      },
      author_association: authorAssociation(p.user),
      auto_merge: null,
      draft: p.draft,
      merged: p.merged,
      mergeable: null,
      rebaseable: null,
      mergeable_state: 'unknown',
      merged_by: null,
      comments: p.comments.length,
      review_comments: 0,
      maintainer_can_modify: p.maintainer_can_modify,
      commits: 1,
      additions: 0,
      deletions: 0,
      changed_files: 0,
    };
  };

  const comment = (c: FakeComment, on: FakeIssue) => ({
    id: c.id,
    node_id: nodeId('IC', c.id),
    url: `${repoApi()}/issues/comments/${c.id}`,
    html_url: c.html_url,
    issue_url: `${repoApi()}/issues/${on.number}`,
    body: c.body,
    user: user(c.user),
    created_at: c.created_at,
    updated_at: c.updated_at,
    author_association: authorAssociation(c.user),
    performed_via_github_app: null,
  });

  const GITHUB_ACTIONS_APP = {
    id: 15368,
    slug: 'github-actions',
    node_id: 'MDM6QXBwMTUzNjg=',
    name: 'GitHub Actions',
    description: 'Automate your workflow from idea to production',
    external_url: 'https://help.github.com/en/actions',
    html_url: `${WEB}/apps/github-actions`,
    created_at: '2018-07-30T09:30:17Z',
    updated_at: '2024-04-10T20:33:16Z',
    permissions: {
      checks: 'write',
      contents: 'write',
      issues: 'write',
      metadata: 'read',
      pull_requests: 'write',
    },
    events: ['check_run', 'check_suite', 'pull_request', 'push'],
  };

  const checkRun = (c: FakeCheckRun) => ({
    id: c.id,
    node_id: nodeId('CR', c.id),
    head_sha: c.head_sha,
    external_id: c.external_id,
    url: `${repoApi()}/check-runs/${c.id}`,
    html_url: `${repoWeb()}/runs/${c.id}`,
    details_url: c.details_url,
    status: c.status,
    conclusion: c.conclusion,
    started_at: c.started_at,
    completed_at: c.completed_at,
    output: {
      title: c.output.title,
      summary: c.output.summary,
      text: c.output.text,
      annotations_count: c.output.annotations.length,
      annotations_url: `${repoApi()}/check-runs/${c.id}/annotations`,
    },
    name: c.name,
    check_suite: { id: userId(`suite:${c.head_sha}`) },
    app: { ...GITHUB_ACTIONS_APP, owner: { ...user('github'), type: 'Organization' } },
    pull_requests: state.pulls
      .filter((p) => p.state === 'open' && p.head.sha === c.head_sha)
      .map((p) => {
        const repo = { id: userId(`${state.owner}/${state.repo}`), url: repoApi(), name: state.repo };
        return {
          id: p.id,
          number: p.number,
          url: `${repoApi()}/pulls/${p.number}`,
          head: { ref: p.head.ref, sha: p.head.sha, repo },
          base: { ref: p.base.ref, sha: branchSha(p.base.ref), repo },
        };
      }),
  });

  // ---- Answers -------------------------------------------------------------------------------------

  const error = (
    call: Call,
    status: number,
    message: string,
    extra: Record<string, unknown> = {},
  ): Answer => ({
    status,
    body: { message, documentation_url: call.operation.documentationUrl, status: String(status), ...extra },
  });
  const notFound = (call: Call) => error(call, 404, 'Not Found');
  const validationFailed = (call: Call, errors: Record<string, unknown>[], violation?: string): Answer => ({
    ...error(call, 422, 'Validation Failed', { errors }),
    violation,
  });
  const num = (call: Call, name: string) => call.params[name] as number;
  const str = (call: Call, name: string) => call.params[name] as string;

  /** One page of `items` per `per_page`/`page`, with GitHub's Link header when there is more. */
  const paged = <T>(call: Call, items: T[], map: (item: T) => unknown): Answer => {
    const perPage = Math.min(Number(call.query.per_page) || 30, 100);
    const page = Math.max(Number(call.query.page) || 1, 1);
    const last = Math.max(Math.ceil(items.length / perPage), 1);
    const link = (n: number, rel: string) => {
      const q = new URLSearchParams({ ...call.rawQuery, page: String(n) });
      return `<${api}${call.path}?${q}>; rel="${rel}"`;
    };
    const links = [
      ...(page > 1 ? [link(page - 1, 'prev'), link(1, 'first')] : []),
      ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []),
    ];
    return {
      status: 200,
      body: items.slice((page - 1) * perPage, page * perPage).map(map),
      headers: links.length ? { link: links.join(', ') } : {},
    };
  };

  const withIssue = (call: Call, then: (i: FakeIssue) => Answer): Answer => {
    const i = findIssue(num(call, 'issue_number'));
    return i ? then(i) : notFound(call);
  };

  /** Registers a just-in-time runner, answering like GitHub: 409 when the name is taken. */
  const jitRunner = (call: Call, scope: 'repo' | 'org'): Answer => {
    const b = call.body as { name: string; runner_group_id: number; labels: string[]; work_folder?: string };
    if (state.runners.some((r) => r.name === b.name)) {
      return error(call, 409, 'Already exists - A runner with the same name already exists.');
    }
    const id = nextId();
    const encoded = Buffer.from(
      JSON.stringify({
        '.runner': `runner-${id}`,
        '.credentials': `cred-${id}`,
        '.credentials_rsaparams': `rsa-${id}`,
      }),
    ).toString('base64');
    const r: FakeRunner = {
      id,
      name: b.name,
      labels: b.labels,
      runner_group_id: b.runner_group_id,
      work_folder: b.work_folder ?? '_work',
      scope,
      encoded_jit_config: encoded,
    };
    state.runners.push(r);
    return {
      status: 201,
      body: {
        runner: {
          id,
          runner_group_id: r.runner_group_id,
          name: r.name,
          os: 'unknown',
          status: 'offline',
          busy: false,
          ephemeral: true,
          labels: r.labels.map((name, i) => ({ id: i + 1, name, type: 'custom' })),
        },
        encoded_jit_config: encoded,
      },
    };
  };

  const handlers: Record<string, (call: Call) => Answer> = {
    'repos/get': () => ({ status: 200, body: repository() }),

    'repos/get-collaborator-permission-level': (call) => {
      const login = str(call, 'username');
      const role = state.permissions[login] ?? 'none';
      return {
        status: 200,
        body: {
          permission: LEGACY[role],
          role_name: role,
          user: { ...user(login), permissions: rolePermissions(role), role_name: role },
        },
      };
    },

    'issues/get': (call) => withIssue(call, (i) => ({ status: 200, body: issue(i) })),

    'issues/list-comments': (call) =>
      withIssue(call, (i) => {
        const since = call.query.since as string | undefined;
        return paged(
          call,
          i.comments.filter((c) => !since || c.updated_at >= since),
          (c) => comment(c, i),
        );
      }),

    'issues/create-comment': (call) =>
      withIssue(call, (i) => {
        const id = nextId();
        const t = now();
        const c: FakeComment = {
          id,
          body: String(call.body.body),
          user: actor,
          html_url: `${i.html_url}#issuecomment-${id}`,
          created_at: t,
          updated_at: t,
        };
        i.comments.push(c);
        i.updated_at = t;
        return { status: 201, body: comment(c, i) };
      }),

    'issues/update-comment': (call) => {
      for (const i of [...state.issues, ...state.pulls]) {
        const c = i.comments.find((x) => x.id === num(call, 'comment_id'));
        if (!c) continue;
        c.body = String(call.body.body);
        c.updated_at = now();
        return { status: 200, body: comment(c, i) };
      }
      return notFound(call);
    },

    'issues/add-labels': (call) =>
      withIssue(call, (i) => {
        const wanted = (call.body.labels as (string | { name: string })[] | undefined) ?? [];
        for (const l of wanted) {
          const name = ensureLabel(typeof l === 'string' ? l : l.name).name;
          if (!i.labels.includes(name)) i.labels.push(name);
        }
        i.updated_at = now();
        return { status: 200, body: issueLabels(i) };
      }),

    'issues/list-labels-on-issue': (call) => withIssue(call, (i) => paged(call, issueLabels(i), (l) => l)),

    'issues/get-label': (call) => {
      const l = findLabel(str(call, 'name'));
      return l ? { status: 200, body: label(l) } : notFound(call);
    },

    'issues/create-label': (call) => {
      const name = String(call.body.name);
      if (findLabel(name))
        return validationFailed(call, [{ resource: 'Label', code: 'already_exists', field: 'name' }]);
      const l: FakeLabel = {
        id: nextId(),
        name,
        color: String(call.body.color ?? 'ededed').replace(/^#/, ''),
        description: (call.body.description as string | undefined) ?? null,
        default: false,
      };
      state.labels.push(l);
      return { status: 201, body: label(l) };
    },

    'pulls/create': (call) => {
      const b = call.body;
      const headRef = String(b.head).includes(':')
        ? String(b.head).split(':').slice(1).join(':')
        : String(b.head);
      const baseRef = String(b.base);
      const fromIssue =
        typeof b.issue === 'number' ? state.issues.find((i) => i.number === b.issue) : undefined;
      if (typeof b.issue === 'number' && !fromIssue) {
        return validationFailed(call, [{ resource: 'PullRequest', code: 'invalid', field: 'issue' }]);
      }
      if (b.title === undefined && !fromIssue) {
        return validationFailed(
          call,
          [{ resource: 'PullRequest', code: 'missing_field', field: 'title' }],
          'pulls/create needs `title` unless `issue` is given',
        );
      }
      if (state.pulls.some((p) => p.state === 'open' && p.head.ref === headRef)) {
        return validationFailed(call, [
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `A pull request already exists for ${state.owner}:${headRef}.`,
          },
        ]);
      }
      if (headRef === baseRef) {
        return validationFailed(call, [
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `No commits between ${baseRef} and ${headRef}`,
          },
        ]);
      }
      const number = fromIssue?.number ?? nextNumber();
      if (fromIssue) state.issues.splice(state.issues.indexOf(fromIssue), 1);
      const t = now();
      const p: FakePull = {
        id: nextId(),
        number,
        title: fromIssue?.title ?? String(b.title),
        body: fromIssue ? fromIssue.body : ((b.body as string | undefined) ?? null),
        labels: fromIssue?.labels ?? [],
        comments: fromIssue?.comments ?? [],
        user: actor,
        state: 'open',
        html_url: `${repoWeb()}/pull/${number}`,
        created_at: t,
        updated_at: t,
        closed_at: null,
        head: { ref: headRef, sha: branchSha(headRef) },
        base: { ref: baseRef },
        draft: b.draft === true,
        merged: false,
        maintainer_can_modify: b.maintainer_can_modify === true,
      };
      state.pulls.push(p);
      return { status: 201, body: pull(p) };
    },

    'pulls/list': (call) => {
      const q = call.query;
      const wantState = (q.state as string | undefined) ?? 'open';
      const head = q.head as string | undefined;
      const [headOwner, headRef] = head?.includes(':')
        ? [head.split(':')[0], head.split(':').slice(1).join(':')]
        : [];
      const found = state.pulls
        .filter((p) => wantState === 'all' || p.state === wantState)
        .filter(
          (p) => !head || (headOwner?.toLowerCase() === state.owner.toLowerCase() && p.head.ref === headRef),
        )
        .filter((p) => q.base === undefined || p.base.ref === q.base)
        .sort((a, b) => (q.direction === 'asc' ? a.number - b.number : b.number - a.number));
      return paged(call, found, pull);
    },

    'pulls/get': (call) => {
      const p = state.pulls.find((x) => x.number === num(call, 'pull_number'));
      return p ? { status: 200, body: pull(p) } : notFound(call);
    },

    'pulls/update': (call) => {
      const p = state.pulls.find((x) => x.number === num(call, 'pull_number'));
      if (!p) return notFound(call);
      const b = call.body;
      if (typeof b.title === 'string') p.title = b.title;
      if (typeof b.body === 'string') p.body = b.body;
      if (typeof b.base === 'string') p.base.ref = b.base;
      if (typeof b.maintainer_can_modify === 'boolean') p.maintainer_can_modify = b.maintainer_can_modify;
      if (b.state === 'open' || b.state === 'closed') {
        p.state = b.state;
        p.closed_at = b.state === 'closed' ? now() : null;
      }
      p.updated_at = now();
      return { status: 200, body: pull(p) };
    },

    'actions/generate-runner-jitconfig-for-repo': (call) => jitRunner(call, 'repo'),
    'actions/generate-runner-jitconfig-for-org': (call) =>
      str(call, 'org').toLowerCase() === state.owner.toLowerCase() ? jitRunner(call, 'org') : notFound(call),

    'checks/create': (call) => {
      const b = call.body as {
        name: string;
        head_sha: string;
        details_url?: string;
        external_id?: string;
        status?: string;
        conclusion?: string;
        started_at?: string;
        completed_at?: string;
        output?: { title?: string; summary?: string; text?: string; annotations?: FakeAnnotation[] };
      };
      const completed = b.conclusion !== undefined || b.status === 'completed';
      const c: FakeCheckRun = {
        id: nextId(),
        name: b.name,
        head_sha: b.head_sha,
        status: completed ? 'completed' : (b.status ?? 'queued'),
        conclusion: b.conclusion ?? null,
        started_at: b.started_at ?? now(),
        completed_at: completed ? (b.completed_at ?? now()) : null,
        details_url: b.details_url ?? null,
        external_id: b.external_id ?? '',
        output: {
          title: b.output?.title ?? null,
          summary: b.output?.summary ?? null,
          text: b.output?.text ?? null,
          annotations: [...(b.output?.annotations ?? [])],
        },
      };
      state.checkRuns.push(c);
      return { status: 201, body: checkRun(c) };
    },

    'checks/update': (call) => {
      const c = state.checkRuns.find((x) => x.id === num(call, 'check_run_id'));
      if (!c) return notFound(call);
      const b = call.body as Partial<Omit<FakeCheckRun, 'output'>> & {
        output?: { title?: string; summary?: string; text?: string; annotations?: FakeAnnotation[] };
      };
      if (b.name !== undefined) c.name = b.name;
      if (b.details_url !== undefined) c.details_url = b.details_url;
      if (b.external_id !== undefined) c.external_id = b.external_id;
      if (b.started_at !== undefined) c.started_at = b.started_at;
      if (b.status !== undefined) c.status = b.status;
      if (b.conclusion !== undefined) {
        c.conclusion = b.conclusion;
        c.status = 'completed';
      }
      if (c.status === 'completed') c.completed_at = b.completed_at ?? c.completed_at ?? now();
      if (b.output) {
        if (b.output.title !== undefined) c.output.title = b.output.title;
        if (b.output.summary !== undefined) c.output.summary = b.output.summary;
        if (b.output.text !== undefined) c.output.text = b.output.text;
        c.output.annotations.push(...(b.output.annotations ?? []));
      }
      return { status: 200, body: checkRun(c) };
    },

    'checks/get': (call) => {
      const c = state.checkRuns.find((x) => x.id === num(call, 'check_run_id'));
      return c ? { status: 200, body: checkRun(c) } : notFound(call);
    },

    'checks/list-annotations': (call) => {
      const c = state.checkRuns.find((x) => x.id === num(call, 'check_run_id'));
      if (!c) return notFound(call);
      return paged(call, c.output.annotations, (a) => ({
        path: a.path,
        start_line: a.start_line,
        end_line: a.end_line,
        start_column: a.start_column ?? null,
        end_column: a.end_column ?? null,
        annotation_level: a.annotation_level,
        title: a.title ?? null,
        message: a.message,
        raw_details: a.raw_details ?? null,
        blob_href: `${repoWeb()}/blob/${c.head_sha}/${a.path}`,
      }));
    },

    'checks/list-for-ref': (call) => {
      const ref = str(call, 'ref');
      const sha = /^[0-9a-f]{40}$/.test(ref) ? ref : branchSha(ref.replace(/^refs\/heads\//, ''));
      const q = call.query;
      const runs = state.checkRuns
        .filter((c) => c.head_sha === sha)
        .filter((c) => q.check_name === undefined || c.name === q.check_name)
        .filter((c) => q.status === undefined || c.status === q.status)
        .reverse();
      const page = paged(call, runs, checkRun);
      return { ...page, body: { total_count: runs.length, check_runs: page.body } };
    },
  };

  // ---- GraphQL -------------------------------------------------------------------------------------

  const answerGraphQL = async (raw: unknown, record: RecordedRequest): Promise<Answer> => {
    const reject = (message: string, errors: unknown[]): Answer => ({
      status: 200,
      body: { errors },
      violation: message,
    });
    const { query, variables, operationName } = (raw ?? {}) as {
      query?: unknown;
      variables?: Record<string, unknown> | null;
      operationName?: string | null;
    };
    if (typeof query !== 'string') {
      const message = 'A query attribute must be specified and must be a string.';
      return reject(message, [{ message }]);
    }
    const schema = loadGraphQLSchema();
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (e) {
      const err = e instanceof GraphQLError ? e : new GraphQLError(String(e));
      return reject(`GraphQL syntax: ${err.message}`, [err.toJSON()]);
    }
    const invalid = validate(schema, document);
    if (invalid.length) {
      return reject(
        `GraphQL: ${invalid.map((e) => e.message).join('; ')}`,
        invalid.map((e) => e.toJSON()),
      );
    }
    const operation = getOperationAST(document, operationName ?? undefined);
    if (!operation) {
      const message = operationName
        ? `Unknown operation named "${operationName}".`
        : 'Must provide operation name.';
      return reject(`GraphQL: ${message}`, [{ message }]);
    }
    const name = operation.name?.value ?? '';
    record.operationId = name ? `graphql/${name}` : 'graphql';
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
    if (coerced.errors) {
      return reject(
        `GraphQL variables: ${coerced.errors.map((e) => e.message).join('; ')}`,
        coerced.errors.map((e) => e.toJSON()),
      );
    }
    const scripted = takeFailure(record.operationId);
    if (scripted) return scripted;
    const resolver = resolvers.get(name);
    if (!resolver) {
      const message = `no resolver registered for GraphQL operation '${name}'`;
      return reject(`GraphQL: ${message}`, [{ message }]);
    }
    try {
      return { status: 200, body: { data: await resolver(coerced.coerced, state) } };
    } catch (e) {
      return {
        status: 200,
        body: { data: null, errors: [{ message: e instanceof Error ? e.message : String(e) }] },
      };
    }
  };

  // ---- Server --------------------------------------------------------------------------------------

  const takeFailure = (operationId: string): Answer | undefined => {
    const queue = failures.get(operationId);
    const next = queue?.[0];
    if (!queue || !next) return undefined;
    if (--next.times <= 0) queue.shift();
    return {
      status: next.status,
      body: next.body ?? { message: `Scripted failure ${next.status}`, documentation_url: REST_DOCS },
      headers: next.headers,
    };
  };

  const answer = async (req: IncomingMessage, text: string, record: RecordedRequest): Promise<Answer> => {
    const auth = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!auth) {
      return {
        status: 401,
        body:
          record.path === '/graphql'
            ? { message: 'This endpoint requires you to be authenticated.', documentation_url: GRAPHQL_DOCS }
            : { message: 'Requires authentication', documentation_url: REST_DOCS, status: '401' },
        violation: 'no authorization header (`token X` or `Bearer X`)',
      };
    }
    record.token = auth[1] as string;
    tokens.add(record.token);

    let body: unknown;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        return {
          status: 400,
          body: { message: 'Problems parsing JSON', documentation_url: REST_DOCS },
          violation: 'request body is not JSON',
        };
      }
    }
    record.body = body;

    if (record.path === '/graphql' && record.method === 'POST') return answerGraphQL(body, record);

    const check = checkRequest({ method: record.method, path: record.path, query: record.query, body });
    if (!check.operation) {
      return {
        status: 404,
        body: { message: 'Not Found', documentation_url: REST_DOCS, status: '404' },
        violation: check.errors.join('; '),
      };
    }
    record.operationId = check.operation.operationId;
    const call: Call = {
      params: check.params,
      query: check.query,
      rawQuery: record.query,
      body: (body ?? {}) as Record<string, unknown>,
      path: record.path,
      operation: check.operation,
    };
    if (check.status) {
      return {
        ...error(call, check.status, `Invalid request.\n\n${check.errors.join('\n')}`),
        violation: check.errors.join('; '),
      };
    }
    const handler = handlers[check.operation.operationId];
    if (!handler) {
      return {
        ...error(call, 501, `${check.operation.operationId} is not implemented by the GitHub fake`),
        violation: `${check.operation.operationId} is not implemented by the GitHub fake`,
      };
    }
    const { owner, repo } = check.params;
    const sameRepo =
      String(owner).toLowerCase() === state.owner.toLowerCase() &&
      String(repo).toLowerCase() === state.repo.toLowerCase();
    if (owner !== undefined && repo !== undefined && !sameRepo) return notFound(call);
    const scripted = takeFailure(check.operation.operationId);
    if (scripted) return scripted;

    const result = handler(call);
    const drift = checkResponse(check.operation.operationId, result.status, result.body);
    if (drift.length) {
      return {
        ...result,
        violation: [result.violation, `the fake's ${result.status} answer is off-schema: ${drift.join('; ')}`]
          .filter(Boolean)
          .join('; '),
      };
    }
    return result;
  };

  const server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const record: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body: undefined,
        status: 0,
      };
      requests.push(record);
      answer(req, Buffer.concat(chunks).toString('utf8'), record)
        .catch(
          (e: unknown): Answer => ({
            status: 500,
            body: { message: 'Server Error', documentation_url: REST_DOCS },
            violation: `the fake threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
          }),
        )
        .then((result) => {
          record.status = result.status;
          record.response = result.body;
          if (result.violation) {
            violations.push(`${record.method} ${url.pathname}${url.search}: ${result.violation}`);
          }
          // Never 0: Octokit's throttling plugin would wait for the reset.
          const remaining = String(Math.max(5000 - requests.length, 1));
          res.writeHead(result.status, {
            'content-type': 'application/json; charset=utf-8',
            'x-github-media-type': 'github.v3; format=json',
            'x-github-request-id': `FAKE:${requests.length}`,
            'x-ratelimit-limit': '5000',
            'x-ratelimit-remaining': remaining,
            'x-ratelimit-used': String(requests.length),
            'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
            'x-ratelimit-resource': record.path === '/graphql' ? 'graphql' : 'core',
            ...result.headers,
          });
          res.end(
            result.status === 204 || result.body === undefined ? undefined : JSON.stringify(result.body),
          );
        });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: api,
    requests,
    violations,
    tokens,
    state,
    failNext(operationId, status, body, times = 1, headers) {
      const queue = failures.get(operationId) ?? [];
      queue.push({ status, body, times, headers });
      failures.set(operationId, queue);
    },
    graphql(operationName, resolver) {
      loadGraphQLSchema();
      resolvers.set(operationName, resolver);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}
