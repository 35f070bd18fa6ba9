// Opt-in: the dependency checks against the real npm registry and its advisory endpoint.
// AGENTGATE_REAL_REGISTRY=1 npx vitest run test/gates/dependencies-real.test.ts
import { describe, expect, it } from 'vitest';
import { checkDependencies } from '../../gates/dependencies/index.js';
import { loadDefaultPolicy } from '../../policies/index.js';

const real = process.env.AGENTGATE_REAL_REGISTRY === '1';

describe.skipIf(!real)('the dependencies gate against registry.npmjs.org', () => {
  it('passes react and flags a name nobody published', async () => {
    const npm = (name: string, version: string) => ({
      ecosystem: 'npm' as const,
      name,
      version,
      purl: `pkg:npm/${name}@${version}`,
      source: 'package-lock.json',
    });
    const r = await checkDependencies(
      {
        added: [npm('react', '18.3.1'), npm(`agentgate-no-such-package-${Date.now()}`, '1.0.0')],
        removed: [],
        changed: [],
      },
      ['package-lock.json', 'package.json'],
      { policy: loadDefaultPolicy().policy.gates.dependencies, now: new Date(), timeoutMs: 20_000 },
    );
    expect(r.findings.map((f) => f.ruleId)).toEqual(['dep-not-found']);
  });

  it("blocks a version the registry's advisory endpoint knows to be vulnerable, with its GHSA id and the fix", async () => {
    const lodash = {
      ecosystem: 'npm' as const,
      name: 'lodash',
      version: '4.17.20',
      purl: 'pkg:npm/lodash@4.17.20',
      source: 'package-lock.json',
    };
    const r = await checkDependencies(
      { added: [], removed: [], changed: [{ from: { ...lodash, version: '4.17.19' }, to: lodash }] },
      ['package-lock.json', 'package.json'],
      { policy: loadDefaultPolicy().policy.gates.dependencies, now: new Date(), timeoutMs: 20_000 },
    );
    const vulns = r.findings.filter((f) => f.ruleId === 'dep-vulnerable');
    // GHSA-35jh-r3h4-6jhm: command injection through template, fixed in 4.17.21.
    const injection = vulns.find((f) => f.message.includes('GHSA-35jh-r3h4-6jhm'));
    expect(injection?.severity).toBe('high');
    expect(injection?.message).toMatch(/fixed in 4\.17\.21/);
  });
});
