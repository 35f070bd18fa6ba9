// The commit step: what the agent left in the work tree, staged and checked before it lands. The agent's
// commands can write anything inside the tree, so the write rules are applied again here, and some
// things are never committed whatever the rules say: nested repositories (an empty one makes
// `git add` fail), gitlinks (a submodule pin the agent set), symbolic links that point out of the tree or
// at a protected path or that would put a protected path in place, and files holding a secret value
// the run knows, in any of its encodings. Each is left out and reported; the rest is committed.
import {
  linkContext,
  MODE_GITLINK,
  MODE_SYMLINK,
  STRUCTURE_RULES,
  structureProblems,
} from '../gates/index.js';
import { readBlobs } from '../lib/git.js';
import { evaluate, type Policy } from '../policies/index.js';
import { type CommitIdentity, commitStaged, git, unstageToBase } from './git.js';

/** Why something was left out of the commit: a policy rule id, one of STRUCTURE_RULES, or this. */
export const SECRET_VALUE_RULE = 'secret-value';

export interface LeftOut {
  path: string;
  ruleId: string;
  reason: string;
}

export interface CommitInput {
  workDir: string;
  baseCommit: string;
  policy: Policy;
  message: string;
  identity: CommitIdentity;
  /** Whether a file's text holds a secret value the run knows (the redactor's `contains`). */
  holdsSecret: (text: string) => boolean;
}

export interface CommitOutcome {
  /** The commit made; undefined when nothing was left to commit. */
  commit: string | undefined;
  leftOut: LeftOut[];
}

interface Staged {
  path: string;
  mode: string;
  oid: string;
  status: string;
}

/** What is staged against `base`: `git diff --cached --raw -z`, renames off. */
async function stagedEntries(dir: string, base: string): Promise<Staged[]> {
  const r = await git(dir, [
    'diff',
    '--cached',
    '--raw',
    '-z',
    '--no-renames',
    '--no-abbrev',
    '--ignore-submodules=none',
    base,
  ]);
  const parts = r.stdout.split('\0');
  const out: Staged[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const meta = parts[i] as string;
    const file = parts[i + 1] as string;
    // :oldmode newmode oldoid newoid status
    const [, mode = '', , oid = '', status = ''] = meta.slice(1).split(' ');
    out.push({ path: file, mode, oid, status });
  }
  return out;
}

/**
 * Directories that are repositories of their own: what `git ls-files --others` lists with a trailing
 * slash. `git add --all` would add them as gitlinks, or fail on one with no commit.
 */
async function nestedRepositories(dir: string): Promise<string[]> {
  const r = await git(dir, ['ls-files', '--others', '--exclude-standard', '-z']);
  return r.stdout
    .split('\0')
    .filter((p) => p.endsWith('/'))
    .map((p) => p.slice(0, -1));
}

/** Stages the work tree, leaves out what must not land (see the header), commits the rest. */
export async function commitWork(input: CommitInput): Promise<CommitOutcome> {
  const { workDir: dir, baseCommit: base, policy } = input;
  const leftOut: LeftOut[] = [];

  const nested = await nestedRepositories(dir);
  for (const p of nested) {
    leftOut.push({
      path: p,
      ruleId: STRUCTURE_RULES.nestedGit,
      reason: `${p} is a git repository of its own (it holds a .git); it is not added`,
    });
  }
  await git(dir, ['add', '--all', '--', '.', ...nested.map((p) => `:(exclude,literal)${p}`)]);

  const staged = await stagedEntries(dir, base);
  // Every added or changed blob in one read: link targets, and the text scanned for secret values.
  const blobs = await readBlobs(
    dir,
    staged.filter((e) => e.status !== 'D' && e.mode !== MODE_GITLINK).map((e) => e.oid),
  );
  const links = new Map<string, string>();
  for (const e of staged) {
    if (e.mode === MODE_SYMLINK) links.set(e.path, blobs.get(e.oid)?.toString('utf8') ?? '');
  }
  const out = new Set<string>();
  const leave = (p: string, ruleId: string, reason: string) => {
    out.add(p);
    leftOut.push({ path: p, ruleId, reason });
  };
  // Everything under a linked directory at head, read once when a link needs it.
  let tracked: string[] | undefined;
  const filesUnder = (d: string): string[] => (tracked ?? []).filter((p) => p.startsWith(`${d}/`));
  if (links.size > 0) tracked = (await git(dir, ['ls-files', '-z'])).stdout.split('\0').filter(Boolean);
  const problems = new Map(
    structureProblems(
      staged.map((e) => ({ path: e.path, mode: e.mode, deleted: e.status === 'D' })),
      linkContext(policy, links, filesUnder),
    ).map((p) => [p.path, p]),
  );
  for (const e of staged) {
    const d = evaluate(policy, { kind: 'write', path: e.path });
    if (!d.allowed) {
      leave(e.path, d.ruleId, d.reason);
      continue;
    }
    const problem = problems.get(e.path);
    if (problem) {
      leave(e.path, problem.ruleId, problem.reason);
      continue;
    }
    if (e.status === 'D' || e.mode === MODE_SYMLINK) continue;
    const blob = blobs.get(e.oid);
    if (blob && input.holdsSecret(blob.toString('utf8'))) {
      leave(e.path, SECRET_VALUE_RULE, `${e.path} holds a secret value this run knows (plain or encoded)`);
    }
  }
  if (out.size > 0) await unstageToBase(dir, base, [...out]);
  const commit = await commitStaged(dir, input.message, input.identity);
  return { commit, leftOut };
}
