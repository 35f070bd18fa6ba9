// `agentgate flaky`: find flaky tests in a repository and confirm them before anything is spent on a
// model. The suite runs K times in the sandbox, in a private clone of the repository; each test that
// both passed and failed is rerun alone M times, and its failure rate and failure signatures are
// measured. A test that does not fail again is recorded and skipped.
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { evaluate, isSecretEnvName } from '../../policies/index.js';
import { DEFAULT_BUDGETS } from '../budgets.js';
import { UsageError } from '../errors.js';
import { type Confirmation, confirmTest } from '../flaky/confirm.js';
import {
  DEFAULT_RUNNERS,
  detectFramework,
  type Framework,
  type FrameworkKind,
  type RunSpec,
  shellQuote,
  singleTestCommand,
  suiteCommand,
} from '../flaky/frameworks.js';
import { findFlakyFromHistory } from '../flaky/history.js';
import type { TestCaseResult } from '../flaky/junit.js';
import { evidenceTable, flakyBranch } from '../flaky/nightly.js';
import { sweep } from '../flaky/sweep.js';
import { createWorkClone, toplevel } from '../git.js';
import { createGitHubClient } from '../github/client.js';
import { createAnthropicProvider } from '../llm/anthropic.js';
import { DEFAULT_MODEL, resolvePrices } from '../llm/pricing.js';
import type { LLMProvider } from '../llm/types.js';
import { runSession } from '../run.js';
import { createSandbox } from '../sandbox/index.js';
import { intFlag, parseFlags } from './args.js';
import { loadPolicyOption } from './policy-option.js';

export const FLAKY_HELP = `Usage: agentgate flaky --repo DIR [options]

Finds flaky tests and confirms them: the suite runs --runs times in the sandbox (in a private clone of
DIR at --base), then each test that both passed and failed is rerun alone --confirm times. Prints a
table and writes flaky.json to --out.

  --repo DIR            the repository (default .)
  --base REF            the commit to test (default HEAD)
  --test-command CMD    the project's test command, to tell the framework (vitest, jest, pytest, go)
  --framework NAME      vitest | jest | pytest | go (default: detected)
  --runner CMD          how the framework is started (default: npx vitest, npx jest, python3 -m pytest, go)
  --setup CMD           run once in the sandbox before the sweep (e.g. 'npm ci'); reruns reuse it
  --runs K              whole-suite runs of the sweep (default 5; 0 with --history: no sweep)
  --history OWNER/REPO  also take candidates from the repository's Actions history (needs GITHUB_TOKEN;
                        GITHUB_API_URL for GitHub Enterprise Server): jobs that failed then passed on a
                        rerun of the same commit, JUnit artifacts, check-run annotations
  --days N              how far back the history goes (default 14)
  --confirm M           reruns of each candidate alone (default 20)
  --max-candidates N    candidates confirmed, by flake rate (default 5)
  --fix-reruns N        reruns a fix must pass in a row, in its proof command (default 50)
  --fix                 also run the agent on each confirmed test (up to --max-fixes), with its task
                        and its proof as the finish check; needs ANTHROPIC_API_KEY
  --max-fixes N         confirmed tests the agent works on (default 1)
  --model M             the agent's model (default ${DEFAULT_MODEL})
  --policy FILE         the policy (sandbox, network, toolchains); default the built-in pack
  --out DIR             where flaky.json goes (default agentgate-out)

For each confirmed test it writes a task (flaky-fix-N.md) and a proof command to --out: give both to
'agentgate run --task-file ... --test-command ...' and the agent's finish check is the test passing
--fix-reruns times in a row, then the whole suite once.

Exit codes: 0 done (whether or not a flaky test was found); 2 bad input or no framework found.`;

export interface FlakyCommandDeps {
  out: (s: string) => void;
  err: (s: string) => void;
  env?: NodeJS.ProcessEnv;
  /** The model for --fix (tests pass a scripted one); default Anthropic's, from ANTHROPIC_API_KEY. */
  provider?: LLMProvider;
}

const FRAMEWORKS: readonly FrameworkKind[] = ['vitest', 'jest', 'pytest', 'go'];

/** What `agentgate flaky` reports for each test it looked at. */
export interface FlakyReport {
  base: string;
  framework: FrameworkKind;
  sweep: { runs: number; tests: number; durationMs: number };
  candidates: {
    id: string;
    /** How it was found: its count in the sweep, or in the Actions history. */
    sweep: { runs: number; failures: number; rate: number };
    source: string;
    confirmation: Pick<
      Confirmation,
      'verdict' | 'runs' | 'failures' | 'rate' | 'signatures' | 'seeds' | 'order' | 'command' | 'durationMs'
    >;
    /** For a confirmed test: the task for the agent and the command that proves a fix. */
    fix?: {
      taskFile: string;
      proofCommand: string;
      /** With --fix: how the agent's session ended, its branch and the evidence. */
      session?: {
        outcome: string;
        branch: string | null;
        commit: string | null;
        result: string;
        evidence: string;
      };
    };
  }[];
  broken: string[];
}

export async function flakyCommand(argv: string[], deps: FlakyCommandDeps): Promise<number> {
  const { values } = parseFlags('flaky', argv, {
    repo: { type: 'string' },
    base: { type: 'string' },
    'test-command': { type: 'string' },
    framework: { type: 'string' },
    runner: { type: 'string' },
    setup: { type: 'string' },
    runs: { type: 'string' },
    confirm: { type: 'string' },
    'max-candidates': { type: 'string' },
    'fix-reruns': { type: 'string' },
    history: { type: 'string' },
    days: { type: 'string' },
    fix: { type: 'boolean' },
    'max-fixes': { type: 'string' },
    model: { type: 'string' },
    policy: { type: 'string' },
    out: { type: 'string' },
  });
  if (values.help) {
    deps.out(FLAKY_HELP);
    return 0;
  }
  const env = deps.env ?? process.env;
  const history = values.history;
  if (history !== undefined && !/^[\w.-]+\/[\w.-]+$/.test(history)) {
    throw new UsageError(`--history: expected OWNER/REPO, got '${history}'`);
  }
  if (history !== undefined && !env.GITHUB_TOKEN) {
    throw new UsageError('--history: GITHUB_TOKEN is not set (a token that can read the Actions history)');
  }
  const runs = intFlag('runs', values.runs, history ? 0 : 1) ?? 5;
  const days = intFlag('days', values.days, 1) ?? 14;
  const confirmRuns = intFlag('confirm', values.confirm, 1) ?? 20;
  const maxCandidates = intFlag('max-candidates', values['max-candidates'], 1) ?? 5;
  const fixReruns = intFlag('fix-reruns', values['fix-reruns'], 1) ?? 50;
  const maxFixes = intFlag('max-fixes', values['max-fixes'], 1) ?? 1;
  if (values.fix && !deps.provider && !env.ANTHROPIC_API_KEY) {
    throw new UsageError('--fix: ANTHROPIC_API_KEY is not set (the Anthropic API key the agent uses)');
  }
  const kind = values.framework;
  if (kind !== undefined && !FRAMEWORKS.includes(kind as FrameworkKind)) {
    throw new UsageError(`--framework: expected one of ${FRAMEWORKS.join(', ')}, got '${kind}'`);
  }
  const repo = await toplevel(path.resolve(values.repo ?? '.')).catch(() => {
    throw new UsageError(`--repo: ${values.repo ?? '.'} is not a git repository`);
  });
  const loaded = await loadPolicyOption(values.policy);
  const policy = loaded.policy;
  const outDir = path.resolve(values.out ?? 'agentgate-out');

  const scratch = mkdtempSync(path.join(os.tmpdir(), 'agentgate-flaky-'));
  const work = path.join(scratch, 'work');
  try {
    const { resolveCommit } = await import('../git.js');
    const base = await resolveCommit(repo, values.base ?? 'HEAD');
    if (base === undefined)
      throw new UsageError(`--base: '${values.base ?? 'HEAD'}' is not a commit in ${repo}`);
    await createWorkClone(
      repo,
      work,
      base,
      `agentgate/flaky-${base.slice(0, 8)}`,
      (f) => !evaluate(policy, { kind: 'read', path: f }).allowed,
    );
    const workDir = realpathSync(work);
    const detected = kind
      ? { kind: kind as FrameworkKind }
      : await detectFramework(workDir, values['test-command']);
    if (!detected) {
      throw new UsageError(
        `no test framework found in ${repo}: pass --framework (${FRAMEWORKS.join(', ')}) or --test-command`,
      );
    }
    const framework: Framework = {
      ...detected,
      runner: values.runner ? values.runner.split(/\s+/).filter(Boolean) : DEFAULT_RUNNERS[detected.kind],
    };
    const sandbox = await createSandbox({
      workDir,
      tmpDir: path.join(scratch, 'tmp'),
      mode: policy.sandbox,
      allowedDomains: policy.network.allowedDomains,
      denyRead: [],
      denyWrite: [path.join(workDir, '.git')],
      toolchains: policy.toolchains,
      neverShown: [repo],
      envAllow: policy.env.allow,
      isSecretEnv: (n) => isSecretEnvName(policy, n),
      baseEnv: env,
    });
    try {
      for (const w of sandbox.warnings) deps.err(`warning: ${w}`);
      if (values.setup) {
        deps.err(`setup: ${values.setup}`);
        const r = await sandbox.run(values.setup, { timeoutMs: 15 * 60_000, maxOutputBytes: 64 * 1024 });
        if (r.exitCode !== 0) {
          throw new UsageError(
            `--setup '${values.setup}' failed (exit ${r.exitCode}): ${r.output.slice(-500)}`,
          );
        }
      }
      const fromHistory = history ? await historyCandidates(history, days, env, deps) : [];
      if (runs > 0) deps.err(`sweep: ${runs} run(s) of the ${framework.kind} suite at ${base.slice(0, 12)}`);
      const swept =
        runs > 0
          ? await sweep({ sandbox, workDir, framework, runs })
          : { tests: [], candidates: [], broken: [], durationMs: 0, runs: [] };
      // The history's tests first (they flaked where it matters), then the sweep's; one entry per test.
      const seen = new Set(fromHistory.map((t) => t.id));
      const all: Candidate[] = [...fromHistory, ...swept.candidates.filter((t) => !seen.has(t.id))];
      const report: FlakyReport = {
        base,
        framework: framework.kind,
        sweep: { runs, tests: swept.tests.length, durationMs: Math.round(swept.durationMs) },
        candidates: [],
        broken: swept.broken.map((t) => t.id),
      };
      for (const candidate of all.slice(0, maxCandidates)) {
        deps.err(`confirm: ${candidate.id}, ${confirmRuns} rerun(s) alone`);
        const c = await confirmTest({ sandbox, workDir, framework, test: candidate.test, runs: confirmRuns });
        report.candidates.push({
          id: candidate.id,
          sweep: { runs: candidate.runs, failures: candidate.failures, rate: candidate.rate },
          source: candidate.source ?? 'sweep',
          confirmation: {
            verdict: c.verdict,
            runs: c.runs,
            failures: c.failures,
            rate: c.rate,
            signatures: c.signatures,
            seeds: c.seeds,
            order: c.order,
            command: c.command,
            durationMs: Math.round(c.durationMs),
          },
        });
      }
      mkdirSync(outDir, { recursive: true });
      for (const [i, c] of report.candidates.entries()) {
        const candidate = all.find((t) => t.id === c.id);
        if (c.confirmation.verdict !== 'flaky' || !candidate) continue;
        const single = singleTestCommand(framework, candidate.test, { reportFile: PROOF_REPORT });
        const suite = suiteCommand(framework, { reportFile: SUITE_REPORT }).command;
        const taskFile = path.join(outDir, `flaky-fix-${i + 1}.md`);
        writeFileSync(taskFile, fixTask(c, single.command, fixReruns));
        c.fix = { taskFile, proofCommand: proofCommand(single, suite, fixReruns) };
      }
      if (values.fix) {
        const provider = deps.provider ?? createAnthropicProvider({ env });
        const model = values.model ?? DEFAULT_MODEL;
        for (const [i, c] of report.candidates
          .filter((x) => x.fix)
          .slice(0, maxFixes)
          .entries()) {
          const fix = c.fix as NonNullable<typeof c.fix>;
          deps.err(`fix: ${c.id}: the agent works on it; the finish check is the proof`);
          const result = await runSession(
            {
              repo,
              task: readFileSync(fix.taskFile, 'utf8'),
              model,
              policy: loaded,
              prices: resolvePrices(model, {}),
              testCommand: fix.proofCommand,
              outDir: path.join(outDir, `flaky-fix-${i + 1}`),
              budgets: DEFAULT_BUDGETS,
              base,
              branchSlug: flakyBranch(c.id).replace(/^agentgate\//, ''),
            },
            { provider, env, log: (l) => deps.err(`agentgate: ${l}`) },
          );
          const after = result.tests.after;
          const passes = Number(
            /flaky proof: (\d+)\/\d+ reruns passed/.exec(after?.outputTail ?? '')?.[1] ?? 0,
          );
          const evidence = evidenceTable({
            before: { runs: c.confirmation.runs, failures: c.confirmation.failures },
            after: { runs: fixReruns, passes, suitePassed: after?.passed === true },
            signatures: c.confirmation.signatures,
            reproduce: c.confirmation.command,
          });
          const evidenceFile = path.join(outDir, `flaky-fix-${i + 1}.evidence.md`);
          writeFileSync(evidenceFile, evidence);
          fix.session = {
            outcome: result.outcome,
            branch: result.kept.branch ?? null,
            commit: result.commit,
            result: result.files.result,
            evidence: evidenceFile,
          };
        }
      }
      const file = path.join(outDir, 'flaky.json');
      writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
      deps.out(table(report));
      for (const c of report.candidates) {
        if (c.fix?.session) {
          const f = c.fix.session;
          deps.out(
            `fixed? ${c.id}: ${f.outcome}${f.branch ? ` on ${f.branch}` : ''}; evidence ${f.evidence}`,
          );
        } else if (c.fix) {
          deps.out(
            `fix ${c.id}: agentgate run --repo ${repo} --task-file ${c.fix.taskFile} --test-command ${shellQuote(c.fix.proofCommand)}`,
          );
        }
      }
      deps.out(`report: ${file}`);
      return 0;
    } finally {
      await sandbox.dispose().catch(() => {});
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** A test to confirm: from the sweep, or from the Actions history. */
interface Candidate {
  id: string;
  test: TestCaseResult;
  runs: number;
  failures: number;
  rate: number;
  source?: string;
}

/** The history's test candidates (jobs without a test report cannot be rerun alone, so they are left). */
async function historyCandidates(
  ownerRepo: string,
  days: number,
  env: NodeJS.ProcessEnv,
  deps: FlakyCommandDeps,
): Promise<Candidate[]> {
  const [owner = '', repo = ''] = ownerRepo.split('/');
  const client = createGitHubClient({
    token: env.GITHUB_TOKEN ?? '',
    apiUrl: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, ''),
    warn: (w) => deps.err(`agentgate flaky: ${w}`),
  });
  deps.err(`history: the last ${days} day(s) of ${ownerRepo}'s Actions runs`);
  const h = await findFlakyFromHistory(client, { owner, repo, days, now: new Date() });
  for (const n of h.notes) deps.err(`history: ${n}`);
  return h.candidates
    .filter((c) => !c.id.startsWith('job:'))
    .map((c) => ({
      id: c.id,
      test: { id: c.id, name: c.name, ...(c.file ? { file: c.file } : {}), outcome: 'failed' as const },
      runs: c.failures + c.passes,
      failures: c.failures,
      rate: c.rate,
      source: `history (${c.sources.join(', ')})`,
    }));
}

/** Reports of the proof's runs go to the sandbox's own /tmp, never into the work tree (or the commit). */
const PROOF_REPORT = '/tmp/agentgate-flaky-proof.xml';
const SUITE_REPORT = '/tmp/agentgate-flaky-suite.xml';

/**
 * The proof a fix must give: the test alone `reruns` times in a row (stopping at the first failure,
 * saying after how many passes), then the whole suite once. Each rerun must also show the test as run
 * and passed in its report: a skipped test exits 0, and skipping it is not a fix.
 */
export function proofCommand(single: RunSpec, suite: string, reruns: number): string {
  const r = shellQuote(single.reportFile);
  const ran =
    single.format === 'go-json'
      ? `grep -q '"Action":"pass"' ${r} && ! grep -q '"Action":"skip"' ${r}`
      : `[ $(( $(grep -o '<testcase' ${r} | wc -l) - $(grep -o '<skipped' ${r} | wc -l) - $(grep -o '<failure' ${r} | wc -l) - $(grep -o '<error' ${r} | wc -l) )) -ge 1 ]`;
  return [
    'pass=0',
    `for i in $(seq 1 ${reruns}); do rm -f ${r}; if ${single.command} >/dev/null 2>&1; then if ${ran}; then pass=$((pass+1)); else echo "flaky proof: rerun $i reported the test as not run (skipped?): skipping it is not a fix"; exit 1; fi; else echo "flaky proof: failed on rerun $i after $pass passes"; ${single.command}; exit 1; fi; done`,
    `echo "flaky proof: $pass/${reruns} reruns passed"`,
    suite,
  ].join('; ');
}

/** What the agent is told: the test, how often it failed, how it failed, and what counts as fixed. */
export function fixTask(c: FlakyReport['candidates'][number], single: string, reruns: number): string {
  const k = c.confirmation;
  return [
    `Fix the flaky test \`${c.id}\`.`,
    '',
    `Run alone ${k.runs} times at the base commit it failed ${k.failures} times (${(k.rate * 100).toFixed(0)}%); in the suite sweep it failed ${c.sweep.failures} of ${c.sweep.runs} runs.`,
    'How it failed (messages with times, numbers and paths taken out):',
    ...k.signatures.map((sig) => `- ${sig.count}× ${sig.signature}`),
    '',
    `Reproduce it with: \`${single}\``,
    '',
    `Find the cause (timing, order, shared state, randomness) and fix it in the test or the code. The fix is`,
    `proven when the test passes ${reruns} times in a row and the whole suite passes once. Do not skip,`,
    'quarantine or delete the test, and do not weaken its assertions: a skip is reported by the gates.',
    '',
  ].join('\n');
}

/** One line per candidate: the sweep's count, the confirmation's, and what happens next. */
export function table(r: FlakyReport): string {
  const lines = [
    `${r.framework} at ${r.base.slice(0, 12)}: ${r.sweep.tests} test(s), ${r.sweep.runs} sweep run(s), ${r.candidates.length} candidate(s)`,
  ];
  for (const c of r.candidates) {
    const k = c.confirmation;
    const next =
      k.verdict === 'flaky'
        ? 'confirmed flaky'
        : k.verdict === 'broken'
          ? 'fails every time: broken, not flaky'
          : 'not reproduced alone: skipped';
    lines.push(
      `  ${c.id}: sweep ${c.sweep.failures}/${c.sweep.runs} failed; alone ${k.failures}/${k.runs} failed (${(k.rate * 100).toFixed(0)}%) — ${next}`,
    );
    for (const s of k.signatures.slice(0, 3)) lines.push(`      ${s.count}× ${s.signature}`);
  }
  if (r.broken.length > 0) lines.push(`  broken (failed in every sweep run): ${r.broken.join(', ')}`);
  return lines.join('\n');
}
