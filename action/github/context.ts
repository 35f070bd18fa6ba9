// The event that started the job, as a discriminated union. Read once from the runner's environment
// (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, ...); everything after works on this plain data.
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

export interface Repo {
  owner: string;
  repo: string;
}

export interface RunInfo {
  repo: Repo;
  serverUrl: string;
  apiUrl: string;
  runId: string;
  /** 1 for a run's first attempt; a re-run counts up (artifact names must differ between attempts). */
  runAttempt: string;
  workspace: string;
  actor: string;
  /** The repository's default branch, when the payload says. */
  defaultBranch: string | undefined;
}

export interface DispatchEvent {
  kind: 'dispatch';
  inputs: Record<string, unknown>;
}
export interface IssueLabelEvent {
  kind: 'issue-label';
  action: string;
  label: string | undefined;
  /** Who added the label: the one whose permission decides. */
  sender: string;
  issue: { number: number; title: string; body: string; author: string; isPullRequest: boolean };
}
export interface ScheduleEvent {
  kind: 'schedule';
  cron: string;
}
export interface PullRequestEvent {
  kind: 'pull-request';
  action: string;
  number: number;
  labels: string[];
  base: { ref: string; sha: string };
  head: { ref: string; sha: string; repoFullName: string };
  draft: boolean;
}
export interface PushEvent {
  kind: 'push';
  before: string;
  after: string;
  ref: string;
}
export interface OtherEvent {
  kind: 'other';
  eventName: string;
}

export type GitHubEvent =
  | DispatchEvent
  | IssueLabelEvent
  | ScheduleEvent
  | PullRequestEvent
  | PushEvent
  | OtherEvent;

export interface ActionContext {
  eventName: string;
  event: GitHubEvent;
  run: RunInfo;
}

export const isAgentEvent = (e: GitHubEvent): e is DispatchEvent | IssueLabelEvent | ScheduleEvent =>
  e.kind === 'dispatch' || e.kind === 'issue-label' || e.kind === 'schedule';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === 'object' ? (v as Json) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The event union from the event name and its webhook payload. Pure. */
export function toEvent(eventName: string, payload: Json): GitHubEvent {
  switch (eventName) {
    case 'workflow_dispatch':
      return { kind: 'dispatch', inputs: obj(payload.inputs) };
    case 'issues': {
      const issue = obj(payload.issue);
      return {
        kind: 'issue-label',
        action: str(payload.action),
        label: typeof obj(payload.label).name === 'string' ? str(obj(payload.label).name) : undefined,
        sender: str(obj(payload.sender).login),
        issue: {
          number: Number(issue.number),
          title: str(issue.title),
          body: str(issue.body),
          author: str(obj(issue.user).login),
          isPullRequest: issue.pull_request !== undefined,
        },
      };
    }
    case 'schedule':
      return { kind: 'schedule', cron: str(payload.schedule) };
    case 'pull_request':
    case 'pull_request_target': {
      const pr = obj(payload.pull_request);
      const base = obj(pr.base);
      const head = obj(pr.head);
      return {
        kind: 'pull-request',
        action: str(payload.action),
        number: Number(pr.number ?? payload.number),
        labels: Array.isArray(pr.labels) ? pr.labels.map((l) => str(obj(l).name)).filter(Boolean) : [],
        base: { ref: str(base.ref), sha: str(base.sha) },
        head: { ref: str(head.ref), sha: str(head.sha), repoFullName: str(obj(head.repo).full_name) },
        draft: pr.draft === true,
      };
    }
    case 'push':
      return { kind: 'push', before: str(payload.before), after: str(payload.after), ref: str(payload.ref) };
    default:
      return { kind: 'other', eventName };
  }
}

/** The context of this job, from the variables GitHub sets on every runner. */
export function readActionContext(env: NodeJS.ProcessEnv): ActionContext {
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  if (!eventName) {
    throw new UsageError('GITHUB_EVENT_NAME is not set: the action runs inside a GitHub Actions job.');
  }
  const repository = env.GITHUB_REPOSITORY ?? '';
  const [owner, repo, ...rest] = repository.split('/');
  if (!owner || !repo || rest.length > 0) {
    throw new UsageError(`Invalid GITHUB_REPOSITORY '${repository}'. Expected format {owner}/{repo}.`);
  }
  let payload: Json = {};
  const eventPath = env.GITHUB_EVENT_PATH;
  if (eventPath) {
    try {
      payload = obj(JSON.parse(readFileSync(eventPath, 'utf8')));
    } catch (e) {
      throw new UsageError(
        `GITHUB_EVENT_PATH '${eventPath}': cannot read the event payload (${(e as Error).message}).`,
      );
    }
  }
  const serverUrl = (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, '');
  const apiUrl = (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, '');
  return {
    eventName,
    event: toEvent(eventName, payload),
    run: {
      repo: { owner, repo },
      serverUrl,
      apiUrl,
      runId: env.GITHUB_RUN_ID ?? '0',
      runAttempt: env.GITHUB_RUN_ATTEMPT ?? '1',
      workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
      actor: env.GITHUB_ACTOR ?? '',
      defaultBranch: str(obj(payload.repository).default_branch) || undefined,
    },
  };
}

export function runUrl(run: RunInfo): string {
  return `${run.serverUrl}/${run.repo.owner}/${run.repo.repo}/actions/runs/${run.runId}`;
}
