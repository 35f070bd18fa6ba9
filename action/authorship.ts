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

/** The paths the commits of `base..head` touched, by whose commits touched them. */
export interface PathsByAuthor {
  /** Touched by at least one of the agent's commits. */
  agent: Set<string>;
  /** Touched only by commits that carry none of the agent's marks: people's commits. */
  humanOnly: Set<string>;
}

/**
 * Which paths of `base..head` people changed and the agent did not. A commit is the agent's when it
 * carries the session trailer or the agent's identity; renames count as both paths. Only a change with
 * at least one agent commit has people's commits in this sense: on a change in scope by its label or
 * branch alone, no commit can be told apart, so none is treated as a person's (`humanOnly` is empty).
 */
export async function pathsByAuthor(workspace: string, base: string, head: string): Promise<PathsByAuthor> {
  const r = await git(workspace, [
    'log',
    '--no-color',
    '--no-renames',
    '--name-only',
    '-z',
    `--format=%x1e%ae%x00%ce%x00%(trailers:key=${SESSION_TRAILER},valueonly,separator=%x2C)%x00`,
    `${base}..${head}`,
  ]);
  const agent = new Set<string>();
  const human = new Set<string>();
  let agentCommits = 0;
  for (const record of r.stdout.split('\x1e').slice(1)) {
    const [author = '', committer = '', sessions = '', ...rest] = record.split('\0');
    const isAgent =
      sessions.trim() !== '' || author === BOT_IDENTITY.email || committer === BOT_IDENTITY.email;
    if (isAgent) agentCommits++;
    const paths = rest.map((p, i) => (i <= 1 ? p.replace(/^\n/, '') : p)).filter((p) => p !== '');
    for (const p of paths) (isAgent ? agent : human).add(p);
  }
  if (agentCommits === 0) return { agent, humanOnly: new Set() };
  return { agent, humanOnly: new Set([...human].filter((p) => !agent.has(p))) };
}
