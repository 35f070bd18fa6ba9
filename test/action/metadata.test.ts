// action.yml, the names module, the settings schema and the README must agree.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { INPUT_DEFAULTS, Inputs, Outputs, VERSION } from '../../action/constants.js';
import { UsageError } from '../../action/errors.js';
import { parseActionInputs } from '../../action/settings.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const action = parse(readFileSync(`${root}/action.yml`, 'utf8')) as {
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  runs: { using: string; main: string };
};
const readme = readFileSync(`${root}/README.md`, 'utf8');

describe('action metadata', () => {
  it('has one version, the package version', () => {
    const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });
  it("states in engines what every locked dependency needs, and .node-version is the action's runtime", () => {
    const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { engines: { node: string } };
    const lock = JSON.parse(readFileSync(`${root}/package-lock.json`, 'utf8')) as {
      packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
    };
    const narrower: string[] = [];
    for (const [where, meta] of Object.entries(lock.packages)) {
      const need = Array.isArray(meta.engines) ? undefined : meta.engines?.node;
      if (where === '' || need === undefined) continue;
      if (!semver.subset(pkg.engines.node, need)) narrower.push(`${where}@${meta.version}: ${need}`);
    }
    expect(narrower).toEqual([]);
    // The floor is a version these tests run on, and the action's runtime is in range.
    expect(semver.satisfies('20.19.0', pkg.engines.node)).toBe(true);
    expect(semver.satisfies('24.0.0', pkg.engines.node)).toBe(true);
    expect(readFileSync(`${root}/.node-version`, 'utf8').trim()).toBe('24');
    // CI tests each major line the range admits.
    const ci = parse(readFileSync(`${root}/.github/workflows/ci.yml`, 'utf8')) as {
      jobs: { test: { strategy: { matrix: { node: number[] } } } };
    };
    const majors = ci.jobs.test.strategy.matrix.node;
    expect(majors).toEqual([20, 22, 24]);
    for (const m of majors) expect(semver.intersects(`${m}.x`, pkg.engines.node), String(m)).toBe(true);
  });
  it('runs on node24 from the committed bundle', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'action/dist/index.js' });
  });
  it('declares exactly the inputs and outputs the code reads and sets', () => {
    expect(Object.keys(action.inputs).sort()).toEqual(Object.values(Inputs).sort());
    expect(Object.keys(action.outputs).sort()).toEqual(Object.values(Outputs).sort());
  });
  it("documents each input's default in the README's inputs table as action.yml declares it", () => {
    const inputs = action.inputs as Record<string, { default?: string }>;
    for (const [name, meta] of Object.entries(inputs)) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
      expect(row, name).toBeDefined();
      if (meta.default !== undefined) expect(row, name).toContain(`| \`${meta.default}\` |`);
    }
  });
  it('documents every input and output in the README', () => {
    for (const name of [...Object.values(Inputs), ...Object.values(Outputs)]) {
      expect(readme, name).toContain(`\`${name}\``);
    }
  });
});

describe('action inputs', () => {
  const get = (values: Record<string, string>) => (n: string) => values[n] ?? '';
  it('parses into typed settings', () => {
    const s = parseActionInputs(get({ task: 'fix it', 'max-turns': '12', 'max-cost-usd': '2.5' }));
    expect(s).toMatchObject({ task: 'fix it', 'max-turns': 12, 'max-cost-usd': 2.5 });
  });
  it('names the bad input and the expected form', () => {
    expect(() => parseActionInputs(get({ task: 'x', 'max-turns': 'many' }))).toThrow(
      /input 'max-turns': Invalid max-turns: expected a whole number/,
    );
    expect(() => parseActionInputs(get({ mode: 'sometimes' }))).toThrow(UsageError);
    expect(() => parseActionInputs(get({ mode: 'sometimes' }))).toThrow(
      /input 'mode': Invalid mode: expected one of auto\|agent\|gate/,
    );
    expect(() => parseActionInputs(get({ task: 'a', 'task-file': 'b' }))).toThrow(
      /at most one of 'task' or 'task-file'/,
    );
    expect(() => parseActionInputs(get({ draft: 'yes' }))).toThrow(
      /input 'draft': Invalid draft: expected true or false/,
    );
    expect(() => parseActionInputs(get({ 'artifact-retention-days': '400' }))).toThrow(
      /input 'artifact-retention-days': .*1 to 90 days/,
    );
    expect(() => parseActionInputs(get({ 'base-branch': 'a..b' }))).toThrow(
      /input 'base-branch': .*branch name/,
    );
  });
  it('applies the defaults action.yml declares, and they agree', () => {
    const s = parseActionInputs(get({}));
    expect(s).toMatchObject({
      mode: 'auto',
      'trigger-label': 'agentgate',
      'pr-labels': ['ai-authored'],
      draft: true,
      'artifact-retention-days': 30,
      'gate-all-pull-requests': false,
      'dry-run': false,
      engines: 'auto',
    });
    expect(() => parseActionInputs(get({ engines: 'real' }))).toThrow(
      /input 'engines': Invalid engines: expected one of auto\|install\|embedded/,
    );
    const declared = action.inputs as Record<string, { default?: string }>;
    for (const [name, value] of Object.entries(INPUT_DEFAULTS))
      expect(declared[name]?.default, name).toBe(value);
    expect(parseActionInputs(get({ 'pr-labels': 'ai-authored, bot ,x' }))['pr-labels']).toEqual([
      'ai-authored',
      'bot',
      'x',
    ]);
  });
});
