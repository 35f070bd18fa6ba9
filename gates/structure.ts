// What a change may not add whatever its paths: submodule gitlinks, nested `.git` directories, and
// symbolic links that leave the repository, point at a protected path, or would put a protected path in
// place (`.github -> src/gh` makes src/gh/workflows/x.yml a workflow). Pure: paths, link targets and a
// protection test in, reasons out. The action's commit step and the policy gate both use it.
import path from 'node:path';

export const STRUCTURE_RULES = {
  gitlink: 'gitlink',
  symlink: 'symlink',
  nestedGit: 'nested-repository',
} as const;

export const MODE_GITLINK = '160000';
export const MODE_SYMLINK = '120000';
/** How many links are followed from one symlink before it counts as a problem. */
export const MAX_LINK_HOPS = 8;

/** Which rule protects a repository path, or undefined. */
export type ProtectedBy = (repoPath: string) => string | undefined;

/** True when a component of `p` is `.git` in any case (git's own name for a repository's directory). */
export function hasGitComponent(p: string): boolean {
  return p.split('/').some((part) => part.toLowerCase() === '.git');
}

/** The repository path a link at `link` with `target` points to (`.` for the root); undefined when it leaves. */
export function linkTarget(link: string, target: string): string | undefined {
  if (target === '' || target.startsWith('/') || target.includes('\0')) return undefined;
  const joined = path.posix.normalize(path.posix.join(path.posix.dirname(link), target)).replace(/\/$/, '');
  if (joined === '..' || joined.startsWith('../')) return undefined;
  return joined === '' ? '.' : joined;
}

/**
 * The rule that would protect something inside a directory at `dir`: each glob is tried with `dir`
 * standing for one of its leading directory parts (`.github` for `.github/workflows/**`, `.cursor` for
 * `** /.cursor/rules/**`).
 */
export function shadowedRule(
  dir: string,
  globs: readonly string[],
  protectedBy: ProtectedBy,
): string | undefined {
  for (const glob of globs) {
    const segs = glob.split('/');
    for (let k = 1; k < segs.length; k++) {
      if (segs[k - 1] === '**') continue;
      const rest = segs
        .slice(k)
        .map((s) => s.replace(/\*\*?|\?/g, 'x').replace(/[{}[\]]/g, ''))
        .join('/');
      const rule = protectedBy(`${dir}/${rest}`);
      if (rule) return rule;
    }
  }
  return undefined;
}

export interface LinkContext {
  /** Link targets at head, by link path (the links of the change at least). */
  links: ReadonlyMap<string, string>;
  /** Paths at head below a directory (without the trailing slash). */
  filesUnder: (dir: string) => readonly string[];
  /** The globs of the protecting rules, for `shadowedRule`. */
  protectedGlobs: readonly string[];
  protectedBy: ProtectedBy;
}

/** Why the symbolic link at `link` must not land, or undefined. */
export function symlinkProblem(link: string, ctx: LinkContext): string | undefined {
  const own = ctx.protectedBy(link);
  if (own) return `its path is protected by rule '${own}'`;
  let at = link;
  let target = ctx.links.get(link) ?? '';
  let resolved: string | undefined;
  for (let hop = 0; ; hop++) {
    resolved = linkTarget(at, target);
    if (resolved === undefined) return `it points out of the repository (${JSON.stringify(target)})`;
    if (resolved === '.') return 'it points at the repository root';
    if (hasGitComponent(resolved)) return `it points into a .git directory (${resolved})`;
    const rule = ctx.protectedBy(resolved);
    if (rule) return `it points at ${resolved}, which rule '${rule}' protects`;
    const next = ctx.links.get(resolved);
    if (next === undefined) break;
    if (hop >= MAX_LINK_HOPS) return `it is a chain of more than ${MAX_LINK_HOPS} links`;
    at = resolved;
    target = next;
  }
  const shadow = shadowedRule(link, ctx.protectedGlobs, ctx.protectedBy);
  if (shadow) return `as a directory it stands where rule '${shadow}' protects what is inside`;
  // What is under the target directory shows under the link: none of it may be protected there.
  for (const f of ctx.filesUnder(resolved)) {
    const seen = `${link}/${f.slice(resolved.length + 1)}`;
    const rule = ctx.protectedBy(seen);
    if (rule) return `it shows ${f} as ${seen}, which rule '${rule}' protects`;
  }
  return undefined;
}

export interface StructureEntry {
  path: string;
  mode: string;
  deleted: boolean;
}

export interface StructureProblem {
  path: string;
  ruleId: (typeof STRUCTURE_RULES)[keyof typeof STRUCTURE_RULES];
  reason: string;
}

/** The gitlinks, `.git` paths and unsafe links among the added or changed entries of a change. */
export function structureProblems(entries: readonly StructureEntry[], ctx: LinkContext): StructureProblem[] {
  const out: StructureProblem[] = [];
  for (const e of entries) {
    if (e.deleted) continue;
    if (hasGitComponent(e.path)) {
      out.push({
        path: e.path,
        ruleId: STRUCTURE_RULES.nestedGit,
        reason: `${e.path} is inside a .git directory: a repository of its own is never added`,
      });
    } else if (e.mode === MODE_GITLINK) {
      out.push({
        path: e.path,
        ruleId: STRUCTURE_RULES.gitlink,
        reason: `${e.path} is a gitlink (a submodule's commit): what code a checkout fetches is for a person to change`,
      });
    } else if (e.mode === MODE_SYMLINK) {
      const problem = symlinkProblem(e.path, ctx);
      if (problem)
        out.push({
          path: e.path,
          ruleId: STRUCTURE_RULES.symlink,
          reason: `${e.path} is a symbolic link: ${problem}`,
        });
    }
  }
  return out;
}
