// The semgrep-format SAST pack (policies/sast/semgrep/agentgate.yml) is run by opengrep or semgrep, neither of
// which can be installed here, so it is checked against what those engines check when they load a config.
// One rule they reject makes them exit >= 2 and the SAST gate fails closed, on every run.
//  - The JSON Schema they validate rule files with: test/fixtures/semgrep/rule_schema_v1.yaml, opengrep's
//    copy (its header names the source and commit).
//  - Checks opengrep's rule parser makes beyond the schema (src/parsing/Parse_rule.ml and
//    Parse_rule_formula.ml at opengrep v1.27.1): only `rules` at the top, no null values, a positive
//    term in every `patterns`, no negation directly under `pattern-either`, regexes that compile.
//  - metavariable-regex is compiled by PCRE2 with ANCHORED: it matches from the start of the bound text
//    only (Python's re.match, not re.search), unlike ast-grep's regexes. A regex written for a search
//    silently never matches a binding such as `require('child_process')`.
// test/gates/sast-rules.test.ts holds the pack to the ast-grep pack's ids, messages and metadata, and checks
// that each metavariable-regex name appears in some pattern of its rule; the binding check below is
// stricter (same `patterns` list, every branch) and also covers the other metavariable operators.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACK_TEXT = readFileSync(path.join(ROOT, 'policies/sast/semgrep/agentgate.yml'), 'utf8');
const SCHEMA_TEXT = readFileSync(path.join(ROOT, 'test/fixtures/semgrep/rule_schema_v1.yaml'), 'utf8');

type Node = Record<string, unknown>;
interface Rule extends Node {
  id: string;
  languages: string[];
  severity: string;
}

const pack = parse(PACK_TEXT) as { rules: Rule[] };
const schema = parse(SCHEMA_TEXT) as Node & {
  $defs: { languages: { items: { anyOf: { enum?: string[] }[] } } };
  properties: { rules: { items: { properties: { severity: { enum: string[] } } } } };
};

/** Operators whose value is pattern source (a string) or, for the -inside/-not forms, a nested formula. */
const PATTERN_KEYS = ['pattern', 'pattern-inside', 'pattern-not', 'pattern-not-inside'];
const REGEX_KEYS = ['pattern-regex', 'pattern-not-regex'];
const POSITIVE_KEYS = ['pattern', 'pattern-inside', 'patterns', 'pattern-either', 'pattern-regex'];
const NEGATIVE_KEYS = ['pattern-not', 'pattern-not-inside', 'pattern-not-regex'];
const CONDITION_KEYS = [
  'metavariable-regex',
  'metavariable-pattern',
  'metavariable-type',
  'metavariable-comparison',
  'metavariable-analysis',
];
const METAVARIABLE = /\$(?:\.\.\.)?[A-Z_][A-Z0-9_]*/g;

const isNode = (x: unknown): x is Node => x !== null && typeof x === 'object' && !Array.isArray(x);

/** Every object in the tree under `node`, with the id of the rule it belongs to. */
function* objects(node: unknown, id: string): Generator<{ id: string; node: Node }> {
  if (Array.isArray(node)) {
    for (const item of node) yield* objects(item, id);
  } else if (isNode(node)) {
    yield { id, node };
    for (const value of Object.values(node)) yield* objects(value, id);
  }
}
const allObjects = () => pack.rules.flatMap((r) => [...objects(r, r.id)]);

/**
 * A PCRE pattern as a JavaScript RegExp, for the parts of PCRE these rules use: a leading `(?i)` becomes
 * the `i` flag and an inline `(?i:...)` group a plain group (case then differs inside it, so `matching`
 * refuses it). `anchored` uses the sticky flag, which matches at index 0 only, as PCRE2's ANCHORED does.
 */
function toRegExp(pcre: string, { anchored = false, matching = false } = {}): RegExp {
  let source = pcre;
  let flags = 'u';
  if (source.startsWith('(?i)')) {
    source = source.slice(4);
    flags += 'i';
  }
  if (source.includes('(?i:')) {
    if (matching) throw new Error(`inline (?i:...) cannot be emulated: ${pcre}`);
    source = source.replaceAll('(?i:', '(?:');
  }
  return new RegExp(source, anchored ? `${flags}y` : flags);
}

/** The metavariables a formula binds on every match it makes. */
function bound(formula: unknown): Set<string> {
  if (typeof formula === 'string') return new Set(formula.match(METAVARIABLE));
  if (!isNode(formula)) return new Set();
  if ('pattern' in formula) return bound(formula.pattern);
  if ('pattern-inside' in formula) return bound(formula['pattern-inside']);
  if (Array.isArray(formula.patterns)) return boundByConjunction(formula.patterns);
  if (Array.isArray(formula['pattern-either'])) {
    const branches = formula['pattern-either'].map(bound);
    return new Set([...(branches[0] ?? [])].filter((v) => branches.every((b) => b.has(v))));
  }
  return new Set();
}
function boundByConjunction(items: unknown[]): Set<string> {
  return new Set(
    items.filter((i) => isNode(i) && POSITIVE_KEYS.some((k) => k in i)).flatMap((i) => [...bound(i)]),
  );
}

describe('semgrep rule pack, as opengrep and semgrep load it', () => {
  it('reads the same as YAML 1.2 and 1.1, has only `rules` at the top and no null value', () => {
    expect(parse(PACK_TEXT, { version: '1.1' })).toEqual(parse(PACK_TEXT));
    expect(Object.keys(parse(PACK_TEXT) as Node)).toEqual(['rules']);
    const nulls = allObjects().flatMap(({ id, node }) =>
      Object.entries(node)
        .filter(([, v]) => v === null || v === undefined)
        .map(([k]) => `${id}: ${k}`),
    );
    expect(nulls).toEqual([]);
  });

  it('validates against opengrep’s rule_schema_v1.yaml (draft-07)', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    const describeError = (e: ErrorObject) => {
      const index = Number(/^\/rules\/(\d+)/.exec(e.instancePath)?.[1]);
      return `${pack.rules[index]?.id ?? '(file)'}: ${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`;
    };
    validate(pack);
    expect((validate.errors ?? []).map(describeError)).toEqual([]);
    // ...and the validator is not vacuous: it refuses a bad severity and a condition outside `patterns`.
    const broken = {
      rules: [
        {
          id: 'broken',
          languages: ['python'],
          severity: 'SEVERE',
          message: 'm',
          'pattern-either': [
            { pattern: 'f()' },
            { 'metavariable-regex': { metavariable: '$X', regex: 'x' } },
          ],
        },
      ],
    };
    expect(validate(broken)).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath)).toEqual(
      expect.arrayContaining(['/rules/0/severity', '/rules/0/pattern-either/1']),
    );
  });

  it('names only languages and severities the schema lists', () => {
    const languages = schema.$defs.languages.items.anyOf.flatMap((a) => a.enum ?? []);
    const severities = schema.properties.rules.items.properties.severity.enum;
    expect(languages).toEqual(expect.arrayContaining(['javascript', 'typescript', 'python', 'go']));
    for (const r of pack.rules) {
      for (const l of r.languages) expect(languages, `${r.id}: language ${l}`).toContain(l);
      expect(severities, `${r.id}: severity`).toContain(r.severity);
    }
  });

  it('gives every pattern, regex and metavariable operand a non-empty value', () => {
    const empty: string[] = [];
    for (const { id, node } of allObjects()) {
      for (const key of [...PATTERN_KEYS, ...REGEX_KEYS, 'metavariable', 'regex', 'focus-metavariable']) {
        const value = node[key];
        if (value === undefined || isNode(value)) continue;
        const strings = Array.isArray(value) ? value : [value];
        if (strings.length === 0 || strings.some((s) => typeof s !== 'string' || s.trim() === ''))
          empty.push(`${id}: ${key}`);
      }
      const name = node.metavariable;
      if (name !== undefined && !/^\$[A-Z_][A-Z0-9_]*$/.test(String(name))) empty.push(`${id}: ${name}`);
    }
    expect(empty).toEqual([]);
  });

  it('has a positive term in every `patterns` and no negation directly under `pattern-either`', () => {
    // opengrep: InvalidRule MissingPositiveTermInAnd and MisplacedNegation (Parse_rule_formula.ml).
    const problems: string[] = [];
    const visit = (id: string, node: unknown, inMetavariablePattern: boolean): void => {
      if (Array.isArray(node)) {
        for (const item of node) visit(id, item, inMetavariablePattern);
        return;
      }
      if (!isNode(node)) return;
      const patterns = node.patterns;
      if (Array.isArray(patterns) && !inMetavariablePattern) {
        if (!patterns.some((i) => isNode(i) && POSITIVE_KEYS.some((k) => k in i)))
          problems.push(`${id}: a patterns list with no positive term`);
      }
      const either = node['pattern-either'];
      if (Array.isArray(either)) {
        for (const item of either) {
          const negation = isNode(item) ? NEGATIVE_KEYS.find((k) => k in item) : undefined;
          if (negation) problems.push(`${id}: ${negation} directly under pattern-either`);
        }
      }
      for (const [key, value] of Object.entries(node))
        visit(id, value, key === 'metavariable-pattern' || inMetavariablePattern);
    };
    for (const r of pack.rules) visit(r.id, r, false);
    expect(problems).toEqual([]);
  });

  it('binds every metavariable a condition or focus names in a positive term of the same `patterns`, on every branch', () => {
    const unbound: string[] = [];
    const visit = (id: string, node: unknown, outer: Set<string>): void => {
      if (Array.isArray(node)) {
        for (const item of node) visit(id, item, outer);
        return;
      }
      if (!isNode(node)) return;
      let inScope = outer;
      if (Array.isArray(node.patterns)) {
        inScope = new Set([...outer, ...boundByConjunction(node.patterns)]);
        for (const item of node.patterns.filter(isNode)) {
          const named = [
            ...CONDITION_KEYS.map((k) => item[k])
              .filter(isNode)
              .map((c) => c.metavariable),
            ...[item['focus-metavariable'] ?? []].flat(),
          ];
          for (const name of named.map(String))
            if (!inScope.has(name)) unbound.push(`${id}: ${name} is not bound where it is tested`);
        }
      }
      for (const value of Object.values(node)) visit(id, value, inScope);
    };
    for (const r of pack.rules) visit(r.id, r, new Set());
    expect(unbound).toEqual([]);
  });

  it('compiles every regex: metavariable-regex, pattern-regex and "=~/.../" string patterns', () => {
    // A proxy for PCRE2, which cannot run in the tests: JavaScript's unicode-mode RegExp catches unbalanced
    // groups, bad quantifiers and unknown escapes. Every regex here also compiled with pcre2test 10.42 (utf,
    // anchored for metavariable-regex) when this test was written.
    const failures: string[] = [];
    const check = (id: string, pcre: string) => {
      try {
        toRegExp(pcre);
      } catch (error) {
        failures.push(`${id}: ${pcre}: ${(error as Error).message}`);
      }
    };
    for (const { id, node } of allObjects()) {
      for (const key of REGEX_KEYS) if (typeof node[key] === 'string') check(id, node[key]);
      const mvRegex = node['metavariable-regex'];
      if (isNode(mvRegex)) check(id, String(mvRegex.regex));
      for (const key of PATTERN_KEYS) {
        const source = node[key];
        if (typeof source !== 'string') continue;
        for (const m of source.matchAll(/(["'])=~\/((?:[^\\]|\\.)*?)\/[a-z]*\1/g)) check(id, m[2] ?? '');
      }
    }
    expect(failures).toEqual([]);
  });

  it('writes every metavariable-regex for anchored matching: it starts with ^ or .*', () => {
    const unanchored = allObjects()
      .map(({ id, node }) => ({ id, mv: node['metavariable-regex'] }))
      .filter((x): x is { id: string; mv: Node } => isNode(x.mv))
      .filter(({ mv }) => !/^(\(\?[a-z]+\))?(\^|\.\*)/.test(String(mv.regex)))
      .map(({ id, mv }) => `${id}: ${mv.metavariable}: ${mv.regex}`);
    expect(unanchored).toEqual([]);
  });

  // What the positive samples under test/fixtures/sast/ bind these metavariables to (and near misses),
  // matched the way opengrep matches: anchored at the start of the bound text.
  it.each([
    {
      rule: 'js-child-process-exec-interpolated',
      metavariable: '$CP',
      matches: ["require('child_process')", 'childProcess', 'child_process', 'cp', 'shell', 'shelljs'],
      rejects: ['scp', 'db', 'process'],
    },
    {
      rule: 'js-child-process-exec-interpolated',
      metavariable: '$SPAWN',
      matches: ['spawn', 'cp.spawn', "require('child_process').execFileSync"],
      rejects: ['respawn', 'spawner'],
    },
    {
      rule: 'js-child-process-exec-interpolated',
      metavariable: '$EXEC',
      matches: ['exec', 'execAsync', 'util.promisify(exec)', 'promisify(cp.exec)'],
      rejects: ['cp.exec', 'execFile'],
    },
    {
      rule: 'js-jwt-hardcoded-secret',
      metavariable: '$CONFIGURE',
      matches: ['expressjwt', 'expressJwt', 'jwt'],
      rejects: ['session'],
    },
    {
      rule: 'js-sql-string-concat',
      metavariable: '$NAME',
      matches: ['sql', 'this.sql', 'userSql', 'query_sql', 'stmt'],
      rejects: ['mysql', 'results'],
    },
    {
      rule: 'js-sql-string-concat',
      metavariable: '$DB',
      matches: ['db', 'this.db', 'knex', 'pool'],
      rejects: ['users'],
    },
    {
      rule: 'py-sql-string-concat',
      metavariable: '$NAME',
      matches: ['sql', 'self.sql', 'query_sql', 'STMT'],
      rejects: ['mysql', 'rows'],
    },
    {
      rule: 'go-jwt-hardcoded-secret',
      metavariable: '$KEY',
      matches: ['jwtKey', 'signingKey', 'mySigningKey', 'hmacSecret'],
      rejects: ['buf'],
    },
  ])('$rule: metavariable-regex on $metavariable matches what the samples bind', (c) => {
    const rule = pack.rules.find((r) => r.id === c.rule);
    const regexes = [...objects(rule, c.rule)]
      .map(({ node }) => node['metavariable-regex'])
      .filter((mv): mv is Node => isNode(mv) && mv.metavariable === c.metavariable)
      .map((mv) => toRegExp(String(mv.regex), { anchored: true, matching: true }));
    expect(regexes.length).toBeGreaterThan(0);
    const anchoredTest = (re: RegExp, text: string) => {
      re.lastIndex = 0; // a sticky RegExp starts where its last match ended
      return re.test(text);
    };
    for (const re of regexes) {
      for (const text of c.matches) expect(anchoredTest(re, text), `${re} on ${text}`).toBe(true);
      for (const text of c.rejects) expect(anchoredTest(re, text), `${re} on ${text}`).toBe(false);
    }
  });
});
