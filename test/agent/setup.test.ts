// The setup command: run once in the sandbox before the baseline and the agent. What it makes (an
// ignored dependency directory) is there for the tests and the agent; a failing setup ends the run
// `setup_failed` with no model call, and result.json and the trace are written all the same.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../action/run.js';
import { finalText } from '../support/messages-server.js';
import { makeRepo } from '../support/repo.js';
import { runScripted } from '../support/session.js';

const FILES = {
  '.gitignore': 'deps/\n',
  'check.sh': 'test -f deps/lib.txt || { echo "deps/lib.txt is missing: run the setup"; exit 1; }\necho ok\n',
};

describe('the setup command', () => {
  it('runs before the baseline, in the sandbox, and what it makes is there for the tests', async () => {
    const repo = await makeRepo(undefined, FILES);
    const run = await runScripted(repo, [finalText('Nothing to change.')], {
      setupCommand: 'mkdir -p deps && echo lib > deps/lib.txt && echo installed',
      testCommand: 'sh check.sh',
    });
    expect(run.result.outcome).toBe('completed');
    expect(run.result.setup).toMatchObject({
      passed: true,
      exitCode: 0,
      outputTail: expect.stringContaining('installed'),
    });
    expect(run.result.tests.before).toMatchObject({ passed: true });
    // The setup's output is not the agent's work: nothing committed.
    expect(run.result.commit).toBeNull();
    const types = run.events.map((e) => e.type);
    expect(types.indexOf('setup.run')).toBeGreaterThan(-1);
    expect(types.indexOf('setup.run')).toBeLessThan(types.indexOf('test.run'));
    expect(run.server.requests).toHaveLength(1);
  }, 60_000);

  it('says when the setup changed tracked files (they would go into the change)', async () => {
    const repo = await makeRepo(undefined, { ...FILES, 'package-lock.json': '{}\n' });
    const run = await runScripted(repo, [finalText()], {
      setupCommand:
        'mkdir -p deps && echo lib > deps/lib.txt && echo \'{"rewritten":true}\' > package-lock.json',
    });
    expect(run.result.warnings).toContain(
      "the setup changed tracked files, which will be part of the agent's change: package-lock.json",
    );
  }, 60_000);

  it('a failing setup ends the run setup_failed before any model call, with result.json and the trace', async () => {
    const repo = await makeRepo(undefined, FILES);
    const run = await runScripted(repo, [finalText('never asked')], {
      setupCommand: 'echo "npm ERR! 404 Not Found - left-padd"; exit 3',
      testCommand: 'sh check.sh',
    });
    expect(run.server.requests).toHaveLength(0);
    expect(run.result).toMatchObject({
      outcome: 'setup_failed',
      turns: 0,
      costUsd: 0,
      commit: null,
      tests: { before: null, after: null },
      setup: { passed: false, exitCode: 3 },
    });
    expect(run.result.detail).toMatch(
      /^the setup command failed \(exit 3\); no model call was made\. Its output ends: npm ERR! 404/,
    );
    expect(exitCodeFor(run.result)).toBe(1);
    const written = JSON.parse(readFileSync(path.join(run.out, 'result.json'), 'utf8'));
    expect(written).toMatchObject({ outcome: 'setup_failed', setup: { exitCode: 3 } });
    expect(run.events.at(-1)).toMatchObject({ type: 'session.end', data: { outcome: 'setup_failed' } });
  }, 60_000);
});
