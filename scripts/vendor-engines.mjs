// The embedded SAST engine's native parts, for each platform the action ships to: ast-grep's Node binding
// (@ast-grep/napi-<platform>-gnu) and the Python and Go grammars (@ast-grep/lang-*). Versions and
// integrity come from package-lock.json, so dependabot moves them and a tampered tarball is refused. The
// binding for this machine comes from node_modules; for the others, `npm pack` fetches the locked
// tarball (from npm's configured registry and cache) into node_modules/.cache.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Action platform directory -> the binding's npm platform suffix and the grammar prebuild directory. */
export const PLATFORMS = {
  'linux-x64': { binding: 'linux-x64-gnu', prebuild: 'prebuild-Linux-X64' },
  'linux-arm64': { binding: 'linux-arm64-gnu', prebuild: 'prebuild-Linux-ARM64' },
};
const GRAMMARS = { python: '@ast-grep/lang-python', go: '@ast-grep/lang-go' };

function lockEntry(lock, name) {
  const entry = lock.packages[`node_modules/${name}`];
  if (!entry?.version || !entry.integrity) {
    throw new Error(`package-lock.json has no version and integrity for ${name}; run npm install`);
  }
  return entry;
}

function checkIntegrity(bytes, integrity, what) {
  const [algo, expected] = integrity.split(/-(.*)/s);
  const actual = createHash(algo).update(bytes).digest('base64');
  if (actual !== expected) {
    throw new Error(`${what}: integrity ${algo}-${actual} does not match package-lock.json's ${integrity}`);
  }
}

/** The bytes of `file` inside a gzipped npm tarball (entries are under `package/`). */
function fromTarball(tgz, file) {
  const tar = gunzipSync(tgz);
  for (let off = 0; off + 512 <= tar.length; ) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const prefix = header.subarray(345, 500).toString('utf8').replace(/\0.*$/s, '');
    const size = Number.parseInt(header.subarray(124, 136).toString('utf8').replace(/\0.*$/s, '').trim(), 8);
    const full = prefix ? `${prefix}/${name}` : name;
    if (full === `package/${file}`) return tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${file} is not in the tarball`);
}

/** The locked tarball of `name`, verified; fetched once into the cache. */
function lockedTarball(root, name, entry) {
  const cache = path.join(root, 'node_modules', '.cache', 'agentgate-vendor');
  mkdirSync(cache, { recursive: true });
  const file = path.join(cache, `${name.replace('@', '').replace('/', '-')}-${entry.version}.tgz`);
  if (!existsSync(file)) {
    const out = execFileSync(
      'npm',
      ['pack', '--silent', '--pack-destination', cache, `${name}@${entry.version}`],
      {
        cwd: cache,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const packed = path.join(cache, out.trim().split('\n').pop());
    if (packed !== file) cpSync(packed, file);
  }
  const bytes = readFileSync(file);
  checkIntegrity(bytes, entry.integrity, `${name}@${entry.version}`);
  return bytes;
}

/** Writes `<dest>/<platform>/` for every shipped platform, with a manifest the engine reads. */
export function vendorAstGrep(root, dest) {
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  const napi = lockEntry(lock, '@ast-grep/napi');
  for (const [dir, p] of Object.entries(PLATFORMS)) {
    const out = path.join(dest, dir);
    mkdirSync(out, { recursive: true });
    const name = `@ast-grep/napi-${p.binding}`;
    const entry = lockEntry(lock, name);
    if (entry.version !== napi.version)
      throw new Error(`${name} ${entry.version} != @ast-grep/napi ${napi.version}`);
    const bindingFile = `ast-grep-napi.${p.binding}.node`;
    const installed = path.join(root, 'node_modules', name, bindingFile);
    const binding = existsSync(installed)
      ? readFileSync(installed)
      : fromTarball(lockedTarball(root, name, entry), bindingFile);
    writeFileSync(path.join(out, bindingFile), binding);
    const grammars = {};
    for (const [lang, pkg] of Object.entries(GRAMMARS)) {
      lockEntry(lock, pkg);
      const so = path.join(root, 'node_modules', pkg, 'prebuilds', p.prebuild, 'parser.so');
      cpSync(so, path.join(out, `${lang}.so`));
      grammars[lang] = `${lang}.so`;
    }
    const manifest = { version: napi.version, binding: bindingFile, grammars };
    writeFileSync(path.join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }
}
