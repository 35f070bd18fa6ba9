// Registries degrade per check: a failing downloads API skips only the downloads check, with a note; a
// registry that is down gives one finding per ecosystem however many packages it could not be asked
// about, and is given up on after a few failures instead of timing out once per package.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDependencies } from '../../gates/dependencies/index.js';
import type { Dependency, DependencyDelta } from '../../gates/types.js';
import { loadDefaultPolicy } from '../../policies/index.js';
import { type RegistryFake, startRegistryFake } from '../support/registry-fake.js';

const NOW = new Date('2026-11-23T00:00:00Z');
const OLD = '2024-01-01T00:00:00.000Z';
const YESTERDAY = '2026-11-22T00:00:00.000Z';
const DOWN = 'http://127.0.0.1:9';
let fake: RegistryFake;

function dep(ecosystem: Dependency['ecosystem'], name: string, version: string, source: string): Dependency {
  return { ecosystem, name, version, purl: `pkg:${ecosystem}/${name}@${version}`, source };
}
const added = (deps: Dependency[]): DependencyDelta => ({ added: deps, removed: [], changed: [] });

function check(
  d: DependencyDelta,
  changed: string[],
  registries: Partial<RegistryFake['registries']>,
  over: Partial<ReturnType<typeof loadDefaultPolicy>['policy']['gates']['dependencies']> = {},
) {
  return checkDependencies(d, changed, {
    policy: {
      ...loadDefaultPolicy().policy.gates.dependencies,
      ...over,
      registries: { ...fake.registries, ...registries },
    },
    now: NOW,
    timeoutMs: 2000,
  });
}

beforeAll(async () => {
  fake = await startRegistryFake();
  fake.addNpm('steady-pkg', { versions: { '1.0.0': { published: OLD } }, license: 'MIT', downloads: 9_000 });
  fake.addNpm('fresh-pkg', {
    versions: { '1.0.0': { published: YESTERDAY } },
    license: 'MIT',
    downloads: 9_000,
  });
  fake.addNpm('gpl-pkg', {
    versions: { '1.0.0': { published: OLD } },
    license: 'GPL-3.0-only',
    downloads: 9_000,
  });
  fake.addPypi('requests', { versions: { '2.32.3': { published: OLD } }, license: 'MIT' });
});
afterAll(() => fake.close());

describe('registries degrade per check', () => {
  it('a failing downloads API skips only the downloads check, with one note', async () => {
    const names = ['steady-pkg', 'fresh-pkg', 'gpl-pkg'];
    const r = await check(
      added(names.map((n) => dep('npm', n, '1.0.0', 'package-lock.json'))),
      ['package-lock.json', 'package.json'],
      { npmDownloads: DOWN },
    );
    // Age and licence were still checked; nothing is unknown.
    expect(r.findings.map((f) => [f.ruleId, f.severity]).sort()).toEqual([
      ['dep-check-skipped', 'info'],
      ['dep-license-denied', 'high'],
      ['dep-too-new', 'high'],
    ]);
    expect(r.unknown).toBe(0);
    const note = r.findings.find((f) => f.ruleId === 'dep-check-skipped');
    expect(note?.message).toMatch(
      /^Note: the npm downloads API \(http:\/\/127\.0\.0\.1:9\) did not answer \(.+\), so the weekly-downloads check was skipped for 3 dependencies \(steady-pkg@1\.0\.0, fresh-pkg@1\.0\.0, gpl-pkg@1\.0\.0\); every other check ran\.$/,
    );
    expect(note?.file).toBe('package-lock.json');
  });

  it('a registry that is down gives one finding per ecosystem, not one per package, and is given up on', async () => {
    const npm = Array.from({ length: 146 }, (_, i) => dep('npm', `pkg-${i}`, '1.0.0', 'package-lock.json'));
    const pypi = [
      dep('pypi', 'requests', '2.32.3', 'requirements.txt'),
      dep('pypi', 'flask', '3.0.0', 'requirements.txt'),
    ];
    const r = await check(
      added([...npm, ...pypi]),
      ['package-lock.json', 'package.json', 'requirements.txt'],
      { npm: DOWN, npmAdvisories: DOWN, pypi: DOWN, osv: DOWN },
    );
    expect(r.findings.map((f) => [f.ruleId, f.severity, f.file])).toEqual([
      ['dep-registry-unreachable', 'high', 'package-lock.json'],
      ['dep-registry-unreachable', 'high', 'requirements.txt'],
    ]);
    const [npmFinding, pypiFinding] = r.findings.map((f) => f.message);
    expect(npmFinding).toMatch(
      /^146 npm dependencies could not be checked \(pkg-0@1\.0\.0, pkg-1@1\.0\.0, pkg-2@1\.0\.0, pkg-3@1\.0\.0, pkg-4@1\.0\.0 and 141 more\): the npm registry \(http:\/\/127\.0\.0\.1:9\) did not answer for 146 of them: .+; the npm registry's advisory endpoint \(http:\/\/127\.0\.0\.1:9\) did not answer for 146 of them: .+\.$/,
    );
    expect(pypiFinding).toMatch(
      /^2 PyPI dependencies could not be checked \(requests@2\.32\.3, flask@3\.0\.0\): PyPI/,
    );
    expect(pypiFinding).toMatch(
      /the OSV vulnerability database \(http:\/\/127\.0\.0\.1:9\) did not answer for 2 of them/,
    );
    expect(r.unknown).toBe(148);
    // The breaker: after a few failures a service is not asked again (8 may be in flight at once).
    expect(r.requests).toBeLessThan(30);
    const warned = await check(
      added(npm.slice(0, 3)),
      ['package-lock.json', 'package.json'],
      { npm: DOWN },
      {
        unreachable: 'warn',
      },
    );
    expect(warned.findings.map((f) => [f.ruleId, f.severity])).toEqual([['dep-registry-unreachable', 'low']]);
  });

  it('a registry that hangs costs a time-out or two, not one per package', async () => {
    fake.fail('/crates/', 'hang');
    const crates = Array.from({ length: 40 }, (_, i) => dep('cargo', `crate-${i}`, '1.0.0', 'Cargo.lock'));
    const started = performance.now();
    const r = await checkDependencies(added(crates), ['Cargo.lock', 'Cargo.toml'], {
      policy: { ...loadDefaultPolicy().policy.gates.dependencies, registries: fake.registries },
      now: NOW,
      timeoutMs: 300,
    });
    // 40 packages, 8 at a time, 300 ms each would take 1.5 s; the breaker stops after the first round.
    expect(performance.now() - started).toBeLessThan(1200);
    expect(r.findings.map((f) => f.ruleId)).toEqual(['dep-registry-unreachable']);
    expect(r.findings[0]?.message).toMatch(/^40 crates\.io dependencies could not be checked .*timed out/);
  });

  it('a registry that answers 500 for one package reports that package, and the others pass', async () => {
    fake.fail('/npm/broken-pkg', 'error500');
    const r = await check(
      added([
        dep('npm', 'broken-pkg', '1.0.0', 'package-lock.json'),
        dep('npm', 'steady-pkg', '1.0.0', 'package-lock.json'),
      ]),
      ['package-lock.json', 'package.json'],
      {},
    );
    expect(r.findings.map((f) => f.ruleId)).toEqual(['dep-registry-unreachable']);
    expect(r.findings[0]?.message).toMatch(
      /^1 npm dependency could not be checked \(broken-pkg@1\.0\.0\): .*HTTP 500\.$/,
    );
    expect(r.unknown).toBe(1);
  });
});
