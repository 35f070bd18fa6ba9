import { describe, expect, it } from 'vitest';
import {
  collectDependencies,
  compareVersions,
  dependencyDelta,
  type RangedDependency,
  readDependencies,
} from '../../gates/sbom/index.js';
import { dep, directIds, ids, lockfixture } from './sbom-fixtures.js';

describe('collectDependencies', () => {
  it('a lockfile beside the manifest gives exact versions; a name it lacks is kept without one', () => {
    const deps = collectDependencies([
      { path: 'package.json', content: lockfixture('npm.package.json') },
      { path: 'package-lock.json', content: lockfixture('npm-v3.package-lock.json') },
    ]);
    // chalk is only in the manifest; demo-lib is the lockfile's link to a workspace, not a dependency.
    expect(deps.filter((d) => d.version === '').map((d) => d.purl)).toEqual(['pkg:npm/chalk']);
    expect(deps.find((d) => d.name === 'chalk')).toMatchObject({ source: 'package.json', direct: true });
    // Every locked name the manifest names appears once per locked version, not as a range.
    expect(ids(deps.filter((d) => d.name === 'debug'))).toEqual(['debug@3.2.7', 'debug@4.3.4']);
    expect(deps.filter((d) => d.name === 'typescript').map((d) => d.source)).toEqual(['package-lock.json']);
  });

  it("a workspace's own package, named by another manifest, is not a dependency", () => {
    const deps = collectDependencies([
      { path: 'package.json', content: lockfixture('npm.package.json') },
      { path: 'package-lock.json', content: lockfixture('npm-v3.package-lock.json') },
      {
        path: 'packages/lib/package.json',
        content: '{"name": "demo-lib", "dependencies": {"ms": "^2.1.3"}}',
      },
    ]);
    expect(deps.some((d) => d.name === 'demo-lib' || d.name === 'demo-app')).toBe(false);
    // The workspace's manifest is completed by the root lockfile, the nearest enclosing one.
    expect(ids(deps.filter((d) => d.name === 'ms'))).toEqual(['ms@2.1.2', 'ms@2.1.3']);
  });

  it('yarn.lock learns which entries are direct from the package.json beside it, by request', () => {
    const deps = collectDependencies([
      { path: 'web/yarn.lock', content: lockfixture('yarn-v1.yarn.lock') },
      { path: 'web/package.json', content: lockfixture('npm.package.json') },
      { path: 'web/packages/lib/package.json', content: '{"name": "demo-lib"}' },
    ]);
    expect(directIds(deps)).toEqual([
      '@babel/code-frame@7.24.2',
      'chalk@', // not in the lockfile
      'debug@4.3.4', // debug@^4.3.4, not the transitive debug@^3.2.7
      'fsevents@2.3.3',
      'string-width@4.2.3', // string-width-cjs@npm:string-width@^4.2.3
      'typescript@5.4.5',
    ]);
    expect(deps.find((d) => d.purl === 'pkg:npm/debug@3.2.7')?.direct).toBe(false);
    expect(deps.find((d) => d.purl === 'pkg:npm/string-width@5.1.2')?.direct).toBe(false);
  });

  it('yarn berry requests match package.json ranges without the npm: protocol', () => {
    const deps = collectDependencies([
      { path: 'yarn.lock', content: lockfixture('yarn-berry.yarn.lock') },
      { path: 'package.json', content: lockfixture('npm.package.json') },
    ]);
    expect(directIds(deps)).toEqual([
      '@babel/code-frame@7.24.2',
      'chalk@', // not in this lockfile
      'debug@4.3.4',
      'fsevents@',
      'string-width@4.2.3',
      'typescript@5.4.5',
    ]);
    expect(deps.find((d) => d.name === 'resolve')?.direct).toBe(false);
  });

  it('a hand-edited range that matches no yarn request still marks every version of the name direct', () => {
    const deps = collectDependencies([
      { path: 'yarn.lock', content: 'ms@^2.0.0:\n  version "2.1.3"\n\nms@2.1.2:\n  version "2.1.2"\n' },
      { path: 'package.json', content: '{"dependencies": {"ms": "^2.1.0"}}' },
    ]);
    expect(directIds(deps)).toEqual(['ms@2.1.2', 'ms@2.1.3']);
  });

  it('a manifest in a folder without a lockfile above it keeps its ranges', () => {
    const deps = collectDependencies([
      { path: 'tools/package.json', content: '{"devDependencies": {"@scope/cli": "^2"}}' },
      { path: 'web/package-lock.json', content: lockfixture('npm-v2.package-lock.json') },
    ]);
    expect(deps.map((d) => d.purl)).toEqual([
      'pkg:npm/%40scope/cli',
      'pkg:npm/%40types/node@20.11.30',
      'pkg:npm/left-pad@1.3.0',
      'pkg:npm/undici-types@5.26.5',
    ]);
  });

  it('dedupes by purl across lockfiles, keeping the first source and any direct flag', () => {
    const deps = collectDependencies([
      { path: 'b/package-lock.json', content: lockfixture('npm-v2.package-lock.json') },
      {
        path: 'a/package-lock.json',
        content: JSON.stringify({
          lockfileVersion: 3,
          packages: { '': {}, 'node_modules/left-pad': { version: '1.3.0', license: 'WTFPL' } },
        }),
      },
    ]);
    expect(deps.filter((d) => d.name === 'left-pad')).toEqual([
      {
        ecosystem: 'npm',
        name: 'left-pad',
        version: '1.3.0',
        purl: 'pkg:npm/left-pad@1.3.0',
        source: 'a/package-lock.json',
        direct: true,
        license: 'WTFPL',
      },
    ]);
  });

  it('sorts across ecosystems by ecosystem, name and version, whatever the input order', () => {
    const files = [
      { path: 'go.mod', content: lockfixture('service.go.mod') },
      { path: 'requirements.txt', content: lockfixture('pip-compile.requirements.txt') },
      { path: 'Cargo.lock', content: lockfixture('workspace.Cargo.lock') },
      { path: 'pnpm-lock.yaml', content: lockfixture('pnpm-v6.pnpm-lock.yaml') },
      { path: 'README.md', content: '# not a dependency file' },
    ];
    const forward = collectDependencies(files);
    expect(collectDependencies([...files].reverse())).toEqual(forward);
    expect([...new Set(forward.map((d) => d.ecosystem))]).toEqual(['cargo', 'golang', 'npm', 'pypi']);
    expect(ids(forward.filter((d) => d.name === 'syn'))).toEqual(['syn@1.0.109', 'syn@2.0.55']);
  });

  it('one malformed file fails the whole collection with that file named', () => {
    expect(() =>
      collectDependencies([
        { path: 'go.mod', content: lockfixture('service.go.mod') },
        { path: 'svc/package-lock.json', content: lockfixture('npm-v1.package-lock.json') },
      ]),
    ).toThrow(/^svc\/package-lock\.json: expected lockfileVersion 2 or 3, found 1/);
  });
});

describe('compareVersions', () => {
  it('orders numerically, pre-releases before releases, post-releases after, Go v prefixes ignored', () => {
    const sorted = [
      '1.10.0',
      '1.2.0',
      '1.2.0-rc.1',
      'v1.2.1',
      '1.0',
      '1.0.post1',
      '1.0rc1',
      '1.0.dev3',
      '0.9',
      '',
    ].sort(compareVersions);
    expect(sorted).toEqual([
      '',
      '0.9',
      '1.0.dev3',
      '1.0rc1',
      '1.0',
      '1.0.post1',
      '1.2.0-rc.1',
      '1.2.0',
      'v1.2.1',
      '1.10.0',
    ]);
  });
});

describe('dependencyDelta', () => {
  const base = [dep('lodash', '4.17.20'), dep('left-pad', '1.3.0'), dep('react', '18.2.0')];

  it('nothing changed gives an empty delta', () => {
    expect(dependencyDelta(base, [...base].reverse())).toEqual({ added: [], removed: [], changed: [] });
  });

  it('a new name is added; a name gone from head is removed', () => {
    const head = [dep('lodash', '4.17.20'), dep('react', '18.2.0'), dep('@scope/new', '1.0.0')];
    const delta = dependencyDelta(base, head);
    expect(ids(delta.added)).toEqual(['@scope/new@1.0.0']);
    expect(ids(delta.removed)).toEqual(['left-pad@1.3.0']);
    expect(delta.changed).toEqual([]);
  });

  it('a version bump is one change from the base version to the head entry', () => {
    const head = [dep('lodash', '4.17.21'), dep('left-pad', '1.3.0'), dep('react', '18.2.0')];
    expect(dependencyDelta(base, head)).toEqual({
      added: [],
      removed: [],
      changed: [{ from: dep('lodash', '4.17.20'), to: dep('lodash', '4.17.21'), kind: 'upgrade' }],
    });
  });

  it('multi-version npm packages: one change per new head version, from the version it replaced', () => {
    const b = [dep('ms', '2.0.0'), dep('ms', '2.1.2'), dep('debug', '4.3.4')];
    const h = [dep('ms', '2.1.2'), dep('ms', '2.1.3'), dep('ms', '3.0.0-canary.1'), dep('debug', '4.3.4')];
    const delta = dependencyDelta(b, h);
    // 2.0.0 left and 2.1.3 arrived: a pair. 3.0.0-canary.1 arrived beside the 2.1.2 that stays.
    expect(delta.changed.map((c) => `${c.from.version} -> ${c.to.version}`)).toEqual([
      '2.0.0 -> 2.1.3',
      '2.1.2 -> 3.0.0-canary.1',
    ]);
    expect(delta.added).toEqual([]);
    // ms@2.0.0 is gone but the name stays: dropping a version brings nothing new.
    expect(delta.removed).toEqual([]);
  });

  it('a range becoming a pinned lock entry, or the reverse, is not a change', () => {
    expect(dependencyDelta([dep('chalk', '')], [dep('chalk', '5.3.0')])).toEqual({
      added: [],
      removed: [],
      changed: [],
    });
    expect(
      dependencyDelta([dep('chalk', '5.3.0')], [dep('chalk', ''), dep('chalk', '5.3.0')]).changed,
    ).toEqual([]);
  });

  it('identity is ecosystem and name, not the lockfile: a package moving between lockfiles is unchanged', () => {
    const moved = dependencyDelta(
      [dep('ms', '2.1.3', { source: 'a/package-lock.json' })],
      [dep('ms', '2.1.3', { source: 'b/yarn.lock' })],
    );
    expect(moved).toEqual({ added: [], removed: [], changed: [] });
    // The same name in another ecosystem is a different package.
    const pypi = dependencyDelta(
      [dep('requests', '2.31.0', { ecosystem: 'pypi' })],
      [dep('requests', '2.31.0', { ecosystem: 'pypi' }), dep('requests', '0.3.0')],
    );
    expect(pypi.added.map((d) => d.purl)).toEqual(['pkg:npm/requests@0.3.0']);
  });

  it('the delta of two real trees: a lockfile upgrade and a new Go module', () => {
    const baseTree = collectDependencies([
      { path: 'package-lock.json', content: lockfixture('npm-v2.package-lock.json') },
      { path: 'go.mod', content: 'module x\n\nrequire github.com/google/uuid v1.5.0\n' },
    ]);
    const lock = JSON.parse(lockfixture('npm-v2.package-lock.json'));
    lock.packages['node_modules/left-pad'].version = '1.3.1';
    const headTree = collectDependencies([
      { path: 'package-lock.json', content: JSON.stringify(lock) },
      {
        path: 'go.mod',
        content:
          'module x\n\nrequire (\n\tgithub.com/google/uuid v1.6.0\n\tgithub.com/spf13/cobra v1.8.0\n)\n',
      },
    ]);
    const delta = dependencyDelta(baseTree, headTree);
    expect(delta.added.map((d) => d.purl)).toEqual(['pkg:golang/github.com/spf13/cobra@v1.8.0']);
    expect(delta.removed).toEqual([]);
    expect(delta.changed.map((c) => `${c.from.purl} -> ${c.to.purl}`)).toEqual([
      'pkg:golang/github.com/google/uuid@v1.5.0 -> pkg:golang/github.com/google/uuid@v1.6.0',
      'pkg:npm/left-pad@1.3.0 -> pkg:npm/left-pad@1.3.1',
    ]);
  });

  const pairs = (delta: ReturnType<typeof dependencyDelta>) =>
    delta.changed.map(
      (c) => `${c.to.name} ${c.from.version || c.from.range} -> ${c.to.version || c.to.range} ${c.kind}`,
    );

  it('a lockfile-only bump of one of several coexisting versions pairs with the version it replaced', () => {
    // The report that read "5.1.16 → 3.3.18" under new dependencies.
    const b = [dep('lru-cache', '3.3.17'), dep('lru-cache', '5.1.16'), dep('ms', '2.1.3')];
    const h = [dep('lru-cache', '3.3.18'), dep('lru-cache', '5.1.16'), dep('ms', '2.1.3')];
    const delta = dependencyDelta(b, h);
    expect(pairs(delta)).toEqual(['lru-cache 3.3.17 -> 3.3.18 upgrade']);
    expect(delta.added).toEqual([]);
    expect(delta.removed).toEqual([]);
  });

  it('a downgrade is a change of kind downgrade', () => {
    const delta = dependencyDelta([dep('lodash', '4.17.21')], [dep('lodash', '4.17.20')]);
    expect(pairs(delta)).toEqual(['lodash 4.17.21 -> 4.17.20 downgrade']);
    expect(delta.added).toEqual([]);
  });

  it('several coexisting versions each bumped pair by closeness in a plain list', () => {
    const b = [dep('glob', '7.2.0'), dep('glob', '10.3.10')];
    const h = [dep('glob', '7.2.3'), dep('glob', '10.3.12')];
    expect(pairs(dependencyDelta(b, h))).toEqual([
      'glob 7.2.0 -> 7.2.3 upgrade',
      'glob 10.3.10 -> 10.3.12 upgrade',
    ]);
  });

  it('a new version beside the ones that stay is a change from the closest base version, not a new dependency', () => {
    const b = [dep('semver', '5.7.2'), dep('semver', '7.5.4')];
    const h = [dep('semver', '5.7.2'), dep('semver', '7.5.4'), dep('semver', '6.3.1')];
    const delta = dependencyDelta(b, h);
    expect(pairs(delta)).toEqual(['semver 7.5.4 -> 6.3.1 downgrade']);
    expect(delta.added).toEqual([]);
  });

  it('with places from the lockfile, each install path pairs its own old and new version', () => {
    const lock = (top: string, nested: string) => ({
      path: 'package-lock.json',
      content: JSON.stringify({
        lockfileVersion: 3,
        packages: {
          '': { dependencies: { x: '*', a: '*' } },
          'node_modules/a': { version: '1.0.0' },
          'node_modules/x': { version: top },
          'node_modules/a/node_modules/x': { version: nested },
        },
      }),
    });
    const base = readDependencies([lock('3.9.0', '4.1.0')]);
    const head = readDependencies([lock('4.0.0', '3.9.5')]);
    // By place: the top copy went up, the nested one down (sorted by the new version).
    expect(pairs(dependencyDelta(base, head))).toEqual([
      'x 4.1.0 -> 3.9.5 downgrade',
      'x 3.9.0 -> 4.0.0 upgrade',
    ]);
    // The same versions as plain lists pair by closeness instead.
    expect(pairs(dependencyDelta(base.dependencies, head.dependencies))).toEqual([
      'x 3.9.0 -> 3.9.5 upgrade',
      'x 4.1.0 -> 4.0.0 downgrade',
    ]);
  });

  it('duplicates of one name: a bump of the hoisted copy leaves the nested one alone', () => {
    const base = readDependencies([
      { path: 'package-lock.json', content: lockfixture('npm-v3.package-lock.json') },
    ]);
    const lock = JSON.parse(lockfixture('npm-v3.package-lock.json'));
    lock.packages['node_modules/ms'].version = '2.1.4';
    const head = readDependencies([{ path: 'package-lock.json', content: JSON.stringify(lock) }]);
    const delta = dependencyDelta(base, head);
    expect(pairs(delta)).toEqual(['ms 2.1.3 -> 2.1.4 upgrade']);
    expect(delta.added).toEqual([]);
    expect(delta.removed).toEqual([]);
  });

  it('a pnpm bump under one parent pairs by that parent', () => {
    const pnpm = (scheduler: string) =>
      [
        "lockfileVersion: '9.0'",
        'importers:',
        '  .:',
        '    dependencies:',
        '      react-dom:',
        '        specifier: ^18.2.0',
        '        version: 18.2.0(react@18.2.0)',
        '      scheduler:',
        '        specifier: ^0.20.0',
        '        version: 0.20.2',
        'packages:',
        '  react-dom@18.2.0:',
        '    resolution: {integrity: sha512-placeholder}',
        '  react@18.2.0:',
        '    resolution: {integrity: sha512-placeholder}',
        '  scheduler@0.20.2:',
        '    resolution: {integrity: sha512-placeholder}',
        `  scheduler@${scheduler}:`,
        '    resolution: {integrity: sha512-placeholder}',
        'snapshots:',
        '  react-dom@18.2.0(react@18.2.0):',
        '    dependencies:',
        '      react: 18.2.0',
        `      scheduler: ${scheduler}`,
        '  react@18.2.0: {}',
        '  scheduler@0.20.2: {}',
        `  scheduler@${scheduler}: {}`,
        '',
      ].join('\n');
    const delta = dependencyDelta(
      readDependencies([{ path: 'pnpm-lock.yaml', content: pnpm('0.23.0') }]),
      readDependencies([{ path: 'pnpm-lock.yaml', content: pnpm('0.23.2') }]),
    );
    expect(pairs(delta)).toEqual(['scheduler 0.23.0 -> 0.23.2 upgrade']);
  });

  it('a name gone is removed, a version gone while the name stays is not reported', () => {
    const delta = dependencyDelta(
      [dep('ms', '2.0.0'), dep('ms', '2.1.3'), dep('left-pad', '1.3.0')],
      [dep('ms', '2.1.3')],
    );
    expect(ids(delta.removed)).toEqual(['left-pad@1.3.0']);
    expect(delta.changed).toEqual([]);
    expect(delta.added).toEqual([]);
  });

  it('ranges of a manifest without a lockfile: a bump is a change; ranges that do not order are "changed"', () => {
    const ranged = (name: string, range: string, source = 'package.json'): RangedDependency => ({
      ...dep(name, '', { source }),
      range,
    });
    const delta = dependencyDelta(
      [ranged('chalk', '^4.1.2'), ranged('ms', '^2.1.0'), ranged('zod', '^3.22.0')],
      [ranged('chalk', '^5.3.0'), ranged('ms', '~2.1.0'), ranged('zod', '^3.21.0')],
    );
    expect(pairs(delta)).toEqual([
      'chalk ^4.1.2 -> ^5.3.0 upgrade',
      'ms ^2.1.0 -> ~2.1.0 changed',
      'zod ^3.22.0 -> ^3.21.0 downgrade',
    ]);
    expect(delta.added).toEqual([]);
    // The same range in another manifest is another place: not a change of this one.
    expect(
      dependencyDelta([ranged('chalk', '^4.1.2')], [ranged('chalk', '^5.0.0', 'b/package.json')]).changed,
    ).toEqual([]);
  });
});
