// Bundles the action and the CLI into action/dist/ (committed; CI checks it matches the source). GitHub
// runs action/dist/index.js from a checkout with no node_modules, so everything the code needs at run
// time is in action/dist/: the two entry files, the chunks they share and load on demand (esbuild code
// splitting: a command or engine is read only when it runs), the native parts under vendor/, and the
// licences of everything bundled (THIRD_PARTY_NOTICES.txt).
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';
import { generateBomValidator } from './gen-bom-validator.mjs';
import { generateDefaultPack } from './gen-default-pack.mjs';
import { vendorAstGrep } from './vendor-engines.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dist = path.join(root, 'action', 'dist');
const require = createRequire(import.meta.url);

// Generated sources: the default policy and SAST packs, and the compiled CycloneDX schema.
await generateDefaultPack();
await generateBomValidator();

// Every file of the last bundle goes, so a chunk no longer produced cannot linger.
rmSync(dist, { recursive: true, force: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: { index: 'action/index.ts', cli: 'action/cli.ts' },
  outdir: dist,
  bundle: true,
  splitting: true,
  chunkNames: '[name]-[hash]',
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // CommonJS dependencies call require(); in an ES module it must be made.
  banner: {
    js: "import { createRequire as __agentgateCreateRequire } from 'node:module'; const require = __agentgateCreateRequire(import.meta.url);",
  },
  legalComments: 'none',
  minifyWhitespace: true,
  minifySyntax: true,
  metafile: true,
  logLevel: 'warning',
  sourcemap: false,
  // The CycloneDX library's XML plug-ins are optional and unused (agentgate writes JSON BOMs).
  external: ['libxmljs2', 'xmlbuilder2', 'xmlbuilder2/*'],
});

// sandbox-runtime looks for its seccomp helper beside the bundle (vendor/seccomp/<arch>/apply-seccomp).
const runtimeEntry = require.resolve('@anthropic-ai/sandbox-runtime');
const runtimeRoot = path.join(path.dirname(runtimeEntry), '..');
for (const arch of ['x64', 'arm64']) {
  mkdirSync(path.join(dist, 'vendor', 'seccomp', arch), { recursive: true });
  cpSync(
    path.join(runtimeRoot, 'vendor', 'seccomp', arch, 'apply-seccomp'),
    path.join(dist, 'vendor', 'seccomp', arch, 'apply-seccomp'),
  );
}

// The embedded SAST engine: ast-grep's native binding and the Python and Go grammars, per platform.
vendorAstGrep(root, path.join(dist, 'vendor', 'ast-grep'));

// Licences: every npm package with code in the bundle, and those whose native parts are vendored.
const packages = new Map();
function addPackage(dir) {
  if (packages.has(dir)) return;
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const licenseFile = readdirSync(dir).find((f) => /^(licen[cs]e|copying|notice)(\.|$)/i.test(f));
  packages.set(dir, {
    name: pkg.name,
    version: pkg.version,
    license: typeof pkg.license === 'string' ? pkg.license : (pkg.license?.type ?? 'see its package'),
    text: licenseFile ? readFileSync(path.join(dir, licenseFile), 'utf8').trim() : undefined,
  });
}
function packageDirOf(file) {
  const parts = file.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  const depth = parts[at + 1]?.startsWith('@') ? 3 : 2;
  return path.join(root, ...parts.slice(0, at + depth));
}
for (const input of Object.keys(result.metafile.inputs)) {
  const dir = packageDirOf(input);
  if (dir !== undefined && existsSync(path.join(dir, 'package.json'))) addPackage(dir);
}
for (const name of [
  '@anthropic-ai/sandbox-runtime',
  '@ast-grep/napi',
  '@ast-grep/lang-python',
  '@ast-grep/lang-go',
]) {
  addPackage(path.dirname(require.resolve(`${name}/package.json`)));
}
const notices = [...packages.values()]
  .sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version))
  .map((p) =>
    [`${p.name} ${p.version} (${p.license})`, '', p.text ?? `Licensed under ${p.license}.`].join('\n'),
  );
writeFileSync(
  path.join(dist, 'THIRD_PARTY_NOTICES.txt'),
  [
    'agentgate bundles the following packages (their code in index.js, cli.js and the chunks beside',
    'them; the native parts under vendor/). Each is used under the licence reproduced below.',
    '',
    notices.join(`\n\n${'-'.repeat(78)}\n\n`),
    '',
  ].join('\n'),
);
