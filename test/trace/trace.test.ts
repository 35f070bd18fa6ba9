import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  GENESIS_PREV,
  rewriteTrace,
  sha256Hex,
  TraceWriter,
  type VerifyResult,
  verifyTraceFile,
  verifyTraceText,
} from '../../action/trace/trace.js';
import { createRedactor } from '../../lib/redact.js';

const cat = (...parts: string[]) => parts.join('');

function tmpFile(): string {
  return path.join(mkdtempSync(path.join(os.tmpdir(), 'agentgate-trace-')), 'nested', 'dir', 'trace.jsonl');
}

/** A five-line trace; returns its path and its lines (without the trailing empty element). */
function writeSample(): { file: string; lines: string[] } {
  const file = tmpFile();
  let t = Date.parse('2025-01-01T00:00:00.000Z');
  const now = () => {
    t += 1000;
    return new Date(t);
  };
  const w = TraceWriter.open(file, createRedactor(), { now });
  w.event('session.start', { sessionId: 's1' });
  w.event('tool.call', { id: 't1', name: 'read_file', input: { path: 'a.ts' } });
  w.event('tool.result', { id: 't1', content: 'export const a = 1;' });
  w.event('test.run', { phase: 'baseline', exitCode: 1 });
  w.event('session.end', { outcome: 'completed' });
  expect(w.count).toBe(5);
  w.close();
  const text = readFileSync(file, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return { file, lines: text.split('\n').slice(0, -1) };
}

function broken(r: VerifyResult): { line: number; reason: string } {
  if (r.ok) throw new Error('expected a broken chain');
  return { line: r.line, reason: r.reason };
}

describe('TraceWriter', () => {
  it('writes canonical, hash-chained lines and verifies them', async () => {
    const { file, lines } = writeSample();
    expect(lines).toHaveLength(5);
    const first = JSON.parse(lines[0] ?? '');
    expect(Object.keys(first)).toEqual(['seq', 'ts', 'prev', 'type', 'data']);
    expect(first).toMatchObject({
      seq: 0,
      ts: '2025-01-01T00:00:01.000Z',
      prev: GENESIS_PREV,
      type: 'session.start',
    });
    expect(JSON.parse(lines[1] ?? '').prev).toBe(sha256Hex(lines[0] ?? ''));
    const r = await verifyTraceFile(file);
    expect(r).toEqual({ ok: true, lines: 5, head: sha256Hex(lines[4] ?? '') });
  });

  it('truncates an existing file, keeps the data key for undefined, and refuses events after close', () => {
    const file = tmpFile();
    const w1 = TraceWriter.open(file, createRedactor());
    w1.event('warning', { message: 'old' });
    w1.close();
    const w = TraceWriter.open(file, createRedactor());
    const line = w.event('budget', undefined);
    expect(line).toMatchObject({ seq: 0, type: 'budget', data: null });
    w.close();
    w.close();
    expect(() => w.event('warning', {})).toThrow(/closed/);
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')).toHaveLength(2);
    expect(verifyTraceText(text)).toMatchObject({ ok: true, lines: 1 });
  });

  it('records unserialisable data instead of failing the session', () => {
    const file = tmpFile();
    const w = TraceWriter.open(file, createRedactor());
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    const line = w.event('tool.result', loop);
    w.event('warning', { big: 1n } as unknown);
    w.close();
    expect(line.data).toMatchObject({ unserialisable: expect.stringMatching(/circular/i) });
    expect(verifyTraceText(readFileSync(file, 'utf8'))).toMatchObject({ ok: true, lines: 2 });
  });

  it('keeps every line written before a crash (each event is on disk when event() returns)', () => {
    const file = tmpFile();
    const w = TraceWriter.open(file, createRedactor());
    w.event('session.start', {});
    w.event('tool.call', { name: 'x' });
    // No close(): the file already holds both lines.
    expect(verifyTraceText(readFileSync(file, 'utf8'))).toMatchObject({ ok: true, lines: 2 });
    w.close();
  });
});

describe('verifyTraceText detects tampering', () => {
  it('a modified character in line 3 breaks line 4', () => {
    const { lines } = writeSample();
    lines[2] = (lines[2] ?? '').replace('export const a = 1;', 'export const a = 2;');
    const r = broken(verifyTraceText(`${lines.join('\n')}\n`));
    expect(r.line).toBe(4);
    expect(r.reason).toMatch(/prev does not match the sha256 of line 3/);
  });

  it('a deleted line', () => {
    const { lines } = writeSample();
    lines.splice(2, 1);
    const r = broken(verifyTraceText(`${lines.join('\n')}\n`));
    expect(r.line).toBe(3);
    expect(r.reason).toMatch(/seq is 3, expected 2: 1 line\(s\) missing/);
  });

  it('two swapped lines', () => {
    const { lines } = writeSample();
    const [a, b] = [lines[1] ?? '', lines[2] ?? ''];
    lines[1] = b;
    lines[2] = a;
    const r = broken(verifyTraceText(`${lines.join('\n')}\n`));
    expect(r.line).toBe(2);
    expect(r.reason).toMatch(/seq is 2, expected 1/);
  });

  it('an inserted line, even with a plausible seq and prev', () => {
    const { lines } = writeSample();
    const forged = JSON.stringify({
      seq: 2,
      ts: '2025-01-01T00:00:02.500Z',
      prev: sha256Hex(lines[1] ?? ''),
      type: 'tool.result',
      data: { forged: true },
    });
    lines.splice(2, 0, forged);
    const r = broken(verifyTraceText(`${lines.join('\n')}\n`));
    expect(r.line).toBe(4);
    expect(r.reason).toMatch(/seq is 2, expected 3/);
  });

  it('a truncated last line, and a missing final newline', () => {
    const { lines } = writeSample();
    const full = `${lines.join('\n')}\n`;
    const r = broken(verifyTraceText(full.slice(0, full.length - 20)));
    expect(r).toMatchObject({ line: 5 });
    expect(r.reason).toMatch(/not valid JSON/);
    const r2 = broken(verifyTraceText(full.slice(0, -1)));
    expect(r2).toMatchObject({ line: 5, reason: expect.stringMatching(/no terminating newline/) });
  });

  it('a non-canonical edit, a bad first prev, and an empty line', () => {
    const { lines } = writeSample();
    const spaced = [...lines];
    spaced[4] = (spaced[4] ?? '').replace('"outcome":', '"outcome": ');
    expect(broken(verifyTraceText(`${spaced.join('\n')}\n`))).toMatchObject({
      line: 5,
      reason: expect.stringMatching(/canonical/),
    });
    const first = [...lines];
    first[0] = (first[0] ?? '').replace(GENESIS_PREV, '1'.repeat(64));
    expect(broken(verifyTraceText(`${first.join('\n')}\n`))).toMatchObject({ line: 1 });
    expect(broken(verifyTraceText(`${lines[0]}\n\n`))).toMatchObject({ line: 2, reason: 'empty line' });
  });

  it('accepts an empty trace', () => {
    expect(verifyTraceText('')).toEqual({ ok: true, lines: 0, head: GENESIS_PREV });
  });
});

describe('secrets never reach the trace file', () => {
  it('redacts env secrets and known token formats before writing', () => {
    const envSecret = 'env-secret-value-0123456789';
    const ghp = cat('gh', 'p_', 'R4nd0mT0k3nV4lu3F0rT3st1ng0000000001');
    const akia = cat('AK', 'IA', 'IOSFODNN7', 'EXAMPLE');
    const skAnt = cat('sk', '-ant-', 'api03-', 'Zx9'.repeat(20), 'AA');
    const pemBody = 'MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgwMbRvI0MBZhpF\n';
    const pem = cat(
      '-----BEGIN ',
      'OPENSSH PRIVATE KEY-----\n',
      pemBody,
      '-----END ',
      'OPENSSH PRIVATE KEY-----\n',
    );
    const file = tmpFile();
    const redactor = createRedactor({
      env: { DEPLOY_SECRET: envSecret, PATH: '/usr/bin' },
      isSecretEnv: (n) => n === 'DEPLOY_SECRET',
    });
    const w = TraceWriter.open(file, redactor);
    const input = { command: `curl -H "x: ${envSecret}" --user u:${ghp}`, env: [akia] };
    w.event('tool.call', { id: 't', name: 'run_command', input });
    w.event('tool.result', { output: `key ${skAnt}\n${pem}`, [envSecret]: 'in a key' });
    w.event(
      'warning',
      `base64 ${Buffer.from(envSecret).toString('base64')} url ${encodeURIComponent(envSecret)}`,
    );
    w.close();
    expect(input.command).toContain(envSecret);

    const raw = readFileSync(file);
    for (const s of [
      envSecret,
      ghp,
      akia,
      skAnt,
      pemBody.trim(),
      'PRIVATE KEY',
      Buffer.from(envSecret).toString('base64'),
    ]) {
      expect(raw.includes(Buffer.from(s))).toBe(false);
    }
    const text = raw.toString('utf8');
    for (const id of [
      'DEPLOY_SECRET',
      'github-token',
      'aws-access-key-id',
      'anthropic-api-key',
      'private-key',
    ]) {
      expect(text).toContain(`[REDACTED:${id}]`);
    }
    expect(verifyTraceText(text)).toMatchObject({ ok: true, lines: 3 });
  });
});

describe('rewriteTrace', () => {
  it('scrubs a value from every line, re-chains the hashes and says so in a last line', async () => {
    const { file } = writeSample();
    const r = await rewriteTrace(
      file,
      (t) => t.split('export const a').join('[REDACTED:secret]'),
      'found later',
    );
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('export const a');
    expect(text).toContain('[REDACTED:secret] = 1;');
    const verified = verifyTraceText(text);
    expect(verified).toEqual({ ok: true, lines: 6, head: r.head });
    expect(r).toMatchObject({ lines: 6, changed: 1 });
    const last = JSON.parse(text.trimEnd().split('\n').at(-1) ?? '{}');
    expect(last).toMatchObject({
      seq: 5,
      type: 'trace.rewritten',
      data: { reason: 'found later', changed: 1 },
    });
  });
});
