// Small REST calls on the repository: who may trigger the agent, the default branch, labels, the one
// sticky status comment. Each takes the client first and plain data after.
import { AUTHORED_LABEL_STYLE, FLAKY_LABELS, RISK_LABELS, STICKY_MARKER } from '../constants.js';
import { type GitHubClient, httpStatus } from './client.js';
import type { Repo } from './context.js';

/** Roles that may start the agent: they could push the change themselves. */
export const TRIGGER_PERMISSIONS = ['admin', 'maintain', 'write'] as const;

export interface Permission {
  allowed: boolean;
  /** The user's role on the repository (admin, maintain, write, triage, read or none). */
  role: string;
}

/** Whether `user` has write, maintain or admin permission on the repository. */
export async function triggerPermission(client: GitHubClient, repo: Repo, user: string): Promise<Permission> {
  if (!user) return { allowed: false, role: 'none' };
  try {
    const { data } = await client.rest.repos.getCollaboratorPermissionLevel({ ...repo, username: user });
    // role_name carries maintain and triage, which `permission` folds into write and read.
    const role = data.role_name || data.permission;
    const allowed = (TRIGGER_PERMISSIONS as readonly string[]).includes(role) || data.permission === 'admin';
    return { allowed, role };
  } catch (e) {
    // 404: not a collaborator at all.
    if (httpStatus(e) === 404) return { allowed: false, role: 'none' };
    throw e;
  }
}

export async function defaultBranch(client: GitHubClient, repo: Repo): Promise<string> {
  return (await client.rest.repos.get({ ...repo })).data.default_branch;
}

const KNOWN_LABELS = new Map<string, { color: string; description: string }>(
  [...Object.values(RISK_LABELS), ...Object.values(FLAKY_LABELS)].map((l) => [
    l.name,
    { color: l.color, description: l.description },
  ]),
);

/** Creates the labels that do not exist yet (risk labels in their colours, others as agentgate's own). */
export async function ensureLabels(
  client: GitHubClient,
  repo: Repo,
  names: readonly string[],
): Promise<void> {
  for (const name of new Set(names)) {
    try {
      await client.rest.issues.getLabel({ ...repo, name });
      continue;
    } catch (e) {
      if (httpStatus(e) !== 404) throw e;
    }
    const style = KNOWN_LABELS.get(name) ?? AUTHORED_LABEL_STYLE;
    try {
      await client.rest.issues.createLabel({ ...repo, name, ...style });
    } catch (e) {
      // Created meanwhile by a concurrent run: fine.
      if (httpStatus(e) !== 422) throw e;
    }
  }
}

export async function addLabels(
  client: GitHubClient,
  repo: Repo,
  issueNumber: number,
  labels: readonly string[],
): Promise<void> {
  if (labels.length === 0) return;
  await ensureLabels(client, repo, labels);
  await client.rest.issues.addLabels({ ...repo, issue_number: issueNumber, labels: [...new Set(labels)] });
}

/**
 * The one comment agentgate keeps on an issue, found by its hidden marker and updated through the phases.
 * Returns the comment's id, to update it without searching again.
 */
export async function upsertStickyComment(
  client: GitHubClient,
  repo: Repo,
  issueNumber: number,
  body: string,
  knownId?: number,
): Promise<number> {
  const text = `${STICKY_MARKER}\n${body}`;
  let id = knownId;
  if (id === undefined) {
    const comments = await client.paginate(client.rest.issues.listComments, {
      ...repo,
      issue_number: issueNumber,
      per_page: 100,
    });
    // Only a bot's comment: a person's comment that copies the marker is not ours to overwrite.
    id = comments.find((c) => c.user?.type === 'Bot' && c.body?.startsWith(STICKY_MARKER))?.id;
  }
  if (id !== undefined) {
    await client.rest.issues.updateComment({ ...repo, comment_id: id, body: text });
    return id;
  }
  return (await client.rest.issues.createComment({ ...repo, issue_number: issueNumber, body: text })).data.id;
}
