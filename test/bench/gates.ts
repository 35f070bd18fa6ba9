// Cost follows the diff, not the repository: `gates` on the same 10-file change in a ~20,000-file
// repository and in a ~200-file copy, and `--full` on the large one. Goals on a 2-core machine: the
// large diff run at most 1.5x the small one, at most 10% of the full run, and at most 10 s.
//   npx tsx test/bench/gates.ts [--files 20000] [--runs 5]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runGates } from '../../gates/index.js';
import { loadDefaultPolicy } from '../../policies/index.js';
import { commitEverything, sh } from '../support/repo.js';
import { median } from './stats.js';

const policy = loadDefaultPolicy().policy;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const KINDS = [
  {
    ext: 'ts',
    body: (i: number) => `export function f${i}(a: number, b: number): number {\n  return a * ${i} + b;\n}\n`,
  },
  { ext: 'js', body: (i: number) => `export const v${i} = (xs) => xs.map((x) => x + ${i});\n` },
  { ext: 'py', body: (i: number) => `def f${i}(a, b):\n    return a * ${i} + b\n` },
  { ext: 'go', body: (i: number) => `package p\n\nfunc F${i}(a int) int {\n\treturn a * ${i}\n}\n` },
  { ext: 'md', body: (i: number) => `# Note ${i}\n\nSome prose about module ${i}.\n` },
];

function fileOf(i: number): { file: string; text: string } {
  const kind = KINDS[i % KINDS.length] as (typeof KINDS)[number];
  return { file: `pkg${Math.floor(i / 100)}/m${i}.${kind.ext}`, text: kind.body(i) };
}

/** A repository of `count` files on main, plus a branch with the same 10-file change. */
export async function buildRepo(count: number): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `agentgate-bench-${count}-`));
  for (let i = 0; i < count; i++) {
    const { file, text } = fileOf(i);
    mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  writeFileSync(path.join(dir, 'package.json'), '{ "name": "bench", "version": "1.0.0" }\n');
  await sh(dir, 'git', ['init', '-q', '-b', 'main']);
  await commitEverything(dir, 'base');
  await sh(dir, 'git', ['checkout', '-qb', 'change']);
  // The same change in both: 5 files edited, 5 added, one of them with a finding.
  for (let i = 0; i < 5; i++) {
    const { file, text } = fileOf(i);
    writeFileSync(path.join(dir, file), `${text}// edited\nexport const extra${i} = ${i};\n`);
  }
  mkdirSync(path.join(dir, 'feature'), { recursive: true });
  for (let i = 0; i < 4; i++)
    writeFileSync(path.join(dir, `feature/n${i}.ts`), `export const n${i} = ${i};\n`);
  writeFileSync(path.join(dir, 'feature/run.js'), 'export function run(input) {\n  return eval(input);\n}\n');
  await commitEverything(dir, 'change');
  return dir;
}

/** The secrets gate's own time in each run, by engine: the embedded engine's cost is watched on its own. */
const secretsTimes: { full: boolean; engine: string; ms: number }[] = [];

async function time(repo: string, full: boolean, runs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const run = await runGates({ repo, base: 'main', head: 'change', full, policy });
    out.push(performance.now() - started);
    if (run.report.gates.some((g) => g.status === 'error')) {
      throw new Error(`a gate erred: ${JSON.stringify(run.report.gates.map((g) => [g.name, g.error]))}`);
    }
    const secrets = run.report.gates.find((g) => g.name === 'secrets');
    if (secrets) secretsTimes.push({ full, engine: secrets.engine, ms: secrets.durationMs });
  }
  return out;
}

export async function main(): Promise<void> {
  const large = arg('files', 20_000);
  const small = Math.max(200, Math.round(large / 100));
  const runs = arg('runs', 5);
  console.log(
    `gates benchmark: ${large}-file and ${small}-file repositories, the same 10-file change, ${runs} runs`,
  );
  const t0 = performance.now();
  const [bigRepo, smallRepo] = [await buildRepo(large), await buildRepo(small)];
  console.log(`  built the repositories in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  try {
    await time(smallRepo, false, 1); // warm-up: the rule pack and the engines' first start
    const smallDiff = median(await time(smallRepo, false, runs));
    const bigDiff = median(await time(bigRepo, false, runs));
    const bigFull = median(await time(bigRepo, true, Math.min(runs, 2)));
    const ratio = bigDiff / smallDiff;
    const share = bigDiff / bigFull;
    console.log(`  diff, ${small} files:   median ${smallDiff.toFixed(0)} ms`);
    console.log(
      `  diff, ${large} files: median ${bigDiff.toFixed(0)} ms  (${ratio.toFixed(2)}x the small repository; goal <= 1.5x)`,
    );
    console.log(
      `  full, ${large} files: median ${bigFull.toFixed(0)} ms  (the diff run is ${(share * 100).toFixed(1)}% of it; goal <= 10%)`,
    );
    const fullSecrets = secretsTimes.filter((t) => t.full);
    console.log(
      `  secrets gate in the full run: median ${median(fullSecrets.map((t) => t.ms)).toFixed(0)} ms (${fullSecrets[0]?.engine})`,
    );
    const ok = ratio <= 1.5 && share <= 0.1 && bigDiff <= 10_000;
    console.log(
      `  goals ${ok ? 'met' : 'NOT met'} (diff on the large repository ${(bigDiff / 1000).toFixed(2)} s; goal <= 10 s)`,
    );
    if (!ok) process.exitCode = 1;
  } finally {
    rmSync(bigRepo, { recursive: true, force: true });
    rmSync(smallRepo, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
