// The CLI as users run it: the committed bundle, a child process, exit codes and messages.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TraceWriter } from '../../action/trace/trace.js';
import { execFile } from '../../lib/exec.js';
import { createRedactor } from '../../lib/redact.js';
import { DEMO_SESSION, DEMO_TASK } from '../demo/session.js';
import { type ScriptedServer, startScriptedServer } from '../support/messages-server.js';
import { commitEverything, DEMO_REPO, makeRepo } from '../support/repo.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(root, 'action/dist/cli.js');

// In a directory of its own: `agentgate run` writes result.json to ./agentgate-out when --out is not given.
async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = await execFile(process.execPath, [CLI, ...args], {
    cwd: mkdtempSync(path.join(os.tmpdir(), 'agentgate-cli-cwd-')),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    timeoutMs: 120_000,
  });
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

describe('help and usage errors', () => {
  it.each([
    [['--help']],
    [['run', '--help']],
    [['policy', 'explain', '--help']],
    [['trace', 'verify', '--help']],
    [['policy', '--help']],
  ])('%j prints usage and exits 0', async (args) => {
    const r = await cli(args);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: agentgate/);
  });

  it('names the flag at fault with exit code 2', async () => {
    const repo = await makeRepo(undefined, { 'a.txt': 'x' });
    const key = { ANTHROPIC_API_KEY: 'sk-ant-dummy-000000000000' };
    const cases: [string[], RegExp][] = [
      [['run', '--task', 'x'], /--repo is required/],
      [['run', '--repo', repo], /--task TEXT or --task-file FILE/],
      [['run', '--repo', repo, '--task', 'x', '--max-turns', 'lots'], /--max-turns: expected a whole number/],
      [['run', '--repo', repo, '--task', 'x', '--max-cost=-1'], /--max-cost: expected a number >= 0/],
      [['run', '--repo', repo, '--task', 'x', '--bogus'], /Unknown option '--bogus'/],
      [
        ['run', '--repo', '/nonexistent/place', '--task', 'x'],
        /--repo: '\/nonexistent\/place' is not a git repository/,
      ],
      [['run', '--repo', repo, '--task-file', '/nonexistent/task.md'], /--task-file: cannot read/],
      [['run', '--repo', repo, '--task', 'x', '--model', 'gpt-9'], /--model: .*gpt-9/],
      [['frobnicate'], /unknown command 'frobnicate'/],
    ];
    for (const [args, msg] of cases) {
      const r = await cli(args, key);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(msg);
    }
    const noKey = await cli(['run', '--repo', repo, '--task', 'x']);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('ANTHROPIC_API_KEY is not set');
  });
});

describe('policy explain', () => {
  it('prints the decision and the deciding rule', async () => {
    const deny = await cli(['policy', 'explain', '--tool', 'read_file', '--input', '{"path":".env"}']);
    expect(deny.code).toBe(1);
    expect(deny.stdout).toMatch(/^DENY {2}rule: \S+/);
    const curl = await cli([
      'policy',
      'explain',
      '--tool',
      'run_command',
      '--input',
      '{"command":"curl https://x.test"}',
      '--json',
    ]);
    expect(curl.code).toBe(1);
    const j = JSON.parse(curl.stdout);
    expect(j.allowed).toBe(false);
    expect(j.ruleId).not.toBe('default-deny');
    const ok = await cli(['policy', 'explain', '--tool', 'read_file', '--input', '{"path":"src/a.ts"}']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ALLOW {2}rule: /);
    const bad = await cli(['policy', 'explain', '--tool', 'read_file', '--input', '{"path":']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--input: expected JSON');
  });

  it('reports a malformed policy with file, line and field', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'agentgate-pol-'));
    const file = path.join(dir, 'policy.yml');
    writeFileSync(file, 'version: 1\nsandbox: sometimes\n');
    const r = await cli([
      'policy',
      'explain',
      '--policy',
      file,
      '--tool',
      'read_file',
      '--input',
      '{"path":"a"}',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:2`);
    expect(r.stderr).toContain('sandbox');
  });
});

describe('trace verify', () => {
  it('accepts an intact chain and names a modified line', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'agentgate-trace-'));
    const file = path.join(dir, 'trace.jsonl');
    const t = TraceWriter.open(file, createRedactor());
    for (let i = 0; i < 5; i++) t.event('tool.call', { i, name: 'read_file' });
    t.close();
    expect((await cli(['trace', 'verify', file])).code).toBe(0);
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[2] = (lines[2] ?? '').replace('"i":2', '"i":7');
    writeFileSync(file, lines.join('\n'));
    const r = await cli(['trace', 'verify', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/broken: .*line [34]/);
  });
});

describe('agentgate run end to end (the demo session)', () => {
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await startScriptedServer(DEMO_SESSION);
  });
  afterAll(() => server.close());

  it('exits 0 with tests red then green, and writes trace, patch and result', async () => {
    const repo = await makeRepo(DEMO_REPO);
    const out = mkdtempSync(path.join(os.tmpdir(), 'agentgate-cli-out-'));
    const r = await cli(
      ['run', '--repo', repo, '--task', DEMO_TASK, '--test-command', 'npm test', '--out', out],
      {
        ANTHROPIC_BASE_URL: server.url,
        ANTHROPIC_API_KEY: 'sk-ant-dummy-000000000000',
      },
    );
    expect(r.stderr).toContain('baseline');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('outcome:  completed');
    expect(r.stdout).toMatch(/before red .* after green/);
    const result = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8'));
    expect(result.deniedCalls).toHaveLength(2);
    expect(readFileSync(path.join(out, 'patch.diff'), 'utf8')).toContain('100 - percent');
    const trace = path.join(out, 'trace.jsonl');
    expect((await cli(['trace', 'verify', trace, '--head', result.trace.head])).code).toBe(0);
    // Cutting the last line off leaves an intact chain; the head kept in result.json shows the cut.
    const lines = readFileSync(trace, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(result.trace.lines);
    writeFileSync(trace, `${lines.slice(0, -1).join('\n')}\n`);
    expect((await cli(['trace', 'verify', trace])).code).toBe(0);
    const cut = await cli(['trace', 'verify', trace, '--head', result.trace.head]);
    expect(cut.code).toBe(1);
    expect(cut.stdout).toContain('does not hash to --head');
    expect((await cli(['trace', 'verify', trace, '--head', 'abc'])).code).toBe(2);
  });
});

describe('agentgate run exit codes', () => {
  it('exits 1 when a budget ends the run, and keeps the work', async () => {
    const server = await startScriptedServer([
      {
        kind: 'message',
        content: [{ type: 'tool_use', name: 'write_file', input: { path: 'b.txt', content: 'b\n' } }],
      },
    ]);
    try {
      const repo = await makeRepo(undefined, { 'a.txt': 'a\n' });
      const out = mkdtempSync(path.join(os.tmpdir(), 'agentgate-cli-out-'));
      const r = await cli(
        ['run', '--repo', repo, '--task', 'x', '--max-turns', '1', '--out', out, '--json'],
        {
          ANTHROPIC_BASE_URL: server.url,
          ANTHROPIC_API_KEY: 'sk-ant-dummy-000000000000',
        },
      );
      expect(r.code).toBe(1);
      const result = JSON.parse(r.stdout);
      expect(result).toMatchObject({ outcome: 'budget_exhausted', budget: 'turns', turns: 1 });
      expect(readFileSync(path.join(out, 'patch.diff'), 'utf8')).toContain('+b');
    } finally {
      await server.close();
    }
  });

  it('--model-retry bounds how long a failing model API is retried', async () => {
    const boom = { type: 'error', error: { type: 'api_error', message: 'boom' } };
    const server = await startScriptedServer([
      { kind: 'error', status: 500, body: boom },
      { kind: 'error', status: 500, body: boom },
    ]);
    try {
      const repo = await makeRepo(undefined, { 'a.txt': 'a\n' });
      const out = mkdtempSync(path.join(os.tmpdir(), 'agentgate-cli-out-'));
      const env = { ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: 'sk-ant-dummy-000000000000' };
      const r = await cli(['run', '--repo', repo, '--task', 'x', '--out', out, '--model-retry', '0'], env);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/kept failing for \d+ ms \(1 attempt, retry window 0 ms\)/);
      expect(server.requests).toHaveLength(1);
      const bad = await cli(['run', '--repo', repo, '--task', 'x', '--model-retry', 'soon'], env);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("--model-retry: expected a number >= 0, got 'soon'");
    } finally {
      await server.close();
    }
  });

  it('exits 2 on a provider error', async () => {
    const server = await startScriptedServer([
      {
        kind: 'error',
        status: 401,
        body: { type: 'error', error: { type: 'authentication_error', message: 'bad key' } },
      },
    ]);
    try {
      const repo = await makeRepo(undefined, { 'a.txt': 'a\n' });
      const out = mkdtempSync(path.join(os.tmpdir(), 'agentgate-cli-out-'));
      const r = await cli(['run', '--repo', repo, '--task', 'x', '--out', out], {
        ANTHROPIC_BASE_URL: server.url,
        ANTHROPIC_API_KEY: 'sk-ant-dummy-000000000000',
      });
      expect(r.code).toBe(2);
      expect(r.stdout).toContain('check ANTHROPIC_API_KEY');
    } finally {
      await server.close();
    }
  });
});

describe('without bubblewrap', () => {
  // A PATH with git and node but no bwrap.
  function pathWithoutBwrap(): string {
    const bin = mkdtempSync(path.join(os.tmpdir(), 'agentgate-bin-'));
    for (const tool of ['git', 'node', 'npm', 'sh', 'bash', 'rg']) {
      const found = (process.env.PATH ?? '').split(':').map((d) => path.join(d, tool));
      const real = found.find((p) => {
        try {
          readFileSync(p, { flag: 'r' }).subarray(0, 1);
          return true;
        } catch {
          return false;
        }
      });
      if (real) symlinkSync(real, path.join(bin, tool));
    }
    mkdirSync(path.join(bin, 'empty'), { recursive: true });
    return bin;
  }

  it('refuses to run with a message that says how to fix it', async () => {
    const repo = await makeRepo(undefined, { 'a.txt': 'x' });
    const r = await cli(
      ['run', '--repo', repo, '--task', 'x', '--out', mkdtempSync(path.join(os.tmpdir(), 'o-'))],
      {
        PATH: pathWithoutBwrap(),
        ANTHROPIC_API_KEY: 'sk-ant-dummy-000000000000',
        ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
      },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bubblewrap|bwrap/);
    expect(r.stderr).toContain('apt-get install');
    expect(r.stderr).toContain('sandbox: none');
  });
});

describe('agentgate gates', () => {
  it('leaves nothing in the temp dir once it exits (the embedded SAST rule pack included)', async () => {
    const repo = await makeRepo(undefined, { 'src/a.ts': 'export const a = 1;\n' });
    writeFileSync(path.join(repo, 'src/b.ts'), 'export const b = eval("2");\n');
    await commitEverything(repo, 'add b');
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'agentgate-cli-tmp-'));
    const r = await cli(['gates', '--repo', repo, '--base', 'HEAD~1', '--format', 'markdown'], {
      TMPDIR: tmp,
    });
    expect(r.stdout).toMatch(/sast/);
    expect(r.code, r.stderr).not.toBe(2);
    expect(readdirSync(tmp)).toEqual([]);
  });
});
