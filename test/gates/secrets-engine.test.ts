// The embedded secrets engine: gitleaks' TOML rule model (parsing, errors, allowlists, entropy, extend,
// composite rules), RE2 evaluation (linear on hostile input, multi-line matches, line and column), and
// agentgate's own pack loading whole.
import { describe, expect, it } from 'vitest';
import { scanSecrets } from '../../gates/secrets/index.js';
import { compilePattern, KeywordSet, shannonEntropy } from '../../gates/secrets/regex.js';
import {
  defaultSecretsConfig,
  loadGitleaksConfig,
  type SecretsConfig,
  SecretsConfigError,
} from '../../gates/secrets/rules.js';
import { EMBEDDED_SECRETS_ENGINE, scanWithRules } from '../../gates/secrets/scan.js';
import { loadDefaultPolicy, SECRETS_PACK_SOURCE, SECRETS_PACK_TEXT } from '../../policies/index.js';
import { rand } from './secrets-corpus.js';

const B62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const policy = loadDefaultPolicy().policy.gates.secrets;

function scan(config: SecretsConfig, content: string, path = 'src/app.ts') {
  return scanWithRules([{ path, content }], config);
}

function configError(text: string, file = '.gitleaks.toml'): string {
  try {
    loadGitleaksConfig(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(SecretsConfigError);
    return (e as Error).message;
  }
  throw new Error('the configuration loaded');
}

const ITK = `[[rules]]
id = "internal-token"
description = "Our internal API token"
regex = '''\\b(itk_[A-Za-z0-9]{32})\\b'''
keywords = ["itk_"]
`;

/** A team's .gitleaks.toml as people write them: an extra rule, the default pack, allowlists. */
const TEAM_CONFIG = `title = "acme gitleaks config"

[extend]
useDefault = true
disabledRules = ["jwt"]

${ITK}
[[rules.allowlists]]
description = "the fixtures' token"
regexTarget = "match"
regexes = ['''itk_0{32}''']

[[allowlists]]
description = "vendored code and test fixtures"
paths = ['''(?:^|/)vendor/''', '''^test/fixtures/''']

[[allowlists]]
description = "tokens documented for staging"
targetRules = ["github-pat"]
stopwords = ["staging"]
`;

describe('reading gitleaks configuration', () => {
  it('loads agentgate’s pack whole: every pattern compiles and every secretGroup exists', () => {
    const strict = loadGitleaksConfig(SECRETS_PACK_TEXT, SECRETS_PACK_SOURCE);
    expect(strict.rules.length).toBeGreaterThan(50);
    for (const rule of strict.rules) {
      expect(rule.description, rule.id).not.toBe('');
      if (!rule.skipReport) expect(rule.keywords.length, `${rule.id} has keywords`).toBeGreaterThan(0);
    }
    expect(defaultSecretsConfig().rules.map((r) => r.id)).toEqual(strict.rules.map((r) => r.id));
  });

  it('reads rules with their fields, keys in any case, and the older [rules.allowlist] form', () => {
    const config = loadGitleaksConfig(
      `[[rules]]
ID = "x"
Regex = '''(a)(b)'''
SecretGroup = 2
entropy = 1.5
keywords = ["AB"]
tags = ["t"]
path = '''\\.ts$'''
[rules.allowlist]
regexes = ['''^b$''']
regexTarget = "line"
condition = "AND"
stopwords = ["Zz"]
`,
      '.gitleaks.toml',
    );
    const [rule] = config.rules;
    expect(rule).toMatchObject({ id: 'x', secretGroup: 2, entropy: 1.5, keywords: ['ab'], tags: ['t'] });
    expect(rule?.allowlists[0]).toMatchObject({ condition: 'AND', regexTarget: 'line', stopwords: ['zz'] });
  });

  it('names the file, the rule and the field in every error', () => {
    expect(configError('[[rules]\nid = 1')).toMatch(/^\.gitleaks\.toml: line 1, column \d+: not valid TOML/);
    expect(configError(`[[rules]]\nid = "a"\nregex = '''(?=x)'''\n`)).toMatch(
      /^\.gitleaks\.toml: rule 'a': regex is not a Go\/RE2 regular expression: .*lookahead/,
    );
    expect(configError(`[[rules]]\nid = "a"\nregex = '''(a)'''\nsecretGroup = 3\n`)).toBe(
      ".gitleaks.toml: rule 'a': secretGroup is 3 but the regex has 1 capture group(s); expected 0 to 1",
    );
    expect(configError(`[[rules]]\ndescription = "no id"\nregex = 'x'\n`)).toMatch(
      /rules\[0\]: id is missing/,
    );
    expect(configError(`[[rules]]\nid = "a"\n`)).toMatch(/rule 'a': regex and path are both empty/);
    expect(configError(`[[rules]]\nid = "a"\nregex = "x"\nentropy = "high"\n`)).toMatch(
      /rule 'a': entropy must be a number, 0 or more/,
    );
    expect(configError(`[[rules]]\nid = "a"\nregex = "x"\nkeyword = ["x"]\n`)).toMatch(
      /rule 'a': keyword is not a gitleaks setting here; expected one of id, description, regex/,
    );
    expect(
      configError(
        `[[rules]]\nid = "a"\nregex = "x"\n[[rules.allowlists]]\nregexTarget = "file"\nregexes = ["y"]\n`,
      ),
    ).toMatch(/rule 'a' allowlists\[0\]: regexTarget must be secret, match or line, not 'file'/);
    expect(
      configError(`[[rules]]\nid = "a"\nregex = "x"\n[[rules.allowlists]]\ndescription = "empty"\n`),
    ).toMatch(/has no check: give it commits, paths, regexes or stopwords/);
    expect(configError(`[[rules]]\nid = "a"\nregex = "x"\n[[rules]]\nid = "a"\nregex = "y"\n`)).toMatch(
      /rule 'a': id is used by an earlier rule/,
    );
    expect(configError(`[[allowlists]]\ntargetRules = ["nope"]\nstopwords = ["x"]\n`)).toMatch(
      /allowlists\[0\]: targetRules names 'nope'/,
    );
    expect(configError(`[extend]\npath = "base.toml"\n`)).toMatch(/\[extend\]: path is not supported/);
    expect(configError(`[[rules]]\nid = "a"\nregex = "x"\n[[rules.required]]\nid = "b"\n`)).toMatch(
      /rule 'a': required names 'b', which is not a rule here/,
    );
    expect(configError('[allowlist]\nstopwords = ["a"]\n[[allowlists]]\nstopwords = ["b"]\n')).toMatch(
      /cannot be used with \[\[allowlists\]\]/,
    );
  });

  it('replaces agentgate’s pack without [extend], and extends it with useDefault = true', () => {
    const own = loadGitleaksConfig(ITK, '.gitleaks.toml');
    expect(own.rules.map((r) => r.id)).toEqual(['internal-token']);
    const team = loadGitleaksConfig(TEAM_CONFIG, '.gitleaks.toml');
    const ids = team.rules.map((r) => r.id);
    expect(ids).toContain('internal-token');
    expect(ids).toContain('github-pat');
    expect(ids).not.toContain('jwt'); // disabledRules
    expect(team.allowlists.length).toBe(defaultSecretsConfig().allowlists.length + 1);
    // The targeted allowlist went to a copy: the pack's own rule is untouched.
    expect(defaultSecretsConfig().rules.find((r) => r.id === 'github-pat')?.allowlists).toEqual([]);
  });

  it('lets a file add allowlists to a rule of the pack it extends, by id alone', () => {
    const config = loadGitleaksConfig(
      `[extend]\nuseDefault = true\n[[rules]]\nid = "generic-secret"\n[[rules.allowlists]]\nstopwords = ["fixture"]\n`,
      '.gitleaks.toml',
    );
    const rule = config.rules.find((r) => r.id === 'generic-secret');
    expect(rule?.regex).toBeDefined();
    expect(rule?.allowlists.at(-1)?.stopwords).toEqual(['fixture']);
  });
});

describe('evaluating rules', () => {
  it('applies a real .gitleaks.toml: its extra rule, its allowlists, and the pack it extends', async () => {
    const token = `itk_${rand(B62, 32)}`;
    const gh = ['gh', 'p_', rand(B62, 36)].join('');
    const files = [
      { path: 'src/a.ts', content: `const t = "${token}";\nconst g = "${gh}";\n` },
      { path: 'src/fixture.ts', content: `const t = "itk_${'0'.repeat(32)}";\n` },
      { path: 'vendor/lib.js', content: `const t = "${token}";\n` },
      { path: 'docs/staging.md', content: `use ${['gh', 'p_', 'staging', rand(B62, 29)].join('')}\n` },
      {
        path: 'src/jwt.ts',
        content: `const j = "eyJ${rand(B62, 20)}.eyJ${rand(B62, 20)}.${rand(B62, 20)}";\n`,
      },
    ];
    const out = await scanSecrets(files, {
      policy: { ...policy, engine: 'embedded' },
      timeoutMs: 10_000,
      env: {},
      repoConfig: { text: TEAM_CONFIG, path: '.gitleaks.toml' },
    });
    expect(out.engine).toBe(EMBEDDED_SECRETS_ENGINE);
    expect(out.findings.map((f) => [f.ruleId, f.file, f.line, f.column])).toEqual([
      ['secret/internal-token', 'src/a.ts', 1, 12],
      ['secret/github-pat', 'src/a.ts', 2, 12],
    ]);
    expect(out.findings[0]?.secret).toBe(token);
    expect(out.findings[0]?.message).toBe('Possible secret: Our internal API token');
  });

  it('fails the gate with the file and rule when the repository’s configuration is wrong', async () => {
    await expect(
      scanSecrets([], {
        policy,
        timeoutMs: 1000,
        env: {},
        embeddedOnly: true,
        repoConfig: { text: '[[rules]]\nid = "x"\nregex = "("\n', path: '.gitleaks.toml' },
      }),
    ).rejects.toThrow(/^\.gitleaks\.toml: rule 'x': regex is not a Go\/RE2 regular expression/);
  });

  it('runs a rule only where one of its keywords is, in any case', () => {
    const config = loadGitleaksConfig(
      `[[rules]]\nid = "k"\nregex = '''v=\\d+'''\nkeywords = ["MARK"]\n`,
      'k.toml',
    );
    expect(scan(config, 'v=1\n')).toEqual([]);
    expect(scan(config, 'mark\nv=1\n')).toHaveLength(1);
    const keywords = new KeywordSet(['ghp_', 'straße', 'key']);
    expect([...keywords.find('A GHP_ and a STRASSE and a Straße')].sort()).toEqual([0, 1]);
    expect([...keywords.find('monkey')]).toEqual([2]);
  });

  it('reports the secret group, or the first non-empty group, and drops low-entropy secrets', () => {
    const config = loadGitleaksConfig(
      `[[rules]]\nid = "g"\nregex = '''(?:a=(\\w+)|b=(\\w+))'''\nentropy = 2\n`,
      'g.toml',
    );
    const found = scan(config, 'b=Xy7Qp2\na=aaaaaaaa\n');
    expect(found.map((f) => [f.line, f.column, f.secret])).toEqual([[1, 1, 'Xy7Qp2']]);
    expect(shannonEntropy('')).toBe(0);
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
  });

  it('applies allowlists on the secret, the match or the line, with stopwords, paths and AND', () => {
    const config = loadGitleaksConfig(
      `[[rules]]
id = "kv"
regex = '''key=(\\w+)'''
[[rules.allowlists]]
regexes = ['''^ok''']
[[rules.allowlists]]
regexTarget = "line"
regexes = ['''# allowed''']
[[rules.allowlists]]
regexTarget = "match"
regexes = ['''^key=m''']
[[rules.allowlists]]
condition = "AND"
paths = ['''^docs/''']
stopwords = ["demo"]
`,
      'a.toml',
    );
    const text = 'key=okay1\nkey=zz9 # allowed\nkey=mine2\nkey=demo3\nkey=real4\n';
    expect(scan(config, text, 'src/a.txt').map((f) => f.secret)).toEqual(['demo3', 'real4']);
    expect(scan(config, text, 'docs/a.txt').map((f) => f.secret)).toEqual(['real4']);
  });

  it('reports path-only rules as whole files', () => {
    const config = loadGitleaksConfig(`[[rules]]\nid = "p12"\npath = '''\\.p12$'''\n`, 'p.toml');
    expect(scan(config, 'binary-ish', 'certs/a.p12')).toEqual([
      expect.objectContaining({ ruleId: 'secret/p12', line: 0, scope: 'file' }),
    ]);
    expect(scan(config, 'x', 'a.txt')).toEqual([]);
  });

  it('keeps a composite rule’s finding only when its required rule matches within reach', () => {
    const config = loadGitleaksConfig(
      `[[rules]]
id = "secret"
regex = '''secret=(\\w+)'''
[[rules.required]]
id = "user"
withinLines = 1
[[rules]]
id = "user"
regex = '''user=\\w+'''
skipReport = true
`,
      'c.toml',
    );
    expect(scan(config, 'user=a\nsecret=s1\n').map((f) => f.secret)).toEqual(['s1']);
    expect(scan(config, 'user=a\n\n\nsecret=s2\n')).toEqual([]);
    expect(scan(config, 'user=a\n')).toEqual([]);
  });

  it('lets a specific rule’s finding win over a generic one for the same secret on the line', () => {
    const key = ['sk', '_live_', rand(B62, 30), '7'].join('');
    const found = scan(defaultSecretsConfig(), `STRIPE_SECRET=${key}\n`);
    expect(found.map((f) => f.ruleId)).toEqual(['secret/stripe-api-key']);
  });

  it('finds a PEM key spanning lines as one finding, with its first and last line', () => {
    const body = Array.from({ length: 10 }, () => rand(`${B62}+/`, 64)).join('\n');
    const label = ['RSA', 'PRIVATE', 'KEY'].join(' ');
    const text = `intro\n\n-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\ntail\n`;
    const [f, ...rest] = scan(defaultSecretsConfig(), text, 'keys/id.pem');
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ ruleId: 'secret/private-key', line: 3, endLine: 14, column: 1 });
    expect(f?.secret).toContain(body.slice(0, 64));
  });

  it('finds every match of a large file, past the DFA’s first window, on the right lines', () => {
    const filler = 'const x = compute(a, b); // nothing to see here\n'.repeat(5000); // ~250 KB
    const tokens = [0, 1, 2].map(() => ['gh', 'p_', rand(B62, 36)].join(''));
    const text = `${tokens[0]}\n${filler}${tokens[1]}\n${filler}x = "${tokens[2]}"\n`;
    const found = scan(defaultSecretsConfig(), text);
    expect(found.map((f) => [f.line, f.column, f.secret])).toEqual([
      [1, 1, tokens[0]],
      [5002, 1, tokens[1]],
      [10003, 6, tokens[2]],
    ]);
  });

  it('stays linear on hostile input: 100k repeated characters against every rule of the pack', () => {
    const pack = defaultSecretsConfig();
    // Every rule runs on every input, keywords or not.
    const everyRule = { ...pack, rules: pack.rules.map((r) => ({ ...r, keywords: [] })) };
    const hostile = [
      'a'.repeat(100_000),
      `password=${'a1'.repeat(50_000)}`,
      `-----BEGIN PRIVATE KEY-----\n${'A'.repeat(100_000)}`,
      'token = '.repeat(12_500),
      `https://${'u:'.repeat(50_000)}`,
      `eyJ${'.eyJa'.repeat(20_000)}`,
      `${['gh', 'p_'].join('')}${'a1'.repeat(50_000)}`,
      `AKIA${'A'.repeat(100_000)}`,
      `xoxb-${'1-'.repeat(50_000)}`,
    ];
    for (const text of hostile) {
      const started = performance.now();
      scan(everyRule, text);
      expect(performance.now() - started, text.slice(0, 30)).toBeLessThan(5_000);
    }
    // A pattern that backtracks exponentially in JavaScript runs in linear time here.
    const evil = compilePattern('(a+)+$');
    const started = performance.now();
    expect(evil.re.test(`${'a'.repeat(100_000)}!`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
