// The newer dependency formats (pyproject.toml, uv.lock, Pipfile.lock, Cargo.toml, yarn berry,
// bun.lock, lockless package.json), byte order marks, and per-file read errors.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  buildBom,
  collectDependencies,
  DependencyFileError,
  dependencyDelta,
  parseDependencyFile,
  RANGE_PROPERTY,
  type RangedDependency,
  readDependencies,
} from '../../gates/sbom/index.js';
import { directIds, ids, lockfixture } from './sbom-fixtures.js';

const DIR = fileURLToPath(new URL('../fixtures/sbom/', import.meta.url));
const fixture = (name: string) => readFileSync(`${DIR}${name}`, 'utf8');
const parse = (path: string, name: string) => parseDependencyFile(path, fixture(name));
const ranges = (deps: readonly RangedDependency[]) => deps.map((d) => `${d.name} ${d.range ?? '(none)'}`);

function errorOf(path: string, content: string): DependencyFileError {
  try {
    parseDependencyFile(path, content);
  } catch (e) {
    if (e instanceof DependencyFileError) return e;
    throw e;
  }
  throw new Error(`${path} parsed without error`);
}

describe('pyproject.toml', () => {
  it('PEP 621 and PEP 735: dependencies, extras, groups, as direct PyPI ranges; direct references and the project itself skipped', () => {
    const deps = parse('pyproject.toml', 'pep621.pyproject.toml');
    expect(ranges(deps)).toEqual([
      'click ~=8.1',
      'coverage ',
      'flask >=3.0,<4',
      'pydantic ==2.6.4',
      'pytest >=8',
      'reqeusts >=2.31',
      'rich >=13',
      'ruff ==0.3.4',
      'typing-extensions ',
    ]);
    expect(deps.every((d) => d.ecosystem === 'pypi' && d.version === '' && d.direct === true)).toBe(true);
    expect(deps.find((d) => d.name === 'reqeusts')?.purl).toBe('pkg:pypi/reqeusts');
    // demo-app[cli] is the project's own extra; build-system requirements are not dependencies.
    expect(
      deps.some((d) => d.name === 'demo-app' || d.name === 'hatchling' || d.name === 'private-lib'),
    ).toBe(false);
  });

  it('Poetry: dependencies, legacy dev-dependencies and groups; python, git and path skipped', () => {
    const deps = parse('pyproject.toml', 'poetry.pyproject.toml');
    expect(ranges(deps)).toEqual([
      'black ^24.3',
      'numpy <1.25 || ^1.26',
      'pytest ^8.1',
      'pytest-cov *',
      'requests ^2.31',
      'sqlalchemy ^2.0',
    ]);
    expect(deps.every((d) => d.ecosystem === 'pypi' && d.direct === true)).toBe(true);
  });

  it('a malformed requirement or table is an error naming the file and where', () => {
    expect(errorOf('svc/pyproject.toml', '[project]\ndependencies = ["requests >= "]\n').message).toBe(
      'svc/pyproject.toml: project.dependencies: expected a requirement like "name>=1.0", found "requests >= "',
    );
    expect(errorOf('pyproject.toml', '[project]\ndependencies = "requests"\n').message).toBe(
      'pyproject.toml: expected project.dependencies to be an array of requirements',
    );
    expect(errorOf('pyproject.toml', '[tool.poetry.dependencies]\nrequests = 2\n').message).toBe(
      'pyproject.toml: tool.poetry.dependencies.requests: expected a version string or a table, found 2',
    );
  });

  it('a typo in pyproject reaches the delta as a new PyPI package', () => {
    const base = readDependencies([
      { path: 'pyproject.toml', content: '[project]\nname = "app"\ndependencies = ["requests>=2.31"]\n' },
    ]);
    const head = readDependencies([
      {
        path: 'pyproject.toml',
        content: '[project]\nname = "app"\ndependencies = ["requests>=2.31", "reqeusts>=2.31"]\n',
      },
    ]);
    const delta = dependencyDelta(base, head);
    expect(delta.added.map((d) => [d.ecosystem, d.name, d.purl])).toEqual([
      ['pypi', 'reqeusts', 'pkg:pypi/reqeusts'],
    ]);
    expect(delta.changed).toEqual([]);
  });

  it('completed by the poetry.lock beside it: locked names get exact versions and directness', () => {
    const deps = collectDependencies([
      { path: 'pyproject.toml', content: fixture('poetry.pyproject.toml') },
      { path: 'poetry.lock', content: lockfixture('poetry.poetry.lock') },
    ]);
    expect(directIds(deps)).toEqual([
      'black@',
      'numpy@',
      'pytest@',
      'pytest-cov@',
      'requests@2.32.0.dev0', // the lock's version, not the range
      'sqlalchemy@',
    ]);
    expect(deps.find((d) => d.name === 'certifi')?.direct).toBe(false);
    expect(deps.filter((d) => d.name === 'requests')).toHaveLength(1);
  });
});

describe('uv.lock', () => {
  it('registry and git packages with versions; the project and workspace members skipped; direct from their dependencies', () => {
    const deps = parse('uv.lock', 'demo.uv.lock');
    expect(ids(deps)).toEqual([
      'anyio@4.4.0',
      'idna@3.7',
      'numpy@1.26.4',
      'numpy@2.0.1',
      'pytest@8.2.2',
      'rich@13.7.1',
      'sniffio@1.3.1',
    ]);
    // idna is named by the workspace member toolbox, so it is direct too.
    expect(directIds(deps)).toEqual([
      'anyio@4.4.0',
      'idna@3.7',
      'numpy@1.26.4',
      'numpy@2.0.1',
      'pytest@8.2.2',
      'rich@13.7.1',
    ]);
    expect(deps.every((d) => d.ecosystem === 'pypi')).toBe(true);
  });

  it('a package without a version, or no lock version, is an error', () => {
    expect(
      errorOf('uv.lock', 'version = 1\n[[package]]\nname = "x"\nsource = { registry = "r" }\n').message,
    ).toBe('uv.lock: [[package]] x has no string version');
    expect(errorOf('uv.lock', '[[package]]\nname = "x"\n').message).toBe(
      'uv.lock: expected a numeric top-level "version", as uv writes it',
    );
  });
});

describe('Pipfile.lock', () => {
  it('default and develop sections with == versions; path and git entries skipped', () => {
    const deps = parse('Pipfile.lock', 'demo.Pipfile.lock');
    expect(ids(deps)).toEqual(['certifi@2024.2.2', 'pytest@8.1.1', 'requests@2.31.0']);
    expect(deps.map((d) => d.purl)).toContain('pkg:pypi/requests@2.31.0');
  });

  it('no sections, or a version that is not exact, is an error', () => {
    expect(errorOf('Pipfile.lock', '{"_meta": {}}').message).toBe(
      'Pipfile.lock: expected a "default" or "develop" section',
    );
    expect(errorOf('Pipfile.lock', '{"default": {"a": {"version": ">=1"}}}').message).toBe(
      'Pipfile.lock: default["a"] has version ">=1", expected "==1.2.3"',
    );
  });
});

describe('Cargo.toml', () => {
  it('dependencies, dev, build and target tables, renames; path, git, other registries and workspace = true skipped', () => {
    const deps = parse('crates/demo-cli/Cargo.toml', 'member.Cargo.toml');
    expect(ranges(deps)).toEqual([
      'anyhow 1.0.81',
      'cc 1.0.90',
      'insta 1.38',
      'nix 0.28',
      'serde_json 1.0.115',
      'windows-sys 0.52',
    ]);
    expect(deps.every((d) => d.ecosystem === 'cargo' && d.direct === true && d.version === '')).toBe(true);
    expect(deps[0]?.purl).toBe('pkg:cargo/anyhow');
  });

  it("a workspace root's [workspace.dependencies]", () => {
    expect(ranges(parse('Cargo.toml', 'workspace.Cargo.toml'))).toEqual(['serde 1.0.197', 'tokio 1.37']);
  });

  it("a member's manifest is completed by the workspace's Cargo.lock in an enclosing folder", () => {
    const deps = collectDependencies([
      { path: 'Cargo.lock', content: lockfixture('workspace.Cargo.lock') },
      {
        path: 'crates/demo-cli/Cargo.toml',
        content: '[package]\nname = "demo-cli"\n\n[dependencies]\nanyhow = "1"\nclap = "4"\n',
      },
    ]);
    expect(ids(deps.filter((d) => d.name === 'anyhow' || d.name === 'clap'))).toEqual([
      'anyhow@1.0.81',
      'clap@',
    ]);
  });

  it('a dependency that is neither a string nor a table is an error', () => {
    expect(errorOf('Cargo.toml', '[dependencies]\nserde = 1\n').message).toBe(
      'Cargo.toml: expected a version string or a table for serde in [dependencies], found 1',
    );
  });
});

describe('yarn berry yarn.lock', () => {
  const berry = (debug: string) =>
    [
      '# This file is generated by running "yarn install" inside your project.',
      '',
      '__metadata:',
      '  version: 8',
      '  cacheKey: 10c0',
      '',
      '"debug@npm:^4.3.1":',
      `  version: ${debug}`,
      `  resolution: "debug@npm:${debug}"`,
      '  dependencies:',
      '    ms: "npm:2.1.2"',
      '  languageName: node',
      '  linkType: hard',
      '',
      '"debug@npm:^2.6.9":',
      '  version: 2.6.9',
      '  resolution: "debug@npm:2.6.9"',
      '  languageName: node',
      '  linkType: hard',
      '',
      '"ms@npm:2.1.2":',
      '  version: 2.1.2',
      '  resolution: "ms@npm:2.1.2"',
      '  languageName: node',
      '  linkType: hard',
      '',
    ].join('\n');

  it('reads `"name@npm:range":` keys with their resolution and version', () => {
    expect(ids(parseDependencyFile('yarn.lock', berry('4.3.4')))).toEqual([
      'debug@2.6.9',
      'debug@4.3.4',
      'ms@2.1.2',
    ]);
  });

  it('a bump under one request pairs by that request, whatever other versions coexist', () => {
    const delta = dependencyDelta(
      readDependencies([{ path: 'yarn.lock', content: berry('4.3.4') }]),
      readDependencies([{ path: 'yarn.lock', content: berry('4.3.5') }]),
    );
    expect(delta.changed.map((c) => `${c.from.version} -> ${c.to.version} ${c.kind}`)).toEqual([
      '4.3.4 -> 4.3.5 upgrade',
    ]);
    expect(delta.added).toEqual([]);
  });
});

describe('bun.lock', () => {
  it('JSONC with trailing commas: npm, aliased and nested packages; workspaces skipped; git without a version', () => {
    const deps = parse('bun.lock', 'demo.bun.lock');
    expect(ids(deps)).toEqual([
      'debug@4.3.4',
      'js-tokens@4.0.0',
      'left-pad@', // github: no registry version
      'lodash@4.17.21', // my-lodash: npm:lodash@^4.17.21
      'loose-envify@1.4.0',
      'ms@2.0.0', // @demo/lib/ms: under the workspace
      'ms@2.1.2',
      'react@18.2.0',
      'typescript@5.4.5',
    ]);
    expect(directIds(deps)).toEqual([
      'debug@4.3.4',
      'left-pad@',
      'lodash@4.17.21',
      'ms@2.0.0', // named by @demo/lib, installed under it; the hoisted ms@2.1.2 is debug's
      'react@18.2.0', // a root peer is installed
      'typescript@5.4.5',
    ]);
    expect(deps.some((d) => d.name === '@demo/lib')).toBe(false);
  });

  it('comments are allowed; an unknown lockfileVersion is an error', () => {
    const withComments =
      '{\n  // text lockfile\n  "lockfileVersion": 1, /* v1 */\n  "workspaces": {},\n  "packages": {\n    "a": ["a@1.0.0", "", {}, "sha512-x"],\n  },\n}\n';
    expect(ids(parseDependencyFile('bun.lock', withComments))).toEqual(['a@1.0.0']);
    expect(errorOf('bun.lock', '{"lockfileVersion": 7, "packages": {}}').message).toBe(
      'bun.lock: expected lockfileVersion 0, 1 or 2, found 7',
    );
    expect(errorOf('bun.lock', '{"lockfileVersion": 1, "packages": {"a": [1]},}').message).toBe(
      'bun.lock: packages["a"] does not start with a "name@version" string',
    );
  });

  it('a bump of the nested copy pairs by its install path', () => {
    const lock = fixture('demo.bun.lock');
    const bumped = lock.replace('"@demo/lib/ms": ["ms@2.0.0"', '"@demo/lib/ms": ["ms@2.0.1"');
    const delta = dependencyDelta(
      readDependencies([{ path: 'bun.lock', content: lock }]),
      readDependencies([{ path: 'bun.lock', content: bumped }]),
    );
    expect(delta.changed.map((c) => `${c.to.name} ${c.from.version} -> ${c.to.version}`)).toEqual([
      'ms 2.0.0 -> 2.0.1',
    ]);
  });
});

describe('package.json without a lockfile', () => {
  const manifest = (chalk: string) =>
    JSON.stringify({
      name: 'lib',
      version: '1.0.0',
      dependencies: { chalk, ms: '^2.1.3' },
      devDependencies: { vitest: '^1.4.0' },
      optionalDependencies: { fsevents: '~2.3.3' },
      peerDependencies: { react: '>=18' },
    });

  it('keeps every range, peers included, each direct with no version', () => {
    const read = readDependencies([
      { path: 'lib/package.json', content: manifest('^4.1.2') },
      { path: 'app/package.json', content: '{"dependencies": {"ms": "^2.1.3"}}' },
      { path: 'app/package-lock.json', content: lockfixture('npm-v2.package-lock.json') },
    ]);
    expect(read.unlocked).toEqual(['lib/package.json']);
    // The BOM's list has one entry per purl (app's ms stands for both); every range is in `located`.
    const deps = read.located
      .map((l) => l.dep)
      .filter((d) => d.source === 'lib/package.json')
      .sort((a, b) => a.name.localeCompare(b.name));
    expect(ranges(deps)).toEqual([
      'chalk ^4.1.2',
      'fsevents ~2.3.3',
      'ms ^2.1.3',
      'react >=18',
      'vitest ^1.4.0',
    ]);
    expect(deps.every((d) => d.version === '' && d.direct === true && d.source === 'lib/package.json')).toBe(
      true,
    );
  });

  it('a bumped range is a change of that range, an upgrade; the BOM states each range', () => {
    const delta = dependencyDelta(
      readDependencies([{ path: 'package.json', content: manifest('^4.1.2') }]),
      readDependencies([{ path: 'package.json', content: manifest('^5.3.0') }]),
    );
    expect(delta.added).toEqual([]);
    expect(delta.changed.map((c) => [c.to.name, c.from.range, c.to.range, c.kind])).toEqual([
      ['chalk', '^4.1.2', '^5.3.0', 'upgrade'],
    ]);
    const bom = buildBom(
      readDependencies([{ path: 'package.json', content: manifest('^5.3.0') }]).dependencies,
      {
        name: 'lib',
        serialSeed: 'x',
      },
    ) as { components: { name: string; properties: { name: string; value: string }[] }[] };
    const chalk = bom.components.find((c) => c.name === 'chalk');
    expect(chalk?.properties).toContainEqual({ name: RANGE_PROPERTY, value: '^5.3.0' });
  });

  it('with a lockfile beside it, peers are left to the lockfile and locked names take its versions', () => {
    const deps = collectDependencies([
      { path: 'package.json', content: manifest('^4.1.2') },
      {
        path: 'package-lock.json',
        content: JSON.stringify({
          lockfileVersion: 3,
          packages: { '': {}, 'node_modules/chalk': { version: '4.1.2' } },
        }),
      },
    ]);
    expect(ids(deps)).toEqual(['chalk@4.1.2', 'fsevents@', 'ms@', 'vitest@']);
  });
});

describe('a UTF-8 byte order mark', () => {
  const BOM = '\uFEFF';

  it('is dropped from package.json and lockfiles, as npm drops it', () => {
    const pkg = `${BOM}${JSON.stringify({ name: 'fixture', dependencies: { 'left-pad': '^1.3.0' } })}`;
    expect(ids(parseDependencyFile('playground/fixture/package.json', pkg))).toEqual(['left-pad@']);
    const lock = `${BOM}${lockfixture('npm-v2.package-lock.json')}`;
    expect(ids(parseDependencyFile('package-lock.json', lock))).toHaveLength(3);
    expect(
      ids(parseDependencyFile('Cargo.lock', `${BOM}${lockfixture('workspace.Cargo.lock')}`)),
    ).toHaveLength(9);
    expect(
      ids(parseDependencyFile('pyproject.toml', `${BOM}${fixture('pep621.pyproject.toml')}`)),
    ).toHaveLength(9);
    expect(ids(parseDependencyFile('bun.lock', `${BOM}${fixture('demo.bun.lock')}`))).toHaveLength(9);
    expect(ids(parseDependencyFile('yarn.lock', `${BOM}${lockfixture('yarn-v1.yarn.lock')}`))).toHaveLength(
      12,
    );
    expect(readDependencies([{ path: 'package.json', content: pkg }]).errors).toEqual([]);
  });
});

describe('readDependencies', () => {
  it('an unreadable file gives a per-file error, not a throw, and the rest is still read', () => {
    const read = readDependencies([
      { path: 'test/fixtures/broken/package-lock.json', content: '{"lockfileVersion": 3,' },
      { path: 'go.mod', content: 'module x\n\nrequire github.com/google/uuid v1.6.0\n' },
      { path: 'web/yarn.lock', content: 'left-pad@^1.3.0:\n  resolved "x"\n' },
      { path: 'README.md', content: 'not a dependency file' },
    ]);
    expect(ids(read.dependencies)).toEqual(['github.com/google/uuid@v1.6.0']);
    expect(read.errors.map((e) => e.file)).toEqual([
      'test/fixtures/broken/package-lock.json',
      'web/yarn.lock',
    ]);
    expect(read.errors.every((e) => e instanceof DependencyFileError)).toBe(true);
    expect(read.errors[0]?.message).toMatch(/^test\/fixtures\/broken\/package-lock\.json: not valid JSON \(/);
  });

  it('the caller judges errors by whether the change touched the file', () => {
    const files = [
      { path: 'test/fixtures/broken/package-lock.json', content: '{' },
      { path: 'package.json', content: '{"dependencies": {"ms": "^2.1.3"}}' },
    ];
    const touched = new Set(['package.json']);
    const read = readDependencies(files);
    expect(read.errors.filter((e) => touched.has(e.file))).toEqual([]);
    expect(ids(read.dependencies)).toEqual(['ms@']);
    // collectDependencies keeps the all-or-nothing contract.
    expect(() => collectDependencies(files)).toThrow(
      /^test\/fixtures\/broken\/package-lock\.json: not valid JSON/,
    );
  });

  it('a parser crash on an unexpected shape is still a per-file error', () => {
    const read = readDependencies([
      { path: 'pnpm-lock.yaml', content: "lockfileVersion: '9.0'\npackages: 5\n" },
    ]);
    expect(read.errors.map((e) => e.message)).toEqual([
      'pnpm-lock.yaml: expected "packages" to be a mapping',
    ]);
  });
});
