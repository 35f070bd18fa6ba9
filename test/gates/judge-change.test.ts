// What the change did, judged on real repositories: an edit inside an existing multi-line statement is
// the change's only when the sink was not already flagged at base; a statement the change made
// dangerous through an inner line is.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGates } from '../../gates/index.js';
import { loadDefaultPolicy } from '../../policies/index.js';
import { commitEverything, makeRepo } from '../support/repo.js';

const policy = loadDefaultPolicy().policy;
// biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source under test
const INTERPOLATED = '`git log ${ref}`';

async function judgeEdit(before: string, after: string) {
  const repo = await makeRepo(undefined, { 'src/run.js': before });
  try {
    writeFileSync(path.join(repo, 'src/run.js'), after);
    await commitEverything(repo, 'edit');
    const run = await runGates({ repo, base: 'HEAD~1', policy, env: { PATH: '/usr/bin:/bin' } });
    return run.report.gates.find((g) => g.name === 'sast')?.findings ?? [];
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}

const call = (cmd: string, opt: string) =>
  [
    "const { execSync } = require('node:child_process');",
    'export function log(ref, dir) {',
    '  return execSync(',
    `    ${cmd},`,
    `    { cwd: dir, ${opt} },`,
    '  );',
    '}',
    '',
  ].join('\n');

describe('an edit inside a multi-line statement', () => {
  it('leaves a finding the sink already had at base pre-existing', async () => {
    const findings = await judgeEdit(
      call(INTERPOLATED, 'encoding: "utf8"'),
      call(INTERPOLATED, 'encoding: "utf8", maxBuffer: 1 << 24'),
    );
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) expect(f).toMatchObject({ preExisting: true, blocking: false });
  }, 60_000);

  it('makes it new when the edit inside made the statement dangerous', async () => {
    const findings = await judgeEdit(
      call("'git log --oneline'", 'encoding: "utf8"'),
      call(INTERPOLATED, 'encoding: "utf8"'),
    );
    expect(findings.some((f) => !f.preExisting)).toBe(true);
  }, 60_000);

  it('makes a finding new when only the line that builds the value changed, not the sink', async () => {
    const src = (build: string) =>
      [
        "const { execSync } = require('node:child_process');",
        'export function log(ref) {',
        `  const cmd = ${build};`,
        '  return execSync(cmd);',
        '}',
        '',
      ].join('\n');
    const findings = await judgeEdit(src("'git log --oneline'"), src(INTERPOLATED));
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.some((f) => !f.preExisting && f.blocking)).toBe(true);
  }, 60_000);
});
