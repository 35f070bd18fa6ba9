// Runtime tokens shaped like the runner's ACTIONS_RUNTIME_TOKEN. The clients decode them without checking
// a signature (@actions/artifact reads the run/job backend ids from `scp`); the fake keeps its own registry
// of the tokens it minted, each bound to a repository, a workflow run/job and a cache permission.
import { randomUUID } from 'node:crypto';

/** What a token may do with the cache, as the runner's `ac` claim says (Permission 1 = read, 3 = read+write). */
export type CacheAccess = 'read-write' | 'read' | 'none';

export interface Identity {
  token: string;
  /** `owner/name`: cache entries never cross repositories. */
  repository: string;
  workflowRunBackendId: string;
  workflowJobRunBackendId: string;
  cacheAccess: CacheAccess;
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned (`alg: none`) JWT with the runner's claims. */
export function mintIdentity(
  repository: string,
  workflowRunBackendId: string = randomUUID(),
  workflowJobRunBackendId: string = randomUUID(),
  cacheAccess: CacheAccess = 'read-write',
): Identity {
  const now = Math.floor(Date.now() / 1000);
  const permission = { 'read-write': 3, read: 1, none: 0 }[cacheAccess];
  const payload = {
    nameid: randomUUID(),
    scp: [
      `Actions.GenericRead:${randomUUID()}`,
      `Actions.UploadArtifacts:${randomUUID()}/1:${randomUUID()}`,
      `Actions.Results:${workflowRunBackendId}:${workflowJobRunBackendId}`,
    ].join(' '),
    ac: JSON.stringify(permission ? [{ Scope: 'refs/heads/main', Permission: permission }] : []),
    iss: 'vstoken.actions.githubusercontent.com',
    aud: 'vso:agentgate-results-fake',
    iat: now,
    nbf: now,
    exp: now + 6 * 60 * 60,
  };
  const token = `${b64url({ typ: 'JWT', alg: 'none' })}.${b64url(payload)}.`;
  return { token, repository, workflowRunBackendId, workflowJobRunBackendId, cacheAccess };
}
