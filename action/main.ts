// The action's one orchestrator. Publication (branch push, PR, artifacts) comes from the action, never the agent.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as core from '@actions/core';
import { loadDefaultPolicy, loadPolicyFile } from '../policies/index.js';
import { DEFAULT_BUDGETS } from './budgets.js';
import { Inputs, Outputs } from './constants.js';
import { messageOf, UsageError } from './errors.js';
import { createAnthropicProvider } from './llm/anthropic.js';
import { DEFAULT_MODEL, resolvePrices } from './llm/pricing.js';
import { runSession } from './run.js';
import { parseActionInputs } from './settings.js';

export async function run(): Promise<void> {
  try {
    const inputs = parseActionInputs((n) => core.getInput(n));
    const apiKey = inputs[Inputs.AnthropicApiKey] ?? process.env.ANTHROPIC_API_KEY;
    if (apiKey) core.setSecret(apiKey);
    const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
    const taskFile = inputs[Inputs.TaskFile];
    const task =
      inputs[Inputs.Task] ??
      (await readFile(path.resolve(workspace, taskFile ?? ''), 'utf8').catch((e: Error) => {
        throw new UsageError(`input '${Inputs.TaskFile}': cannot read '${taskFile}': ${e.message}`);
      }));
    const model = inputs[Inputs.Model] ?? DEFAULT_MODEL;
    const policyFile = inputs[Inputs.Policy];
    const policy = policyFile
      ? await loadPolicyFile(path.resolve(workspace, policyFile))
      : loadDefaultPolicy();
    const outDir = path.join(process.env.RUNNER_TEMP ?? workspace, 'agentgate');
    core.debug(`model=${model} policy=${policy.source} out=${outDir}`);

    core.startGroup('agentgate: agent session');
    const result = await runSession(
      {
        repo: workspace,
        task,
        model,
        policy,
        prices: resolvePrices(model, {}),
        testCommand: inputs[Inputs.TestCommand],
        outDir,
        base: 'HEAD',
        budgets: {
          maxTurns: inputs[Inputs.MaxTurns] ?? DEFAULT_BUDGETS.maxTurns,
          maxTotalTokens: DEFAULT_BUDGETS.maxTotalTokens,
          maxCostUsd: inputs[Inputs.MaxCostUsd] ?? DEFAULT_BUDGETS.maxCostUsd,
          timeoutMs: (inputs[Inputs.TimeoutMinutes] ?? DEFAULT_BUDGETS.timeoutMs / 60_000) * 60_000,
        },
      },
      {
        provider: createAnthropicProvider(apiKey ? { apiKey } : {}),
        env: { ...process.env, ...(apiKey ? { ANTHROPIC_API_KEY: apiKey } : {}) },
        log: (l) => core.info(l),
      },
    );
    core.endGroup();

    core.setOutput(Outputs.Outcome, result.outcome);
    core.setOutput(Outputs.Branch, result.branch);
    core.setOutput(Outputs.Commit, result.commit ?? '');
    core.setOutput(Outputs.CostUsd, result.costUsd.toFixed(4));
    core.setOutput(Outputs.Turns, String(result.turns));
    for (const w of result.warnings) core.warning(w);
    if (result.outcome !== 'completed') {
      core.setFailed(
        `agentgate: ${result.outcome}${result.budget ? ` (${result.budget})` : ''}: ${result.detail}`,
      );
    }
  } catch (e) {
    core.setFailed(`agentgate: ${messageOf(e)}`);
  }
}
