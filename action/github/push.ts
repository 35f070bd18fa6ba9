// Pushing the agent's branch, with the action's own token. The token reaches git through environment
// config (never argv, never the repository's config file), after the agent's commands have all ended.
import { git } from '../git.js';

export interface PushTarget {
  /** The repository the branch is in (the job's checkout). */
  repoDir: string;
  remote: string;
  branch: string;
  token: string;
  /** e.g. https://github.com — the host the token is for. */
  serverUrl: string;
}

/** The URL the remote points at. */
export async function remoteUrl(repoDir: string, remote: string): Promise<string> {
  return (await git(repoDir, ['remote', 'get-url', '--push', remote])).stdout.trim();
}

/**
 * git config entries, as GIT_CONFIG_* variables, that send the token to `serverUrl` only. The first entry
 * clears any header actions/checkout persisted, so exactly one Authorization header goes out.
 */
export function authConfigEnv(serverUrl: string, token: string): Record<string, string> {
  const key = `http.${serverUrl.replace(/\/+$/, '')}/.extraheader`;
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  return {
    GIT_CONFIG_COUNT: '2',
    GIT_CONFIG_KEY_0: key,
    GIT_CONFIG_VALUE_0: '',
    GIT_CONFIG_KEY_1: key,
    GIT_CONFIG_VALUE_1: `AUTHORIZATION: basic ${basic}`,
  };
}

export class PushError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PushError';
  }
}

export async function pushBranch(t: PushTarget): Promise<void> {
  const url = await remoteUrl(t.repoDir, t.remote);
  const env = /^https?:\/\//.test(url) ? authConfigEnv(t.serverUrl, t.token) : {};
  const r = await git(
    t.repoDir,
    ['push', '--quiet', '--no-verify', t.remote, `refs/heads/${t.branch}:refs/heads/${t.branch}`],
    { env, allowFail: true },
  );
  if (r.exitCode !== 0) {
    // git prints the remote's refusal; the token is not in it (it was never in a URL).
    throw new PushError(`git push of ${t.branch} to ${t.remote} was rejected: ${r.stderr.trim()}`);
  }
}
