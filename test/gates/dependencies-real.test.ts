// Opt-in: the dependency checks against the real npm registry. AGENTGATE_REAL_REGISTRY=1 npx vitest run test/gates/dependencies-real.test.ts
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
});
