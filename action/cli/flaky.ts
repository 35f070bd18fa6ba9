// `agentgate flaky`: find flaky tests in a repository and confirm them before anything is spent on a
// model. The suite runs K times in the sandbox, in a private clone of the repository; each test that
// both passed and failed is rerun alone M times, and its failure rate and failure signatures are
// measured. A test that does not fail again is recorded and skipped.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_BUDGETS } from '../budgets.js';
import { UsageError } from '../errors.js';
import { type FrameworkKind, shellQuote } from '../flaky/frameworks.js';
import { FlakyInputError, FRAMEWORKS, hunt, recordFix, table } from '../flaky/hunt.js';
import { flakySlug } from '../flaky/nightly.js';
import { toplevel } from '../git.js';
import { createGitHubClient } from '../github/client.js';
import { createAnthropicProvider } from '../llm/anthropic.js';
import { DEFAULT_MODEL, resolvePrices } from '../llm/pricing.js';
import type { LLMProvider } from '../llm/types.js';
import { runSession } from '../run.js';
import { cliSetupCache } from '../warm-state.js';
import { intFlag, parseFlags } from './args.js';
import { loadPolicyOption } from './policy-option.js';

export type { FlakyReport } from '../flaky/hunt.js';

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
--fix-reruns times in a row, then the whole suite once. A fix that only skips the test is refused,
unless the policy says 'flaky: { quarantine: allow }'.

Exit codes: 0 done (whether or not a flaky test was found); 2 bad input or no framework found.`;

export interface FlakyCommandDeps {
  out: (s: string) => void;
  err: (s: string) => void;
  env?: NodeJS.ProcessEnv;
  /** The model for --fix (tests pass a scripted one); default Anthropic's, from ANTHROPIC_API_KEY. */
  provider?: LLMProvider;
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
  const outDir = path.resolve(values.out ?? 'agentgate-out');
  const flagOf = { base: '--base', framework: '--framework', setup: '--setup' } as const;
  const setupCache = await cliSetupCache(repo, env);
  const report = await hunt({
    repo,
    base: values.base ?? 'HEAD',
    policy: loaded,
    ...(kind ? { framework: kind as FrameworkKind } : {}),
    ...(values['test-command'] ? { testCommand: values['test-command'] } : {}),
    ...(values.runner ? { runner: values.runner.split(/\s+/).filter(Boolean) } : {}),
    ...(values.setup ? { setup: values.setup } : {}),
    setupCache,
    runs,
    confirmRuns,
    maxCandidates,
    fixReruns,
    quarantine: loaded.policy.flaky.quarantine === 'allow',
    ...(history ? { history: historySource(history, days, env, deps) } : {}),
    outDir,
    env,
    log: (l) => deps.err(l),
  }).catch((e: unknown) => {
    if (e instanceof FlakyInputError) throw new UsageError(`${flagOf[e.field]}: ${e.message}`);
    throw e;
  });
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
          // The session's clone is a fresh one: it needs the same setup as the hunt's.
          ...(values.setup ? { setupCommand: values.setup } : {}),
          setupCache,
          outDir: path.join(outDir, `flaky-fix-${i + 1}`),
          budgets: DEFAULT_BUDGETS,
          base: report.base,
          branchSlug: flakySlug(c.id),
        },
        { provider, env, log: (l) => deps.err(`agentgate: ${l}`) },
      );
      recordFix(c, result, fixReruns, path.join(outDir, `flaky-fix-${i + 1}.evidence.md`));
    }
  }
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, 'flaky.json');
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  deps.out(table(report));
  for (const c of report.candidates) {
    if (c.fix?.session) {
      const f = c.fix.session;
      deps.out(`fixed? ${c.id}: ${f.outcome}${f.branch ? ` on ${f.branch}` : ''}; evidence ${f.evidence}`);
    } else if (c.fix) {
      deps.out(
        `fix ${c.id}: agentgate run --repo ${repo} --task-file ${c.fix.taskFile} --test-command ${shellQuote(c.fix.proofCommand)}`,
      );
    }
  }
  deps.out(`report: ${file}`);
  return 0;
}

/** Where the history comes from: the repository's Actions runs, with the token in GITHUB_TOKEN. */
function historySource(ownerRepo: string, days: number, env: NodeJS.ProcessEnv, deps: FlakyCommandDeps) {
  const [owner = '', repo = ''] = ownerRepo.split('/');
  const client = createGitHubClient({
    token: env.GITHUB_TOKEN ?? '',
    apiUrl: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, ''),
    warn: (w) => deps.err(`agentgate flaky: ${w}`),
  });
  return { client, owner, repo, days };
}
