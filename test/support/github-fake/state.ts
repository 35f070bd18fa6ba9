// The fake GitHub's state: one repository's labels, issues, pull requests, comments, check runs and
// just-in-time runners, the lookups every handler shares, and the seeding from the test's options.
import { createHash } from 'node:crypto';

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

/** A job of one workflow-run attempt. */
export interface FakeJob {
  /** Default: derived from the run, the attempt and the job's place. */
  id?: number;
  name: string;
  /** `success`, `failure`, `cancelled`, `skipped`…; null while it runs. */
  conclusion: string | null;
}

/** An artifact a workflow run uploaded: its download answers 302 to `${url}/_blobs/artifacts/{id}.zip`. */
export interface FakeArtifact {
  id: number;
  name: string;
  /** The zip archive's bytes. */
  zip: Buffer;
  expired?: boolean;
}

/** A workflow run: one entry in `attempts` per attempt, oldest first (`run_attempt` is their count). */
export interface FakeWorkflowRun {
  id: number;
  name: string;
  workflow_id: number;
  /** `.github/workflows/ci.yml`. */
  path: string;
  head_sha: string;
  head_branch: string;
  event: string;
  run_number: number;
  created_at: string;
  attempts: { conclusion: string | null; jobs: FakeJob[] }[];
  /** Listed for the run across its attempts, as GitHub lists them. */
  artifacts: FakeArtifact[];
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
  /** GitHub Actions workflow runs, with their jobs per attempt and their artifacts (pushed by the test). */
  workflowRuns: FakeWorkflowRun[];
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

export const WEB = 'https://github.com';

/** GitHub's timestamp form: ISO 8601 to the second. */
export const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
export const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
export const repoWeb = (state: FakeState) => `${WEB}/${state.owner}/${state.repo}`;

/** Lookups and sequences over the state, as every handler uses them. */
export interface StateOps {
  nextId(): number;
  /** Issues and pull requests share one sequence of numbers. */
  nextNumber(): number;
  branchSha(ref: string): string;
  findIssue(n: number): FakeIssue | FakePull | undefined;
  isPull(i: FakeIssue): i is FakePull;
  findLabel(name: string): FakeLabel | undefined;
  /** The label by name (case-insensitive), created with GitHub's defaults when missing. */
  ensureLabel(name: string): FakeLabel;
}

export function stateOps(state: FakeState): StateOps {
  const nextId = () => state.nextId++;
  const findLabel = (name: string) => state.labels.find((l) => l.name.toLowerCase() === name.toLowerCase());
  return {
    nextId,
    nextNumber: () =>
      Math.max(0, ...state.issues.map((i) => i.number), ...state.pulls.map((p) => p.number)) + 1,
    branchSha: (ref) => state.branches[ref] ?? sha1(`${state.owner}/${state.repo}:${ref}`),
    findIssue: (n) => state.pulls.find((p) => p.number === n) ?? state.issues.find((i) => i.number === n),
    isPull: (i): i is FakePull => state.pulls.includes(i as FakePull),
    findLabel,
    ensureLabel: (name) => {
      let label = findLabel(name);
      if (!label) {
        label = { id: nextId(), name, color: 'ededed', description: null, default: false };
        state.labels.push(label);
      }
      return label;
    },
  };
}

/** The repository as the options describe it; everything seeded is stamped `stamp`. */
export function seedState(options: GitHubFakeOptions, stamp: string): FakeState {
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
    workflowRuns: [],
    nextId: 1001,
  };
  const { nextId, ensureLabel, branchSha } = stateOps(state);
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
  const seedIssue = (i: SeedIssue, page: 'issues' | 'pull'): FakeIssue => {
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
      html_url: `${repoWeb(state)}/${page}/${i.number}`,
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
  return state;
}
