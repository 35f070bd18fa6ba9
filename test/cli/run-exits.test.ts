// Nothing is lost on any exit of `agentgate run`: every exit but --help writes result.json to --out (outcome
// 'error' with the message and what was kept when the run stopped early), a trace that was started is
// closed and anchored in result.json, and stderr names what exists. The committed bundle, as a child
// process, against real git repositories and the scripted Messages server; a crash mid-run in-process.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../action/cli/main.js';
import type { LLMProvider, ModelResponse } from '../../action/llm/types.js';
import { execFile } from '../../lib/exec.js';
import { findCommand } from '../../scripts/system-deps.mjs';
import { finalText, type ScriptStep, startScriptedServer, toolUse } from '../support/messages-server.js';
import { makeRepo, sh } from '../support/repo.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(root, 'action/dist/cli.js');
const KEY = 'sk-ant-dummy-000000000000';

function tmp(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}, cwd = tmp('agentgate-cwd-')) {
  const r = await execFile(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: os.tmpdir(), ...env },
    timeoutMs: 120_000,
  });
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

interface Result {
  outcome: string;
  error?: string;
  detail?: string;
  branch: string | null;
  kept: { trace?: string; patch?: string; branch?: string };
  trace?: { lines: number; head: string };
}

function readResult(out: string): Result {
  return JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')) as Result;
}

/** The trace verifies and ends where result.json says (its last line is session.end). */
async function expectTraceAnchored(out: string, r: Result, outcome: string): Promise<void> {
  const trace = path.join(out, 'trace.jsonl');
  expect(r.kept.trace).toBe(trace);
  expect(r.trace?.lines).toBeGreaterThan(1);
  const v = await cli(['trace', 'verify', trace, '--head', r.trace?.head ?? '']);
  expect(v.code, v.stdout).toBe(0);
  const last = JSON.parse(readFileSync(trace, 'utf8').trimEnd().split('\n').at(-1) ?? '{}');
  expect(last).toMatchObject({ type: 'session.end', data: { outcome } });
}

async function withServer<T>(steps: ScriptStep[], f: (url: string) => Promise<T>): Promise<T> {
  const server = await startScriptedServer(steps);
  try {
    return await f(server.url);
  } finally {
    await server.close();
  }
}

describe('exit 2 before the session starts: result.json alone', () => {
  it.each([
    ['an unknown flag', ['--bogus'], /Unknown option '--bogus'/],
    ['no --repo', [], /--repo is required/],
    ['a bad number', ['--max-turns', 'lots'], /--max-turns: expected a whole number/],
    ['a task file that is not there', ['--task-file', '/nonexistent/task.md'], /--task-file: cannot read/],
    ['an unknown model', ['--model', 'gpt-9'], /--model: .*gpt-9/],
    ['a policy that does not load', ['--policy', 'POLICY'], /policy\.yml:2/],
    ['a repository that is not one', ['--repo', '/nonexistent/place'], /is not a git repository/],
    ['no API key', ['--no-key'], /ANTHROPIC_API_KEY is not set/],
  ])('%s', async (_what, extra, message) => {
    const repo = await makeRepo(undefined, { 'a.txt': 'a\n' });
    const policy = path.join(tmp('agentgate-pol-'), 'policy.yml');
    writeFileSync(policy, 'version: 1\nsandbox: sometimes\n');
    const out = path.join(tmp('agentgate-out-'), 'out');
    // An earlier run's evidence: this run did not write it, so it must not stand beside this result.
    mkdirSync(out);
    writeFileSync(path.join(out, 'trace.jsonl'), '{"old": true}\n');
    writeFileSync(path.join(out, 'patch.diff'), 'old\n');
    const noKey = extra.includes('--no-key');
    const args = [
      'run',
      ...(extra.includes('--repo') || extra.length === 0 ? [] : ['--repo', repo]),
      ...(extra.some((a) => a.startsWith('--task')) ? [] : ['--task', 'x']),
      '--out',
      out,
      ...extra.filter((a) => a !== '--no-key').map((a) => (a === 'POLICY' ? policy : a)),
    ];
    const r = await cli(args, noKey ? {} : { ANTHROPIC_API_KEY: KEY });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd()).toMatch(new RegExp(`; kept ${out}/result\\.json$`));
    expect(r.stderr.match(/agentgate: error:/g)).toHaveLength(1);
    const result = readResult(out);
    expect(result).toMatchObject({ outcome: 'error', kept: {} });
    expect(result.error).toMatch(message);
    expect(result.trace).toBeUndefined();
    expect(existsSync(path.join(out, 'trace.jsonl'))).toBe(false);
    expect(existsSync(path.join(out, 'patch.diff'))).toBe(false);
  });

  it('without --out, into ./agentgate-out, named relative to the current directory', async () => {
    const cwd = tmp('agentgate-cwd-');
    const r = await cli(['run', '--task', 'x'], {}, cwd);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'agentgate: error: --repo is required (the git repository to work on); kept agentgate-out/result.json',
    );
    expect(readResult(path.join(cwd, 'agentgate-out'))).toMatchObject({
      outcome: 'error',
      error: '--repo is required (the git repository to work on)',
    });
  });

  it('--help writes nothing', async () => {
    const cwd = tmp('agentgate-cwd-');
    const r = await cli(['run', '--help'], {}, cwd);
    expect(r.code).toBe(0);
    expect(existsSync(path.join(cwd, 'agentgate-out'))).toBe(false);
  });

  it('a secret in the message is redacted in result.json', async () => {
    const out = path.join(tmp('agentgate-out-'), 'out');
    const secret = 'hunter2-very-secret-value';
    const r = await cli(['run', '--repo', '.', '--task', 'x', '--out', out, '--max-turns', secret], {
      ANTHROPIC_API_KEY: KEY,
      DB_PASSWORD: secret,
    });
    expect(r.code).toBe(2);
    const text = readFileSync(path.join(out, 'result.json'), 'utf8');
    expect(text).not.toContain(secret);
    expect(JSON.parse(text).error).toMatch(/--max-turns: expected a whole number/);
  });
});

describe('exit 2 when the output directory cannot be made', () => {
  it('says result.json could not be written, and why', async () => {
    const repo = await makeRepo(undefined, { 'a.txt': 'a\n' });
    const file = path.join(tmp('agentgate-out-'), 'a-file');
    writeFileSync(file, 'x');
    const r = await cli(['run', '--repo', repo, '--task', 'x', '--out', file], { ANTHROPIC_API_KEY: KEY });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      `agentgate: error: cannot create the output directory '${file}': it is a file, not a directory; result.json could not be written`,
    );
    const below = await cli(['run', '--task', 'x', '--out', path.join(file, 'out')]);
    expect(below.code).toBe(2);
    expect(below.stderr.trim()).toBe(
      `agentgate: error: --repo is required (the git repository to work on); result.json could not be written: cannot create the output directory '${path.join(file, 'out')}': a directory on its path is a file`,
    );
  });
});

describe('exit 2 after the trace started: trace and result.json, the trace anchored', () => {
  it('the sandbox cannot run', async () => {
    const repo = await makeRepo(undefined, { 'a.txt': 'a\n' });
    const bin = tmp('agentgate-bin-');
    for (const t of ['git', 'node']) {
      const real = findCommand(t, process.env.PATH);
      if (real) symlinkSync(real, path.join(bin, t));
    }
    const out = path.join(tmp('agentgate-out-'), 'out');
    const r = await cli(['run', '--repo', repo, '--task', 'x', '--out', out], {
      PATH: bin,
      ANTHROPIC_API_KEY: KEY,
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('agentgate: error: The bubblewrap sandbox cannot run on this host');
    expect(r.stderr).toContain('sudo apt-get install -y bubblewrap socat ripgrep');
    expect(r.stderr.trimEnd()).toMatch(
      new RegExp(`in the policy; kept ${out}/trace\\.jsonl and ${out}/result\\.json$`),
    );
    const result = readResult(out);
    expect(result).toMatchObject({ outcome: 'error', kept: { trace: path.join(out, 'trace.jsonl') } });
    expect(result.kept.patch).toBeUndefined();
    expect(result.kept.branch).toBeUndefined();
    expect(result.error).toMatch(/not found on PATH/);
    await expectTraceAnchored(out, result, 'error');
  });

  it('a provider error', async () => {
    const repo = await makeRepo(undefined, { 'a.txt': 'a\n' });
    const out = path.join(tmp('agentgate-out-'), 'out');
    const r = await withServer(
      [
        {
          kind: 'error',
          status: 401,
          body: { type: 'error', error: { type: 'authentication_error', message: 'bad key' } },
        },
      ],
      (url) =>
        cli(['run', '--repo', repo, '--task', 'x', '--out', out], {
          ANTHROPIC_BASE_URL: url,
          ANTHROPIC_API_KEY: KEY,
        }),
    );
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('outcome:  provider_error');
    const result = readResult(out);
    expect(result.outcome).toBe('provider_error');
    expect(result.kept).toEqual({
      trace: path.join(out, 'trace.jsonl'),
      patch: path.join(out, 'patch.diff'),
    });
    expect(r.stderr.trimEnd()).toMatch(
      new RegExp(
        `agentgate: error: .*check ANTHROPIC_API_KEY.*; kept ${out}/patch\\.diff, ${out}/trace\\.jsonl and ${out}/result\\.json$`,
      ),
    );
    await expectTraceAnchored(out, result, 'provider_error');
  });

  it('a crash mid-run keeps the work done so far: branch, patch, trace', async () => {
    const repo = await makeRepo(undefined, { 'a.txt': 'a\n' });
    const out = path.join(tmp('agentgate-out-'), 'out');
    const usage = { inputTokens: 10, outputTokens: 5, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 };
    let calls = 0;
    // A provider with a bug: its second reply has no usage, which the loop cannot read.
    const provider: LLMProvider = {
      name: 'buggy',
      async createMessage(): Promise<ModelResponse> {
        calls++;
        if (calls === 1) {
          return {
            id: 'm1',
            model: 'claude-sonnet-4-6',
            content: [
              { type: 'tool_use', id: 't1', name: 'write_file', input: { path: 'b.txt', content: 'b\n' } },
            ],
            stopReason: 'tool_use',
            usage,
          };
        }
        return {
          id: 'm2',
          model: 'claude-sonnet-4-6',
          content: [],
          stopReason: 'end_turn',
        } as unknown as ModelResponse;
      },
    };
    const err: string[] = [];
    const code = await main(['run', '--repo', repo, '--task', 'add b', '--out', out], {
      env: process.env,
      out: () => {},
      err: (s) => err.push(s),
      provider,
    });
    expect(code).toBe(2);
    const result = readResult(out);
    expect(result.outcome).toBe('error');
    expect(result.error).toMatch(/inputTokens/);
    const branch = result.branch ?? '';
    expect(result.kept).toEqual({
      trace: path.join(out, 'trace.jsonl'),
      patch: path.join(out, 'patch.diff'),
      branch,
    });
    expect(readFileSync(path.join(out, 'patch.diff'), 'utf8')).toContain('+b');
    expect(await sh(repo, 'git', ['show', `${branch}:b.txt`])).toBe('b\n');
    expect(err.at(-1)).toMatch(
      new RegExp(
        `^agentgate: error: .*inputTokens.*; kept the branch ${branch}, ${out}/patch\\.diff, ${out}/trace\\.jsonl and ${out}/result\\.json$`,
      ),
    );
    await expectTraceAnchored(out, result, 'error');
  });
});

describe('exit 1 and 0: the finished runs keep their work and say so in result.json', () => {
  it('exit 1: a budget ran out', async () => {
    const repo = await makeRepo(undefined, { 'a.txt': 'a\n' });
    const out = path.join(tmp('agentgate-out-'), 'out');
    const r = await withServer([toolUse('write_file', { path: 'b.txt', content: 'b\n' })], (url) =>
      cli(['run', '--repo', repo, '--task', 'x', '--max-turns', '1', '--out', out], {
        ANTHROPIC_BASE_URL: url,
        ANTHROPIC_API_KEY: KEY,
      }),
    );
    expect(r.code).toBe(1);
    const result = readResult(out);
    expect(result).toMatchObject({ outcome: 'budget_exhausted', kept: { branch: result.branch } });
    expect(result.kept.patch).toBe(path.join(out, 'patch.diff'));
    await expectTraceAnchored(out, result, 'budget_exhausted');
  });

  it('exit 1: the tests still fail after the finish checks', async () => {
    const repo = await makeRepo(undefined, { 'a.txt': 'a\n' });
    const out = path.join(tmp('agentgate-out-'), 'out');
    const r = await withServer([finalText(), finalText(), finalText(), finalText()], (url) =>
      cli(['run', '--repo', repo, '--task', 'x', '--test-command', 'exit 3', '--out', out], {
        ANTHROPIC_BASE_URL: url,
        ANTHROPIC_API_KEY: KEY,
      }),
    );
    expect(r.code, r.stderr).toBe(1);
    const result = readResult(out);
    expect(result.outcome).toBe('tests_failed');
    // Nothing changed: no commit, so no branch; an empty patch.
    expect(result.kept).toEqual({
      trace: path.join(out, 'trace.jsonl'),
      patch: path.join(out, 'patch.diff'),
    });
    await expectTraceAnchored(out, result, 'tests_failed');
  });

  it('exit 0: completed', async () => {
    const repo = await makeRepo(undefined, { 'a.txt': 'a\n' });
    const out = path.join(tmp('agentgate-out-'), 'out');
    const r = await withServer(
      [toolUse('write_file', { path: 'b.txt', content: 'b\n' }), finalText('Added b.')],
      (url) =>
        cli(['run', '--repo', repo, '--task', 'x', '--out', out, '--json'], {
          ANTHROPIC_BASE_URL: url,
          ANTHROPIC_API_KEY: KEY,
        }),
    );
    expect(r.code, r.stderr).toBe(0);
    const result = readResult(out);
    expect(JSON.parse(r.stdout)).toEqual(result);
    expect(result.outcome).toBe('completed');
    expect(result.kept).toEqual({
      trace: path.join(out, 'trace.jsonl'),
      patch: path.join(out, 'patch.diff'),
      branch: result.branch,
    });
    await expectTraceAnchored(out, result, 'completed');
  });
});
