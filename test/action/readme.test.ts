// The README's policy example is a working policy that decides what the README says it decides.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GATES_HELP } from '../../action/cli/gates.js';
import { policyCommand } from '../../action/cli/policy.js';
import { evaluate, loadDefaultPolicy } from '../../policies/index.js';
import { parsePolicy } from '../../policies/loader.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

function yamlBlock(firstLine: string): string {
  const blocks = [...README.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  const block = blocks.find((b) => b.startsWith(firstLine));
  if (!block) throw new Error(`README has no yaml block starting with ${firstLine}`);
  return block;
}

describe('README', () => {
  it('documents every flag of agentgate gates and the policy fields the gates read', () => {
    for (const flag of new Set(GATES_HELP.match(/--[a-z-]+/g))) expect(README).toContain(flag);
    const gates = parsePolicy(`version: 1\n${yamlBlock('gates:')}`, 'README.md').policy.gates;
    expect(gates).toEqual(loadDefaultPolicy().policy.gates);
    for (const key of [
      'schemaVersion',
      'verdict',
      'ruleId',
      'severity',
      'blocking',
      'preExisting',
      'durationMs',
    ]) {
      expect(README).toContain(`"${key}"`);
    }
  });

  it('shows a policy that loads and decides as described', () => {
    const { policy } = parsePolicy(yamlBlock('# .github/agentgate.yml'), 'README.md');
    expect(evaluate(policy, { kind: 'write', path: 'docs/x.md' }).ruleId).toBe('default-deny');
    expect(evaluate(policy, { kind: 'write', path: 'src/a.ts' })).toMatchObject({
      allowed: true,
      ruleId: 'write-src',
    });
    expect(evaluate(policy, { kind: 'read', path: '.env.example' })).toMatchObject({ allowed: true });
    expect(evaluate(policy, { kind: 'read', path: '.env' }).ruleId).toBe('secret-files');
    expect(evaluate(policy, { kind: 'write', path: '.github/workflows/ci.yml' }).ruleId).toBe('workflows');
    expect(evaluate(policy, { kind: 'command', command: 'git push origin HEAD' }).ruleId).toBe('git-push');
    expect(evaluate(policy, { kind: 'command', command: 'npm test' })).toMatchObject({ allowed: true });
    expect(evaluate(policy, { kind: 'mcp', server: 'docs', tool: 'search_pages' })).toMatchObject({
      allowed: true,
    });
    expect(evaluate(policy, { kind: 'mcp', server: 'docs', tool: 'delete_page' }).allowed).toBe(false);
  });

  it('shows what policy explain really prints', async () => {
    const block =
      /\$ agentgate policy explain --tool read_file --input '\{"path": ".env"\}'\n([\s\S]*?)```/.exec(
        README,
      )?.[1];
    const out: string[] = [];
    const code = await policyCommand(['explain', '--tool', 'read_file', '--input', '{"path": ".env"}'], (l) =>
      out.push(l),
    );
    expect(code).toBe(1);
    expect(`${out.join('\n')}\n`).toBe(block);
  });

  it('names rule ids the default pack has', () => {
    const ids = new Set(
      Object.values(loadDefaultPolicy().policy)
        .flatMap((section) => (typeof section === 'object' && section !== null ? Object.values(section) : []))
        .flat()
        .map((r) => (r as { id?: string }).id),
    );
    for (const id of ['secret-files', 'workflows', 'git-push', 'network-clients']) expect(ids).toContain(id);
    expect(README).toContain('DENY  rule: secret-files');
  });
});
