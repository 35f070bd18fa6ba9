import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createRedactor,
  looksLikeSecretEnvName,
  MIN_SCRUB_LENGTH,
  MIN_SECRET_LENGTH,
  REDACTED,
  SECRET_PATTERNS,
  scrubDeep,
  scrubText,
  secretValues,
  secretVariants,
} from '../../lib/redact.js';
import { isAlwaysSecretEnvName } from '../../policies/index.js';

// Fake credentials are assembled at run time so this file itself holds no token-shaped literal.
const cat = (...parts: string[]) => parts.join('');
const GHP = cat('gh', 'p_', 'R4nd0mT0k3nV4lu3F0rT3st1ng0000000001');
const GITHUB_PAT = cat('github', '_pat_', '11ABCDEFG0123456789abc_', 'x'.repeat(59));
const AKIA = cat('AK', 'IA', 'IOSFODNN7', 'EXAMPLE');
const AWS_SECRET = cat('wJalrXUtnFEMI/K7MDENG/', 'bPxRfiCYEXAMPLEKEY');
const SK_ANT = cat('sk', '-ant-', 'api03-', 'Zx9'.repeat(20), 'AA');
const SK_OPENAI = cat('sk', '-', 'T3BlbkFJ'.repeat(6));
const SLACK = cat('xo', 'xb-', '123456789012-', 'AbCdEfGhIjKl');
const STRIPE = cat('sk', '_live_', '4eC39HqLyjWDarjtT1zdp7dc');
const GOOGLE = cat('AI', 'za', 'SyA-1234567890abcdefghijklmnopqrstu');
const NPM = cat('np', 'm_', 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8');
const JWT = cat(
  'eyJ',
  'hbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9',
  '.eyJ',
  'zdWIiOiIxMjM0NTY3ODkwIn0',
  '.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
);
const PEM_BODY =
  'MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgwMbRvI0MBZhpF\nQ2d6pA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v2W3x4Y5z6A7b8C9d\n';
const PEM = cat('-----BEGIN ', 'RSA PRIVATE KEY-----\n', PEM_BODY, '-----END ', 'RSA PRIVATE KEY-----');
const GIT_SHA = '3f2a9c1d0e5b7a8c9d1e2f3a4b5c6d7e8f9a0b1c';
const SHA256 = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

describe('known token formats', () => {
  const cases: [string, string][] = [
    ['github-token', GHP],
    ['github-token', GITHUB_PAT],
    ['aws-access-key-id', AKIA],
    ['anthropic-api-key', SK_ANT],
    ['openai-api-key', SK_OPENAI],
    ['slack-token', SLACK],
    ['stripe-key', STRIPE],
    ['google-api-key', GOOGLE],
    ['npm-token', NPM],
    ['jwt', JWT],
    ['private-key', PEM],
  ];
  for (const [id, secret] of cases) {
    it(`redacts ${id}`, () => {
      const r = createRedactor();
      const out = r.redact(`before ${secret} after`);
      expect(out).toBe(`before [REDACTED:${id}] after`);
      expect(r.count).toBe(1);
    });
  }

  it('redacts only the value of an AWS secret access key assignment', () => {
    const r = createRedactor();
    expect(r.redact(`aws_secret_access_key = ${AWS_SECRET}\n`)).toBe(
      'aws_secret_access_key = [REDACTED:aws-secret-access-key]\n',
    );
    expect(r.redact(`"AWS_SECRET_ACCESS_KEY": "${AWS_SECRET}"`)).toBe(
      '"AWS_SECRET_ACCESS_KEY": "[REDACTED:aws-secret-access-key]"',
    );
  });

  it('redacts only the value of generic password/secret/token assignments', () => {
    const r = createRedactor();
    expect(r.redact(`password = 'correct-horse-battery'`)).toBe(`password = '[REDACTED:generic-secret]'`);
    expect(r.redact(`{"apiToken": "abc123def456ghi"}`)).toBe(`{"apiToken": "[REDACTED:generic-secret]"}`);
    expect(r.redact('DB_PASSWORD=Xk29fLmQ83vBz7Tq\n')).toBe('DB_PASSWORD=[REDACTED:generic-secret]\n');
    expect(r.redact('client_secret: "s3cr3t-value-here"')).toBe('client_secret: "[REDACTED:generic-secret]"');
  });

  it('redacts the password in a URL, the whole of a PEM block without its END, and an orphan PEM tail', () => {
    const r = createRedactor();
    expect(r.redact('remote: https://user:hunter2pass@example.com/repo.git')).toBe(
      'remote: https://user:[REDACTED:url-credentials]@example.com/repo.git',
    );
    const head = cat('-----BEGIN ', 'PRIVATE KEY-----\n', PEM_BODY);
    expect(r.redact(`key:\n${head}`)).toBe('key:\n[REDACTED:private-key]');
    const tail = cat(PEM_BODY.slice(20), '-----END ', 'PRIVATE KEY-----');
    expect(r.redact(`output tail: ${tail}\ndone`)).toBe('output tail: [REDACTED:private-key]\ndone');
  });

  it('leaves hashes, ordinary code and placeholders alone', () => {
    const r = createRedactor();
    const text = [
      `commit ${GIT_SHA}`,
      `sha256:${SHA256} ${SHA256.toUpperCase()}`,
      'const token: string = getToken(); // tokenizer = "models/tokenizer.json"',
      `const HEADER = '-----BEGIN RSA PRIVATE KEY-----'; const FOOTER = '-----END RSA PRIVATE KEY-----';`,
      `password = "\${DB_PASSWORD}"  token: \${{ secrets.NPM_TOKEN }}  secret = "<your secret>"`,
      'max_tokens: 4096, passwordMinLength = 12, sk-learn-compatible-estimators',
      'integrity sha512-Kq5sNDGAhkT0vx3yD6XrNQAo3k4dTHH+1lAGlRAqEasKcSJyJ2/O5UqCFn9MXAm3Y2vWHXRX8U4NC2jXqr/ptg==',
      'uuid 123e4567-e89b-12d3-a456-426614174000 https://github.com/owner/repo/pull/12',
    ].join('\n');
    expect(r.redact(text)).toBe(text);
    expect(r.count).toBe(0);
  });

  it('every pattern is global (replace-all) and ids are kebab-case', () => {
    for (const p of SECRET_PATTERNS) {
      expect(p.regex.flags).toContain('g');
      expect(p.id).toMatch(/^[a-z0-9-]+$/);
    }
  });
});

describe('exact secrets', () => {
  const TOKEN_VALUE = 'v3ry-s3cr3t/value+with=chars&more';

  it('redacts env secrets by name, the always-secret names, and added values', () => {
    const r = createRedactor({
      env: {
        MY_DEPLOY_KEY: 'deploy-key-value-123',
        GITHUB_TOKEN: 'plain-github-token-value',
        HOME: '/home/runner/somewhere',
        SHORT: 'abc',
      },
      isSecretEnv: (n) => n === 'MY_DEPLOY_KEY' || n === 'SHORT',
      alwaysSecretEnv: isAlwaysSecretEnvName,
    });
    r.addSecret('added-secret-value');
    expect(
      r.redact(
        'a deploy-key-value-123 b plain-github-token-value c added-secret-value /home/runner/somewhere abc',
      ),
    ).toBe(
      'a [REDACTED:MY_DEPLOY_KEY] b [REDACTED:GITHUB_TOKEN] c [REDACTED:secret] /home/runner/somewhere abc',
    );
    expect(r.count).toBe(3);
  });

  it('knows no always-secret names of its own: the caller injects them', () => {
    const env = { GITHUB_TOKEN: 'plain-github-token-value', INPUT_ANTHROPIC_KEY: 'input-key-value-1' };
    const none = createRedactor({ env, isSecretEnv: () => false });
    expect(none.redact('plain-github-token-value input-key-value-1')).toBe(
      'plain-github-token-value input-key-value-1',
    );
    const always = createRedactor({ env, isSecretEnv: () => false, alwaysSecretEnv: isAlwaysSecretEnvName });
    expect(always.redact('plain-github-token-value input-key-value-1')).toBe(
      '[REDACTED:GITHUB_TOKEN] [REDACTED:INPUT_ANTHROPIC_KEY]',
    );
  });

  it('by default treats secret-looking env names as secret', () => {
    expect(looksLikeSecretEnvName('NPM_TOKEN')).toBe(true);
    expect(looksLikeSecretEnvName('DB_PASSWORD')).toBe(true);
    expect(looksLikeSecretEnvName('OPENAI_API_KEY')).toBe(true);
    expect(looksLikeSecretEnvName('ACTIONS_ID_TOKEN_REQUEST_URL')).toBe(false);
    expect(looksLikeSecretEnvName('PATH')).toBe(false);
    const r = createRedactor({ env: { NPM_TOKEN: 'npm-token-value-1' } });
    expect(r.redact('x npm-token-value-1')).toBe('x [REDACTED:NPM_TOKEN]');
  });

  it('redacts base64 and URL-encoded forms of an exact secret', () => {
    const r = createRedactor({ secretValues: [TOKEN_VALUE] });
    const b64 = Buffer.from(TOKEN_VALUE).toString('base64');
    expect(r.redact(`Authorization: Bearer ${b64}`)).toBe('Authorization: Bearer [REDACTED:secret]');
    expect(r.redact(`url?t=${encodeURIComponent(TOKEN_VALUE)}&x=1`)).toBe('url?t=[REDACTED:secret]&x=1');
    const lower = encodeURIComponent(TOKEN_VALUE).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
    expect(r.redact(lower)).toBe('[REDACTED:secret]');
    // Inside a longer base64 text at any alignment (Basic auth of user:secret).
    for (const user of ['u', 'us', 'usr', 'x-access-token']) {
      const basic = Buffer.from(`${user}:${TOKEN_VALUE}`).toString('base64');
      const out = r.redact(`Authorization: Basic ${basic}`);
      expect(out).toContain('[REDACTED:secret]');
      const left = out.replace(/^Authorization: Basic /, '').replace('[REDACTED:secret]', '');
      expect(left.length).toBeLessThanOrEqual(Math.ceil(((user.length + 1) * 8) / 6) + 3);
    }
  });

  it('offers each variant at least MIN length and the raw value first', () => {
    const v = secretVariants('abcdefgh');
    expect(v[0]).toBe('abcdefgh');
    expect(v).toContain(Buffer.from('abcdefgh').toString('base64'));
    expect(secretVariants('short')).toEqual([]);
  });

  it('prefers the longer secret when one contains another', () => {
    const r = createRedactor({ env: { A_TOKEN: 'abcdefgh1234', B_TOKEN: 'xxabcdefgh1234yy' } });
    expect(r.redact('xxabcdefgh1234yy abcdefgh1234')).toBe('[REDACTED:B_TOKEN] [REDACTED:A_TOKEN]');
  });

  it('exact matches take precedence over patterns and are not redacted twice', () => {
    const r = createRedactor({ env: { GITHUB_TOKEN: GHP } });
    expect(r.redact(`GITHUB_TOKEN=${GHP}\ntoken: "${GHP}"`)).toBe(
      'GITHUB_TOKEN=[REDACTED:GITHUB_TOKEN]\ntoken: "[REDACTED:GITHUB_TOKEN]"',
    );
    expect(r.count).toBe(2);
  });
});

describe('redactDeep', () => {
  it('redacts strings at any depth, keys included, and does not mutate the input', () => {
    const r = createRedactor({ secretValues: ['deep-secret-value'] });
    const input = {
      a: 'x deep-secret-value',
      list: [1, null, true, { b: GHP }, ['deep-secret-value']],
      'deep-secret-value': 'as a key',
      when: new Date(0),
      nested: { map: new Map([['k', 'deep-secret-value']]) },
    };
    const snapshot = structuredClone(input);
    const out = r.redactDeep(input);
    expect(input).toEqual(snapshot);
    expect(out).not.toBe(input);
    expect(out.list).not.toBe(input.list);
    expect(out.a).toBe('x [REDACTED:secret]');
    expect(out.list[3]).toEqual({ b: '[REDACTED:github-token]' });
    expect(out.list[4]).toEqual(['[REDACTED:secret]']);
    expect(Object.keys(out)).toContain('[REDACTED:secret]');
    expect(out.when).toEqual(new Date(0));
    expect(out.nested.map.get('k')).toBe('[REDACTED:secret]');
    const buf = r.redactDeep({ b: Buffer.from('x deep-secret-value') });
    expect(Buffer.isBuffer(buf.b) && buf.b.toString()).toBe('x [REDACTED:secret]');
    expect(JSON.stringify(out)).not.toContain('deep-secret-value');
  });

  it('copies cycles without looping and keeps an Error readable', () => {
    const r = createRedactor({ secretValues: ['deep-secret-value'] });
    const a: Record<string, unknown> = { s: 'deep-secret-value' };
    a.self = a;
    const out = r.redactDeep(a);
    expect(out.self).toBe(out);
    expect(out.s).toBe('[REDACTED:secret]');
    const e = r.redactDeep(new Error('failed with deep-secret-value'));
    expect(JSON.stringify(e)).toContain('failed with [REDACTED:secret]');
  });
});

describe('speed', () => {
  it('redacts 1 MB with 20 exact secrets and all patterns', () => {
    const secrets = Array.from({ length: 20 }, (_, i) => `s3cr3t-${i}-${randomBytes(16).toString('hex')}`);
    const env = Object.fromEntries(secrets.map((s, i) => [`SECRET_${i}`, s]));
    const r = createRedactor({ env });
    const lines = [
      `npm ERR! code E404 at /home/runner/work/repo/node_modules/.bin/tsc (exit 1) commit ${GIT_SHA}`,
      `  PASS  test/unit/foo.test.ts (12 tests) 34ms sha256:${SHA256}`,
      'const token: string = getToken(); // tokenizer = "models/tokenizer.json" password field',
      '{"level":"info","msg":"request done","status":200,"durationMs":12,"path":"/api/v1/items?page=2"}',
    ];
    const parts: string[] = [];
    let size = 0;
    for (let i = 0; size < 1_000_000; i++) {
      const line =
        i % 2000 === 0 ? `leak ${secrets[(i / 2000) % 20]} ${GHP} ${AKIA}` : (lines[i % lines.length] ?? '');
      parts.push(line);
      size += line.length + 1;
    }
    const text = parts.join('\n');
    r.redact('warm-up');
    const t0 = performance.now();
    const out = r.redact(text);
    const ms = performance.now() - t0;
    console.log(`redact: ${(text.length / 1e6).toFixed(2)} MB, 20 exact secrets: ${ms.toFixed(1)} ms`);
    for (const s of secrets) expect(out).not.toContain(s);
    expect(out).not.toContain(GHP);
    expect(out).toContain(GIT_SHA);
    expect(out).toContain(SHA256);
  });

  it('stays linear on hostile input (no catastrophic backtracking)', () => {
    const r = createRedactor({ secretValues: ['abcdefgh12345678'] });
    const hostile = [
      'aws_secret_access_key='.repeat(45_000),
      'token=='.repeat(150_000),
      'password_'.repeat(110_000),
      'password="'.repeat(100_000),
      `${'eyJ-'.repeat(250_000)}.eyJ`,
      `${'a.'.repeat(500_000)}://`,
      `https://user:${'x'.repeat(1_000_000)}`,
      '-----BEGIN PRIVATE KEY----- '.repeat(36_000),
      `${'AAAA\n'.repeat(10)}-----END PRIVATE KEY-- `.repeat(13_000),
    ];
    for (const text of hostile) {
      const t0 = performance.now();
      r.redact(text);
      // About 50 ms here; a quadratic regex takes minutes. The bound only catches that.
      expect(performance.now() - t0).toBeLessThan(2_000);
    }
  });
});

describe("scrubbing the gates' reports", () => {
  it('replaces exact values of MIN_SCRUB_LENGTH chars or more with [REDACTED], nothing else', () => {
    // The two tools keep their own floors: the gates scrub what their scan found from 6 chars, the
    // Redactor ignores exact values under 8.
    expect(MIN_SCRUB_LENGTH).toBe(6);
    expect(MIN_SECRET_LENGTH).toBe(8);
    expect(scrubText('a s3cr3t b s3cr3 c', ['s3cr3t', 's3cr3'])).toBe(`a ${REDACTED} b s3cr3 c`);
    expect(scrubText(`key ${GHP}`, [])).toBe(`key ${GHP}`);
    expect(secretValues(['abcdef', undefined, 'abcde', 'xxabcdefyy', 'abcdef'])).toEqual([
      'xxabcdefyy',
      'abcdef',
    ]);
    const report = { a: 'x abcdef y', list: ['abcdef', 1, null, { b: 'abcdefg' }] };
    expect(scrubDeep(report, ['abcdef'])).toEqual({
      a: `x ${REDACTED} y`,
      list: [REDACTED, 1, null, { b: `${REDACTED}g` }],
    });
    expect(report.a).toBe('x abcdef y');
  });
});
