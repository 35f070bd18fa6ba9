import { describe, expect, it } from 'vitest';
import type { FileChange } from '../../gates/diff.js';
import { isTestFile, policyGate, protectedBy } from '../../gates/policy-gate.js';
import { loadDefaultPolicy } from '../../policies/index.js';
import { parsePolicy } from '../../policies/loader.js';

const policy = loadDefaultPolicy().policy;

function change(path: string, over: Partial<FileChange> = {}): FileChange {
  return {
    path,
    status: 'modified',
    binary: false,
    mode: '100644',
    added: [],
    addedLines: 0,
    deletedLines: 0,
    ...over,
  };
}

function run(files: FileChange[], contents: Record<string, string> = {}, labels: string[] = [], p = policy) {
  return policyGate({ files, contents: new Map(Object.entries(contents)), policy: p, labels });
}

describe('the policy gate', () => {
  it('flags changes to protected paths, by the write rule that protects them', () => {
    const findings = run([
      change('.github/workflows/ci.yml'),
      change('CODEOWNERS', { status: 'deleted' }),
      change('.gitleaks.toml'),
      change('.github/agentgate.yml'),
      change('AGENTS.md'),
      change('src/app.ts'),
    ]);
    expect(findings.filter((f) => f.ruleId === 'protected-path').map((f) => [f.file, f.severity])).toEqual([
      ['.github/workflows/ci.yml', 'high'],
      ['CODEOWNERS', 'high'],
      ['.gitleaks.toml', 'high'],
      ['.github/agentgate.yml', 'high'],
      ['AGENTS.md', 'high'],
    ]);
    expect(protectedBy('.github/workflows/ci.yml', policy)).toBe('workflows');
    expect(protectedBy('src/app.ts', policy)).toBeUndefined();
  });

  it('catches a protected file moved away under another name', () => {
    const findings = run([
      change('docs/old-ci.yml', { status: 'renamed', oldPath: '.github/workflows/ci.yml' }),
    ]);
    expect(findings.map((f) => f.file)).toContain('.github/workflows/ci.yml');
  });

  it('lets protected paths through, as info, when an approval label is on the change', () => {
    const findings = run([change('.github/workflows/ci.yml')], {}, ['agentgate:approved']);
    expect(findings).toEqual([expect.objectContaining({ ruleId: 'protected-path', severity: 'info' })]);
    expect(findings[0]?.message).toContain("approved by the label 'agentgate:approved'");
  });

  it('honours the policy’s extra protected paths', () => {
    const p = parsePolicy(
      'version: 1\nwrite:\n  allow: [{ paths: ["**"] }]\ngates:\n  changes:\n    protectedPaths: { paths: ["infra/**"], except: ["infra/README.md"] }\n',
      'p.yml',
    ).policy;
    expect(protectedBy('infra/main.tf', p)).toBe('gates.changes.protectedPaths');
    expect(protectedBy('infra/README.md', p)).toBeUndefined();
  });

  it('flags added suppressions on added lines only', () => {
    const text = [
      'const a = eval(x); // nosemgrep',
      'const k = "x"; // gitleaks:allow',
      'run(cmd)  # nosec',
      '// eslint-disable-next-line no-console',
      '/* eslint-disable */',
      '// eslint-disable-next-line security/detect-object-injection',
      'old(); // nosemgrep',
    ].join('\n');
    const findings = run([change('src/a.ts', { added: [[1, 6]] })], { 'src/a.ts': text });
    expect(findings.filter((f) => f.ruleId === 'suppression-added').map((f) => f.line)).toEqual([
      1, 2, 3, 5, 6,
    ]);
  });

  it('flags new entries in the gates’ ignore files, not comments', () => {
    const findings = run([change('.gitleaksignore', { added: [[1, 3]] })], {
      '.gitleaksignore': '# why\n\nabc123:src/a.ts:generic-api-key:4\n',
    });
    expect(findings.filter((f) => f.ruleId === 'ignore-entry-added').map((f) => f.line)).toEqual([3]);
  });

  it('flags newly skipped or focused tests and deleted test files', () => {
    const text =
      "it.skip('a', () => {})\nxit('b')\ndescribe.only('c')\n@pytest.mark.skip(reason='x')\n\tt.Skip(\"flaky\")\nit('fine')\nexit(1)\n";
    const findings = run(
      [change('test/a.test.ts', { added: [[1, 7]] }), change('pkg/x_test.go', { status: 'deleted' })],
      { 'test/a.test.ts': text },
    );
    expect(findings.filter((f) => f.ruleId === 'test-skipped').map((f) => f.line)).toEqual([1, 2, 3, 4, 5]);
    expect(findings.filter((f) => f.ruleId === 'test-deleted').map((f) => f.file)).toEqual(['pkg/x_test.go']);
    expect(isTestFile('src/__tests__/x.js')).toBe(true);
    expect(isTestFile('src/contest.ts')).toBe(false);
  });

  it('flags added binary files', () => {
    const findings = run([
      change('logo.png', { status: 'added', binary: true }),
      change('old.png', { binary: true }),
    ]);
    expect(findings.filter((f) => f.ruleId === 'binary-file-added').map((f) => f.file)).toEqual(['logo.png']);
  });

  it('fails a change over the size caps with a message to split it', () => {
    const p = parsePolicy(
      'version: 1\ngates:\n  changes: { maxFiles: 2, maxChangedLines: 10 }\n',
      'p.yml',
    ).policy;
    const files = [1, 2, 3].map((i) => change(`src/${i}.ts`, { addedLines: 4, deletedLines: 1 }));
    const findings = run(files, {}, [], p);
    expect(findings.map((f) => f.ruleId).sort()).toEqual(['change-too-large', 'change-too-many-files']);
    expect(findings.every((f) => f.scope === 'change' && /Split the change/.test(f.fix ?? ''))).toBe(true);
    expect(run(files.slice(0, 2), {}, [], p)).toEqual([]);
    // A lockfile rewrite does not count toward the size cap.
    const bump = [
      change('src/1.ts', { addedLines: 1 }),
      change('web/package-lock.json', { addedLines: 5000, deletedLines: 4000 }),
    ];
    expect(run(bump, {}, [], p)).toEqual([]);
  });
});
