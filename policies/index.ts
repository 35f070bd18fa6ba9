// The policy language: schema, loader and deny-first evaluation. Imports nothing of ours outside policies/,
// not even lib/.
export {
  analyzeCommand,
  type CommandAnalysis,
  type CommandSegment,
  type Invocation,
  type SplitResult,
  splitCommand,
} from './commands.js';
export { DEFAULT_POLICY_SOURCE, DEFAULT_POLICY_TEXT } from './default-pack.js';
export {
  ALWAYS_SECRET_ENV,
  type Decision,
  evaluate,
  isAlwaysSecretEnvName,
  isSecretEnvName,
  matchesAny,
  type PolicyRequest,
  ruleIdOf,
} from './evaluate.js';
export { type LoadedPolicy, loadDefaultPolicy, loadPolicyFile, PolicyError, parsePolicy } from './loader.js';
export { AST_GREP_LANGUAGE_GLOBS, AST_GREP_RULES_JSON, SAST_PACK } from './sast-pack.js';
export {
  COMMAND_UNPARSEABLE_RULE,
  DEFAULT_DENY_RULE,
  GATE_DEFAULTS,
  type GatesPolicy,
  PATH_CONTAINMENT_RULE,
  type Policy,
  PolicySchema,
  policyJsonSchema,
  SEVERITIES,
} from './schema.js';
