// Bundles the action and the CLI into action/dist/ (committed; CI checks it matches the source).
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';
import { generateDefaultPack } from './gen-default-pack.mjs';

// The default policy is compiled in from policies/default.yml.
generateDefaultPack();

const banner = {
  js: "import { createRequire as __agentgateCreateRequire } from 'node:module'; const require = __agentgateCreateRequire(import.meta.url);",
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
