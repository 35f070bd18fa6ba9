// Path containment: a path the model names must resolve, through every symlink, to a place inside the
// work tree. `..`, absolute paths elsewhere and links that point out are refused with a reason.
import { realpathSync } from 'node:fs';
import path from 'node:path';

export type Resolved = { ok: true; abs: string; rel: string } | { ok: false; reason: string };

/** True when `p` is `root` or below it (both absolute, already resolved). */
export function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Realpath of `p`, or of its deepest existing ancestor joined with the rest (for files not yet created). */
function realpathLoose(p: string): string {
  const missing: string[] = [];
  let cur = p;
  for (;;) {
    try {
      const real = realpathSync(cur);
      return missing.length === 0 ? real : path.join(real, ...missing.reverse());
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
      const parent = path.dirname(cur);
      if (parent === cur) return p;
      missing.push(path.basename(cur));
      cur = parent;
    }
  }
}

/**
 * Resolves `input` (relative to `root`, or absolute) and checks it stays inside `root`.
 * `root` must already be a realpath. The returned `rel` is POSIX-style ('' for the root itself → '.').
 */
export function resolveInside(root: string, input: string): Resolved {
  if (input.includes('\0')) return { ok: false, reason: 'path contains a NUL byte' };
  if (input.trim() === '') return { ok: false, reason: 'path is empty' };
  const lexical = path.resolve(root, input);
  if (!inside(root, lexical)) {
    return { ok: false, reason: `'${input}' resolves outside the repository` };
  }
  let real: string;
  try {
    real = realpathLoose(lexical);
  } catch (e) {
    return { ok: false, reason: `'${input}' cannot be resolved: ${(e as Error).message}` };
  }
  if (!inside(root, real)) {
    return { ok: false, reason: `'${input}' is a symlink (or under one) that leads outside the repository` };
  }
  const rel = path.relative(root, real).split(path.sep).join('/');
  return { ok: true, abs: real, rel: rel === '' ? '.' : rel };
}
