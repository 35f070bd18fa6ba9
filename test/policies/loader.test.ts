import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICY_SOURCE,
  DEFAULT_TOOLCHAINS,
  GATE_DEFAULTS,
  loadDefaultPolicy,
  loadPolicyFile,
  PolicyError,
} from '../../policies/index.js';
import { parsePolicy } from '../../policies/loader.js';
import { DEFAULT_SETUP_KEY_FILES, policyJsonSchema } from '../../policies/schema.js';

const DEFAULT_YML = fileURLToPath(new URL('../../policies/default.yml', import.meta.url));

function failure(text: string, source = 'policy.yml'): PolicyError {
  try {
    parsePolicy(text, source);
  } catch (e) {
    if (e instanceof PolicyError) return e;
    throw e;
  }
  throw new Error(`expected a PolicyError for:\n${text}`);
}

describe('loading a policy', () => {
  it('loads default.yml from disk with the sha256 of its bytes', async () => {
    const loaded = await loadPolicyFile(DEFAULT_YML);
    const bytes = readFileSync(DEFAULT_YML);
    expect(loaded.source).toBe(DEFAULT_YML);
    expect(loaded.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(loaded.policy.version).toBe(1);
    expect(loaded.policy.sandbox).toBe('bubblewrap');
    expect(loaded.policy.tools.allow[0]?.tools).toContain('run_command');
    expect(loaded.policy.read.deny.map((r) => r.id)).toContain('secret-files');
    expect(loaded.policy.network.allowedDomains).toEqual([]);
    expect(loaded.policy.mcp.servers).toEqual({});
  });

  it('loads the built-in pack, identical to the file', async () => {
    const builtin = loadDefaultPolicy();
    const file = await loadPolicyFile(DEFAULT_YML);
    expect(builtin.source).toBe(DEFAULT_POLICY_SOURCE);
    expect(builtin.sha256).toBe(file.sha256);
    expect(builtin.policy).toEqual(file.policy);
  });

  it('fills in defaults for what a minimal policy leaves out', () => {
    const { policy } = parsePolicy('version: 1\n', 'min.yml');
    expect(policy).toEqual({
      version: 1,
      sandbox: 'bubblewrap',
      toolchains: [...DEFAULT_TOOLCHAINS],
      tools: { deny: [], allow: [] },
      read: { deny: [], allow: [] },
      write: { deny: [], allow: [] },
      commands: { deny: [], allow: [] },
      network: { allowedDomains: [] },
      env: { allow: [], secret: [] },
      mcp: { servers: {} },
      publish: { onGateFailure: 'no-pr' },
      flaky: { quarantine: 'deny' },
      setup: { allowedDomains: [], cache: { paths: [], keyFiles: [...DEFAULT_SETUP_KEY_FILES] } },
      gates: {
        blockOn: GATE_DEFAULTS.blockOn,
        timeoutSeconds: GATE_DEFAULTS.timeoutSeconds,
        secrets: { engine: 'auto', patterns: [] },
        sast: { engine: 'auto' },
        dependencies: {
          minAgeDays: GATE_DEFAULTS.minAgeDays,
          minWeeklyDownloads: GATE_DEFAULTS.minWeeklyDownloads,
          licenses: GATE_DEFAULTS.licenses,
          unknownLicense: 'fail',
          unreachable: 'fail',
          allow: [],
          registries: GATE_DEFAULTS.registries,
        },
        changes: {
          maxFiles: GATE_DEFAULTS.maxFiles,
          maxChangedLines: GATE_DEFAULTS.maxChangedLines,
          approvalLabels: GATE_DEFAULTS.approvalLabels,
          protectedPaths: { paths: [], except: [] },
          humanCommits: 'review',
        },
      },
    });
  });

  it('names the gates field at fault and what it expects', () => {
    expect(() => parsePolicy('version: 1\ngates:\n  blockOn: [urgent]\n', 'g.yml')).toThrow(
      /g\.yml.*gates\.blockOn\[0\].*critical\|high\|medium\|low\|info/s,
    );
    expect(() =>
      parsePolicy('version: 1\ngates:\n  dependencies:\n    registries: { npm: ftp://x }\n', 'g.yml'),
    ).toThrow(/gates\.dependencies\.registries\.npm.*http\(s\) URL/s);
    expect(() =>
      parsePolicy('version: 1\ngates:\n  secrets:\n    patterns: [{ id: x, regex: "(" }]\n', 'g.yml'),
    ).toThrow(/gates\.secrets\.patterns\[0\]\.regex.*invalid regular expression/s);
  });

  it('names the publish field at fault and what it expects', () => {
    expect(() => parsePolicy('version: 1\npublish:\n  onGateFailure: open-anyway\n', 'p.yml')).toThrow(
      /p\.yml:3:.*publish\.onGateFailure.*no-pr\|draft-pr/s,
    );
    expect(parsePolicy('version: 1\npublish: { onGateFailure: draft-pr }\n', 'p.yml').policy.publish).toEqual(
      {
        onGateFailure: 'draft-pr',
      },
    );
  });

  it('names the setup field at fault and what it expects', () => {
    expect(() => parsePolicy('version: 1\nsetup:\n  cache:\n    paths: [../outside]\n', 'p.yml')).toThrow(
      /^p\.yml:4:13: setup\.cache\.paths\[0\]: '\.\.\/outside' has an empty, '\.' or '\.\.' segment \(expected a repository-relative directory/,
    );
    expect(() => parsePolicy('version: 1\nsetup:\n  cache:\n    paths: [.git/x]\n', 'p.yml')).toThrow(
      /inside \.git/,
    );
    expect(() =>
      parsePolicy('version: 1\nsetup:\n  cache:\n    paths: ["node_modules/**"]\n', 'p.yml'),
    ).toThrow(/is a glob; name the directory itself/);
    const { setup } = parsePolicy(
      'version: 1\nsetup:\n  command: uv sync\n  allowedDomains: [pypi.org]\n  cache: { paths: [.venv], keyFiles: [uv.lock] }\n',
      'p.yml',
    ).policy;
    expect(setup).toEqual({
      command: 'uv sync',
      allowedDomains: ['pypi.org'],
      cache: { paths: ['.venv'], keyFiles: ['uv.lock'] },
    });
  });

  it('names the flaky field at fault and what it expects', () => {
    expect(() => parsePolicy('version: 1\nflaky:\n  quarantine: yes\n', 'p.yml')).toThrow(
      /p\.yml:3:.*flaky\.quarantine.*deny\|allow/s,
    );
    expect(parsePolicy('version: 1\nflaky: { quarantine: allow }\n', 'p.yml').policy.flaky).toEqual({
      quarantine: 'allow',
    });
  });

  it('accepts an MCP server with defaults for its optional fields', () => {
    const { policy } = parsePolicy(
      'version: 1\nmcp:\n  servers:\n    docs-1:\n      command: node\n      tools: { allow: ["get_*"] }\n',
      'p.yml',
    );
    expect(policy.mcp.servers['docs-1']).toEqual({
      command: 'node',
      args: [],
      env: {},
      headers: {},
      network: [],
      tools: { allow: ['get_*'], deny: [] },
    });
  });

  it('offers a JSON Schema for editors', () => {
    const schema = policyJsonSchema();
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties as object)).toContain('commands');
  });
});

describe('malformed policies name the file, line, column, field and what was expected', () => {
  it('a value of the wrong kind', () => {
    const e = failure('version: 1\nsandbox: sometimes\n');
    expect(e.message).toBe(
      "policy.yml:2:10: sandbox: invalid value 'sometimes' (expected one of bubblewrap|none)",
    );
    expect([e.file, e.line, e.column, e.fieldPath, e.expected]).toEqual([
      'policy.yml',
      2,
      10,
      'sandbox',
      'one of bubblewrap|none',
    ]);
  });

  it('a string where a list belongs', () => {
    const e = failure('version: 1\nread:\n  allow:\n    - id: everything\n      paths: "**"\n');
    expect(e.message).toBe(
      "policy.yml:5:14: read.allow[0].paths: got '**' (expected a list of repository-relative globs)",
    );
  });

  it('a missing field points at the mapping that lacks it', () => {
    const e = failure('version: 1\ntools:\n  allow:\n    - id: some-tools\n');
    expect(e.message).toMatch(
      /^policy\.yml:4:7: tools\.allow\[0\]\.tools: missing \(expected a list of tool names/,
    );
  });

  it('an unknown key, reported at the key, before what the mapping then lacks', () => {
    const e = failure('version: 1\nread:\n  allow:\n    - id: repo\n      path: ["**"]\n');
    expect(e.message.split('\n')[0]).toBe(
      "policy.yml:5:7: read.allow[0].path: unknown key 'path' (expected one of the keys id, description, paths, except)",
    );
    expect(e.message).toContain('read.allow[0].paths: missing');
  });

  it('an unknown top-level section', () => {
    const e = failure('version: 1\nnetwrok:\n  allowedDomains: []\n');
    expect(e.message).toMatch(
      /^policy\.yml:2:1: netwrok: unknown key 'netwrok' \(expected one of the keys version, /,
    );
  });

  it('an invalid regular expression', () => {
    const e = failure(
      [
        'version: 1',
        'commands:',
        '  deny:',
        '    - id: bad-patterns',
        '      patterns:',
        '        - "^ok$"',
        '        - "(unclosed"',
      ].join('\n'),
    );
    expect(e.message).toBe(
      'policy.yml:7:11: commands.deny[0].patterns[1]: invalid regular expression (expected a JavaScript regex)',
    );
    expect(e.fieldPath).toBe('commands.deny[0].patterns[1]');
  });

  it('invalid globs', () => {
    expect(failure('version: 1\nread:\n  deny:\n    - paths: ["/etc/**"]\n').message).toMatch(
      /^policy\.yml:4:15: read\.deny\[0\]\.paths\[0\]: absolute path '\/etc\/\*\*'/,
    );
    expect(failure('version: 1\nread:\n  deny:\n    - paths: ["../x"]\n').message).toContain(
      "'..' in '../x'",
    );
    expect(failure('version: 1\nread:\n  deny:\n    - paths: ["src/{a,b"]\n').message).toContain(
      "invalid glob 'src/{a,b'",
    );
    expect(failure('version: 1\nread:\n  deny:\n    - paths: ["!src/**"]\n').message).toContain(
      'negated glob',
    );
  });

  it('a duplicate rule id, naming both places', () => {
    const e = failure(
      'version: 1\ntools:\n  allow:\n    - id: mine\n      tools: [x]\nread:\n  deny:\n    - id: mine\n      paths: [x]\n',
    );
    expect(e.message).toBe(
      "policy.yml:8:11: read.deny[0].id: duplicate rule id 'mine' (also the id of tools.allow[0]) (expected a rule id used only once in the file)",
    );
  });

  it('a reserved or malformed rule id', () => {
    expect(
      failure('version: 1\nread:\n  allow:\n    - id: default-deny\n      paths: [a]\n').message,
    ).toContain("the rule id 'default-deny' is reserved");
    expect(failure('version: 1\nread:\n  allow:\n    - id: Not_Kebab\n      paths: [a]\n').message).toContain(
      'expected a kebab-case rule id',
    );
  });

  it('a command rule that matches nothing, or args without executables', () => {
    expect(failure('version: 1\ncommands:\n  allow:\n    - id: empty\n').message).toMatch(
      /^policy\.yml:4:7: commands\.allow\[0\]: the rule matches nothing \(expected executables or patterns\)/,
    );
    expect(failure('version: 1\ncommands:\n  deny:\n    - args: [push]\n').message).toContain(
      'args without executables',
    );
  });

  it('a bad MCP server name, domain or variable name', () => {
    expect(failure('version: 1\nmcp:\n  servers:\n    Git_Hub:\n      command: x\n').message).toMatch(
      /^policy\.yml:4:5: mcp\.servers\.Git_Hub: invalid name 'Git_Hub' \(expected a server name/,
    );
    expect(failure('version: 1\nnetwork:\n  allowedDomains: ["https://example.com"]\n').message).toMatch(
      /^policy\.yml:3:20: network\.allowedDomains\[0\]: invalid value 'https:\/\/example\.com' \(expected a domain name/,
    );
    expect(failure('version: 1\nenv:\n  allow: ["A*B"]\n').message).toContain('env.allow[0]');
  });

  it('a YAML syntax error, with its position', () => {
    const e = failure('version: 1\nread:\n  deny: [a, b\n  allow: []\n');
    expect(e.message).toMatch(/^policy\.yml:\d+:\d+: invalid YAML: /);
    expect(e.line).toBeGreaterThanOrEqual(3);
    expect(failure('version: 1\nversion: 1\n').message).toMatch(
      /^policy\.yml:2:1: invalid YAML: Map keys must be unique/,
    );
  });

  it('a wrong version and an empty file', () => {
    expect(failure('version: 2\n').message).toBe(
      'policy.yml:1:10: version: invalid value 2 (expected 1 (the only policy version))',
    );
    expect(failure('').message).toMatch(
      /^policy\.yml:1:1: got an empty value \(expected a mapping with version: 1/,
    );
  });

  it('reports several problems, the earliest first', () => {
    const e = failure('version: 1\nsandbox: maybe\nnetwork:\n  allowedDomains: 5\n');
    const lines = e.message.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^policy\.yml:2:10: sandbox:/);
    expect(lines[1]).toMatch(/^policy\.yml:4:19: network\.allowedDomains: got 5/);
    expect(e.line).toBe(2);
  });

  it('an unreadable file, and a file that is not UTF-8', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'agentgate-policy-'));
    const missing = path.join(dir, 'missing.yml');
    await expect(loadPolicyFile(missing)).rejects.toThrow(PolicyError);
    await expect(loadPolicyFile(missing)).rejects.toThrow(
      `${missing}: cannot read the policy file (no such file)`,
    );
    const binary = path.join(dir, 'binary.yml');
    writeFileSync(binary, Buffer.from([0x76, 0xff, 0xfe, 0x0a]));
    await expect(loadPolicyFile(binary)).rejects.toThrow('not valid UTF-8');
  });

  it('names the file as given in errors from disk', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'agentgate-policy-'));
    const file = path.join(dir, 'agentgate.yml');
    writeFileSync(file, 'version: 1\nsandbox: sometimes\n');
    await expect(loadPolicyFile(file)).rejects.toThrow(`${file}:2:10: sandbox:`);
  });
});

describe('toolchains', () => {
  it('lists the same directories in the default pack as a policy that leaves them out gets', () => {
    expect(loadDefaultPolicy().policy.toolchains).toEqual([...DEFAULT_TOOLCHAINS]);
    expect(parsePolicy('version: 1\ntoolchains: []\n', 't.yml').policy.toolchains).toEqual([]);
  });

  it('refuses a directory that would show the sandbox the host secrets, naming the entry', () => {
    for (const [entry, problem] of [
      ['/', /whole tree of host secrets/],
      ['~', /whole tree of host secrets/],
      ['/home/', /whole tree of host secrets/],
      ['/etc', /whole tree of host secrets/],
      ['opt/tools', /neither absolute nor under ~\//],
      ['/opt/../home', /contains '\.' or '\.\.'/],
    ] as const) {
      expect(() => parsePolicy(`version: 1\ntoolchains: ['${entry}']\n`, 't.yml'), entry).toThrow(
        new RegExp(`toolchains\\[0\\].*${problem.source}`, 's'),
      );
    }
    expect(
      parsePolicy("version: 1\ntoolchains: ['~/.cargo/bin', /opt/tools]\n", 't.yml').policy.toolchains,
    ).toEqual(['~/.cargo/bin', '/opt/tools']);
  });
});
