// Issues, their labels and their comments (a pull request is an issue here too, as on GitHub).
import type { Context, Handlers } from './context.js';
import { type FakeComment, type FakeIssue, type FakeLabel, now, repoWeb } from './state.js';

export function issueHandlers(ctx: Context): Handlers {
  const { state, actor, num, str, paged, withIssue, notFound, validationFailed } = ctx;
  const { nextId, nextNumber, ensureLabel, findLabel } = ctx.ops;
  const { issue, issueLabels, label, comment } = ctx.shapes;
  return {
    'issues/get': (call) => withIssue(call, (i) => ({ status: 200, body: issue(i) })),

    'issues/create': (call) => {
      const b = call.body;
      const number = nextNumber();
      const t = now();
      const i: FakeIssue = {
        id: nextId(),
        number,
        title: String(b.title),
        body: (b.body as string | undefined) ?? null,
        labels: ((b.labels as (string | { name: string })[] | undefined) ?? []).map(
          (l) => ensureLabel(typeof l === 'string' ? l : l.name).name,
        ),
        comments: [],
        user: actor,
        state: 'open',
        html_url: `${repoWeb(state)}/issues/${number}`,
        created_at: t,
        updated_at: t,
        closed_at: null,
      };
      state.issues.push(i);
      return { status: 201, body: issue(i) };
    },

    'issues/list-comments': (call) =>
      withIssue(call, (i) => {
        const since = call.query.since as string | undefined;
        return paged(
          call,
          i.comments.filter((c) => !since || c.updated_at >= since),
          (c) => comment(c, i),
        );
      }),

    'issues/create-comment': (call) =>
      withIssue(call, (i) => {
        const id = nextId();
        const t = now();
        const c: FakeComment = {
          id,
          body: String(call.body.body),
          user: actor,
          html_url: `${i.html_url}#issuecomment-${id}`,
          created_at: t,
          updated_at: t,
        };
        i.comments.push(c);
        i.updated_at = t;
        return { status: 201, body: comment(c, i) };
      }),

    'issues/update-comment': (call) => {
      for (const i of [...state.issues, ...state.pulls]) {
        const c = i.comments.find((x) => x.id === num(call, 'comment_id'));
        if (!c) continue;
        c.body = String(call.body.body);
        c.updated_at = now();
        return { status: 200, body: comment(c, i) };
      }
      return notFound(call);
    },

    'issues/add-labels': (call) =>
      withIssue(call, (i) => {
        const wanted = (call.body.labels as (string | { name: string })[] | undefined) ?? [];
        for (const l of wanted) {
          const name = ensureLabel(typeof l === 'string' ? l : l.name).name;
          if (!i.labels.includes(name)) i.labels.push(name);
        }
        i.updated_at = now();
        return { status: 200, body: issueLabels(i) };
      }),

    'issues/list-labels-on-issue': (call) => withIssue(call, (i) => paged(call, issueLabels(i), (l) => l)),

    'issues/get-label': (call) => {
      const l = findLabel(str(call, 'name'));
      return l ? { status: 200, body: label(l) } : notFound(call);
    },

    'issues/create-label': (call) => {
      const name = String(call.body.name);
      if (findLabel(name))
        return validationFailed(call, [{ resource: 'Label', code: 'already_exists', field: 'name' }]);
      const l: FakeLabel = {
        id: nextId(),
        name,
        color: String(call.body.color ?? 'ededed').replace(/^#/, ''),
        description: (call.body.description as string | undefined) ?? null,
        default: false,
      };
      state.labels.push(l);
      return { status: 201, body: label(l) };
    },
  };
}
