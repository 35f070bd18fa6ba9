// The embedded secrets engine: gitleaks' detection model, evaluated in-process with RE2 semantics.
// Per file: the global path allowlists; one keyword pass (Aho-Corasick) picks the rules worth running;
// each rule's regex finds matches over the whole file (so a PEM block spanning lines is one match); the
// secret is the rule's capture group; a rule's entropy threshold, then the global and the rule's
// allowlists (regexes on the secret, match or line; stopwords; paths) may drop it; composite rules keep
// a finding only when their required rules match near it; a generic rule's finding yields to a specific
// rule's on the same line. Every finding carries the line and column of its match (columns count
// characters, where gitleaks counts UTF-8 bytes).
//
// Unlike gitleaks, a `gitleaks:allow` comment does not silence a finding here: the change under review
// could add one. The policy gate reports such comments.
import type { EngineOutput, TextFile } from '../engine.js';
import type { RawFinding } from '../types.js';
import { VERSION } from '../version.js';
import { KeywordSet, type Pattern, shannonEntropy } from './regex.js';
import type { SecretAllowlist, SecretRule, SecretsConfig } from './rules.js';

/** The engine's name in reports. */
export const EMBEDDED_SECRETS_ENGINE = `agentgate-secrets ${VERSION}`;

const FIX =
  'Remove the secret from the change, rotate it, and read it from the environment or a secret store.';

// How the capturing matcher is kept from walking the whole file. re2js finds capture groups with an NFA
// about 20 times slower than its DFA, and an unanchored NFA search walks every character before the
// match. So the DFA first proves that a window of WINDOW + REACH characters holds a whole match (most
// windows of most files hold none, and are skipped at DFA speed); only then does the NFA run, from the
// window's start, and it stops at the end of the first match. A match longer than REACH (64 KiB; the
// largest PEM keys are under 10 KiB) that starts in a file's window may be missed; nothing shorter is.
const WINDOW = 32 * 1024;
const REACH = 64 * 1024;

/** A match of one rule in one file, before it becomes a finding. */
interface Hit {
  rule: SecretRule;
  /** Offsets of the match in the file. */
  start: number;
  end: number;
  secret: string;
  line: number;
  endLine: number;
  column: number;
}

/** The newline offsets of a file, computed when its first match needs a line number. */
class Lines {
  private starts: number[] | undefined;

  constructor(private readonly text: string) {}

  private index(): number[] {
    if (this.starts === undefined) {
      const starts = [0];
      for (let i = this.text.indexOf('\n'); i >= 0; i = this.text.indexOf('\n', i + 1)) starts.push(i + 1);
      this.starts = starts;
    }
    return this.starts;
  }

  /** The 0-based line holding an offset. */
  lineAt(offset: number): number {
    const starts = this.index();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  startOf(line: number): number {
    return this.index()[line] ?? this.text.length;
  }

  /** The text of lines first..last, without the final newline. */
  between(first: number, last: number): string {
    const end = this.index()[last + 1];
    return this.text.slice(this.startOf(first), end === undefined ? this.text.length : end - 1);
  }
}

type Matcher = ReturnType<Pattern['re']['matcher']>;

/**
 * Whether p matches in text[from, to), seen with one character of context before it, so that \b and \B
 * at `from` read as they do in the whole text. Only a filter: the slice's end can make the DFA see a
 * match the whole text lacks ($, \b), never hide one that ends before it.
 */
function matchesIn(p: Pattern, text: string, from: number, to: number): boolean {
  return p.re.test(from === 0 && to === text.length ? text : text.slice(Math.max(0, from - 1), to));
}

/**
 * The first match of p in text at or after `from`, as offsets [start, end, group 1 start, group 1 end, …]
 * (-1 for a group that did not take part), or undefined.
 */
function nextMatch(
  p: Pattern,
  text: string,
  from: number,
  state: { matcher?: Matcher },
): number[] | undefined {
  const n = text.length;
  // Most files that hold a rule's keyword hold no match at all: one DFA pass over the rest says so.
  if (!matchesIn(p, text, from, n)) return undefined;
  for (let w = from; w < n; w += WINDOW) {
    const limit = Math.min(n, w + WINDOW + REACH);
    if (limit < n && !matchesIn(p, text, w, limit)) continue;
    state.matcher ??= p.re.matcher(text);
    const m = state.matcher;
    if (!m.find(w)) return undefined;
    const offsets: number[] = [m.start(), m.end()];
    for (let g = 1; g <= p.groups; g++) offsets.push(m.start(g), m.end(g));
    return offsets;
  }
  return undefined;
}

function secretOf(rule: SecretRule, text: string, offsets: number[]): string {
  const group = (g: number): string => {
    const s = offsets[2 * g] ?? -1;
    const e = offsets[2 * g + 1] ?? -1;
    return s >= 0 && e >= s ? text.slice(s, e) : '';
  };
  if (rule.secretGroup > 0) return group(rule.secretGroup);
  const groups = (offsets.length - 2) / 2;
  for (let g = 1; g <= groups; g++) {
    const s = group(g);
    if (s !== '') return s;
  }
  return '';
}

function pathAllowed(a: SecretAllowlist, path: string): boolean {
  return a.paths.some((p) => p.re.test(path));
}

/** gitleaks' checkCommitOrPathAllowed: may the whole file be skipped? (No commit is ever known here.) */
function fileAllowed(allowlists: readonly SecretAllowlist[], path: string): boolean {
  return allowlists.some((a) => {
    if (a.condition === 'OR') return pathAllowed(a, path);
    if (a.regexes.length > 0 || a.stopwords.length > 0) return false; // decided per finding
    return a.commits.length === 0 && a.paths.length > 0 && pathAllowed(a, path);
  });
}

/** gitleaks' checkFindingAllowed for one finding. */
function findingAllowed(
  allowlists: readonly SecretAllowlist[],
  hit: { secret: string; match: string; line: string },
  path: string,
): boolean {
  return allowlists.some((a) => {
    const target = a.regexTarget === 'match' ? hit.match : a.regexTarget === 'line' ? hit.line : hit.secret;
    const regex = target !== '' && a.regexes.some((r) => r.re.test(target));
    const lower = hit.secret.toLowerCase();
    const stopword = hit.secret !== '' && a.stopwords.some((w) => lower.includes(w));
    if (a.condition === 'OR') return regex || stopword;
    const checks: boolean[] = [];
    if (a.commits.length > 0) checks.push(false);
    if (a.paths.length > 0) checks.push(pathAllowed(a, path));
    if (a.regexes.length > 0) checks.push(regex);
    if (a.stopwords.length > 0) checks.push(stopword);
    return checks.every(Boolean);
  });
}

/** What a configuration needs at scan time, built once per configuration. */
interface Prepared {
  config: SecretsConfig;
  keywords: KeywordSet;
  /** Per rule, the indexes of its keywords in `keywords`. */
  ruleKeywords: Map<SecretRule, number[]>;
  byId: Map<string, SecretRule>;
}

const prepared = new WeakMap<SecretsConfig, Prepared>();

function prepare(config: SecretsConfig): Prepared {
  let p = prepared.get(config);
  if (p === undefined) {
    const all = [...new Set(config.rules.flatMap((r) => r.keywords))];
    const index = new Map(all.map((k, i) => [k, i]));
    p = {
      config,
      keywords: new KeywordSet(all),
      ruleKeywords: new Map(config.rules.map((r) => [r, r.keywords.map((k) => index.get(k) as number)])),
      byId: new Map(config.rules.map((r) => [r.id, r])),
    };
    prepared.set(config, p);
  }
  return p;
}

/** One rule over one file (gitleaks' detectRule). */
function detectRule(rule: SecretRule, file: TextFile, lines: Lines, config: SecretsConfig): Hit[] | 'file' {
  if (fileAllowed(rule.allowlists, file.path)) return [];
  if (rule.path !== undefined && !rule.path.re.test(file.path)) return [];
  if (rule.regex === undefined) return rule.path === undefined ? [] : 'file';
  const text = file.content;
  const hits: Hit[] = [];
  const state = {};
  for (let from = 0; from < text.length; ) {
    const offsets = nextMatch(rule.regex, text, from, state);
    if (offsets === undefined) break;
    let [start = 0, end = 0] = offsets;
    from = end > start ? end : end + 1;
    // As gitleaks does: newlines at either end of a match are not part of it.
    while (start < end && text[start] === '\n') start++;
    while (end > start && text[end - 1] === '\n') end--;
    if (end === start) continue;
    const match = text.slice(start, end);
    const secret = secretOf(rule, text, offsets) || match;
    if (rule.entropy > 0 && shannonEntropy(secret) <= rule.entropy) continue;
    const line = lines.lineAt(start);
    const endLine = lines.lineAt(end - 1);
    const seen = { secret, match, line: lines.between(line, endLine) };
    if (findingAllowed(config.allowlists, seen, file.path)) continue;
    if (findingAllowed(rule.allowlists, seen, file.path)) continue;
    hits.push({
      rule,
      start,
      end,
      secret,
      line: line + 1,
      endLine: endLine + 1,
      column: start - lines.startOf(line) + 1,
    });
  }
  return hits;
}

function near(a: Hit, b: Hit, within: { withinLines?: number; withinColumns?: number }): boolean {
  if (within.withinLines !== undefined && Math.abs(a.line - b.line) > within.withinLines) return false;
  if (within.withinColumns !== undefined && Math.abs(a.column - b.column) > within.withinColumns)
    return false;
  return true;
}

const isGeneric = (rule: SecretRule) => rule.id.toLowerCase().includes('generic');

/** Scans one file with a prepared configuration. */
function scanFile(file: TextFile, p: Prepared): RawFinding[] {
  const { config } = p;
  if (fileAllowed(config.allowlists, file.path)) return [];
  const found = p.keywords.find(file.content);
  const lines = new Lines(file.content);
  const memo = new Map<SecretRule, Hit[] | 'file'>();
  const run = (rule: SecretRule) => {
    let hits = memo.get(rule);
    if (hits === undefined) {
      hits = detectRule(rule, file, lines, config);
      memo.set(rule, hits);
    }
    return hits;
  };
  const hits: Hit[] = [];
  const findings: RawFinding[] = [];
  for (const rule of config.rules) {
    if (rule.skipReport) continue;
    const kw = p.ruleKeywords.get(rule) ?? [];
    if (kw.length > 0 && !kw.some((k) => found.has(k))) continue;
    const result = run(rule);
    if (result === 'file') {
      findings.push({
        ruleId: `secret/${rule.id}`,
        severity: 'critical',
        file: file.path,
        line: 0,
        scope: 'file',
        message: `Possible secret file: ${rule.description || rule.id}`,
        fix: 'Remove the file from the change, rotate what it holds, and keep it out of the repository.',
        cwe: ['CWE-798'],
      });
      continue;
    }
    if (rule.required.length === 0) {
      hits.push(...result);
      continue;
    }
    // A composite rule: every required rule must match near the finding.
    for (const hit of result) {
      const ok = rule.required.every((req) => {
        const other = p.byId.get(req.id);
        const theirs = other === undefined ? [] : run(other);
        return theirs !== 'file' && theirs.some((h) => near(hit, h, req));
      });
      if (ok) hits.push(hit);
    }
  }
  hits.sort((a, b) => a.start - b.start || a.end - b.end);
  // gitleaks' rule: a generic finding gives way to a specific rule's finding of the same secret on its line.
  const specific = new Map<number, Hit[]>();
  for (const hit of hits) {
    if (!isGeneric(hit.rule)) specific.set(hit.line, [...(specific.get(hit.line) ?? []), hit]);
  }
  for (const hit of hits) {
    if (isGeneric(hit.rule) && specific.get(hit.line)?.some((o) => o.secret.includes(hit.secret))) continue;
    const finding: RawFinding = {
      ruleId: `secret/${hit.rule.id}`,
      severity: 'critical',
      file: file.path,
      line: hit.line,
      column: hit.column,
      message: `Possible secret: ${hit.rule.description || hit.rule.id}`,
      fix: FIX,
      cwe: ['CWE-798'],
      secret: hit.secret,
    };
    if (hit.endLine !== hit.line) finding.endLine = hit.endLine;
    findings.push(finding);
  }
  return findings;
}

/** Scans files with a configuration (agentgate's pack, or a repository's .gitleaks.toml). */
export function scanWithRules(files: readonly TextFile[], config: SecretsConfig): RawFinding[] {
  const p = prepare(config);
  return files.flatMap((file) => scanFile(file, p));
}

/** The embedded engine's output for files scanned with a configuration. */
export function scanEmbedded(files: readonly TextFile[], config: SecretsConfig): EngineOutput {
  return { engine: EMBEDDED_SECRETS_ENGINE, findings: scanWithRules(files, config) };
}
