// Test reports into one shape: JUnit XML (vitest's `--reporter=junit`, jest-junit, pytest's `--junitxml`)
// and `go test -json` event lines (Go writes no JUnit of its own). The flaky hunter compares outcomes of
// the same test across runs, so every parser gives each test an `id` that stays the same from run to run.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export type Outcome = 'passed' | 'failed' | 'skipped';

export interface TestCaseResult {
  /** Stable across runs: `<file or classname>::<name>` (go: `<package>::<Test/sub>`). */
  id: string;
  name: string;
  file?: string;
  classname?: string;
  outcome: Outcome;
  /** The failure's message (or its body's start when it has no message attribute). */
  message?: string;
  durationMs?: number;
}

/** Failure bodies are stack traces; the start is enough to recognise one, and a report may hold thousands. */
const MAX_MESSAGE_CHARS = 2000;

/** Elements that may repeat; the parser returns a lone one as an object unless told it is a list. */
const REPEATED = new Set([
  'testsuite',
  'testcase',
  'failure',
  'error',
  'skipped',
  'rerunFailure',
  'flakyFailure',
]);

type Node = Record<string, unknown>;

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function list(v: unknown): Node[] {
  if (v === undefined) return [];
  // `<skipped/>` parses to '' and `<failure>text</failure>` to a string: both still mean "present".
  const items = Array.isArray(v) ? v : [v];
  return items.map((i) => (isNode(i) ? i : { '#text': typeof i === 'string' ? i : '' }));
}

function attr(n: Node, name: string): string | undefined {
  const v = n[`@_${name}`];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function text(n: Node): string {
  const v = n['#text'];
  return typeof v === 'string' ? v : '';
}

function bounded(s: string): string {
  return s.length > MAX_MESSAGE_CHARS ? s.slice(0, MAX_MESSAGE_CHARS) : s;
}

/** The message of a failure or error element: its message attribute, else its body. */
function failureMessage(n: Node): string | undefined {
  const m = attr(n, 'message') ?? text(n).trim();
  return m === '' ? undefined : bounded(m);
}

function seconds(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  // Some reporters write thousands separators ("1,234.5").
  const n = Number(v.replaceAll(',', ''));
  return Number.isFinite(n) ? Math.round(n * 1000) : undefined;
}

function testcase(tc: Node, suiteFile: string | undefined): TestCaseResult {
  const name = attr(tc, 'name') ?? '';
  const classname = attr(tc, 'classname');
  const file = attr(tc, 'file') ?? suiteFile;
  const failures = [...list(tc.failure), ...list(tc.error)];
  const skipped = list(tc.skipped);
  const outcome: Outcome = failures.length > 0 ? 'failed' : skipped.length > 0 ? 'skipped' : 'passed';
  const first = failures[0];
  const message = first ? failureMessage(first) : undefined;
  const durationMs = seconds(attr(tc, 'time'));
  // vitest's classname is the file; pytest's (xunit2) is the dotted module and class; jest-junit's the
  // describe blocks. The file, when given, is the better key: it is what a rerun of one test needs.
  const scope = file ?? classname ?? '';
  return {
    id: `${scope}::${name}`,
    name,
    ...(file !== undefined ? { file } : {}),
    ...(classname !== undefined ? { classname } : {}),
    outcome,
    ...(message !== undefined ? { message } : {}),
    ...(durationMs !== undefined ? { durationMs } : {}),
  };
}

function walkSuite(suite: Node, out: TestCaseResult[]): void {
  // jest-junit (with its file attribute option) and some others put the file on the suite.
  const suiteFile = attr(suite, 'file') ?? attr(suite, 'filepath');
  for (const tc of list(suite.testcase)) out.push(testcase(tc, suiteFile));
  for (const nested of list(suite.testsuite)) walkSuite(nested, out);
}

/**
 * The test cases of a JUnit XML report. `source` names the report in errors (a path or "artifact x").
 * Throws when the text is not XML or has no <testsuites>/<testsuite> root.
 */
export function parseJUnit(xml: string, source: string): TestCaseResult[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new Error(
      `${source}: not well-formed XML (line ${valid.err.line}: ${valid.err.msg}); expected a JUnit XML report`,
    );
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: false,
    // Numeric references (pytest writes newlines in attributes as &#10;) are decoded only with this on.
    htmlEntities: true,
    isArray: (tagName) => REPEATED.has(tagName),
  });
  const doc: unknown = parser.parse(xml);
  const root = isNode(doc) ? doc : {};
  const out: TestCaseResult[] = [];
  if (root.testsuites !== undefined) {
    const suites = isNode(root.testsuites) ? root.testsuites : {};
    for (const suite of list(suites.testsuite)) walkSuite(suite, out);
    // Some writers put test cases straight under <testsuites>.
    for (const tc of list(suites.testcase)) out.push(testcase(tc, undefined));
  } else if (root.testsuite !== undefined) {
    for (const suite of list(root.testsuite)) walkSuite(suite, out);
  } else {
    const found = Object.keys(root).filter((k) => !k.startsWith('?'));
    throw new Error(
      `${source}: not a JUnit report: expected a <testsuites> or <testsuite> root element, found ${
        found.length > 0 ? found.map((k) => `<${k}>`).join(', ') : 'no element'
      }`,
    );
  }
  return out;
}

interface GoEvent {
  Action?: unknown;
  Package?: unknown;
  ImportPath?: unknown;
  Test?: unknown;
  Elapsed?: unknown;
  Output?: unknown;
}

/**
 * The tests of `go test -json` output (one JSON event a line; `go doc test2json`): each test's last
 * pass/fail/skip is its outcome, its output lines are a failure's message. Package-level events (no
 * Test) and lines that are not JSON (build errors printed before the events) are skipped.
 */
export function parseGoTestJson(text: string, source: string): TestCaseResult[] {
  const tests = new Map<
    string,
    { pkg: string; name: string; outcome?: Outcome; elapsed?: number; output: string[] }
  >();
  let events = 0;
  const failedPackages = new Set<string>();
  const packageOutput = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    let ev: GoEvent;
    try {
      ev = JSON.parse(trimmed) as GoEvent;
    } catch {
      continue;
    }
    if (typeof ev.Action !== 'string') continue;
    events++;
    // Build events (go 1.24+) name the package by ImportPath: `pkg [pkg.test]`.
    const pkg =
      typeof ev.Package === 'string'
        ? ev.Package
        : typeof ev.ImportPath === 'string'
          ? (ev.ImportPath.split(' ')[0] ?? '')
          : '';
    if (typeof ev.Test !== 'string' || ev.Test === '') {
      // The package's own events: its verdict, and output outside any test (build errors, TestMain).
      if (ev.Action === 'fail' || ev.Action === 'build-fail') failedPackages.add(pkg);
      if ((ev.Action === 'output' || ev.Action === 'build-output') && typeof ev.Output === 'string') {
        const lines = packageOutput.get(pkg) ?? [];
        lines.push(ev.Output);
        packageOutput.set(pkg, lines.slice(-20));
      }
      continue;
    }
    const key = `${pkg}::${ev.Test}`;
    let t = tests.get(key);
    if (!t) {
      t = { pkg, name: ev.Test, output: [] };
      tests.set(key, t);
    }
    if (ev.Action === 'output' && typeof ev.Output === 'string') t.output.push(ev.Output);
    if (ev.Action === 'pass' || ev.Action === 'fail' || ev.Action === 'skip') {
      t.outcome = ev.Action === 'pass' ? 'passed' : ev.Action === 'fail' ? 'failed' : 'skipped';
      if (typeof ev.Elapsed === 'number') t.elapsed = ev.Elapsed;
    }
  }
  if (events === 0 && text.trim() !== '') {
    throw new Error(
      `${source}: no 'go test -json' events found; expected one JSON object a line with an "Action" field`,
    );
  }
  // A package that failed with no failed test failed outside its tests: the run proves nothing about them.
  const withFailedTest = new Set(
    [...tests.values()].filter((t) => t.outcome === 'failed' || t.outcome === undefined).map((t) => t.pkg),
  );
  const outside = [...failedPackages].filter((p) => !withFailedTest.has(p));
  if (outside.length > 0) {
    const why = (packageOutput.get(outside[0] ?? '') ?? []).join('').trim();
    throw new Error(
      `${source}: package ${outside.join(', ')} failed outside its tests (a build error, TestMain or a panic between tests)${why ? `: ${bounded(why)}` : ''}`,
    );
  }
  const out: TestCaseResult[] = [];
  for (const [id, t] of tests) {
    // A test with no final action was cut short (a panic or timeout ends the binary): that is a failure.
    const outcome = t.outcome ?? 'failed';
    const message = outcome === 'failed' ? goFailureMessage(t.output) : undefined;
    out.push({
      id,
      name: t.name,
      classname: t.pkg,
      outcome,
      ...(message ? { message } : {}),
      ...(t.elapsed !== undefined ? { durationMs: Math.round(t.elapsed * 1000) } : {}),
    });
  }
  return out;
}

/** The lines of a failed test's output that say why: without the `=== RUN` / `--- FAIL` framing. */
function goFailureMessage(output: string[]): string | undefined {
  const lines = output
    .join('')
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^\s*(=== (RUN|PAUSE|CONT|NAME)|--- (FAIL|PASS|SKIP):)/.test(l));
  const m = lines.join('\n').trim();
  return m === '' ? undefined : bounded(m);
}
