import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkDependencies,
  editDistance,
  isBuiltinName,
  ownPackages,
  typosquat,
  typosquatOf,
} from '../../gates/dependencies/index.js';
import type { Dependency, DependencyDelta } from '../../gates/types.js';
import { loadDefaultPolicy } from '../../policies/index.js';
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
  own = ownPackages([]),
) {
  return checkDependencies(d, changed, { policy: policy(over), now: NOW, timeoutMs, own });
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
    expect(r.requests).toBe(3); // the packument, the downloads count and the advisories of both
    expect(fake.requests.length - before).toBe(3);
  });

  it('reports an unreachable registry as unknown, once per ecosystem: failing by default, a warning when the policy says so', async () => {
    fake.fail('/pypi/pypi/flaky', 'error500');
    fake.fail('/pypi/pypi/garbled', 'garbage');
    fake.fail('/pypi/pypi/stuck', 'hang');
    const d = delta(['flaky', 'garbled', 'stuck'].map((n) => dep('pypi', n, '1.0', 'requirements.txt')));
    const r = await check(d, {}, ['requirements.txt'], 500);
    expect(r.unknown).toBe(3);
    expect(r.findings.map((f) => [f.ruleId, f.severity, f.file])).toEqual([
      ['dep-registry-unreachable', 'high', 'requirements.txt'],
    ]);
    expect(r.findings[0]?.message).toMatch(
      /^3 PyPI dependencies could not be checked \(flaky@1\.0, garbled@1\.0, stuck@1\.0\)/,
    );
    expect(r.findings[0]?.message).toMatch(/HTTP 500/);
    expect(r.findings[0]?.message).toMatch(/not JSON/);
    expect(r.findings[0]?.message).toMatch(/timed out/);
    const warned = await check(d, { unreachable: 'warn' }, ['requirements.txt'], 500);
    expect(warned.findings.map((f) => [f.ruleId, f.severity])).toEqual([['dep-registry-unreachable', 'low']]);
    const closed = await checkDependencies(
      delta([dep('npm', 'x-pkg', '1.0.0')]),
      ['package-lock.json', 'package.json'],
      {
        policy: { ...policy(), registries: { ...fake.registries, npm: 'http://127.0.0.1:9' } },
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

describe('names, against the maintained popularity list', () => {
  it('flags a near miss of a popular npm name with the name and the distance; a popular name never', async () => {
    fake.addNpm('expresss', { versions: { '1.0.0': { published: OLD } }, license: 'MIT', downloads: 900 });
    fake.addNpm('lodahs', { versions: { '1.0.0': { published: OLD } }, license: 'MIT', downloads: 900 });
    fake.addNpm('nypm', { versions: { '0.6.0': { published: OLD } }, license: 'MIT', downloads: 5_000_000 });
    const r = await check(
      delta([dep('npm', 'expresss', '1.0.0'), dep('npm', 'lodahs', '1.0.0'), dep('npm', 'nypm', '0.6.0')]),
    );
    expect(r.findings.map((f) => [f.ruleId, f.message])).toEqual([
      [
        'dep-typosquat',
        "expresss is 1 edit away from the popular package express, on npm's high-impact list: a typosquat, or a name a model invented.",
      ],
      [
        'dep-typosquat',
        "lodahs is 1 edit away from the popular package lodash, on npm's high-impact list: a typosquat, or a name a model invented.",
      ],
    ]);
    expect(r.findings[0]?.fix).toBe(
      'If you meant express, depend on it; otherwise list expresss under gates.dependencies.allow.',
    );
    // nypm is one letter from npm, and popular itself.
    expect(typosquat('npm', 'nypm')).toBeUndefined();
    expect(typosquat('npm', 'expresss')).toEqual({ popular: 'express', distance: 1, how: 'typo' });
    expect(typosquat('npm', 'lodahs')).toEqual({ popular: 'lodash', distance: 1, how: 'typo' });
  });

  it("knows the common typo shapes, and leaves real packages and other owners' scopes alone", () => {
    expect(typosquat('npm', 'crossenv')).toMatchObject({ popular: 'cross-env', distance: 1 });
    expect(typosquat('npm', 'electorn')).toMatchObject({ popular: 'electron', distance: 1 });
    expect(typosquat('npm', 'mongose')).toMatchObject({ popular: 'mongoose', distance: 1 });
    expect(typosquat('npm', 'jquerry')).toMatchObject({ popular: 'jquery', distance: 1 });
    expect(typosquat('npm', 'types-node')).toMatchObject({ popular: '@types/node', how: 'separators' });
    expect(typosquat('npm', 'dom-react')).toMatchObject({ popular: 'react-dom', how: 'word order' });
    expect(typosquat('npm', '@bable/core')).toMatchObject({
      popular: '@babel/core',
      how: 'scope',
      distance: 1,
    });
    // A scope is its owner's: another package of @babel is not a near miss of one.
    expect(typosquat('npm', '@babel/cor')).toBeUndefined();
    for (const real of ['tinyglobby', 'caniuse-lite', 'left-pad-ok', 'zx', 'expresso', 'my-app']) {
      expect(typosquat('npm', real), real).toBeUndefined();
    }
    // Other ecosystems keep their short list.
    expect(typosquat('pypi', 'reqeusts')).toMatchObject({ popular: 'requests', distance: 1 });
  });

  it('judges only names the change brings in, and not the ones another package pulls in', async () => {
    const lodahs = dep('npm', 'lodahs', '1.0.0');
    expect(rules(await check(delta([], [lodahs])))).toEqual([]);
    expect(rules(await check(delta([{ ...lodahs, direct: false }])))).toEqual([]);
    expect(rules(await check(delta([{ ...lodahs, direct: true }])))).toEqual(['dep-typosquat']);
  });
});

describe("licences: data licences and the repository's own packages", () => {
  it('passes the common data licences by default', async () => {
    fake.addNpm('caniuse-lite', {
      versions: { '1.0.30001600': { published: OLD } },
      license: 'CC-BY-4.0',
      downloads: 50_000_000,
    });
    fake.addNpm('spdx-data', {
      versions: { '1.0.0': { published: OLD } },
      license: 'CC-BY-3.0',
      downloads: 9_000,
    });
    fake.addNpm('public-data', {
      versions: { '1.0.0': { published: OLD } },
      license: 'CC0-1.0',
      downloads: 9_000,
    });
    const r = await check(
      delta([
        dep('npm', 'caniuse-lite', '1.0.30001600'),
        dep('npm', 'spdx-data', '1.0.0'),
        dep('npm', 'public-data', '1.0.0'),
      ]),
    );
    expect(r.findings).toEqual([]);
  });

  it("does not call the repository's own packages unknown: private, UNLICENSED, workspaces, local specs", async () => {
    const own = ownPackages([
      {
        path: 'package.json',
        content: '\uFEFF{"name":"acme-root","private":true,"workspaces":["packages/*"]}',
      },
      {
        path: 'packages/app/package.json',
        content: '{"name":"@acme/app","private":true,"license":"UNLICENSED"}',
      },
      { path: 'tools/Cargo.toml', content: '[package]\nname = "acme_tools"\nversion = "0.1.0"\n' },
      { path: 'broken/package.json', content: '{ not json' },
    ]);
    fake.addNpm('acme-root', { versions: { '2.0.0': { published: OLD } }, downloads: 9_000 });
    const before = fake.requests.length;
    const r = await check(
      delta([
        // Not published: the workspace package itself.
        { ...dep('npm', '@acme/app', '1.0.0'), license: 'UNLICENSED' },
        // Published under the same name, with no licence: the name is ours, its licence is not judged.
        dep('npm', 'acme-root', '2.0.0'),
        dep('cargo', 'acme-tools', '0.1.0', 'Cargo.lock'),
        // Local code by its spec: not asked about at all.
        dep('npm', 'linked-lib', 'file:../linked-lib'),
        dep('npm', 'ws-lib', 'workspace:*'),
      ]),
      {},
      ['package-lock.json', 'package.json', 'Cargo.lock', 'Cargo.toml'],
      5000,
      own,
    );
    expect(r.findings).toEqual([]);
    expect(fake.requests.slice(before).some((p) => p.includes('linked-lib') || p.includes('ws-lib'))).toBe(
      false,
    );
    // Someone else's UNLICENSED package is proprietary: denied unless the policy lists UNLICENSED.
    fake.addNpm('closed-pkg', {
      versions: { '1.0.0': { published: OLD } },
      license: 'UNLICENSED',
      downloads: 9_000,
    });
    const closed = await check(delta([dep('npm', 'closed-pkg', '1.0.0')]));
    expect(closed.findings.map((f) => [f.ruleId, f.message])).toEqual([
      ['dep-license-denied', 'closed-pkg@1.0.0 is UNLICENSED: its author grants no licence to use it.'],
    ]);
    const listed = await check(delta([dep('npm', 'closed-pkg', '1.0.0')]), {
      licenses: [...policy().licenses, 'UNLICENSED'],
    });
    expect(listed.findings).toEqual([]);
  });

  it('groups the dependencies of one file that state no licence into one finding', async () => {
    for (const n of ['bare-a', 'bare-b', 'bare-c']) {
      fake.addNpm(n, { versions: { '1.0.0': { published: OLD } }, downloads: 9_000 });
    }
    const r = await check(delta(['bare-a', 'bare-b', 'bare-c'].map((n) => dep('npm', n, '1.0.0'))));
    expect(r.findings.map((f) => [f.ruleId, f.file, f.message])).toEqual([
      [
        'dep-license-unknown',
        'package-lock.json',
        '3 dependencies (bare-a@1.0.0, bare-b@1.0.0, bare-c@1.0.0): no licence is stated, so they cannot be checked against the policy.',
      ],
    ]);
  });
});
