// The dependencies gate's checks, each on its own: lockfile drift, names, the registry's word on one
// dependency, the advisory databases' on all of them. Each returns what it found and what it could not
// ask, for the summary (summary.ts) to report once per ecosystem or check.
import spdxSatisfies from 'spdx-satisfies';
import type { GatesPolicy } from '../../policies/index.js';
import type { Dependency, DependencyDelta, RawFinding, Severity } from '../types.js';
import { type Advisory, advisoryService, npmAdvisories, osvAdvisories } from './advisories.js';
import { isBuiltinName, type NearMiss, typosquat } from './names.js';
import type { OwnPackages } from './own.js';
import { type PackageInfo, type RegistryClient, RegistryUnreachable, type Service } from './registry.js';
import { ECOSYSTEM_NAMES, label, type Missed, plural, REGISTRY_OF, type UnknownLicense } from './summary.js';

export type Policy = GatesPolicy['dependencies'];

const DAY_MS = 86_400_000;

const LOCKFILES_OF: Record<string, string[]> = {
  'package.json': ['package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lock'],
  'pyproject.toml': ['poetry.lock', 'uv.lock'],
  'Cargo.toml': ['Cargo.lock'],
  'go.mod': ['go.sum'],
};

function split(path: string): [string, string] {
  const i = path.lastIndexOf('/');
  return i < 0 ? ['', path] : [path.slice(0, i), path.slice(i + 1)];
}

function finding(
  dep: Dependency,
  ruleId: string,
  severity: Severity,
  message: string,
  fix: string,
): RawFinding {
  return { ruleId, severity, file: dep.source, line: 0, scope: 'change', message, fix };
}

/**
 * A manifest changed while its lockfile did not (or the reverse), where the change touched dependencies.
 * A manifest no lockfile completes (`unlocked`: a package.json in a repository without one) has only
 * its ranges, and changing them is the whole change.
 */
export function lockfileDrift(
  delta: DependencyDelta,
  changedFiles: readonly string[],
  unlocked: readonly string[] = [],
): RawFinding[] {
  const changed = new Set(changedFiles);
  const lockless = new Set(unlocked);
  const touchedDirs = new Set(
    [...delta.added, ...delta.removed, ...delta.changed.map((c) => c.to)].map((d) => split(d.source)[0]),
  );
  const out: RawFinding[] = [];
  for (const file of changedFiles) {
    const [dir, name] = split(file);
    const locks = LOCKFILES_OF[name];
    if (locks !== undefined) {
      if (lockless.has(file)) continue;
      const lockChanged = locks.some((l) => changed.has(dir ? `${dir}/${l}` : l));
      if (!lockChanged && touchedDirs.has(dir)) {
        out.push({
          ruleId: 'dep-manifest-without-lockfile',
          severity: 'medium',
          file,
          line: 0,
          scope: 'file',
          message: `${file} changes dependencies but its lockfile did not change, so the versions that install are not the ones reviewed.`,
          fix: 'Run the package manager to update the lockfile and commit it with the manifest.',
        });
      }
      continue;
    }
    for (const [manifest, lockNames] of Object.entries(LOCKFILES_OF)) {
      if (!lockNames.includes(name)) continue;
      const m = dir ? `${dir}/${manifest}` : manifest;
      if (!changed.has(m)) {
        out.push({
          ruleId: 'dep-lockfile-without-manifest',
          severity: 'low',
          file,
          line: 0,
          scope: 'file',
          message: `${file} changed without ${m}: resolved versions moved without a change of declared ranges.`,
          fix: 'Check that the upgrade was intended.',
        });
      }
    }
  }
  return out;
}

function nearMissText(dep: Dependency, miss: NearMiss): string {
  const edits = plural(miss.distance, 'edit');
  const source =
    dep.ecosystem === 'npm'
      ? "npm's high-impact list"
      : `agentgate's list of popular ${ECOSYSTEM_NAMES[dep.ecosystem]} packages`;
  const how =
    miss.how === 'separators'
      ? `spells the popular package ${miss.popular} with other separators (${edits} away)`
      : miss.how === 'word order'
        ? `has the words of the popular package ${miss.popular} in another order (${edits} away)`
        : `is ${edits} away from the popular package ${miss.popular}`;
  return `${dep.name} ${how}, on ${source}: a typosquat, or a name a model invented.`;
}

/** Checks of the name alone, for names the change brings in (not the repository's own). */
export function nameFindings(dep: Dependency, policy: Policy, own: OwnPackages): RawFinding[] {
  if (policy.allow.includes(dep.name) || own.has(dep)) return [];
  const out: RawFinding[] = [];
  if (isBuiltinName(dep.ecosystem, dep.name)) {
    out.push(
      finding(
        dep,
        'dep-builtin-name',
        'high',
        `${dep.name} is the name of a built-in module of the language, published as a package.`,
        'Use the built-in module; remove the dependency.',
      ),
    );
  }
  // A package pulled in by another is not a name anyone typed.
  const miss = dep.direct === false ? undefined : typosquat(dep.ecosystem, dep.name);
  if (miss !== undefined) {
    out.push(
      finding(
        dep,
        'dep-typosquat',
        'high',
        nearMissText(dep, miss),
        `If you meant ${miss.popular}, depend on it; otherwise list ${dep.name} under gates.dependencies.allow.`,
      ),
    );
  }
  return out;
}

/** The allowlist's entries that are SPDX ids (one that is not would make every check throw). */
function spdxAllowlist(licenses: readonly string[]): string[] {
  return licenses.filter((id) => {
    try {
      return spdxSatisfies(id, [id]);
    } catch {
      return false;
    }
  });
}

type LicenseVerdict = { kind: 'ok' } | { kind: 'denied'; message: string } | { kind: 'unknown'; why: string };

function judgeLicense(dep: Dependency, license: string | undefined, policy: Policy): LicenseVerdict {
  if (license === undefined) return { kind: 'unknown', why: 'no licence is stated' };
  // npm's word for "no licence granted": known, and allowed only when the policy lists it.
  if (license === 'UNLICENSED') {
    return policy.licenses.includes('UNLICENSED')
      ? { kind: 'ok' }
      : {
          kind: 'denied',
          message: `${label(dep)} is UNLICENSED: its author grants no licence to use it.`,
        };
  }
  try {
    return spdxSatisfies(license, spdxAllowlist(policy.licenses))
      ? { kind: 'ok' }
      : {
          kind: 'denied',
          message: `${label(dep)} is licensed ${license}, which the policy's licences (gates.dependencies.licenses) do not allow.`,
        };
  } catch {
    return { kind: 'unknown', why: `the licence '${license}' is not an SPDX expression` };
  }
}

function ageFinding(dep: Dependency, info: PackageInfo, policy: Policy, now: Date): RawFinding[] {
  if (info.published === undefined) return [];
  const days = (now.getTime() - info.published.getTime()) / DAY_MS;
  if (days >= policy.minAgeDays) return [];
  return [
    finding(
      dep,
      'dep-too-new',
      'high',
      `${label(dep)}: the ${info.publishedWhat} was published ${days.toFixed(1)} days ago; the policy wants at least ${policy.minAgeDays} (gates.dependencies.minAgeDays).`,
      'Pin an older version, or wait until it has been public long enough to be vetted.',
    ),
  ];
}

function downloadsFinding(dep: Dependency, weekly: number, policy: Policy): RawFinding[] {
  if (weekly >= policy.minWeeklyDownloads) return [];
  return [
    finding(
      dep,
      'dep-low-downloads',
      'high',
      `${dep.name} had ${weekly} npm downloads last week; the policy wants at least ${policy.minWeeklyDownloads} (gates.dependencies.minWeeklyDownloads).`,
      'Check that this is the package you meant; prefer a widely used one.',
    ),
  ];
}

/** What the registry checks of one dependency found, and what they could not ask or judge. */
export interface RegistryOutcome {
  findings: RawFinding[];
  /** The registry could not be asked: nothing about the dependency is known. */
  unreached?: Missed;
  /** The downloads API could not be asked: only that check was skipped. */
  skipped?: Missed;
  unknownLicense?: UnknownLicense;
}

export interface CheckContext {
  client: RegistryClient;
  policy: Policy;
  own: OwnPackages;
  now: Date;
}

/** The registry checks of one dependency: exists, takedown placeholder, age, npm downloads, licence. */
export async function registryChecks(ctx: CheckContext, dep: Dependency): Promise<RegistryOutcome> {
  const { client, policy } = ctx;
  let found: Awaited<ReturnType<RegistryClient['lookup']>>;
  try {
    found = await client.lookup(dep);
  } catch (e) {
    if (!(e instanceof RegistryUnreachable)) throw e;
    return { findings: [], unreached: { dep, service: REGISTRY_OF[dep.ecosystem], reason: e.message } };
  }
  const own = ctx.own.has(dep);
  if (found.kind === 'not-found') {
    // The repository's own package need not be published.
    if (own) return { findings: [] };
    return {
      findings: [
        finding(
          dep,
          'dep-not-found',
          'critical',
          `${found.what}: the name may be invented, and anyone could register it.`,
          'Remove it, or find the real package you meant.',
        ),
      ],
    };
  }
  const info = found.info;
  if (info.placeholder) {
    return {
      findings: [
        finding(
          dep,
          'dep-security-placeholder',
          'critical',
          `${dep.name} is npm's security placeholder (0.0.1-security): the package was taken down as malicious.`,
          'Remove it; find the package you meant.',
        ),
      ],
    };
  }
  const exempt = policy.allow.includes(dep.name);
  const outcome: RegistryOutcome = { findings: exempt ? [] : ageFinding(dep, info, policy, ctx.now) };
  if (!exempt && dep.ecosystem === 'npm') {
    try {
      outcome.findings.push(...downloadsFinding(dep, await client.weeklyDownloads(dep.name), policy));
    } catch (e) {
      if (!(e instanceof RegistryUnreachable)) throw e;
      outcome.skipped = { dep, service: 'npmDownloads', reason: e.message };
    }
  }
  // The repository's own licence is its own business.
  if (own) return outcome;
  const verdict = judgeLicense(dep, dep.license ?? info.license, policy);
  if (verdict.kind === 'denied') {
    outcome.findings.push(
      finding(
        dep,
        'dep-license-denied',
        'high',
        verdict.message,
        'Choose a package under an allowed licence, or have the allowlist changed.',
      ),
    );
  }
  if (verdict.kind === 'unknown' && !exempt) outcome.unknownLicense = { dep, why: verdict.why };
  return outcome;
}

/** Known vulnerabilities of every exact version: one request per database (a few for many versions). */
export async function advisoryChecks(
  client: RegistryClient,
  deps: readonly Dependency[],
): Promise<{ advisories: Advisory[]; unreached: Missed[] }> {
  const byService = new Map<Service, Dependency[]>();
  for (const dep of deps.filter((d) => d.version !== '')) {
    const service = advisoryService(dep.ecosystem);
    byService.set(service, [...(byService.get(service) ?? []), dep]);
  }
  const results = await Promise.all(
    [...byService].map(async ([service, list]) => {
      try {
        const advisories =
          service === 'npmAdvisories' ? await npmAdvisories(client, list) : await osvAdvisories(client, list);
        return { advisories, unreached: [] };
      } catch (e) {
        if (!(e instanceof RegistryUnreachable)) throw e;
        return { advisories: [], unreached: list.map((dep) => ({ dep, service, reason: e.message })) };
      }
    }),
  );
  return {
    advisories: results.flatMap((r) => r.advisories),
    unreached: results.flatMap((r) => r.unreached),
  };
}
