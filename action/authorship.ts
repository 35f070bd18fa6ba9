// Which commits and pull requests are the agent's: recognised by what the agent produced — its branch
// prefix, the session trailer on its commits, its commit identity — not by a label, which anyone with
// triage rights can remove. A label only widens the scope.
import { BOT_IDENTITY, BRANCH_PREFIX, SESSION_TRAILER } from './constants.js';
import { git } from './git.js';

export interface CommitMarks {
  /** The commit carries the agent's session trailer. */
  trailer: boolean;
  /** The commit's author or committer is the agent's identity. */
  identity: boolean;
}

/** The agent's marks on each commit `git log <revs>` lists, newest first. */
export async function commitMarks(workspace: string, revs: readonly string[]): Promise<CommitMarks[]> {
  // One record per commit: author email, committer email, the session trailers' values.
  const r = await git(workspace, [
    'log',
    '--no-color',
    `--format=%ae%x00%ce%x00%(trailers:key=${SESSION_TRAILER},valueonly,separator=%x2C)%x1e`,
    ...revs,
  ]);
  return r.stdout
    .split('\x1e')
    .slice(0, -1)
    .map((record) => {
      const [author, committer, sessions] = record.trim().split('\0');
      return {
        trailer: (sessions ?? '').trim() !== '',
        identity: author === BOT_IDENTITY.email || committer === BOT_IDENTITY.email,
      };
    });
}

/** Why the change `base..head` on `headRef` is the agent's; empty when nothing says so. */
export async function agentMarks(
  workspace: string,
  base: string,
  head: string,
  headRef: string | undefined,
): Promise<string[]> {
  const marks: string[] = [];
  if (headRef?.startsWith(BRANCH_PREFIX)) marks.push(`its branch starts with '${BRANCH_PREFIX}'`);
  const commits = await commitMarks(workspace, [`${base}..${head}`]);
  const trailers = commits.filter((c) => c.trailer).length;
  const identity = commits.filter((c) => c.identity).length;
  if (trailers > 0) marks.push(`${trailers} commit(s) carry the ${SESSION_TRAILER} trailer`);
  if (identity > 0) marks.push(`${identity} commit(s) are by ${BOT_IDENTITY.name}`);
  return marks;
}
