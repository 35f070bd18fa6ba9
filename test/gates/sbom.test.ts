import { describe, expect, it } from 'vitest';
import { DependencyFileError, isDependencyFile, parseDependencyFile } from '../../gates/sbom/index.js';
import { directIds, ids, lockfixture } from './sbom-fixtures.js';

const parse = (path: string, fixture: string) => parseDependencyFile(path, lockfixture(fixture));

function errorOf(path: string, content: string): DependencyFileError {
  try {
    parseDependencyFile(path, content);
  } catch (e) {
    if (e instanceof DependencyFileError) return e;
    throw e;
  }
  throw new Error(`${path} parsed without error`);
}

describe('isDependencyFile', () => {
  it('knows each lockfile and manifest by its base name, anywhere in the tree', () => {
    for (const path of [
      'package-lock.json',
      'packages/web/package.json',
      'npm-shrinkwrap.json',
      'pnpm-lock.yaml',
      'yarn.lock',
      'requirements.txt',
      'services/api/requirements-dev.txt',
      'requirements/base.txt',
      'poetry.lock',
      'go.mod',
      'crates/Cargo.lock',
      'crates/Cargo.toml',
      'pyproject.toml',
      'uv.lock',
      'Pipfile.lock',
      'web/bun.lock',
    ]) {
      expect(isDependencyFile(path), path).toBe(true);
    }
  });

  it('ignores other files, installed packages and fixtures named after a lockfile', () => {
    for (const path of [
      'README.md',
      'go.sum',
      'Cargo.toml.orig',
      'bun.lockb',
      'Pipfile',
      'src/package.json.ts',
      'node_modules/lodash/package.json',
      'web/node_modules/@x/y/package.json',
      'test/fixtures/lockfiles/npm-v3.package-lock.json',
      'docs/requirements.md',
      'constructor',
      'src/__proto__',
    ]) {
      expect(isDependencyFile(path), path).toBe(false);
    }
  });
});

describe('package-lock.json', () => {
  it('v3: names from install paths and aliases, nested versions, workspace installs, no root or links', () => {
    const deps = parse('package-lock.json', 'npm-v3.package-lock.json');
    expect(ids(deps)).toEqual([
      '@babel/code-frame@7.24.2',
      '@babel/highlight@7.24.2',
      'debug@3.2.7',
      'debug@4.3.4',
      'fsevents@2.3.3',
      'js-tokens@4.0.0',
      'ms@2.1.2',
      'ms@2.1.3',
      'picocolors@1.0.0',
      'rc@1.2.8',
      'string-width@4.2.3',
      'string-width@5.1.2',
      'typescript@5.4.5',
    ]);
    expect(deps.every((d) => d.ecosystem === 'npm' && d.source === 'package-lock.json')).toBe(true);
    expect(deps.find((d) => d.name === '@babel/code-frame')?.purl).toBe('pkg:npm/%40babel/code-frame@7.24.2');
  });

  it('v3: direct when the root or the workspace holding the install names it, never when nested', () => {
    const deps = parse('package-lock.json', 'npm-v3.package-lock.json');
    expect(directIds(deps)).toEqual([
      '@babel/code-frame@7.24.2', // root dependency
      'debug@3.2.7', // packages/lib/node_modules/debug, named by that workspace
      'debug@4.3.4',
      'fsevents@2.3.3', // optional
      'ms@2.1.3', // hoisted from the workspace
      'rc@1.2.8',
      'string-width@4.2.3', // the alias string-width-cjs
      'string-width@5.1.2',
      'typescript@5.4.5', // dev
    ]);
    // node_modules/debug/node_modules/ms is debug's, not the project's.
    expect(deps.find((d) => d.purl === 'pkg:npm/ms@2.1.2')?.direct).toBe(false);
  });

  it('v3: keeps the licence each package states, expressions included', () => {
    const deps = parse('package-lock.json', 'npm-v3.package-lock.json');
    const license = (name: string) => deps.find((d) => d.name === name)?.license;
    expect(license('picocolors')).toBe('ISC');
    expect(license('typescript')).toBe('Apache-2.0');
    expect(license('rc')).toBe('(BSD-2-Clause OR MIT OR Apache-2.0)');
  });

  it('v2: reads the packages map and ignores the legacy dependencies section', () => {
    const deps = parse('app/package-lock.json', 'npm-v2.package-lock.json');
    expect(ids(deps)).toEqual(['@types/node@20.11.30', 'left-pad@1.3.0', 'undici-types@5.26.5']);
    expect(directIds(deps)).toEqual(['@types/node@20.11.30', 'left-pad@1.3.0']);
    expect(deps[0]?.source).toBe('app/package-lock.json');
    expect(deps[0]?.license).toBeUndefined();
  });

  it('v1 is refused with the file, the version found and how to regenerate it', () => {
    const err = errorOf('web/package-lock.json', lockfixture('npm-v1.package-lock.json'));
    expect(err.message).toBe(
      'web/package-lock.json: expected lockfileVersion 2 or 3, found 1; regenerate it with npm 7 or later (npm install --lockfile-version 3)',
    );
    expect(err.file).toBe('web/package-lock.json');
  });

  it('npm-shrinkwrap.json is read like a package-lock', () => {
    expect(ids(parse('npm-shrinkwrap.json', 'npm-v2.package-lock.json'))).toHaveLength(3);
  });

  it('malformed JSON and a missing packages map name the file', () => {
    expect(errorOf('package-lock.json', '{"lockfileVersion": 3,').message).toMatch(
      /^package-lock\.json: not valid JSON \(/,
    );
    expect(errorOf('package-lock.json', '{"lockfileVersion": 3}').message).toBe(
      'package-lock.json: expected a "packages" object',
    );
    expect(errorOf('package-lock.json', '[]').message).toBe(
      'package-lock.json: expected a JSON object at the top level',
    );
  });
});

describe('package.json', () => {
  it('lists dependencies, dev and optional ones as direct ranges; skips peers and local specs', () => {
    const deps = parse('package.json', 'npm.package.json');
    expect(ids(deps)).toEqual([
      '@babel/code-frame@',
      'chalk@',
      'debug@',
      'demo-lib@',
      'fsevents@',
      'string-width@', // string-width-cjs: npm:string-width@^4.2.3
      'typescript@',
    ]);
    expect(deps.every((d) => d.direct === true && d.version === '')).toBe(true);
    expect(deps.find((d) => d.name === 'chalk')?.purl).toBe('pkg:npm/chalk');
    expect(deps.some((d) => d.name === 'react' || d.name === 'local-tool' || d.name === 'demo-app')).toBe(
      false,
    );
  });

  it('a section that is not an object, or a range that is not a string, is an error', () => {
    expect(errorOf('package.json', '{"dependencies": ["a"]}').message).toBe(
      'package.json: expected "dependencies" to be an object',
    );
    expect(errorOf('package.json', '{"devDependencies": {"a": 1}}').message).toBe(
      'package.json: expected a version range string for devDependencies["a"]',
    );
  });
});

describe('pnpm-lock.yaml', () => {
  it('v6: /name@version keys, scoped names, peer suffixes stripped, top-level importer direct', () => {
    const deps = parse('pnpm-lock.yaml', 'pnpm-v6.pnpm-lock.yaml');
    expect(ids(deps)).toEqual([
      '@tanstack/query-core@5.28.4',
      '@tanstack/react-query@5.28.4',
      'js-tokens@4.0.0',
      'loose-envify@1.4.0',
      'react@18.2.0',
      'react-dom@18.2.0',
      'scheduler@0.23.0',
      'typescript@5.4.5',
    ]);
    expect(directIds(deps)).toEqual([
      '@tanstack/react-query@5.28.4',
      'react@18.2.0',
      'react-dom@18.2.0',
      'typescript@5.4.5',
    ]);
    expect(deps[1]?.purl).toBe('pkg:npm/%40tanstack/react-query@5.28.4');
  });

  it('v9: name@version keys, every importer direct, aliases and tarballs resolved, links skipped', () => {
    const deps = parse('pnpm-lock.yaml', 'pnpm-v9.pnpm-lock.yaml');
    expect(ids(deps)).toEqual([
      '@babel/runtime@7.24.1',
      '@emotion/react@11.11.4',
      'js-tokens@4.0.0',
      'left-pad@1.3.0', // a GitHub tarball: the version comes from the entry, not the key
      'lodash@4.17.21',
      'loose-envify@1.4.0',
      'react@18.2.0',
      'react-dom@18.2.0',
      'regenerator-runtime@0.14.1',
      'scheduler@0.23.0',
      'typescript@5.4.5',
      'zod@3.22.4',
    ]);
    expect(directIds(deps)).toEqual([
      '@emotion/react@11.11.4',
      'left-pad@1.3.0',
      'lodash@4.17.21', // my-lodash: npm:lodash@^4.17.21
      'react@18.2.0',
      'react-dom@18.2.0',
      'typescript@5.4.5',
      'zod@3.22.4', // packages/shared
    ]);
    expect(deps.some((d) => d.name === '@demo/shared')).toBe(false);
  });

  it('v5: /name/version keys with _peer suffixes', () => {
    const content = [
      'lockfileVersion: 5.4',
      'specifiers:',
      '  react-dom: ^18.2.0',
      'dependencies:',
      '  react-dom: 18.2.0_react@18.2.0',
      'packages:',
      '  /react-dom/18.2.0_react@18.2.0:',
      '    resolution: {integrity: sha512-placeholder==}',
      '  /@babel/core/7.24.3:',
      '    resolution: {integrity: sha512-placeholder==}',
      '    dev: true',
      '',
    ].join('\n');
    const deps = parseDependencyFile('pnpm-lock.yaml', content);
    expect(ids(deps)).toEqual(['@babel/core@7.24.3', 'react-dom@18.2.0']);
    expect(directIds(deps)).toEqual(['react-dom@18.2.0']);
  });

  it("pnpm 10's leading env document is passed over for the project's lockfile", () => {
    const env = "---\nlockfileVersion: '9.0'\n\nimporters:\n  .:\n    configDependencies: {}\n";
    const deps = parseDependencyFile(
      'pnpm-lock.yaml',
      `${env}\n---\n${lockfixture('pnpm-v9.pnpm-lock.yaml')}`,
    );
    expect(deps).toHaveLength(12);
  });

  it('an unknown lockfileVersion or broken YAML is an error naming the file', () => {
    expect(errorOf('a/pnpm-lock.yaml', "lockfileVersion: '4.0'\npackages: {}\n").message).toBe(
      'a/pnpm-lock.yaml: expected lockfileVersion 5.x, 6.x or 9.x, found 4.0',
    );
    expect(errorOf('pnpm-lock.yaml', "lockfileVersion: '9.0'\npackages: [\n").message).toMatch(
      /^pnpm-lock\.yaml: not valid YAML \(/,
    );
  });
});

describe('yarn.lock', () => {
  it('classic v1: multi-range headers, scoped and aliased names, local file: entries skipped', () => {
    const deps = parse('yarn.lock', 'yarn-v1.yarn.lock');
    expect(ids(deps)).toEqual([
      '@babel/code-frame@7.24.2',
      '@babel/highlight@7.24.2',
      'debug@3.2.7',
      'debug@4.3.4',
      'fsevents@2.3.3',
      'js-tokens@4.0.0',
      'ms@2.1.2',
      'ms@2.1.3',
      'picocolors@1.0.0',
      'string-width@4.2.3',
      'string-width@5.1.2',
      'typescript@5.4.5',
    ]);
    // yarn.lock alone cannot tell direct from transitive.
    expect(deps.every((d) => d.direct === undefined)).toBe(true);
  });

  it('berry: __metadata, npm: descriptors, patch: entries folded into their package, workspaces skipped', () => {
    const deps = parse('yarn.lock', 'yarn-berry.yarn.lock');
    expect(ids(deps)).toEqual([
      '@babel/code-frame@7.24.2',
      'debug@4.3.4',
      'ms@2.1.2',
      'resolve@1.22.8',
      'string-width@4.2.3',
      'typescript@5.4.5',
    ]);
    expect(deps.map((d) => d.purl)).toContain('pkg:npm/%40babel/code-frame@7.24.2');
  });

  it('a classic entry without a version, or a stray line, is an error with its line number', () => {
    expect(errorOf('yarn.lock', '# yarn lockfile v1\n\nleft-pad@^1.3.0:\n  resolved "x"\n').message).toBe(
      'yarn.lock: line 3: the entry for left-pad has no version',
    );
    expect(errorOf('yarn.lock', 'left-pad@^1.3.0:\n  version "1.3.0"\nnonsense\n').message).toBe(
      'yarn.lock: line 3: expected an entry header ending in ":", found "nonsense"',
    );
  });

  it('a berry entry without a resolution is an error naming it', () => {
    const content = '__metadata:\n  version: 8\n\n"a@npm:^1.0.0":\n  version: 1.0.0\n';
    expect(errorOf('yarn.lock', content).message).toBe(
      'yarn.lock: the entry "a@npm:^1.0.0" has no resolution or version',
    );
  });
});

describe('requirements.txt', () => {
  it('pins, extras, markers, === and PEP 503 names; ranges and wildcards give no version', () => {
    const deps = parse('requirements.txt', 'pip.requirements.txt');
    expect(ids(deps)).toEqual([
      'backports-zoneinfo@0.2.1',
      'django@4.2.11',
      'flask-sqlalchemy@',
      'importlib-metadata@6.8.0',
      'numpy@1.26.4', // --hash options on continuation lines dropped
      'pyyaml@', // ==6.*
      'requests@2.31.0',
      'uvicorn@', // ~=0.29.0
      'zope-interface@6.2',
    ]);
    expect(deps.every((d) => d.ecosystem === 'pypi' && d.direct === true)).toBe(true);
    expect(deps.find((d) => d.name === 'zope-interface')?.purl).toBe('pkg:pypi/zope-interface@6.2');
    expect(deps.find((d) => d.name === 'flask-sqlalchemy')?.purl).toBe('pkg:pypi/flask-sqlalchemy');
  });

  it("pip-compile's # via annotations tell direct requirements from transitive ones", () => {
    const deps = parse('requirements.txt', 'pip-compile.requirements.txt');
    expect(ids(deps)).toEqual([
      'certifi@2024.2.2',
      'charset-normalizer@3.3.2',
      'idna@3.6',
      'requests@2.31.0',
      'urllib3@2.2.1',
    ]);
    expect(directIds(deps)).toEqual(['requests@2.31.0', 'urllib3@2.2.1']);
  });

  it('a line that is not a requirement is an error with its line number', () => {
    expect(errorOf('requirements-dev.txt', 'pytest==8.1.1\nthis is not valid\n').message).toBe(
      'requirements-dev.txt: line 2: expected a requirement like name==1.2.3, found "this is not valid"',
    );
  });
});

describe('poetry.lock', () => {
  it('reads [[package]] names (PEP 503) and versions, git sources kept, local folders skipped', () => {
    const deps = parse('poetry.lock', 'poetry.poetry.lock');
    expect(ids(deps)).toEqual([
      'certifi@2024.2.2',
      'requests@2.32.0.dev0',
      'typing-extensions@4.10.0',
      'zope-interface@6.2',
    ]);
    expect(deps[2]?.purl).toBe('pkg:pypi/typing-extensions@4.10.0');
  });

  it('broken TOML or a package without a version is an error naming the file', () => {
    expect(errorOf('poetry.lock', '[[package]\nname = "x"').message).toMatch(
      /^poetry\.lock: not valid TOML \(/,
    );
    expect(errorOf('poetry.lock', '[[package]]\nname = "x"\n').message).toBe(
      'poetry.lock: [[package]] number 1 has no string name and version',
    );
  });
});

describe('go.mod', () => {
  it('require lines and blocks, quoted paths, // indirect is not direct, replace ignored', () => {
    const deps = parse('go.mod', 'service.go.mod');
    expect(ids(deps)).toEqual([
      'github.com/Azure/go-autorest@v14.2.0+incompatible',
      'github.com/bytedance/sonic@v1.11.3',
      'github.com/davecgh/go-spew@v1.1.1',
      'github.com/gin-gonic/gin@v1.9.1',
      'github.com/google/uuid@v1.6.0', // replaced by ../uuid-fork, still reported as required
      'github.com/stretchr/testify@v1.9.0',
      'golang.org/x/exp@v0.0.0-20240325151524-a685a6edb6d8',
      'golang.org/x/text@v0.14.0',
      'gopkg.in/yaml.v3@v3.0.1',
    ]);
    expect(directIds(deps)).toEqual([
      'github.com/gin-gonic/gin@v1.9.1',
      'github.com/google/uuid@v1.6.0',
      'github.com/stretchr/testify@v1.9.0',
      'golang.org/x/exp@v0.0.0-20240325151524-a685a6edb6d8',
    ]);
    expect(deps.find((d) => d.name === 'github.com/gin-gonic/gin')?.purl).toBe(
      'pkg:golang/github.com/gin-gonic/gin@v1.9.1',
    );
    expect(deps.every((d) => d.ecosystem === 'golang')).toBe(true);
  });

  it('an unclosed block, a bad require or no module directive is an error naming the file', () => {
    expect(errorOf('go.mod', 'module x\n\nrequire (\n\tgithub.com/a/b v1.0.0\n').message).toBe(
      'go.mod: line 3: the require block is never closed with ")"',
    );
    expect(errorOf('go.mod', 'module x\nrequire github.com/a/b\n').message).toBe(
      'go.mod: line 2: expected "module/path vX.Y.Z" in require, found "github.com/a/b"',
    );
    expect(errorOf('go.mod', 'hello world\n').message).toBe('go.mod: expected a "module" directive');
  });
});

describe('Cargo.lock', () => {
  it('skips the workspace crates and marks what they depend on direct, version-qualified or not', () => {
    const deps = parse('Cargo.lock', 'workspace.Cargo.lock');
    expect(ids(deps)).toEqual([
      'anyhow@1.0.81',
      'mini-crate@0.2.0',
      'proc-macro2@1.0.79',
      'quote@1.0.35',
      'serde@1.0.197',
      'serde_derive@1.0.197',
      'syn@1.0.109',
      'syn@2.0.55',
      'unicode-ident@1.0.12',
    ]);
    expect(directIds(deps)).toEqual(['anyhow@1.0.81', 'mini-crate@0.2.0', 'serde@1.0.197', 'syn@2.0.55']);
    expect(deps[0]?.purl).toBe('pkg:cargo/anyhow@1.0.81');
  });

  it('broken TOML is an error naming the file', () => {
    expect(errorOf('crates/Cargo.lock', 'version = 3\n[[package]\n').message).toMatch(
      /^crates\/Cargo\.lock: not valid TOML \(/,
    );
  });
});

describe('parseDependencyFile', () => {
  it('refuses a path it does not read', () => {
    expect(errorOf('Gemfile.lock', '').message).toBe(
      'Gemfile.lock: not a lockfile or manifest this gate reads',
    );
  });

  it('gives one entry per purl when a lockfile installs the same version twice', () => {
    const lock = JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { dependencies: { a: '1', b: '1' } },
        'node_modules/a': { version: '1.0.0' },
        'node_modules/b': { version: '1.0.0' },
        'node_modules/b/node_modules/a': { version: '1.0.0' },
      },
    });
    const deps = parseDependencyFile('package-lock.json', lock);
    expect(ids(deps)).toEqual(['a@1.0.0', 'b@1.0.0']);
    expect(deps[0]?.direct).toBe(true);
  });
});
