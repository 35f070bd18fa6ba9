// Report parsing against the shapes each framework documents and writes: vitest's junit reporter,
// jest-junit, pytest's --junitxml (xunit1 and the default xunit2), and `go test -json` events.
import { describe, expect, it } from 'vitest';
import { parseGoTestJson, parseJUnit } from '../../action/flaky/junit.js';

// As vitest 4 writes it (captured from test/fixtures/flaky/js-vitest).
const VITEST = `<?xml version="1.0" encoding="UTF-8" ?>
<testsuites name="vitest tests" tests="4" failures="1" errors="0" time="0.0078">
    <testsuite name="checkout.test.mjs" timestamp="2026-12-05T08:38:20.932Z" hostname="vm" tests="4" failures="1" errors="0" skipped="1" time="0.0078">
        <testcase classname="checkout.test.mjs" name="cart &gt; applies the discount once" time="0.005867216">
            <failure message="stale cache on run 3: expected true to be false // Object.is equality" type="AssertionError">
AssertionError: stale cache on run 3: expected true to be false
 ❯ checkout.test.mjs:20:106
            </failure>
        </testcase>
        <testcase classname="checkout.test.mjs" name="cart &gt; adds up the items" time="0.000247419">
        </testcase>
        <testcase classname="checkout.test.mjs" name="later" time="0">
            <skipped/>
        </testcase>
        <testcase classname="checkout.test.mjs" name="rounds the tax" time="0.0012">
        </testcase>
    </testsuite>
</testsuites>`;

// jest-junit's README example, with JEST_JUNIT_ADD_FILE_ATTRIBUTE=true and an error element.
const JEST_JUNIT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="jest tests" tests="2" failures="1" errors="0" time="0.161">
  <testsuite name="foo" errors="0" failures="1" skipped="0" timestamp="2017-07-13T09:42:28" time="0.161" tests="2">
    <testcase classname="foo addition" name="foo addition" time="0.004" file="src/foo.test.js">
    </testcase>
    <testcase classname="foo subtraction" name="foo subtraction" time="0.002" file="src/foo.test.js">
      <failure>Error: expect(received).toBe(expected)

Expected: 1
Received: 2
    at Object.&lt;anonymous&gt; (src/foo.test.js:9:17)</failure>
    </testcase>
  </testsuite>
</testsuites>`;

// pytest with -o junit_family=xunit1 (file and line kept), as written by pytest 9.
const PYTEST_XUNIT1 = `<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="1" failures="1" skipped="1" tests="4" time="0.025" timestamp="2026-12-05T08:38:22.868436+00:00" hostname="vm"><testcase classname="tests.test_checkout.TestCart" name="test_applies_discount_once" file="tests/test_checkout.py" line="16" time="0.001"><failure message="AssertionError: stale cache on run 3&#10;assert not True">self = &lt;tests.test_checkout.TestCart object at 0x7f5e736a2910&gt;</failure></testcase><testcase classname="tests.test_checkout" name="test_param[a-1]" file="tests/test_checkout.py" line="21" time="0.000" /><testcase classname="tests.test_checkout" name="test_db" file="tests/test_checkout.py" line="25" time="0.000"><error message="failed on setup with &quot;KeyError: 'db'&quot;">fixture trace</error></testcase><testcase classname="tests.test_checkout" name="test_later" file="tests/test_checkout.py" line="30" time="0.000"><skipped type="pytest.skip" message="not yet">tests/test_checkout.py:30: not yet</skipped></testcase></testsuite></testsuites>`;

// pytest's default family (xunit2): no file attribute; older pytest writes a bare <testsuite> root.
const PYTEST_XUNIT2_BARE = `<?xml version="1.0" encoding="utf-8"?><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="1" time="0.01"><testcase classname="test_x" name="test_ok" time="0.002" /></testsuite>`;

describe('parseJUnit', () => {
  it("reads vitest's report: describe blocks in the name, the file as classname", () => {
    const cases = parseJUnit(VITEST, 'vitest.xml');
    expect(cases).toEqual([
      {
        id: 'checkout.test.mjs::cart > applies the discount once',
        name: 'cart > applies the discount once',
        classname: 'checkout.test.mjs',
        outcome: 'failed',
        message: 'stale cache on run 3: expected true to be false // Object.is equality',
        durationMs: 6,
      },
      expect.objectContaining({ name: 'cart > adds up the items', outcome: 'passed', durationMs: 0 }),
      expect.objectContaining({ name: 'later', outcome: 'skipped' }),
      expect.objectContaining({ name: 'rounds the tax', outcome: 'passed', durationMs: 1 }),
    ]);
  });

  it("reads jest-junit's report: the failure body is the message when there is no attribute", () => {
    const cases = parseJUnit(JEST_JUNIT, 'jest.xml');
    expect(cases.map((c) => [c.id, c.outcome])).toEqual([
      ['src/foo.test.js::foo addition', 'passed'],
      ['src/foo.test.js::foo subtraction', 'failed'],
    ]);
    expect(cases[1]?.message).toMatch(/^Error: expect\(received\)\.toBe\(expected\)\n\nExpected: 1/);
    expect(cases[1]?.file).toBe('src/foo.test.js');
  });

  it("reads pytest's xunit1 report: failure, error (as failed), skipped, params in the name", () => {
    const cases = parseJUnit(PYTEST_XUNIT1, 'pytest.xml');
    expect(cases.map((c) => [c.id, c.outcome])).toEqual([
      ['tests/test_checkout.py::test_applies_discount_once', 'failed'],
      ['tests/test_checkout.py::test_param[a-1]', 'passed'],
      ['tests/test_checkout.py::test_db', 'failed'],
      ['tests/test_checkout.py::test_later', 'skipped'],
    ]);
    expect(cases[0]?.message).toBe('AssertionError: stale cache on run 3\nassert not True');
    expect(cases[0]?.classname).toBe('tests.test_checkout.TestCart');
    expect(cases[2]?.message).toBe(`failed on setup with "KeyError: 'db'"`);
  });

  it('reads a bare <testsuite> root without file attributes (keyed by classname)', () => {
    expect(parseJUnit(PYTEST_XUNIT2_BARE, 'old.xml')).toEqual([
      { id: 'test_x::test_ok', name: 'test_ok', classname: 'test_x', outcome: 'passed', durationMs: 2 },
    ]);
  });

  it('names the file and what was expected when the XML is not JUnit or not XML', () => {
    expect(() => parseJUnit('<?xml version="1.0"?><project><x/></project>', 'reports/a.xml')).toThrow(
      'reports/a.xml: not a JUnit report: expected a <testsuites> or <testsuite> root element, found <project>',
    );
    expect(() => parseJUnit('<testsuites><testsuite></testsuites>', 'reports/b.xml')).toThrow(
      /^reports\/b\.xml: not well-formed XML \(line 1: .*\); expected a JUnit XML report$/,
    );
    expect(() => parseJUnit('{"numTotalTests": 1}', 'reports/c.xml')).toThrow(/^reports\/c\.xml: /);
  });
});

// `go test -json` events as `go doc test2json` documents them (Time, Action, Package, Test, Elapsed, Output).
const GO_EVENTS = [
  '{"Time":"2026-12-05T10:00:00Z","Action":"start","Package":"example.com/shop/cart"}',
  '{"Time":"2026-12-05T10:00:00Z","Action":"run","Package":"example.com/shop/cart","Test":"TestDiscount"}',
  '{"Time":"2026-12-05T10:00:00Z","Action":"output","Package":"example.com/shop/cart","Test":"TestDiscount","Output":"=== RUN   TestDiscount\\n"}',
  '{"Time":"2026-12-05T10:00:00Z","Action":"output","Package":"example.com/shop/cart","Test":"TestDiscount","Output":"    cart_test.go:14: stale cache on run 3\\n"}',
  '{"Time":"2026-12-05T10:00:00Z","Action":"output","Package":"example.com/shop/cart","Test":"TestDiscount","Output":"--- FAIL: TestDiscount (0.01s)\\n"}',
  '{"Time":"2026-12-05T10:00:00Z","Action":"fail","Package":"example.com/shop/cart","Test":"TestDiscount","Elapsed":0.012}',
  '{"Time":"2026-12-05T10:00:00Z","Action":"run","Package":"example.com/shop/cart","Test":"TestSum/empty"}',
  '{"Time":"2026-12-05T10:00:00Z","Action":"pass","Package":"example.com/shop/cart","Test":"TestSum/empty","Elapsed":0}',
  '{"Time":"2026-12-05T10:00:00Z","Action":"run","Package":"example.com/shop/cart","Test":"TestLater"}',
  '{"Time":"2026-12-05T10:00:00Z","Action":"skip","Package":"example.com/shop/cart","Test":"TestLater","Elapsed":0}',
  '{"Time":"2026-12-05T10:00:00Z","Action":"run","Package":"example.com/shop/cart","Test":"TestHang"}',
  '{"Time":"2026-12-05T10:00:00Z","Action":"fail","Package":"example.com/shop/cart","Elapsed":0.5}',
].join('\n');

describe('parseGoTestJson', () => {
  it('takes each test’s final action; output lines without RUN/FAIL framing are the message', () => {
    expect(parseGoTestJson(GO_EVENTS, 'go.jsonl')).toEqual([
      {
        id: 'example.com/shop/cart::TestDiscount',
        name: 'TestDiscount',
        classname: 'example.com/shop/cart',
        outcome: 'failed',
        message: 'cart_test.go:14: stale cache on run 3',
        durationMs: 12,
      },
      expect.objectContaining({ name: 'TestSum/empty', outcome: 'passed', durationMs: 0 }),
      expect.objectContaining({ name: 'TestLater', outcome: 'skipped' }),
      // Started, never finished (the binary died): a failure.
      expect.objectContaining({ name: 'TestHang', outcome: 'failed' }),
    ]);
  });

  it('skips non-JSON lines (build output) and refuses text with no events', () => {
    expect(parseGoTestJson(`# example.com/shop\nbuild noise\n${GO_EVENTS}`, 'go.jsonl')).toHaveLength(4);
    expect(parseGoTestJson('', 'go.jsonl')).toEqual([]);
    expect(() => parseGoTestJson('ok  \texample.com/shop\t0.01s\n', 'out/go.jsonl')).toThrow(
      `out/go.jsonl: no 'go test -json' events found; expected one JSON object a line with an "Action" field`,
    );
  });

  it('refuses a run where a package failed outside its tests (build error, TestMain), naming it', () => {
    // go 1.24+ reports a package that does not build with build-output and build-fail events.
    const build = [
      '{"ImportPath":"example.com/shop/cart [example.com/shop/cart.test]","Action":"build-output","Output":"cart/cart.go:3:1: syntax error\\n"}',
      '{"ImportPath":"example.com/shop/cart [example.com/shop/cart.test]","Action":"build-fail"}',
      '{"Action":"start","Package":"example.com/shop/tax"}',
      '{"Action":"run","Package":"example.com/shop/tax","Test":"TestRate"}',
      '{"Action":"pass","Package":"example.com/shop/tax","Test":"TestRate","Elapsed":0}',
      '{"Action":"pass","Package":"example.com/shop/tax","Elapsed":0.01}',
      '{"Action":"output","Package":"example.com/shop/cart","Output":"FAIL\\texample.com/shop/cart [build failed]\\n"}',
      '{"Action":"fail","Package":"example.com/shop/cart","Elapsed":0}',
    ].join('\n');
    expect(() => parseGoTestJson(build, 'go.jsonl')).toThrow(
      /^go\.jsonl: package example\.com\/shop\/cart failed outside its tests \(a build error, TestMain or a panic between tests\): cart\/cart\.go:3:1: syntax error/,
    );
    // A package that failed because a test failed is an ordinary result.
    expect(parseGoTestJson(GO_EVENTS, 'go.jsonl').some((t) => t.outcome === 'failed')).toBe(true);
  });
});
