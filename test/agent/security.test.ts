// Policy and secrecy at the level of a whole session: what the model asks for, what it gets back,
// and what ends up in the trace, the patch and the result.
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpTarget, startHttpTarget } from '../support/http-target.js';
import { finalText, toolUse } from '../support/messages-server.js';
import { commitEverything, makeRepo, sh } from '../support/repo.js';
import { runScripted, toolResults } from '../support/session.js';

const use = toolUse;
const done = finalText();

const ENV_SECRET = 'tok-6c1f0e9a7b3d42d8a5e1-secret';
const GH_SECRET = 'ghp_Zq8xW2vN4mK7pR1tY5uH9jB3cL6dF0gS2aE4';
const FILE_SECRET = 'hunter2-correct-horse-battery-staple';
const AWS_KEY = 'AKIAZ7Q4XJ3KM2PLW8RT';

let target: HttpTarget;
beforeAll(async () => {
  target = await startHttpTarget();
});
afterAll(() => target.close());

describe('secrets never reach the model, the trace, the patch or the result', () => {
  it('keeps env and file secrets out of every later request and every output file', async () => {
    const repo = await makeRepo(undefined, {
      '.env': `DB_PASSWORD=${FILE_SECRET}\n`,
      'config/app.ini': `[aws]\naccess_key_id = ${AWS_KEY}\nregion = eu-west-1\n`,
      'src/a.txt': 'hello\n',
    });
    const env = { ...process.env, MY_SERVICE_TOKEN: ENV_SECRET, GITHUB_TOKEN: GH_SECRET };
    const {
      result,
      server: model,
      trace,
    } = await runScripted(
      repo,
      [
        use('read_file', { path: '.env' }),
        use('run_command', { command: 'cat .env' }),
        use('run_command', { command: 'echo "t=$MY_SERVICE_TOKEN g=$GITHUB_TOKEN"; env' }),
        use('read_file', { path: 'config/app.ini' }),
        use('run_command', { command: 'cat config/app.ini; grep -r hunter2 . || true' }),
        use('search', { pattern: 'PASSWORD|hunter2' }),
        use('list_files', {}),
        use('write_file', { path: 'src/a.txt', content: 'hello again\n' }),
        done,
      ],
      { env },
    );
    expect(result.outcome).toBe('completed');
    const results = toolResults(model);
    expect(results[0]).toMatchObject({ is_error: true });
    expect(results[2]?.content).toContain('t= g=');
    expect(results[3]?.content).toContain('region = eu-west-1');
    expect(results[6]?.content).not.toMatch(/(^|\n)\.env(\n|$)/);

    const everything = [
      ...model.requests.map((r) => r.raw),
      trace,
      readFileSync(result.files.patch, 'utf8'),
      readFileSync(result.files.result, 'utf8'),
    ].join('\n');
    for (const secret of [ENV_SECRET, GH_SECRET, FILE_SECRET, AWS_KEY]) {
      expect(everything).not.toContain(secret);
    }
  });
});

describe('the policy decides every call, and the trace says which rule', () => {
  it('denies escaping paths, protected writes, network clients and unlisted hosts', async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'agentgate-outside-'));
    writeFileSync(path.join(outside, 'secret.txt'), 'outside the repository\n');
    const repo = await makeRepo(undefined, { 'src/a.txt': 'hello\n' });
    symlinkSync(path.join(outside, 'secret.txt'), path.join(repo, 'link.txt'));
    await commitEverything(repo, 'link');
    target.reset();
    const fetchScript = `fetch('${target.url}').then(r=>r.text()).then(t=>console.log('got',t),e=>{console.log('blocked',String(e.cause?.code??e));process.exit(3)})`;
    const {
      result,
      server: model,
      events,
    } = await runScripted(repo, [
      use('read_file', { path: '../../etc/passwd' }),
      use('read_file', { path: 'link.txt' }),
      use('read_file', { path: path.join(outside, 'secret.txt') }),
      use('write_file', { path: '.github/workflows/x.yml', content: 'on: push\n' }),
      use('run_command', { command: `curl -s ${target.url}` }),
      use('run_command', { command: `node -e "${fetchScript}"` }),
      use('read_file', { path: 'src/a.txt' }),
      done,
    ]);
    const results = toolResults(model);
    expect(results.slice(0, 5).every((r) => r.is_error)).toBe(true);
    expect(results[0]?.content).toContain("'path-containment'");
    expect(results[1]?.content).toContain("'path-containment'");
    expect(results[2]?.content).toContain("'path-containment'");
    expect(results[5]?.content).toContain('blocked');
    expect(results[5]?.content).not.toContain('got reached');
    expect(results[6]?.is_error).toBeUndefined();
    expect(target.hits()).toBe(0);

    const decisions = events.filter((e) => e.type === 'policy.decision').map((e) => e.data);
    expect(decisions.map((d) => [d.tool, d.allowed])).toEqual([
      ['read_file', false],
      ['read_file', false],
      ['read_file', false],
      ['write_file', false],
      ['run_command', false],
      ['run_command', true],
      ['read_file', true],
    ]);
    for (const d of decisions) expect(String(d.ruleId)).not.toBe('');
    expect(decisions[3]?.ruleId).toBe('workflows');
    expect(decisions[4]?.ruleId).toBe('network-clients');
    expect(result.deniedCalls.map((d) => d.ruleId)).toEqual(
      decisions.filter((d) => !d.allowed).map((d) => d.ruleId),
    );
  });
});

describe('what lands on the branch obeys the write rules, whatever wrote it', () => {
  it('leaves protected paths a command wrote or deleted out of the commit, and says so', async () => {
    const repo = await makeRepo(undefined, { 'src/a.txt': 'a\n', CODEOWNERS: '* @owners\n' });
    const { result, events } = await runScripted(repo, [
      use('run_command', {
        command:
          "mkdir -p .github/workflows && echo 'on: push' > .github/workflows/evil.yml && rm CODEOWNERS && echo b > src/b.txt",
      }),
      done,
    ]);
    expect(result.outcome).toBe('completed');
    const files = (await sh(repo, 'git', ['ls-tree', '-r', '--name-only', String(result.commit)]))
      .trim()
      .split('\n');
    expect(files.sort()).toEqual(['CODEOWNERS', 'src/a.txt', 'src/b.txt']);
    const patch = readFileSync(result.files.patch, 'utf8');
    expect(patch).toContain('src/b.txt');
    expect(patch).not.toContain('workflows');
    expect(patch).not.toContain('CODEOWNERS');
    expect(result.deniedCalls).toEqual([
      expect.objectContaining({ tool: 'commit', ruleId: 'workflows' }),
      expect.objectContaining({ tool: 'commit', ruleId: 'codeowners' }),
    ]);
    expect(result.warnings.join('\n')).toContain(
      '.github/workflows/evil.yml (workflows), CODEOWNERS (codeowners)',
    );
    const refusals = events.filter((e) => e.type === 'policy.decision' && e.data.tool === 'commit');
    expect(refusals.map((e) => e.data.ruleId)).toEqual(['workflows', 'codeowners']);
  });
});

describe('sandbox: none', () => {
  it('runs commands unisolated only when the policy says so, and records it in the trace and the result', async () => {
    const { DEFAULT_POLICY_TEXT } = await import('../../policies/index.js');
    const policyText = DEFAULT_POLICY_TEXT.replace(/^sandbox: bubblewrap$/m, 'sandbox: none');
    expect(policyText).not.toBe(DEFAULT_POLICY_TEXT);
    const repo = await makeRepo(undefined, { 'a.txt': 'a\n' });
    const { result, events } = await runScripted(repo, [use('run_command', { command: 'echo hi' }), done], {
      policyText,
    });
    expect(result.outcome).toBe('completed');
    const warning = expect.stringMatching(/^sandbox mode 'none': commands run without isolation/);
    expect(result.warnings).toContainEqual(warning);
    expect(events).toContainEqual(expect.objectContaining({ type: 'warning', data: { message: warning } }));
  });
});
