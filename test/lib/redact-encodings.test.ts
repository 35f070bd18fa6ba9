// A known secret relayed through the encodings a shell one-liner has at hand: each is redacted, and
// contains() sees it, so a file carrying it can be kept out of the commit. The encoded forms are made
// by the real tools where the machine has them (xxd, base64, od, rev), as a hostile command would.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createRedactor, MIN_SECRET_LENGTH, valuesOfSecretFile } from '../../lib/redact.js';

const SECRET = 'prod-db-Pa55w0rd!with/slash+plus=eq';
const has = (tool: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const sh = (script: string, input: string) => execFileSync('sh', ['-c', script], { input, encoding: 'utf8' });

function relays(secret: string): [string, string][] {
  const bytes = Buffer.from(secret);
  const hex = bytes.toString('hex');
  const out: [string, string][] = [
    ['plain', secret],
    ['reversed', [...secret].reverse().join('')],
    ['hex', hex],
    ['HEX', hex.toUpperCase()],
    ['hex with spaces (od -An -tx1)', (hex.match(/../g) ?? []).join(' ')],
    ['hex wrapped at 60 (xxd -p)', (hex.match(/.{1,60}/g) ?? []).join('\n')],
    ['base64', bytes.toString('base64')],
    ['base64url', bytes.toString('base64url')],
    ['encodeURIComponent', encodeURIComponent(secret)],
    ['every byte %XX', hex.replace(/../g, (b) => `%${b.toUpperCase()}`)],
    ['every byte %xx', hex.replace(/../g, (b) => `%${b}`)],
    ['JSON string', JSON.stringify(secret)],
  ];
  // Inside a longer base64 stream, at each alignment, wrapped at 76 as base64(1) wraps.
  for (const prefix of ['', 'a', 'ab', 'DATABASE_URL=postgres://app:']) {
    const b64 = Buffer.from(
      `${prefix}${secret}\nmore text after it, long enough to wrap the line once more`,
    ).toString('base64');
    out.push([
      `base64 after ${JSON.stringify(prefix)}, wrapped at 76`,
      (b64.match(/.{1,76}/g) ?? []).join('\n'),
    ]);
    out.push([
      `base64url after ${JSON.stringify(prefix)}`,
      Buffer.from(`${prefix}${secret}`).toString('base64url'),
    ]);
  }
  if (has('xxd')) {
    out.push(['xxd -p', sh('xxd -p', secret)]);
    out.push(['xxd -p -c 4', sh('xxd -p -c 4', secret)]);
  }
  if (has('base64')) out.push(['base64 -w 8', sh('base64 -w 8', secret)]);
  if (has('od')) out.push(['od -An -tx1', sh('od -An -tx1', secret)]);
  if (has('rev')) out.push(['rev', sh('rev', secret)]);
  return out;
}

describe('a known secret in the forms a command relays it in', () => {
  const r = createRedactor({ env: { DB_PASSWORD: SECRET } });

  for (const [name, encoded] of relays(SECRET)) {
    it(`redacts it ${name}`, () => {
      const text = `before it\n${encoded}\nafter it`;
      expect(r.contains(text)).toBe(true);
      const out = r.redact(text);
      expect(out).toContain('[REDACTED:DB_PASSWORD]');
      expect(out.startsWith('before it\n')).toBe(true);
      expect(out.endsWith('after it')).toBe(true);
      // Nothing of the secret's own encoding is left but what a neighbour's bytes share with it.
      const bytes = Buffer.from(SECRET);
      for (const form of [SECRET, bytes.toString('hex'), bytes.toString('base64').slice(4, -4)]) {
        expect(out.replace(/\s/g, '')).not.toContain(form);
      }
    });
  }

  it('leaves ordinary text, other hex and other base64 alone', () => {
    const text = [
      'commit 3f786850e387550fdab836ed7e6dc881de23001b',
      'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      Buffer.from('an ordinary sentence, encoded').toString('base64'),
      'od output: 61 62 63 64 65 66 67 68',
      'the quick brown fox\njumps over the lazy dog',
    ].join('\n');
    expect(r.contains(text)).toBe(false);
    expect(r.redact(text)).toBe(text);
  });

  it('adds values the run learns, skips short ones, and counts nothing in contains()', () => {
    const learnt = createRedactor();
    expect(
      learnt.addValues(['short', 'deploy-key-material-0001', 'deploy-key-material-0001'], 'denied-file'),
    ).toBe(1);
    expect(learnt.contains('x'.repeat(MIN_SECRET_LENGTH))).toBe(false);
    const hex = Buffer.from('deploy-key-material-0001').toString('hex');
    expect(learnt.contains(`echo ${hex}`)).toBe(true);
    expect(learnt.count).toBe(0);
    expect(learnt.redact(`echo ${hex}`)).toBe('echo [REDACTED:denied-file]');
    expect(learnt.count).toBe(1);
  });

  it('maps a span found across breaks back to the original text', () => {
    const hex = Buffer.from(SECRET).toString('hex');
    const wrapped = `${'0'.repeat(10)}${hex}`.match(/.{1,7}/g)?.join('\n  ') ?? '';
    const out = r.redact(`head [${wrapped}] tail`);
    expect(out).toMatch(/^head \[0000000\n {2}000\[REDACTED:DB_PASSWORD\]\] tail$/);
  });
});

describe('values of a file the read rules deny', () => {
  it('takes secret-named assignments and credential-like values and lines, not words and flags', () => {
    const text = [
      '# production settings',
      'NODE_ENV=production',
      'PORT=8080',
      'DEBUG=false',
      'API_HOST=api.example.com',
      'DB_PASSWORD="hunter2hunter2"',
      "export STRIPE_KEY='sk_live_abcdefghijklmnop'",
      'SESSION_SECRET=short7x',
      'DATABASE_URL=postgres://app:s3cretpw@db.internal:5432/app',
      '"client_secret": "0a1b2c3d4e5f6a7b",',
      '-----BEGIN PRIVATE KEY-----',
      'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7',
      '-----END PRIVATE KEY-----',
    ].join('\n');
    expect(valuesOfSecretFile(text)).toEqual([
      'hunter2hunter2',
      'sk_live_abcdefghijklmnop',
      'postgres://app:s3cretpw@db.internal:5432/app',
      '0a1b2c3d4e5f6a7b',
      'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7',
    ]);
    expect(
      valuesOfSecretFile(`${'A_TOKEN=0123456789abcdef0123\n'.repeat(5)}B_TOKEN=x1y2z3w4v5u6t7s8`, 1),
    ).toHaveLength(1);
  });
});
