// How the dependencies gate reports what it found and could not do: grouped, so that a registry that
// is down is one finding per ecosystem, a skipped check one note, an advisory one finding however many
// versions it affects, and identical findings one.
import type { GatesPolicy } from '../../policies/index.js';
import type { Dependency, Ecosystem, RawFinding } from '../types.js';
import type { Advisory } from './advisories.js';
import type { RegistryClient, Service } from './registry.js';

type Policy = GatesPolicy['dependencies'];

/** A service that could not be asked about a dependency, and what it said. */
export interface Missed {
  dep: Dependency;
  service: Service;
  reason: string;
}

/** A dependency whose licence cannot be judged, and why. */
export interface UnknownLicense {
  dep: Dependency;
  why: string;
}

/** How each service is named in a report. */
const SERVICE_NAMES: Record<Service, string> = {
  npm: 'the npm registry',
  npmDownloads: 'the npm downloads API',
  npmAdvisories: "the npm registry's advisory endpoint",
  pypi: 'PyPI',
  crates: 'crates.io',
  go: 'the Go module proxy',
  osv: 'the OSV vulnerability database',
};

/** The check a service's failure skips, for a service whose failure skips one check only. */
const CHECK_OF: Partial<Record<Service, string>> = { npmDownloads: 'the weekly-downloads check' };

export const REGISTRY_OF: Record<Ecosystem, Service> = {
  npm: 'npm',
  pypi: 'pypi',
  cargo: 'crates',
  golang: 'go',
};
export const ECOSYSTEM_NAMES: Record<Ecosystem, string> = {
  npm: 'npm',
  pypi: 'PyPI',
  cargo: 'crates.io',
  golang: 'Go',
};

export function label(dep: Dependency): string {
  return dep.version ? `${dep.name}@${dep.version}` : dep.name;
}

/** `a, b, c, d, e and 12 more`. */
function listOf(items: readonly string[], max = 5): string {
  const unique = [...new Set(items)];
  if (unique.length <= max) return unique.join(', ');
  return `${unique.slice(0, max).join(', ')} and ${unique.length - max} more`;
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The file all of them came from, or '' (the change as a whole) when they came from several. */
function commonSource(deps: readonly Dependency[]): string {
  const sources = new Set(deps.map((d) => d.source));
  return sources.size === 1 ? (deps[0]?.source ?? '') : '';
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return [...groups.values()];
}

function fixedText(fixed: string): string {
  return fixed.startsWith('>') ? `a version after ${fixed.slice(1)}` : fixed;
}

/** One finding per advisory and package, however many of its versions the change brings in. */
export function advisoryFindings(advisories: readonly Advisory[]): RawFinding[] {
  const groups = groupBy(advisories, (a) => `${a.dep.ecosystem}\0${a.dep.name}\0${a.id}\0${a.dep.source}`);
  return groups.map((group) => {
    const a = group[0] as Advisory;
    const versions = group.map((g) => label(g.dep)).join(', ');
    const aliases = a.aliases.length > 0 ? ` (${a.aliases.join(', ')})` : '';
    const severity = a.severityStated ? `severity ${a.severity}` : 'no severity stated, taken as high';
    const fixes = [...new Set(group.flatMap((g) => (g.fixed === undefined ? [] : [fixedText(g.fixed)])))];
    const fixed = fixes.length > 0 ? `fixed in ${fixes.join(' / ')}` : 'no fixed version is known';
    const f: RawFinding = {
      ruleId: 'dep-vulnerable',
      severity: a.severity,
      file: a.dep.source,
      line: 0,
      scope: 'change',
      message: `${versions} ${group.length === 1 ? 'has' : 'have'} a known vulnerability, ${a.id}${aliases}: ${a.title} (${severity}; ${fixed}).${a.url !== undefined ? ` ${a.url}` : ''}`,
      fix:
        fixes.length > 0
          ? `Upgrade ${a.dep.name} to ${fixes.join(' / ')} or later.`
          : `No release fixes it yet: remove ${a.dep.name}, or read the advisory for a workaround.`,
    };
    if (a.cwe !== undefined) f.cwe = a.cwe;
    return f;
  });
}

/** One finding per ecosystem whose registry or advisory database could not be asked. */
export function unreachableFindings(
  missed: readonly Missed[],
  policy: Policy,
  client: RegistryClient,
): RawFinding[] {
  const warn = policy.unreachable === 'warn';
  return groupBy(missed, (m) => m.dep.ecosystem).map((list) => {
    const ecosystem = ECOSYSTEM_NAMES[(list[0] as Missed).dep.ecosystem];
    const deps = [...new Set(list.map((m) => m.dep))];
    const byService = groupBy(list, (m) => m.service);
    const services = byService.map((of) => (of[0] as Missed).service);
    const what = byService.map((of) => {
      const service = (of[0] as Missed).service;
      const count = new Set(of.map((m) => m.dep)).size;
      const reasons = listOf(
        of.map((m) => m.reason),
        3,
      );
      return `${SERVICE_NAMES[service]} (${client.base(service)}) did not answer for ${count} of them: ${reasons}`;
    });
    return {
      ruleId: 'dep-registry-unreachable',
      severity: warn ? 'low' : 'high',
      file: commonSource(deps),
      line: 0,
      scope: 'change',
      message: `${plural(deps.length, `${ecosystem} dependency`, `${ecosystem} dependencies`)} could not be checked (${listOf(deps.map(label))}): ${what.join('; ')}.`,
      fix: `Re-run when ${services.map((s) => SERVICE_NAMES[s]).join(' and ')} answer${services.length === 1 ? 's' : ''}, or point gates.dependencies.registries (${services.join(', ')}) at a mirror; gates.dependencies.unreachable: warn lets such a run pass.`,
    };
  });
}

/** One note per check a failing service made the gate skip (every other check ran). */
export function skippedFindings(skipped: readonly Missed[], client: RegistryClient): RawFinding[] {
  return groupBy(skipped, (m) => m.service).map((list) => {
    const service = (list[0] as Missed).service;
    const deps = [...new Set(list.map((m) => m.dep))];
    const reasons = listOf(
      list.map((m) => m.reason),
      3,
    );
    return {
      ruleId: 'dep-check-skipped',
      severity: 'info',
      file: commonSource(deps),
      line: 0,
      scope: 'change',
      message: `Note: ${SERVICE_NAMES[service]} (${client.base(service)}) did not answer (${reasons}), so ${CHECK_OF[service] ?? 'one check'} was skipped for ${plural(deps.length, 'dependency', 'dependencies')} (${listOf(deps.map(label))}); every other check ran.`,
      fix: `Re-run when it answers, or point gates.dependencies.registries.${service} at a mirror.`,
    };
  });
}

/** One finding per file and reason for dependencies whose licence cannot be judged. */
export function unknownLicenseFindings(list: readonly UnknownLicense[], policy: Policy): RawFinding[] {
  const warn = policy.unknownLicense === 'warn';
  return groupBy(list, (u) => `${u.dep.source}\0${u.why}`).map((group) => {
    const first = group[0] as UnknownLicense;
    const subject =
      group.length === 1
        ? label(first.dep)
        : `${group.length} dependencies (${listOf(group.map((g) => label(g.dep)))})`;
    return {
      ruleId: 'dep-license-unknown',
      severity: warn ? 'low' : 'high',
      file: first.dep.source,
      line: 0,
      scope: 'change',
      message: `${subject}: ${first.why}, so ${group.length === 1 ? 'it' : 'they'} cannot be checked against the policy.`,
      fix: 'Check the licence by hand; list the package under gates.dependencies.allow, or set gates.dependencies.unknownLicense: warn, if it is acceptable.',
    };
  });
}

/** Identical findings (same rule, file and message) once. */
export function dedupe(findings: readonly RawFinding[]): RawFinding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const k = `${f.ruleId}\0${f.file}\0${f.line}\0${f.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
