// The gates report as SARIF 2.1.0, shaped for GitHub code scanning: one run per gate (its own
// analysis category), stable fingerprints, security-severity for the alert's severity, and every
// count kept inside GitHub's upload limits. Pure: plain data in, plain data out.
import type * as Sarif from 'sarif';
import type { Finding, GateResult, GatesReport, Severity } from '../types.js';
import { maxSeverity, oneLine, SEVERITY_RANK, truncate } from './text.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
/** Our own fingerprint, stable across line shifts; GitHub reads only `primaryLocationLineHash`. */
export const FINGERPRINT_KEY = 'agentgate/v1';
export const SRCROOT = '%SRCROOT%';

/**
 * GitHub's limits: 20 runs a file (hard); 25,000 results a run (hard) of which only the top 5,000 are
 * stored; 20 tags a rule (hard) of which 10 are shown; rule names 255 and descriptions 1,024 chars.
 */
export const SARIF_LIMITS = {
  runs: 20,
  resultsPerRun: 5_000,
  tagsPerRule: 10,
  nameChars: 255,
  descriptionChars: 1_024,
  messageChars: 1_000,
  notificationChars: 1_000,
} as const;

/** GitHub's bands: over 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low, 0.0 none. */
export const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

/**
 * Where a finding about the change as a whole is anchored. GitHub rejects the whole upload when any
 * result lacks a location or has an empty URI, so such findings point at the policy file whose
 * limits the change broke (the place the README suggests for it; it need not exist).
 */
export const CHANGE_LOCATION_URI = '.github/agentgate.yml';

export interface SarifOptions {
  /** agentgate's version: the driver's `version` (and `semanticVersion` when it is one). */
  toolVersion: string;
  /** The tool's home page: the driver's `informationUri`. */
  informationUri?: string;
  /** Absolute URI of the source root, e.g. 'https://github.com/o/r/blob/<sha>/': `%SRCROOT%`'s `uri`. */
  srcRootUri?: string;
  /** Results kept per run, most important first; default and maximum 5,000 (what GitHub stores). */
  maxResultsPerRun?: number;
  /**
   * Which results carry our `primaryLocationLineHash`. 'regionless' (default): only those without a
   * line, which `upload-sarif` cannot hash itself (it hashes the source line of the others, and warns
   * on every result whose given hash differs from its own). 'all': for uploads through the REST API,
   * where nothing computes one.
   */
  lineHashes?: 'regionless' | 'all';
}

/** The gates report as one SARIF log, one run per gate (at most 20). */
export function toSarif(report: GatesReport, options: SarifOptions): Sarif.Log {
  const gates = report.gates.slice(0, SARIF_LIMITS.runs);
  const categories = new Map<string, number>();
  const runs = gates.map((gate) => {
    const seen = categories.get(gate.name) ?? 0;
    categories.set(gate.name, seen + 1);
    // A gate named twice still gets its own category: GitHub would otherwise merge the two analyses.
    const category = seen === 0 ? `agentgate/${gate.name}` : `agentgate/${gate.name}-${seen + 1}`;
    return gateRun(gate, category, options);
  });
  const properties: Sarif.PropertyBag = { verdict: report.verdict, mode: report.mode, head: report.head };
  if (report.base !== undefined) properties.base = report.base;
  if (report.gates.length > gates.length) properties.runsOmitted = report.gates.length - gates.length;
  return { $schema: SARIF_SCHEMA, version: '2.1.0', runs, properties };
}

function gateRun(gate: GateResult, category: string, options: SarifOptions): Sarif.Run {
  const cap = Math.max(
    0,
    Math.min(options.maxResultsPerRun ?? SARIF_LIMITS.resultsPerRun, SARIF_LIMITS.resultsPerRun),
  );
  const kept = prioritise(gate.findings).slice(0, cap);
  const omitted = gate.findings.length - kept.length;

  // Rules in order of first use, from the kept results only: every rule is referenced, none missing.
  const ruleData = new Map<string, RuleData>();
  for (const f of kept) {
    const id = ruleIdOf(f);
    const data = ruleData.get(id);
    if (data) {
      data.severity = maxSeverity(data.severity, f.severity);
      for (const c of f.cwe ?? []) data.cwe.add(c);
      data.fix ??= f.fix;
    } else {
      ruleData.set(id, { severity: f.severity, cwe: new Set(f.cwe ?? []), fix: f.fix });
    }
  }
  const rules = [...ruleData].map(([id, data]) => describeRule(id, gate.name, data));
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));

  const hashes = new Map<string, number>();
  const results = kept.map((f) => {
    const id = ruleIdOf(f);
    return toResult(f, id, ruleIndex.get(id) ?? 0, hashes, options.lineHashes ?? 'regionless');
  });

  const driver: Sarif.ToolComponent = {
    name: `agentgate ${gate.name}`,
    fullName: `agentgate ${gate.name} gate`,
    version: options.toolVersion,
    rules,
  };
  if (SEMVER.test(options.toolVersion)) driver.semanticVersion = options.toolVersion;
  if (options.informationUri) driver.informationUri = options.informationUri;

  const notifications: Sarif.Notification[] = [];
  if (gate.status === 'error') {
    const text = oneLine(gate.error ?? '') || `The ${gate.name} gate failed without saying why.`;
    notifications.push({ level: 'error', message: { text: truncate(text, SARIF_LIMITS.notificationChars) } });
  }
  if (omitted > 0) {
    notifications.push({
      level: 'warning',
      message: {
        text: `${omitted} of ${gate.findings.length} findings left out to stay within upload limits.`,
      },
    });
  }
  const invocation: Sarif.Invocation = { executionSuccessful: gate.status !== 'error' };
  if (notifications.length > 0) invocation.toolExecutionNotifications = notifications;

  const srcRoot: Sarif.ArtifactLocation = { description: { text: 'The root of the repository.' } };
  if (options.srcRootUri)
    srcRoot.uri = options.srcRootUri.endsWith('/') ? options.srcRootUri : `${options.srcRootUri}/`;

  return {
    tool: { driver },
    automationDetails: { id: `${category}/` },
    originalUriBaseIds: { [SRCROOT]: srcRoot },
    invocations: [invocation],
    results,
    properties: {
      gate: gate.name,
      status: gate.status,
      engine: gate.engine,
      ...(gate.note ? { note: gate.note } : {}),
      durationMs: gate.durationMs,
      findings: gate.findings.length,
      resultsOmitted: omitted,
    },
  };
}

interface RuleData {
  severity: Severity;
  cwe: Set<string>;
  fix: string | undefined;
}

function describeRule(id: string, gate: string, data: RuleData): Sarif.ReportingDescriptor {
  const cwes = [...data.cwe]
    .map((c) => /^CWE-(\d+)$/i.exec(c.trim())?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const unique = [...new Set(cwes)];
  const tags = ['security', `agentgate/${gate}`, ...unique.map((n) => `external/cwe/cwe-${n}`)].slice(
    0,
    SARIF_LIMITS.tagsPerRule,
  );
  const cweText = unique.length > 0 ? ` (${unique.map((n) => `CWE-${n}`).join(', ')})` : '';
  const fix = data.fix ? oneLine(data.fix) : '';
  return {
    id,
    name: truncate(id, SARIF_LIMITS.nameChars),
    shortDescription: { text: truncate(`${id}${cweText}`, SARIF_LIMITS.descriptionChars) },
    fullDescription: {
      text: truncate(`The agentgate ${gate} gate's rule ${id}${cweText}.`, SARIF_LIMITS.descriptionChars),
    },
    help: { text: fix || `See each result's message; the agentgate ${gate} gate reports it.` },
    defaultConfiguration: { level: ruleLevel(data.severity) },
    properties: { tags, 'security-severity': SECURITY_SEVERITY[data.severity] },
  };
}

/** A rule's default: what its worst finding would be if new. */
function ruleLevel(severity: Severity): Sarif.ReportingConfiguration.level {
  if (severity === 'info') return 'note';
  return SEVERITY_RANK[severity] <= SEVERITY_RANK.high ? 'error' : 'warning';
}

/** A result's level says what the gate did with it: error blocks, warning does not, note is info. */
function resultLevel(f: Finding): Sarif.Result.level {
  if (f.blocking) return 'error';
  return f.severity === 'info' ? 'note' : 'warning';
}

function toResult(
  f: Finding,
  ruleId: string,
  ruleIndex: number,
  hashes: Map<string, number>,
  lineHashes: 'regionless' | 'all',
): Sarif.Result {
  const location = locationOf(f);
  const partialFingerprints: Record<string, string> = { [FINGERPRINT_KEY]: f.fingerprint };
  const hasRegion = location.physicalLocation?.region !== undefined;
  if (f.fingerprint && (lineHashes === 'all' || !hasRegion)) {
    // GitHub's own form is `<hex hash>:<occurrence>`; the occurrence keeps two equal hashes apart.
    const hash = f.fingerprint.slice(0, 16);
    const n = (hashes.get(hash) ?? 0) + 1;
    hashes.set(hash, n);
    partialFingerprints.primaryLocationLineHash = `${hash}:${n}`;
  }
  const properties: Sarif.PropertyBag = {
    blocking: f.blocking,
    preExisting: f.preExisting,
    severity: f.severity,
  };
  if (f.file === '') properties.scope = 'change';
  else if (f.line < 1) properties.scope = 'file';
  return {
    ruleId,
    ruleIndex,
    level: resultLevel(f),
    message: { text: truncate(oneLine(f.message), SARIF_LIMITS.messageChars) || ruleId },
    locations: [location],
    partialFingerprints,
    baselineState: f.preExisting ? 'unchanged' : 'new',
    properties,
  };
}

function locationOf(f: Finding): Sarif.Location {
  if (f.file === '') {
    return {
      physicalLocation: { artifactLocation: { uri: CHANGE_LOCATION_URI, uriBaseId: SRCROOT } },
      message: { text: 'About the change as a whole, not this file.' },
    };
  }
  const physicalLocation: Sarif.PhysicalLocation = {
    artifactLocation: { uri: pathToUri(f.file), uriBaseId: SRCROOT },
  };
  if (Number.isInteger(f.line) && f.line >= 1) {
    const region: Sarif.Region = { startLine: f.line };
    if (f.endLine !== undefined && Number.isInteger(f.endLine) && f.endLine >= f.line)
      region.endLine = f.endLine;
    if (f.column !== undefined && Number.isInteger(f.column) && f.column >= 1) region.startColumn = f.column;
    physicalLocation.region = region;
  }
  return { physicalLocation };
}

/**
 * A repository-relative POSIX path as a relative URI reference: percent-encoded where a URI needs it
 * (spaces, non-ASCII, `%`, `?`, `#`) and `:` too, which would otherwise read as a scheme.
 */
export function pathToUri(file: string): string {
  return encodeURI(file).replace(/[?#:]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function ruleIdOf(f: Finding): string {
  return oneLine(f.ruleId) || 'agentgate/unknown';
}

/** Most important first (what GitHub keeps when it truncates): blocking, new, then by severity. */
function prioritise(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      Number(b.blocking) - Number(a.blocking) ||
      Number(a.preExisting) - Number(b.preExisting) ||
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity],
  );
}

const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
