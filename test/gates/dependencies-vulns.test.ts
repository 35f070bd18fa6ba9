// Known-vulnerable versions: npm's bulk advisory endpoint and OSV's querybatch and vulns APIs, each a
// local fake answering in the documented formats; the version arithmetic (npm ranges, OSV events,
// CVSS v3 scores) on its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDependencies, fixedVersion, satisfies } from '../../gates/dependencies/index.js';
import { cvss3BaseScore } from '../../gates/dependencies/severity.js';
import type { Dependency, DependencyDelta } from '../../gates/types.js';
import { judge } from '../../gates/verdict.js';
import { loadDefaultPolicy } from '../../policies/index.js';
import { type RegistryFake, startRegistryFake } from '../support/registry-fake.js';

const NOW = new Date('2026-11-23T00:00:00Z');
const OLD = '2024-01-01T00:00:00.000Z';
let fake: RegistryFake;

function dep(ecosystem: Dependency['ecosystem'], name: string, version: string, source: string): Dependency {
  return { ecosystem, name, version, purl: `pkg:${ecosystem}/${name}@${version}`, source };
}

const added = (...deps: Dependency[]): DependencyDelta => ({ added: deps, removed: [], changed: [] });
const bumped = (from: string, to: Dependency): DependencyDelta => ({
  added: [],
  removed: [],
  changed: [{ from: { ...to, version: from }, to }],
});

function check(d: DependencyDelta, changed: string[], registries: Partial<RegistryFake['registries']> = {}) {
  return checkDependencies(d, changed, {
    policy: {
      ...loadDefaultPolicy().policy.gates.dependencies,
      registries: { ...fake.registries, ...registries },
    },
    now: NOW,
    timeoutMs: 2000,
  });
}

const blocking = (findings: Parameters<typeof judge>[0]) =>
  judge(findings, {
    changes: new Map(),
    blockOn: loadDefaultPolicy().policy.gates.blockOn,
    lineText: () => '',
  }).map((f) => [f.ruleId, f.severity, f.blocking]);

beforeAll(async () => {
  fake = await startRegistryFake();
  fake.addNpm('lodash', {
    versions: { '4.17.20': { published: OLD }, '4.17.21': { published: OLD } },
    license: 'MIT',
    downloads: 50_000_000,
  });
  fake.addNpmAdvisory('lodash', {
    id: 1_106_913,
    url: 'https://github.com/advisories/GHSA-35jh-r3h4-6jhm',
    title: 'Command Injection in lodash',
    severity: 'high',
    vulnerable_versions: '<4.17.21',
    cwe: ['CWE-77', 'CWE-94'],
    affects: ['4.17.20'],
  });
  fake.addNpm('minimist', {
    versions: { '1.2.5': { published: OLD }, '1.2.6': { published: OLD } },
    license: 'MIT',
    downloads: 40_000_000,
  });
  fake.addNpmAdvisory('minimist', {
    id: 1_097_677,
    url: 'https://github.com/advisories/GHSA-xvch-5gv4-984h',
    title: 'Prototype Pollution in minimist',
    severity: 'moderate',
    vulnerable_versions: '>=1.0.0 <1.2.6',
    patched_versions: '>=1.2.6',
    affects: ['1.2.5'],
  });
  fake.addPypi('jinja2', {
    versions: { '2.10': { published: OLD }, '2.10.1': { published: OLD } },
    license: 'MIT',
  });
  fake.addOsv({
    id: 'GHSA-462w-v97r-4m45',
    summary: 'Jinja2 sandbox escape via string formatting',
    aliases: ['CVE-2019-10906', 'PYSEC-2019-217'],
    database_specific: { severity: 'HIGH', cwe_ids: ['CWE-693'] },
    references: [{ type: 'ADVISORY', url: 'https://nvd.nist.gov/vuln/detail/CVE-2019-10906' }],
    affected: [
      {
        package: { ecosystem: 'PyPI', name: 'jinja2' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.10.1' }] }],
        versions: ['2.10'],
      },
    ],
  });
  fake.addGo('golang.org/x/net', { versions: { 'v0.6.0': { published: OLD } } });
  fake.addOsv({
    id: 'GO-2023-1571',
    summary: 'Denial of service via crafted HTTP/2 stream in net/http and golang.org/x/net',
    aliases: ['CVE-2022-41723', 'GHSA-vvpx-j8f3-3w6h'],
    affected: [
      {
        package: { ecosystem: 'Go', name: 'golang.org/x/net' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '0.7.0' }] }],
        versions: ['0.6.0'],
      },
    ],
  });
  fake.addCrate('smallvec', {
    versions: { '1.6.0': { published: OLD, license: 'MIT OR Apache-2.0' } },
  });
  fake.addOsv({
    id: 'RUSTSEC-2021-0003',
    summary: 'Buffer overflow in SmallVec::insert_many',
    aliases: ['CVE-2021-25900'],
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
    affected: [
      {
        package: { ecosystem: 'crates.io', name: 'smallvec' },
        ranges: [
          {
            type: 'SEMVER',
            events: [
              { introduced: '0.6.3' },
              { fixed: '0.6.14' },
              { introduced: '1.0.0' },
              { fixed: '1.6.1' },
            ],
          },
        ],
        versions: ['1.6.0'],
      },
    ],
  });
});
afterAll(() => fake.close());

describe('known-vulnerable versions', () => {
  it('blocks an npm dependency bumped to a vulnerable version, with the advisory id and the fixed version', async () => {
    const r = await check(bumped('4.17.19', dep('npm', 'lodash', '4.17.20', 'package-lock.json')), [
      'package-lock.json',
      'package.json',
    ]);
    expect(blocking(r.findings)).toEqual([['dep-vulnerable', 'high', true]]);
    const [f] = r.findings;
    expect(f?.message).toBe(
      'lodash@4.17.20 has a known vulnerability, GHSA-35jh-r3h4-6jhm: Command Injection in lodash (severity high; fixed in 4.17.21). https://github.com/advisories/GHSA-35jh-r3h4-6jhm',
    );
    expect(f?.fix).toBe('Upgrade lodash to 4.17.21 or later.');
    expect(f?.cwe).toEqual(['CWE-77', 'CWE-94']);
    expect(f?.file).toBe('package-lock.json');
    // One request for every npm version in the change, in the documented body.
    expect(fake.posts.at(-1)).toEqual({
      path: '/npm/-/npm/v1/security/advisories/bulk',
      body: { lodash: ['4.17.20'] },
    });
    // The fixed version itself passes.
    const fixed = await check(bumped('4.17.20', dep('npm', 'lodash', '4.17.21', 'package-lock.json')), [
      'package-lock.json',
      'package.json',
    ]);
    expect(fixed.findings).toEqual([]);
  });

  it("maps npm's moderate to medium (not blocking by default) and reads patched_versions", async () => {
    const r = await check(added(dep('npm', 'minimist', '1.2.5', 'package-lock.json')), [
      'package-lock.json',
      'package.json',
    ]);
    expect(blocking(r.findings)).toEqual([['dep-vulnerable', 'medium', false]]);
    expect(r.findings[0]?.message).toMatch(
      /GHSA-xvch-5gv4-984h: Prototype Pollution in minimist \(severity medium; fixed in 1\.2\.6\)/,
    );
  });

  it('asks OSV for PyPI, crates.io and Go versions in one querybatch, then each advisory by id', async () => {
    const before = fake.requests.length;
    const r = await check(
      added(
        dep('pypi', 'jinja2', '2.10', 'requirements.txt'),
        { ...dep('golang', 'golang.org/x/net', 'v0.6.0', 'go.mod'), license: 'BSD-3-Clause' },
        dep('cargo', 'smallvec', '1.6.0', 'Cargo.lock'),
      ),
      ['requirements.txt', 'go.mod', 'go.sum', 'Cargo.lock', 'Cargo.toml'],
    );
    const byRule = r.findings.map((f) => [f.ruleId, f.severity, f.file]);
    expect(byRule).toEqual([
      ['dep-vulnerable', 'high', 'requirements.txt'],
      ['dep-vulnerable', 'high', 'go.mod'],
      ['dep-vulnerable', 'critical', 'Cargo.lock'],
    ]);
    const [jinja, net, smallvec] = r.findings.map((f) => f.message);
    expect(jinja).toBe(
      'jinja2@2.10 has a known vulnerability, GHSA-462w-v97r-4m45 (CVE-2019-10906, PYSEC-2019-217): Jinja2 sandbox escape via string formatting (severity high; fixed in 2.10.1). https://nvd.nist.gov/vuln/detail/CVE-2019-10906',
    );
    // Go's database states no severity: taken as high. Its versions lose their `v` on the way to OSV
    // and get it back in the report.
    expect(net).toMatch(
      /^golang\.org\/x\/net@v0\.6\.0 has a known vulnerability, GHSA-vvpx-j8f3-3w6h \(GO-2023-1571, CVE-2022-41723\): .* \(no severity stated, taken as high; fixed in v0\.7\.0\)/,
    );
    // Only a CVSS vector: its base score (9.8) rates it critical; the range holding 1.6.0 is fixed in 1.6.1.
    expect(smallvec).toMatch(
      /RUSTSEC-2021-0003 \(CVE-2021-25900\): .*\(severity critical; fixed in 1\.6\.1\)/,
    );
    const batch = fake.posts.find(
      (p) => p.path === '/osv/v1/querybatch' && JSON.stringify(p.body).includes('jinja2'),
    );
    expect(batch?.body).toEqual({
      queries: [
        { package: { name: 'jinja2', ecosystem: 'PyPI' }, version: '2.10' },
        { package: { name: 'golang.org/x/net', ecosystem: 'Go' }, version: '0.6.0' },
        { package: { name: 'smallvec', ecosystem: 'crates.io' }, version: '1.6.0' },
      ],
    });
    const asked = fake.requests.slice(before).filter((p) => p.startsWith('/osv/'));
    expect(asked.sort()).toEqual([
      '/osv/v1/querybatch',
      '/osv/v1/vulns/GHSA-462w-v97r-4m45',
      '/osv/v1/vulns/GO-2023-1571',
      '/osv/v1/vulns/RUSTSEC-2021-0003',
    ]);
  });

  it('reports an advisory database that cannot be asked once per ecosystem, and runs the other checks', async () => {
    const r = await check(
      added(
        dep('npm', 'lodash', '4.17.20', 'package-lock.json'),
        dep('npm', 'minimist', '1.2.5', 'package-lock.json'),
      ),
      ['package-lock.json', 'package.json'],
      { npmAdvisories: 'http://127.0.0.1:9' },
    );
    expect(r.findings.map((f) => [f.ruleId, f.severity])).toEqual([['dep-registry-unreachable', 'high']]);
    expect(r.findings[0]?.message).toMatch(
      /^2 npm dependencies could not be checked \(lodash@4\.17\.20, minimist@1\.2\.5\): the npm registry's advisory endpoint \(http:\/\/127\.0\.0\.1:9\) did not answer for 2 of them: /,
    );
    expect(r.unknown).toBe(2);
  });
});

describe('npm version ranges and fixed versions', () => {
  it('reads the ranges advisories write', () => {
    expect(satisfies('4.17.20', '<4.17.21')).toBe(true);
    expect(satisfies('4.17.21', '<4.17.21')).toBe(false);
    expect(satisfies('1.2.5', '>=1.0.0 <1.2.6')).toBe(true);
    expect(satisfies('2.0.1', '>= 1.0.0 < 1.2.6 || >=2.0.0 <2.0.2')).toBe(true);
    expect(satisfies('1.3.0', '^1.2.0')).toBe(true);
    expect(satisfies('2.0.0', '^1.2.0')).toBe(false);
    expect(satisfies('0.2.9', '^0.2.3')).toBe(true);
    expect(satisfies('0.3.0', '^0.2.3')).toBe(false);
    expect(satisfies('1.2.9', '~1.2.3')).toBe(true);
    expect(satisfies('1.4.0', '1.2.3 - 1.4.0')).toBe(true);
    expect(satisfies('1.9.9', '1.x')).toBe(true);
    expect(satisfies('3.0.0', '*')).toBe(true);
    expect(satisfies('1.0.0-beta.2', '<1.0.0')).toBe(true);
    expect(satisfies('1.0.0', 'not a range')).toBeUndefined();
  });

  it('finds the first version that leaves the range', () => {
    expect(fixedVersion('4.17.20', '<4.17.21')).toBe('4.17.21');
    expect(fixedVersion('1.2.5', '>=1.0.0 <1.2.6')).toBe('1.2.6');
    expect(fixedVersion('2.0.1', '>=1.0.0 <1.2.6 || >=2.0.0 <2.0.2')).toBe('2.0.2');
    // Adjacent parts are stepped over.
    expect(fixedVersion('1.0.0', '<1.2.0 || >=1.2.0 <1.3.0')).toBe('1.3.0');
    expect(fixedVersion('1.5.0', '^1.0.0')).toBe('2.0.0');
    expect(fixedVersion('1.2.3', '<=1.2.3')).toBe('>1.2.3');
    expect(fixedVersion('3.0.0', '>=2.0.0')).toBeUndefined();
    expect(fixedVersion('1.0.0', '<2.0.0', '>=1.5.0')).toBe('1.5.0');
    expect(fixedVersion('5.0.0', '<2.0.0')).toBeUndefined(); // not vulnerable at all
  });

  it('scores CVSS v3 vectors by the specification', () => {
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')).toBe(9.8);
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N')).toBe(6.1);
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H')).toBe(7.5);
    expect(cvss3BaseScore('CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H')).toBe(7.8);
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H')).toBe(9.9);
    expect(cvss3BaseScore('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N')).toBeUndefined();
  });
});
