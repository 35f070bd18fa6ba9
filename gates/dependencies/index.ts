// The dependencies gate: every dependency the change adds or changes is checked against its registry,
// its advisory database and the policy. Each check stands alone: a registry that cannot be asked gives
// one `dep-registry-unreachable` finding for its ecosystem (failing closed unless the policy says
// warn), and a failing downloads API only skips the downloads check, with a note.
//
//   1. lockfile drift   manifest and lockfile changed together
//   2. names            built-in module names, near misses of popular names (names the change brings in)
//   3. registry         exists, takedown placeholder, age, npm downloads, licence
//   4. advisories       known vulnerabilities of exact versions (npm bulk advisories, OSV)
//   5. summary          what could not be asked, one finding per ecosystem or check; duplicates merged
import type { DependencyDelta, RawFinding } from '../types.js';
import { advisoryChecks, lockfileDrift, nameFindings, type Policy, registryChecks } from './checks.js';
import { isLocalVersion, OwnPackages } from './own.js';
import { RegistryClient } from './registry.js';
import {
  advisoryFindings,
  dedupe,
  skippedFindings,
  unknownLicenseFindings,
  unreachableFindings,
} from './summary.js';

export type { Advisory } from './advisories.js';
export {
  editDistance,
  isBuiltinName,
  isPopular,
  type NearMiss,
  popularNames,
  typoDistance,
  typosquat,
  typosquatOf,
} from './names.js';
export { isLocalVersion, OwnPackages, ownPackages } from './own.js';
export { fixedVersion, satisfies } from './ranges.js';
export { RegistryClient, RegistryUnreachable } from './registry.js';

export interface DependencyCheckOptions {
  policy: Policy;
  now: Date;
  timeoutMs: number;
  fetch?: typeof fetch;
  concurrency?: number;
  /**
   * The repository's own packages (`ownPackages` of head's manifests): a dependency of one of these
   * names is not reported as missing from its registry, its name is not judged, and its licence is the
   * repository's business.
   */
  own?: OwnPackages;
  /** Manifests no lockfile completes (`readDependencies(...).unlocked`). */
  unlocked?: readonly string[];
}

export interface DependencyCheckResult {
  findings: RawFinding[];
  checked: number;
  /** Dependencies a registry or advisory database could not be asked about. */
  unknown: number;
  requests: number;
}

export async function checkDependencies(
  delta: DependencyDelta,
  changedFiles: string[],
  options: DependencyCheckOptions,
): Promise<DependencyCheckResult> {
  const { policy } = options;
  const client = new RegistryClient(policy.registries, {
    timeoutMs: options.timeoutMs,
    fetch: options.fetch ?? fetch,
    concurrency: options.concurrency ?? 8,
  });
  const ctx = { client, policy, own: options.own ?? new OwnPackages(), now: options.now };
  // Local code (workspace:, link:, file:) is the repository's, not a registry's.
  const added = delta.added.filter((d) => !isLocalVersion(d.version));
  const deps = [...added, ...delta.changed.map((c) => c.to).filter((d) => !isLocalVersion(d.version))];

  const drift = lockfileDrift(delta, changedFiles, options.unlocked);
  const names = added.flatMap((dep) => nameFindings(dep, policy, ctx.own));
  const [registry, advisories] = await Promise.all([
    Promise.all(deps.map((dep) => registryChecks(ctx, dep))),
    advisoryChecks(client, deps),
  ]);

  const unreached = [...registry.flatMap((r) => r.unreached ?? []), ...advisories.unreached];
  const findings = dedupe([
    ...drift,
    ...names,
    ...registry.flatMap((r) => r.findings),
    ...unknownLicenseFindings(
      registry.flatMap((r) => r.unknownLicense ?? []),
      policy,
    ),
    ...advisoryFindings(advisories.advisories),
    ...unreachableFindings(unreached, policy, client),
    ...skippedFindings(
      registry.flatMap((r) => r.skipped ?? []),
      client,
    ),
  ]);
  return {
    findings,
    checked: deps.length,
    unknown: new Set(unreached.map((m) => m.dep)).size,
    requests: client.requests,
  };
}
