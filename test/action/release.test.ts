// Release hygiene: the licence, the security policy and the changelog agree with package.json; every
// third-party action is pinned by commit SHA with its version in a comment, one pin per action across
// the workflows, the examples and the README's quick start; and the release workflow checks a tag
// before it moves the major tag and publishes the changelog's section. The release workflow's own
// scripts are run here, in bash, on real files and a real git repository.
// (workflows.test.ts checks release.yml with GitHub's workflow parser, like every workflow.)
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { execFile } from '../../lib/exec.js';
import { PURPOSES, packagesFor } from '../../scripts/system-deps.mjs';
import { commitEverything, makeRepo, sh } from '../support/repo.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** `${{ expr }}`, a GitHub expression. */
const gh = (expr: string) => `\${{ ${expr} }}`;
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as { version: string; license: string; files: string[] };

type Step = { id?: string; name?: string; uses?: string; run?: string; env?: Record<string, string> };
type Job = {
  needs?: string | string[];
  permissions?: Record<string, string>;
  outputs?: Record<string, string>;
  steps: Step[];
};
type Workflow = { on: Record<string, unknown>; permissions?: unknown; jobs: Record<string, Job> };

describe('LICENSE', () => {
  const license = read('LICENSE');

  it("is the MIT licence, as package.json's license says, from the agentgate authors", () => {
    expect(pkg.license).toBe('MIT');
    expect(license.split('\n').slice(0, 3)).toEqual([
      'MIT License',
      '',
      'Copyright (c) 2026 the agentgate authors',
    ]);
    const text = license.replace(/\s+/g, ' ');
    expect(text).toContain(
      'Permission is hereby granted, free of charge, to any person obtaining a copy of this software',
    );
    expect(text).toContain(
      'The above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software.',
    );
    expect(text).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND');
  });

  it('ships in the package', () => {
    expect(pkg.files).toContain('LICENSE');
  });
});

describe('SECURITY.md', () => {
  const security = read('SECURITY.md');
  const section = (heading: string) => {
    const start = security.indexOf(`\n## ${heading}\n`);
    expect(start, `SECURITY.md has no '## ${heading}'`).toBeGreaterThan(-1);
    const end = security.indexOf('\n## ', start + 1);
    return security.slice(start, end === -1 ? undefined : end);
  };

  it('says how to report privately, and not in public', () => {
    const report = section('Reporting a vulnerability');
    expect(report).toContain('**Security** tab');
    expect(report).toContain('**Report a vulnerability**');
    expect(report).toMatch(/Do not open a public issue/);
  });

  it('commits to response times and names the supported versions', () => {
    const commitments = section('What we commit to');
    expect(commitments).toMatch(/within 3 working days/);
    expect(commitments).toMatch(/assessment within 10 working days/i);
    expect(section('Supported versions')).toContain('`v0`');
  });

  it('names the classes in scope, and what is out of it', () => {
    const scope = section('In scope');
    for (const heading of [
      'Sandbox escapes.',
      'Gate bypasses.',
      'Secret leaks.',
      'Policy bypasses.',
      'The runner images.',
    ]) {
      expect(scope).toContain(`**${heading}**`);
    }
    expect(section('Out of scope')).toMatch(/already-compromised runner/);
  });
});

describe('CHANGELOG.md', () => {
  const changelog = read('CHANGELOG.md');
  const headings = [...changelog.matchAll(/^## \[([^\]]+)\](.*)$/gm)].map((m) => ({
    name: m[1] ?? '',
    rest: m[2] ?? '',
  }));

  it("has an Unreleased section first, then one for package.json's version, dated", () => {
    expect(headings[0]).toEqual({ name: 'Unreleased', rest: '' });
    const release = headings.find((h) => h.name === pkg.version);
    expect(release, `no '## [${pkg.version}] - YYYY-MM-DD'`).toBeDefined();
    const date = / - (\d{4}-\d{2}-\d{2})$/.exec(release?.rest ?? '')?.[1] ?? '';
    expect(new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10)).toBe(date);
  });

  it('links every heading', () => {
    for (const { name } of headings) {
      expect(changelog, `no link for [${name}]`).toMatch(
        new RegExp(`^\\[${name.replace(/\./g, '\\.')}\\]: https://`, 'm'),
      );
    }
  });
});

// The pins. `uses:` lines are read as text, comments included: a commented-out step someone may
// enable must be pinned too.
const SHA_PIN = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+){0,2}$/;
/** The product itself, which users follow by its major tag, and actions in the same repository. */
const unpinnedOnPurpose = (ref: string) => ref.startsWith('./') || /^agentgate\/agentgate@v\d+$/.test(ref);

type Use = { where: string; ref: string };

function usesLines(where: string, text: string): Use[] {
  return text.split('\n').flatMap((line, i) => {
    const m = /^\s*(?:#\s*)?(?:-\s+)?uses:\s*(.+?)\s*$/.exec(line);
    return m?.[1] ? [{ where: `${where}:${i + 1}`, ref: m[1] }] : [];
  });
}

const unpinned = (uses: Use[]) =>
  uses.filter((u) => !unpinnedOnPurpose(u.ref) && !SHA_PIN.test(u.ref)).map((u) => `${u.where}: ${u.ref}`);

function quickStart(): string {
  const readme = read('README.md');
  const section = readme.slice(readme.indexOf('### Quick start'), readme.indexOf('### What it does'));
  return /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
}

const yamlFiles = (dir: string) =>
  readdirSync(path.join(root, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => `${dir}/${f}`);

function allUses(): Use[] {
  const files = [...yamlFiles('.github/workflows'), ...yamlFiles('.github/examples')];
  return [
    ...files.flatMap((f) => usesLines(f, read(f))),
    ...usesLines('README.md quick start', quickStart()),
  ];
}

describe('third-party actions', () => {
  const uses = allUses();

  it('are found in the workflows, the examples and the quick start', () => {
    const where = (prefix: string) => uses.filter((u) => u.where.startsWith(prefix));
    expect(where('.github/workflows/ci.yml').length).toBeGreaterThan(0);
    expect(where('.github/workflows/release.yml').length).toBeGreaterThan(0);
    expect(where('.github/examples/').length).toBeGreaterThan(0);
    expect(where('README.md quick start').map((u) => u.ref)).toContain('agentgate/agentgate@v1');
  });

  it('are pinned by commit SHA with the version in a comment (agentgate itself excepted)', () => {
    expect(unpinned(uses)).toEqual([]);
  });

  it('are pinned the same everywhere, so the README shows what the workflows run', () => {
    const pins = new Map<string, Set<string>>();
    for (const { ref } of uses.filter((u) => SHA_PIN.test(u.ref))) {
      const action = ref.slice(0, ref.indexOf('@'));
      pins.set(action, (pins.get(action) ?? new Set()).add(ref));
    }
    const split = [...pins.values()].filter((refs) => refs.size > 1).map((refs) => [...refs]);
    expect(split).toEqual([]);
    expect(pins.has('actions/checkout')).toBe(true);
  });

  it('the check bites', () => {
    const sha = 'a'.repeat(40);
    const text = [
      `  - uses: actions/checkout@${sha} # v4.2.2`,
      `      # uses: github/codeql-action/upload-sarif@${sha} # v4`,
      '  - uses: ./',
      '    uses: agentgate/agentgate@v1',
      '  - uses: actions/checkout@v4',
      `    uses: actions/setup-node@${sha}`,
      `    uses: actions/setup-node@${sha.slice(1)} # v4.4.0`,
      `    # uses: actions/create-github-app-token@${sha} # main`,
      '    uses: agentgate/agentgate@main',
      '    uses: docker://alpine:3.20',
    ].join('\n');
    expect(unpinned(usesLines('x.yml', text))).toEqual([
      'x.yml:5: actions/checkout@v4',
      `x.yml:6: actions/setup-node@${sha}`,
      `x.yml:7: actions/setup-node@${sha.slice(1)} # v4.4.0`,
      `x.yml:8: actions/create-github-app-token@${sha} # main`,
      'x.yml:9: agentgate/agentgate@main',
      'x.yml:10: docker://alpine:3.20',
    ]);
  });
});

describe('.github/dependabot.yml', () => {
  it('keeps the pins of the workflows and the examples current', () => {
    const config = parse(read('.github/dependabot.yml')) as {
      updates: { 'package-ecosystem': string; directory?: string; directories?: string[] }[];
    };
    const actions = config.updates.find((u) => u['package-ecosystem'] === 'github-actions');
    const dirs = actions?.directories ?? [actions?.directory];
    expect(dirs).toEqual(expect.arrayContaining(['/', '/.github/examples']));
    expect(config.updates.map((u) => u['package-ecosystem'])).toContain('npm');
  });
});

// The release workflow.
const release = parse(read('.github/workflows/release.yml')) as Workflow;
const verify = release.jobs.verify as Job;
const publish = release.jobs.publish as Job;

function step(job: Job, id: string): Step {
  const found = job.steps.find((s) => s.id === id || s.name === id);
  if (!found) throw new Error(`release.yml has no step '${id}'`);
  return found;
}

/** Runs a `run:` step's script as GitHub does (bash -e -o pipefail); returns its exit code and outputs. */
async function runStep(s: Step, cwd: string, env: Record<string, string>) {
  if (!s.run) throw new Error(`step ${s.id ?? s.name} has no run:`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentgate-release-step-'));
  const outputFile = path.join(dir, 'output');
  writeFileSync(outputFile, '');
  const r = await execFile('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', s.run], {
    cwd,
    env: { PATH: process.env.PATH, HOME: dir, GITHUB_OUTPUT: outputFile, ...env },
  });
  return { exitCode: r.exitCode, output: r.output, outputs: parseOutputs(readFileSync(outputFile, 'utf8')) };
}

/** GITHUB_OUTPUT's format: `name=value` lines and `name<<DELIMITER` … `DELIMITER` blocks. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const block = /^([\w-]+)<<(.+)$/.exec(line);
    if (block?.[1] && block[2]) {
      const end = lines.indexOf(block[2], i + 1);
      outputs[block[1]] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return outputs;
}

describe('.github/workflows/release.yml', () => {
  it('runs on vX.Y.Z tags, with no permissions but the publishing job', () => {
    expect(release.on.push).toEqual({ tags: ['v*.*.*'] });
    expect(release.permissions).toEqual({});
    expect(verify.permissions).toEqual({ contents: 'read' });
    expect(publish.permissions).toEqual({ contents: 'write' });
    expect(Object.keys(release.jobs)).toEqual(['verify', 'publish']);
    expect(publish.needs).toBe('verify');
    // The job that installs and runs the code gets no token to pass around.
    expect(JSON.stringify(verify)).not.toMatch(/github\.token|secrets\./);
  });

  it('verifies the tagged commit as CI does before anything is published', () => {
    const runs = verify.steps.map((s) => s.run ?? s.uses ?? '');
    const at = (what: string) => {
      const i = runs.findIndex((r) => r.includes(what));
      expect(i, `verify has no step running '${what}'`).toBeGreaterThan(-1);
      return i;
    };
    const setupNode = verify.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(setupNode).toMatchObject({ with: { 'node-version-file': '.node-version' } });
    const order = [
      at('npm ci'),
      at('npm run typecheck'),
      at('npm run lint'),
      at('sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0'),
      at('npm test'),
      at('npm run bundle'),
    ];
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(runs[at('npm run bundle')]).toContain('git diff --quiet -- action/dist');
  });

  it('installs every system package the tests need, as .ci/run does (scripts/system-deps.mjs)', () => {
    expect(read('.ci/run')).toContain('node scripts/system-deps.mjs test');
    const install = step(verify, "Install the tests' system packages").run ?? '';
    if (install.includes('node scripts/system-deps.mjs test')) return;
    // dpkg comes with apt-get itself.
    const packages = packagesFor(PURPOSES.test.needs).filter((p) => p !== 'dpkg');
    expect(packages.length).toBeGreaterThan(3);
    for (const p of packages)
      expect(install, `release.yml does not install ${p}`).toMatch(new RegExp(`\\s${p}(\\s|$)`));
  });

  it('moves the major tag to the release, then creates the release with its notes', () => {
    expect(verify.outputs).toMatchObject({
      tag: gh('steps.release.outputs.tag'),
      major: gh('steps.release.outputs.major'),
      notes: gh('steps.notes.outputs.notes'),
    });
    const [move, create] = publish.steps.filter((s) => s.run);
    expect(move?.env).toMatchObject({
      TAG: gh('needs.verify.outputs.tag'),
      MAJOR: gh('needs.verify.outputs.major'),
      GITHUB_TOKEN: gh('github.token'),
    });
    expect(move?.run).toContain('git tag -f "$MAJOR"');
    expect(move?.run).toContain('git push -f origin "refs/tags/$MAJOR"');
    expect(create?.env).toMatchObject({ NOTES: gh('needs.verify.outputs.notes') });
    expect(create?.run).toMatch(/gh release create "\$TAG" .*--notes-file/);
    for (const checkout of publish.steps.filter((s) => s.uses?.startsWith('actions/checkout@'))) {
      expect(checkout).toMatchObject({ with: { 'persist-credentials': false } });
    }
  });

  it('releases only vMAJOR.MINOR.PATCH tags, and names their major tag', async () => {
    const s = step(verify, 'release');
    for (const [tag, major] of [
      ['v0.1.0', 'v0'],
      ['v1.2.3', 'v1'],
      ['v10.0.12', 'v10'],
    ]) {
      const r = await runStep(s, root, { TAG: tag as string });
      expect(r.exitCode, r.output).toBe(0);
      expect(r.outputs).toEqual({ tag, major });
    }
    for (const tag of ['v1.2', 'v1.2.3-rc.1', '1.2.3', 'v01.2.3', 'v1.2.3\n::notice::x', 'v1.2.3.4', '']) {
      const r = await runStep(s, root, { TAG: tag });
      expect(r.exitCode, tag).toBe(1);
      expect(r.outputs).toEqual({});
      expect(r.output).toContain('is not a release tag');
    }
  });

  it("publishes the version's CHANGELOG section as the notes", async () => {
    const r = await runStep(step(verify, 'notes'), root, { TAG: `v${pkg.version}` });
    expect(r.exitCode, r.output).toBe(0);
    const notes = r.outputs.notes ?? '';
    const changelog = read('CHANGELOG.md');
    const start = changelog.indexOf(`\n## [${pkg.version}] - `);
    const ends = [changelog.indexOf('\n## [', start + 1), changelog.indexOf('\n[Unreleased]: ')];
    const end = Math.min(...ends.filter((i) => i > start));
    const body = changelog.slice(changelog.indexOf('\n', start + 1) + 1, end);
    expect(notes).toBe(body.trim());
    expect(notes).toContain('### Added');
    expect(notes).not.toMatch(/^## |^\[[^\]]+\]: /m);
  });

  describe('on a repository', () => {
    const changelog = [
      '# Changelog',
      '',
      '## [Unreleased]',
      '',
      '- next',
      '',
      '## [1.3.0] - 2026-12-01',
      '',
      '### Fixed',
      '',
      '- 1.3.0 notes',
      '',
      '## [1.2.3] - 2026-11-01',
      '',
      '- 1.2.3 notes',
      '',
      '## [1.2.2] - 2026-10-01',
      '',
      '[Unreleased]: https://example.invalid/compare/v1.3.0...HEAD',
      '[1.3.0]: https://example.invalid/v1.3.0',
      '',
    ].join('\n');
    const repo = async () => {
      const dir = await makeRepo(undefined, {
        'CHANGELOG.md': changelog,
        'package.json': '{ "version": "1.3.0" }\n',
      });
      for (const tag of ['v1.2.2', 'v1.2.3', 'v1.3.0', 'v1.4.0-rc.1', 'v2.0.0']) {
        await sh(dir, 'git', ['tag', tag]);
      }
      return dir;
    };

    it("reads each version's section, and refuses one without entries or without a section", async () => {
      const dir = await repo();
      const notes = async (tag: string) => runStep(step(verify, 'notes'), dir, { TAG: tag });
      expect((await notes('v1.3.0')).outputs.notes).toBe('### Fixed\n\n- 1.3.0 notes');
      expect((await notes('v1.2.3')).outputs.notes).toBe('- 1.2.3 notes');
      for (const tag of ['v1.2.2', 'v1.0.0', 'v1.3']) {
        const r = await notes(tag);
        expect(r.exitCode, tag).toBe(1);
        expect(r.output).toContain('::error file=CHANGELOG.md::');
      }
    });

    it("checks package.json's version against the tag", async () => {
      const dir = await repo();
      const s = step(verify, "package.json's version is the tag's");
      expect((await runStep(s, dir, { TAG: 'v1.3.0' })).exitCode).toBe(0);
      const wrong = await runStep(s, dir, { TAG: 'v1.3.1' });
      expect(wrong.exitCode).toBe(1);
      expect(wrong.output).toContain("package.json's version is 1.3.0 but the tag is v1.3.1");
    });

    it('moves the major tag only for the newest release of that major version', async () => {
      const dir = await repo();
      const s = step(verify, 'latest');
      const moves = async (tag: string, major: string) =>
        (await runStep(s, dir, { TAG: tag, MAJOR: major })).outputs['move-major'];
      expect(await moves('v1.3.0', 'v1')).toBe('true');
      expect(await moves('v1.2.3', 'v1')).toBe('false');
      expect(await moves('v2.0.0', 'v2')).toBe('true');
    });

    it('releases only commits on the default branch', async () => {
      const dir = await repo();
      await sh(dir, 'git', ['update-ref', 'refs/remotes/origin/main', 'HEAD']);
      const s = step(verify, 'The tag is on the default branch');
      const env = { TAG: 'v1.3.0', DEFAULT_BRANCH: 'main' };
      expect((await runStep(s, dir, env)).exitCode).toBe(0);
      await sh(dir, 'git', ['checkout', '-qb', 'unreviewed']);
      writeFileSync(path.join(dir, 'x'), 'x\n');
      await commitEverything(dir, 'not on main');
      const r = await runStep(s, dir, env);
      expect(r.exitCode).toBe(1);
      expect(r.output).toContain('v1.3.0 is not on main');
    });
  });
});
