// Cost of redaction on the hot path (every tool result, trace event and artifact): 1 MB of command
// output with 20 secret values, redacted by the Redactor (every encoded form of each value, line-wrapped
// and space-separated encodings, the token patterns) against a baseline in the same run: the same
// redactor with no values, the known token patterns alone (the cost every text pays anyway). Goal: at
// most GOAL_RATIO times the baseline's median, and every relay planted in the text found.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRedactor } from '../../lib/redact.js';
import { median } from './stats.js';

const RUNS = 25;
const GOAL_RATIO = 6;

function corpus(secrets: string[]): string {
  const lines = [
    'npm ERR! code E404 at /home/runner/work/repo/node_modules/.bin/tsc (exit 1)',
    '  PASS  test/unit/foo.test.ts (12 tests) 34ms sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'const token: string = getToken(); // tokenizer = "models/tokenizer.json" password field',
    '{"level":"info","msg":"request done","status":200,"durationMs":12,"path":"/api/v1/items?page=2"}',
    '00000010: 6578 616d 706c 6520 6f75 7470 7574 0a   example output.',
    'aGVsbG8gd29ybGQsIHRoaXMgaXMgYW4gb3JkaW5hcnkgYmFzZTY0IGxpbmUgb2YgNzYgY2hhcmFjdGVycw==',
  ];
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < 1_000_000; i++) {
    let line = lines[i % lines.length] ?? '';
    if (i % 1000 === 0) {
      const s = Buffer.from(secrets[(i / 1000) % secrets.length] ?? '');
      const hex = s.toString('hex');
      line = [s.toString('base64'), (hex.match(/.{1,60}/g) ?? []).join('\n'), hex.replace(/../g, '%$&')][
        (i / 1000) % 3
      ] as string;
    }
    parts.push(line);
    size += line.length + 1;
  }
  return parts.join('\n');
}

/** Medians of `a` and `b`, run alternately so that load on the machine weighs on both alike. */
function timePair(a: () => string, b: () => string): { aMs: number; bMs: number; out: string } {
  a();
  let out = b();
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    a();
    ta.push(performance.now() - t);
    t = performance.now();
    out = b();
    tb.push(performance.now() - t);
  }
  return { aMs: median(ta), bMs: median(tb), out };
}

export async function main(): Promise<{ baselineMs: number; redactorMs: number; ratio: number }> {
  const secrets = Array.from({ length: 20 }, (_, i) => `s3cr3t-${i}-${randomBytes(12).toString('base64')}`);
  const text = corpus(secrets);
  const patternsOnly = createRedactor();
  const redactor = createRedactor({ env: Object.fromEntries(secrets.map((s, i) => [`SECRET_${i}`, s])) });
  const pair = timePair(
    () => patternsOnly.redact(text),
    () => redactor.redact(text),
  );
  const baseline = { ms: pair.aMs };
  const full = { ms: pair.bMs, out: pair.out };
  const leaked = secrets.filter((s) => {
    const b = Buffer.from(s);
    return [b.toString('base64'), b.toString('hex').slice(0, 40)].some((f) =>
      full.out.replace(/\s/g, '').includes(f),
    );
  });
  const ratio = full.ms / baseline.ms;
  const met = ratio <= GOAL_RATIO && leaked.length === 0;
  process.stdout.write(
    `redact: ${(text.length / 1e6).toFixed(2)} MB, 20 secrets: patterns-only baseline ${baseline.ms.toFixed(1)} ms, ` +
      `redactor with every encoding ${full.ms.toFixed(1)} ms (x${ratio.toFixed(1)}; ${leaked.length} relays missed) ` +
      `(goal <= x${GOAL_RATIO}, none missed: ${met ? 'met' : 'NOT met'})\n`,
  );
  if (!met) process.exitCode = 1;
  return { baselineMs: baseline.ms, redactorMs: full.ms, ratio };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
