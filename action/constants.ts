// Names as data: the version, the action's inputs and outputs, the labels it applies and the names it
// shows on GitHub, in one place (package.json, action.yml and the README must agree).

export { VERSION } from '../gates/index.js';

export const Inputs = {
  Mode: 'mode',
  Task: 'task',
  TaskFile: 'task-file',
  Model: 'model',
  AnthropicApiKey: 'anthropic-api-key',
  GitHubToken: 'github-token',
  Policy: 'policy',
  TestCommand: 'test-command',
  MaxTurns: 'max-turns',
  MaxCostUsd: 'max-cost-usd',
  TimeoutMinutes: 'timeout-minutes',
  ModelRetryMinutes: 'model-retry-minutes',
  TriggerLabel: 'trigger-label',
  PrLabels: 'pr-labels',
  Draft: 'draft',
  BaseBranch: 'base-branch',
  ArtifactRetentionDays: 'artifact-retention-days',
  GateAllPullRequests: 'gate-all-pull-requests',
  DryRun: 'dry-run',
  Engines: 'engines',
  SetupCommand: 'setup-command',
  FlakyRuns: 'flaky-runs',
  FlakyConfirm: 'flaky-confirm',
  FlakyFixReruns: 'flaky-fix-reruns',
  FlakyDays: 'flaky-days',
  FlakyMaxCandidates: 'flaky-max-candidates',
  FlakyMaxPrs: 'flaky-max-prs',
  FlakyMaxCostUsd: 'flaky-max-cost-usd',
  FlakyFramework: 'flaky-framework',
  FlakyRunner: 'flaky-runner',
} as const;

export const Outputs = {
  Outcome: 'outcome',
  Verdict: 'verdict',
  PrNumber: 'pr-number',
  PrUrl: 'pr-url',
  Branch: 'branch',
  Commit: 'commit',
  CostUsd: 'cost-usd',
  Turns: 'turns',
  TraceArtifactId: 'trace-artifact-id',
  FlakyReport: 'flaky-report',
} as const;

/** The defaults action.yml declares, for the inputs that have one. */
export const INPUT_DEFAULTS = {
  [Inputs.Mode]: 'auto',
  [Inputs.TriggerLabel]: 'agentgate',
  [Inputs.PrLabels]: 'ai-authored',
  [Inputs.Draft]: 'true',
  [Inputs.ArtifactRetentionDays]: '30',
  [Inputs.GateAllPullRequests]: 'false',
  [Inputs.DryRun]: 'false',
  [Inputs.Engines]: 'auto',
  [Inputs.ModelRetryMinutes]: '10',
  [Inputs.FlakyRuns]: '0',
  [Inputs.FlakyConfirm]: '20',
  [Inputs.FlakyFixReruns]: '50',
  [Inputs.FlakyDays]: '14',
  [Inputs.FlakyMaxCandidates]: '5',
  [Inputs.FlakyMaxPrs]: '1',
  [Inputs.FlakyMaxCostUsd]: '5',
} as const;

/** The policy file a target repository may keep; used when the `policy` input is not set. */
export const REPO_POLICY_FILE = '.github/agentgate.yml';

/** The check run gate mode creates; make it a required status check. */
export const CHECK_NAME = 'agentgate / gates';

/** GitHub accepts at most 50 annotations per check run request. */
export const ANNOTATIONS_PER_REQUEST = 50;
/** GitHub's limit on a check run's output.summary and on an issue or PR body. */
export const GITHUB_TEXT_LIMIT = 65_535;

/** The identity the agent's commits carry (author and committer). */
export const BOT_IDENTITY = { name: 'agentgate[bot]', email: 'agentgate@users.noreply.github.com' };
/** The trailer on every commit the agent makes: its session id. */
export const SESSION_TRAILER = 'Agentgate-Session';
/** The prefix of every branch the agent works on. */
export const BRANCH_PREFIX = 'agentgate/';

/** The hidden marker in a PR body that names the task it carries out (reruns find the PR by it). */
export const TASK_MARKER_PREFIX = '<!-- agentgate:task=';

/** The hidden marker of the one comment agentgate keeps updated on an issue. */
export const STICKY_MARKER = '<!-- agentgate:status -->';

/** Risk labels: what they mean and how they look, created on first use. */
export const RISK_LABELS = {
  gatesFailed: {
    name: 'gates:failed',
    color: 'd73a4a',
    description: 'agentgate: the gates found blocking problems',
  },
  depsNew: {
    name: 'deps:new',
    color: 'fbca04',
    description: 'agentgate: the change adds or changes dependencies',
  },
  pathsProtected: {
    name: 'paths:protected',
    color: 'b60205',
    description: 'agentgate: the change touches protected paths',
  },
  incomplete: {
    name: 'agent:incomplete',
    color: 'e99695',
    description: 'agentgate: the agent ran out of budget or its tests stayed red',
  },
  evidenceMissing: {
    name: 'evidence:missing',
    color: 'b60205',
    description: 'agentgate: the trace, patch and reports could not be uploaded',
  },
} as const;

/** The labels of the flaky-test hunter's PRs (mode: flaky), beside `pr-labels`. */
export const FLAKY_LABELS = {
  fix: {
    name: 'flaky-fix',
    color: '0e8a16',
    description: 'agentgate: a fix of a flaky test, with rerun evidence',
  },
  quarantined: {
    name: 'flaky:quarantined',
    color: 'c5def5',
    description: 'agentgate: a flaky test is skipped until it is fixed; see the tracking issue',
  },
} as const;

/** How a label named in `pr-labels` looks when agentgate has to create it. */
export const AUTHORED_LABEL_STYLE = { color: '6f42c1', description: 'Authored by the agentgate AI agent' };

/** Where a runner image states the isolation it gives (see runner-image/). */
export const ISOLATION_FILE = '/etc/agentgate/isolation.json';
