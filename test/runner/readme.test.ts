// The operator's guide stays true: its steps are there, the files and flags it names exist, and the
// isolation statement a VM writes is the one the action reads.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RUNNER_HELP } from '../../action/cli/runner.js';
import { readIsolation } from '../../action/modes/shared.js';
import { riskCard } from '../../action/publish/risk-card.js';
import type { IsolationStatement } from '../../runner-image/launcher/types.js';
import { sessionResult } from '../support/run-fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (f: string) => readFileSync(path.join(root, f), 'utf8');
const guide = read('runner-image/README.md');
const k8s = read('runner-image/k8s/README.md');

/** The `--flags` on the lines of `text` that run `command`. */
function flagsOf(text: string, command: string): string[] {
  const lines = text.replace(/\\\n\s*/g, ' ').split('\n');
  return [
    ...new Set(lines.filter((l) => l.includes(command)).flatMap((l) => l.match(/--[a-z][a-z-]*/g) ?? [])),
  ];
}

describe('the runner guide', () => {
  it('walks an operator through building the image, a pool on one host, and scaling out', () => {
    for (const heading of [
      '## 1. Build the image',
      '## 2. Launch a pool on one host',
      '## 4. Scale out with ARC and Kata',
    ]) {
      expect(guide).toContain(heading);
    }
    expect(guide).toContain('sudo runner-image/build/build-image.sh');
    expect(guide).toMatch(/runner launch --image/);
    expect(k8s).toMatch(/helm install[\s\S]*gha-runner-scale-set-controller/);
    expect(k8s).toMatch(
      /helm install[\s\S]*-f runner-image\/k8s\/values\.yaml|--values runner-image\/k8s\/values\.yaml|values\.yaml/,
    );
  });
  it('names files that exist', () => {
    const named = [...guide.matchAll(/\]\(([^)#]+)\)|`((?:build|guest|launcher|k8s)\/[\w./-]+)`/g)]
      .map((m) => m[1] ?? m[2] ?? '')
      .filter((f) => f && !f.startsWith('http'));
    expect(named.length).toBeGreaterThan(3);
    for (const f of named) expect(existsSync(path.join(root, 'runner-image', f)), f).toBe(true);
  });
  it('uses only flags the commands accept', () => {
    const launchFlags = [...flagsOf(guide, 'runner launch'), ...flagsOf(read('README.md'), 'runner launch')];
    expect(launchFlags).toContain('--pool');
    for (const flag of launchFlags) expect(RUNNER_HELP, flag).toContain(flag);
    const build = read('runner-image/build/build-image.sh');
    for (const flag of flagsOf(guide, 'build-image.sh').concat(
      guide.match(/`(--offline|--size-mib)/g) ?? [],
    )) {
      expect(build, flag).toContain(flag.replace('`', ''));
    }
  });
});

describe('the isolation statement', () => {
  it('that a VM writes is what the action reads into the risk card', () => {
    const statement: IsolationStatement = {
      tier: 'microvm',
      backend: 'firecracker',
      accel: 'kvm',
      ephemeral: true,
      imageDigest: `sha256:${'c'.repeat(64)}`,
      vmId: 'vm-0123abcd',
    };
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'agentgate-iso-')), 'isolation.json');
    writeFileSync(file, `${JSON.stringify(statement)}\n`);
    const read = readIsolation(file);
    expect(read).toEqual({
      tier: 'microvm',
      backend: 'firecracker',
      ephemeral: true,
      imageDigest: statement.imageDigest,
    });
    const card = riskCard({
      task: { text: 't', origin: 'o' },
      result: sessionResult(),
      durationMs: 1,
      files: [],
      gates: undefined,
      isolation: read,
      links: { run: 'https://github.com/o/r/actions/runs/1' },
    });
    expect(card).toContain(
      `| Isolation | microvm (firecracker) ephemeral image \`${statement.imageDigest}\` |`,
    );
  });
});
