// What a policy that does not load raises: a PolicyError naming the file, the line and column, the field
// path and what was expected there. Apart from the loader, so that catching one loads no parser.
import type { Policy } from './schema.js';

/** A policy, loaded and validated. */
export interface LoadedPolicy {
  policy: Policy;
  /** Where the policy came from: the file path as given, or DEFAULT_POLICY_SOURCE. */
  source: string;
  /** sha256 (hex) of the file's bytes. */
  sha256: string;
}

export interface PolicyErrorLocation {
  line?: number;
  column?: number;
  fieldPath?: string;
  expected?: string;
}

export class PolicyError extends Error {
  readonly file: string;
  line?: number;
  column?: number;
  fieldPath?: string;
  expected?: string;

  constructor(file: string, message: string, location: PolicyErrorLocation = {}) {
    super(message);
    this.name = 'PolicyError';
    this.file = file;
    this.line = location.line;
    this.column = location.column;
    this.fieldPath = location.fieldPath;
    this.expected = location.expected;
  }
}
