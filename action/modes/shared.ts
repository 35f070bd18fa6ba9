// What both modes share: the settings they run with, the policy they load, the evidence files they
// upload, and the isolation statement they report.
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as core from '@actions/core';
import { type GatesRun, writeReports } from '../../gates/index.js';
import { scrubText } from '../../lib/redact.js';
import {
  type LoadedPolicy,
  loadDefaultPolicy,
  loadPolicyFile,
  parsePolicyText,
} from '../../policies/index.js';
import { Inputs, REPO_POLICY_FILE } from '../constants.js';
import { type EngineSetup, setUpEngines, withEngines } from '../engines.js';
import { messageOf, UsageError } from '../errors.js';
import { showFile } from '../git.js';
import { actionsCacheBackend } from '../github/actions-cache.js';
import type { ArtifactStore, UploadedArtifact } from '../github/artifacts.js';
import { existingFiles } from '../github/artifacts.js';
import { type ClientOptions, createGitHubClient, type GitHubClient } from '../github/client.js';
import type { ActionContext } from '../github/context.js';
import type { AnthropicProviderOptions } from '../llm/anthropic.js';
import type { LLMProvider } from '../llm/types.js';
import type { IsolationStatement } from '../publish/risk-card.js';
import type { ActionInputs } from '../settings.js';
import { defaultCacheRoot, localCacheBackend, type SetupCacheBackend } from '../setup-cache.js';
import { rewriteTrace } from '../trace/trace.js';
import { DEFAULT_WARM_DIR, warmStateFor, withWarmCache } from '../warm-state.js';

/** The effects the action has on the world, injected so tests can point them at local fakes. */
export interface ActionDeps {
  env: NodeJS.ProcessEnv;
  artifacts: ArtifactStore;
  /** The model; default the Anthropic provider with the action's key. */
  provider?: LLMProvider;
  /** Retry timing and write pacing of the GitHub client (tests make them fast). */
  githubTuning?: ClientOptions['tuning'];
  /** Where the runner image states its isolation. */
  isolationFile: string;
  /** The model client's clock and sleep (tests simulate minutes of overload with them). */
  modelTiming?: Pick<AnthropicProviderOptions, 'now' | 'sleep'>;
  /** Delays between artifact upload attempts (default ARTIFACT_RETRY_DELAYS_MS). */
  artifactRetryDelaysMs?: readonly number[];
}

export interface ModeContext {
  ctx: ActionContext;
  inputs: ActionInputs;
  deps: ActionDeps;
  token: string | undefined;
  /** Where the run's evidence is written: RUNNER_TEMP/agentgate. */
  outDir: string;
}

/** The engines' settings for runGates: the environment (installed engines first on PATH) and the notes. */
export interface GateEngines {
  env: NodeJS.ProcessEnv;
  engines: EngineSetup['engines'];
}

/**
 * Sets up the gates' engines per the `engines` input (installing the pinned releases where that applies).
 * Its log lines are held and printed in their own group when the caller awaits `report()`, so a setup
 * running beside the agent session does not interleave with its log. Never rejects.
 */
export function startEngines(m: ModeContext): { report: () => Promise<GateEngines> } {
  const lines: string[] = [];
  const setup = setUpEngines(m.inputs[Inputs.Engines], { env: m.deps.env, log: (l) => lines.push(l) });
  return {
    report: async () => {
      const done = await setup;
      if (lines.length > 0) {
        core.startGroup('agentgate: engines');
        for (const l of lines) core.info(l);
        core.endGroup();
      }
      for (const [gate, u] of Object.entries(done.engines.unavailable ?? {})) {
        core.warning(
          `the ${gate} gate runs its embedded engine: ${u.engine} could not be installed (${u.reason})`,
        );
      }
      return { env: withEngines(m.deps.env, done), engines: done.engines };
    },
  };
}

/** The GitHub client both modes use, on the job's API URL, with its warnings in the job log. */
export function githubClient(m: ModeContext, token: string): GitHubClient {
  return createGitHubClient({
    token,
    apiUrl: m.ctx.run.apiUrl,
    warn: (w) => core.warning(w),
    ...(m.deps.githubTuning ? { tuning: m.deps.githubTuning } : {}),
  });
}

/**
 * The policy: the `policy` input, else the repository's .github/agentgate.yml, else the built-in pack.
 * With `atCommit` the file is read from that commit, not the checkout: a pull request is judged by the
 * policy of its base, so it cannot loosen the rules it is judged by.
 */
export async function resolvePolicy(
  workspace: string,
  input: string | undefined,
  atCommit?: string,
): Promise<LoadedPolicy> {
  const rel = input ?? REPO_POLICY_FILE;
  if (atCommit !== undefined) {
    const text = await showFile(workspace, atCommit, path.posix.normalize(rel.replace(/^\.\//, '')));
    if (text !== undefined) return await parsePolicyText(text, `${rel}@${atCommit.slice(0, 12)}`);
    if (input) {
      throw new UsageError(
        `input '${Inputs.Policy}': '${input}' is not in the base commit ${atCommit.slice(0, 12)}; the gates read the policy from the base, so commit it there first.`,
      );
    }
    return loadDefaultPolicy();
  }
  if (input) return loadPolicyFile(path.resolve(workspace, input));
  const repoPolicy = path.join(workspace, REPO_POLICY_FILE);
  if (existsSync(repoPolicy)) return loadPolicyFile(repoPolicy);
  return loadDefaultPolicy();
}

/** The runner's isolation statement, or undefined on a runner without one (hosted, or unknown). */
export function readIsolation(file: string): IsolationStatement | undefined {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (typeof data.tier !== 'string') {
      core.warning(`${file}: no 'tier' field; treating the runner's isolation as unknown`);
      return undefined;
    }
    return {
      tier: data.tier,
      ...(typeof data.backend === 'string' ? { backend: data.backend } : {}),
      ...(typeof data.ephemeral === 'boolean' ? { ephemeral: data.ephemeral } : {}),
      ...(typeof data.imageDigest === 'string' ? { imageDigest: data.imageDigest } : {}),
    };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      core.warning(`${file}: cannot read the isolation statement (${(e as Error).message})`);
    }
    return undefined;
  }
}

export const GATES_DIR = 'gates';

/** Writes the gate reports under `outDir/gates`. */
export async function writeGateReports(outDir: string, run: GatesRun): Promise<string[]> {
  return writeReports(path.join(outDir, GATES_DIR), run);
}

/**
 * Scrubs every secret value the gates found out of the session's evidence: the patch and result by
 * replacement, the trace by rewriting its chain (the anchor in result.json follows).
 */
export async function scrubEvidence(outDir: string, secrets: readonly string[]): Promise<boolean> {
  if (secrets.length === 0) return false;
  const scrub = (t: string) => scrubText(t, secrets);
  let changed = false;
  const patchFile = path.join(outDir, 'patch.diff');
  if (existsSync(patchFile)) {
    const text = await readFile(patchFile, 'utf8');
    if (scrub(text) !== text) {
      await writeFile(patchFile, scrub(text));
      changed = true;
    }
  }
  const traceFile = path.join(outDir, 'trace.jsonl');
  const resultFile = path.join(outDir, 'result.json');
  let anchor: { lines: number; head: string } | undefined;
  if (existsSync(traceFile)) {
    const text = await readFile(traceFile, 'utf8');
    if (scrub(text) !== text) {
      const r = await rewriteTrace(traceFile, scrub, 'secret values found by the gates were redacted');
      anchor = { lines: r.lines, head: r.head };
      changed = true;
    }
  }
  if (existsSync(resultFile)) {
    const result = JSON.parse(scrub(await readFile(resultFile, 'utf8'))) as Record<string, unknown>;
    if (anchor) result.trace = anchor;
    await writeFile(resultFile, `${JSON.stringify(result, null, 2)}\n`);
  }
  return changed;
}

/** What became of the evidence upload: the artifact, or why there is none. */
export interface EvidenceUpload {
  uploaded?: UploadedArtifact;
  /** Set when the upload failed on every attempt. */
  error?: string;
}

/** Delays before the upload's second and third attempts. */
export const ARTIFACT_RETRY_DELAYS_MS = [2000, 8000] as const;

/**
 * Uploads the evidence as one artifact, retried; a later attempt uses a new name (`-try2`), as an
 * attempt that failed half-way may have created the first. Never rejects: a failure is returned.
 */
export async function uploadEvidence(
  deps: ActionDeps,
  name: string,
  outDir: string,
  files: readonly string[],
  retentionDays: number,
): Promise<EvidenceUpload> {
  const present = existingFiles(outDir, files);
  if (present.length === 0) return { error: `no evidence files in ${outDir}` };
  const delays = deps.artifactRetryDelaysMs ?? ARTIFACT_RETRY_DELAYS_MS;
  let error = '';
  for (let attempt = 1; attempt <= delays.length + 1; attempt++) {
    const named = attempt === 1 ? name : `${name}-try${attempt}`;
    try {
      const uploaded = await deps.artifacts.upload(named, present, outDir, retentionDays);
      core.info(`artifact ${named}: ${present.length} file(s), ${uploaded.size} bytes, id ${uploaded.id}`);
      return { uploaded };
    } catch (e) {
      error = messageOf(e);
      const delay = delays[attempt - 1];
      core.warning(
        `could not upload the artifact ${named} (attempt ${attempt} of ${delays.length + 1}): ${error}${delay !== undefined ? `; trying again in ${Math.round(delay / 1000)} s` : ''}`,
      );
      if (delay !== undefined) await new Promise((r) => setTimeout(r, delay));
    }
  }
  return { error };
}

/** The first lines of every summary a dry run writes. */
export const DRY_RUN_BANNER =
  '> [!NOTE]\n> **DRY RUN**: nothing was published (no push, PR, comment, label, check or artifact).\n\n';

/**
 * Appends to the job summary (GITHUB_STEP_SUMMARY, read at each write). A runner without it, or a write
 * that fails, costs the summary only, never the run: a warning says so.
 */
export async function writeJobSummary(
  markdown: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) {
    core.warning('no job summary: GITHUB_STEP_SUMMARY is not set on this runner');
    return false;
  }
  try {
    await appendFile(file, `${markdown.trimEnd()}\n\n`);
    return true;
  } catch (e) {
    core.warning(`no job summary: cannot write ${file} (${messageOf(e)})`);
    return false;
  }
}

/** The evidence files, relative to the output directory. */
export const EVIDENCE_FILES = [
  'trace.jsonl',
  'patch.diff',
  'result.json',
  `${GATES_DIR}/gates.json`,
  `${GATES_DIR}/gates.sarif`,
  `${GATES_DIR}/gates.md`,
  `${GATES_DIR}/sbom.cdx.json`,
] as const;

/**
 * Where the action keeps the setup's cache on this runner: AGENTGATE_CACHE_DIR, else RUNNER_TOOL_CACHE's
 * agentgate/setup (it outlives the job on a self-hosted runner or a warm image), else the user's cache.
 */
export function setupCacheRoot(env: NodeJS.ProcessEnv): string {
  if (env.AGENTGATE_CACHE_DIR) return path.resolve(env.AGENTGATE_CACHE_DIR);
  if (env.RUNNER_TOOL_CACHE) return path.join(env.RUNNER_TOOL_CACHE, 'agentgate', 'setup');
  return defaultCacheRoot(env);
}

/**
 * The setup's cache for this job: the Actions cache service on GitHub (per repository), else local disk
 * under setupCacheRoot, keyed by the repository's URL.
 */
export function setupCacheFor(m: ModeContext, policy: LoadedPolicy): SetupCacheBackend {
  const { serverUrl, repo } = m.ctx.run;
  const name = `${serverUrl}/${repo.owner}/${repo.repo}`;
  const store =
    actionsCacheBackend(m.deps.env, policy.policy.setup.cache.paths) ??
    localCacheBackend(name, setupCacheRoot(m.deps.env));
  // On a runner with this repository's warm state (agentgate warm), its baked entry comes first.
  return withWarmCache(warmStateFor(m.deps.env.AGENTGATE_WARM_DIR ?? DEFAULT_WARM_DIR, name), store);
}
