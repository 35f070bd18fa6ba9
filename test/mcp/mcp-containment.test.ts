// MCP servers are contained: a stdio server runs in the session's bubblewrap sandbox (private home, the
// sandbox's environment plus its own, network only to the hosts its policy entry lists), its secrets come
// by reference from the runner's environment, and a streamable HTTP server is reached by its URL.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { hostAllowed, isInternalAddress } from '../../action/sandbox/egress.js';
import { createSandbox, type Sandbox } from '../../action/sandbox/index.js';
import { connectMcpServers, type McpHub } from '../../action/tools/mcp.js';
import type { ToolContext } from '../../action/tools/types.js';
import { isSecretEnvName, type Policy } from '../../policies/index.js';
import { parsePolicy } from '../../policies/loader.js';
import { type HttpTarget, startHttpTarget } from '../support/http-target.js';

const ECHO_SERVER = fileURLToPath(new URL('../fixtures/mcp/echo-server.mjs', import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const HOME_SECRET = 'home-secret-5d1f0c9a7e';
const MCP_SECRET = 'mcp-ref-secret-8b2e4a61f3';

function policyOf(servers: string): Policy {
  const text = `version: 1
toolchains: [${JSON.stringify(PROJECT_ROOT)}]
tools:
  allow:
    - tools: ["mcp__*"]
mcp:
  servers:
${servers}`;
  return parsePolicy(text, 'mcp-containment.yml').policy;
}

const echo = (extra = '') => `    echo:
      command: ${JSON.stringify(process.execPath)}
      args: [${JSON.stringify(ECHO_SERVER)}]
      env: { ECHO_GREETING: "\${RUNNER_MCP_SECRET}" }
      tools: { allow: ["*"] }
${extra}`;

const ctx = (policy: Policy): ToolContext => ({
  workDir: '/',
  policy,
  sandbox: undefined,
  testCommand: undefined,
  limits: { maxResultChars: 20_000, defaultCommandTimeoutS: 60, maxCommandTimeoutS: 600 },
});

describe('a stdio MCP server in the bubblewrap sandbox', () => {
  let home: string;
  let work: string;
  let target: HttpTarget;
  const open: { hub: McpHub; sandbox: Sandbox }[] = [];
  const secrets: string[] = [];

  beforeAll(async () => {
    home = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentgate-mcp-home-')));
    mkdirSync(path.join(home, '.config/gh'), { recursive: true });
    writeFileSync(path.join(home, '.config/gh/hosts.yml'), `oauth_token: ${HOME_SECRET}\n`);
    work = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentgate-mcp-work-')));
    target = await startHttpTarget();
  });
  afterAll(async () => {
    for (const { hub, sandbox } of open.splice(0)) {
      await hub.close();
      await sandbox.dispose();
    }
    await target.close();
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  async function start(policy: Policy): Promise<McpHub> {
    const baseEnv = { PATH: process.env.PATH, HOME: home, RUNNER_MCP_SECRET: MCP_SECRET };
    const sandbox = await createSandbox({
      workDir: work,
      mode: 'bubblewrap',
      allowedDomains: [],
      denyRead: [],
      envAllow: ['PATH', 'HOME', 'LANG'],
      isSecretEnv: (n) => isSecretEnvName(policy, n),
      toolchains: policy.toolchains,
      baseEnv,
    });
    const hub = await connectMcpServers(policy, {
      sandbox,
      cwd: work,
      baseEnv,
      onSecret: (v) => secrets.push(v),
    });
    open.push({ hub, sandbox });
    expect(hub.warnings).toEqual([]);
    return hub;
  }

  async function call(hub: McpHub, policy: Policy, tool: string, input: Record<string, unknown>) {
    const t = hub.tools.find((x) => x.name === `mcp__echo__${tool}`);
    if (!t) throw new Error(`no tool ${tool}`);
    return (await t.run(input, ctx(policy))).content;
  }

  it('cannot reach a loopback port, and gets its secret from the runner environment by reference', async () => {
    const policy = policyOf(echo());
    const hub = await start(policy);
    target.reset();
    const fetched = JSON.parse(await call(hub, policy, 'fetch_url', { url: target.url }));
    expect(fetched.direct).toMatch(/^failed/);
    expect(fetched.proxied).not.toBe('200');
    expect(target.hits()).toBe(0);
    const env = JSON.parse(await call(hub, policy, 'env_probe', {}));
    expect(env.ECHO_GREETING).toBe(MCP_SECRET);
    expect(env.keys).not.toContain('RUNNER_MCP_SECRET');
    expect(secrets).toContain(MCP_SECRET);
  });

  it('cannot read the host home: its HOME is a private one', async () => {
    const policy = policyOf(echo());
    const hub = await start(policy);
    const direct = await call(hub, policy, 'read_path', { path: path.join(home, '.config/gh/hosts.yml') });
    expect(direct).toBe('error: ENOENT');
    const env = JSON.parse(await call(hub, policy, 'env_probe', {}));
    expect(env.keys).toContain('HOME');
    const own = await call(hub, policy, 'read_path', { path: '/etc/shadow' });
    expect(own).not.toMatch(/^root:/);
  });

  it('reaches the hosts its own network list names, through a proxy of its own, and nothing else', async () => {
    const policy = policyOf(echo('      network: ["127.0.0.1"]\n'));
    const hub = await start(policy);
    target.reset();
    const allowed = JSON.parse(await call(hub, policy, 'fetch_url', { url: target.url }));
    expect(allowed.proxied).toBe('200');
    expect(allowed.direct).toMatch(/^failed/);
    const other = JSON.parse(
      await call(hub, policy, 'fetch_url', { url: `http://localhost:${target.port}/` }),
    );
    expect(other.proxied).toBe('403');
    expect(target.hits()).toBe(1);
  });

  it('matches hosts and refuses internal addresses as the proxy does', () => {
    expect(hostAllowed('api.github.com', 443, ['api.github.com'])).toBe(true);
    expect(hostAllowed('evil.com', 443, ['api.github.com'])).toBe(false);
    expect(hostAllowed('x.example.com', 443, ['*.example.com'])).toBe(true);
    expect(hostAllowed('example.com', 443, ['*.example.com'])).toBe(false);
    expect(hostAllowed('example.com', 80, ['example.com:443'])).toBe(false);
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      'fd00::1',
    ])
      expect(isInternalAddress(ip), ip).toBe(true);
    expect(isInternalAddress('140.82.112.3')).toBe(false);
  });
});

describe('a streamable HTTP MCP server', () => {
  let server: http.Server;
  let url: string;
  const seenAuth: (string | undefined)[] = [];

  beforeAll(async () => {
    server = http.createServer(async (req, res) => {
      seenAuth.push(req.headers.authorization);
      if (req.headers.authorization !== `Bearer ${MCP_SECRET}`) {
        res.writeHead(401).end();
        return;
      }
      const mcp = new McpServer({ name: 'remote', version: '1.0.0' });
      mcp.registerTool('shout', { inputSchema: { text: z.string() } }, async ({ text }) => ({
        content: [{ type: 'text', text: text.toUpperCase() }],
      }));
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void mcp.close();
      });
      await mcp.connect(transport);
      await transport.handleRequest(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('is reached by its URL, with a header whose secret comes from the runner environment', async () => {
    const policy = parsePolicy(
      `version: 1\ntools:\n  allow:\n    - tools: ["mcp__*"]\nmcp:\n  servers:\n    remote:\n      url: ${url}\n      headers: { Authorization: "Bearer \${RUNNER_MCP_SECRET}" }\n      tools: { allow: ["*"] }\n`,
      'remote.yml',
    ).policy;
    const sandbox = await createSandbox({
      workDir: realpathSync(os.tmpdir()),
      mode: 'none',
      allowedDomains: [],
      denyRead: [],
      envAllow: [],
      isSecretEnv: () => false,
    });
    const found: string[] = [];
    const hub = await connectMcpServers(policy, {
      sandbox,
      cwd: realpathSync(os.tmpdir()),
      baseEnv: { RUNNER_MCP_SECRET: MCP_SECRET },
      onSecret: (v) => found.push(v),
    });
    try {
      expect(hub.warnings).toEqual([]);
      const shout = hub.tools.find((t) => t.name === 'mcp__remote__shout');
      expect((await shout?.run({ text: 'hi' }, ctx(policy)))?.content).toBe('HI');
      expect(seenAuth.every((a) => a === `Bearer ${MCP_SECRET}`)).toBe(true);
      expect(found).toEqual([MCP_SECRET]);
    } finally {
      await hub.close();
      await sandbox.dispose();
    }
  });

  it('is skipped, naming the variable, when the runner environment lacks it', async () => {
    const policy = parsePolicy(
      `version: 1\nmcp:\n  servers:\n    remote:\n      url: ${url}\n      headers: { Authorization: "Bearer \${NOT_SET_ANYWHERE}" }\n`,
      'remote.yml',
    ).policy;
    const sandbox = await createSandbox({
      workDir: realpathSync(os.tmpdir()),
      mode: 'none',
      allowedDomains: [],
      denyRead: [],
      envAllow: [],
      isSecretEnv: () => false,
    });
    const hub = await connectMcpServers(policy, { sandbox, cwd: realpathSync(os.tmpdir()), baseEnv: {} });
    expect(hub.warnings).toEqual([
      "mcp server 'remote' skipped: the runner's environment has no NOT_SET_ANYWHERE (referenced by its headers)",
    ]);
    await hub.close();
    await sandbox.dispose();
  });
});

describe('secrets in the policy file', () => {
  const server = (env: string, headers = '') =>
    `version: 1\nmcp:\n  servers:\n    s:\n      ${headers ? `url: https://mcp.example.com/\n      headers: ${headers}` : `command: srv\n      env: ${env}`}\n`;

  it('refuses a secret-named variable or a credential header written in the file, naming the field', () => {
    expect(() => parsePolicy(server('{ GITHUB_TOKEN: ghp_literal }'), 'p.yml')).toThrow(
      /mcp\.servers\.s\.env\.GITHUB_TOKEN.*a reference to a variable of the runner's environment/s,
    );
    expect(() => parsePolicy(server('', '{ Authorization: "Bearer abc" }'), 'p.yml')).toThrow(
      /mcp\.servers\.s\.headers\.Authorization.*carries a credential/s,
    );
    expect(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a ${NAME} reference to the runner's environment, not a template
      parsePolicy(server('{ GITHUB_TOKEN: "${GH_MCP_TOKEN}", LOG: debug }'), 'p.yml').policy.mcp.servers.s
        ?.env,
    ).toEqual({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a ${NAME} reference to the runner's environment, not a template
      GITHUB_TOKEN: '${GH_MCP_TOKEN}',
      LOG: 'debug',
    });
  });

  it('refuses a server with both or neither of command and url', () => {
    expect(() =>
      parsePolicy(
        'version: 1\nmcp:\n  servers:\n    s:\n      command: a\n      url: https://x.example/\n',
        'p.yml',
      ),
    ).toThrow(/exactly one of command and url/);
    expect(() => parsePolicy('version: 1\nmcp:\n  servers:\n    s:\n      args: [x]\n', 'p.yml')).toThrow(
      /exactly one of command and url/,
    );
  });

  it('refuses, when the server starts, a token written as the value of an innocent name', async () => {
    const policy = parsePolicy(
      server('{ CONFIG: "ghp_0123456789abcdefghijABCDEFGHIJ0123456789" }'),
      'p.yml',
    ).policy;
    const sandbox = await createSandbox({
      workDir: realpathSync(os.tmpdir()),
      mode: 'none',
      allowedDomains: [],
      denyRead: [],
      envAllow: [],
      isSecretEnv: () => false,
    });
    const hub = await connectMcpServers(policy, { sandbox, cwd: realpathSync(os.tmpdir()), baseEnv: {} });
    expect(hub.warnings[0]).toMatch(/mcp\.servers\.s\.env\.CONFIG holds a token written in the policy file/);
    await sandbox.dispose();
  });
});
