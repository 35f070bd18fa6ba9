// Just-in-time runner configs: one registration per VM, good for exactly one job, through
// POST /repos/{owner}/{repo}/actions/runners/generate-jitconfig (or the org endpoint). The caller
// passes any client with Octokit's `request` shape, so the token stays with whoever built it.

export interface RestClient {
  request(route: string, params: Record<string, unknown>): Promise<{ data: unknown }>;
}

export type RunnerScope = { owner: string; repo: string } | { org: string };

export interface JitRequest {
  scope: RunnerScope;
  /** Unique per runner; the VM's id is a good one. */
  name: string;
  /** e.g. ['self-hosted', 'agentgate', 'microvm']: what workflows put in `runs-on`. */
  labels: string[];
  /** The runner group (1 is the default group). */
  runnerGroupId: number;
  workFolder?: string;
}

export interface JitConfig {
  runnerId: number;
  /** Base64; handed to the runner as ACTIONS_RUNNER_INPUT_JITCONFIG. Secret: it registers a runner. */
  encodedJitConfig: string;
}

export const DEFAULT_LABELS = ['self-hosted', 'agentgate', 'microvm'];

export async function generateJitConfig(client: RestClient, req: JitRequest): Promise<JitConfig> {
  if (req.labels.length === 0 || req.labels.length > 100) {
    throw new Error(`runner labels: expected 1 to 100 labels, got ${req.labels.length}`);
  }
  const body = {
    name: req.name,
    runner_group_id: req.runnerGroupId,
    labels: req.labels,
    ...(req.workFolder ? { work_folder: req.workFolder } : {}),
  };
  const { data } =
    'org' in req.scope
      ? await client.request('POST /orgs/{org}/actions/runners/generate-jitconfig', {
          org: req.scope.org,
          ...body,
        })
      : await client.request('POST /repos/{owner}/{repo}/actions/runners/generate-jitconfig', {
          owner: req.scope.owner,
          repo: req.scope.repo,
          ...body,
        });
  const d = data as { runner?: { id?: unknown }; encoded_jit_config?: unknown };
  if (
    typeof d.runner?.id !== 'number' ||
    typeof d.encoded_jit_config !== 'string' ||
    d.encoded_jit_config === ''
  ) {
    throw new Error('generate-jitconfig: the answer has no runner id or encoded_jit_config');
  }
  return { runnerId: d.runner.id, encodedJitConfig: d.encoded_jit_config };
}
