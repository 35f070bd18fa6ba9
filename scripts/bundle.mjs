// Bundles the action and the CLI into action/dist/ (committed; CI checks it matches the source).
import { build } from 'esbuild';

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
