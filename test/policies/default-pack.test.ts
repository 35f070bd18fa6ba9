// The built-in pack is policies/default.yml compiled into policies/default-pack.ts; the two must not drift.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_SOURCE, DEFAULT_POLICY_TEXT, loadDefaultPolicy } from '../../policies/index.js';
import { parsePolicy } from '../../policies/loader.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const yamlBytes = readFileSync(new URL('../../policies/default.yml', import.meta.url));

describe('the default pack', () => {
  it('is default.yml byte for byte', () => {
    expect(Buffer.from(DEFAULT_POLICY_TEXT, 'utf8').equals(yamlBytes)).toBe(true);
    expect(DEFAULT_POLICY_SOURCE).toBe('policies/default.yml');
  });

  it('is what scripts/gen-default-pack.mjs generates', () => {
    // Exits 1 with a message when default-pack.ts is out of date.
    execFileSync(process.execPath, ['scripts/gen-default-pack.mjs', '--check'], { cwd: root, stdio: 'pipe' });
  });

  it('loads from its pre-parsed data exactly as from its YAML text', () => {
    expect(loadDefaultPolicy()).toEqual(parsePolicy(DEFAULT_POLICY_TEXT, DEFAULT_POLICY_SOURCE));
  });

  it('spells out the gates section with exactly the defaults a policy without one gets', () => {
    const spelled = loadDefaultPolicy().policy.gates;
    const implied = parsePolicy('version: 1\n', 'min.yml').policy.gates;
    expect(spelled).toEqual(implied);
    expect(DEFAULT_POLICY_TEXT).toMatch(/^gates:$/m);
  });

  it('documents every rule with an id and a description', () => {
    const text = yamlBytes.toString('utf8');
    const ids = [...text.matchAll(/^\s+- id: (\S+)$/gm)].map((m) => m[1]);
    const descriptions = [...text.matchAll(/^\s+description: \S/gm)];
    expect(ids.length).toBeGreaterThan(10);
    expect(descriptions).toHaveLength(ids.length);
  });
});
