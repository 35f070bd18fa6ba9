// The hunt both the CLI and the action's flaky mode run: a private clone of the repository at the base
// commit, the setup command once, candidates from the Actions history and from a sweep of the suite,
// each candidate rerun alone to confirm it, and for each confirmed one a task for the agent and the
// command that proves a fix. Nothing here calls a model: a test that does not fail again costs nothing.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { evaluate, type LoadedPolicy } from '../../policies/index.js';
import { createWorkClone, resolveCommit } from '../git.js';
import type { GitHubClient } from '../github/client.js';
import type { RunResult } from '../run.js';
import { sandboxConfigFor } from '../sandbox/from-policy.js';
import { createSandbox } from '../sandbox/index.js';
import { prepareWorkTree, SETUP_TIMEOUT_MS } from '../setup.js';
import type { SetupCacheBackend } from '../setup-cache.js';
import { type Confirmation, confirmTest } from './confirm.js';
import {
  DEFAULT_RUNNERS,
  detectFramework,
  type Framework,
  type FrameworkKind,
  type RunSpec,
  shellQuote,
  singleTestCommand,
  suiteCommand,
} from './frameworks.js';
import { findFlakyFromHistory } from './history.js';
import type { TestCaseResult } from './junit.js';
import { evidenceTable } from './nightly.js';
import { sweep } from './sweep.js';

export const FRAMEWORKS: readonly FrameworkKind[] = ['vitest', 'jest', 'pytest', 'go'];

/** Bad input the hunt found, by what it concerns; the CLI and the action name their own flag or input. */
export class FlakyInputError extends Error {
  constructor(
    readonly field: 'base' | 'framework' | 'setup',
    message: string,
  ) {
    super(message);
    this.name = 'FlakyInputError';
  }
}

export interface HuntOptions {
  /** The repository (its top level). */
  repo: string;
  /** The commit to test, as a ref. */
  base: string;
  policy: LoadedPolicy;
  framework?: FrameworkKind;
  /** The project's test command, to tell the framework. */
  testCommand?: string;
  runner?: readonly string[];
  /** Run once before anything else (e.g. `npm ci`; default the policy's setup.command); reruns reuse what it made. */
  setup?: string;
  /** Where the setup's directories are cached (see action/setup.ts). */
  setupCache?: SetupCacheBackend;
  /** Whole-suite runs of the sweep (0: none). */
  runs: number;
  confirmRuns: number;
  maxCandidates: number;
  /** Reruns a fix must pass in a row. */
  fixReruns: number;
  /** The policy lets a fix quarantine (skip) the test. */
  quarantine: boolean;
  history?: { client: GitHubClient; owner: string; repo: string; days: number; now?: Date };
  /** Where the tasks go. */
  outDir: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

/** What the hunt reports for each test it looked at (flaky.json). */
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
      /** The test alone, once, as a person reruns it. */
      reproduce: string;
      /** With a fix attempt: how the agent's session ended, its branch and the evidence. */
      session?: {
        outcome: string;
        branch: string | null;
        commit: string | null;
        result: string;
        evidence: string;
        quarantined?: boolean;
      };
    };
  }[];
  broken: string[];
  /** What the Actions history could not give (API errors, jobs without test reports). */
  notes: string[];
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

export async function hunt(o: HuntOptions): Promise<FlakyReport> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'agentgate-flaky-'));
  const work = path.join(scratch, 'work');
  try {
    const base = await resolveCommit(o.repo, o.base);
    if (base === undefined) throw new FlakyInputError('base', `'${o.base}' is not a commit in ${o.repo}`);
    await createWorkClone(
      o.repo,
      work,
      base,
      `agentgate/flaky-${base.slice(0, 8)}`,
      (f) => !evaluate(o.policy.policy, { kind: 'read', path: f }).allowed,
    );
    const workDir = realpathSync(work);
    const detected = o.framework ? { kind: o.framework } : await detectFramework(workDir, o.testCommand);
    if (!detected) {
      throw new FlakyInputError(
        'framework',
        `no test framework found in ${o.repo}: name one (${FRAMEWORKS.join(', ')}) or give the test command`,
      );
    }
    const framework: Framework = {
      ...detected,
      runner: o.runner && o.runner.length > 0 ? o.runner : DEFAULT_RUNNERS[detected.kind],
    };
    const policy = o.policy.policy;
    const sandboxOptions = sandboxConfigFor(policy, {
      workDir,
      tmpDir: path.join(scratch, 'tmp'),
      neverShown: [o.repo],
      env: o.env,
    });
    // The setup as a session does it: its own sandbox and network, and its cache.
    const setupCommand = o.setup ?? policy.setup.command;
    if (setupCommand) {
      o.log(`setup: ${setupCommand}`);
      const r = await prepareWorkTree({
        workDir,
        command: setupCommand,
        policy: policy.setup,
        sandbox: sandboxOptions,
        ...(o.setupCache ? { cache: o.setupCache } : {}),
        timeoutMs: SETUP_TIMEOUT_MS,
        tailChars: 2000,
        log: o.log,
      });
      if (!r.passed) {
        throw new FlakyInputError(
          'setup',
          `'${setupCommand}' failed (${r.timedOut ? 'timed out' : `exit ${r.exitCode}`}): ${r.outputTail.slice(-500)}`,
        );
      }
    }
    const sandbox = await createSandbox(sandboxOptions);
    try {
      for (const w of sandbox.warnings) o.log(`warning: ${w}`);
      const notes: string[] = [];
      const fromHistory = o.history ? await historyCandidates(o.history, o.log, notes) : [];
      if (o.runs > 0) o.log(`sweep: ${o.runs} run(s) of the ${framework.kind} suite at ${base.slice(0, 12)}`);
      const swept =
        o.runs > 0
          ? await sweep({ sandbox, workDir, framework, runs: o.runs })
          : { tests: [], candidates: [], broken: [], durationMs: 0, runs: [] };
      // The history's tests first (they flaked where it matters), then the sweep's; one entry per test.
      const seen = new Set(fromHistory.map((t) => t.id));
      const all: Candidate[] = [...fromHistory, ...swept.candidates.filter((t) => !seen.has(t.id))];
      const report: FlakyReport = {
        base,
        framework: framework.kind,
        sweep: { runs: o.runs, tests: swept.tests.length, durationMs: Math.round(swept.durationMs) },
        candidates: [],
        broken: swept.broken.map((t) => t.id),
        notes,
      };
      for (const candidate of all.slice(0, o.maxCandidates)) {
        o.log(`confirm: ${candidate.id}, ${o.confirmRuns} rerun(s) alone`);
        const c = await confirmTest({
          sandbox,
          workDir,
          framework,
          test: candidate.test,
          runs: o.confirmRuns,
        });
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
      mkdirSync(o.outDir, { recursive: true });
      for (const [i, c] of report.candidates.entries()) {
        const candidate = all.find((t) => t.id === c.id);
        if (c.confirmation.verdict !== 'flaky' || !candidate) continue;
        const single = singleTestCommand(framework, candidate.test, { reportFile: PROOF_REPORT });
        const suite = suiteCommand(framework, { reportFile: SUITE_REPORT }).command;
        const taskFile = path.join(o.outDir, `flaky-fix-${i + 1}.md`);
        writeFileSync(taskFile, fixTask(c, single.command, o.fixReruns, o.quarantine));
        c.fix = {
          taskFile,
          proofCommand: proofCommand(single, suite, o.fixReruns, o.quarantine),
          reproduce: single.command,
        };
      }
      return report;
    } finally {
      await sandbox.dispose().catch(() => {});
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The history's test candidates (jobs without a test report cannot be rerun alone: they become notes). */
async function historyCandidates(
  h: NonNullable<HuntOptions['history']>,
  log: (line: string) => void,
  notes: string[],
): Promise<Candidate[]> {
  log(`history: the last ${h.days} day(s) of ${h.owner}/${h.repo}'s Actions runs`);
  const found = await findFlakyFromHistory(h.client, {
    owner: h.owner,
    repo: h.repo,
    days: h.days,
    now: h.now ?? new Date(),
  });
  for (const n of found.notes) {
    log(`history: ${n}`);
    notes.push(n);
  }
  for (const c of found.candidates.filter((x) => x.id.startsWith('job:'))) {
    notes.push(
      `${c.name}: failed then passed on a rerun of the same commit, but uploaded no JUnit report naming the test, so it cannot be rerun alone`,
    );
  }
  return found.candidates
    .filter((c) => !c.id.startsWith('job:'))
    .map((c) => ({
      id: c.id,
      test: {
        id: c.id,
        name: c.name,
        ...(c.file ? { file: c.file } : {}),
        ...(c.classname ? { classname: c.classname } : {}),
        outcome: 'failed' as const,
      },
      runs: c.failures + c.passes,
      failures: c.failures,
      rate: c.rate,
      source: `history (${c.sources.join(', ')})`,
    }));
}

/** Reports of the proof's runs go to the sandbox's own /tmp, never into the work tree (or the commit). */
const PROOF_REPORT = '/tmp/agentgate-flaky-proof.xml';
const SUITE_REPORT = '/tmp/agentgate-flaky-suite.xml';

/** The proof's last lines, which the action and the CLI read back (they always end the output). */
export const PROOF_LINES = {
  passed: /flaky proof: (\d+)\/(\d+) reruns passed/,
  quarantined: /flaky proof: quarantined/,
  suitePassed: /flaky proof: the whole suite passed/,
} as const;

/**
 * The proof a fix must give: the test alone `reruns` times in a row (stopping at the first failure,
 * saying after how many passes), then the whole suite once. Each rerun must also show the test as run
 * and passed in its report: a skipped test exits 0, and skipping it is not a fix — unless `quarantine`
 * (the policy allows it), when a skipped test ends the reruns as a quarantine. The verdict lines come
 * last, after the suite's output, so they are always in the output's tail.
 */
export function proofCommand(single: RunSpec, suite: string, reruns: number, quarantine = false): string {
  const r = shellQuote(single.reportFile);
  // In braces: go's report is the command's own stdout redirection, which a trailing >/dev/null would undo.
  const ran =
    single.format === 'go-json'
      ? `grep -q '"Action":"pass"' ${r} && ! grep -q '"Action":"skip"' ${r}`
      : `[ $(( $(grep -o '<testcase' ${r} | wc -l) - $(grep -o '<skipped' ${r} | wc -l) - $(grep -o '<failure' ${r} | wc -l) - $(grep -o '<error' ${r} | wc -l) )) -ge 1 ]`;
  const skipped = single.format === 'go-json' ? `grep -q '"Action":"skip"' ${r}` : `grep -q '<skipped' ${r}`;
  const notRun = quarantine
    ? `elif ${skipped}; then q=1; echo "flaky proof: rerun $i reported the test as skipped: quarantined"; break; else echo "flaky proof: rerun $i reported the test as not run: deleting it is not a fix"; exit 1; fi`
    : `else echo "flaky proof: rerun $i reported the test as not run (skipped?): skipping it is not a fix"; exit 1; fi`;
  return [
    'pass=0; q=0',
    `for i in $(seq 1 ${reruns}); do rm -f ${r}; if { ${single.command}; } >/dev/null 2>&1; then if ${ran}; then pass=$((pass+1)); ${notRun}; else echo "flaky proof: failed on rerun $i after $pass passes"; ${single.command}; exit 1; fi; done`,
    suite,
    's=$?',
    `if [ $q = 1 ]; then echo "flaky proof: quarantined: the test is skipped"; else echo "flaky proof: $pass/${reruns} reruns passed"; fi`,
    'if [ $s = 0 ]; then echo "flaky proof: the whole suite passed"; else echo "flaky proof: the whole suite failed (exit $s)"; fi',
    'exit $s',
  ].join('; ');
}

/** What the agent is told: the test, how often it failed, how it failed, and what counts as fixed. */
export function fixTask(
  c: FlakyReport['candidates'][number],
  single: string,
  reruns: number,
  quarantine = false,
): string {
  const k = c.confirmation;
  return [
    `Fix the flaky test \`${c.id}\`.`,
    '',
    `Run alone ${k.runs} times at the base commit it failed ${k.failures} times (${(k.rate * 100).toFixed(0)}%); where it was found (${c.source}) it failed ${c.sweep.failures} of ${c.sweep.runs} runs.`,
    'How it failed (messages with times, numbers and paths taken out):',
    ...k.signatures.map((sig) => `- ${sig.count}× ${sig.signature}`),
    '',
    `Reproduce it with: \`${single}\``,
    '',
    `Find the cause (timing, order, shared state, randomness) and fix it in the test or the code. The fix is`,
    `proven when the test passes ${reruns} times in a row and the whole suite passes once.`,
    ...(quarantine
      ? [
          'Fix it if you can. Only if you cannot find the cause, you may quarantine the test: skip it with the',
          "framework's own skip marker and a comment saying why; a quarantine is labelled flaky:quarantined and",
          'tracked in an issue. Do not delete the test or weaken its assertions.',
        ]
      : [
          'Do not skip, quarantine or delete the test, and do not weaken its assertions: a skip is reported by',
          'the gates and refused by the proof.',
        ]),
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
      `  ${c.id}: ${c.source === 'sweep' ? 'sweep' : 'history'} ${c.sweep.failures}/${c.sweep.runs} failed; alone ${k.failures}/${k.runs} failed (${(k.rate * 100).toFixed(0)}%) — ${next}`,
    );
    for (const s of k.signatures.slice(0, 3)) lines.push(`      ${s.count}× ${s.signature}`);
  }
  if (r.broken.length > 0) lines.push(`  broken (failed in every sweep run): ${r.broken.join(', ')}`);
  for (const n of r.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}

/** What the proof's output says about a fix: reruns passed, quarantined, and the suite. */
export function readProof(outputTail: string | undefined): {
  passes: number;
  quarantined: boolean;
  suitePassed: boolean;
} {
  const tail = outputTail ?? '';
  return {
    passes: Number(PROOF_LINES.passed.exec(tail)?.[1] ?? 0),
    quarantined: PROOF_LINES.quarantined.test(tail),
    suitePassed: PROOF_LINES.suitePassed.test(tail),
  };
}

/**
 * After a fix's session: the before/after evidence, written to `file`, and the session's record on the
 * candidate. A skip counts as a quarantine only when the session completed (the proof accepted it).
 */
export function recordFix(
  c: FlakyReport['candidates'][number],
  result: Pick<RunResult, 'outcome' | 'tests' | 'kept' | 'commit' | 'files'>,
  reruns: number,
  file: string,
): { table: string; quarantined: boolean; proof: ReturnType<typeof readProof> } {
  const fix = c.fix as NonNullable<typeof c.fix>;
  const proof = readProof(result.tests.after?.outputTail);
  const quarantined = proof.quarantined && result.outcome === 'completed';
  const table = evidenceTable({
    id: c.id,
    before: { runs: c.confirmation.runs, failures: c.confirmation.failures },
    after: { runs: reruns, passes: proof.passes, suitePassed: proof.suitePassed, quarantined },
    signatures: c.confirmation.signatures,
    reproduce: fix.reproduce,
  });
  writeFileSync(file, table);
  fix.session = {
    outcome: result.outcome,
    branch: result.kept.branch ?? null,
    commit: result.commit,
    result: result.files.result,
    evidence: file,
    quarantined,
  };
  return { table, quarantined, proof };
}
