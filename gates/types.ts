// The gates' shared data. Everything here is plain data: the engines produce it, the verdict and the
// reports read it. `GatesReport` (minus the fields marked internal) is the JSON contract on stdout.

import { SEVERITIES } from '../policies/index.js';

export { SEVERITIES };
export type Severity = (typeof SEVERITIES)[number];

export const GATE_NAMES = ['secrets', 'sast', 'sbom', 'dependencies', 'policy'] as const;
export type GateName = (typeof GATE_NAMES)[number];

export type GateStatus = 'pass' | 'fail' | 'error';
export type Verdict = 'pass' | 'fail';

/** What an engine reports, before the diff decides whether it is new and the policy whether it blocks. */
export interface RawFinding {
  ruleId: string;
  severity: Severity;
  /** Repository-relative POSIX path; '' for a finding about the change as a whole. */
  file: string;
  /** 1-based line at head; 0 when the finding is about a whole file or the change. */
  line: number;
  endLine?: number;
  column?: number;
  message: string;
  /** How to fix it, one sentence. */
  fix?: string;
  /** e.g. ['CWE-95']. */
  cwe?: string[];
  /** Findings about the change as a whole (size caps, a missing lockfile) are new by definition. */
  scope?: 'line' | 'file' | 'change';
  /**
   * Internal: the secret value a secrets finding matched, so every output can be scrubbed of it.
   * Never serialised.
   */
  secret?: string;
  /**
   * Internal, for findings whose sink line the change did not add: whether the same rule fired on the
   * same sink at base. True keeps it pre-existing; false makes it the change's (the flow into the sink
   * is new, or the inside of a multi-line statement changed it).
   */
  atBase?: boolean;
}

/** A finding as reported. The first seven keys are the contract; the rest are additive. */
export interface Finding {
  ruleId: string;
  severity: Severity;
  file: string;
  line: number;
  message: string;
  blocking: boolean;
  preExisting: boolean;
  endLine?: number;
  column?: number;
  fix?: string;
  cwe?: string[];
  /** Stable across runs and line shifts: sha256 of rule, file and the finding's line text (redacted). */
  fingerprint: string;
}

export interface GateResult {
  name: GateName;
  status: GateStatus;
  /** `<name> <version>` of the engine that ran, e.g. `agentgate-secrets 0.1.0`. */
  engine: string;
  durationMs: number;
  findings: Finding[];
  /** Set when status is `error`: what went wrong and how to fix it. */
  error?: string;
  /** Set when the engine that ran is not the one wanted, e.g. a real engine that could not be installed. */
  note?: string;
}

/** The gates that have a real engine and an embedded one. */
export type EngineGate = 'secrets' | 'sast';

/** What the caller knows of the real engines (gitleaks, semgrep/opengrep). */
export interface EngineNotes {
  /** Run only the embedded engines (the secrets engine, ast-grep), whatever is on PATH; a policy that requires a real engine still gets it or fails. */
  embeddedOnly?: boolean;
  /** Per gate, the real engine that was wanted but is not there, and why: the report says so. */
  unavailable?: Partial<Record<EngineGate, { engine: string; reason: string }>>;
}

export type Ecosystem = 'npm' | 'pypi' | 'cargo' | 'golang';

export interface Dependency {
  ecosystem: Ecosystem;
  /** The registry name: `@scope/name` for npm, the normalised name for PyPI, the module path for Go. */
  name: string;
  /** The exact version, or '' when a manifest names only a range. */
  version: string;
  /** The range a manifest names, when `version` is '' (a package.json without a lockfile, pyproject.toml). */
  range?: string;
  /** Package URL; also the CycloneDX bom-ref. */
  purl: string;
  /** SPDX expression when the lockfile or manifest states one. */
  license?: string;
  /** The lockfile or manifest it came from, repository-relative. */
  source: string;
  /** True when the project names it itself (not pulled in by another dependency), when known. */
  direct?: boolean;
}

export interface DependencyChange {
  from: Dependency;
  to: Dependency;
  /** Which way the version moved, when both sides have one. */
  kind?: 'upgrade' | 'downgrade' | 'changed';
}

export interface DependencyDelta {
  added: Dependency[];
  removed: Dependency[];
  changed: DependencyChange[];
}

export interface GatesReport {
  /** Version of this JSON shape. */
  schemaVersion: 1;
  verdict: Verdict;
  mode: 'diff' | 'full';
  /** Resolved commit of the base; absent in `--full` runs without a base. */
  base?: string;
  /** Resolved commit of head, or `worktree`. */
  head: string;
  gates: GateResult[];
  /** The dependency delta between the base and head BOMs. */
  dependencies: DependencyDelta;
  /** Counts of what the diff touched. */
  diff: { files: number; addedLines: number; deletedLines: number };
}
