// The embedded SAST engine: ast-grep's Node binding (a native module) runs the rule pack in-process, so
// the gate needs no binary on PATH. The shipped action carries the binding and the Python and Go
// grammars for Linux x64 and arm64 (glibc) under `vendor/ast-grep/<platform>/` beside the bundle; run
// from source or an npm install, they come from node_modules (`@ast-grep/napi`, `@ast-grep/lang-*`).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { findInFiles as FindInFiles, NapiConfig, SgNode } from '@ast-grep/napi';
import { AST_GREP_LANGUAGE_GLOBS, AST_GREP_RULES_JSON } from '../../policies/index.js';
import { EngineError, type EngineOutput, materialize, type TextFile } from '../engine.js';
import type { RawFinding, Severity } from '../types.js';
import { findingFromRule } from './rules.js';

/** What the native module gives us (a subset of `@ast-grep/napi`). */
interface AstGrepBinding {
  findInFiles: typeof FindInFiles;
  registerDynamicLanguage(langs: Record<string, DynamicLanguage>): void;
}

interface DynamicLanguage {
  libraryPath: string;
  extensions: string[];
  languageSymbol: string;
  expandoChar: string;
}

/** The grammars loaded beside the binding's built-in ones; `package` is the npm package carrying them. */
export const DYNAMIC_LANGUAGES = {
  python: { package: '@ast-grep/lang-python', extensions: ['py', 'pyi'], symbol: 'tree_sitter_python' },
  go: { package: '@ast-grep/lang-go', extensions: ['go'], symbol: 'tree_sitter_go' },
} as const;

/** `<platform>-<arch>` directories the shipped action carries (glibc Linux, as GitHub's runners are). */
export const VENDORED_PLATFORMS = ['linux-x64', 'linux-arm64'] as const;

/** The vendored directory's manifest, written by scripts/vendor-engines.mjs. */
export interface VendorManifest {
  version: string;
  binding: string;
  grammars: Record<string, string>;
}

const SEVERITY: Record<string, Severity> = { error: 'high', warning: 'medium', info: 'low', hint: 'info' };

interface Loaded {
  binding: AstGrepBinding;
  /** `ast-grep <version> (<where it came from>)` */
  engine: string;
}

let loaded: Loaded | undefined;

/** `<platform>-<arch>`; on a musl Linux the glibc build fails to load and the error says so. */
function platformKey(): string {
  return `${process.platform}-${process.arch}`;
}

/** `vendor/` beside the running bundle; in a source checkout there is none. */
function vendorRoot(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), 'vendor', 'ast-grep');
}

function loadVendored(dir: string): Loaded {
  const require = createRequire(import.meta.url);
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as VendorManifest;
  const binding = require(path.join(dir, manifest.binding)) as AstGrepBinding;
  const langs: Record<string, DynamicLanguage> = {};
  for (const [name, lang] of Object.entries(DYNAMIC_LANGUAGES)) {
    const file = manifest.grammars[name];
    if (file === undefined) throw new Error(`${dir}/manifest.json lists no ${name} grammar`);
    langs[name] = {
      libraryPath: path.join(dir, file),
      extensions: [...lang.extensions],
      languageSymbol: lang.symbol,
      expandoChar: 'µ',
    };
  }
  binding.registerDynamicLanguage(langs);
  return { binding, engine: `ast-grep ${manifest.version}` };
}

function loadInstalled(): Loaded {
  const require = createRequire(import.meta.url);
  const binding = require('@ast-grep/napi') as AstGrepBinding;
  const version = (require('@ast-grep/napi/package.json') as { version: string }).version;
  const langs: Record<string, DynamicLanguage> = {};
  for (const [name, lang] of Object.entries(DYNAMIC_LANGUAGES)) {
    const pkg = require(lang.package) as { libraryPath: string };
    langs[name] = {
      libraryPath: pkg.libraryPath,
      extensions: [...lang.extensions],
      languageSymbol: lang.symbol,
      expandoChar: 'µ',
    };
  }
  binding.registerDynamicLanguage(langs);
  return { binding, engine: `ast-grep ${version}` };
}

/**
 * The binding, loaded once per process: the vendored copy for this platform when the bundle carries
 * one, else the installed packages. An EngineError says what was looked for.
 */
export function loadAstGrep(): Loaded {
  if (loaded) return loaded;
  const key = platformKey();
  const dir = path.join(vendorRoot(), key);
  const problems: string[] = [];
  if (existsSync(path.join(dir, 'manifest.json'))) {
    try {
      loaded = loadVendored(dir);
      return loaded;
    } catch (e) {
      problems.push(`the vendored binding in ${dir} did not load: ${(e as Error).message}`);
    }
  }
  try {
    loaded = loadInstalled();
    return loaded;
  } catch (e) {
    problems.push(`@ast-grep/napi is not installed for ${key}: ${(e as Error).message.split('\n')[0]}`);
  }
  throw new EngineError(
    'ast-grep',
    `the embedded SAST engine is not available on ${key} (the action carries it for ${VENDORED_PLATFORMS.join(
      ' and ',
    )}, glibc): ${problems.join('; ')}. Install semgrep or opengrep on PATH, or run agentgate from an npm install on this platform.`,
  );
}

interface PackRule {
  id: string;
  language: string;
  severity?: string;
  message?: string;
  note?: string;
  metadata?: Record<string, unknown>;
  rule: NapiConfig['rule'];
  utils?: NapiConfig['utils'];
  constraints?: NapiConfig['constraints'];
}

/** Rule keys the engine acts on or ignores knowingly (a fix is advice, never applied). */
const RULE_KEYS = new Set([
  'file',
  'id',
  'language',
  'severity',
  'message',
  'note',
  'metadata',
  'rule',
  'utils',
  'constraints',
  'url',
  'fix',
]);

let packRules: { rules: PackRule[]; languages: Map<string, string> } | undefined;

/**
 * The ast-grep rule pack (policies/sast/ast-grep/, parsed when it was generated) and which language each
 * file extension is scanned as (the pack's sgconfig `languageGlobs`, then each dynamic language's).
 */
export function astGrepPack(): { rules: PackRule[]; languages: Map<string, string> } {
  if (packRules) return packRules;
  const languages = new Map<string, string>();
  for (const [lang, globs] of Object.entries(AST_GREP_LANGUAGE_GLOBS)) {
    for (const glob of globs) languages.set(glob.replace(/^\*/, '').toLowerCase(), lang);
  }
  for (const [name, lang] of Object.entries(DYNAMIC_LANGUAGES)) {
    for (const ext of lang.extensions) languages.set(`.${ext}`, name);
  }
  const rules = JSON.parse(AST_GREP_RULES_JSON) as (PackRule & { file: string })[];
  for (const rule of rules) {
    const unknown = Object.keys(rule).filter((k) => !RULE_KEYS.has(k));
    if (unknown.length > 0) {
      throw new Error(`${rule.file}: the embedded engine does not support ${unknown.join(', ')}`);
    }
    if (typeof rule.id !== 'string' || typeof rule.language !== 'string' || rule.rule === undefined) {
      throw new Error(`${rule.file}: a rule needs id, language and rule`);
    }
  }
  packRules = { rules, languages };
  return packRules;
}

/** The language a repository path is scanned as, or undefined when the pack has no rules for it. */
export function astGrepLanguageOf(file: string): string | undefined {
  return astGrepPack().languages.get(path.extname(file).toLowerCase());
}

/**
 * Runs one rule over files; resolves once every file's callback has arrived (the binding may call back
 * after its promise settles).
 */
async function findAll(
  binding: AstGrepBinding,
  lang: string,
  paths: string[],
  matcher: NapiConfig,
): Promise<SgNode[]> {
  const nodes: SgNode[] = [];
  let calls = 0;
  let failure: Error | undefined;
  const files = await binding.findInFiles(lang, { paths, matcher }, (err, found) => {
    calls++;
    if (err) failure ??= err;
    else nodes.push(...found);
  });
  for (let spins = 0; calls < files && spins < 10_000; spins++) {
    await new Promise((r) => setImmediate(r));
  }
  if (calls < files) throw new Error(`ast-grep reported ${calls} of ${files} files`);
  if (failure) throw failure;
  return nodes;
}

/** Scans the files with the embedded pack. Every file is named explicitly, so no ignore file hides one. */
export async function scanWithAstGrep(files: readonly TextFile[]): Promise<EngineOutput> {
  const { binding, engine } = loadAstGrep();
  const pack = (() => {
    try {
      return astGrepPack();
    } catch (e) {
      throw new EngineError(engine, `the rule pack does not load: ${(e as Error).message}`);
    }
  })();
  const byLanguage = new Map<string, TextFile[]>();
  for (const f of files) {
    const lang = pack.languages.get(path.extname(f.path).toLowerCase());
    if (lang !== undefined) byLanguage.set(lang, [...(byLanguage.get(lang) ?? []), f]);
  }
  if (byLanguage.size === 0) return { engine, findings: [] };
  const src = await materialize([...byLanguage.values()].flat());
  try {
    // One rule at a time over its language's files: the binding already spreads a call over all cores.
    const findings: RawFinding[] = [];
    for (const [lang, langFiles] of byLanguage) {
      const paths = langFiles.map((f) => path.join(src.dir, f.path));
      const napiLang = lang === 'tsx' ? 'Tsx' : lang;
      for (const rule of pack.rules.filter((r) => r.language === lang)) {
        const matcher: NapiConfig = { rule: rule.rule };
        if (rule.utils) matcher.utils = rule.utils;
        if (rule.constraints) matcher.constraints = rule.constraints;
        let nodes: SgNode[];
        try {
          nodes = await findAll(binding, napiLang, paths, matcher);
        } catch (e) {
          throw new EngineError(engine, `ast-grep rule ${rule.id} failed: ${(e as Error).message}`);
        }
        for (const node of nodes) {
          const range = node.range();
          findings.push(
            findingFromRule({
              ruleId: rule.id,
              file: path.relative(src.dir, node.getRoot().filename()).split(path.sep).join('/'),
              line: range.start.line + 1,
              endLine: range.end.line + 1,
              column: range.start.column + 1,
              message: rule.message ?? rule.id,
              note: rule.note,
              metadata: rule.metadata ?? {},
              fallbackSeverity: SEVERITY[rule.severity ?? ''] ?? 'medium',
            }),
          );
        }
      }
    }
    findings.sort(
      (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.ruleId.localeCompare(b.ruleId),
    );
    return { engine, findings };
  } finally {
    await src.cleanup();
  }
}
