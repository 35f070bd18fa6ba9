// GitHub-shaped JSON for the fake's state: users, the repository, labels, issues, pull requests, issue
// comments and check runs, with every field the documented response schemas require.
import {
  type FakeCheckRun,
  type FakeComment,
  type FakeIssue,
  type FakeLabel,
  type FakePull,
  type FakeState,
  type Permission,
  repoWeb,
  type StateOps,
  sha1,
  WEB,
} from './state.js';

export const REST_DOCS = 'https://docs.github.com/rest';
export const GRAPHQL_DOCS = 'https://docs.github.com/graphql';
export const RATE_LIMIT_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api';

export const nodeId = (prefix: string, id: number) =>
  `${prefix}_${Buffer.from(`0:${id}`).toString('base64url')}`;
export const userId = (login: string) => Number.parseInt(sha1(login).slice(0, 7), 16);

/** The `permissions` object of a user or repository for a role. */
export const rolePermissions = (role: Permission) => {
  const rank = ['none', 'read', 'triage', 'write', 'maintain', 'admin'].indexOf(role);
  return { admin: rank >= 5, maintain: rank >= 4, push: rank >= 3, triage: rank >= 2, pull: rank >= 1 };
};

/** The app behind `GITHUB_TOKEN`, as check runs name it. */
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

export type Shapes = ReturnType<typeof makeShapes>;

/**
 * The builders for one fake: `api` is the fake's base URL (known once it listens), `actor` the login
 * every token acts as, `stamp` the time the repository was seeded.
 */
export function makeShapes(state: FakeState, ops: StateOps, actor: string, stamp: string, api: () => string) {
  const { branchSha, ensureLabel, isPull } = ops;
  const repoApi = () => `${api()}/repos/${state.owner}/${state.repo}`;

  const user = (login: string) => {
    const u = `${api()}/users/${encodeURIComponent(login)}`;
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
      html_url: repoWeb(state),
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
      clone_url: `${repoWeb(state)}.git`,
      mirror_url: null,
      hooks_url: `${r}/hooks`,
      svn_url: repoWeb(state),
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

  const checkRun = (c: FakeCheckRun) => ({
    id: c.id,
    node_id: nodeId('CR', c.id),
    head_sha: c.head_sha,
    external_id: c.external_id,
    url: `${repoApi()}/check-runs/${c.id}`,
    html_url: `${repoWeb(state)}/runs/${c.id}`,
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

  return { user, authorAssociation, repository, label, issueLabels, issue, pull, comment, checkRun, repoApi };
}
