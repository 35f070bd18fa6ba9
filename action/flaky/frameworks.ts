// The four test frameworks the flaky hunter knows: how to tell which one a repository uses, how to run its
// whole suite once with a machine-readable report, and how to run one test alone. Commands are strings for
// `bash -c` (what the sandbox runs), every argument quoted, so a test name with quotes, spaces or `$` is
// passed as data.
//
// Reports: vitest's built-in junit reporter; jest through jest-junit (the repository must have it, as
// most CI setups that upload JUnit do) with its file attribute turned on, since rerunning one test needs
// the file; pytest's --junitxml with junit_family=xunit1, the family that keeps each test's file; go's
// `-json` events (go has no JUnit writer), redirected to the report file.
//
// Seeds: vitest takes --sequence.seed (the order only changes with --sequence.shuffle); go takes
// -shuffle=N; pytest takes --randomly-seed=N only with pytest-randomly installed (its documented option;
// the plugin shuffles whenever it is installed, so the seed is always passed then). jest's --seed and
// --randomize exist only from jest 29.2 and unknown flags are an error in older ones: recorded as 'none'.
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Sandbox } from '../sandbox/index.js';
import type { TestCaseResult } from './junit.js';

export type FrameworkKind = 'vitest' | 'jest' | 'pytest' | 'go';

export interface Framework {
  kind: FrameworkKind;
  /** The argv that starts the framework, e.g. ['npx', 'vitest'] or ['node', '/abs/vitest.mjs']. */
  runner: readonly string[];
  /** pytest only: pytest-randomly is importable (see probePytestRandomly). */
  randomly?: boolean;
}

export interface RunOptions {
  /** Where the report is written (relative to the work directory, or absolute inside it). */
  reportFile: string;
  /** Used where the framework takes one; recorded either way. */
  seed?: number;
  /** Shuffle the order where the framework can (vitest, go; pytest-randomly always shuffles). */
  shuffle?: boolean;
}

export interface RunSpec {
  command: string;
  reportFile: string;
  format: 'junit' | 'go-json';
  /** The seed passed to the framework, or 'none' when it takes none. */
  seed: string;
  order: 'declared' | 'shuffled';
}

export const DEFAULT_RUNNERS: Record<FrameworkKind, readonly string[]> = {
  vitest: ['npx', 'vitest'],
  jest: ['npx', 'jest'],
  pytest: ['python3', '-m', 'pytest'],
  go: ['go'],
};

/** One argument for bash: bare when it is plainly safe, else single-quoted. */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(s)) return s;
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** `s` as a regular expression that matches exactly `s` (JavaScript, Python re and Go RE2 alike). */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const COMMAND_HINTS: [RegExp, FrameworkKind][] = [
  [/\bvitest\b/, 'vitest'],
  [/\bjest\b/, 'jest'],
  [/\bpytest\b|\bpy\.test\b/, 'pytest'],
  [/\bgo\s+test\b/, 'go'],
];

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

async function packageDeps(repoDir: string): Promise<Set<string>> {
  const file = path.join(repoDir, 'package.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return new Set();
  }
  let pkg: unknown;
  try {
    pkg = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const names = new Set<string>();
  if (typeof pkg === 'object' && pkg !== null) {
    for (const field of ['dependencies', 'devDependencies'] as const) {
      const deps = (pkg as Record<string, unknown>)[field];
      if (typeof deps === 'object' && deps !== null) for (const n of Object.keys(deps)) names.add(n);
    }
  }
  return names;
}

/**
 * The framework a repository's tests use: the test command's words first (it is what the user runs),
 * then the repository's files (go.mod; package.json's vitest or jest; pytest's config files).
 * Undefined when nothing says.
 */
export async function detectFramework(repoDir: string, testCommand?: string): Promise<Framework | undefined> {
  const byCommand = testCommand ? COMMAND_HINTS.find(([re]) => re.test(testCommand))?.[1] : undefined;
  const kind = byCommand ?? (await detectFromFiles(repoDir));
  return kind ? { kind, runner: DEFAULT_RUNNERS[kind] } : undefined;
}

async function detectFromFiles(repoDir: string): Promise<FrameworkKind | undefined> {
  const deps = await packageDeps(repoDir);
  if (deps.has('vitest')) return 'vitest';
  if (deps.has('jest')) return 'jest';
  if (await exists(path.join(repoDir, 'go.mod'))) return 'go';
  for (const f of ['pytest.ini', 'conftest.py', 'tox.ini']) {
    if (await exists(path.join(repoDir, f))) return 'pytest';
  }
  for (const f of ['pyproject.toml', 'setup.cfg']) {
    const text = await readFile(path.join(repoDir, f), 'utf8').catch(() => '');
    if (/\bpytest\b/.test(text)) return 'pytest';
  }
  return undefined;
}

/** Whether pytest-randomly is importable in the sandbox (then its --randomly-seed is passed and recorded). */
export async function probePytestRandomly(sandbox: Sandbox, python = 'python3'): Promise<boolean> {
  const r = await sandbox.run(`${shellQuote(python)} -c 'import pytest_randomly'`, {
    timeoutMs: 15_000,
    maxOutputBytes: 4096,
  });
  return r.exitCode === 0;
}

interface Seeding {
  args: string[];
  seed: string;
  order: RunSpec['order'];
}

function seeding(fw: Framework, opts: RunOptions): Seeding {
  const seed = opts.seed;
  switch (fw.kind) {
    case 'vitest':
      if (seed === undefined) return { args: [], seed: 'none', order: 'declared' };
      return {
        args: [`--sequence.seed=${seed}`, ...(opts.shuffle ? ['--sequence.shuffle'] : [])],
        seed: String(seed),
        order: opts.shuffle ? 'shuffled' : 'declared',
      };
    case 'go':
      if (!opts.shuffle || seed === undefined) return { args: [], seed: 'none', order: 'declared' };
      return { args: [`-shuffle=${seed}`], seed: String(seed), order: 'shuffled' };
    case 'pytest':
      if (!fw.randomly) return { args: [], seed: 'none', order: 'declared' };
      // The plugin shuffles whether or not it is given a seed; without one it picks its own, unrecorded.
      return {
        args: ['-p', 'randomly', `--randomly-seed=${seed ?? 0}`],
        seed: String(seed ?? 0),
        order: 'shuffled',
      };
    case 'jest':
      return { args: [], seed: 'none', order: 'declared' };
  }
}

const JEST_ENV = (reportFile: string) => [
  `JEST_JUNIT_OUTPUT_FILE=${shellQuote(reportFile)}`,
  'JEST_JUNIT_ADD_FILE_ATTRIBUTE=true',
];

/** The command that runs the whole suite once and writes its report to opts.reportFile. */
export function suiteCommand(fw: Framework, opts: RunOptions): RunSpec {
  const s = seeding(fw, opts);
  const f = opts.reportFile;
  const runner = shellJoin(fw.runner);
  const spec = (command: string, format: RunSpec['format'] = 'junit'): RunSpec => ({
    command,
    reportFile: f,
    format,
    seed: s.seed,
    order: s.order,
  });
  switch (fw.kind) {
    case 'vitest':
      return spec(`${runner} ${shellJoin(['run', '--reporter=junit', `--outputFile=${f}`, ...s.args])}`);
    case 'jest':
      return spec(
        `${JEST_ENV(f).join(' ')} ${runner} ${shellJoin(['--ci', '--reporters=default', '--reporters=jest-junit'])}`,
      );
    case 'pytest':
      return spec(
        `${runner} ${shellJoin(['-p', 'no:cacheprovider', '-o', 'junit_family=xunit1', `--junitxml=${f}`, '-q', ...s.args])}`,
      );
    case 'go':
      return spec(
        `${runner} ${shellJoin(['test', '-count=1', '-json', ...s.args, './...'])} > ${shellQuote(f)}`,
        'go-json',
      );
  }
}

/**
 * The command that runs `test` (as a report named it) and nothing else. Throws when the report lacks
 * what the framework needs to select it (a file for vitest, jest and pytest; a package for go).
 */
export function singleTestCommand(fw: Framework, test: TestCaseResult, opts: RunOptions): RunSpec {
  const s = seeding(fw, opts);
  const f = opts.reportFile;
  const runner = shellJoin(fw.runner);
  const spec = (command: string, format: RunSpec['format'] = 'junit'): RunSpec => ({
    command,
    reportFile: f,
    format,
    seed: s.seed,
    order: s.order,
  });
  switch (fw.kind) {
    case 'vitest': {
      // The report's name joins describe blocks with ' > '; -t matches the full name joined with spaces.
      // A ' > ' inside a title reads the same, so each may be either.
      const file = test.file ?? test.classname;
      if (!file)
        throw new Error(`test '${test.id}': the vitest report gives no file (classname) to run it from`);
      const pattern = `^${test.name.split(' > ').map(escapeRegExp).join('(?: > | )')}$`;
      return spec(
        `${runner} ${shellJoin(['run', file, '-t', pattern, '--reporter=junit', `--outputFile=${f}`, ...s.args])}`,
      );
    }
    case 'jest': {
      if (!test.file) {
        throw new Error(
          `test '${test.id}': the jest-junit report has no file attribute (set JEST_JUNIT_ADD_FILE_ATTRIBUTE=true)`,
        );
      }
      // jest-junit's default title is "{classname} {title}", which is jest's full name that -t matches.
      // jest matches path patterns against absolute paths: anchored at the end only.
      const args = [
        `${escapeRegExp(test.file)}$`,
        '-t',
        `^${escapeRegExp(test.name)}$`,
        '--ci',
        '--reporters=default',
        '--reporters=jest-junit',
      ];
      return spec(`${JEST_ENV(f).join(' ')} ${runner} ${shellJoin(args)}`);
    }
    case 'pytest':
      return spec(
        `${runner} ${shellJoin([pytestNodeId(test), '-p', 'no:cacheprovider', '-o', 'junit_family=xunit1', `--junitxml=${f}`, '-q', ...s.args])}`,
      );
    case 'go': {
      const pkg = test.classname;
      if (!pkg) throw new Error(`test '${test.id}': the go -json events give no Package to run it in`);
      // -run takes one anchored pattern per subtest level, separated by '/'.
      const run = test.name
        .split('/')
        .map((part) => `^${escapeRegExp(part)}$`)
        .join('/');
      return spec(
        `${runner} ${shellJoin(['test', '-run', run, '-count=1', '-json', ...s.args, pkg])} > ${shellQuote(f)}`,
        'go-json',
      );
    }
  }
}

/**
 * pytest's node id (`tests/test_x.py::TestClass::test_y[param]`) from an xunit1 report's file and
 * classname: the classname is the dotted module followed by any classes.
 */
export function pytestNodeId(test: TestCaseResult): string {
  if (!test.file) {
    throw new Error(
      `test '${test.id}': the pytest report has no file attribute (run pytest with -o junit_family=xunit1)`,
    );
  }
  const module = test.file.replace(/\.py$/, '').replaceAll('/', '.');
  const classname = test.classname ?? '';
  const classes = classname.startsWith(`${module}.`) ? classname.slice(module.length + 1).split('.') : [];
  return [test.file, ...classes, test.name].join('::');
}
