// An agent session's result as the risk card reads it, for tests of what renders it.
import type { RiskCardData } from '../../action/publish/risk-card.js';

export function sessionResult(over: Partial<RiskCardData['result']> = {}): RiskCardData['result'] {
  return {
    outcome: 'completed',
    detail: 'done',
    summary: 'Changed one line.',
    model: 'claude-sonnet-4-6',
    sessionId: '00000000-0000-4000-8000-000000000000',
    turns: 3,
    toolCalls: 4,
    usage: { inputTokens: 12345, outputTokens: 678, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
    costUsd: 0.0421,
    tests: { command: null, before: null, after: null },
    deniedCalls: [],
    warnings: [],
    ...over,
  };
}
