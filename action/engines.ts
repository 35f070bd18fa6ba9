// The real engines: on GitHub-hosted runners the action installs the pinned gitleaks and opengrep releases
// (runner-image/versions.json, the same ones the runner image carries) with the Actions tool cache,
// checks each download's sha256 before anything runs it, and puts them first on the gates' PATH. When a
// release cannot be had (offline, a failed or tampered download), the embedded engine runs and the report
// says why. `engines: embedded` uses only the embedded engines; a policy that requires a real engine
// (gates.secrets.engine: gitleaks, gates.sast.engine: opengrep|semgrep) still fails closed without it.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, rm } from 'node:fs/promises';
import path from 'node:path';
import * as tc from '@actions/tool-cache';
import type { EngineNotes } from '../gates/index.js';
import { ENGINE_RELEASES, type EngineRelease, type Platform } from '../runner-image/index.js';
import { messageOf } from './errors.js';

export const ENGINE_MODES = ['auto', 'install', 'embedded'] as const;
export type EngineMode = (typeof ENGINE_MODES)[number];

/** How long one engine's download, check and install may take before the embedded engine is used. */
export const ENGINE_INSTALL_TIMEOUT_MS = 120_000;

export interface EngineSetup {
  /** Directories to put first on the gates' PATH, holding the installed engines. */
  path: string[];
  /** The gates' engine choices: embedded only, and why a real engine is missing. */
  engines: EngineNotes;
  /** `gitleaks 8.30.1` for each engine installed (or found in the tool cache). */
  installed: string[];
}

export interface EngineSetupOptions {
  env: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  releases?: readonly EngineRelease[];
  platform?: Platform;
  timeoutMs?: number;
}

/** True on a runner GitHub hosts (RUNNER_ENVIRONMENT is `github-hosted` there, `self-hosted` elsewhere). */
export function isGitHubHosted(env: NodeJS.ProcessEnv): boolean {
  return env.RUNNER_ENVIRONMENT === 'github-hosted';
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Installs one release (or finds it in the tool cache) and returns the directory holding its program. */
export async function installEngine(release: EngineRelease, platform: Platform): Promise<string> {
  const name = `${release.tool} ${release.version}`;
  const asset = release.assets[platform];
  if (asset === undefined) throw new Error(`${name} has no pinned release for ${platform}`);
  const arch = platform.slice(platform.indexOf('-') + 1);
  const cached = tc.find(release.tool, release.version, arch);
  if (cached) return cached;
  let file: string;
  try {
    file = await tc.downloadTool(asset.url);
  } catch (e) {
    throw new Error(`the download from ${asset.url} failed: ${messageOf(e)}`);
  }
  let extracted: string | undefined;
  try {
    const actual = await sha256Of(file);
    if (actual !== asset.sha256) {
      throw new Error(
        `the download from ${asset.url} has sha256 ${actual}, not the pinned ${asset.sha256}; it was refused and deleted (a tampered or replaced release, or a proxy rewriting it)`,
      );
    }
    if (release.archive === 'binary') {
      await chmod(file, 0o755);
      return await tc.cacheFile(file, release.tool, release.tool, release.version, arch);
    }
    extracted = await tc.extractTar(file);
    return await tc.cacheDir(extracted, release.tool, release.version, arch);
  } finally {
    // The cache holds its own copy; the download and the extracted files go.
    await rm(file, { force: true });
    if (extracted !== undefined) await rm(extracted, { recursive: true, force: true });
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${Math.round(ms / 1000)} s`)), ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * What the gates should run with, for `mode`: `embedded` only the embedded engines; `install` the pinned
 * releases on any runner; `auto` installs them on GitHub-hosted runners and elsewhere uses whatever is on
 * PATH (the runner image carries them). Never throws: an engine that cannot be installed becomes a note.
 */
export async function setUpEngines(mode: EngineMode, opts: EngineSetupOptions): Promise<EngineSetup> {
  if (mode === 'embedded') return { path: [], engines: { embeddedOnly: true }, installed: [] };
  if (mode === 'auto' && !isGitHubHosted(opts.env)) return { path: [], engines: {}, installed: [] };
  const platform = opts.platform ?? (`${process.platform}-${process.arch}` as Platform);
  const releases = opts.releases ?? ENGINE_RELEASES;
  type Outcome = { name: string; gate: EngineRelease['gate'] } & ({ dir: string } | { reason: string });
  const outcomes = await Promise.all(
    releases.map(async (r): Promise<Outcome> => {
      const name = `${r.tool} ${r.version}`;
      try {
        const timeout = opts.timeoutMs ?? ENGINE_INSTALL_TIMEOUT_MS;
        const dir = await withTimeout(installEngine(r, platform), timeout, `installing ${name}`);
        opts.log?.(`${name}: ${path.join(dir, r.tool)}`);
        return { name, gate: r.gate, dir };
      } catch (e) {
        const reason = messageOf(e);
        opts.log?.(`${name} could not be installed: ${reason}`);
        return { name, gate: r.gate, reason };
      }
    }),
  );
  const unavailable: NonNullable<EngineNotes['unavailable']> = {};
  const setup: EngineSetup = { path: [], engines: { unavailable }, installed: [] };
  for (const o of outcomes) {
    if ('dir' in o) {
      setup.path.push(o.dir);
      setup.installed.push(o.name);
    } else {
      unavailable[o.gate] = { engine: o.name, reason: o.reason };
    }
  }
  return setup;
}

/** `env` with the installed engines first on PATH. */
export function withEngines(env: NodeJS.ProcessEnv, setup: EngineSetup): NodeJS.ProcessEnv {
  if (setup.path.length === 0) return env;
  return { ...env, PATH: [...setup.path, env.PATH ?? ''].join(path.delimiter) };
}
