// GitHub Actions: just-in-time runners registered for the repository or its owner organization.
import type { Answer, Call, Context, Handlers } from './context.js';
import type { FakeRunner } from './state.js';

export function actionsHandlers(ctx: Context): Handlers {
  const { state, str, error, notFound } = ctx;
  const { nextId } = ctx.ops;

  /** Registers a just-in-time runner, answering like GitHub: 409 when the name is taken. */
  const jitRunner = (call: Call, scope: 'repo' | 'org'): Answer => {
    const b = call.body as { name: string; runner_group_id: number; labels: string[]; work_folder?: string };
    if (state.runners.some((r) => r.name === b.name)) {
      return error(call, 409, 'Already exists - A runner with the same name already exists.');
    }
    const id = nextId();
    const encoded = Buffer.from(
      JSON.stringify({
        '.runner': `runner-${id}`,
        '.credentials': `cred-${id}`,
        '.credentials_rsaparams': `rsa-${id}`,
      }),
    ).toString('base64');
    const r: FakeRunner = {
      id,
      name: b.name,
      labels: b.labels,
      runner_group_id: b.runner_group_id,
      work_folder: b.work_folder ?? '_work',
      scope,
      encoded_jit_config: encoded,
    };
    state.runners.push(r);
    return {
      status: 201,
      body: {
        runner: {
          id,
          runner_group_id: r.runner_group_id,
          name: r.name,
          os: 'unknown',
          status: 'offline',
          busy: false,
          ephemeral: true,
          labels: r.labels.map((name, i) => ({ id: i + 1, name, type: 'custom' })),
        },
        encoded_jit_config: encoded,
      },
    };
  };

  return {
    'actions/generate-runner-jitconfig-for-repo': (call) => jitRunner(call, 'repo'),
    'actions/generate-runner-jitconfig-for-org': (call) =>
      str(call, 'org').toLowerCase() === state.owner.toLowerCase() ? jitRunner(call, 'org') : notFound(call),
  };
}
