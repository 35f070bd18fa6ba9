// Which pull requests are the agent's: recognised by what the agent produced — its branch prefix, the
// session trailer on its commits, its commit identity — not by a label, which anyone with triage rights
// can remove. A label only widens the scope.
import { BOT_IDENTITY, BRANCH_PREFIX, SESSION_TRAILER } from './constants.js';
import { git } from './git.js';

/** Why a change is the agent's; empty when nothing says so. */
export async function agentMarks(
  workspace: string,
  base: string,
  head: string,
  headRef: string | undefined,
): Promise<string[]> {
  const marks: string[] = [];
  if (headRef?.startsWith(BRANCH_PREFIX)) marks.push(`its branch starts with '${BRANCH_PREFIX}'`);
  // One record per commit: author email, committer email, the session trailers' values.
  const r = await git(workspace, [
    'log',
    '--no-color',
    `--format=%ae%x00%ce%x00%(trailers:key=${SESSION_TRAILER},valueonly,separator=%x2C)%x1e`,
    `${base}..${head}`,
  ]);
  let trailers = 0;
  let identity = 0;
  for (const record of r.stdout.split('\x1e')) {
    const [author, committer, sessions] = record.trim().split('\0');
    if (author === undefined) continue;
    if (sessions?.trim()) trailers++;
    if (author === BOT_IDENTITY.email || committer === BOT_IDENTITY.email) identity++;
  }
  if (trailers > 0) marks.push(`${trailers} commit(s) carry the ${SESSION_TRAILER} trailer`);
  if (identity > 0) marks.push(`${identity} commit(s) are by ${BOT_IDENTITY.name}`);
  return marks;
}
