// The action's one orchestrator: parse the inputs once, read the event, pick the mode, and turn any
// error into one clear failure. Publication (branch push, PR, artifacts) comes from the action, never
// the agent.
import path from 'node:path';
import * as core from '@actions/core';
import { isGitRepo, pinAlternates } from '../lib/git.js';
import { INPUT_DEFAULTS, Inputs, ISOLATION_FILE } from './constants.js';
import { messageOf } from './errors.js';
import { actionsArtifactStore } from './github/artifacts.js';
import { isAgentEvent, readActionContext } from './github/context.js';
import { agentMode } from './modes/agent.js';
import { flakyMode } from './modes/flaky.js';
import { gateMode } from './modes/gate.js';
import type { ActionDeps } from './modes/shared.js';
import { parseActionInputs } from './settings.js';

export type { ActionDeps };

export function defaultDeps(env: NodeJS.ProcessEnv = process.env): ActionDeps {
  return {
    env,
    artifacts: actionsArtifactStore(),
    isolationFile: env.AGENTGATE_ISOLATION_FILE || ISOLATION_FILE,
  };
}

export async function run(overrides: Partial<ActionDeps> = {}): Promise<void> {
  try {
    const deps = { ...defaultDeps(overrides.env), ...overrides };
    const inputs = parseActionInputs((n) => core.getInput(n));
    for (const secret of [inputs[Inputs.AnthropicApiKey], inputs[Inputs.GitHubToken]]) {
      if (secret) core.setSecret(secret);
    }
    const ctx = readActionContext(deps.env);
    // On a warm runner the checkout borrows the baked mirror's objects through the environment; written
    // into the checkout, the borrowing holds for every git this action runs.
    if (await isGitRepo(ctx.run.workspace)) {
      for (const dir of await pinAlternates(ctx.run.workspace, deps.env)) {
        core.info(`agentgate: the checkout borrows the warm mirror's objects (${dir})`);
      }
    }
    const mode =
      inputs[Inputs.Mode] !== 'auto'
        ? inputs[Inputs.Mode]
        : ctx.event.kind === 'pull-request'
          ? 'gate'
          : isAgentEvent(ctx.event)
            ? 'agent'
            : undefined;
    core.debug(
      `event=${ctx.eventName} mode=${mode} repo=${ctx.run.repo.owner}/${ctx.run.repo.repo} dry-run=${inputs[Inputs.DryRun]}`,
    );
    if (mode === undefined) {
      throw new Error(
        `the '${ctx.eventName}' event has no default mode (input '${Inputs.Mode}' is '${INPUT_DEFAULTS[Inputs.Mode]}'). Run on workflow_dispatch, issues, schedule or pull_request, or set '${Inputs.Mode}' to gate, agent or flaky.`,
      );
    }
    const m = {
      ctx,
      inputs,
      deps,
      token: inputs[Inputs.GitHubToken],
      outDir: path.join(deps.env.RUNNER_TEMP || ctx.run.workspace, 'agentgate'),
    };
    if (mode === 'flaky') {
      if (ctx.event.kind !== 'schedule' && ctx.event.kind !== 'dispatch') {
        throw new Error(`flaky mode runs on schedule or workflow_dispatch events, not '${ctx.eventName}'`);
      }
      await flakyMode(m);
    } else if (mode === 'gate') {
      if (ctx.event.kind !== 'pull-request' && ctx.event.kind !== 'push') {
        throw new Error(`gate mode runs on pull_request or push events, not '${ctx.eventName}'`);
      }
      await gateMode(m, ctx.event);
    } else {
      const event = ctx.event;
      if (!isAgentEvent(event)) {
        throw new Error(
          `agent mode runs on workflow_dispatch, issues or schedule events, not '${ctx.eventName}'`,
        );
      }
      await agentMode(m, event);
    }
  } catch (e) {
    core.setFailed(`agentgate: ${messageOf(e)}`);
  }
}
