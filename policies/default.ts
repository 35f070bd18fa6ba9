// The built-in pack, policies/default.yml, loaded from the data scripts/gen-default-pack.mjs validated
// against the schema when it was generated: no YAML parser or schema is loaded for it (together ~40 ms a
// run). A test keeps it equal to what the loader makes of the YAML.
import { createHash } from 'node:crypto';
import { DEFAULT_POLICY_JSON, DEFAULT_POLICY_SOURCE, DEFAULT_POLICY_TEXT } from './default-pack.js';
import type { Policy } from './schema.js';

/** A policy, loaded and validated. */
export interface LoadedPolicy {
  policy: Policy;
  /** Where the policy came from: the file path as given, or DEFAULT_POLICY_SOURCE. */
  source: string;
  /** sha256 (hex) of the file's bytes. */
  sha256: string;
}

let sha256: string | undefined;

/** The built-in pack, a fresh copy each call. */
export function loadDefaultPolicy(): LoadedPolicy {
  sha256 ??= createHash('sha256').update(DEFAULT_POLICY_TEXT, 'utf8').digest('hex');
  return { policy: JSON.parse(DEFAULT_POLICY_JSON) as Policy, source: DEFAULT_POLICY_SOURCE, sha256 };
}
