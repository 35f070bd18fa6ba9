// Secret redaction: the one module that removes secrets from text. Two tools, for two jobs.
//
// 1. The Redactor (`createRedactor`), applied by the action before anything reaches a log, the trace, the
//    model or an artifact. Two kinds of secret: exact values (secret env vars and values the caller adds,
//    at least MIN_SECRET_LENGTH = 8 chars), matched together with the forms a command relays them in
//    (hex, base64 at any alignment, URL-encoding, reversed; also when wrapped or space-separated, see
//    `secretVariants`); and known token formats, matched by pattern. Each hit becomes `[REDACTED:<id>]`, where the id names the
//    env var or the pattern, never the value. Which env names are secret is the caller's to say
//    (`isSecretEnv`, `alwaysSecretEnv`): this module knows no policy.
// 2. Scrubbing (`scrubText`, `scrubDeep`, `secretValues`), applied by the gates so no output of theirs
//    carries a secret the scan found: every string of the report is scrubbed of those exact values
//    (at least MIN_SCRUB_LENGTH = 6 chars; no encodings, no patterns) before anything is rendered or
//    written. Each hit becomes `[REDACTED]`.

export interface SecretPattern {
  id: string;
  /**
   * Global regex. When it has named groups `pre` and/or `post`, only the text between them is replaced
   * (the key of an assignment stays readable); otherwise the whole match is.
   */
  regex: RegExp;
  /** A substring every match contains; when the text lacks it the regex is skipped (speed only). */
  literal?: string;
}

export interface Redactor {
  redact(text: string): string;
  /**
   * A copy of `value` with every string in it (object keys and Buffer text included) redacted; the input
   * is not touched. Cycles are kept; an Error becomes a plain `{ name, message, ...own fields }` object.
   */
  redactDeep<T>(value: T): T;
  addSecret(value: string): void;
  /**
   * Adds exact values (id `id`, default `secret`) the run has learnt, e.g. the contents of files the
   * policy denies reading; values shorter than MIN_SECRET_LENGTH are ignored. Returns how many were new.
   */
  addValues(values: Iterable<string>, id?: string): number;
  /** Whether `text` holds a known exact value in any of its forms (patterns not included; counts nothing). */
  contains(text: string): boolean;
  /** How many replacements this redactor has made so far. */
  readonly count: number;
}

export interface RedactorOptions {
  /** Exact values to redact (id `secret`). */
  secretValues?: string[];
  /** Environment whose secret variables' values are redacted (id = the variable's name). */
  env?: NodeJS.ProcessEnv;
  /** Which env names are secret, besides `alwaysSecretEnv`'s. Default: looksLikeSecretEnvName. */
  isSecretEnv?: (name: string) => boolean;
  /**
   * Env names secret whatever `isSecretEnv` says: the action passes the policy language's
   * `isAlwaysSecretEnvName` (ALWAYS_SECRET_ENV). Default: none.
   */
  alwaysSecretEnv?: (name: string) => boolean;
}

/** Shorter exact values are ignored: redacting them would shred ordinary text. */
export const MIN_SECRET_LENGTH = 8;

const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL/i;
const NOT_A_SECRET_NAME = /_(?:PATH|FILE|DIR|URL)$/i;

/** Default `isSecretEnv`: names such as `NPM_TOKEN`, `DB_PASSWORD`, `OPENAI_API_KEY` (not `*_PATH`, `*_URL`). */
export function looksLikeSecretEnvName(name: string): boolean {
  return SECRET_NAME.test(name) && !NOT_A_SECRET_NAME.test(name);
}

// An assignment's key: the keyword must end the identifier or be followed by a separator or a camelCase
// part, so `tokenizer = "..."` is left alone while `apiToken`, `DB_PASSWORD`, `client_secret` match.
const KEYWORD =
  '(?:[Pp]ass(?:word|wd|phrase)|PASS(?:WORD|WD|PHRASE)|[Ss]ecret|SECRET|[Tt]oken|TOKEN|' +
  '[Aa]pi[_-]?[Kk]ey|API[_-]?KEY|[Aa]ccess[_-]?[Kk]ey|ACCESS[_-]?KEY|[Pp]rivate[_-]?[Kk]ey|PRIVATE[_-]?KEY)';
const KEY_TAIL = '(?:s|[A-Z_.-][A-Za-z0-9_.-]{0,40})?';
const ASSIGN = `["']?[ \\t]{0,16}(?::=|=>|[:=])[ \\t]{0,16}`;
// Placeholders and already-redacted values are not secrets.
const NOT_PLACEHOLDER = '(?!\\[REDACTED:|\\$\\{|\\$\\(|<)';
const PEM_BODY = '[A-Za-z0-9+/=\\s\\\\:,.()-]';
const PEM_LABEL = '[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----';

/** Known token formats, applied in this order (more specific first). */
export const SECRET_PATTERNS: SecretPattern[] = [
  {
    // The whole block; without an END line (truncated output) everything base64-like after BEGIN.
    // The body must look like PEM, so code that merely mentions the markers is left alone.
    id: 'private-key',
    regex: new RegExp(`-----BEGIN${PEM_LABEL}(?:${PEM_BODY}*?-----END${PEM_LABEL}|${PEM_BODY}{40,})`, 'g'),
    literal: 'PRIVATE KEY',
  },
  {
    // The tail of a block whose beginning was cut off (e.g. the last N chars of a command's output).
    id: 'private-key',
    regex: new RegExp(`(?<![A-Za-z0-9+/=\\r\\n\\\\])[A-Za-z0-9+/=\\r\\n\\\\]{40,}?-----END${PEM_LABEL}`, 'g'),
    literal: 'PRIVATE KEY',
  },
  {
    id: 'jwt',
    regex: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
    literal: '.eyJ',
  },
  { id: 'anthropic-api-key', regex: /\bsk-ant-[A-Za-z0-9_-]{16,}/g },
  { id: 'openai-api-key', regex: /\bsk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}|[A-Za-z0-9]{32,})/g },
  { id: 'github-token', regex: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})/g },
  { id: 'aws-access-key-id', regex: /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g },
  {
    id: 'aws-secret-access-key',
    regex: new RegExp(
      `(?<pre>(?:aws_?secret_?access_?key|aws_?secret_?key|secret_?access_?key)${ASSIGN}["']?)` +
        '[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])',
      'gi',
    ),
  },
  { id: 'slack-token', regex: /\bxox[baprs]-[A-Za-z0-9-]{10,}/g },
  {
    id: 'slack-webhook',
    regex: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9_/]{20,}/g,
    literal: 'hooks.slack.com',
  },
  { id: 'stripe-key', regex: /\b[sr]k_(?:live|test)_[A-Za-z0-9]{20,}/g },
  { id: 'google-api-key', regex: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  { id: 'npm-token', regex: /\bnpm_[A-Za-z0-9]{36}(?![A-Za-z0-9])/g },
  { id: 'gitlab-token', regex: /\bglpat-[A-Za-z0-9_-]{20,}/g },
  {
    // scheme://user:password@host — the password only.
    id: 'url-credentials',
    regex:
      /(?<pre>(?<![A-Za-z0-9+.-])[a-z][a-z0-9+.-]{0,30}:\/\/[^\s:/@]{1,256}:)(?!\[REDACTED:|\$\{)[^\s:/@]{3,256}(?<post>@)/g,
    literal: '://',
  },
  {
    // password = "...", "api_key": '...', token: "..." — a quoted value of 8+ chars, the value only.
    id: 'generic-secret',
    regex: new RegExp(
      `(?<pre>${KEYWORD}${KEY_TAIL}${ASSIGN}(?<q>["']))${NOT_PLACEHOLDER}[^"'\\s]{8,512}(?<post>\\k<q>)`,
      'g',
    ),
  },
  {
    // PASSWORD=..., secret: ... unquoted — 16+ chars with both a letter and a digit. '=' only as base64
    // padding, so a scan cannot run on into the next `key=` (keeps the cost linear).
    id: 'generic-secret',
    regex: new RegExp(
      `(?<pre>${KEYWORD}${KEY_TAIL}[ \\t]{0,16}[:=][ \\t]{0,16})` +
        '(?=[A-Za-z_+/-]{0,511}[0-9])(?=[0-9_+/-]{0,511}[A-Za-z])[A-Za-z0-9_+/-]{16,512}={0,2}(?![^\\s,;])',
      'g',
    ),
  },
];

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Every byte as %XX (what a "URL-encode everything" one-liner prints). */
function percentEncodeAll(bytes: Buffer, upper: boolean): string {
  const hex = bytes.toString('hex');
  let out = '';
  for (let i = 0; i < hex.length; i += 2) out += `%${hex.slice(i, i + 2)}`;
  return upper ? out.toUpperCase() : out;
}

/** The base64 characters fixed by `bytes` alone when they start `k` bytes into a longer text. */
function base64Core(bytes: Buffer, k: number): string {
  const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
  // Character i carries bits [6i, 6i+6); keep those entirely inside the value's bits.
  return encoded.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
}

/**
 * The forms an exact secret takes when a command relays it: itself, trimmed, reversed, JSON-escaped,
 * URL-encoded (encodeURIComponent, encodeURI, every byte, upper and lower case hex), hex (lower and
 * upper case) and base64 (standard and URL alphabet; whole, and the part fixed by the value alone at each
 * of the three byte alignments, so it is also found inside a longer base64 text such as a Basic auth
 * header of `user:secret`). Line-wrapped and space-separated encodings (`base64`, `xxd -p`, `od -An -tx1`)
 * are found by the redactor itself, which also looks at the text with such breaks taken out.
 */
export function secretVariants(value: string): string[] {
  const out = new Set<string>();
  const add = (v: string) => {
    if (v.length >= MIN_SECRET_LENGTH) out.add(v);
  };
  for (const v of new Set([value, value.trim()])) {
    if (v.length < MIN_SECRET_LENGTH) continue;
    add(v);
    add([...v].reverse().join(''));
    const uri = encodeURIComponent(v);
    add(uri);
    add(uri.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
    add(encodeURI(v));
    add(JSON.stringify(v).slice(1, -1));
    const bytes = Buffer.from(v, 'utf8');
    add(percentEncodeAll(bytes, true));
    add(percentEncodeAll(bytes, false));
    const hex = bytes.toString('hex');
    add(hex);
    add(hex.toUpperCase());
    add(bytes.toString('base64'));
    add(bytes.toString('base64url'));
    for (let k = 0; k < 3; k++) {
      const core = base64Core(bytes, k);
      add(core);
      add(core.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return [...out];
}

/** A line break with the spaces around it: the wrap of `base64` or `xxd -p` when it is inside an encoding. */
const LINE_BREAK = /[ \t]*\r?\n[ \t]*/g;
/** Four or more groups of hex digits separated by one or two spaces or a line break (`od -An -tx1`, `xxd -g1`). */
const HEX_GROUPS = /\b(?:[0-9A-Fa-f]{2,8}(?: {1,2}|[ \t]*\r?\n[ \t]*)){3,}[0-9A-Fa-f]{2,8}\b/g;
const SEPARATORS = /\s+/g;
const ENCODING_CHAR = /[A-Za-z0-9+/=_%-]/;

/** `text` with its breaks taken out, and where they were (to map a span of `joined` back to `text`). */
interface Joined {
  joined: string;
  /** For each break, in order: its offset in `joined` and how many characters of `text` it removed before it. */
  at: number[];
  removedBefore: number[];
}

/** The breaks inside encoded text (line wraps between two encoding characters, spaces between hex groups). */
function breaksOf(text: string): [number, number][] {
  const cuts: [number, number][] = [];
  LINE_BREAK.lastIndex = 0;
  for (let m = LINE_BREAK.exec(text); m !== null; m = LINE_BREAK.exec(text)) {
    const end = m.index + m[0].length;
    if (ENCODING_CHAR.test(text[m.index - 1] ?? '') && ENCODING_CHAR.test(text[end] ?? ''))
      cuts.push([m.index, end]);
  }
  HEX_GROUPS.lastIndex = 0;
  const spaced: [number, number][] = [];
  for (let m = HEX_GROUPS.exec(text); m !== null; m = HEX_GROUPS.exec(text)) {
    SEPARATORS.lastIndex = 0;
    for (let s = SEPARATORS.exec(m[0]); s !== null; s = SEPARATORS.exec(m[0])) {
      spaced.push([m.index + s.index, m.index + s.index + s[0].length]);
    }
  }
  if (spaced.length === 0) return cuts;
  // A line break inside a run of hex groups is in both lists once.
  const seen = new Set(cuts.map(([start]) => start));
  return [...cuts, ...spaced.filter(([start]) => !seen.has(start))].sort((x, y) => x[0] - y[0]);
}

function withoutBreaks(text: string): Joined | undefined {
  const cuts = breaksOf(text);
  if (cuts.length === 0) return undefined;
  const parts: string[] = [];
  const at: number[] = [];
  const removedBefore: number[] = [];
  let from = 0;
  let removed = 0;
  for (const [start, end] of cuts) {
    parts.push(text.slice(from, start));
    at.push(start - removed);
    removed += end - start;
    removedBefore.push(removed);
    from = end;
  }
  parts.push(text.slice(from));
  return { joined: parts.join(''), at, removedBefore };
}

/** The offset in the original text of character `i` of `j.joined`. */
function originalOffset(j: Joined, i: number): number {
  // The last break at or before i.
  let lo = 0;
  let hi = j.at.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((j.at[mid] as number) <= i) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return i + (found < 0 ? 0 : (j.removedBefore[found] as number));
}

function placeholder(id: string): string {
  return `[REDACTED:${id}]`;
}

class RedactorImpl implements Redactor {
  private readonly exact = new Map<string, string>(); // variant -> id
  private exactRegex: RegExp | null = null;
  private dirty = false;
  private replaced = 0;

  get count(): number {
    return this.replaced;
  }

  add(value: string, id: string): void {
    for (const v of secretVariants(value)) {
      if (!this.exact.has(v)) {
        this.exact.set(v, id);
        this.dirty = true;
      }
    }
  }

  addSecret(value: string): void {
    this.add(value, 'secret');
  }

  addValues(values: Iterable<string>, id = 'secret'): number {
    let added = 0;
    for (const v of values) {
      if (v.length < MIN_SECRET_LENGTH || this.exact.has(v)) continue;
      this.add(v, id);
      added++;
    }
    return added;
  }

  contains(text: string): boolean {
    const exact = this.compiled();
    if (!exact || text.length < MIN_SECRET_LENGTH) return false;
    if (exact.test(text)) return true;
    exact.lastIndex = 0;
    const broken = withoutBreaks(text);
    const found = broken !== undefined && exact.test(broken.joined);
    exact.lastIndex = 0;
    return found;
  }

  /** Replaces the exact values in `text`, also where spaces or line breaks split an encoded form. */
  private redactExact(text: string, exact: RegExp): string {
    const out = text.replace(exact, (m) => {
      this.replaced++;
      return placeholder(this.exact.get(m) ?? 'secret');
    });
    const broken = withoutBreaks(out);
    if (!broken) return out;
    exact.lastIndex = 0;
    const spans: [number, number, string][] = [];
    for (let m = exact.exec(broken.joined); m !== null; m = exact.exec(broken.joined)) {
      const start = originalOffset(broken, m.index);
      const end = originalOffset(broken, m.index + m[0].length - 1) + 1;
      spans.push([start, end, this.exact.get(m[0]) ?? 'secret']);
    }
    if (spans.length === 0) return out;
    let result = '';
    let from = 0;
    for (const [start, end, id] of spans) {
      this.replaced++;
      result += out.slice(from, start) + placeholder(id);
      from = end;
    }
    return result + out.slice(from);
  }

  redact(text: string): string {
    if (text.length < MIN_SECRET_LENGTH) return text;
    let out = text;
    const exact = this.compiled();
    if (exact) out = this.redactExact(out, exact);
    for (const { id, regex, literal } of SECRET_PATTERNS) {
      if (literal !== undefined && !out.includes(literal)) continue;
      regex.lastIndex = 0;
      out = out.replace(regex, (...args: unknown[]) => {
        this.replaced++;
        // With named groups, the last argument is the groups object; otherwise it is the input string.
        const groups = args[args.length - 1];
        if (groups !== null && typeof groups === 'object') {
          const { pre = '', post = '' } = groups as { pre?: string; post?: string };
          return pre + placeholder(id) + post;
        }
        return placeholder(id);
      });
    }
    return out;
  }

  redactDeep<T>(value: T): T {
    return this.deep(value, new WeakMap()) as T;
  }

  private deep(value: unknown, seen: WeakMap<object, unknown>): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (value === null || typeof value !== 'object') return value;
    const done = seen.get(value);
    if (done !== undefined) return done;
    if (Array.isArray(value)) {
      const copy: unknown[] = [];
      seen.set(value, copy);
      for (const item of value) copy.push(this.deep(item, seen));
      return copy;
    }
    if (value instanceof Date) return new Date(value.getTime());
    if (Buffer.isBuffer(value)) {
      // A Buffer serialises as its bytes; redact them as UTF-8 text when that changes anything.
      const text = value.toString('utf8');
      const red = this.redact(text);
      return red === text ? Buffer.from(value) : Buffer.from(red, 'utf8');
    }
    if (ArrayBuffer.isView(value)) return structuredClone(value);
    if (value instanceof Map) {
      const copy = new Map();
      seen.set(value, copy);
      for (const [k, v] of value) copy.set(this.deep(k, seen), this.deep(v, seen));
      return copy;
    }
    if (value instanceof Set) {
      const copy = new Set();
      seen.set(value, copy);
      for (const v of value) copy.add(this.deep(v, seen));
      return copy;
    }
    if (value instanceof Error) {
      // Own properties of an Error are not enumerable; keep what a reader needs, redacted.
      const copy: Record<string, unknown> = { name: value.name, message: this.redact(value.message) };
      seen.set(value, copy);
      for (const [k, v] of Object.entries(value)) copy[this.redact(k)] = this.deep(v, seen);
      return copy;
    }
    const copy = Object.create(Object.getPrototypeOf(value)) as Record<string, unknown>;
    seen.set(value, copy);
    for (const [k, v] of Object.entries(value)) copy[this.redact(k)] = this.deep(v, seen);
    return copy;
  }

  private compiled(): RegExp | null {
    if (this.dirty) {
      const variants = [...this.exact.keys()].sort((a, b) => b.length - a.length);
      this.exactRegex = variants.length > 0 ? new RegExp(variants.map(escapeRegex).join('|'), 'g') : null;
      this.dirty = false;
    }
    if (this.exactRegex) this.exactRegex.lastIndex = 0;
    return this.exactRegex;
  }
}

export function createRedactor(opts: RedactorOptions = {}): Redactor {
  const r = new RedactorImpl();
  const isSecret = opts.isSecretEnv ?? looksLikeSecretEnvName;
  const isAlwaysSecret = opts.alwaysSecretEnv ?? (() => false);
  for (const [name, value] of Object.entries(opts.env ?? {})) {
    if (value === undefined) continue;
    if (isAlwaysSecret(name) || isSecret(name)) r.add(value, name);
  }
  for (const v of opts.secretValues ?? []) r.addSecret(v);
  return r;
}

// --- Scrubbing the gates' reports of the secret values their scan found ---

export const REDACTED = '[REDACTED]';

/** Shorter values are not scrubbed: they would mangle ordinary text and are not credentials. */
export const MIN_SCRUB_LENGTH = 6;

export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets)
    if (s.length >= MIN_SCRUB_LENGTH && out.includes(s)) out = out.split(s).join(REDACTED);
  return out;
}

/** A deep copy of `value` with every string scrubbed. */
export function scrubDeep<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return scrubText(v, secrets);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}

/** The secret values, longest first so a value containing another is replaced whole. */
export function secretValues(values: Iterable<string | undefined>): string[] {
  const set = new Set<string>();
  for (const v of values) if (v && v.length >= MIN_SCRUB_LENGTH) set.add(v);
  return [...set].sort((a, b) => b.length - a.length);
}

// --- Values of files the policy keeps from the model ---

const ASSIGNMENT_LINE = /^(?:export\s+)?["']?([A-Za-z_][\w.-]*)["']?\s*(?::=|=>|[:=])\s*(.*)$/;
const SECRET_KEY = /PASS|SECRET|TOKEN|KEY|AUTH|CRED|PRIVATE|DSN|SIGN|SALT|SESSION|COOKIE/i;

function unquote(v: string): string {
  let out = v.trim().replace(/[,;]$/, '').trim();
  const q = out[0];
  if ((q === '"' || q === "'" || q === '`') && out.endsWith(q) && out.length >= 2) out = out.slice(1, -1);
  return out;
}

/** A value that could be a credential rather than a word, a number or a flag. */
function looksLikeCredential(v: string): boolean {
  if (v.length < MIN_SECRET_LENGTH || /\s/.test(v) || /^\d+$/.test(v)) return false;
  if (v.length >= 20) return true;
  return v.length >= 12 && /\d/.test(v) && /[A-Za-z]/.test(v);
}

/**
 * The values in a file the read rules deny (`.env.production`, `credentials.json`, a private key) worth
 * redacting wherever they appear: the value of each assignment whose key names a secret (8+ chars), any
 * other value or whole line that looks like a credential (no spaces; 20+ chars, or 12+ with letters and
 * digits). At most `max` values.
 */
export function valuesOfSecretFile(text: string, max = 200): string[] {
  const out = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    if (out.size >= max) break;
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('//') || line.startsWith(';')) continue;
    const m = ASSIGNMENT_LINE.exec(line);
    if (m) {
      const value = unquote(m[2] ?? '');
      if (value.length >= MIN_SECRET_LENGTH && !/\s/.test(value) && SECRET_KEY.test(m[1] ?? ''))
        out.add(value);
      else if (looksLikeCredential(value)) out.add(value);
      continue;
    }
    if (looksLikeCredential(line)) out.add(line);
  }
  return [...out];
}
