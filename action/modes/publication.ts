// Publication as explicit steps — find → push → PR → labels — each recording what now exists, so that a
// failure says exactly what is on GitHub and what to do next. A rerun finds the open PR of the same task
// (by the hidden task marker in its body) and updates it instead of opening a second one.
import { createHash } from 'node:crypto';
import { commitMarks } from '../authorship.js';
import { BRANCH_PREFIX, TASK_MARKER_PREFIX } from '../constants.js';
import { messageOf } from '../errors.js';
import { git } from '../git.js';
import type { GitHubClient } from '../github/client.js';
import type { Repo } from '../github/context.js';
import { openPullRequest, type PullRequestRef } from '../github/pulls.js';
import { fetchRemoteBranch, PushError, pushBranch, remoteUrl } from '../github/push.js';
import { addLabels } from '../github/repo.js';

export interface PublishRequest {
  client: GitHubClient;
  repo: Repo;
  /** The job's checkout, where the agent's branch is. */
  workspace: string;
  token: string;
  serverUrl: string;
  /** The agent's branch in the checkout. */
  branch: string;
  /** The branch's name on GitHub (default the same). */
  remoteBranch?: string;
  baseBranch: string;
  /** The commit the agent started from. */
  baseCommit: string;
  title: string;
  /** The PR body; the task marker is appended. */
  body: string;
  draft: boolean;
  labels: string[];
  /** What identifies the task across reruns: `issue-7`, or a hash of the task text. */
  taskKey: string;
}

export type PublishStep = 'push' | 'pull request';

/** What exists after publication, whatever happened. */
export interface PublishState {
  /** The branch on GitHub the work is (or was to be) on. */
  remoteBranch: string;
  pushed: boolean;
  pr?: PullRequestRef;
  /** Whether the PR was asked for as a draft. */
  draft: boolean;
  labelled: boolean;
  /** Problems after the PR existed (labels), and notes on a reused PR. */
  warnings: string[];
  /** The step that stopped publication, with git's output when git said why. */
  failure?: { step: PublishStep; message: string; output?: string };
}

/** The task's key: the issue, or the task text's hash. */
export function taskKey(task: { issue?: number; text: string }): string {
  if (task.issue !== undefined) return `issue-${task.issue}`;
  return `task-${createHash('sha256').update(task.text.trim()).digest('hex').slice(0, 16)}`;
}

export function taskMarker(key: string): string {
  return `${TASK_MARKER_PREFIX}${key} -->`;
}

interface OpenPull {
  number: number;
  url: string;
  headRef: string;
}

/** The open PR on an agent branch of this repository whose body carries the task's marker. */
export async function findTaskPullRequest(
  client: GitHubClient,
  repo: Repo,
  key: string,
): Promise<OpenPull | undefined> {
  const marker = taskMarker(key);
  const open = await client.paginate(client.rest.pulls.list, { ...repo, state: 'open', per_page: 100 });
  const full = `${repo.owner}/${repo.repo}`.toLowerCase();
  const p = open.find(
    (x) =>
      x.head.ref.startsWith(BRANCH_PREFIX) &&
      x.head.repo?.full_name?.toLowerCase() === full &&
      (x.body ?? '').includes(marker),
  );
  return p ? { number: p.number, url: p.html_url, headRef: p.head.ref } : undefined;
}

/**
 * The tip of the remote branch `ref` when every commit on it that `base` lacks is the agent's (so
 * replacing it loses nothing of anyone's); undefined otherwise.
 */
async function agentBranchTip(q: PublishRequest, ref: string): Promise<string | undefined> {
  const into = 'refs/agentgate/reuse';
  const remote = { repoDir: q.workspace, remote: 'origin', token: q.token, serverUrl: q.serverUrl };
  const tip = await fetchRemoteBranch(remote, ref, into);
  if (!tip) return undefined;
  try {
    const commits = await commitMarks(q.workspace, [tip, `^${q.baseCommit}`]);
    return commits.every((c) => c.trailer) ? tip : undefined;
  } finally {
    await git(q.workspace, ['update-ref', '-d', into], { allowFail: true });
  }
}

export async function publish(q: PublishRequest): Promise<PublishState> {
  const state: PublishState = {
    remoteBranch: q.remoteBranch ?? q.branch,
    pushed: false,
    draft: q.draft,
    labelled: false,
    warnings: [],
  };
  const body = `${q.body.trimEnd()}\n\n${taskMarker(q.taskKey)}\n`;

  // 1. An open PR of the same task, from an earlier run: its branch takes the new work.
  let reuse: (OpenPull & { tip: string }) | undefined;
  try {
    const found = await findTaskPullRequest(q.client, q.repo, q.taskKey);
    const tip = found ? await agentBranchTip(q, found.headRef) : undefined;
    if (found && tip) {
      reuse = { ...found, tip };
      state.remoteBranch = found.headRef;
      state.warnings.push(`PR #${found.number} carries this task already: it is updated, not duplicated`);
    } else if (found) {
      state.warnings.push(
        `PR #${found.number} carries this task but has commits that are not the agent's; it is left alone and a new PR is opened`,
      );
    }
  } catch (e) {
    state.warnings.push(`could not look for an open PR of this task (${messageOf(e)}); opening a new one`);
  }

  // 2. Push.
  try {
    await pushBranch({
      repoDir: q.workspace,
      remote: 'origin',
      branch: q.branch,
      remoteBranch: state.remoteBranch,
      token: q.token,
      serverUrl: q.serverUrl,
      ...(reuse ? { lease: reuse.tip } : {}),
    });
    state.pushed = true;
  } catch (e) {
    // git names the remote by its URL; the comment names it 'origin'.
    const url = await remoteUrl(q.workspace, 'origin').catch(() => undefined);
    state.failure = {
      step: 'push',
      message: messageOf(e),
      ...(e instanceof PushError && e.stderr ? { output: cleanOutput(e.stderr, { origin: url }) } : {}),
    };
    return state;
  }

  // 3. The pull request.
  try {
    if (reuse) {
      await q.client.rest.pulls.update({ ...q.repo, pull_number: reuse.number, title: q.title, body });
      state.pr = { number: reuse.number, url: reuse.url, existed: true };
    } else {
      state.pr = await openPullRequest(q.client, q.repo, {
        head: state.remoteBranch,
        base: q.baseBranch,
        title: q.title,
        body,
        draft: q.draft,
      });
    }
  } catch (e) {
    state.failure = { step: 'pull request', message: messageOf(e) };
    return state;
  }

  // 4. Labels: the PR exists, so a failure here is a warning.
  try {
    await addLabels(q.client, q.repo, state.pr.number, q.labels);
    state.labelled = true;
  } catch (e) {
    state.warnings.push(
      `could not label PR #${state.pr.number} (${messageOf(e)}); add ${q.labels.map((l) => `'${l}'`).join(', ')} by hand, or give the job 'issues: write'`,
    );
  }
  return state;
}

/** Git output for a comment: runner paths replaced by names. */
export function cleanOutput(text: string, paths: Record<string, string | undefined>): string {
  let out = text;
  const known = Object.entries(paths)
    .filter((e): e is [string, string] => typeof e[1] === 'string' && e[1].length > 1)
    .sort((a, b) => b[1].length - a[1].length);
  for (const [name, p] of known) out = out.split(p).join(name);
  return out;
}
