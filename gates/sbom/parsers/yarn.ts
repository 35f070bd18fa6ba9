// yarn.lock: classic (v1, yarn's own indented format) and berry (v2+, YAML with `__metadata`, keys
// such as `"a@npm:^1.0.0, a@npm:^1.1.0":` and a `resolution:` naming what was installed). Neither
// records which packages the project asked for; each entry keeps its requests so that the
// package.json beside it can mark them direct, and so that a bump under one request pairs its old and
// new versions.

import { parse as parseYaml } from 'yaml';
import {
  DependencyFileError,
  type Entry,
  isLocalSpec,
  isRecord,
  makeDependency,
  requestKey,
  splitAtVersion,
  str,
} from './common.js';

/** Splits a block header (`"a@^1.0.0", a@^1.1.0` or berry's `a@npm:^1.0.0, a@npm:^1.1.0`) into descriptors. */
function descriptors(header: string): string[] {
  const out: string[] = [];
  for (const m of header.matchAll(/"([^"]*)"|([^,\s][^,]*)/g)) {
    const d = (m[1] ?? m[2] ?? '').trim();
    if (d !== '') out.push(d);
  }
  return out;
}

/** The real package name of a request: `a@npm:b@^1` is `b`, anything else its own name. */
function requested(descriptor: string): { alias: string; range: string; name: string } | undefined {
  const split = splitAtVersion(descriptor);
  if (split === undefined) return undefined;
  const [alias, range] = split;
  const aliased = range.startsWith('npm:') ? splitAtVersion(range.slice(4)) : undefined;
  return { alias, range, name: aliased?.[0] ?? alias };
}

export function parseYarnLock(file: string, content: string): Entry[] {
  return /^__metadata:/m.test(content) ? parseBerry(file, content) : parseClassic(file, content);
}

function parseClassic(file: string, content: string): Entry[] {
  const entries: Entry[] = [];
  let block: { line: number; descs: string[]; version?: string } | undefined;
  const finish = () => {
    if (block === undefined) return;
    const reqs = block.descs.map(requested);
    const first = reqs[0];
    if (first === undefined || reqs.some((r) => r === undefined)) {
      throw new DependencyFileError(
        file,
        `line ${block.line}: expected "name@range" entries, found "${block.descs.join(', ')}"`,
      );
    }
    if (block.version === undefined) {
      throw new DependencyFileError(file, `line ${block.line}: the entry for ${first.alias} has no version`);
    }
    const valid = reqs.filter((r) => r !== undefined);
    if (!valid.every((r) => isLocalSpec(r.range))) {
      const requests = valid.map((r) => requestKey(r.alias, r.range));
      entries.push({ dep: makeDependency('npm', first.name, block.version, file), requests, at: requests });
    }
    block = undefined;
  };

  const lines = content.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    if (!/^\s/.test(line)) {
      finish();
      if (!line.endsWith(':')) {
        throw new DependencyFileError(
          file,
          `line ${i + 1}: expected an entry header ending in ":", found "${line}"`,
        );
      }
      block = { line: i + 1, descs: descriptors(line.slice(0, -1)) };
      continue;
    }
    const field = /^ {2}version:? +"?([^"\s]+)"?\s*$/.exec(line);
    if (field?.[1] !== undefined && block !== undefined) block.version = field[1];
  }
  finish();
  return entries;
}

function parseBerry(file: string, content: string): Entry[] {
  let data: unknown;
  try {
    // failsafe: every scalar stays a string, so `version: 1.10` is not read as the number 1.1.
    data = parseYaml(content, { schema: 'failsafe' });
  } catch (e) {
    throw new DependencyFileError(file, `not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
  if (!isRecord(data)) throw new DependencyFileError(file, 'expected a YAML mapping');
  const entries: Entry[] = [];
  for (const [key, raw] of Object.entries(data)) {
    if (key === '__metadata') continue;
    if (!isRecord(raw)) throw new DependencyFileError(file, `the entry "${key}" is not a mapping`);
    const resolution = str(raw.resolution);
    const version = str(raw.version);
    if (resolution === undefined || version === undefined) {
      throw new DependencyFileError(file, `the entry "${key}" has no resolution or version`);
    }
    // The resolution names the package actually installed: `b@npm:1.0.0`, `a@workspace:packages/a`.
    const resolved = splitAtVersion(resolution);
    if (resolved === undefined) {
      throw new DependencyFileError(file, `the entry "${key}" has an unreadable resolution "${resolution}"`);
    }
    if (isLocalSpec(resolved[1])) {
      entries.push({ dep: makeDependency('npm', resolved[0], '', file), local: true });
      continue;
    }
    const reqs = descriptors(key)
      .map(requested)
      .filter((r) => r !== undefined);
    const requests = reqs.map((r) => requestKey(r.alias, r.range));
    entries.push({ dep: makeDependency('npm', resolved[0], version, file), requests, at: requests });
  }
  return entries;
}
