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
  constructor(
    message: string,
    /** What git printed (the remote's refusal); the token is never in it. */
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'PushError';
  }
}

/** Runs a git command that talks to the remote, with the token in the environment config when it is http(s). */
async function remoteGit(t: Pick<PushTarget, 'repoDir' | 'remote' | 'token' | 'serverUrl'>, args: string[]) {
  const url = await remoteUrl(t.repoDir, t.remote);
  const env = /^https?:\/\//.test(url) ? authConfigEnv(t.serverUrl, t.token) : {};
  return git(t.repoDir, args, { env, allowFail: true });
}

/**
 * Pushes `branch` to `remoteBranch` (default the same name). With `lease`, the remote branch is replaced
 * only while it still points at that commit (a rerun updating its own earlier PR, never someone's push).
 */
export async function pushBranch(t: PushTarget & { remoteBranch?: string; lease?: string }): Promise<void> {
  const target = t.remoteBranch ?? t.branch;
  const lease = t.lease ? [`--force-with-lease=refs/heads/${target}:${t.lease}`] : [];
  const r = await remoteGit(t, [
    'push',
    '--quiet',
    '--no-verify',
    ...lease,
    t.remote,
    `refs/heads/${t.branch}:refs/heads/${target}`,
  ]);
  if (r.exitCode !== 0) {
    throw new PushError(`git push of ${t.branch} to ${t.remote} (${target}) was rejected`, r.stderr.trim());
  }
}

/**
 * Fetches the remote's `branch` into the local ref `into` (with the same token as a push, so it works on
 * a checkout that kept no credentials); returns its commit, or undefined when the remote has no such branch.
 */
export async function fetchRemoteBranch(
  t: Pick<PushTarget, 'repoDir' | 'remote' | 'token' | 'serverUrl'>,
  branch: string,
  into: string,
): Promise<string | undefined> {
  const r = await remoteGit(t, [
    'fetch',
    '--quiet',
    '--no-tags',
    '--no-write-fetch-head',
    t.remote,
    `+refs/heads/${branch}:${into}`,
  ]);
  if (r.exitCode !== 0) return undefined;
  return (await git(t.repoDir, ['rev-parse', into])).stdout.trim();
}

/**
 * The names of the remote's branches under `prefix` (e.g. `agentgate/flaky-`), with the same token as a
 * push. Throws when the remote cannot be asked: a caller that dedupes by branch must not guess.
 */
export async function remoteBranchNames(
  t: Pick<PushTarget, 'repoDir' | 'remote' | 'token' | 'serverUrl'>,
  prefix: string,
): Promise<Set<string>> {
  const r = await remoteGit(t, ['ls-remote', '--heads', t.remote, `refs/heads/${prefix}*`]);
  if (r.exitCode !== 0) {
    throw new PushError(`git ls-remote of ${t.remote} failed (exit ${r.exitCode})`, r.stderr.trim());
  }
  const names = new Set<string>();
  for (const line of r.stdout.split('\n')) {
    const ref = line.split('\t')[1]?.trim();
    if (ref?.startsWith('refs/heads/')) names.add(ref.slice('refs/heads/'.length));
  }
  return names;
}
