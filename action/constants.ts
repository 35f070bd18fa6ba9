// Names as data: the version, and the action's inputs and outputs, in one place (package.json, action.yml
// and the README must agree).

export { VERSION } from '../gates/version.js';

export const Inputs = {
  Task: 'task',
  TaskFile: 'task-file',
  Model: 'model',
  AnthropicApiKey: 'anthropic-api-key',
  Policy: 'policy',
  TestCommand: 'test-command',
  MaxTurns: 'max-turns',
  MaxCostUsd: 'max-cost-usd',
  TimeoutMinutes: 'timeout-minutes',
} as const;

export const Outputs = {
  Outcome: 'outcome',
  Branch: 'branch',
  Commit: 'commit',
  CostUsd: 'cost-usd',
  Turns: 'turns',
} as const;
