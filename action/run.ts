// One agent session, start to end: a private work clone on a new branch, the sandbox, the loop, then the
// commit, the patch, the result and the end of the trace — written even when the loop stops early.
import { createHash, randomUUID } from 'node:crypto';
import { lstatSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { git, isBinary, listTree, readBlobs } from '../lib/git.js';
import { createRedactor, valuesOfSecretFile } from '../lib/redact.js';
import { stripInvisible } from '../lib/unicode.js';
import {
  evaluate,
  isAlwaysSecretEnvName,
  isSecretEnvName,
  type LoadedPolicy,
  type Policy,
  ruleIdOf,
} from '../policies/index.js';
import type { BudgetName, Budgets, Prices } from './budgets.js';
import { BOT_IDENTITY, BRANCH_PREFIX, SESSION_TRAILER } from './constants.js';

export { BOT_IDENTITY };

import { commitWork } from './commit.js';
import { boundByDeadline, defaultClock, startDeadline, within } from './deadline.js';
import { messageOf, UsageError } from './errors.js';
import {
  branchExists,
  createWorkClone,
  diff,
  fetchBranch,
  isGitRepo,
  reattachWorkClone,
  resolveCommit,
  showFile,
  toplevel,
} from './git.js';
import type { LLMProvider, Usage } from './llm/types.js';
import {
  DEFAULT_MAX_VERIFY_ATTEMPTS,
  DEFAULT_VERIFY_TAIL_CHARS,
  type DeniedCall,
  type Outcome,
  runAgentLoop,
} from './loop.js';
import { assemblePrompt, type InstructionFile } from './prompt.js';
import { ensureOutDir, type FailureContext, type Kept, outputFiles, recordRunError } from './run-output.js';
import { sandboxConfigFor } from './sandbox/from-policy.js';
import { createSandbox, type Sandbox, SandboxUnavailableError } from './sandbox/index.js';
import { findOnPath } from './sandbox/probe.js';
import { SETUP_TIMEOUT_MS, type SetupRun, startPrepare } from './setup.js';
import type { SetupCacheBackend } from './setup-cache.js';
import { runTestCommand, type TestRun } from './testing.js';
import { BUILTIN_TOOLS } from './tools/index.js';
import { connectMcpServers, MCP_CONNECT_TIMEOUT_MS, type McpHub } from './tools/mcp.js';
import type { Tool, ToolContext, ToolLimits } from './tools/types.js';
import { TraceWriter } from './trace/trace.js';

export const INSTRUCTION_FILES = ['AGENTS.md', 'CLAUDE.md'] as const;
/**
 * The run ends within its time budget plus this: what follows a stop on the deadline (the in-flight call
 * waited for at most ABORT_SETTLE_MS, the tests after the stop, the commit, the patch, the result).
 */
export const END_GRACE_MS = 5000;
/**
 * Of that grace, what the tests after a stop leave for the rest: their kill (TEST_KILL_WAIT_MS), the
 * commit, patch and branch, closing the MCP servers and the sandbox (each waited for CLOSE_WAIT_MS at most).
 */
export const END_RESERVE_MS = 3000;
/** Tests after a stop are not started with less time than this. */
export const MIN_AFTER_STOP_TEST_MS = 500;
const CLOSE_WAIT_MS = 1000;

/** The sandbox, or a usage error that says how to run without one. */
async function openSandbox(options: Parameters<typeof createSandbox>[0]): Promise<Sandbox> {
  try {
    return await createSandbox(options);
  } catch (e) {
    if (e instanceof SandboxUnavailableError) {
      throw new UsageError(
        `${e.message}\nCommands are refused without a sandbox. To run them unisolated anyway, set 'sandbox: none' in the policy.`,
      );
    }
    throw e;
  }
}

/** Ends the session's main block when the setup failed: the loop result is already set. */
class SetupFailed extends Error {}
export const DEFAULT_TOOL_LIMITS: ToolLimits = {
  maxResultChars: 30_000,
  defaultCommandTimeoutS: 120,
  maxCommandTimeoutS: 600,
};

export interface RunSettings {
  repo: string;
  task: string;
  model: string;
  policy: LoadedPolicy;
  prices: Prices;
  testCommand: string | undefined;
  /**
   * Run once in the sandbox before the baseline and the agent (e.g. `npm ci`), with the policy's
   * network; a failure ends the run `setup_failed` before any model call. A cache hit is checked, then
   * restored beside the first model turns (tools wait for it); a restore the disk fails ends the run
   * `setup_failed` too.
   */
  setupCommand?: string;
  /** Where the setup's directories (policy setup.cache.paths) are cached; none: the setup always runs. */
  setupCache?: SetupCacheBackend;
  outDir: string;
  budgets: Budgets;
  /** The commit the work starts from (default HEAD). */
  base: string;
  maxVerifyAttempts?: number;
  toolLimits?: ToolLimits;
  /** The branch name's readable part (default: a slug of the task's first line). */
  branchSlug?: string;
  /** Bound on the test run after a stop that skipped the finish check (default: the command timeout). */
  finalTestTimeoutMs?: number;
  /** Where the session runs (the runner's isolation statement, the triggering event), for the trace. */
  environment?: Record<string, unknown>;
}

export interface RunDeps {
  provider: LLMProvider;
  /** The environment whose secret values must never be written or sent (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Progress lines (the CLI prints them to stderr). */
  log?: (line: string) => void;
  /** Milliseconds on a monotonic clock (injected for tests; default performance.now). */
  now?: () => number;
}

export interface RunResult {
  outcome: Outcome;
  budget?: BudgetName;
  detail: string;
  sessionId: string;
  model: string;
  branch: string;
  baseCommit: string;
  commit: string | null;
  turns: number;
  toolCalls: number;
  usage: Usage;
  costUsd: number;
  tests: { command: string | null; before: TestRun | null; after: TestRun | null };
  /** The setup command's run (or its restore from the cache), when there was one. */
  setup?: SetupRun;
  deniedCalls: DeniedCall[];
  warnings: string[];
  summary: string;
  files: { trace: string; patch: string; result: string };
  /** What this run left for you: its trace and patch, and the branch when it was added to your repository. */
  kept: Kept;
  /** The trace's length and the sha256 of its last line (`agentgate trace verify --head`). */
  trace?: { lines: number; head: string };
}

export function slugify(text: string, max = 40): string {
  const firstLine = text.split('\n').find((l) => l.trim() !== '') ?? 'task';
  const slug = firstLine
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/g, '');
  return slug || 'task';
}

/** Exit code of a finished run: 0 done and green (or no tests), 1 red or out of budget, 2 provider error. */
export function exitCodeFor(r: Pick<RunResult, 'outcome' | 'tests'>): 0 | 1 | 2 {
  if (r.outcome === 'provider_error') return 2;
  if (r.outcome !== 'completed') return 1;
  return r.tests.after && !r.tests.after.passed ? 1 : 0;
}

/** What the model is told of the policy, taken from the policy itself. */
export function policySummary(p: Policy): string {
  const ids = (rules: readonly { id?: string }[], list: string) =>
    rules.map((r, i) => ruleIdOf(r, list, i)).join(', ') || 'none';
  const net = p.network.allowedDomains.length ? `only to ${p.network.allowedDomains.join(', ')}` : 'none';
  return [
    `sandbox ${p.sandbox}; network ${net}`,
    `reading denied by: ${ids(p.read.deny, 'read.deny')}`,
    `writing denied by: ${ids(p.write.deny, 'write.deny')} (and the read rules)`,
    `commands denied by: ${ids(p.commands.deny, 'commands.deny')}`,
  ].join('; ');
}

async function readInstructions(repo: string, base: string): Promise<InstructionFile[]> {
  const out: InstructionFile[] = [];
  for (const f of INSTRUCTION_FILES) {
    const content = await showFile(repo, base, f);
    if (content !== undefined) out.push({ path: f, content });
  }
  return out;
}

export async function prepareRepo(
  repoArg: string,
  baseRef: string,
): Promise<{ repo: string; baseCommit: string }> {
  if (!(await findOnPath('git'))) {
    throw new UsageError(
      'git is not installed (not found on PATH); agentgate works in a git clone. ' +
        'Install it, e.g. `sudo apt-get install -y git`',
    );
  }
  if (!(await isGitRepo(repoArg))) {
    throw new UsageError(
      `--repo: '${repoArg}' is not a git repository (expected a directory inside a git work tree)`,
    );
  }
  const repo = realpathSync(await toplevel(repoArg));
  const baseCommit = await resolveCommit(repo, baseRef);
  if (!baseCommit) throw new UsageError(`--base: '${baseRef}' does not name a commit in ${repo}`);
  return { repo, baseCommit };
}

/** Files read for their values, and bytes read of each, at most. */
const MAX_DENIED_FILES = 200;
const MAX_DENIED_FILE_BYTES = 64 * 1024;

/**
 * The credential-like values of the files the read rules deny: those of `base` the work clone left out,
 * and those in the user's checkout that git does not track (an untracked or ignored `.env`).
 */
async function learnDeniedValues(
  repo: string,
  base: string,
  hidden: readonly string[],
  isDenied: (file: string) => boolean,
): Promise<{ files: number; values: string[] }> {
  const values: string[] = [];
  let files = 0;
  const take = (buf: Buffer | undefined) => {
    if (!buf || buf.length > MAX_DENIED_FILE_BYTES || isBinary(buf)) return;
    files++;
    values.push(...valuesOfSecretFile(buf.toString('utf8')));
  };
  const hiddenSet = new Set(hidden.slice(0, MAX_DENIED_FILES));
  const entries = hiddenSet.size > 0 ? (await listTree(repo, base)).filter((e) => hiddenSet.has(e.path)) : [];
  const blobs = await readBlobs(
    repo,
    entries.map((e) => e.oid),
  );
  for (const e of entries) take(blobs.get(e.oid));
  // Untracked and ignored files, directories collapsed (node_modules/ is one entry, and skipped).
  const others = await git(repo, ['ls-files', '--others', '--directory', '-z']);
  const untracked = others.stdout
    .split('\0')
    .filter((f) => f !== '' && !f.endsWith('/') && isDenied(f))
    .slice(0, MAX_DENIED_FILES);
  for (const f of untracked) {
    const abs = path.join(repo, f);
    try {
      const st = lstatSync(abs);
      if (st.isFile() && st.size <= MAX_DENIED_FILE_BYTES) take(readFileSync(abs));
    } catch {
      // Gone or unreadable: nothing to learn.
    }
  }
  return { files, values };
}

/** The loop's result for a run whose setup failed (or whose restore did). */
function setupFailedResult(
  run: SetupRun,
  boundMs: number,
  calls: string,
): NonNullable<Awaited<ReturnType<typeof runAgentLoop>>> {
  const why = run.timedOut
    ? `timed out after ${Math.round(boundMs / 1000)} s`
    : run.exitCode === null
      ? 'it could not finish'
      : `exit ${run.exitCode}`;
  return {
    outcome: 'setup_failed',
    detail: `the setup command failed (${why}); ${calls}. Its output ends: ${run.outputTail.trim().slice(-400)}`,
    turns: 0,
    usage: { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
    costUsd: 0,
    deniedCalls: [],
    toolCalls: 0,
    summary: '',
  };
}

export async function runSession(settings: RunSettings, deps: RunDeps): Promise<RunResult> {
  // The time budget counts from here, for everything: clone, sandbox, baseline, the loop.
  const clock = deps.now ?? defaultClock;
  const deadlineAt = clock() + settings.budgets.timeoutMs;
  const log = deps.log ?? (() => {});
  const env = deps.env ?? process.env;
  const policy = settings.policy.policy;
  const redactor = createRedactor({
    env,
    isSecretEnv: (n) => isSecretEnvName(policy, n),
    alwaysSecretEnv: isAlwaysSecretEnvName,
  });
  const files = outputFiles(settings.outDir);
  const known: FailureContext = {
    outDir: settings.outDir,
    redactor,
    model: settings.model,
    ...(settings.testCommand ? { testCommand: settings.testCommand } : {}),
  };

  // Before the trace: the output directory, the repository, the branch name. A failure here is recorded in
  // result.json alone.
  const sessionId = randomUUID();
  let repo: string;
  let baseCommit: string;
  let branch: string;
  let trace: TraceWriter;
  try {
    ensureOutDir(settings.outDir);
    ({ repo, baseCommit } = await prepareRepo(settings.repo, settings.base));
    const shortId = sessionId.slice(0, 8);
    const slug = settings.branchSlug ? slugify(settings.branchSlug) : slugify(settings.task);
    branch = `${BRANCH_PREFIX}${slug}-${shortId}`;
    for (let n = 2; await branchExists(repo, branch); n++) branch = `${BRANCH_PREFIX}${slug}-${shortId}-${n}`;
    trace = TraceWriter.open(files.trace, redactor);
  } catch (e) {
    throw recordRunError(e, known);
  }
  known.sessionId = sessionId;
  known.branch = branch;
  known.baseCommit = baseCommit;
  const warnings: string[] = [];
  known.warnings = warnings;
  const warn = (w: string) => {
    warnings.push(w);
    trace.event('warning', { message: w });
    log(`warning: ${w}`);
  };

  trace.event('session.start', {
    sessionId,
    taskSha256: createHash('sha256').update(settings.task).digest('hex'),
    model: settings.model,
    policy: { source: settings.policy.source, sha256: settings.policy.sha256 },
    repository: { commit: baseCommit, branch },
    budgets: settings.budgets,
    testCommand: settings.testCommand ?? null,
    node: process.version,
    ...(settings.environment ? { environment: settings.environment } : {}),
  });

  // Fires at the deadline: the loop stops, and what is in flight is cut.
  const deadline = startDeadline(deadlineAt, clock);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'agentgate-'));
  const workDir = path.join(scratch, 'work');
  let sandbox: Sandbox | undefined;
  let mcp: McpHub | undefined;
  let before: TestRun | null = null;
  let setup: SetupRun | undefined;
  let baseline: Promise<TestRun | null> | undefined;
  /** The setup's restore from the cache, when it runs beside the model. */
  let restoring: Promise<SetupRun> | undefined;
  let loop: Awaited<ReturnType<typeof runAgentLoop>> | undefined;
  let failure: unknown;
  let cloned = false;
  try {
    log(`work clone: ${workDir} (branch ${branch} from ${baseCommit.slice(0, 12)})`);
    // The clone holds no blob of a path the read rules deny, and names no readable origin.
    const clone = await createWorkClone(
      repo,
      workDir,
      baseCommit,
      branch,
      (f) => !evaluate(policy, { kind: 'read', path: f }).allowed,
    );
    cloned = true;
    trace.event('workclone', { hiddenPaths: clone.hidden.length });
    if (clone.hidden.length > 0)
      log(`work clone: ${clone.hidden.length} path(s) the read rules deny left out`);
    // Defence in depth: the values in the files the model may not read are redacted wherever they appear.
    const learnt = await learnDeniedValues(
      repo,
      baseCommit,
      clone.hidden,
      (f) => !evaluate(policy, { kind: 'read', path: f }).allowed,
    ).catch((e: unknown) => {
      warn(`could not read the denied files' values for redaction: ${messageOf(e)}`);
      return { files: 0, values: [] as string[] };
    });
    const added = redactor.addValues(learnt.values, 'denied-file');
    trace.event('secrets.learnt', { files: learnt.files, values: added });
    const realWork = realpathSync(workDir);

    const sandboxOptions = sandboxConfigFor(policy, {
      workDir: realWork,
      tmpDir: path.join(scratch, 'tmp'),
      neverShown: [repo, env.RUNNER_TEMP, env.RUNNER_WORKSPACE, env.GITHUB_WORKSPACE].filter(
        (d): d is string => d !== undefined && path.isAbsolute(d),
      ),
      env,
    });
    const setupCommand = settings.setupCommand ?? policy.setup.command;
    if (setupCommand) {
      log(`setup: ${setupCommand}`);
      const bound = boundByDeadline(SETUP_TIMEOUT_MS, { deadline: deadline.at, clock });
      // A cache hit is checked, then restored beside the first model turns (its tools wait for it); a
      // setup that must run runs now, in a sandbox of its own, before any model call.
      const start = await startPrepare({
        workDir: realWork,
        command: setupCommand,
        policy: policy.setup,
        sandbox: sandboxOptions,
        open: openSandbox,
        ...(settings.setupCache ? { cache: settings.setupCache } : {}),
        timeoutMs: bound.ms,
        tailChars: DEFAULT_VERIFY_TAIL_CHARS,
        log,
        background: true,
      });
      const settle = async (run: SetupRun): Promise<SetupRun> => {
        run.outputTail = redactor.redact(run.outputTail);
        setup = run;
        // What a setup changes in tracked files would go into the agent's commit: said, not hidden.
        const touched = await git(realWork, ['status', '--porcelain', '--untracked-files=no'], {
          allowFail: true,
        });
        const changed = touched.stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => l.slice(3));
        if (changed.length > 0) {
          warn(
            `the setup changed tracked files, which will be part of the agent's change: ${changed.slice(0, 10).join(', ')}${changed.length > 10 ? ', …' : ''}`,
          );
        }
        trace.event('setup.run', {
          ...run,
          ...(bound.cut && run.timedOut ? { stoppedByDeadline: true } : {}),
        });
        log(`setup: exit ${run.exitCode} (${run.passed ? 'ok' : 'failed'}, ${run.durationMs} ms)`);
        return run;
      };
      if (start.background) {
        log('setup: restoring from the cache beside the model (its tools wait for it)');
        restoring = start.done.then(settle).catch(
          (e: unknown): SetupRun => ({
            command: setupCommand,
            exitCode: null,
            passed: false,
            timedOut: false,
            durationMs: 0,
            outputTail: `the restore could not be recorded: ${messageOf(e)}`,
          }),
        );
      } else {
        const run = await settle(await start.done);
        if (!run.passed) loop = setupFailedResult(run, bound.ms, 'no model call was made');
      }
    }
    if (loop) throw new SetupFailed();

    sandbox = await openSandbox(sandboxOptions);
    // Among them: mode 'none' (commands unisolated), and anything the host could not enforce.
    for (const w of sandbox.warnings) warn(w);

    const tools: Tool[] = [...BUILTIN_TOOLS];
    if (Object.keys(policy.mcp.servers).length > 0) {
      // An MCP server may start from what the setup made: it waits for the restore.
      const run = await restoring;
      if (run && !run.passed) {
        loop = setupFailedResult(run, 0, 'no model call was made');
        throw new SetupFailed();
      }
      mcp = await connectMcpServers(policy, {
        sandbox,
        onSecret: (v) => redactor.addValues([v], 'mcp-secret'),
        cwd: realWork,
        baseEnv: env,
        timeoutMs: Math.max(1, boundByDeadline(MCP_CONNECT_TIMEOUT_MS, { deadline: deadline.at, clock }).ms),
      });
      for (const w of mcp.warnings) warn(w);
      tools.push(...mcp.tools);
    }
    const ctx: ToolContext = {
      workDir: realWork,
      policy,
      sandbox,
      testCommand: settings.testCommand,
      limits: settings.toolLimits ?? DEFAULT_TOOL_LIMITS,
      deadline: deadline.at,
      clock,
      signal: deadline.signal,
    };

    // The baseline runs beside the first model turns: the model is asked at once (see LoopConfig.baseline).
    const testCommand = settings.testCommand;
    if (testCommand) {
      log(`baseline: ${testCommand}`);
      const box = sandbox;
      const runBaseline = () => {
        const bound = boundByDeadline(ctx.limits.maxCommandTimeoutS * 1000, ctx);
        return runTestCommand(box, testCommand, bound.ms, DEFAULT_VERIFY_TAIL_CHARS).then(
          (run) => {
            run.outputTail = redactor.redact(run.outputTail);
            before = run;
            const cut = bound.cut && run.timedOut;
            trace.event('test.run', {
              phase: 'baseline',
              ...run,
              ...(cut ? { stoppedByDeadline: true } : {}),
            });
            log(`baseline: exit ${run.exitCode} (${run.passed ? 'green' : 'red'}, ${run.durationMs} ms)`);
            return run;
          },
          (e: unknown) => {
            warn(`the baseline test run could not run: ${messageOf(e)}`);
            return null;
          },
        );
      };
      // The baseline sees the tree as prepared: after the restore, and not at all when it failed.
      baseline = restoring ? restoring.then((run) => (run.passed ? runBaseline() : null)) : runBaseline();
    }

    const prompt = assemblePrompt({
      task: settings.task,
      instructions: await readInstructions(repo, baseCommit),
      testCommand: settings.testCommand,
      toolNames: tools.map((t) => t.name),
      policySummary: policySummary(policy),
    });
    if (prompt.hiddenCharsRemoved > 0)
      warn(`removed ${prompt.hiddenCharsRemoved} hidden Unicode character(s) from the task`);

    log(`agent: model ${settings.model}, ${tools.length} tools`);
    loop = await runAgentLoop(
      {
        model: settings.model,
        prices: settings.prices,
        budgets: settings.budgets,
        system: prompt.system,
        user: prompt.user,
        tools,
        ctx,
        maxVerifyAttempts: settings.maxVerifyAttempts ?? DEFAULT_MAX_VERIFY_ATTEMPTS,
        verifyTailChars: DEFAULT_VERIFY_TAIL_CHARS,
        ...(baseline ? { baseline } : {}),
        ...(restoring
          ? {
              prepared: restoring.then((run) => (run.passed ? undefined : run.outputTail.trim().slice(-400))),
            }
          : {}),
      },
      { provider: deps.provider, trace, redactor, now: clock },
    );
    log(
      `agent: ${loop.outcome}${loop.budget ? ` (${loop.budget})` : ''} after ${loop.turns} turn(s): ${loop.detail}`,
    );
  } catch (e) {
    if (!(e instanceof SetupFailed)) failure = e;
  }
  // A loop that ended early (a budget, the provider) leaves the baseline to end on its own bound.
  if (baseline) await baseline;
  // The restore ends before anything reads the tree; one that failed under a finished model fails the run.
  const restored = restoring ? await restoring : undefined;
  if (restored && !restored.passed && loop && loop.outcome !== 'setup_failed') {
    const failed = setupFailedResult(restored, 0, `the model had made ${loop.turns} request(s)`);
    loop = { ...loop, outcome: failed.outcome, detail: failed.detail };
  }

  // After-evidence on every stop: a run stopped by a budget, the provider or a refusal did not reach a
  // finish check on what it left (an earlier check may have seen older work), so the tests run once
  // more, within their own time bound and the end of the grace after the deadline (END_GRACE_MS, less
  // END_RESERVE_MS for what follows): a run stopped on the deadline gives them about 2 s.
  const stopped =
    loop?.outcome === 'budget_exhausted' || loop?.outcome === 'provider_error' || loop?.outcome === 'refused';
  if (loop && stopped && settings.testCommand && sandbox) {
    try {
      const limits = settings.toolLimits ?? DEFAULT_TOOL_LIMITS;
      const graceLeft = deadline.at + END_GRACE_MS - END_RESERVE_MS - clock();
      const boundMs = Math.floor(
        Math.min(settings.finalTestTimeoutMs ?? limits.maxCommandTimeoutS * 1000, graceLeft),
      );
      if (boundMs < MIN_AFTER_STOP_TEST_MS)
        throw new Error("the session's time budget left no room for them");
      log(`after the stop: ${settings.testCommand} (at most ${Math.round(boundMs / 1000)} s)`);
      const after = await runTestCommand(sandbox, settings.testCommand, boundMs, DEFAULT_VERIFY_TAIL_CHARS);
      after.outputTail = redactor.redact(after.outputTail);
      trace.event('test.run', { phase: 'after-stop', ...after });
      log(
        `after the stop: exit ${after.exitCode} (${after.passed ? 'green' : 'red'}, ${after.durationMs} ms)`,
      );
      loop = { ...loop, testsAfter: after };
    } catch (e) {
      warn(`the tests could not run after the stop: ${messageOf(e)}`);
    }
  }

  // Keep the work whatever happened: commit on the branch, write the patch, the result and the trace end.
  let commit: string | null = null;
  const kept: Kept = { trace: files.trace };
  const commitRefusals: DeniedCall[] = [];
  let commitFailure: unknown;
  try {
    // A failed setup made no work to keep (whatever the setup itself wrote is not the agent's).
    const agentWorked = loop?.outcome !== 'setup_failed';
    if (agentWorked && (loop || failure === undefined || (await isGitRepo(workDir).catch(() => false)))) {
      const message = [
        `agentgate: ${stripInvisible(settings.task).text.split('\n')[0]?.slice(0, 60) ?? 'task'}`,
        '',
        `Outcome: ${loop?.outcome ?? 'error'}`,
        '',
        `${SESSION_TRAILER}: ${sessionId}`,
        `Agentgate-Model: ${settings.model}`,
      ].join('\n');
      // Commands can write files the write tools may not (`echo > .github/workflows/x.yml`): what lands is
      // checked against the write rules here, and protected paths, nested repositories, gitlinks, unsafe
      // links and files holding a secret value are left out of the commit (action/commit.ts).
      // The agent is done: the host's own git work may fetch what the detached clone lacks.
      if (cloned) await reattachWorkClone(workDir, repo);
      const committed = await commitWork({
        workDir,
        baseCommit,
        policy,
        message: redactor.redact(message),
        identity: BOT_IDENTITY,
        holdsSecret: (text) => redactor.contains(text),
      }).catch((e: unknown) => {
        commitFailure = e;
        throw e;
      });
      for (const left of committed.leftOut) {
        commitRefusals.push({ tool: 'commit', ruleId: left.ruleId, reason: left.reason });
        trace.event('policy.decision', {
          tool: 'commit',
          path: left.path,
          allowed: false,
          ruleId: left.ruleId,
          reason: left.reason,
        });
      }
      if (committed.leftOut.length > 0) {
        warn(`left out of the commit: ${committed.leftOut.map((l) => `${l.path} (${l.ruleId})`).join(', ')}`);
      }
      commit = committed.commit ?? null;
      // A run that stopped in an error before the agent finished leaves a patch only when it changed
      // something.
      if (commit || loop) {
        const patch = commit ? await diff(workDir, baseCommit, commit) : '';
        const safePatch = redactor.redact(patch);
        if (safePatch !== patch) warn('the patch contained secret values; they were redacted in patch.diff');
        writeFileSync(files.patch, safePatch);
        kept.patch = files.patch;
      }
      if (commit) {
        await fetchBranch(repo, workDir, branch);
        kept.branch = branch;
      }
    }
  } catch (e) {
    failure ??= e;
  }

  deadline.dispose();
  // Waited for briefly: anything they leave running is killed on its own.
  if (mcp) await within(mcp.close(), CLOSE_WAIT_MS);
  if (sandbox) await within(sandbox.dispose(), CLOSE_WAIT_MS);
  rmSync(scratch, { recursive: true, force: true });

  if (failure !== undefined && !loop) {
    trace.event('session.end', { outcome: 'error', error: messageOf(failure), commit });
    trace.close();
    throw recordRunError(failure, {
      ...known,
      commit,
      before,
      kept,
      trace: { lines: trace.count, head: trace.head },
    });
  }
  if (failure !== undefined) warn(`after the agent finished: ${messageOf(failure)}`);
  const l = loop as NonNullable<typeof loop>;
  // The agent's work could not be committed: whatever the agent did, the run did not complete.
  const outcome: RunResult['outcome'] = commitFailure !== undefined ? 'commit_failed' : l.outcome;
  const result: RunResult = redactor.redactDeep({
    outcome,
    ...(l.budget ? { budget: l.budget } : {}),
    detail:
      commitFailure !== undefined
        ? `the agent ended '${l.outcome}' (${l.detail}), but its work could not be committed: ${messageOf(commitFailure)}`
        : l.detail,
    sessionId,
    model: settings.model,
    branch,
    baseCommit,
    commit,
    turns: l.turns,
    toolCalls: l.toolCalls,
    usage: l.usage,
    costUsd: Number(l.costUsd.toFixed(6)),
    tests: { command: settings.testCommand ?? null, before, after: l.testsAfter ?? null },
    ...(setup ? { setup } : {}),
    deniedCalls: [...l.deniedCalls, ...commitRefusals],
    warnings,
    summary: l.summary,
    files,
    kept,
  });
  trace.event('session.end', {
    outcome: result.outcome,
    budget: result.budget ?? null,
    detail: result.detail,
    commit,
    turns: result.turns,
    usage: result.usage,
    costUsd: result.costUsd,
    deniedCalls: result.deniedCalls.length,
  });
  trace.close();
  // The trace's last line hash, kept with the result, shows whether lines were cut off the end.
  result.trace = { lines: trace.count, head: trace.head };
  try {
    writeFileSync(files.result, `${JSON.stringify(result, null, 2)}\n`);
  } catch (e) {
    // Tried once more (and reported) by recordRunError, with what the run kept.
    throw recordRunError(new Error(`the run ended '${result.outcome}', but ${messageOf(e)}`), {
      ...known,
      commit,
      before,
      kept,
      trace: result.trace,
    });
  }
  return result;
}
