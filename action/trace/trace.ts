// The session trace: one JSON object per line, each carrying the sha256 of the line before it, so an
// edited, inserted, deleted or reordered line breaks the chain at a line we can name. Data is redacted
// before it is serialised, and every line is written synchronously, so a crash keeps what came before.
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Redactor } from '../../lib/redact.js';

export type TraceEventType =
  | 'session.start'
  | 'model.request'
  | 'model.response'
  | 'model.retry'
  | 'tool.call'
  | 'tool.result'
  | 'policy.decision'
  | 'file.change'
  | 'test.run'
  | 'budget'
  | 'warning'
  | 'session.end'
  | (string & {});

export interface TraceLine {
  seq: number;
  /** ISO 8601 time the event was written. */
  ts: string;
  /** sha256 hex of the previous line's exact bytes (without the newline); 64 zeros for seq 0. */
  prev: string;
  type: string;
  data: unknown;
}

export type VerifyResult =
  | { ok: true; lines: number; head: string }
  | { ok: false; lines: number; line: number; reason: string };

export const GENESIS_PREV = '0'.repeat(64);

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The one serialisation of a line: keys in this order, no whitespace. */
function serialise(line: TraceLine): string {
  return JSON.stringify({ seq: line.seq, ts: line.ts, prev: line.prev, type: line.type, data: line.data });
}

export class TraceWriter {
  readonly path: string;
  private fd: number | null;
  private prev = GENESIS_PREV;
  private seq = 0;
  private readonly redactor: Redactor;
  private readonly now: () => Date;

  private constructor(file: string, fd: number, redactor: Redactor, now: () => Date) {
    this.path = file;
    this.fd = fd;
    this.redactor = redactor;
    this.now = now;
  }

  /** Creates the parent directories and starts an empty trace at `file` (an existing file is truncated). */
  static open(file: string, redactor: Redactor, opts: { now?: () => Date } = {}): TraceWriter {
    mkdirSync(path.dirname(file), { recursive: true });
    const fd = openSync(file, 'w', 0o644);
    return new TraceWriter(file, fd, redactor, opts.now ?? (() => new Date()));
  }

  /** Number of lines written. */
  get count(): number {
    return this.seq;
  }

  /** sha256 (hex) of the last line written: recorded elsewhere, it anchors the end of the chain. */
  get head(): string {
    return this.prev;
  }

  /** Redacts `data`, appends it as the next line and returns that line as written. */
  event(type: TraceEventType, data: unknown): TraceLine {
    if (this.fd === null) throw new Error(`trace ${this.path} is closed; cannot record '${type}'`);
    const redacted = this.redactor.redactDeep(data);
    const line: TraceLine = {
      seq: this.seq,
      ts: this.now().toISOString(),
      prev: this.prev,
      type: this.redactor.redact(type),
      // JSON drops undefined, functions and symbols; keep the `data` key on every line.
      data:
        redacted === undefined || typeof redacted === 'function' || typeof redacted === 'symbol'
          ? null
          : redacted,
    };
    let text: string;
    try {
      text = serialise(line);
    } catch (e) {
      // Circular structures and BigInts cannot be serialised; record that instead of losing the event.
      line.data = { unserialisable: this.redactor.redact((e as Error).message) };
      text = serialise(line);
    }
    const bytes = Buffer.from(`${text}\n`, 'utf8');
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off);
    this.prev = sha256Hex(bytes.subarray(0, bytes.length - 1));
    this.seq++;
    return line;
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const HEX64 = /^[0-9a-f]{64}$/;
const EXPECTED_KEYS = 'seq,ts,prev,type,data';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function checkLine(raw: Buffer, index: number, expectedPrev: string): string | null {
  let text: string;
  try {
    text = UTF8.decode(raw);
  } catch {
    return 'not valid UTF-8';
  }
  if (text === '') return 'empty line';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return `not valid JSON (${(e as Error).message})`;
  }
  if (!isObject(parsed)) return 'not a JSON object';
  const keys = Object.keys(parsed).join(',');
  if (keys !== EXPECTED_KEYS) return `keys are '${keys}', expected '${EXPECTED_KEYS}' in that order`;
  const { seq, ts, prev, type } = parsed;
  if (typeof seq !== 'number' || !Number.isInteger(seq)) return 'seq is not an integer';
  if (seq > index) return `seq is ${seq}, expected ${index}: ${seq - index} line(s) missing before this one`;
  if (seq < index) return `seq is ${seq}, expected ${index}: a line is duplicated or out of order here`;
  if (typeof prev !== 'string' || !HEX64.test(prev)) return 'prev is not a 64-digit lowercase sha256 hex';
  if (prev !== expectedPrev) {
    return index === 0
      ? 'prev of the first line must be 64 zeros'
      : `prev does not match the sha256 of line ${index} (line ${index} was modified, or a line was inserted, deleted or moved here)`;
  }
  if (typeof ts !== 'string' || Number.isNaN(Date.parse(ts))) return 'ts is not an ISO timestamp';
  if (typeof type !== 'string' || type === '') return 'type is not a non-empty string';
  if (serialise(parsed as unknown as TraceLine) !== text)
    return 'line is not in canonical form (whitespace or escaping changed)';
  return null;
}

function verifyBytes(buf: Buffer): VerifyResult {
  const lines: Buffer[] = [];
  let start = 0;
  for (let nl = buf.indexOf(0x0a, start); nl !== -1; nl = buf.indexOf(0x0a, start)) {
    lines.push(buf.subarray(start, nl));
    start = nl + 1;
  }
  const tail = buf.subarray(start);
  const total = lines.length + (tail.length > 0 ? 1 : 0);
  let prev = GENESIS_PREV;
  for (const [i, raw] of lines.entries()) {
    const reason = checkLine(raw, i, prev);
    if (reason !== null) return { ok: false, lines: total, line: i + 1, reason };
    prev = sha256Hex(raw);
  }
  if (tail.length > 0) {
    const n = lines.length + 1;
    const reason = checkLine(tail, lines.length, prev);
    return {
      ok: false,
      lines: total,
      line: n,
      reason: reason ?? 'last line has no terminating newline (truncated write?)',
    };
  }
  return { ok: true, lines: lines.length, head: prev };
}

/**
 * Checks a trace: every line is a canonical JSON object, seq counts up from 0, and each prev is the
 * sha256 of the line before. The first bad line is named (1-based). An edit to line N shows as a broken
 * prev on line N+1. Removing whole lines from the end cannot be seen here: compare `head` with a
 * copy recorded elsewhere for that.
 */
export function verifyTraceText(text: string): VerifyResult {
  return verifyBytes(Buffer.from(text, 'utf8'));
}

/** verifyTraceText on a file's exact bytes. Rejects if the file cannot be read. */
export async function verifyTraceFile(file: string): Promise<VerifyResult> {
  return verifyBytes(await readFile(file));
}

/**
 * Rewrites a trace with `scrub` applied to every line's type and data, re-chaining the hashes, and ends
 * it with a `trace.rewritten` line saying why. Used when the gates find a secret value the redactor did
 * not know of while the session ran: the copy that leaves the runner must not hold it. Returns the new
 * anchor (line count and head) for result.json.
 */
export async function rewriteTrace(
  file: string,
  scrub: (text: string) => string,
  reason: string,
): Promise<{ lines: number; head: string; changed: number }> {
  const text = await readFile(file, 'utf8');
  const lines = text.split('\n').filter((l) => l !== '');
  let prev = GENESIS_PREV;
  let changed = 0;
  const out: string[] = [];
  const push = (line: TraceLine) => {
    const serialised = serialise(line);
    out.push(serialised);
    prev = sha256Hex(serialised);
  };
  for (const [seq, raw] of lines.entries()) {
    const parsed = JSON.parse(raw) as TraceLine;
    const type = scrub(parsed.type);
    const data = JSON.parse(scrub(JSON.stringify(parsed.data ?? null))) as unknown;
    if (type !== parsed.type || JSON.stringify(data) !== JSON.stringify(parsed.data ?? null)) changed++;
    push({ seq, ts: parsed.ts, prev, type, data });
  }
  push({
    seq: lines.length,
    ts: new Date().toISOString(),
    prev,
    type: 'trace.rewritten',
    data: { reason, changed },
  });
  await writeFile(file, `${out.join('\n')}\n`);
  return { lines: out.length, head: prev, changed };
}
