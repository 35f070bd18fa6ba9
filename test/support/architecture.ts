// The import directions between our top-level folders, as a pure check over source text (path -> source),
// so a test can run it on the real tree and on planted bad imports alike.
//
//   action        -> gates, policies, runner-image (their index.ts only), lib (any file)
//   gates         -> policies (index.ts only), lib
//   runner-image  -> lib
//   policies      -> nothing of ours
//   lib           -> nothing of ours (node: builtins and npm packages only)
//
// Every relative module specifier counts: static imports and re-exports, `import type`, side-effect
// imports, dynamic `import()` and `import('...')` types. Specifiers are found by a small tokenizer that
// skips comments, strings, template literals and regular expressions, so none of those is mistaken for one.
import path from 'node:path';

/** The folders the rules are about, each a top-level folder of the repository. */
export const SOURCE_FOLDERS = ['action', 'gates', 'policies', 'runner-image', 'lib'] as const;
export type SourceFolder = (typeof SOURCE_FOLDERS)[number];

interface Rule {
  /** Folders any file of which may be imported. */
  any: readonly SourceFolder[];
  /** Folders only whose index.ts may be imported. */
  index: readonly SourceFolder[];
  message: string;
}

export const RULES: Record<SourceFolder, Rule> = {
  action: {
    any: ['lib'],
    index: ['gates', 'policies', 'runner-image'],
    message:
      'action may import gates, policies, runner-image only through their index.ts, and any file of lib',
  },
  gates: {
    any: ['lib'],
    index: ['policies'],
    message:
      'gates may import policies only through policies/index.ts, and any file of lib; never action or runner-image',
  },
  'runner-image': {
    any: ['lib'],
    index: [],
    message: 'runner-image may import only lib',
  },
  policies: {
    any: [],
    index: [],
    message: 'policies imports nothing of ours outside policies/ (not even lib)',
  },
  lib: {
    any: [],
    index: [],
    message: 'lib imports nothing of ours outside lib/ (only node: builtins and npm packages)',
  },
};

export interface ImportSite {
  specifier: string;
  kind: 'static' | 'dynamic';
  line: number;
}

export interface Violation {
  file: string;
  specifier: string;
  /** The repository path the specifier resolves to. */
  target: string;
  rule: string;
}

export function formatViolation(v: Violation): string {
  return `${v.file}: imports '${v.specifier}' (${v.target}) — ${v.rule}`;
}

type Token = { type: 'word' | 'punct' | 'string'; value: string; line: number };

const REGEX_AFTER_WORD = new Set([
  'return',
  'typeof',
  'instanceof',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'case',
  'do',
  'else',
  'yield',
  'await',
]);

/** Words, punctuation and string literals' values; comments, template text and regex literals dropped. */
function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  // One entry per open `{`: true when it opened a template literal's `${`.
  const braces: boolean[] = [];
  let line = 1;
  let i = 0;
  const n = source.length;
  const prev = () => tokens[tokens.length - 1];

  // Scans template text from i (just after '`' or a closing '}' of `${`); stops after '`' or '${'.
  const templateText = () => {
    while (i < n) {
      const c = source[i];
      if (c === '\\') {
        i += 2;
        continue;
      }
      if (c === '\n') line++;
      if (c === '`') {
        i++;
        tokens.push({ type: 'punct', value: '`', line });
        return;
      }
      if (c === '$' && source[i + 1] === '{') {
        i += 2;
        braces.push(true);
        tokens.push({ type: 'punct', value: '${', line });
        return;
      }
      i++;
    }
  };

  while (i < n) {
    const c = source[i] as string;
    if (c === '\n') {
      line++;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === '/' && source[i + 1] === '/') {
      while (i < n && source[i] !== '\n') i++;
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let k = i; k < stop; k++) if (source[k] === '\n') line++;
      i = stop;
    } else if (c === "'" || c === '"') {
      let value = '';
      i++;
      while (i < n && source[i] !== c && source[i] !== '\n') {
        if (source[i] === '\\') {
          value += source[i + 1] ?? '';
          i += 2;
        } else {
          value += source[i];
          i++;
        }
      }
      i++;
      tokens.push({ type: 'string', value, line });
    } else if (c === '`') {
      i++;
      templateText();
    } else if (c === '/' && isRegexStart(prev())) {
      i++;
      let inClass = false;
      while (i < n && source[i] !== '\n') {
        const d = source[i];
        if (d === '\\') i++;
        else if (d === '[') inClass = true;
        else if (d === ']') inClass = false;
        else if (d === '/' && !inClass) break;
        i++;
      }
      i++;
      while (i < n && /[a-z]/i.test(source[i] as string)) i++;
      tokens.push({ type: 'punct', value: '/regex/', line });
    } else if (/[A-Za-z_$]/.test(c)) {
      let j = i + 1;
      while (j < n && /[\w$]/.test(source[j] as string)) j++;
      tokens.push({ type: 'word', value: source.slice(i, j), line });
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[\w.]/.test(source[j] as string)) j++;
      tokens.push({ type: 'word', value: source.slice(i, j), line });
      i = j;
    } else if (c === '{') {
      braces.push(false);
      tokens.push({ type: 'punct', value: c, line });
      i++;
    } else if (c === '}') {
      i++;
      if (braces.pop() === true) templateText();
      else tokens.push({ type: 'punct', value: c, line });
    } else {
      tokens.push({ type: 'punct', value: c, line });
      i++;
    }
  }
  return tokens;
}

function isRegexStart(prev: Token | undefined): boolean {
  if (prev === undefined) return true;
  if (prev.type === 'string') return false;
  if (prev.type === 'word') return REGEX_AFTER_WORD.has(prev.value);
  return ![')', ']', '}', '`', '/regex/'].includes(prev.value);
}

/** Every module specifier of a TypeScript source, relative or not. */
export function importSites(source: string): ImportSite[] {
  const t = tokenize(source);
  const out: ImportSite[] = [];
  const at = (k: number) => t[k];
  for (let k = 0; k < t.length; k++) {
    const tok = t[k] as Token;
    if (tok.type !== 'word') continue;
    const before = at(k - 1);
    // `x.import` or `{ import: ... }` is a property, not the keyword.
    if (before?.value === '.' || at(k + 1)?.value === ':') continue;
    if (tok.value === 'import') {
      const next = at(k + 1);
      if (next?.value === '(') {
        const spec = at(k + 2);
        if (spec?.type === 'string') out.push({ specifier: spec.value, kind: 'dynamic', line: spec.line });
        continue;
      }
      if (next === undefined || next.value === '.') continue; // import.meta
      // A static import: its specifier is the first string of the statement (`import 'x'`,
      // `import x from 'x'`, `import type { A } from 'x'`), before its end.
      for (let j = k + 1; j < t.length; j++) {
        const u = t[j] as Token;
        if (u.type === 'string') {
          out.push({ specifier: u.value, kind: 'static', line: u.line });
          break;
        }
        if (u.value === ';' || u.value === '(' || u.value === '=') break;
      }
    } else if (tok.value === 'export') {
      let j = k + 1;
      if (at(j)?.value === 'type') j++;
      if (at(j)?.value === '*') {
        j++;
        if (at(j)?.value === 'as') j += 2;
      } else if (at(j)?.value === '{') {
        while (j < t.length && at(j)?.value !== '}') j++;
        j++;
      } else continue;
      const spec = at(j + 1);
      if (at(j)?.value === 'from' && spec?.type === 'string')
        out.push({ specifier: spec.value, kind: 'static', line: spec.line });
    }
  }
  return out;
}

/** The top-level folder a repository path is in, when it is one the rules are about. */
export function folderOf(file: string): SourceFolder | undefined {
  const top = file.split('/')[0];
  return (SOURCE_FOLDERS as readonly string[]).includes(top ?? '') ? (top as SourceFolder) : undefined;
}

/** A relative specifier as a repository path: `./x.js` is the `x.ts` beside the importing file. */
export function resolveSpecifier(
  file: string,
  specifier: string,
  files: ReadonlyMap<string, string>,
): string {
  const joined = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
  for (const [js, ts] of [
    ['.js', '.ts'],
    ['.mjs', '.mts'],
    ['.cjs', '.cts'],
  ] as const) {
    if (joined.endsWith(js)) {
      const candidate = joined.slice(0, -js.length) + ts;
      if (files.has(candidate) || !files.has(joined)) return candidate;
    }
  }
  return joined;
}

function allowed(rule: Rule, target: string): boolean {
  const folder = folderOf(target);
  if (folder === undefined) return false;
  if (rule.any.includes(folder)) return true;
  return rule.index.includes(folder) && target === `${folder}/index.ts`;
}

/**
 * Every relative import that crosses between top-level folders against the rules, and every relative
 * import out of the source folders altogether (into test/, scripts/, the repository root).
 * `files`: repository path (POSIX, e.g. `action/run.ts`) -> source text.
 */
export function checkImports(files: ReadonlyMap<string, string>): Violation[] {
  const violations: Violation[] = [];
  for (const [file, source] of files) {
    const from = folderOf(file);
    if (from === undefined) continue;
    const rule = RULES[from];
    for (const { specifier } of importSites(source)) {
      if (!specifier.startsWith('./') && !specifier.startsWith('../')) continue;
      const target = resolveSpecifier(file, specifier, files);
      if (folderOf(target) === from) {
        if (!files.has(target) && /\.[cm]?ts$/.test(target)) {
          violations.push({ file, specifier, target, rule: 'resolves to no file' });
        }
        continue;
      }
      if (!allowed(rule, target)) violations.push({ file, specifier, target, rule: rule.message });
      else if (!files.has(target)) violations.push({ file, specifier, target, rule: 'resolves to no file' });
    }
  }
  return violations;
}

/** The npm package a bare specifier names (`@scope/name/sub` -> `@scope/name`); undefined for node: and relative ones. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:'))
    return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * lib/ ships in the bundle and runs everywhere: every package it imports must be a runtime dependency
 * (or a Node built-in), never a devDependency. Type-only imports count too.
 */
export function checkLibPackages(
  files: ReadonlyMap<string, string>,
  pkg: { dependencies?: Record<string, string>; devDependencies?: Record<string, string> },
  builtins: readonly string[],
): Violation[] {
  const violations: Violation[] = [];
  for (const [file, source] of files) {
    if (folderOf(file) !== 'lib') continue;
    for (const { specifier } of importSites(source)) {
      const name = packageOf(specifier);
      if (name === undefined || builtins.includes(name)) continue;
      if (pkg.dependencies?.[name] !== undefined) continue;
      const rule =
        pkg.devDependencies?.[name] !== undefined
          ? 'lib may not import a devDependency (it ships in the bundle)'
          : 'lib imports a package that is not a dependency in package.json';
      violations.push({ file, specifier, target: name, rule });
    }
  }
  return violations;
}
