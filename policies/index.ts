// The policy language: schema, loader and deny-first evaluation. Imports nothing of ours outside policies/,
// not even lib/. Importing it costs little: the YAML parser and the schema (zod) load only when a policy
// file or text is read; the built-in pack needs neither.
import type { LoadedPolicy } from './default.js';

export {
  analyzeCommand,
  type CommandAnalysis,
  type CommandSegment,
  type Invocation,
  type SplitResult,
  splitCommand,
} from './commands.js';
export {
  COMMAND_UNPARSEABLE_RULE,
  DEFAULT_DENY_RULE,
  DEFAULT_TOOLCHAINS,
  ENV_REFERENCE,
  GATE_DEFAULTS,
  PATH_CONTAINMENT_RULE,
  SEVERITIES,
} from './constants.js';
export { type LoadedPolicy, loadDefaultPolicy } from './default.js';
export { DEFAULT_POLICY_SOURCE, DEFAULT_POLICY_TEXT } from './default-pack.js';
export { PolicyError } from './errors.js';
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
export { AST_GREP_LANGUAGE_GLOBS, AST_GREP_RULES_JSON, SAST_PACK } from './sast-pack.js';
export type { GatesPolicy, Policy, SetupPolicy } from './schema.js';
export { SECRETS_PACK_SOURCE, SECRETS_PACK_TEXT } from './secrets-pack.js';

/** Reads, parses and validates a policy file. Rejects with a PolicyError, also when it cannot be read. */
export async function loadPolicyFile(file: string): Promise<LoadedPolicy> {
  return (await import('./loader.js')).loadPolicyFile(file);
}

/** Parses and validates policy text; `source` names it in errors. Rejects with a PolicyError. */
export async function parsePolicyText(text: string, source: string): Promise<LoadedPolicy> {
  return (await import('./loader.js')).parsePolicy(text, source);
}
