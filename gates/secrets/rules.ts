// The rule model of the embedded secrets engine, read from gitleaks' TOML configuration format so that a
// team's existing .gitleaks.toml works as it is: [[rules]] (id, description, regex, secretGroup, entropy,
// keywords, path, tags, skipReport, [[rules.required]]), their [[rules.allowlists]] (or the older
// [rules.allowlist]), the global [[allowlists]] (or [allowlist]) with targetRules, and
// [extend] useDefault / disabledRules. Keys are matched without regard to case, as gitleaks' config
// reader does. Anything else is an error naming the file, the rule and the field, because a rule that
// silently does nothing is a secret that silently passes.
import { parse as parseToml, TomlError } from 'smol-toml';
import { SECRETS_PACK_SOURCE, SECRETS_PACK_TEXT } from '../../policies/index.js';
import { compilePattern, lazyPattern, type Pattern, PatternError } from './regex.js';

export type RegexTarget = 'secret' | 'match' | 'line';

export interface SecretAllowlist {
  description: string;
  /** OR: any one check allows a finding; AND: every check the allowlist has must. */
  condition: 'OR' | 'AND';
  /** Commits to skip. The gate scans file contents, not history, so these never match here. */
  commits: string[];
  paths: Pattern[];
  /** What `regexes` are tested against: the secret (default), the whole match, or its line(s). */
  regexTarget: RegexTarget;
  regexes: Pattern[];
  /** Lowercased; a secret containing one is allowed. */
  stopwords: string[];
}

/** A rule that must also match near a finding of a composite rule for it to count. */
export interface RequiredRule {
  id: string;
  withinLines?: number;
  withinColumns?: number;
}

export interface SecretRule {
  id: string;
  description: string;
  /** Absent for a path-only rule, which reports files by name. */
  regex?: Pattern;
  /** The capture group holding the secret; 0: the first non-empty group, or the whole match. */
  secretGroup: number;
  /** The secret's Shannon entropy must be above this (0: no threshold). */
  entropy: number;
  /** Only files whose path matches. */
  path?: Pattern;
  /** Lowercased; the rule runs only on files containing one of them (all files when empty). */
  keywords: string[];
  tags: string[];
  allowlists: SecretAllowlist[];
  required: RequiredRule[];
  /** Matches only as another rule's required part, never reported alone. */
  skipReport: boolean;
}

export interface SecretsConfig {
  /** The file the rules came from, for messages. */
  source: string;
  title: string;
  rules: SecretRule[];
  allowlists: SecretAllowlist[];
}

/** A configuration that cannot be used. The message starts with the file and names the rule and field. */
export class SecretsConfigError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'SecretsConfigError';
  }
}

type Table = Record<string, unknown>;

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Reads one TOML table's keys case-insensitively, refusing keys it does not know. */
/** What is being read: the file, for messages; lazy: compile patterns when first used, not now (only for agentgate's own pack, which the tests compile whole). */
interface Reading {
  file: string;
  lazy: boolean;
}

class Fields {
  private readonly byKey = new Map<string, [string, unknown]>();

  constructor(
    private readonly reading: Reading,
    private readonly where: string,
    table: Table,
    known: readonly string[],
  ) {
    const wanted = new Map(known.map((k) => [k.toLowerCase(), k]));
    for (const [key, value] of Object.entries(table)) {
      const canonical = wanted.get(key.toLowerCase());
      if (canonical === undefined) {
        throw this.error(key, `is not a gitleaks setting here; expected one of ${known.join(', ')}`);
      }
      this.byKey.set(canonical, [key, value]);
    }
  }

  error(field: string, detail: string): SecretsConfigError {
    return new SecretsConfigError(this.reading.file, `${this.where}: ${field} ${detail}`);
  }

  has(field: string): boolean {
    return this.byKey.has(field);
  }

  raw(field: string): unknown {
    return this.byKey.get(field)?.[1];
  }

  string(field: string): string | undefined {
    const v = this.raw(field);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw this.error(field, `must be a string, not ${describe(v)}`);
    return v;
  }

  boolean(field: string): boolean {
    const v = this.raw(field);
    if (v === undefined) return false;
    if (typeof v !== 'boolean') throw this.error(field, `must be true or false, not ${describe(v)}`);
    return v;
  }

  number(field: string, what: string, integer: boolean): number | undefined {
    const v = this.raw(field);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) {
      throw this.error(field, `must be ${what}, not ${describe(v)}`);
    }
    return v;
  }

  strings(field: string): string[] {
    const v = this.raw(field);
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
      throw this.error(field, `must be a list of strings, not ${describe(v)}`);
    }
    return v as string[];
  }

  tables(field: string): Table[] {
    const v = this.raw(field);
    if (v === undefined) return [];
    if (!Array.isArray(v) || !v.every(isTable)) {
      throw this.error(field, `must be an array of tables ([[${field}]]), not ${describe(v)}`);
    }
    return v;
  }

  table(field: string): Table | undefined {
    const v = this.raw(field);
    if (v === undefined) return undefined;
    if (!isTable(v)) throw this.error(field, `must be a table ([${field}]), not ${describe(v)}`);
    return v;
  }

  pattern(field: string, value: string): Pattern {
    if (this.reading.lazy) return lazyPattern(value);
    try {
      return compilePattern(value);
    } catch (e) {
      if (!(e instanceof PatternError)) throw e;
      throw this.error(field, `is not a Go/RE2 regular expression: ${e.message}`);
    }
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (isTable(v)) return 'a table';
  if (v instanceof Date) return 'a date';
  return typeof v === 'string' ? `'${v}'` : String(v);
}

const RULE_KEYS = [
  'id',
  'description',
  'regex',
  'secretGroup',
  'entropy',
  'path',
  'keywords',
  'tags',
  'allowlist',
  'allowlists',
  'required',
  'skipReport',
] as const;
const ALLOWLIST_KEYS = [
  'description',
  'condition',
  'commits',
  'paths',
  'regexTarget',
  'regexes',
  'stopwords',
];
const TOP_KEYS = ['title', 'description', 'minVersion', 'extend', 'rules', 'allowlist', 'allowlists'];

function readAllowlist(f: Fields): SecretAllowlist {
  const condition = (f.string('condition') ?? 'OR').toUpperCase();
  if (!['AND', '&&', 'OR', '||', ''].includes(condition)) {
    throw f.error('condition', `must be AND or OR, not '${f.string('condition')}'`);
  }
  const target = f.string('regexTarget') ?? 'secret';
  if (target !== 'secret' && target !== 'match' && target !== 'line' && target !== '') {
    throw f.error('regexTarget', `must be secret, match or line, not '${target}'`);
  }
  const allowlist: SecretAllowlist = {
    description: f.string('description') ?? '',
    condition: condition === 'AND' || condition === '&&' ? 'AND' : 'OR',
    commits: f.strings('commits').map((c) => c.trim().toLowerCase()),
    paths: f.strings('paths').map((p, i) => f.pattern(`paths[${i}]`, p)),
    regexTarget: target === '' ? 'secret' : target,
    regexes: f.strings('regexes').map((p, i) => f.pattern(`regexes[${i}]`, p)),
    stopwords: [...new Set(f.strings('stopwords').map((s) => s.toLowerCase()))],
  };
  const checks =
    allowlist.commits.length + allowlist.paths.length + allowlist.regexes.length + allowlist.stopwords.length;
  if (checks === 0)
    throw f.error('(allowlist)', 'has no check: give it commits, paths, regexes or stopwords');
  return allowlist;
}

function readRule(reading: Reading, table: Table, index: number): SecretRule {
  const idValue = Object.entries(table).find(([k]) => k.toLowerCase() === 'id')?.[1];
  const id = typeof idValue === 'string' ? idValue.trim() : '';
  const f = new Fields(reading, id ? `rule '${id}'` : `rules[${index}]`, table, RULE_KEYS);
  f.string('id');
  if (id === '') throw f.error('id', 'is missing or empty; every rule needs a unique id');
  const regexText = f.string('regex');
  const pathText = f.string('path');
  const regex = regexText ? f.pattern('regex', regexText) : undefined;
  const path = pathText ? f.pattern('path', pathText) : undefined;
  const secretGroup = f.number('secretGroup', 'a whole number, 0 or more', true) ?? 0;
  if (f.has('allowlist') && f.has('allowlists')) {
    throw f.error('allowlist', 'cannot be used with [[rules.allowlists]]: move it into [[rules.allowlists]]');
  }
  const legacy = f.table('allowlist');
  const allowlistTables = legacy ? [legacy] : f.tables('allowlists');
  const rule: SecretRule = {
    id,
    description: f.string('description') ?? '',
    secretGroup,
    entropy: f.number('entropy', 'a number, 0 or more (bits per character)', false) ?? 0,
    keywords: [...new Set(f.strings('keywords').map((k) => k.toLowerCase()))].filter((k) => k !== ''),
    tags: f.strings('tags'),
    allowlists: allowlistTables.map((t, i) =>
      readAllowlist(
        new Fields(
          reading,
          `rule '${id}' ${legacy ? '[rules.allowlist]' : `allowlists[${i}]`}`,
          t,
          ALLOWLIST_KEYS,
        ),
      ),
    ),
    required: f.tables('required').map((t, i) => {
      const r = new Fields(reading, `rule '${id}' required[${i}]`, t, ['id', 'withinLines', 'withinColumns']);
      const rid = r.string('id')?.trim() ?? '';
      if (rid === '') throw r.error('id', 'is missing or empty; name the rule that must also match');
      const req: RequiredRule = { id: rid };
      const lines = r.number('withinLines', 'a whole number, 0 or more', true);
      const columns = r.number('withinColumns', 'a whole number, 0 or more', true);
      if (lines !== undefined) req.withinLines = lines;
      if (columns !== undefined) req.withinColumns = columns;
      return req;
    }),
    skipReport: f.boolean('skipReport'),
  };
  if (regex) rule.regex = regex;
  if (path) rule.path = path;
  return rule;
}

/** gitleaks' merge of an extended configuration into the one extending it (config.go `extend`). */
function extendWith(own: SecretRule[], base: SecretsConfig, disabled: ReadonlySet<string>): SecretRule[] {
  const byId = new Map(own.map((r) => [r.id, r]));
  const merged: SecretRule[] = [];
  for (const b of base.rules) {
    if (disabled.has(b.id)) continue;
    const mine = byId.get(b.id);
    if (mine === undefined) {
      merged.push(b);
      continue;
    }
    // The extending file's settings win where it sets them; lists add up.
    byId.delete(b.id);
    const rule: SecretRule = {
      ...b,
      description: mine.description || b.description,
      entropy: mine.entropy || b.entropy,
      secretGroup: mine.secretGroup || b.secretGroup,
      tags: [...b.tags, ...mine.tags],
      keywords: [...new Set([...b.keywords, ...mine.keywords])],
      allowlists: [...b.allowlists, ...mine.allowlists],
      required: [...b.required, ...mine.required],
      skipReport: mine.skipReport || b.skipReport,
    };
    if (mine.regex) rule.regex = mine.regex;
    if (mine.path) rule.path = mine.path;
    merged.push(rule);
  }
  return [...merged, ...byId.values()];
}

/**
 * Reads a gitleaks TOML configuration. `[extend] useDefault = true` extends agentgate's own pack (the
 * embedded default, not gitleaks'); without it the file's rules replace the pack, as in gitleaks.
 * Throws a SecretsConfigError naming `file`, the rule and the field.
 */
export function loadGitleaksConfig(text: string, file: string): SecretsConfig {
  return readConfig(text, { file, lazy: false });
}

function readConfig(text: string, reading: Reading): SecretsConfig {
  const { file } = reading;
  let doc: Table;
  try {
    doc = parseToml(text);
  } catch (e) {
    if (e instanceof TomlError) {
      throw new SecretsConfigError(
        file,
        `line ${e.line}, column ${e.column}: not valid TOML: ${firstLine(e)}`,
      );
    }
    throw new SecretsConfigError(file, `not valid TOML: ${(e as Error).message}`);
  }
  const top = new Fields(reading, 'the top level', doc, TOP_KEYS);
  top.string('title');
  top.string('description');
  top.string('minVersion');

  const rules: SecretRule[] = [];
  const seen = new Set<string>();
  top.tables('rules').forEach((t, i) => {
    const rule = readRule(reading, t, i);
    if (seen.has(rule.id)) {
      throw new SecretsConfigError(
        file,
        `rule '${rule.id}': id is used by an earlier rule; ids must be unique`,
      );
    }
    seen.add(rule.id);
    rules.push(rule);
  });

  if (top.has('allowlist') && top.has('allowlists')) {
    throw top.error('[allowlist]', 'cannot be used with [[allowlists]]: move it into [[allowlists]]');
  }
  const legacy = top.table('allowlist');
  const globalTables = legacy ? [legacy] : top.tables('allowlists');
  const allowlists: SecretAllowlist[] = [];
  const targeted: [string, SecretAllowlist, string][] = [];
  globalTables.forEach((t, i) => {
    const where = legacy ? '[allowlist]' : `allowlists[${i}]`;
    const f = new Fields(reading, where, t, [...ALLOWLIST_KEYS, 'targetRules']);
    const allowlist = readAllowlist(f);
    const targets = f.strings('targetRules');
    if (targets.length === 0) allowlists.push(allowlist);
    for (const id of targets) targeted.push([id, allowlist, where]);
  });

  let merged = rules;
  let useDefault = false;
  const extend = top.table('extend');
  if (extend !== undefined) {
    const f = new Fields(reading, '[extend]', extend, ['useDefault', 'path', 'url', 'disabledRules']);
    useDefault = f.boolean('useDefault');
    for (const field of ['path', 'url']) {
      if (f.string(field)) {
        throw f.error(
          field,
          'is not supported: only the repository’s own .gitleaks.toml is read; copy the rules into it, or use useDefault = true',
        );
      }
    }
    const disabled = new Set(f.strings('disabledRules'));
    if (useDefault) {
      const base = defaultSecretsConfig();
      merged = extendWith(rules, base, disabled);
      allowlists.push(...base.allowlists);
    }
  }

  for (const [id, allowlist, where] of targeted) {
    if (!merged.some((r) => r.id === id)) {
      throw new SecretsConfigError(file, `${where}: targetRules names '${id}', which is not a rule here`);
    }
    // A copy: the rule may be the cached default pack's, which other configurations share.
    merged = merged.map((r) => (r.id === id ? { ...r, allowlists: [...r.allowlists, allowlist] } : r));
  }
  const ids = new Set(merged.map((r) => r.id));
  for (const rule of merged) {
    // Checked after extending: a rule of the file may only add allowlists to the pack's rule of that id.
    if (rule.regex === undefined && rule.path === undefined) {
      throw new SecretsConfigError(
        file,
        `rule '${rule.id}': regex and path are both empty, so it would match nothing; give it a regex or a path` +
          (useDefault
            ? ''
            : "; to add allowlists to a rule of agentgate's pack, set useDefault = true in [extend]"),
      );
    }
    if (rule.regex !== undefined && !reading.lazy && rule.secretGroup > rule.regex.groups) {
      throw new SecretsConfigError(
        file,
        `rule '${rule.id}': secretGroup is ${rule.secretGroup} but the regex has ${rule.regex.groups} capture group(s); expected 0 to ${rule.regex.groups}`,
      );
    }
    for (const req of rule.required) {
      if (!ids.has(req.id)) {
        throw new SecretsConfigError(
          file,
          `rule '${rule.id}': required names '${req.id}', which is not a rule here`,
        );
      }
    }
  }
  return { source: file, title: top.string('title') ?? '', rules: merged, allowlists };
}

function firstLine(e: Error): string {
  return (e.message.split('\n')[0] ?? '').trim();
}

let cachedDefault: SecretsConfig | undefined;

/** agentgate's own rule pack (policies/secrets/agentgate.toml, embedded), read once. */
export function defaultSecretsConfig(): SecretsConfig {
  cachedDefault ??= readConfig(SECRETS_PACK_TEXT, { file: SECRETS_PACK_SOURCE, lazy: true });
  return cachedDefault;
}
