// The dependencies gate: every dependency the change adds or changes is checked against its registry
// and the policy. A registry that cannot be asked gives `unknown`, which fails closed unless the
// policy says warn.
import spdxSatisfies from 'spdx-satisfies';
import type { GatesPolicy } from '../../policies/index.js';
import type { Dependency, DependencyDelta, RawFinding, Severity } from '../types.js';
import { isBuiltinName, typosquatOf } from './names.js';
import { type PackageInfo, RegistryClient, RegistryUnreachable } from './registry.js';

export { editDistance, isBuiltinName, POPULAR, typosquatOf } from './names.js';
export { RegistryClient } from './registry.js';

export interface DependencyCheckOptions {
  policy: GatesPolicy['dependencies'];
  now: Date;
  timeoutMs: number;
  fetch?: typeof fetch;
  concurrency?: number;
}

export interface DependencyCheckResult {
  findings: RawFinding[];
  checked: number;
  unknown: number;
  requests: number;
}

const DAY_MS = 86_400_000;

const LOCKFILES_OF: Record<string, string[]> = {
  'package.json': ['package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'yarn.lock'],
  'pyproject.toml': ['poetry.lock'],
  'Cargo.toml': ['Cargo.lock'],
  'go.mod': ['go.sum'],
};

function split(path: string): [string, string] {
  const i = path.lastIndexOf('/');
  return i < 0 ? ['', path] : [path.slice(0, i), path.slice(i + 1)];
}

function label(dep: Dependency): string {
  return dep.version ? `${dep.name}@${dep.version}` : dep.name;
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

/** A manifest changed while its lockfile did not (or the reverse), where the change touched dependencies. */
function lockfileDrift(delta: DependencyDelta, changedFiles: readonly string[]): RawFinding[] {
  const changed = new Set(changedFiles);
  const touchedDirs = new Set(
    [...delta.added, ...delta.removed, ...delta.changed.map((c) => c.to)].map((d) => split(d.source)[0]),
  );
  const out: RawFinding[] = [];
  for (const file of changedFiles) {
    const [dir, name] = split(file);
    const locks = LOCKFILES_OF[name];
    if (locks !== undefined) {
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

function checkInfo(
  dep: Dependency,
  info: PackageInfo,
  policy: GatesPolicy['dependencies'],
  now: Date,
): RawFinding[] {
  const out: RawFinding[] = [];
  const exempt = policy.allow.includes(dep.name);
  if (info.placeholder) {
    out.push(
      finding(
        dep,
        'dep-security-placeholder',
        'critical',
        `${dep.name} is npm's security placeholder (0.0.1-security): the package was taken down as malicious.`,
        'Remove it; find the package you meant.',
      ),
    );
    return out;
  }
  if (!exempt && info.published) {
    const days = (now.getTime() - info.published.getTime()) / DAY_MS;
    if (days < policy.minAgeDays) {
      out.push(
        finding(
          dep,
          'dep-too-new',
          'high',
          `${label(dep)}: the ${info.publishedWhat} was published ${days.toFixed(1)} days ago; the policy wants at least ${policy.minAgeDays} (gates.dependencies.minAgeDays).`,
          'Pin an older version, or wait until it has been public long enough to be vetted.',
        ),
      );
    }
  }
  if (
    !exempt &&
    dep.ecosystem === 'npm' &&
    info.weeklyDownloads !== undefined &&
    info.weeklyDownloads < policy.minWeeklyDownloads
  ) {
    out.push(
      finding(
        dep,
        'dep-low-downloads',
        'high',
        `${dep.name} had ${info.weeklyDownloads} npm downloads last week; the policy wants at least ${policy.minWeeklyDownloads} (gates.dependencies.minWeeklyDownloads).`,
        'Check that this is the package you meant; prefer a widely used one.',
      ),
    );
  }
  const license = dep.license ?? info.license;
  let satisfied: boolean | undefined;
  if (license !== undefined) {
    try {
      satisfied = spdxSatisfies(license, policy.licenses);
    } catch {
      satisfied = undefined; // not an SPDX expression
    }
  }
  if (satisfied === false) {
    out.push(
      finding(
        dep,
        'dep-license-denied',
        'high',
        `${label(dep)} is licensed ${license}, which the policy's licences (gates.dependencies.licenses) do not allow.`,
        'Choose a package under an allowed licence, or have the allowlist changed.',
      ),
    );
  } else if (satisfied === undefined) {
    const warn = policy.unknownLicense === 'warn';
    out.push(
      finding(
        dep,
        'dep-license-unknown',
        warn ? 'low' : 'high',
        `${label(dep)}: ${license ? `the licence '${license}' is not an SPDX expression` : 'no licence is stated'}, so it cannot be checked against the policy.`,
        'Check the licence by hand; list the package under gates.dependencies.allow or set unknownLicense: warn if it is acceptable.',
      ),
    );
  }
  return out;
}

export async function checkDependencies(
  delta: DependencyDelta,
  changedFiles: string[],
  options: DependencyCheckOptions,
): Promise<DependencyCheckResult> {
  const { policy, now } = options;
  const client = new RegistryClient(policy.registries, {
    timeoutMs: options.timeoutMs,
    fetch: options.fetch ?? fetch,
    concurrency: options.concurrency ?? 8,
  });
  const deps = [...delta.added, ...delta.changed.map((c) => c.to)];
  const findings: RawFinding[] = lockfileDrift(delta, changedFiles);
  let unknown = 0;
  const perDep = await Promise.all(
    deps.map(async (dep): Promise<RawFinding[]> => {
      const out: RawFinding[] = [];
      const exempt = policy.allow.includes(dep.name);
      if (!exempt && isBuiltinName(dep.ecosystem, dep.name)) {
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
      const imitated = exempt ? undefined : typosquatOf(dep.ecosystem, dep.name);
      if (imitated !== undefined) {
        out.push(
          finding(
            dep,
            'dep-typosquat',
            'high',
            `${dep.name} is one slip away from the popular package ${imitated}.`,
            `If you meant ${imitated}, depend on it; otherwise list ${dep.name} under gates.dependencies.allow.`,
          ),
        );
      }
      try {
        const found = await client.lookup(dep);
        if (found.kind === 'not-found') {
          out.push(
            finding(
              dep,
              'dep-not-found',
              'critical',
              `${found.what}: the name may be invented, and anyone could register it.`,
              'Remove it, or find the real package you meant.',
            ),
          );
        } else {
          out.push(...checkInfo(dep, found.info, policy, now));
        }
      } catch (e) {
        if (!(e instanceof RegistryUnreachable)) throw e;
        unknown++;
        const warn = policy.unreachable === 'warn';
        out.push(
          finding(
            dep,
            'dep-registry-unreachable',
            warn ? 'low' : 'high',
            `${label(dep)} could not be checked: ${e.message}.`,
            'Re-run when the registry answers, or point gates.dependencies.registries at a mirror.',
          ),
        );
      }
      return out;
    }),
  );
  for (const list of perDep) findings.push(...list);
  return { findings, checked: deps.length, unknown, requests: client.requests };
}
