// The agent's git: the private work clone, staging and committing its changes, bringing the branch back.
// Built on lib/git.ts (the generic plumbing, re-exported here for the action's other modules), so
// commands the action runs on a tree the agent touched never run hooks or repository-configured programs.
import { pathToFileURL } from 'node:url';
import {
  branchExists,
  GitError,
  git,
  isGitRepo,
  pinAlternates,
  resolveCommit,
  showFile,
} from '../lib/git.js';

export { branchExists, GitError, git, isGitRepo, resolveCommit, showFile };

/** The repository's top directory; throws when `dir` is not in one (lib/git.ts's `toplevel` returns undefined). */
export async function toplevel(dir: string): Promise<string> {
  return (await git(dir, ['rev-parse', '--show-toplevel'])).stdout.trim();
}

/**
 * upload-pack as the work clone's source runs it: it serves a blob filter and single blobs (the partial
 * clone's lazy fetches), and packs without delta search, which costs more than it saves on one disk.
 */
const UPLOAD_PACK =
  'git -c uploadpack.allowFilter=true -c uploadpack.allowAnySHA1InWant=true -c pack.window=0 -c pack.compression=1 upload-pack';

/**
 * The work clone's origin while the agent works: a path that cannot exist (nothing is below /dev/null),
 * so the clone names no readable place and a lazy fetch of a missing blob fails.
 */
export const DETACHED_ORIGIN = '/dev/null/agentgate-work-clone-has-no-origin';

/** A gitignore-style pattern matching exactly `file` from the root (newlines become `?`, which still matches them). */
export function exactSparsePattern(file: string): string {
  const escaped = file.replace(/[\\*?[\]!#]/g, (c) => `\\${c}`).replace(/[\r\n]/g, '?');
  return `/${escaped.endsWith(' ') ? `${escaped.slice(0, -1)}\\ ` : escaped}`;
}

/** The sparse-checkout file that checks out everything but `hidden`. */
export function sparsePatterns(hidden: readonly string[]): string {
  return ['/*', ...hidden.map((f) => `!${exactSparsePattern(f)}`), ''].join('\n');
}

export interface WorkClone {
  /** Paths of `base` left out: not in the work tree, their blobs not in the clone. */
  hidden: string[];
}

/**
 * A private clone of `repo` at `base` in `dir`, on a new branch, holding no blob of a path `isHidden`
 * names: a blobless partial clone whose sparse checkout leaves those paths out, so only the blobs of
 * the paths it shows are fetched; then its origin is detached (DETACHED_ORIGIN), so that nothing more
 * can be fetched while the agent works — `git show HEAD:<hidden>` fails. Config, credentials and
 * hooks of the user's repository are not copied. `reattachWorkClone` restores the origin for the
 * host's own work once the agent is done.
 */
export async function createWorkClone(
  repo: string,
  dir: string,
  base: string,
  branch: string,
  isHidden: (file: string) => boolean = () => false,
): Promise<WorkClone> {
  const source = pathToFileURL(repo).href;
  // A checkout on a warm runner borrows the baked mirror's objects; the clone's upload-pack must see them.
  await pinAlternates(repo);
  await git(repo, [
    'clone',
    '--quiet',
    '--no-checkout',
    '--filter=blob:none',
    `--upload-pack=${UPLOAD_PACK}`,
    '--config',
    `remote.origin.uploadpack=${UPLOAD_PACK}`,
    '--',
    source,
    dir,
  ]);
  const tracked = (await git(dir, ['ls-tree', '-r', '-z', '--name-only', base])).stdout.split('\0');
  const hidden = tracked.filter((f) => f !== '' && isHidden(f));
  await git(dir, ['sparse-checkout', 'set', '--no-cone', '--stdin'], { input: sparsePatterns(hidden) });
  await git(dir, ['checkout', '--quiet', '-b', branch, base]);
  await git(dir, ['remote', 'set-url', 'origin', DETACHED_ORIGIN]);
  return { hidden };
}

/** Points the work clone's origin at `repo` again, so the host's commit, diff and fetch can read what they need. */
export async function reattachWorkClone(dir: string, repo: string): Promise<void> {
  await git(dir, ['remote', 'set-url', 'origin', pathToFileURL(repo).href]);
}

export interface CommitIdentity {
  name: string;
  email: string;
}

/** Stages every change in the work tree and returns the paths that differ from `base` (added, changed or deleted). */
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
  const staged = await git(dir, ['diff', '--cached', '--quiet', '--ignore-submodules=none'], {
    allowFail: true,
  });
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
  return (
    await git(dir, ['diff', '--binary', '--no-color', '--no-ext-diff', '--ignore-submodules=none', from, to])
  ).stdout;
}

/** Brings `branch` from the work clone into the user's repository without touching its checkout. */
export async function fetchBranch(repo: string, from: string, branch: string): Promise<void> {
  await git(repo, ['fetch', '--quiet', '--no-tags', from, `+refs/heads/${branch}:refs/heads/${branch}`]);
}
