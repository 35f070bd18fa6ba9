// The action as GitHub runs it: a copy of the repository with no node_modules and no install step. The
// copy is `git archive HEAD` when the working tree is clean (as in CI), else the files the next commit
// would hold (tracked and untracked, minus what .gitignore leaves out), so a change is checked before it
// is committed; in a tree that is not a git checkout (itself unpacked from an archive) it is the tree
// minus node_modules and the outputs .gitignore names. From that copy: the CLI's gates on a repository with a planted finding for every gate,
// the action in gate mode on the same change, and the action in agent mode (dry run) with a scripted
// model. No gate may end in `error`, and no planted finding may be missed.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import type { GatesReport } from '../../gates/index.js';
import { execFile } from '../../lib/exec.js';
import { DEFAULT_POLICY_TEXT } from '../../policies/index.js';
import { fakeSecrets } from '../gates/secrets-fixtures.js';
import { makeRemote, OWNER, REPO, runActionProcess } from '../support/action-harness.js';
import { type ArtifactFake, startArtifactFake } from '../support/artifact-fake.js';
import { type GitHubFake, startGitHubFake } from '../support/github-fake.js';
import { finalText, type ScriptedServer, startScriptedServer, toolUse } from '../support/messages-server.js';
import { type RegistryFake, startRegistryFake } from '../support/registry-fake.js';
import { commitEverything, sh } from '../support/repo.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A copy of what ships, in an empty folder: the repository at HEAD, or what the next commit would hold. */
async function exportCopy(): Promise<{ dir: string; from: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentgate-shipped-'));
  if (!existsSync(path.join(ROOT, '.git'))) {
    const skip = new Set(['node_modules', 'coverage', 'out', 'demo-out', 'agentgate-out', '.agentgate']);
    cpSync(ROOT, dir, {
      recursive: true,
      filter: (src) => !skip.has(path.relative(ROOT, src).split(path.sep)[0] ?? ''),
    });
    return { dir, from: 'this tree, which is not a git checkout' };
  }
  const status = await sh(ROOT, 'git', ['status', '--porcelain', '--untracked-files=normal']);
  if (status.trim() === '') {
    const tar = path.join(dir, '..', `${path.basename(dir)}.tar`);
    await sh(ROOT, 'git', ['archive', '--format=tar', '-o', tar, 'HEAD']);
    await sh(dir, 'tar', ['-xf', tar]);
    rmSync(tar);
    return { dir, from: 'git archive HEAD' };
  }
  const listed = await sh(ROOT, 'git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
  for (const rel of listed.split('\0').filter(Boolean)) {
    if (!existsSync(path.join(ROOT, rel))) continue; // deleted in the working tree
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    cpSync(path.join(ROOT, rel), path.join(dir, rel));
  }
  return { dir, from: 'the working tree (uncommitted changes present)' };
}

const secrets = fakeSecrets();
const PLANTED = {
  secrets: { file: 'src/config.js', line: 2 },
  sast: [
    'js-eval-dynamic@src/run.js:2',
    'py-os-system@tools/clean.py:4',
    'go-tls-insecure-skip-verify@svc/tls.go:6',
  ],
  dependency: 'lefft-pad',
  policy: '.github/workflows/deploy.yml',
};

const lockOf = (deps: Record<string, string>) =>
  `${JSON.stringify(
    {
      name: 'app',
      version: '1.0.0',
      lockfileVersion: 3,
      packages: {
        '': { name: 'app', version: '1.0.0', dependencies: deps },
        ...Object.fromEntries(
          Object.entries(deps).map(([n, v]) => [`node_modules/${n}`, { version: v, license: 'MIT' }]),
        ),
      },
    },
    null,
    2,
  )}\n`;

/** The built-in policy, with the dependency checks sent to the local registry. */
function policyWith(registry: RegistryFake): string {
  const doc = parseDocument(DEFAULT_POLICY_TEXT);
  doc.setIn(['gates', 'dependencies', 'registries'], registry.registries);
  return String(doc);
}

/** The base files, with a policy that sends the dependency checks to the local registry. */
function baseFiles(registry: RegistryFake): Record<string, string> {
  return {
    'package.json': `${JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { 'left-pad': '1.3.0' } })}\n`,
    'package-lock.json': lockOf({ 'left-pad': '1.3.0' }),
    'src/sum.js': 'export function sum(a, b) {\n  return a + b;\n}\n',
    '.github/agentgate.yml': policyWith(registry),
  };
}

/** The change: one planted finding for every gate. */
const CHANGE: Record<string, string> = {
  'src/config.js': `// deployment settings\nexport const awsKeyId = '${secrets.awsKeyId}';\n`,
  'src/run.js': 'export function run(input) {\n  return eval(input);\n}\n',
  'tools/clean.py': 'import os\n\ndef clean(path):\n    os.system("rm -rf " + path)\n',
  'svc/tls.go':
    'package svc\n\nimport "crypto/tls"\n\nfunc Config() *tls.Config {\n\treturn &tls.Config{InsecureSkipVerify: true}\n}\n',
  'package.json': `${JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { 'left-pad': '1.3.0', [PLANTED.dependency]: '1.0.0' } })}\n`,
  'package-lock.json': lockOf({ 'left-pad': '1.3.0', [PLANTED.dependency]: '1.0.0' }),
  [PLANTED.policy]:
    'on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./deploy.sh\n',
};

function write(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
}

/** Every planted finding is in the report, and no gate erred. */
function expectPlanted(report: GatesReport): void {
  const gate = (name: string) => report.gates.find((g) => g.name === name);
  expect(report.gates.filter((g) => g.status === 'error').map((g) => `${g.name}: ${g.error}`)).toEqual([]);
  expect(gate('secrets')?.findings.map((f) => `${f.file}:${f.line}`)).toContain(
    `${PLANTED.secrets.file}:${PLANTED.secrets.line}`,
  );
  const sast = gate('sast')?.findings.map((f) => `${f.ruleId}@${f.file}:${f.line}`) ?? [];
  for (const want of PLANTED.sast) expect(sast).toContain(want);
  expect(gate('sast')?.engine).toMatch(/^ast-grep \d/);
  expect(report.dependencies.added.map((d) => d.name)).toEqual([PLANTED.dependency]);
  expect(gate('dependencies')?.findings.some((f) => f.message.includes(PLANTED.dependency))).toBe(true);
  expect(gate('policy')?.findings.some((f) => f.file === PLANTED.policy)).toBe(true);
  for (const name of ['secrets', 'sast', 'dependencies', 'policy'])
    expect(gate(name)?.status, name).toBe('fail');
  expect(gate('sbom')?.status).toBe('pass');
  expect(report.verdict).toBe('fail');
}

let copy: { dir: string; from: string };
let registry: RegistryFake;
let artifacts: ArtifactFake;
const closing: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  copy = await exportCopy();
  registry = await startRegistryFake();
  registry.addNpm('left-pad', {
    versions: { '1.3.0': { published: '2018-04-09T00:00:00Z' } },
    license: 'WTFPL',
    downloads: 2_000_000,
  });
  artifacts = await startArtifactFake();
  closing.push(registry, artifacts);
}, 120_000);

afterAll(async () => {
  for (const c of closing) await c.close();
  if (copy) rmSync(copy.dir, { recursive: true, force: true });
});

describe(`the shipped action, from a copy with no node_modules`, () => {
  it('is a copy with the committed bundle and nothing installed', () => {
    console.log(`shipped copy from ${copy.from}`);
    expect(existsSync(path.join(copy.dir, 'node_modules'))).toBe(false);
    expect(existsSync(path.join(copy.dir, 'action', 'dist', 'index.js'))).toBe(true);
    expect(existsSync(path.join(copy.dir, 'action', 'dist', 'cli.js'))).toBe(true);
  });

  it('CLI gates: every gate runs (none errs) and catches its planted finding', async () => {
    const { workspace: repo } = await makeRemote(baseFiles(registry));
    write(repo, CHANGE);
    await commitEverything(repo, 'the change');
    const out = path.join(repo, '..', 'gates-out');
    const r = await execFile(
      process.execPath,
      [
        path.join(copy.dir, 'action/dist/cli.js'),
        'gates',
        '--repo',
        repo,
        '--base',
        'HEAD~1',
        '--policy',
        path.join(repo, '.github/agentgate.yml'),
        '--out',
        out,
      ],
      {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR },
        timeoutMs: 120_000,
      },
    );
    expect(r.exitCode, r.stderr).toBe(1);
    expectPlanted(JSON.parse(r.stdout) as GatesReport);
    const bom = JSON.parse(readFileSync(path.join(out, 'sbom.cdx.json'), 'utf8')) as {
      components: { name: string }[];
    };
    expect(bom.components.map((c) => c.name).sort()).toEqual(['left-pad', PLANTED.dependency].sort());
  });

  it('the action in gate mode (dry run) judges the PR the same way', async () => {
    const { workspace } = await makeRemote(baseFiles(registry));
    const base = (await sh(workspace, 'git', ['rev-parse', 'HEAD'])).trim();
    write(workspace, CHANGE);
    await commitEverything(workspace, 'the change');
    const head = (await sh(workspace, 'git', ['rev-parse', 'HEAD'])).trim();
    const github: GitHubFake = await startGitHubFake({ owner: OWNER, repo: REPO });
    closing.push(github);
    const run = await runActionProcess(path.join(copy.dir, 'action/dist/index.js'), {
      workspace,
      eventName: 'pull_request',
      payload: {
        action: 'synchronize',
        number: 7,
        pull_request: {
          number: 7,
          labels: [{ name: 'ai-authored' }],
          base: { ref: 'main', sha: base },
          head: { ref: 'agentgate/x', sha: head },
        },
        repository: {
          name: REPO,
          owner: { login: OWNER },
          full_name: `${OWNER}/${REPO}`,
          default_branch: 'main',
        },
      },
      inputs: { mode: 'gate', 'dry-run': 'true', engines: 'embedded' },
      github,
      artifacts,
    });
    expect(run.outputs.outcome, run.stdout.slice(-2000)).toBe('gated');
    expect(run.outputs.verdict).toBe('fail');
    expect(run.exitCode).toBe(1); // a failing verdict fails the job
    expectPlanted(
      JSON.parse(
        readFileSync(path.join(run.runnerTemp, 'agentgate', 'gates', 'gates.json'), 'utf8'),
      ) as GatesReport,
    );
    expect(github.violations).toEqual([]);
  });

  it('the action in agent mode (dry run) runs the session in the sandbox and passes a clean change', async () => {
    const { workspace } = await makeRemote({
      'package.json': '{ "name": "widgets", "version": "1.0.0", "private": true }\n',
      'src/price.js': 'export function total(xs) {\n  return xs.reduce((a, b) => a + b, 1);\n}\n',
      'check.js':
        "import { total } from './src/price.js';\nif (total([1, 2]) !== 3) { console.error('total is wrong'); process.exit(1); }\nconsole.log('ok');\n",
    });
    const github: GitHubFake = await startGitHubFake({ owner: OWNER, repo: REPO });
    const model: ScriptedServer = await startScriptedServer([
      toolUse('run_command', { command: 'node check.js' }),
      toolUse('edit_file', { path: 'src/price.js', old_string: 'b, 1)', new_string: 'b, 0)' }),
      finalText('Fixed the starting value of total().'),
    ]);
    closing.push(github, model);
    const run = await runActionProcess(path.join(copy.dir, 'action/dist/index.js'), {
      workspace,
      eventName: 'workflow_dispatch',
      payload: { inputs: {}, repository: { name: REPO, owner: { login: OWNER }, default_branch: 'main' } },
      inputs: {
        mode: 'agent',
        task: 'total() is off by one; fix it.',
        'test-command': 'node check.js',
        'anthropic-api-key': 'sk-ant-api03-shipped-copy-key-0123456789',
        'dry-run': 'true',
      },
      github,
      artifacts,
      modelUrl: model.url,
    });
    expect(run.failed, run.stdout.slice(-3000)).toBeUndefined();
    expect(run.outputs.outcome).toBe('completed');
    expect(run.outputs.verdict).toBe('pass');
    expect(run.outputs['pr-number'] ?? '').toBe('');
    const report = JSON.parse(
      readFileSync(path.join(run.runnerTemp, 'agentgate', 'gates', 'gates.json'), 'utf8'),
    ) as GatesReport;
    expect(
      report.gates.filter((g) => g.status !== 'pass').map((g) => `${g.name}: ${g.status} ${g.error ?? ''}`),
    ).toEqual([]);
    expect(model.requests.length).toBe(3);
  });
});
