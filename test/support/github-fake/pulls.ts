// Pull requests: opened from a branch or from an issue, listed, read and updated.
import type { Context, Handlers } from './context.js';
import { type FakePull, now, repoWeb } from './state.js';

export function pullHandlers(ctx: Context): Handlers {
  const { state, actor, num, paged, notFound, validationFailed } = ctx;
  const { nextId, nextNumber, branchSha } = ctx.ops;
  const { pull } = ctx.shapes;
  return {
    'pulls/create': (call) => {
      const b = call.body;
      const headRef = String(b.head).includes(':')
        ? String(b.head).split(':').slice(1).join(':')
        : String(b.head);
      const baseRef = String(b.base);
      const fromIssue =
        typeof b.issue === 'number' ? state.issues.find((i) => i.number === b.issue) : undefined;
      if (typeof b.issue === 'number' && !fromIssue) {
        return validationFailed(call, [{ resource: 'PullRequest', code: 'invalid', field: 'issue' }]);
      }
      if (b.title === undefined && !fromIssue) {
        return validationFailed(
          call,
          [{ resource: 'PullRequest', code: 'missing_field', field: 'title' }],
          'pulls/create needs `title` unless `issue` is given',
        );
      }
      if (state.pulls.some((p) => p.state === 'open' && p.head.ref === headRef)) {
        return validationFailed(call, [
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `A pull request already exists for ${state.owner}:${headRef}.`,
          },
        ]);
      }
      if (headRef === baseRef) {
        return validationFailed(call, [
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `No commits between ${baseRef} and ${headRef}`,
          },
        ]);
      }
      const number = fromIssue?.number ?? nextNumber();
      if (fromIssue) state.issues.splice(state.issues.indexOf(fromIssue), 1);
      const t = now();
      const p: FakePull = {
        id: nextId(),
        number,
        title: fromIssue?.title ?? String(b.title),
        body: fromIssue ? fromIssue.body : ((b.body as string | undefined) ?? null),
        labels: fromIssue?.labels ?? [],
        comments: fromIssue?.comments ?? [],
        user: actor,
        state: 'open',
        html_url: `${repoWeb(state)}/pull/${number}`,
        created_at: t,
        updated_at: t,
        closed_at: null,
        head: { ref: headRef, sha: branchSha(headRef) },
        base: { ref: baseRef },
        draft: b.draft === true,
        merged: false,
        maintainer_can_modify: b.maintainer_can_modify === true,
      };
      state.pulls.push(p);
      return { status: 201, body: pull(p) };
    },

    'pulls/list': (call) => {
      const q = call.query;
      const wantState = (q.state as string | undefined) ?? 'open';
      const head = q.head as string | undefined;
      const [headOwner, headRef] = head?.includes(':')
        ? [head.split(':')[0], head.split(':').slice(1).join(':')]
        : [];
      const found = state.pulls
        .filter((p) => wantState === 'all' || p.state === wantState)
        .filter(
          (p) => !head || (headOwner?.toLowerCase() === state.owner.toLowerCase() && p.head.ref === headRef),
        )
        .filter((p) => q.base === undefined || p.base.ref === q.base)
        .sort((a, b) => (q.direction === 'asc' ? a.number - b.number : b.number - a.number));
      return paged(call, found, pull);
    },

    'pulls/get': (call) => {
      const p = state.pulls.find((x) => x.number === num(call, 'pull_number'));
      return p ? { status: 200, body: pull(p) } : notFound(call);
    },

    'pulls/update': (call) => {
      const p = state.pulls.find((x) => x.number === num(call, 'pull_number'));
      if (!p) return notFound(call);
      const b = call.body;
      if (typeof b.title === 'string') p.title = b.title;
      if (typeof b.body === 'string') p.body = b.body;
      if (typeof b.base === 'string') p.base.ref = b.base;
      if (typeof b.maintainer_can_modify === 'boolean') p.maintainer_can_modify = b.maintainer_can_modify;
      if (b.state === 'open' || b.state === 'closed') {
        p.state = b.state;
        p.closed_at = b.state === 'closed' ? now() : null;
      }
      p.updated_at = now();
      return { status: 200, body: pull(p) };
    },
  };
}
