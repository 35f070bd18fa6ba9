// agentgate's secrets pack on its corpus (test/gates/secrets-corpus.ts): every documented token format
// found, with the secret it holds, by the rule meant for it; no look-alike reported by any rule.
import { describe, expect, it } from 'vitest';
import { defaultSecretsConfig } from '../../gates/secrets/rules.js';
import { scanWithRules } from '../../gates/secrets/scan.js';
import { secretsCorpus } from './secrets-corpus.js';

const config = defaultSecretsConfig();
const corpus = secretsCorpus();

function scan(text: string, path = 'file.txt') {
  return scanWithRules([{ path, content: text }], config);
}

describe('the secrets corpus', () => {
  it('has at least 3 true positives and 2 look-alikes for every token type', () => {
    expect(corpus.length).toBeGreaterThan(80);
    for (const t of corpus) {
      expect(t.positives.length, t.type).toBeGreaterThanOrEqual(3);
      expect(t.negatives.length, t.type).toBeGreaterThanOrEqual(2);
    }
  });

  it.each(corpus.map((t) => [t.type, t] as const))('finds %s', (_, t) => {
    for (const p of t.positives) {
      const findings = scan(p.text, p.path);
      const mine = findings.filter((f) => f.ruleId === `secret/${t.rule}`);
      expect(mine.length, `${t.type}: ${JSON.stringify(p.text.slice(0, 80))}`).toBeGreaterThan(0);
      if (p.secret !== undefined) expect(mine.some((f) => f.secret?.includes(p.secret as string))).toBe(true);
      const allowed = new Set([t.rule, ...(t.also ?? [])].map((r) => `secret/${r}`));
      expect(findings.filter((f) => !allowed.has(f.ruleId)).map((f) => f.ruleId)).toEqual([]);
    }
  });

  it.each(corpus.map((t) => [t.type, t] as const))('stays quiet on look-alikes of %s', (_, t) => {
    for (const n of t.negatives) {
      expect(scan(n.text, n.path), `${t.type}: ${JSON.stringify(n.text.slice(0, 100))}`).toEqual([]);
    }
  });
});
