// The gate reports: SARIF checked against the SARIF 2.1.0 schema and GitHub's upload rules, markdown
// checked for its shape, its caps and that nothing in a finding can inject markup.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type * as Sarif from 'sarif';
import { describe, expect, it } from 'vitest';
import {
  CHANGE_LOCATION_URI,
  FINGERPRINT_KEY,
  SARIF_LIMITS,
  SECURITY_SEVERITY,
  toMarkdown,
  toSarif,
} from '../../gates/report/index.js';
import {
  type Finding,
  GATE_NAMES,
  type GateName,
  type GateResult,
  type GatesReport,
  SEVERITIES,
} from '../../gates/types.js';
import { gatesReport } from '../support/gates-fixtures.js';
import { validateSarif } from '../support/sarif-schema.js';

function expectValidSarif(log: unknown): void {
  const ok = validateSarif(log);
  expect(ok ? [] : validateSarif.errors).toEqual([]);
}

let serial = 0;
function finding(over: Partial<Finding> = {}): Finding {
  serial += 1;
  return {
    ruleId: 'rule',
    severity: 'medium',
    file: 'src/app.ts',
    line: 3,
    message: 'Something to look at.',
    blocking: false,
    preExisting: false,
    fingerprint: createHash('sha256').update(`fp${serial}`).digest('hex').slice(0, 32),
    ...over,
  };
}

function gate(name: GateName, findings: Finding[], over: Partial<GateResult> = {}): GateResult {
  return {
    name,
    status: findings.some((f) => f.blocking) ? 'fail' : 'pass',
    engine: `${name}-engine 1.0.0`,
    durationMs: 120,
    findings,
    ...over,
  };
}

const report = gatesReport;

/** Every gate; every severity; new, blocking and pre-existing; line, file and change-level; one error gate. */
function fullReport(): GatesReport {
  const bySeverity = SEVERITIES.map((severity, i) =>
    finding({
      ruleId: `sast/${severity}-rule`,
      severity,
      line: 10 + i,
      endLine: 12 + i,
      column: 5,
      blocking: severity === 'critical' || severity === 'high',
      cwe: ['CWE-95', 'cwe-79'],
      fix: `Fix the ${severity} thing.`,
    }),
  );
  return report([
    gate('secrets', [
      finding({ ruleId: 'secret-pattern/aws', severity: 'critical', blocking: true, line: 7 }),
      finding({
        ruleId: 'secret-pattern/aws',
        severity: 'critical',
        preExisting: true,
        file: 'old/conf.ts',
        line: 2,
      }),
    ]),
    gate('sast', bySeverity),
    gate('sbom', [], {
      status: 'error',
      engine: '',
      error: 'cyclonedx failed: lockfile unreadable\nrun npm install',
    }),
    gate('dependencies', [
      finding({
        ruleId: 'lockfile-missing',
        severity: 'high',
        file: 'package.json',
        line: 0,
        blocking: true,
      }),
    ]),
    gate('policy', [
      finding({
        ruleId: 'change-too-large',
        severity: 'high',
        file: '',
        line: 0,
        blocking: true,
        fix: 'Split it.',
      }),
      finding({ ruleId: 'protected-path', severity: 'info', file: '.github/workflows/ci.yml', line: 0 }),
    ]),
  ]);
}

function runOf(log: Sarif.Log, name: string): Sarif.Run {
  const run = log.runs.find((r) => r.automationDetails?.id === `agentgate/${name}/`);
  if (!run) throw new Error(`no run for ${name}`);
  return run;
}

const OPTIONS = { toolVersion: '0.1.0' };

describe('toSarif', () => {
  it('uses a validator that rejects what the schema forbids', () => {
    const log = toSarif(fullReport(), OPTIONS) as unknown as {
      runs: { results: Record<string, unknown>[] }[];
    };
    const result = log.runs[1]?.results[0];
    if (!result) throw new Error('no result');
    result.level = 'fatal';
    result.locations = [{ physicalLocation: { region: { startLine: 0 } } }];
    expect(validateSarif(log)).toBe(false);
    expect(validateSarif.errors?.map((e) => e.instancePath)).toEqual(
      expect.arrayContaining([
        '/runs/1/results/0/level',
        '/runs/1/results/0/locations/0/physicalLocation/region/startLine',
      ]),
    );
  });

  it('produces a schema-valid log with one run per gate, each its own code scanning category', () => {
    const input = fullReport();
    const log = toSarif(input, { ...OPTIONS, informationUri: 'https://example.com/agentgate' });
    expectValidSarif(log);
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(log.runs).toHaveLength(GATE_NAMES.length);
    const ids = log.runs.map((r) => r.automationDetails?.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(GATE_NAMES.map((g) => `agentgate/${g}/`));
    for (const run of log.runs) {
      expect(run.tool.driver).toMatchObject({ version: '0.1.0', semanticVersion: '0.1.0' });
      expect(run.tool.driver.informationUri).toBe('https://example.com/agentgate');
      expect(run.originalUriBaseIds?.['%SRCROOT%']).toBeDefined();
    }
  });

  it('carries every finding’s fingerprint unchanged, and marks pre-existing ones unchanged', () => {
    const input = fullReport();
    const log = toSarif(input, OPTIONS);
    const inFingerprints = input.gates.flatMap((g) => g.findings.map((f) => f.fingerprint)).sort();
    const results = log.runs.flatMap((r) => r.results ?? []);
    expect(results.map((r) => r.partialFingerprints?.[FINGERPRINT_KEY]).sort()).toEqual(inFingerprints);
    const old = results.find((r) => r.properties?.preExisting === true);
    expect(old).toMatchObject({ baselineState: 'unchanged', level: 'warning' });
    expect(results.filter((r) => r.baselineState === 'new')).toHaveLength(results.length - 1);
  });

  it('gives rules security-severity scores inside GitHub’s bands and CWE tags', () => {
    const run = runOf(toSarif(fullReport(), OPTIONS), 'sast');
    const bands: Record<string, [number, number]> = {
      critical: [9.1, 10],
      high: [7.0, 8.9],
      medium: [4.0, 6.9],
      low: [0.1, 3.9],
      info: [0, 0],
    };
    const rules = run.tool.driver.rules ?? [];
    expect(rules).toHaveLength(SEVERITIES.length);
    for (const severity of SEVERITIES) {
      const rule = rules.find((r) => r.id === `sast/${severity}-rule`);
      const score = rule?.properties?.['security-severity'];
      expect(typeof score).toBe('string');
      expect(String(score)).toMatch(/^\d+\.\d$/);
      const [lo, hi] = bands[severity] ?? [-1, -1];
      expect(Number(score)).toBeGreaterThanOrEqual(lo);
      expect(Number(score)).toBeLessThanOrEqual(hi);
      expect(rule?.properties?.tags).toEqual([
        'security',
        'agentgate/sast',
        'external/cwe/cwe-79',
        'external/cwe/cwe-95',
      ]);
      expect(rule?.help?.text).toBe(`Fix the ${severity} thing.`);
      expect(rule?.shortDescription?.text).toContain(`sast/${severity}-rule`);
    }
    expect(SECURITY_SEVERITY).toEqual({
      critical: '9.5',
      high: '8.0',
      medium: '5.5',
      low: '3.0',
      info: '0.0',
    });
    expect(rules.map((r) => r.defaultConfiguration?.level)).toEqual([
      'error',
      'error',
      'warning',
      'warning',
      'note',
    ]);
  });

  it('sets result levels by what the gate did: error blocks, warning does not, note is info', () => {
    const run = runOf(toSarif(fullReport(), OPTIONS), 'sast');
    const results = run.results ?? [];
    expect(results.map((r) => [r.ruleId, r.level, r.properties?.blocking])).toEqual([
      ['sast/critical-rule', 'error', true],
      ['sast/high-rule', 'error', true],
      ['sast/medium-rule', 'warning', false],
      ['sast/low-rule', 'warning', false],
      ['sast/info-rule', 'note', false],
    ]);
    for (const r of results) {
      expect(run.tool.driver.rules?.[r.ruleIndex ?? -1]?.id).toBe(r.ruleId);
      expect(r.properties?.severity).toBe(r.ruleId?.split('/')[1]?.replace('-rule', ''));
    }
    expect(results[0]?.locations?.[0]?.physicalLocation).toEqual({
      artifactLocation: { uri: 'src/app.ts', uriBaseId: '%SRCROOT%' },
      region: { startLine: 10, endLine: 12, startColumn: 5 },
    });
  });

  it('gives file-level findings no region and change-level findings the policy file, so GitHub accepts them', () => {
    const log = toSarif(fullReport(), OPTIONS);
    const fileLevel = runOf(log, 'dependencies').results?.[0];
    expect(fileLevel?.locations?.[0]?.physicalLocation).toEqual({
      artifactLocation: { uri: 'package.json', uriBaseId: '%SRCROOT%' },
    });
    expect(fileLevel?.properties?.scope).toBe('file');
    const change = runOf(log, 'policy').results?.find((r) => r.ruleId === 'change-too-large');
    expect(change?.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe(CHANGE_LOCATION_URI);
    expect(change?.locations?.[0]?.physicalLocation?.region).toBeUndefined();
    expect(change?.properties?.scope).toBe('change');
    // GitHub rejects a whole upload for one result without a location or with an empty URI.
    for (const r of log.runs.flatMap((run) => run.results ?? [])) {
      expect(r.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toMatch(/.+/);
      expect(r.message.text).toMatch(/.+/);
    }
  });

  it('hashes only region-less results by default, every result with lineHashes: all, never twice the same', () => {
    const input = fullReport();
    const byDefault = toSarif(input, OPTIONS).runs.flatMap((r) => r.results ?? []);
    for (const r of byDefault) {
      const hasRegion = r.locations?.[0]?.physicalLocation?.region !== undefined;
      expect(r.partialFingerprints?.primaryLocationLineHash === undefined).toBe(hasRegion);
    }
    const all = toSarif(input, { ...OPTIONS, lineHashes: 'all' });
    expectValidSarif(all);
    for (const run of all.runs) {
      const hashes = (run.results ?? []).map((r) => r.partialFingerprints?.primaryLocationLineHash);
      expect(hashes.every((h) => /^[0-9a-f]{16}:\d+$/.test(h ?? ''))).toBe(true);
      expect(new Set(hashes).size).toBe(hashes.length);
    }
  });

  it('reports an error gate as a failed invocation with the gate’s error', () => {
    const run = runOf(toSarif(fullReport(), OPTIONS), 'sbom');
    expect(run.results).toEqual([]);
    expect(run.tool.driver.rules).toEqual([]);
    expect(run.invocations?.[0]).toEqual({
      executionSuccessful: false,
      toolExecutionNotifications: [
        { level: 'error', message: { text: 'cyclonedx failed: lockfile unreadable run npm install' } },
      ],
    });
    expect(runOf(toSarif(fullReport(), OPTIONS), 'secrets').invocations).toEqual([
      { executionSuccessful: true },
    ]);
  });

  it('produces a valid log for an empty report and for gates without findings', () => {
    const empty = toSarif(report([]), OPTIONS);
    expectValidSarif(empty);
    expect(empty.runs).toEqual([]);
    const quiet = toSarif(report(GATE_NAMES.map((g) => gate(g, []))), OPTIONS);
    expectValidSarif(quiet);
    expect(quiet.runs.map((r) => r.results)).toEqual(GATE_NAMES.map(() => []));
  });

  it('caps results per run at 5,000, keeping blocking ones first, and says how many it left out', () => {
    const many = Array.from({ length: SARIF_LIMITS.resultsPerRun + 7 }, (_, i) =>
      finding({ ruleId: `r${i % 3}`, severity: 'low', line: i + 1 }),
    );
    many.push(finding({ ruleId: 'blocker', severity: 'high', blocking: true, line: 99_999 }));
    const log = toSarif(report([gate('sast', many)]), OPTIONS);
    expectValidSarif(log);
    const run = log.runs[0];
    expect(run?.results).toHaveLength(SARIF_LIMITS.resultsPerRun);
    expect(run?.results?.[0]?.ruleId).toBe('blocker');
    expect(run?.properties).toMatchObject({ findings: many.length, resultsOmitted: 8 });
    expect(run?.invocations?.[0]?.toolExecutionNotifications?.[0]?.message.text).toBe(
      `8 of ${many.length} findings left out to stay within upload limits.`,
    );
    const small = toSarif(report([gate('sast', many)]), { ...OPTIONS, maxResultsPerRun: 10 }).runs[0];
    expect(small?.results).toHaveLength(10);
    expect(small?.properties?.resultsOmitted).toBe(many.length - 10);
  });

  it('stays inside GitHub’s other limits: runs, tags per rule, message length', () => {
    const gates = Array.from({ length: 23 }, () => gate('sast', [finding()]));
    const log = toSarif(report(gates), OPTIONS);
    expect(log.runs).toHaveLength(20);
    expect(log.properties?.runsOmitted).toBe(3);
    expect(new Set(log.runs.map((r) => r.automationDetails?.id)).size).toBe(20);
    const cwe = Array.from({ length: 30 }, (_, i) => `CWE-${i + 1}`);
    const long = toSarif(report([gate('sast', [finding({ cwe, message: 'x'.repeat(50_000) })])]), OPTIONS);
    expectValidSarif(long);
    const rule = long.runs[0]?.tool.driver.rules?.[0];
    expect(rule?.properties?.tags?.length).toBeLessThanOrEqual(SARIF_LIMITS.tagsPerRule);
    expect(rule?.properties?.tags?.[0]).toBe('security');
    expect(Array.from(long.runs[0]?.results?.[0]?.message.text ?? '').length).toBe(SARIF_LIMITS.messageChars);
  });

  it('writes paths as relative URI references that the schema and GitHub accept', () => {
    const odd = ['dir with space/a#b?.ts', 'ünïcode/100%.py', 'c:/x.ts'];
    const log = toSarif(
      report([
        gate(
          'sast',
          odd.map((file) => finding({ file })),
        ),
      ]),
      OPTIONS,
    );
    expectValidSarif(log);
    expect(
      log.runs[0]?.results?.map((r) => r.locations?.[0]?.physicalLocation?.artifactLocation?.uri),
    ).toEqual(['dir%20with%20space/a%23b%3F.ts', '%C3%BCn%C3%AFcode/100%25.py', 'c%3A/x.ts']);
    expect(decodeURIComponent('dir%20with%20space/a%23b%3F.ts')).toBe(odd[0]);
  });

  it('keeps a 1,000-finding report small', () => {
    const findings = Array.from({ length: 1_000 }, (_, i) =>
      finding({
        ruleId: `sast/rule-${i % 20}`,
        severity: SEVERITIES[i % SEVERITIES.length],
        file: `src/module-${i % 50}/file-${i}.ts`,
        line: (i % 300) + 1,
        message: `Call to a dangerous API with input from the request (case ${i}).`,
        fix: 'Validate the input first.',
        cwe: ['CWE-78'],
        blocking: i % 4 === 0,
      }),
    );
    const json = JSON.stringify(toSarif(report([gate('sast', findings)]), OPTIONS));
    const bytes = Buffer.byteLength(json);
    const gzipped = gzipSync(json).length;
    expect(bytes).toBeLessThan(1_000_000);
    expect(gzipped).toBeLessThan(200_000);
  });
});

const SMALL = report([
  gate('secrets', [
    finding({
      ruleId: 'secret-pattern/aws',
      severity: 'critical',
      blocking: true,
      line: 7,
      fix: 'Rotate the key.',
    }),
  ]),
  gate('sast', [finding({ preExisting: true })], { durationMs: 1530 }),
  gate('sbom', [], { status: 'error', engine: '', error: 'cyclonedx failed | exit 2\nsee log' }),
]);

describe('toMarkdown', () => {
  it('renders a small failing report exactly', () => {
    expect(toMarkdown(SMALL)).toBe(
      [
        '**agentgate gates: ❌ fail** · 1 blocking of 2 findings · 3 files changed (+40 −2)',
        '',
        '| Gate | Result | Findings | Engine | Time |',
        '| --- | --- | --- | --- | --- |',
        '| secrets | ❌ fail | 1 blocking · 1 total | secrets-engine 1.0.0 | 120 ms |',
        '| sast | ✅ pass | 0 blocking · 1 total | sast-engine 1.0.0 | 1.5 s |',
        '| sbom | ⚠️ error | cyclonedx failed \\| exit 2 see log | — | 120 ms |',
        '',
        '### Blocking findings',
        '',
        '- `critical` `secret-pattern/aws` `src/app.ts:7` — Something to look at. Fix: Rotate the key.',
        '',
        '### Gate errors',
        '',
        '- `sbom` could not judge the change: cyclonedx failed \\| exit 2 see log. A gate that cannot run fails the change.',
        '',
        '1 pre-existing finding in touched files does not block.',
        '',
      ].join('\n'),
    );
  });

  it('renders a passing report without a blocking section, and is stable across calls', () => {
    const pass = report([gate('secrets', []), gate('sast', [finding({ severity: 'low' })])], {
      dependencies: {
        added: [
          {
            ecosystem: 'npm',
            name: '@scope/pkg',
            version: '1.2.3',
            purl: 'pkg:npm/%40scope/pkg@1.2.3',
            source: 'package-lock.json',
          },
        ],
        removed: [],
        changed: [],
      },
    });
    const md = toMarkdown(pass);
    expect(md.split('\n')[0]).toBe(
      '**agentgate gates: ✅ pass** · 0 blocking of 1 finding · 3 files changed (+40 −2)',
    );
    expect(md).toContain('| secrets | ✅ pass | none | secrets-engine 1.0.0 | 120 ms |');
    expect(md).not.toContain('### Blocking findings');
    // Listed, not only counted.
    expect(md).toContain('### Other new findings (not blocking)\n\n- `low` ');
    expect(md).toContain('### New dependencies\n\n- `@scope/pkg@1.2.3` (npm)\n');
    expect(toMarkdown(pass)).toBe(md);
  });

  it('escapes markdown, HTML, pipes, newlines, mentions and references in finding text', () => {
    const hostile = report([
      gate('sast', [
        finding({
          ruleId: 'r`x|y',
          file: 'a|b`c.ts',
          blocking: true,
          message:
            'bad | pipe `tick` <script>alert(1)</script>\nnext *line* [link](http://x) @octocat #12 o/r#3 @babel/core https://e.x/a_b?c=1',
          fix: 'Use **bold**\r\n_no_',
        }),
      ]),
    ]);
    const line = toMarkdown(hostile)
      .split('\n')
      .find((l) => l.startsWith('- `medium`'));
    expect(line).toBe(
      '- `medium` ``r`x|y`` ``a|b`c.ts:3`` — bad \\| pipe \\`tick\\` \\<script\\>alert(1)\\</script\\> next \\*line\\* \\[link\\](`http://x`) `@octocat` `#12` `o/r#3` `@babel/core` `https://e.x/a_b?c=1` Fix: Use \\*\\*bold\\*\\* \\_no\\_',
    );
  });

  it('keeps every table row to its five cells whatever the gate’s text holds', () => {
    const md = toMarkdown(
      report([
        gate('policy', [], { status: 'error', engine: 'x|y\nz', error: `${'long '.repeat(100)}| end` }),
      ]),
    );
    const row = md.split('\n').find((l) => l.startsWith('| policy'));
    // Unescaped pipes: the two borders and four separators.
    expect(row?.match(/(?<!\\)\|/g)).toHaveLength(6);
    expect(row).toContain('…');
    expect(row).toContain('x\\|y z');
  });

  it('caps the blocking list at 50 by default, or maxFindings, with "and N more"', () => {
    const many = Array.from({ length: 60 }, (_, i) =>
      finding({ blocking: true, severity: 'high', line: i + 1 }),
    );
    const md = toMarkdown(report([gate('sast', many)]));
    expect(md.split('\n').filter((l) => l.startsWith('- `high`'))).toHaveLength(50);
    expect(md).toContain('- … and 10 more');
    const five = toMarkdown(report([gate('sast', many)]), { maxFindings: 5 });
    expect(five.split('\n').filter((l) => l.startsWith('- `high`'))).toHaveLength(5);
    expect(five).toContain('- … and 55 more');
  });

  it('lists blocking findings by severity, then file and line, with change- and file-level places', () => {
    const md = toMarkdown(
      report([
        gate('policy', [
          finding({ ruleId: 'b', severity: 'medium', file: 'z.ts', line: 0, blocking: true }),
          finding({ ruleId: 'c', severity: 'high', file: '', line: 0, blocking: true }),
          finding({ ruleId: 'a', severity: 'medium', file: 'a.ts', line: 2, blocking: true }),
        ]),
      ]),
    );
    expect(md.split('\n').filter((l) => l.startsWith('- '))).toEqual([
      '- `high` `c` `(the change)` — Something to look at.',
      '- `medium` `a` `a.ts:2` — Something to look at.',
      '- `medium` `b` `z.ts` — Something to look at.',
    ]);
  });

  it('caps the dependency list and shows changed versions', () => {
    const dep = (name: string, version: string) => ({
      ecosystem: 'pypi' as const,
      name,
      version,
      purl: `pkg:pypi/${name}@${version}`,
      source: 'requirements.txt',
    });
    const added = Array.from({ length: 25 }, (_, i) => dep(`pkg${i}`, i % 2 ? '1.0.0' : ''));
    const md = toMarkdown(
      report([], {
        dependencies: { added, removed: [], changed: [{ from: dep('req', '1.0'), to: dep('req', '2.0') }] },
      }),
    );
    expect(md).toContain('No gates ran.');
    expect(md).toContain('- `pkg0 (unpinned)` (pypi)\n- `pkg1@1.0.0` (pypi)');
    expect(md.split('\n').filter((l) => l.startsWith('- `pkg'))).toHaveLength(20);
    expect(md).toContain('- … and 5 more');
    // A bump is listed as a change, with a range when a manifest names only one.
    expect(md).toContain('### Changed dependencies\n\n- `req` `1.0` → `2.0` (pypi)');
    const ranged = toMarkdown(
      report([], {
        dependencies: {
          added: [],
          removed: [],
          changed: [
            {
              from: { ...dep('left-pad', ''), range: '^1.2.0' },
              to: { ...dep('left-pad', ''), range: '^1.3.0' },
              kind: 'upgrade',
            },
          ],
        },
      }),
    );
    expect(ranged).toContain('- `left-pad` `^1.2.0` → `^1.3.0` (pypi, upgrade)');
    expect(ranged).not.toContain('### New dependencies');
  });

  it('links the details only when the URL is http(s)', () => {
    expect(toMarkdown(SMALL, { detailsUrl: 'https://github.com/o/r/actions/runs/1 (x)' })).toContain(
      '[Full report and artifacts](https://github.com/o/r/actions/runs/1%20%28x%29)',
    );
    expect(toMarkdown(SMALL, { detailsUrl: 'javascript:alert(1)' })).not.toContain('Full report');
  });
});
