import { describe, expect, it } from 'vitest';
import { collectDependencies, compareVersions, dependencyDelta } from '../../gates/sbom/index.js';
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
      changed: [{ from: dep('lodash', '4.17.20'), to: dep('lodash', '4.17.21') }],
    });
  });

  it('multi-version npm packages: one change per new head version, from the highest base version', () => {
    const b = [dep('ms', '2.0.0'), dep('ms', '2.1.2'), dep('debug', '4.3.4')];
    const h = [dep('ms', '2.1.2'), dep('ms', '2.1.3'), dep('ms', '3.0.0-canary.1'), dep('debug', '4.3.4')];
    const delta = dependencyDelta(b, h);
    expect(delta.changed.map((c) => `${c.from.version} -> ${c.to.version}`)).toEqual([
      '2.1.2 -> 2.1.3',
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
});
