// The agent's git: the private work clone, staging and committing its changes, bringing the branch back.
// Built on lib/git.ts (the generic plumbing, re-exported here for the action's other modules), so
// commands the action runs on a tree the agent touched never run hooks or repository-configured programs.
import { branchExists, GitError, git, isGitRepo, resolveCommit, showFile } from '../lib/git.js';

export { branchExists, GitError, git, isGitRepo, resolveCommit, showFile };

/** The repository's top directory; throws when `dir` is not in one (lib/git.ts's `toplevel` returns undefined). */
export async function toplevel(dir: string): Promise<string> {
  return (await git(dir, ['rev-parse', '--show-toplevel'])).stdout.trim();
}

/**
 * A private clone of `repo` at `base` in `dir`, on a new branch. Objects are shared by hard links, so it
 * is fast; config, credentials and hooks of the user's repository are not copied.
 */
export async function createWorkClone(
  repo: string,
  dir: string,
  base: string,
  branch: string,
): Promise<void> {
  await git(repo, ['clone', '--quiet', '--local', '--no-checkout', '--', repo, dir]);
  await git(dir, ['checkout', '--quiet', '-b', branch, base]);
}

export interface CommitIdentity {
  name: string;
  email: string;
}

/** Stages every change in the work tree and returns the paths that differ from `base` (added, changed or deleted). */
export async function stageAll(dir: string, base: string): Promise<string[]> {
  await git(dir, ['add', '--all']);
  const r = await git(dir, ['diff', '--cached', '--name-only', '--no-renames', '-z', base]);
  return r.stdout.split('\0').filter((p) => p !== '');
}

/** Puts the staged entries of `paths` back to what `base` has (removing them from the index when it has none). */
export async function unstageToBase(dir: string, base: string, paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  await git(dir, ['reset', '--quiet', base, '--', ...paths.map((p) => `:(literal)${p}`)]);
}

/** Commits what is staged; undefined when nothing is. */
export async function commitStaged(
  dir: string,
  message: string,
  who: CommitIdentity,
): Promise<string | undefined> {
  const staged = await git(dir, ['diff', '--cached', '--quiet'], { allowFail: true });
  if (staged.exitCode === 0) return undefined;
  await git(
    dir,
    [
      '-c',
      `user.name=${who.name}`,
      '-c',
      `user.email=${who.email}`,
      'commit',
      '--quiet',
      '--no-verify',
      '--no-gpg-sign',
      '-F',
      '-',
    ],
    { input: message },
  );
  return (await git(dir, ['rev-parse', 'HEAD'])).stdout.trim();
}

export async function diff(dir: string, from: string, to: string): Promise<string> {
  return (await git(dir, ['diff', '--binary', '--no-color', '--no-ext-diff', from, to])).stdout;
}

/** Brings `branch` from the work clone into the user's repository without touching its checkout. */
export async function fetchBranch(repo: string, from: string, branch: string): Promise<void> {
  await git(repo, ['fetch', '--quiet', '--no-tags', from, `+refs/heads/${branch}:refs/heads/${branch}`]);
}
