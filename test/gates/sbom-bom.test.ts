import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  buildBom,
  CYCLONEDX_LIBRARY_VERSION,
  collectDependencies,
  parseDependencyFile,
  SOURCE_PROPERTY,
  validateBom,
} from '../../gates/sbom/index.js';
import type { Dependency } from '../../gates/types.js';
import { VERSION } from '../../gates/version.js';
import { dep, lockfixture } from './sbom-fixtures.js';

interface Component {
  type: string;
  name: string;
  group?: string;
  version?: string;
  purl: string;
  'bom-ref': string;
  licenses?: Record<string, unknown>[];
  properties?: { name: string; value: string }[];
}

const components = (bom: Record<string, unknown>) => bom.components as Component[];
const meta = { name: 'demo', serialSeed: 'head:0123abc' };

function allFixtures(): Dependency[] {
  return collectDependencies([
    { path: 'package.json', content: lockfixture('npm.package.json') },
    { path: 'package-lock.json', content: lockfixture('npm-v3.package-lock.json') },
    { path: 'apps/web/pnpm-lock.yaml', content: lockfixture('pnpm-v9.pnpm-lock.yaml') },
    { path: 'apps/old/yarn.lock', content: lockfixture('yarn-berry.yarn.lock') },
    { path: 'api/requirements.txt', content: lockfixture('pip.requirements.txt') },
    { path: 'worker/poetry.lock', content: lockfixture('poetry.poetry.lock') },
    { path: 'svc/go.mod', content: lockfixture('service.go.mod') },
    { path: 'cli/Cargo.lock', content: lockfixture('workspace.Cargo.lock') },
  ]);
}

describe('buildBom', () => {
  it('the BOM of every fixture is valid CycloneDX 1.6', async () => {
    const deps = allFixtures();
    const bom = buildBom(deps, { ...meta, version: '1.2.3', timestamp: new Date('2024-04-01T00:00:00Z') });
    expect(await validateBom(bom)).toBeNull();
    expect(bom).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1 });
    expect(components(bom)).toHaveLength(deps.length);
  });

  it('an empty BOM is valid and still names the project and the tools', async () => {
    const bom = buildBom([], { name: 'empty', serialSeed: 'x' });
    expect(await validateBom(bom)).toBeNull();
    expect(bom.metadata).toEqual({
      tools: {
        components: [
          { type: 'application', name: 'agentgate', version: VERSION },
          {
            type: 'library',
            group: '@cyclonedx',
            name: 'cyclonedx-library',
            version: CYCLONEDX_LIBRARY_VERSION,
          },
        ],
      },
      component: { type: 'application', name: 'empty' },
    });
    expect(bom.components).toEqual([]);
  });

  it('scoped npm packages get a group, and purl and bom-ref are the purl', async () => {
    const deps = parseDependencyFile('pnpm-lock.yaml', lockfixture('pnpm-v6.pnpm-lock.yaml'));
    const bom = buildBom(deps, meta);
    expect(await validateBom(bom)).toBeNull();
    const query = components(bom).find((c) => c.name === 'react-query');
    expect(query).toEqual({
      type: 'library',
      group: '@tanstack',
      name: 'react-query',
      version: '5.28.4',
      'bom-ref': 'pkg:npm/%40tanstack/react-query@5.28.4',
      purl: 'pkg:npm/%40tanstack/react-query@5.28.4',
      properties: [
        { name: 'agentgate:direct', value: 'true' },
        { name: SOURCE_PROPERTY, value: 'pnpm-lock.yaml' },
      ],
    });
    // Go modules keep their whole path as the name.
    const go = buildBom(
      [dep('github.com/google/uuid', 'v1.6.0', { ecosystem: 'golang', source: 'go.mod' })],
      meta,
    );
    expect(components(go)[0]).toMatchObject({ name: 'github.com/google/uuid', version: 'v1.6.0' });
    expect(components(go)[0]?.group).toBeUndefined();
  });

  it('licences: a known SPDX id as id, operators as an expression, anything else as a name', async () => {
    const deps = [
      dep('a', '1.0.0', { license: 'mit' }),
      dep('b', '1.0.0', { license: '(MIT OR Apache-2.0)' }),
      dep('c', '1.0.0', { license: 'Apache-2.0 WITH LLVM-exception' }),
      dep('d', '1.0.0', { license: 'SEE LICENSE IN LICENSE.md' }),
      dep('e', '1.0.0', { license: 'UNLICENSED' }),
      dep('f', '1.0.0'),
    ];
    const bom = buildBom(deps, meta);
    expect(await validateBom(bom)).toBeNull();
    expect(components(bom).map((c) => c.licenses)).toEqual([
      [{ license: { id: 'MIT' } }],
      [{ expression: '(MIT OR Apache-2.0)' }],
      [{ expression: 'Apache-2.0 WITH LLVM-exception' }],
      [{ license: { name: 'SEE LICENSE IN LICENSE.md' } }],
      [{ license: { name: 'UNLICENSED' } }],
      undefined,
    ]);
  });

  it('a manifest range becomes a component without a version, still valid', async () => {
    const bom = buildBom([dep('chalk', '', { source: 'package.json', direct: true })], meta);
    expect(await validateBom(bom)).toBeNull();
    expect(components(bom)[0]).toMatchObject({ name: 'chalk', purl: 'pkg:npm/chalk' });
    expect(components(bom)[0]?.version).toBeUndefined();
  });

  it('the same input in any order gives byte-identical output, one component per purl', () => {
    const deps = allFixtures();
    const a = JSON.stringify(buildBom(deps, meta));
    const b = JSON.stringify(buildBom([...deps].reverse().concat(deps.slice(0, 3)), meta));
    expect(b).toBe(a);
    const purls = components(JSON.parse(a)).map((c) => c.purl);
    expect(new Set(purls).size).toBe(purls.length);
    expect(purls.length).toBe(deps.length);
  });

  it('serialNumber is a UUIDv5 URN fixed by the seed; the timestamp appears only when given', () => {
    const one = buildBom([], { name: 'x', serialSeed: 'head:abc' });
    const again = buildBom([], { name: 'other', serialSeed: 'head:abc' });
    const other = buildBom([], { name: 'x', serialSeed: 'base:abc' });
    expect(one.serialNumber).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(again.serialNumber).toBe(one.serialNumber);
    expect(other.serialNumber).not.toBe(one.serialNumber);
    expect((one.metadata as Record<string, unknown>).timestamp).toBeUndefined();
    const stamped = buildBom([], { name: 'x', serialSeed: 's', timestamp: new Date('2024-04-01T12:00:00Z') });
    expect((stamped.metadata as Record<string, unknown>).timestamp).toBe('2024-04-01T12:00:00.000Z');
  });

  it('the component source property names the file the dependency was read from', () => {
    const bom = buildBom(allFixtures(), meta);
    const source = (purl: string) =>
      components(bom)
        .find((c) => c.purl === purl)
        ?.properties?.find((p) => p.name === SOURCE_PROPERTY)?.value;
    expect(source('pkg:cargo/serde@1.0.197')).toBe('cli/Cargo.lock');
    expect(source('pkg:pypi/django@4.2.11')).toBe('api/requirements.txt');
    expect(source('pkg:npm/chalk')).toBe('package.json');
  });
});

describe('validateBom', () => {
  it('reports what is wrong with an invalid BOM, as text', async () => {
    const bom = buildBom([dep('a', '1.0.0')], meta);
    const broken = { ...bom, serialNumber: 'not-a-urn' };
    expect(await validateBom(broken)).toMatch(/^\/serialNumber must match pattern/);
    const nameless = { ...bom, components: [{ type: 'library' }] };
    expect(await validateBom(nameless)).toMatch(/^\/components\/0 must have required property 'name'/);
    expect(await validateBom({ bomFormat: 'SPDX' })).not.toBeNull();
  });

  it('accepts the BOM as JSON text too, and says when the text is not JSON', async () => {
    expect(await validateBom(JSON.stringify(buildBom([], meta)))).toBeNull();
    expect(await validateBom('{"bomFormat": ')).toMatch(/^not valid JSON \(/);
  });

  it('a large BOM is checked in slices: errors keep their index, duplicates across slices are caught', async () => {
    const deps = Array.from({ length: 1500 }, (_, i) => dep(`pkg-${i}`, '1.0.0', { license: 'MIT' }));
    const bom = buildBom(deps, meta);
    expect(await validateBom(bom)).toBeNull();
    const comps = components(bom);
    const broken = comps.map((c, i) => (i === 1234 ? { ...c, type: 'gadget' } : c));
    expect(await validateBom({ ...bom, components: broken })).toMatch(
      /^\/components\/1234\/type must be equal to one/,
    );
    const reordered = { purl: comps[3]?.purl, ...comps[3] };
    expect(await validateBom({ ...bom, components: [...comps, reordered] })).toBe(
      '/components must NOT have duplicate items (items ## 3 and 1500 are identical)',
    );
  });
});

describe('the CycloneDX library', () => {
  it('CYCLONEDX_LIBRARY_VERSION is the installed version', () => {
    const pkg = createRequire(import.meta.url).resolve('@cyclonedx/cyclonedx-library/package.json');
    expect(JSON.parse(readFileSync(pkg, 'utf8')).version).toBe(CYCLONEDX_LIBRARY_VERSION);
  });

  it('the compiled schema is what scripts/gen-bom-validator.mjs generates from the installed library', () => {
    // Exits 1 with a message when gates/sbom/bom-schema.generated.js is out of date.
    const root = fileURLToPath(new URL('../../', import.meta.url));
    execFileSync(process.execPath, ['scripts/gen-bom-validator.mjs', '--check'], {
      cwd: root,
      stdio: 'pipe',
    });
  });

  it('the compiled schema judges BOMs as the library’s own strict validator does', async () => {
    const { JsonStrictValidator } = await import('@cyclonedx/cyclonedx-library/Validation');
    const { Version } = await import('@cyclonedx/cyclonedx-library/Spec');
    const library = new JsonStrictValidator(Version.v1dot6);
    const bom = buildBom([dep('a', '1.0.0', { license: 'MIT' }), dep('@s/b', '2.0.0')], meta);
    const cases: unknown[] = [
      bom,
      buildBom([], meta),
      { ...bom, serialNumber: 'not-a-urn' },
      { ...bom, components: [{ type: 'library' }] },
      { ...bom, metadata: { ...(bom.metadata as object), timestamp: 'yesterday' } },
      {
        ...bom,
        components: [{ type: 'library', name: 'x', externalReferences: [{ type: 'website', url: 'x' }] }],
      },
      { ...bom, metadata: { authors: [{ name: 'a', email: 'not an email' }] } },
      { ...bom, metadata: { authors: [{ name: 'a', email: 'a@example.com' }] } },
      { bomFormat: 'SPDX' },
    ];
    for (const [i, c] of cases.entries()) {
      const theirs = await library.validate(JSON.stringify(c));
      expect((await validateBom(c)) === null, `case ${i}: ${JSON.stringify(theirs)}`).toBe(theirs === null);
    }
  });
});

/** A package-lock.json with `count` installs: hoisted, scoped and nested copies, with licences. */
function bigLock(count: number): string {
  const packages: Record<string, unknown> = {};
  const rootDeps: Record<string, string> = {};
  const licenses = ['MIT', 'ISC', 'Apache-2.0', '(MIT OR Apache-2.0)', 'BSD-3-Clause'];
  for (let i = 0; i < count; i++) {
    const name = i % 7 === 0 ? `@scope${i % 13}/pkg-${i}` : `pkg-${i}`;
    const key = i % 10 === 9 ? `node_modules/pkg-${i - 1}/node_modules/${name}` : `node_modules/${name}`;
    if (i % 50 === 0) rootDeps[name] = `^${i % 5}.0.0`;
    packages[key] = {
      version: `${i % 5}.${i % 11}.${i % 3}`,
      resolved: `https://registry.npmjs.org/${name}/-/pkg-${i}.tgz`,
      integrity: 'sha512-placeholder==',
      license: licenses[i % licenses.length],
      ...(i % 4 === 0 ? { dev: true } : {}),
    };
  }
  packages[''] = { name: 'big', version: '1.0.0', dependencies: rootDeps };
  return JSON.stringify(
    { name: 'big', version: '1.0.0', lockfileVersion: 3, requires: true, packages },
    null,
    2,
  );
}

describe('at scale', () => {
  it('parses a 5,000-package package-lock.json and builds and validates its BOM (timings on stderr)', async () => {
    const content = bigLock(5000);
    const t0 = performance.now();
    const deps = collectDependencies([{ path: 'package-lock.json', content }]);
    const t1 = performance.now();
    const bom = buildBom(deps, meta);
    const t2 = performance.now();
    const invalid = await validateBom(bom);
    const t3 = performance.now();
    const again = await validateBom(bom);
    const t4 = performance.now();
    expect(deps).toHaveLength(5000);
    expect(deps.filter((d) => d.direct)).toHaveLength(100);
    expect(invalid).toBeNull();
    expect(again).toBeNull();
    process.stderr.write(
      `sbom at scale: ${(content.length / 1e6).toFixed(1)} MB lockfile, ${deps.length} packages: ` +
        `parse ${(t1 - t0).toFixed(0)} ms, build ${(t2 - t1).toFixed(0)} ms, ` +
        `validate ${(t3 - t2).toFixed(0)} ms (first, compiles the schema), ${(t4 - t3).toFixed(0)} ms (again)\n`,
    );
  });
});
