import { describe, expect, it } from 'vitest';
import {
  type Decision,
  evaluate,
  isSecretEnvName,
  loadDefaultPolicy,
  matchesAny,
  type PolicyRequest,
} from '../../policies/index.js';
import { parsePolicy } from '../../policies/loader.js';

const policy = loadDefaultPolicy().policy;

function decide(req: PolicyRequest): Decision {
  return evaluate(policy, req);
}

function rule(req: PolicyRequest): string {
  const d = decide(req);
  return `${d.allowed ? 'allow' : 'deny'} ${d.ruleId}`;
}

describe('reading', () => {
  it.each([
    ['.env', 'secret-files'],
    ['config/.env.local', 'secret-files'],
    ['.env.production', 'secret-files'],
    ['deploy/secrets/db.txt', 'secret-files'],
    ['id_rsa', 'private-keys'],
    ['home/.ssh/id_ed25519.pub', 'private-keys'],
    ['certs/x.pem', 'private-keys'],
    ['.git/config', 'git-internals'],
    ['.git', 'git-internals'],
  ])('%s is denied by %s', (path, id) => {
    expect(rule({ kind: 'read', path })).toBe(`deny ${id}`);
  });

  it.each(['src/a.ts', '.github/workflows/ci.yml', 'README.md', '.env.example', 'app/.env.sample', '.'])(
    '%s is allowed by read-repo',
    (path) => {
      expect(rule({ kind: 'read', path })).toBe('allow read-repo');
    },
  );

  it('says which rule decided and why', () => {
    const d = decide({ kind: 'read', path: '.env' });
    expect(d).toEqual({
      allowed: false,
      ruleId: 'secret-files',
      reason: expect.stringContaining("reading '.env' is denied by rule 'secret-files'"),
      request: { kind: 'read', path: '.env' },
    });
  });

  it('normalizes ./ and refuses paths that leave the repository', () => {
    expect(rule({ kind: 'read', path: './src/./a.ts' })).toBe('allow read-repo');
    expect(rule({ kind: 'read', path: './.env' })).toBe('deny secret-files');
    expect(rule({ kind: 'read', path: '../outside' })).toBe('deny path-containment');
    expect(rule({ kind: 'read', path: 'src/../../outside' })).toBe('deny path-containment');
    expect(rule({ kind: 'read', path: '/etc/passwd' })).toBe('deny path-containment');
  });
});

describe('writing', () => {
  it.each([
    ['.github/workflows/x.yml', 'workflows'],
    ['.github/actions/setup/action.yml', 'workflows'],
    ['CODEOWNERS', 'codeowners'],
    ['.github/CODEOWNERS', 'codeowners'],
    ['docs/CODEOWNERS', 'codeowners'],
    ['.gitleaksignore', 'gate-ignores'],
    ['.semgrepignore', 'gate-ignores'],
    ['.gitleaks.toml', 'gate-configs'],
    ['.semgrep/rules.yml', 'gate-configs'],
    ['.github/agentgate.yml', 'policy-files'],
    ['policies/custom/strict.yml', 'policy-files'],
    ['AGENTS.md', 'agent-instructions'],
    ['CLAUDE.md', 'agent-instructions'],
    ['packages/web/AGENTS.md', 'agent-instructions'],
    ['.cursorrules', 'agent-instructions'],
    ['.github/copilot-instructions.md', 'agent-instructions'],
  ])('%s is denied by %s', (path, id) => {
    expect(rule({ kind: 'write', path })).toBe(`deny ${id}`);
  });

  it('what may not be read may not be written, named by the read.deny rule', () => {
    expect(rule({ kind: 'write', path: '.env' })).toBe('deny secret-files');
    expect(rule({ kind: 'write', path: 'keys/server.key' })).toBe('deny private-keys');
    const hook = decide({ kind: 'write', path: '.git/hooks/pre-commit' });
    expect(hook.ruleId).toBe('git-internals');
    expect(hook.reason).toContain('of read.deny');
  });

  it('allows ordinary source files', () => {
    expect(rule({ kind: 'write', path: 'src/a.ts' })).toBe('allow write-repo');
    expect(rule({ kind: 'write', path: 'docs/guide.md' })).toBe('allow write-repo');
  });
});

describe('default-deny', () => {
  it('names the list that would allow the request', () => {
    const empty = parsePolicy('version: 1\n', 'empty.yml').policy;
    const read = evaluate(empty, { kind: 'read', path: 'src/x.ts' });
    expect(read).toMatchObject({ allowed: false, ruleId: 'default-deny' });
    expect(read.reason).toBe("no rule in read.allow matches 'src/x.ts'; add a read.allow rule to permit it");
    expect(evaluate(empty, { kind: 'write', path: 'a' }).reason).toContain('add a write.allow rule');
    expect(evaluate(empty, { kind: 'tool', tool: 'read_file' }).reason).toContain('add a tools.allow rule');
    expect(evaluate(empty, { kind: 'command', command: 'ls' }).reason).toContain('commands.allow');
  });

  it('rules without an id are named by their field path', () => {
    const p = parsePolicy(
      'version: 1\nread:\n  deny:\n    - paths: ["a/**"]\n    - paths: ["b/**"]\n  allow:\n    - paths: ["**"]\n',
      'p.yml',
    ).policy;
    expect(evaluate(p, { kind: 'read', path: 'b/x' }).ruleId).toBe('read.deny[1]');
    expect(evaluate(p, { kind: 'read', path: 'c/x' }).ruleId).toBe('read.allow[0]');
  });

  it('deny wins over allow whatever the order', () => {
    const p = parsePolicy(
      'version: 1\nread:\n  allow:\n    - { id: all, paths: ["**"] }\n  deny:\n    - { id: no-logs, paths: ["**/*.log"] }\n',
      'p.yml',
    ).policy;
    expect(evaluate(p, { kind: 'read', path: 'x/debug.log' }).ruleId).toBe('no-logs');
  });
});

describe('tools', () => {
  it('allows the built-in tools and nothing else by default', () => {
    for (const tool of [
      'read_file',
      'list_files',
      'search',
      'write_file',
      'edit_file',
      'run_command',
      'run_tests',
    ]) {
      expect(rule({ kind: 'tool', tool })).toBe('allow builtin-tools');
    }
    expect(rule({ kind: 'tool', tool: 'mcp__github__create_issue' })).toBe('deny default-deny');
    expect(rule({ kind: 'tool', tool: 'delete_repo' })).toBe('deny default-deny');
  });

  it('allows MCP tools by glob, and tools.deny wins', () => {
    const p = parsePolicy(
      [
        'version: 1',
        'tools:',
        '  deny:',
        '    - { id: no-admin, tools: ["mcp__*__admin_*"] }',
        '  allow:',
        '    - { id: mcp-tools, tools: ["mcp__*"] }',
      ].join('\n'),
      'p.yml',
    ).policy;
    expect(evaluate(p, { kind: 'tool', tool: 'mcp__docs__search' }).ruleId).toBe('mcp-tools');
    expect(evaluate(p, { kind: 'tool', tool: 'mcp__docs__admin_reset' })).toMatchObject({
      allowed: false,
      ruleId: 'no-admin',
    });
  });
});

describe('MCP servers', () => {
  const p = parsePolicy(
    [
      'version: 1',
      'mcp:',
      '  servers:',
      '    github:',
      '      command: npx',
      '      args: [-y, github-mcp]',
      '      tools:',
      '        allow: ["get_*", "list_*", search_code]',
      '        deny: [get_secret]',
    ].join('\n'),
    'p.yml',
  ).policy;

  it('allows listed tools of listed servers', () => {
    expect(evaluate(p, { kind: 'mcp', server: 'github', tool: 'get_issue' })).toMatchObject({
      allowed: true,
      ruleId: 'mcp.servers.github.tools.allow',
    });
    expect(evaluate(p, { kind: 'mcp', server: 'github', tool: 'search_code' }).allowed).toBe(true);
  });

  it('denies tools.deny, unlisted tools and unlisted servers', () => {
    expect(evaluate(p, { kind: 'mcp', server: 'github', tool: 'get_secret' })).toMatchObject({
      allowed: false,
      ruleId: 'mcp.servers.github.tools.deny',
    });
    expect(evaluate(p, { kind: 'mcp', server: 'github', tool: 'delete_repo' })).toMatchObject({
      allowed: false,
      ruleId: 'default-deny',
    });
    const other = evaluate(p, { kind: 'mcp', server: 'gitlab', tool: 'get_issue' });
    expect(other).toMatchObject({ allowed: false, ruleId: 'default-deny' });
    expect(other.reason).toContain('not listed in mcp.servers');
    expect(evaluate(p, { kind: 'mcp', server: 'constructor', tool: 'x' }).allowed).toBe(false);
  });

  it('the default pack lists no servers', () => {
    expect(rule({ kind: 'mcp', server: 'github', tool: 'get_issue' })).toBe('deny default-deny');
  });
});

describe('environment', () => {
  it.each([
    'GITHUB_TOKEN',
    'GH_TOKEN',
    'ANTHROPIC_API_KEY',
    'ACTIONS_RUNTIME_TOKEN',
    'ACTIONS_CACHE_URL',
    'NPM_TOKEN',
    'npm_token',
    'DB_PASSWORD',
    'STRIPE_SECRET',
    'SIGNING_KEY',
    'AWS_ACCESS_KEY_ID',
    'INPUT_ANTHROPIC-API-KEY',
  ])('%s is secret', (name) => {
    expect(isSecretEnvName(policy, name)).toBe(true);
  });

  it.each(['PATH', 'HOME', 'LANG', 'CI', 'NODE_ENV', 'KEYBOARD', 'TOKENIZER_PATH'])(
    '%s is not secret',
    (name) => {
      expect(isSecretEnvName(policy, name)).toBe(false);
    },
  );

  it("the action's own credentials are secret in every policy", () => {
    const bare = parsePolicy('version: 1\n', 'bare.yml').policy;
    for (const name of [
      'GITHUB_TOKEN',
      'ANTHROPIC_API_KEY',
      'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
      'INPUT_GITHUB-TOKEN',
    ]) {
      expect(isSecretEnvName(bare, name)).toBe(true);
    }
    expect(isSecretEnvName(bare, 'NPM_TOKEN')).toBe(false);
  });

  it('secret wins over allow', () => {
    const p = parsePolicy('version: 1\nenv:\n  allow: [MY_TOKEN]\n  secret: ["*_TOKEN"]\n', 'p.yml').policy;
    expect(p.env.allow).toContain('MY_TOKEN');
    expect(isSecretEnvName(p, 'MY_TOKEN')).toBe(true);
  });
});

describe('matchesAny', () => {
  it('matches dotfiles and nested paths, and the root against **', () => {
    expect(matchesAny(['**'], '.github/workflows/ci.yml')).toBe(true);
    expect(matchesAny(['**/.env'], '.env')).toBe(true);
    expect(matchesAny(['src/*.ts'], 'src/a/b.ts')).toBe(false);
    expect(matchesAny(['**'], '.')).toBe(true);
    expect(matchesAny([], 'a')).toBe(false);
  });
});
