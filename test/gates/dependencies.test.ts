import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkDependencies,
  editDistance,
  isBuiltinName,
  typosquatOf,
} from '../../gates/dependencies/index.js';
import type { Dependency, DependencyDelta } from '../../gates/types.js';
import { GATE_DEFAULTS, loadDefaultPolicy } from '../../policies/index.js';
import { type RegistryFake, startRegistryFake } from '../support/registry-fake.js';

const NOW = new Date('2026-11-23T00:00:00Z');
const OLD = '2024-01-01T00:00:00.000Z';
const YESTERDAY = '2026-11-22T00:00:00.000Z';
let fake: RegistryFake;

function dep(
  ecosystem: Dependency['ecosystem'],
  name: string,
  version: string,
  source = 'package-lock.json',
): Dependency {
  return { ecosystem, name, version, purl: `pkg:${ecosystem}/${name}@${version}`, source };
}

function delta(added: Dependency[], changed: Dependency[] = []): DependencyDelta {
  return { added, removed: [], changed: changed.map((to) => ({ from: { ...to, version: '0.0.1' }, to })) };
}

function policy(over: Partial<ReturnType<typeof loadDefaultPolicy>['policy']['gates']['dependencies']> = {}) {
  return { ...loadDefaultPolicy().policy.gates.dependencies, registries: fake.registries, ...over };
}

async function check(
  d: DependencyDelta,
  over = {},
  changed: string[] = ['package-lock.json', 'package.json'],
  timeoutMs = 5000,
) {
  return checkDependencies(d, changed, { policy: policy(over), now: NOW, timeoutMs });
}

const rules = (r: { findings: { ruleId: string }[] }) => r.findings.map((f) => f.ruleId).sort();

beforeAll(async () => {
  fake = await startRegistryFake();
  fake.addNpm('left-pad-ok', {
    versions: { '1.3.0': { published: OLD } },
    license: 'MIT',
    downloads: 90_000,
  });
  fake.addNpm('@acme/util', {
    versions: { '2.0.0': { published: OLD } },
    license: 'Apache-2.0',
    downloads: 5_000,
  });
  fake.addNpm('fresh-pkg', {
    versions: { '1.0.0': { published: YESTERDAY } },
    license: 'MIT',
    downloads: 9_000,
  });
  fake.addNpm('lonely-pkg', { versions: { '1.0.0': { published: OLD } }, license: 'MIT', downloads: 3 });
  fake.addNpm('taken-down', { versions: { '0.0.1-security': { published: OLD } }, downloads: 0 });
  fake.addNpm('gpl-pkg', {
    versions: { '1.0.0': { published: OLD } },
    license: 'GPL-3.0-only',
    downloads: 9_000,
  });
  fake.addNpm('dual-pkg', {
    versions: { '1.0.0': { published: OLD } },
    license: '(MIT OR GPL-3.0-only)',
    downloads: 9_000,
  });
  fake.addNpm('nolicense-pkg', { versions: { '1.0.0': { published: OLD } }, downloads: 9_000 });
  fake.addPypi('requests', { versions: { '2.32.3': { published: OLD } }, license: 'MIT' });
  fake.addCrate('serde', { versions: { '1.0.200': { published: OLD, license: 'MIT OR Apache-2.0' } } });
  fake.addGo('github.com/BurntSushi/toml', { versions: { 'v1.4.0': { published: OLD } } });
});
afterAll(() => fake.close());

describe('the dependencies gate against the registries', () => {
  it('passes established, permissively licensed packages in every ecosystem, scoped npm names included', async () => {
    const r = await check(
      delta([
        dep('npm', 'left-pad-ok', '1.3.0'),
        dep('npm', '@acme/util', '2.0.0'),
        dep('pypi', 'requests', '2.32.3', 'requirements.txt'),
        dep('cargo', 'serde', '1.0.200', 'Cargo.lock'),
      ]),
      {},
      ['package-lock.json', 'package.json', 'requirements.txt', 'Cargo.lock', 'Cargo.toml'],
    );
    expect(r.findings).toEqual([]);
    expect(fake.requests).toContain('/npm/@acme%2futil');
  });

  it('flags a name or version the registry does not have (the slopsquatting case)', async () => {
    const r = await check(
      delta([dep('npm', 'surely-invented-pkg-name', '1.0.0'), dep('npm', 'left-pad-ok', '9.9.9')]),
    );
    expect(rules(r)).toEqual(['dep-not-found', 'dep-not-found']);
    expect(r.findings.every((f) => f.severity === 'critical' && f.scope === 'change')).toBe(true);
  });

  it('flags the npm security placeholder, a too-new version and low downloads', async () => {
    expect(rules(await check(delta([dep('npm', 'taken-down', '0.0.1-security')])))).toEqual([
      'dep-security-placeholder',
    ]);
    const fresh = await check(delta([], [dep('npm', 'fresh-pkg', '1.0.0')]));
    expect(rules(fresh)).toEqual(['dep-too-new']);
    expect(fresh.findings[0]?.message).toMatch(/published 1\.0 days ago; the policy wants at least 3/);
    expect(rules(await check(delta([dep('npm', 'lonely-pkg', '1.0.0')])))).toEqual(['dep-low-downloads']);
    expect(await check(delta([dep('npm', 'lonely-pkg', '1.0.0')]), { allow: ['lonely-pkg'] })).toMatchObject({
      findings: [],
    });
  });

  it('checks licences against the SPDX allowlist; an unknown licence fails unless the policy says warn', async () => {
    expect(rules(await check(delta([dep('npm', 'gpl-pkg', '1.0.0')])))).toEqual(['dep-license-denied']);
    expect(rules(await check(delta([dep('npm', 'dual-pkg', '1.0.0')])))).toEqual([]);
    const unknown = await check(delta([dep('npm', 'nolicense-pkg', '1.0.0')]));
    expect(unknown.findings).toEqual([
      expect.objectContaining({ ruleId: 'dep-license-unknown', severity: 'high' }),
    ]);
    const warned = await check(delta([dep('npm', 'nolicense-pkg', '1.0.0')]), { unknownLicense: 'warn' });
    expect(warned.findings).toEqual([
      expect.objectContaining({ ruleId: 'dep-license-unknown', severity: 'low' }),
    ]);
    // The Go proxy states no licence at all; the lockfile's wins when it has one.
    const go = await check(
      delta([{ ...dep('golang', 'github.com/BurntSushi/toml', 'v1.4.0', 'go.mod'), license: 'MIT' }]),
      {},
      ['go.mod', 'go.sum'],
    );
    expect(go.findings).toEqual([]);
    expect(fake.requests).toContain('/go/github.com/!burnt!sushi/toml/@v/v1.4.0.info');
  });

  it('flags near misses of popular names and built-in module names', async () => {
    fake.addNpm('expres', { versions: { '1.0.0': { published: OLD } }, license: 'MIT', downloads: 100 });
    fake.addNpm('child_process', {
      versions: { '1.0.2': { published: OLD } },
      license: 'ISC',
      downloads: 100,
    });
    const r = await check(delta([dep('npm', 'expres', '1.0.0'), dep('npm', 'child_process', '1.0.2')]));
    expect(rules(r)).toEqual(['dep-builtin-name', 'dep-typosquat']);
    expect(typosquatOf('npm', 'lodahs')).toBe('lodash');
    expect(typosquatOf('npm', 'loadsh')).toBe('lodash');
    expect(typosquatOf('pypi', 'requets')).toBe('requests');
    expect(typosquatOf('pypi', 'Requests')).toBeUndefined();
    expect(typosquatOf('npm', 'lodash')).toBeUndefined();
    expect(typosquatOf('npm', 'zx')).toBeUndefined();
    expect(typosquatOf('npm', 'tinyglobby')).toBeUndefined();
    expect(isBuiltinName('npm', 'events')).toBe(false);
    expect(isBuiltinName('pypi', 'subprocess')).toBe(true);
    expect(editDistance('kitten', 'sitting', 5)).toBe(3);
  });

  it('asks each URL once per run, however many lockfiles name the package', async () => {
    const before = fake.requests.length;
    const r = await check(
      delta([
        dep('npm', 'left-pad-ok', '1.3.0', 'a/package-lock.json'),
        dep('npm', 'left-pad-ok', '1.3.0', 'b/package-lock.json'),
      ]),
      {},
      ['a/package-lock.json', 'a/package.json', 'b/package-lock.json', 'b/package.json'],
    );
    expect(r.requests).toBe(2); // the packument and the downloads count
    expect(fake.requests.length - before).toBe(2);
  });

  it('reports an unreachable registry as unknown: failing by default, a warning when the policy says so', async () => {
    fake.fail('/pypi/pypi/flaky', 'error500');
    fake.fail('/pypi/pypi/garbled', 'garbage');
    fake.fail('/pypi/pypi/stuck', 'hang');
    const d = delta(['flaky', 'garbled', 'stuck'].map((n) => dep('pypi', n, '1.0', 'requirements.txt')));
    const r = await check(d, {}, ['requirements.txt'], 500);
    expect(r.unknown).toBe(3);
    expect(r.findings.map((f) => [f.ruleId, f.severity])).toEqual(
      Array(3).fill(['dep-registry-unreachable', 'high']),
    );
    expect(r.findings.map((f) => f.message).join(' ')).toMatch(/HTTP 500.*not JSON.*timed out/);
    const warned = await check(d, { unreachable: 'warn' }, ['requirements.txt'], 500);
    expect(warned.findings.every((f) => f.severity === 'low')).toBe(true);
    const closed = await checkDependencies(
      delta([dep('npm', 'x-pkg', '1.0.0')]),
      ['package-lock.json', 'package.json'],
      {
        policy: { ...policy(), registries: { ...GATE_DEFAULTS.registries, npm: 'http://127.0.0.1:9' } },
        now: NOW,
        timeoutMs: 2000,
      },
    );
    expect(rules(closed)).toEqual(['dep-registry-unreachable']);
  });

  it('flags a manifest whose dependencies changed without its lockfile, and the reverse', async () => {
    const m = await check(delta([{ ...dep('npm', 'left-pad-ok', ''), source: 'web/package.json' }]), {}, [
      'web/package.json',
    ]);
    expect(rules(m)).toEqual(['dep-manifest-without-lockfile']);
    expect(rules(await check(delta([]), {}, ['web/package.json']))).toEqual([]);
    const l = await check(delta([], [dep('npm', 'left-pad-ok', '1.3.0')]), {}, ['package-lock.json']);
    expect(l.findings).toEqual([
      expect.objectContaining({ ruleId: 'dep-lockfile-without-manifest', severity: 'low' }),
    ]);
  });
});
