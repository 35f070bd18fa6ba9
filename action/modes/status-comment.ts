// The one status comment agentgate keeps on the issue it works on: updated through the phases, and
// brought to a final state on every path — the orchestrator settles it, and its `finally` settles it
// with the error when nothing else did. A comment that cannot be written is a warning, never a failure.
import * as core from '@actions/core';
import { messageOf } from '../errors.js';
import type { GitHubClient } from '../github/client.js';
import type { Repo } from '../github/context.js';
import { upsertStickyComment } from '../github/repo.js';

export interface StatusComment {
  /** An intermediate state ("working", "judging"). */
  progress(text: string): Promise<void>;
  /** The final state; later calls are ignored. */
  settle(text: string): Promise<void>;
  readonly settled: boolean;
}

export function statusComment(opts: {
  client: GitHubClient | undefined;
  repo: Repo;
  issue: number | undefined;
  runUrl: string;
}): StatusComment {
  let id: number | undefined;
  let settled = false;
  const write = async (text: string) => {
    if (!opts.client || opts.issue === undefined) return;
    try {
      id = await upsertStickyComment(
        opts.client,
        opts.repo,
        opts.issue,
        `${text}\n\n[Workflow run](${opts.runUrl})`,
        id,
      );
    } catch (e) {
      core.warning(`could not update the status comment on #${opts.issue}: ${messageOf(e)}`);
    }
  };
  return {
    progress: (text) => (settled ? Promise.resolve() : write(text)),
    async settle(text) {
      if (settled) return;
      settled = true;
      await write(text);
    },
    get settled() {
      return settled;
    },
  };
}
