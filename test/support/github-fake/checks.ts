// Check runs: created, updated (annotations accumulate), read, their annotations, and listed for a ref.
import type { Context, Handlers } from './context.js';
import { type FakeAnnotation, type FakeCheckRun, now, repoWeb } from './state.js';

export function checkHandlers(ctx: Context): Handlers {
  const { state, num, str, paged, notFound } = ctx;
  const { nextId, branchSha } = ctx.ops;
  const { checkRun } = ctx.shapes;
  return {
    'checks/create': (call) => {
      const b = call.body as {
        name: string;
        head_sha: string;
        details_url?: string;
        external_id?: string;
        status?: string;
        conclusion?: string;
        started_at?: string;
        completed_at?: string;
        output?: { title?: string; summary?: string; text?: string; annotations?: FakeAnnotation[] };
      };
      const completed = b.conclusion !== undefined || b.status === 'completed';
      const c: FakeCheckRun = {
        id: nextId(),
        name: b.name,
        head_sha: b.head_sha,
        status: completed ? 'completed' : (b.status ?? 'queued'),
        conclusion: b.conclusion ?? null,
        started_at: b.started_at ?? now(),
        completed_at: completed ? (b.completed_at ?? now()) : null,
        details_url: b.details_url ?? null,
        external_id: b.external_id ?? '',
        output: {
          title: b.output?.title ?? null,
          summary: b.output?.summary ?? null,
          text: b.output?.text ?? null,
          annotations: [...(b.output?.annotations ?? [])],
        },
      };
      state.checkRuns.push(c);
      return { status: 201, body: checkRun(c) };
    },

    'checks/update': (call) => {
      const c = state.checkRuns.find((x) => x.id === num(call, 'check_run_id'));
      if (!c) return notFound(call);
      const b = call.body as Partial<Omit<FakeCheckRun, 'output'>> & {
        output?: { title?: string; summary?: string; text?: string; annotations?: FakeAnnotation[] };
      };
      if (b.name !== undefined) c.name = b.name;
      if (b.details_url !== undefined) c.details_url = b.details_url;
      if (b.external_id !== undefined) c.external_id = b.external_id;
      if (b.started_at !== undefined) c.started_at = b.started_at;
      if (b.status !== undefined) c.status = b.status;
      if (b.conclusion !== undefined) {
        c.conclusion = b.conclusion;
        c.status = 'completed';
      }
      if (c.status === 'completed') c.completed_at = b.completed_at ?? c.completed_at ?? now();
      if (b.output) {
        if (b.output.title !== undefined) c.output.title = b.output.title;
        if (b.output.summary !== undefined) c.output.summary = b.output.summary;
        if (b.output.text !== undefined) c.output.text = b.output.text;
        c.output.annotations.push(...(b.output.annotations ?? []));
      }
      return { status: 200, body: checkRun(c) };
    },

    'checks/get': (call) => {
      const c = state.checkRuns.find((x) => x.id === num(call, 'check_run_id'));
      return c ? { status: 200, body: checkRun(c) } : notFound(call);
    },

    'checks/list-annotations': (call) => {
      const c = state.checkRuns.find((x) => x.id === num(call, 'check_run_id'));
      if (!c) return notFound(call);
      return paged(call, c.output.annotations, (a) => ({
        path: a.path,
        start_line: a.start_line,
        end_line: a.end_line,
        start_column: a.start_column ?? null,
        end_column: a.end_column ?? null,
        annotation_level: a.annotation_level,
        title: a.title ?? null,
        message: a.message,
        raw_details: a.raw_details ?? null,
        blob_href: `${repoWeb(state)}/blob/${c.head_sha}/${a.path}`,
      }));
    },

    'checks/list-for-ref': (call) => {
      const ref = str(call, 'ref');
      const sha = /^[0-9a-f]{40}$/.test(ref) ? ref : branchSha(ref.replace(/^refs\/heads\//, ''));
      const q = call.query;
      const runs = state.checkRuns
        .filter((c) => c.head_sha === sha)
        .filter((c) => q.check_name === undefined || c.name === q.check_name)
        .filter((c) => q.status === undefined || c.status === q.status)
        .reverse();
      const page = paged(call, runs, checkRun);
      return { ...page, body: { total_count: runs.length, check_runs: page.body } };
    },
  };
}
