// The SAST rule packs under policies/sast/: the ast-grep pack is run for real by the embedded engine over
// deliberately vulnerable samples (test/fixtures/sast/<rule-id>/positive.* and negative.*), once for the
// whole file, and the semgrep pack, which cannot run here, is held to the same ids and metadata.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { scanWithAstGrep } from '../../gates/sast/ast-grep.js';
import type { RawFinding } from '../../gates/types.js';
import { SEVERITIES } from '../../policies/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SGCONFIG = path.join(ROOT, 'policies/sast/ast-grep/sgconfig.yml');
const RULES_DIR = path.join(ROOT, 'policies/sast/ast-grep/rules');
const SEMGREP_PACK = path.join(ROOT, 'policies/sast/semgrep/agentgate.yml');
const FIXTURES = path.join(ROOT, 'test/fixtures/sast');

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)+$/;
const FAMILY: Record<string, { prefix: string; semgrep: string[] }> = {
  tsx: { prefix: 'js-', semgrep: ['javascript', 'typescript'] },
  python: { prefix: 'py-', semgrep: ['python'] },
  go: { prefix: 'go-', semgrep: ['go'] },
};
/** `// ruleid: a, b` or `# ruleid: a` at the end of a line marks where those rules must report. */
const ANNOTATION = /(?:\/\/|#)\s*ruleid:\s*([\w-]+(?:\s*,\s*[\w-]+)*)\s*$/;

interface AstGrepRule {
  file: string;
  id: string;
  language: string;
  severity: string;
  message: string;
  note: string;
  metadata: Record<string, unknown>;
}

async function loadAstGrepRules(): Promise<AstGrepRule[]> {
  const rules: AstGrepRule[] = [];
  for (const name of (await readdir(RULES_DIR)).sort()) {
    const text = await readFile(path.join(RULES_DIR, name), 'utf8');
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) throw new Error(`${name}: ${doc.errors[0]?.message}`);
      rules.push({ file: name, ...(doc.toJS() as Omit<AstGrepRule, 'file'>) });
    }
  }
  return rules;
}

/** Sample files by path relative to FIXTURES, with the rule ids annotated on each 1-based line. */
async function loadAnnotations(): Promise<Map<string, Map<number, Set<string>>>> {
  const out = new Map<string, Map<number, Set<string>>>();
  const entries = await readdir(FIXTURES, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile() || entry.name.endsWith('.md')) continue;
    const abs = path.join(entry.parentPath, entry.name);
    const rel = path.relative(FIXTURES, abs).split(path.sep).join('/');
    const lines = new Map<number, Set<string>>();
    (await readFile(abs, 'utf8')).split('\n').forEach((text, i) => {
      const ids = ANNOTATION.exec(text)?.[1];
      if (ids) lines.set(i + 1, new Set(ids.split(',').map((s) => s.trim())));
    });
    out.set(rel, lines);
  }
  return out;
}

let rules: AstGrepRule[];
let ruleIds: string[];
let annotations: Map<string, Map<number, Set<string>>>;
let matches: RawFinding[];
/** A `.ts` copy of a JavaScript sample: tsc would type-check a real .ts fixture, so it is made at run time. */
const TS_SOURCE = 'js-sql-string-concat/positive.mts';
const TS_COPY = 'copy/sample.ts';

beforeAll(async () => {
  rules = await loadAstGrepRules();
  ruleIds = rules.map((r) => r.id);
  annotations = await loadAnnotations();
  // The engine the gate runs, over every sample at once.
  const files = await Promise.all(
    [...annotations.keys()].map(async (rel) => ({
      path: rel,
      content: await readFile(path.join(FIXTURES, rel), 'utf8'),
    })),
  );
  files.push({ path: TS_COPY, content: await readFile(path.join(FIXTURES, TS_SOURCE), 'utf8') });
  matches = (await scanWithAstGrep(files)).findings;
});

/** `rule@file:line` keys (line 1-based) of what ast-grep reported inside the fixtures directory. */
function reported(filter: (m: RawFinding) => boolean = () => true): string[] {
  return matches
    .filter((m) => m.file !== TS_COPY)
    .filter(filter)
    .map((m) => `${m.ruleId}@${m.file}:${m.line}`)
    .sort();
}

function annotated(filter: (rule: string, file: string) => boolean = () => true): string[] {
  const keys: string[] = [];
  for (const [file, lines] of annotations) {
    for (const [line, ids] of lines) {
      for (const id of ids) if (filter(id, file)) keys.push(`${id}@${file}:${line}`);
    }
  }
  return keys.sort();
}

describe('ast-grep rule pack', () => {
  it('loads in the embedded engine and reports on the samples', () => {
    expect(matches.length).toBeGreaterThan(0);
  });

  it('declares ruleDirs relative to the config and one tsx grammar for every JS/TS extension', async () => {
    const config = parse(await readFile(SGCONFIG, 'utf8')) as {
      ruleDirs: string[];
      languageGlobs: Record<string, string[]>;
    };
    expect(config.ruleDirs).toEqual(['rules']);
    expect(config.languageGlobs.tsx?.sort()).toEqual(
      ['*.cjs', '*.cts', '*.js', '*.jsx', '*.mjs', '*.mts', '*.ts', '*.tsx'].sort(),
    );
  });

  it('gives every rule id, language, severity, message, note and metadata (cwe, agentgateSeverity, fix)', () => {
    expect(rules.length).toBeGreaterThanOrEqual(20);
    for (const r of rules) {
      const where = `${r.file} (${r.id})`;
      expect(r.id, where).toMatch(KEBAB);
      const family = FAMILY[r.language];
      expect(family, `${where}: language ${r.language}`).toBeDefined();
      expect(r.id.startsWith(family?.prefix ?? '?'), `${where}: id prefix`).toBe(true);
      expect(['error', 'warning', 'info', 'hint'], where).toContain(r.severity);
      for (const key of ['message', 'note'] as const) {
        expect(typeof r[key] === 'string' && r[key].trim().length > 10, `${where}: ${key}`).toBe(true);
      }
      expect(r.metadata.cwe, where).toMatch(/^CWE-\d+$/);
      expect(typeof r.metadata.cweName, where).toBe('string');
      expect(SEVERITIES as readonly unknown[], where).toContain(r.metadata.agentgateSeverity);
      expect(typeof r.metadata.fix === 'string' && r.metadata.fix.length > 10, where).toBe(true);
      expect(r.metadata.fix, `${where}: note and metadata.fix agree`).toBe(r.note);
      expect((r as unknown as Record<string, unknown>).rule, where).toBeTypeOf('object');
    }
  });

  it('has unique ids, one file per id named after it', () => {
    expect(new Set(ruleIds).size).toBe(ruleIds.length);
    for (const r of rules) expect(r.file).toBe(`${r.id}.yml`);
  });

  it('has a positive and a negative sample for every rule', async () => {
    for (const id of ruleIds) {
      const names = await readdir(path.join(FIXTURES, id));
      expect(
        names.some((n) => n.startsWith('positive.')),
        id,
      ).toBe(true);
      expect(
        names.some((n) => n.startsWith('negative')),
        id,
      ).toBe(true);
    }
    const dirs = (await readdir(FIXTURES, { withFileTypes: true })).filter((d) => d.isDirectory());
    expect(dirs.map((d) => d.name).sort()).toEqual([...ruleIds].sort());
  });

  describe.each(['js-', 'py-', 'go-'])('%s rules on their samples', (prefix) => {
    it('report exactly the annotated lines of each positive sample', () => {
      const ids = ruleIds.filter((id) => id.startsWith(prefix));
      for (const id of ids) {
        const inPositive = (file: string) => file.startsWith(`${id}/positive.`);
        const want = annotated((rule, file) => rule === id && inPositive(file));
        expect(want.length, `${id}: annotations`).toBeGreaterThan(0);
        expect(
          reported((m) => m.ruleId === id && inPositive(m.file)),
          id,
        ).toEqual(want);
      }
    });

    it('report nothing on the negative samples', () => {
      const ids = new Set(ruleIds.filter((id) => id.startsWith(prefix)));
      const negatives = reported((m) => m.file.split('/')[1]?.startsWith('negative') ?? false);
      expect(negatives.filter((k) => ids.has(k.slice(0, k.indexOf('@'))))).toEqual([]);
    });
  });

  it('reports nothing anywhere in the samples that is not annotated (no rule fires on another rule’s sample)', () => {
    expect(reported()).toEqual(annotated());
  });

  it('parses .ts files with the tsx grammar: a .ts copy of a sample reports the same lines', () => {
    const lines = (file: string) =>
      matches
        .filter((m) => m.file === file)
        .map((m) => `${m.ruleId}:${m.line}`)
        .sort();
    expect(lines(TS_COPY).length).toBeGreaterThan(0);
    expect(lines(TS_COPY)).toEqual(lines(TS_SOURCE));
  });

  it('reports each match with its rule’s message, CWE, severity and fix', () => {
    const byId = new Map(rules.map((r) => [r.id, r]));
    for (const m of matches) {
      const rule = byId.get(m.ruleId);
      expect(rule, m.ruleId).toBeDefined();
      expect(m.line).toBeGreaterThan(0);
      expect(m.severity).toBe(rule?.metadata.agentgateSeverity);
      expect(m.message).toBe(rule?.message.trim());
      expect(m.fix).toBe(String(rule?.metadata.fix).trim());
      expect(m.cwe).toEqual([rule?.metadata.cwe]);
    }
  });
});

describe('semgrep rule pack', () => {
  interface SemgrepRule {
    id: string;
    languages: string[];
    severity: string;
    message: string;
    metadata: { cwe: string[]; 'agentgate-severity': string; fix: string };
    [key: string]: unknown;
  }
  let semgrep: SemgrepRule[];

  beforeAll(async () => {
    const doc = parse(await readFile(SEMGREP_PACK, 'utf8')) as { rules: SemgrepRule[] };
    semgrep = doc.rules;
  });

  it('parses as a rules list with exactly the ast-grep pack’s ids', () => {
    expect(Array.isArray(semgrep)).toBe(true);
    const ids = semgrep.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...ruleIds].sort());
  });

  it('gives every rule languages, severity, message, metadata and exactly one top-level pattern key', () => {
    for (const r of semgrep) {
      expect(r.languages.length, r.id).toBeGreaterThan(0);
      expect(['ERROR', 'WARNING', 'INFO'], r.id).toContain(r.severity);
      expect(typeof r.message === 'string' && r.message.length > 10, r.id).toBe(true);
      expect(r.metadata.cwe.length, r.id).toBeGreaterThan(0);
      for (const cwe of r.metadata.cwe) expect(cwe, r.id).toMatch(/^CWE-\d+: \S/);
      expect(SEVERITIES as readonly unknown[], r.id).toContain(r.metadata['agentgate-severity']);
      expect(typeof r.metadata.fix === 'string' && r.metadata.fix.length > 10, r.id).toBe(true);
      const keys = ['pattern', 'patterns', 'pattern-either', 'pattern-regex'].filter((k) => k in r);
      expect(keys, r.id).toHaveLength(1);
    }
  });

  it('agrees with the ast-grep pack on languages, message, CWE, severity and fix for every id', () => {
    const byId = new Map(rules.map((r) => [r.id, r]));
    for (const s of semgrep) {
      const a = byId.get(s.id);
      if (!a) throw new Error(`${s.id} is not in the ast-grep pack`);
      expect(s.languages, s.id).toEqual(FAMILY[a.language]?.semgrep);
      expect(s.message, s.id).toBe(a.message);
      expect(s.metadata.cwe, s.id).toEqual([`${a.metadata.cwe}: ${a.metadata.cweName}`]);
      expect(s.metadata['agentgate-severity'], s.id).toBe(a.metadata.agentgateSeverity);
      expect(s.metadata.fix, s.id).toBe(a.metadata.fix);
      expect(s.severity, s.id).toBe(
        a.severity === 'error' ? 'ERROR' : a.severity === 'warning' ? 'WARNING' : 'INFO',
      );
    }
  });

  it('binds every metavariable that a metavariable-regex names in one of the rule’s patterns', () => {
    // A metavariable-regex on a name no pattern binds never matches in semgrep: a silent dead branch.
    const collect = (node: unknown, patterns: string[], regexVars: string[]): void => {
      if (Array.isArray(node)) {
        for (const item of node) collect(item, patterns, regexVars);
        return;
      }
      if (node === null || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        if ((key === 'pattern' || key === 'pattern-inside') && typeof value === 'string')
          patterns.push(value);
        else if (key === 'metavariable-regex')
          regexVars.push(String((value as { metavariable: unknown }).metavariable));
        else collect(value, patterns, regexVars);
      }
    };
    for (const r of semgrep) {
      const patterns: string[] = [];
      const regexVars: string[] = [];
      collect(r, patterns, regexVars);
      for (const name of regexVars) {
        const bound = new RegExp(`${name.replace('$', '\\$')}(?![A-Z0-9_])`);
        expect(
          patterns.some((p) => bound.test(p)),
          `${r.id}: ${name}`,
        ).toBe(true);
      }
    }
  });
});
