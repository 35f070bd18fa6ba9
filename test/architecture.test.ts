// The import directions between our top-level folders (README "Layout"): action -> gates -> policies,
// everything but policies may use lib/, runner-image/ uses only lib/, and a folder is entered from
// outside only through its index.ts. See test/support/architecture.ts for the rules.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  checkImports,
  checkLibPackages,
  formatViolation,
  importSites,
  SOURCE_FOLDERS,
} from './support/architecture.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Every module of the source folders (.ts, and generated .js), action/dist excluded, by repository path. */
function sourceTree(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (child !== 'action/dist' && entry.name !== 'node_modules') walk(child);
      } else if (/\.(ts|m?js)$/.test(entry.name)) {
        files.set(child, readFileSync(path.join(root, child), 'utf8'));
      }
    }
  };
  for (const folder of SOURCE_FOLDERS) walk(folder);
  return files;
}

const tree = sourceTree();

describe('import directions', () => {
  it('scans every source folder', () => {
    for (const folder of SOURCE_FOLDERS) {
      expect(
        [...tree.keys()].some((f) => f.startsWith(`${folder}/`)),
        folder,
      ).toBe(true);
    }
    expect([...tree.keys()].some((f) => f.startsWith('action/dist/'))).toBe(false);
    expect(tree.has('runner-image/index.ts')).toBe(true);
  });

  it('the real tree has no violation', () => {
    expect(checkImports(tree).map(formatViolation)).toEqual([]);
  });

  it('catches planted bad imports, each with the rule it breaks', () => {
    const planted = new Map(tree);
    planted.set('lib/x.ts', "import { runGates } from '../gates/index.js';\n");
    planted.set('policies/y.ts', "import { execFile } from '../lib/exec.js';\n");
    planted.set('gates/z.ts', "export const load = () => import('../action/run.js');\n");
    planted.set('action/q.ts', "import type { SastOptions } from '../gates/sast/index.js';\n");
    planted.set('runner-image/r.ts', "export * from '../policies/index.js';\n");
    planted.set('gates/w.ts', "import { git } from '../lib/git.js';\nimport '../policies/index.js';\n");
    const found = checkImports(planted).map(formatViolation);
    expect(found).toEqual([
      "lib/x.ts: imports '../gates/index.js' (gates/index.ts) — lib imports nothing of ours outside lib/ (only node: builtins and npm packages)",
      "policies/y.ts: imports '../lib/exec.js' (lib/exec.ts) — policies imports nothing of ours outside policies/ (not even lib)",
      "gates/z.ts: imports '../action/run.js' (action/run.ts) — gates may import policies only through policies/index.ts, and any file of lib; never action or runner-image",
      "action/q.ts: imports '../gates/sast/index.js' (gates/sast/index.ts) — action may import gates, policies, runner-image only through their index.ts, and any file of lib",
      "runner-image/r.ts: imports '../policies/index.js' (policies/index.ts) — runner-image may import only lib",
    ]);
  });

  it('reads every kind of specifier and nothing in comments, strings or regexes', () => {
    const source = [
      "import a from './a.js';",
      "import type { B } from '../b.js';",
      "import {\n  c,\n  type D,\n} from './c.js';",
      "import './side-effect.js';",
      "export * from './star.js';",
      "export * as ns from './ns.js';",
      "export type * from './types.js';",
      "export { e, type F } from './e.js';",
      'export { g };',
      "const lazy = () => import('./lazy.js');",
      "type T = import('./typeof.js').T;",
      "// import x from './in-comment.js';",
      "/* export * from './in-block-comment.js'; */",
      'const s = "import x from \'./in-string.js\'";',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the source under test has a template literal
      "const t = `import('./in-template.js') ${import('./in-template-expr.js')} done`;",
      "const r = /import\\('.\\/in-regex.js'\\)/;",
      'const url = import.meta.url;',
      "const o = { import: './not-a-specifier.js' };",
      'export const h = 1;',
    ].join('\n');
    expect(importSites(source).map((s) => `${s.kind} ${s.specifier}`)).toEqual([
      'static ./a.js',
      'static ../b.js',
      'static ./c.js',
      'static ./side-effect.js',
      'static ./star.js',
      'static ./ns.js',
      'static ./types.js',
      'static ./e.js',
      'dynamic ./lazy.js',
      'dynamic ./typeof.js',
      'dynamic ./in-template-expr.js',
    ]);
  });

  it('lib/ imports no devDependency (it ships in the bundle)', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    expect(checkLibPackages(tree, pkg, builtinModules).map(formatViolation)).toEqual([]);
    const planted = new Map([['lib/v.ts', "import { build } from 'esbuild';\nimport fs from 'fs';\n"]]);
    expect(checkLibPackages(planted, pkg, builtinModules).map(formatViolation)).toEqual([
      "lib/v.ts: imports 'esbuild' (esbuild) — lib may not import a devDependency (it ships in the bundle)",
    ]);
  });
});
