// MCP servers over stdio (the real SDK client and server): which tools the model sees, what a
// server may see of the environment, how failures surface, and a model call end to end.
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../action/sandbox/index.js';
import { connectMcpServers, type McpHub, mcpServerEnv, renderMcpResult } from '../../action/tools/mcp.js';
import type { ToolContext } from '../../action/tools/types.js';
import { DEFAULT_POLICY_TEXT, isSecretEnvName, type Policy } from '../../policies/index.js';
import { parsePolicy } from '../../policies/loader.js';
import { makeRepo } from '../support/repo.js';
import { runScripted, toolResults } from '../support/session.js';

const ECHO_SERVER = fileURLToPath(new URL('../fixtures/mcp/echo-server.mjs', import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/** The default policy with MCP servers added, and their tools allowed by a tools.allow rule. */
function policyText(servers: string, toolGlobs = ['mcp__echo__*']): string {
  const withTools = DEFAULT_POLICY_TEXT.replace(
    '  allow:\n    - id: builtin-tools\n',
    `  allow:\n    - id: mcp-tools\n      tools: [${toolGlobs.map((g) => JSON.stringify(g)).join(', ')}]\n    - id: builtin-tools\n`,
  );
  // The fixture server and the SDK it imports live in this checkout: shown to the sandbox as a toolchain.
  const withRoot = withTools.replace(/^toolchains:\n/m, `toolchains:\n  - ${JSON.stringify(PROJECT_ROOT)}\n`);
  const out = withRoot.replace(/^mcp:\n {2}servers: \{\}\n?/m, `mcp:\n  servers:\n${servers}`);
  if (out === withTools || withTools === DEFAULT_POLICY_TEXT)
    throw new Error('the default policy no longer has the expected shape');
  return out;
}

const echoServer = (opts: { allow?: string; deny?: string; env?: string } = {}) => `    echo:
      command: ${JSON.stringify(process.execPath)}
      args: [${JSON.stringify(ECHO_SERVER)}]
      env: ${opts.env ?? '{ ECHO_GREETING: hello }'}
      tools:
        allow: ${opts.allow ?? '["*"]'}
        deny: ${opts.deny ?? '[fail]'}
`;

const policyOf = (text: string): Policy => parsePolicy(text, 'mcp-test.yml').policy;

const ctx = (policy: Policy): ToolContext => ({
  workDir: process.cwd(),
  policy,
  sandbox: undefined,
  testCommand: undefined,
  limits: { maxResultChars: 20_000, defaultCommandTimeoutS: 60, maxCommandTimeoutS: 600 },
});

const hubs: McpHub[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((h) => h.close()));
});

const sandboxes: Sandbox[] = [];
afterAll(async () => {
  await Promise.all(sandboxes.splice(0).map((sb) => sb.dispose()));
});

/** Servers started through a sandbox in mode 'none' (bubblewrap containment: mcp-containment.test.ts). */
async function connect(
  policy: Policy,
  baseEnv: NodeJS.ProcessEnv = process.env,
  timeoutMs = 10_000,
): Promise<McpHub> {
  const sandbox = await createSandbox({
    workDir: process.cwd(),
    mode: 'none',
    allowedDomains: [],
    denyRead: [],
    envAllow: ['PATH', 'HOME', 'LANG'],
    isSecretEnv: (n) => isSecretEnvName(policy, n),
    baseEnv,
  });
  sandboxes.push(sandbox);
  const hub = await connectMcpServers(policy, { sandbox, cwd: process.cwd(), baseEnv, timeoutMs });
  hubs.push(hub);
  return hub;
}

describe('MCP tools', () => {
  it('offers only the tools both the tools section and the server entry allow, named mcp__<server>__<tool>', async () => {
    const policy = policyOf(
      policyText(echoServer({ allow: '[echo, add, fail, env_probe]', deny: '[fail]' }), [
        'mcp__echo__echo',
        'mcp__echo__add',
        'mcp__echo__fail',
        'mcp__echo__picture',
      ]),
    );
    const hub = await connect(policy);
    // fail: denied by the server entry; env_probe: not in tools.allow; picture: not in the server's allow.
    expect(hub.tools.map((t) => t.name).sort()).toEqual(['mcp__echo__add', 'mcp__echo__echo']);
    expect(hub.warnings).toEqual([]);
    const echo = hub.tools.find((t) => t.name === 'mcp__echo__echo');
    expect(echo?.description).toBe('[mcp:echo] Return the given text unchanged.');
    expect(echo?.jsonSchema).toMatchObject({ type: 'object', properties: { text: { type: 'string' } } });
  });

  it('calls tools, validates input against the server schema, and turns tool errors into error results', async () => {
    const policy = policyOf(policyText(echoServer({ deny: '[]' })));
    const hub = await connect(policy);
    const tool = (n: string) => {
      const t = hub.tools.find((x) => x.name === `mcp__echo__${n}`);
      if (!t) throw new Error(`no tool ${n}`);
      return t;
    };
    expect(await tool('add').run({ a: 2, b: 40 }, ctx(policy))).toMatchObject({
      content: '42',
      isError: false,
    });
    expect(tool('add').inputSchema.safeParse({ a: 'two', b: 1 }).success).toBe(false);
    expect(await tool('fail').run({}, ctx(policy))).toMatchObject({
      content: 'this tool always fails',
      isError: true,
    });
    expect((await tool('picture').run({}, ctx(policy))).content).toBe('a picture:\n[image/png 1234 bytes]');
  });

  it('gives a server the sandbox environment and its own env, never the credentials the action holds', async () => {
    const policy = policyOf(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a ${NAME} reference to the runner's environment, not a template
      policyText(echoServer({ env: '{ ECHO_GREETING: hello, INPUT_TOKEN_NAME: "${HOST_VALUE}" }' })),
    );
    const hub = await connect(policy, {
      PATH: process.env.PATH,
      HOME: '/tmp',
      HOST_VALUE: 'from-the-runner',
      GITHUB_TOKEN: 'ghp_parent000000000000000000000000000000',
      ANTHROPIC_API_KEY: 'sk-ant-parent-0000',
      AWS_SECRET_ACCESS_KEY: 'parent-aws',
    });
    expect(hub.warnings).toEqual([
      "mcp server 'echo': not passing INPUT_TOKEN_NAME (never given to MCP servers)",
    ]);
    const probe = hub.tools.find((t) => t.name === 'mcp__echo__env_probe');
    const seen = JSON.parse((await probe?.run({}, ctx(policy)))?.content ?? '{}');
    expect(seen).toMatchObject({ GITHUB_TOKEN: false, ANTHROPIC_API_KEY: false, ECHO_GREETING: 'hello' });
    expect(seen.keys).not.toContain('AWS_SECRET_ACCESS_KEY');
    expect(seen.keys).not.toContain('HOST_VALUE');
    expect(
      mcpServerEnv(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a ${NAME} reference to the runner's environment, not a template
        { X: '1', REF: 'a-${SET}-${UNSET}', 'INPUT_ANTHROPIC-API-KEY': 'k', anthropic_auth_token: 't' },
        { PATH: '/bin', SECRET: 's', SET: 'value' },
      ),
    ).toEqual({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a ${NAME} reference to the runner's environment, not a template
      env: { X: '1', REF: 'a-value-${UNSET}' },
      dropped: ['INPUT_ANTHROPIC-API-KEY', 'anthropic_auth_token'],
      missing: ['UNSET'],
      secrets: ['value'],
    });
  });

  it('skips a server that cannot start, or does not answer in time, with a warning', async () => {
    // Only servers that fail whatever the machine's load: one that does not exist, one that never
    // answers. (A working server beside them could itself miss a short timeout on a loaded machine.)
    const policy = policyOf(
      policyText(
        `    missing:
      command: /nonexistent/mcp-server
    silent:
      command: ${JSON.stringify(process.execPath)}
      args: ["-e", "setInterval(() => {}, 1000)"]
`,
        ['mcp__*'],
      ),
    );
    const hub = await connect(policy, process.env, 1500);
    expect(hub.tools).toEqual([]);
    expect(hub.warnings).toHaveLength(2);
    expect(hub.warnings.find((w) => w.includes("'missing'"))).toMatch(/^mcp server 'missing' skipped: /);
    expect(hub.warnings.find((w) => w.includes("'silent'"))).toMatch(
      /^mcp server 'silent' skipped: .*timed out/,
    );
    await hub.close();
  });

  it('stops the server processes on close', async () => {
    const policy = policyOf(policyText(echoServer()));
    const hub = await connect(policy);
    const probe = hub.tools.find((t) => t.name === 'mcp__echo__env_probe');
    const { pid } = JSON.parse((await probe?.run({}, ctx(policy)))?.content ?? '{}') as { pid: number };
    expect(() => process.kill(pid, 0)).not.toThrow();
    await hub.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('summarises non-text content', () => {
    expect(
      renderMcpResult({
        content: [
          { type: 'resource_link', uri: 'file:///a.txt', mimeType: 'text/plain' },
          { type: 'resource', resource: { uri: 'file:///b', text: 'body' } },
        ],
      }),
    ).toBe('[resource link file:///a.txt (text/plain)]\n[resource file:///b]\nbody');
    expect(renderMcpResult({ content: [], structuredContent: { n: 1 } })).toBe('{"n":1}');
  });
});

describe('MCP tools in a session', () => {
  it('lets the model call an allowed MCP tool and refuses one the policy keeps out', async () => {
    const repo = await makeRepo(undefined, { 'a.txt': 'hello\n' });
    const use = (name: string, input: unknown) => ({
      kind: 'message' as const,
      content: [{ type: 'tool_use' as const, name, input }],
    });
    const { result, server, events } = await runScripted(
      repo,
      [
        use('mcp__echo__echo', { text: 'ping' }),
        use('mcp__echo__fail', {}),
        { kind: 'message', content: [{ type: 'text', text: 'Done.' }] },
      ],
      { policyText: policyText(echoServer()) },
    );
    expect(result.outcome).toBe('completed');
    const offered = (server.requests[0]?.body.tools ?? []).map((t) => t.name);
    expect(offered).toContain('mcp__echo__echo');
    expect(offered).not.toContain('mcp__echo__fail');
    const r = toolResults(server);
    expect(r[0]).toEqual({ content: 'ping' });
    expect(r[1]?.is_error).toBe(true);
    expect(r[1]?.content).toContain("unknown tool 'mcp__echo__fail'");
    const decision = events.find((e) => e.type === 'policy.decision')?.data;
    expect(decision).toMatchObject({ tool: 'mcp__echo__echo', allowed: true });
    expect(JSON.stringify(decision?.checks)).toContain('"ruleId":"mcp-tools"');
  });
});
