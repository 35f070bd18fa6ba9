// Start-up cost of the shipped CLI (action/dist/cli.js, as users run it), against `node -e 0` measured in
// the same run, as ratios:
//   agentgate --help                          goal <= 2x node -e 0
//   agentgate gates on a one-line diff        goal <= 4x node -e 0, and <= 100 MiB peak RSS
//   the 10-file diff of a 20,000-file repo    goal <= 10% of `--full` on the same repository
//   npx tsx test/bench/startup.ts [--runs 15] [--files 20000]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commitEverything, sh } from '../support/repo.js';
import { buildRepo } from './gates.js';
import { median } from './stats.js';

const CLI = fileURLToPath(new URL('../../action/dist/cli.js', import.meta.url));
// Loaded before the program: reports the process's peak RSS (KiB) on fd 3 when it exits.
const MAX_RSS = `data:text/javascript,${encodeURIComponent(
  "import { writeSync } from 'node:fs'; process.on('exit', () => { try { writeSync(3, String(process.resourceUsage().maxRSS)); } catch {} });",
)}`;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

interface Sample {
  ms: number;
  rssKiB: number;
}

/** Runs `node args` once, timed from outside, with its peak RSS. */
function once(args: string[], cwd: string): Sample {
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--import', MAX_RSS, ...args], {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  const ms = performance.now() - started;
  if (r.status !== 0 && r.status !== 1) {
    throw new Error(`node ${args.join(' ')} exited ${r.status}: ${String(r.stderr).slice(-500)}`);
  }
  return { ms, rssKiB: Number((r.output[3] as string | null) ?? 0) };
}

/** `runs` interleaved rounds of every command, so load on the machine falls on all of them alike. */
function measure(commands: Record<string, { args: string[]; cwd: string }>, runs: number) {
  const samples: Record<string, Sample[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (const c of Object.values(commands)) once(c.args, c.cwd); // warm the page cache
  for (let i = 0; i < runs; i++) {
    for (const [name, c] of Object.entries(commands)) samples[name]?.push(once(c.args, c.cwd));
  }
  return Object.fromEntries(
    Object.entries(samples).map(([name, s]) => [
      name,
      { ms: median(s.map((x) => x.ms)), rssMiB: Math.max(...s.map((x) => x.rssKiB)) / 1024 },
    ]),
  ) as Record<string, { ms: number; rssMiB: number }>;
}

/** A repository with a package.json and a source file, and a commit changing one line of it. */
async function oneLineRepo(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentgate-bench-oneline-'));
  writeFileSync(path.join(dir, 'package.json'), '{ "name": "app", "version": "1.0.0" }\n');
  writeFileSync(path.join(dir, 'sum.js'), 'export function sum(a, b) {\n  return a + b;\n}\n');
  await sh(dir, 'git', ['init', '-q', '-b', 'main']);
  await commitEverything(dir, 'base');
  writeFileSync(
    path.join(dir, 'sum.js'),
    'export function sum(a, b) {\n  return Number(a) + Number(b);\n}\n',
  );
  await commitEverything(dir, 'one line');
  return dir;
}

export async function main(): Promise<void> {
  const runs = arg('runs', 15);
  const files = arg('files', 20_000);
  console.log(`start-up benchmark: ${CLI}, ${runs} interleaved runs, medians`);
  const small = await oneLineRepo();
  const big = await buildRepo(files);
  try {
    const gates = ['gates', '--repo', '.', '--base', 'HEAD~1', '--head', 'HEAD'];
    const r = measure(
      {
        node: { args: ['-e', '0'], cwd: small },
        help: { args: [CLI, '--help'], cwd: small },
        gates: { args: [CLI, ...gates], cwd: small },
      },
      runs,
    );
    const big10 = ['gates', '--repo', '.', '--base', 'main', '--head', 'change'];
    const b = measure(
      {
        diff: { args: [CLI, ...big10], cwd: big },
        full: { args: [CLI, ...big10, '--full'], cwd: big },
      },
      Math.max(3, Math.round(runs / 5)),
    );
    const node = r.node?.ms ?? Number.NaN;
    const help = (r.help?.ms ?? Number.NaN) / node;
    const gate = (r.gates?.ms ?? Number.NaN) / node;
    const rss = r.gates?.rssMiB ?? Number.NaN;
    const share = (b.diff?.ms ?? Number.NaN) / (b.full?.ms ?? Number.NaN);
    const row = (label: string, ms: number | undefined, extra: string) =>
      console.log(`  ${label.padEnd(44)} ${(ms ?? 0).toFixed(0).padStart(6)} ms  ${extra}`);
    row('node -e 0', node, '(the baseline)');
    row('agentgate --help', r.help?.ms, `${help.toFixed(2)}x node  (goal <= 2x)`);
    row(
      'agentgate gates, one-line diff',
      r.gates?.ms,
      `${gate.toFixed(2)}x node, peak ${rss.toFixed(0)} MiB  (goals <= 4x, <= 100 MiB)`,
    );
    row(`agentgate gates, 10-file diff, ${files} files`, b.diff?.ms, '');
    row(
      `agentgate gates --full, ${files} files`,
      b.full?.ms,
      `the diff run is ${(share * 100).toFixed(1)}% of it  (goal <= 10%)`,
    );
    const ok = help <= 2 && gate <= 4 && rss <= 100 && share <= 0.1;
    console.log(`  goals ${ok ? 'met' : 'NOT met'}`);
    if (!ok) process.exitCode = 1;
  } finally {
    rmSync(small, { recursive: true, force: true });
    rmSync(big, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
