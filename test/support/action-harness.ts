// Runs the action's real `run()` the way a runner does: inputs as INPUT_* variables, the event payload in
// GITHUB_EVENT_PATH, outputs and the job summary in files, against a bare git remote on disk, the GitHub
// API fake, the artifact service fake and (for agent runs) the scripted Messages server.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ActionDeps, run } from '../../action/main.js';
import { execFile } from '../../lib/exec.js';
import type { ArtifactFake } from './artifact-fake.js';
import { applyEnv } from './artifact-fake.js';
import type { GitHubFake } from './github-fake.js';
import { commitEverything, sh } from './repo.js';

export const OWNER = 'acme';
export const REPO = 'widgets';
export const TOKEN = 'ghs_16C7e42F292c6912E7710c838347Ae178B4a';
export const MODEL_KEY = 'sk-ant-api03-harness-key-0123456789abcdef';

/** A bare remote with `files` on main, and a workspace cloned from it (origin = the bare remote). */
export async function makeRemote(
  files: Record<string, string>,
): Promise<{ remote: string; workspace: string }> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'agentgate-action-'));
  const seed = path.join(root, 'seed');
  const remote = path.join(root, 'remote.git');
  const workspace = path.join(root, 'workspace');
  for (const [f, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(seed, f)), { recursive: true });
    writeFileSync(path.join(seed, f), content);
  }
  await sh(seed, 'git', ['init', '-q', '-b', 'main']);
  await commitEverything(seed, 'initial');
  await sh(root, 'git', ['clone', '-q', '--bare', seed, remote]);
  await sh(root, 'git', ['clone', '-q', remote, workspace]);
  return { remote, workspace };
}

/** The branches of a bare remote. */
export async function remoteBranches(remote: string): Promise<string[]> {
  const out = await sh(remote, 'git', ['for-each-ref', '--format=%(refname:short)', 'refs/heads']);
  return out.split('\n').filter(Boolean).sort();
}

export interface ActionRun {
  outputs: Record<string, string>;
  summary: string;
  /** The setFailed message, when the step failed. */
  failed: string | undefined;
  /** Everything the action wrote to stdout (workflow commands included). */
  stdout: string;
  runnerTemp: string;
}

export interface RunActionOptions {
  workspace: string;
  eventName: string;
  payload: Record<string, unknown>;
  inputs: Record<string, string>;
  github: GitHubFake;
  artifacts: ArtifactFake;
  /** The scripted Messages server's URL, for agent runs. */
  modelUrl?: string;
  isolationFile?: string;
  /** false: the runner has no GITHUB_STEP_SUMMARY. */
  summary?: boolean;
  /** Effects for the in-process run (e.g. the model client's clock). */
  deps?: Partial<ActionDeps>;
}

/** GITHUB_OUTPUT's `name<<delimiter ... delimiter` records. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!m) continue;
    const [, name, delim] = m as unknown as [string, string, string];
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i] ?? '');
    out[name] = value.join('\n');
  }
  return out;
}

// @actions/core's summary remembers the GITHUB_STEP_SUMMARY path of its first write for the life of the
// process (a runner starts one process per step), so every run here shares one file, emptied before each.
const SUMMARY_FILE = path.join(mkdtempSync(path.join(os.tmpdir(), 'agentgate-summary-')), 'summary.md');

interface Prepared {
  vars: Record<string, string>;
  files: { event: string; output: string; summary: string };
  runnerTemp: string;
}

/** The runner's environment for one step: inputs as INPUT_*, the event file, the output files. */
function prepare(o: RunActionOptions, summaryFile: string): Prepared {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentgate-runner-'));
  const runnerTemp = path.join(dir, 'temp');
  mkdirSync(runnerTemp);
  const files = {
    event: path.join(dir, 'event.json'),
    output: path.join(dir, 'output'),
    summary: summaryFile,
  };
  writeFileSync(files.event, JSON.stringify(o.payload));
  writeFileSync(files.output, '');
  writeFileSync(files.summary, '');
  const inputs = { 'github-token': TOKEN, ...o.inputs };
  const vars: Record<string, string> = {
    ...o.artifacts.env,
    GITHUB_EVENT_NAME: o.eventName,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
    GITHUB_API_URL: o.github.url,
    GITHUB_GRAPHQL_URL: `${o.github.url}/graphql`,
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKSPACE: o.workspace,
    GITHUB_ACTOR: 'octo-dev',
    GITHUB_SHA: '',
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: o.summary === false ? '' : files.summary,
    GITHUB_ACTIONS: 'true',
    RUNNER_TEMP: runnerTemp,
    ANTHROPIC_BASE_URL: o.modelUrl ?? 'http://127.0.0.1:9',
    ANTHROPIC_API_KEY: '',
    AGENTGATE_ISOLATION_FILE: o.isolationFile ?? path.join(dir, 'no-isolation.json'),
  };
  for (const [name, value] of Object.entries(inputs)) vars[`INPUT_${name.toUpperCase()}`] = value;
  return { vars, files, runnerTemp };
}

function finish(p: Prepared, stdout: string, failed: boolean): ActionRun {
  const errors = [...stdout.matchAll(/^::error::(.*)$/gm)].map((m) => m[1] ?? '');
  return {
    outputs: parseOutputs(readFileSync(p.files.output, 'utf8')),
    summary: readFileSync(p.files.summary, 'utf8'),
    failed: failed ? errors.join('\n').replace(/%0A/g, '\n').replace(/%25/g, '%') : undefined,
    stdout,
    runnerTemp: p.runnerTemp,
  };
}

export async function runAction(o: RunActionOptions): Promise<ActionRun> {
  const p = prepare(o, SUMMARY_FILE);
  const restore = applyEnv(p.vars);
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  const exitCode = process.exitCode;
  try {
    await run({
      env: process.env,
      githubTuning: { pace: false, retries: 1, retryAfterBaseMs: 5 },
      artifactRetryDelaysMs: [5, 5],
      ...o.deps,
    });
  } finally {
    process.stdout.write = write;
    restore();
  }
  const failedNow = process.exitCode === 1;
  process.exitCode = exitCode;
  return finish(p, chunks.join(''), failedNow);
}

/**
 * Runs a bundled action entry (`<copy>/action/dist/index.js`) as the runner does: `node` in its own
 * process, with nothing of this process's environment but PATH, HOME and TMPDIR.
 */
export async function runActionProcess(
  entry: string,
  o: RunActionOptions,
): Promise<ActionRun & { exitCode: number | null }> {
  const p = prepare(o, path.join(mkdtempSync(path.join(os.tmpdir(), 'agentgate-summary-')), 'summary.md'));
  const env: NodeJS.ProcessEnv = { ...p.vars };
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG'])
    if (process.env[k] !== undefined) env[k] = process.env[k];
  const r = await execFile(process.execPath, [entry], {
    cwd: o.workspace,
    env,
    timeoutMs: 120_000,
    maxOutputBytes: 16 * 1024 * 1024,
  });
  return { ...finish(p, r.stdout, r.exitCode !== 0), exitCode: r.exitCode };
}
