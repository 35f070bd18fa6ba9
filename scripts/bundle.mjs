// Bundles the action and the CLI into action/dist/ (committed; CI checks it matches the source).
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';
import { generateDefaultPack } from './gen-default-pack.mjs';
import { vendorAstGrep } from './vendor-engines.mjs';

// The default policy is compiled in from policies/default.yml.
generateDefaultPack();

const banner = {
  js: [
    "import { createRequire as __agentgateCreateRequire } from 'node:module';",
    'const require = __agentgateCreateRequire(import.meta.url);',
    "const __agentgateDist = require('node:path').dirname(require('node:url').fileURLToPath(import.meta.url));",
  ].join(' '),
};

// The CycloneDX library finds its JSON schemas from its own __dirname; in the bundle they sit in
// vendor/cyclonedx/res/ beside it. Only that one file is rewritten.
const cyclonedxResources = {
  name: 'cyclonedx-resources',
  setup(b) {
    b.onLoad({ filter: /cyclonedx-library[\\/]dist\.node[\\/]resources\.node\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const rewritten = text.replace(
        "(__dirname, '..', 'res')",
        "(__agentgateDist, 'vendor', 'cyclonedx', 'res')",
      );
      if (rewritten === text)
        throw new Error(`${args.path}: the resource root moved; update scripts/bundle.mjs`);
      return { contents: rewritten, loader: 'js' };
    });
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  banner,
  legalComments: 'none',
  logLevel: 'warning',
  sourcemap: false,
  // The CycloneDX library's XML plug-ins are optional and unused (agentgate writes JSON BOMs).
  external: ['libxmljs2', 'xmlbuilder2', 'xmlbuilder2/*'],
  plugins: [cyclonedxResources],
};

await build({ ...common, entryPoints: { index: 'action/index.ts' }, outdir: 'action/dist' });
await build({
  ...common,
  entryPoints: { cli: 'action/cli.ts' },
  outdir: 'action/dist',
  banner: { js: `#!/usr/bin/env node\n${banner.js}` },
});

// sandbox-runtime looks for its seccomp helper beside the bundle (vendor/seccomp/<arch>/apply-seccomp).
const runtimeEntry = createRequire(import.meta.url).resolve('@anthropic-ai/sandbox-runtime');
const runtimeVendor = path.join(path.dirname(runtimeEntry), '..', 'vendor', 'seccomp');
rmSync('action/dist/vendor', { recursive: true, force: true });
for (const arch of ['x64', 'arm64']) {
  mkdirSync(`action/dist/vendor/seccomp/${arch}`, { recursive: true });
  cpSync(path.join(runtimeVendor, arch, 'apply-seccomp'), `action/dist/vendor/seccomp/${arch}/apply-seccomp`);
}

// The CycloneDX 1.6 JSON schema and the schemas it references, for BOM validation.
const cyclonedxRes = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@cyclonedx/cyclonedx-library/package.json')),
  'res',
  'schema',
);
mkdirSync('action/dist/vendor/cyclonedx/res/schema', { recursive: true });
for (const file of [
  'bom-1.6.SNAPSHOT.schema.json',
  'spdx.SNAPSHOT.schema.json',
  'jsf-0.82.SNAPSHOT.schema.json',
  'cryptography-defs.SNAPSHOT.schema.json',
]) {
  cpSync(path.join(cyclonedxRes, file), `action/dist/vendor/cyclonedx/res/schema/${file}`);
}

// The embedded SAST engine: ast-grep's native binding and the Python and Go grammars, per platform.
vendorAstGrep(process.cwd(), 'action/dist/vendor/ast-grep');
