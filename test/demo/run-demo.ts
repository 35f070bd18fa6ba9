// `npm run demo`: the main job on the embedded default. A scripted Messages API server on 127.0.0.1 plays
// the model; the real CLI (action/dist/cli.js, the shipped bundle) runs the real loop, policy and sandbox
// on a copy of the example repository. No API key, no network.
//   tsx test/demo/run-demo.ts [OUT_DIR]     (default demo-out/)
// First the system packages it needs (scripts/system-deps.mjs): installed as root or with passwordless
// sudo, otherwise one message with the command. Without git there is no example repository to work on;
// without the sandbox the CLI still runs, refuses, and records that in OUT_DIR/result.json.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from '../../lib/exec.js';
import { ensureSystemDeps } from '../../scripts/system-deps.mjs';
import { startScriptedServer } from '../support/messages-server.js';
import { DEMO_REPO, makeRepo } from '../support/repo.js';
import { DEMO_SESSION, DEMO_TASK } from './session.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = path.join(root, 'action/dist/cli.js');
const out = path.resolve(process.argv[2] ?? path.join(root, 'demo-out'));

const line = (s = '') => process.stdout.write(`${s}\n`);
const heading = (s: string) => line(`\n== ${s} ${'='.repeat(Math.max(0, 70 - s.length))}`);

interface ResultFile {
  outcome: string;
  error?: string;
  branch: string | null;
  baseCommit: string | null;
  kept?: { trace?: string; patch?: string; branch?: string };
}

function readResult(): ResultFile | undefined {
  const file = path.join(out, 'result.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ResultFile) : undefined;
}

async function main(): Promise<number> {
  const deps = ensureSystemDeps('demo');
  if (!deps.ok && deps.missing.includes('git')) {
    process.stderr.write(`${deps.message}\n`);
    return 2;
  }

  const server = await startScriptedServer(DEMO_SESSION);
  try {
    const repo = await makeRepo(DEMO_REPO);
    heading('agentgate run');
    line(`repository: ${repo} (a copy of test/fixtures/demo/repo)`);
    line(`model:      scripted Messages API server at ${server.url}`);
    const run = await execFile(
      process.execPath,
      [
        cli,
        'run',
        '--repo',
        repo,
        '--task',
        DEMO_TASK,
        '--test-command',
        'npm test',
        '--out',
        out,
        '--max-turns',
        '20',
      ],
      {
        env: { ...process.env, ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: 'demo-key-not-secret' },
        timeoutMs: 120_000,
      },
    );
    process.stdout.write(run.stderr);
    heading('result');
    process.stdout.write(run.stdout);
    const runCode = run.exitCode ?? 1;
    line(`exit code: ${runCode}`);
    const result = readResult();

    // The run stopped before the agent finished: show what it said and kept, and stop with its exit code.
    if (runCode === 2 || !result || result.outcome === 'error' || !result.branch || !result.baseCommit) {
      heading('files');
      line(result ? `${out}/result.json: outcome ${result.outcome}` : `no result.json in ${out}`);
      for (const f of [result?.kept?.trace, result?.kept?.patch]) if (f) line(f);
      // One message on stderr: what is missing and the command when that is why, else the CLI's error.
      const at = run.stderr.indexOf('agentgate: error:');
      const error = at >= 0 ? run.stderr.slice(at).trim() : `agentgate run exited ${runCode}`;
      process.stderr.write(`\n${deps.ok ? error : deps.message}\n`);
      return runCode === 0 ? 1 : runCode;
    }

    heading('trace (one line per event)');
    const events = readFileSync(path.join(out, 'trace.jsonl'), 'utf8').trim().split('\n');
    for (const e of events) {
      const ev = JSON.parse(e) as { seq: number; type: string; data: Record<string, unknown> };
      const d = ev.data;
      const note =
        ev.type === 'policy.decision'
          ? `${d.tool} -> ${d.allowed ? 'allow' : 'DENY'} (${d.ruleId})`
          : ev.type === 'test.run'
            ? `${d.phase}: ${d.command} -> exit ${d.exitCode}`
            : ev.type === 'tool.call'
              ? `${d.name} ${JSON.stringify(d.input).slice(0, 60)}`
              : ev.type === 'model.response'
                ? `turn ${d.turn}, stop ${d.stopReason}`
                : ev.type === 'session.end'
                  ? `outcome ${d.outcome}`
                  : '';
      line(`${String(ev.seq).padStart(3)} ${ev.type.padEnd(16)} ${note}`);
    }
    const verify = await execFile(process.execPath, [cli, 'trace', 'verify', path.join(out, 'trace.jsonl')]);
    line(verify.stdout.trim());

    heading('patch.diff');
    process.stdout.write(readFileSync(path.join(out, 'patch.diff'), 'utf8'));
    // The gates judge the agent's branch against the commit it started from, as they would before a PR.
    heading('agentgate gates');
    const gatesOut = path.join(out, 'gates');
    const gates = await execFile(
      process.execPath,
      [
        cli,
        'gates',
        '--repo',
        repo,
        '--base',
        result.baseCommit,
        '--head',
        result.branch,
        '--out',
        gatesOut,
        '--format',
        'markdown',
      ],
      { env: process.env, timeoutMs: 120_000 },
    );
    process.stdout.write(gates.stderr);
    process.stdout.write(`${gates.stdout.trim()}\n`);
    line(`exit code: ${gates.exitCode}`);

    heading('files');
    line(`${out}/trace.jsonl  ${out}/patch.diff  ${out}/result.json`);
    line(`${gatesOut}/gates.json  ${gatesOut}/gates.sarif  ${gatesOut}/gates.md  ${gatesOut}/sbom.cdx.json`);
    if (runCode !== 0) return runCode;
    return gates.exitCode ?? 1;
  } finally {
    await server.close();
  }
}

process.exitCode = await main();
