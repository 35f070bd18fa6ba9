// The guest's egress proxy: CONNECT tunnels and absolute-form HTTP, only to allowlisted names. Everything
// here runs on 127.0.0.1: the targets are local servers, named in the allowlist by `127.0.0.1:<port>`.
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  defaultAllowlist,
  type EgressEvent,
  type EgressProxy,
  isAllowed,
  startEgressProxy,
} from '../../runner-image/launcher/egress-proxy.js';

const LOOPBACK = '127.0.0.1';
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface TcpTarget {
  port: number;
  /** TCP connections that reached the target. */
  connections(): number;
}

/** A TCP server on 127.0.0.1; `onSocket` scripts each connection. */
async function tcpTarget(onSocket: (s: net.Socket) => void): Promise<TcpTarget> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, LOOPBACK, r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, connections: () => connections };
}

interface HttpTarget {
  port: number;
  hits(): number;
}

async function httpTarget(handler: http.RequestListener): Promise<HttpTarget> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits++;
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, LOOPBACK, r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, hits: () => hits };
}

async function proxy(
  allow: string[],
  extra: { connectTimeoutMs?: number; idleTimeoutMs?: number } = {},
): Promise<{ proxy: EgressProxy; events: EgressEvent[] }> {
  const events: EgressEvent[] = [];
  const p = await startEgressProxy({ allow, log: (e) => events.push(e), ...extra });
  cleanups.push(() => p.close());
  return { proxy: p, events };
}

/** A raw client socket to the proxy that collects everything it receives. */
async function rawClient(port: number): Promise<{
  socket: net.Socket;
  received: () => string;
  /** Resolves once the received text contains `text`. */
  waitFor: (text: string) => Promise<string>;
  ended: Promise<void>;
}> {
  const socket = net.connect({ host: LOOPBACK, port, allowHalfOpen: true });
  cleanups.push(() => void socket.destroy());
  await new Promise<void>((r, j) => socket.once('connect', r).once('error', j));
  let data = '';
  const waiters: { text: string; resolve: (s: string) => void }[] = [];
  socket.on('data', (d: Buffer) => {
    data += d.toString('latin1');
    for (const w of waiters.filter((w) => data.includes(w.text))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(data);
    }
  });
  socket.on('error', () => {});
  const ended = new Promise<void>((r) => socket.once('end', r).once('close', r));
  return {
    socket,
    received: () => data,
    waitFor: (text) =>
      data.includes(text) ? Promise.resolve(data) : new Promise((resolve) => waiters.push({ text, resolve })),
    ended,
  };
}

/** One request through the proxy with node's http client, as `http_proxy` users send it. */
function viaProxy(
  proxyPort: number,
  url: string,
  opts: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: LOOPBACK,
        port: proxyPort,
        method: opts.method ?? 'GET',
        path: url,
        headers: opts.headers,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const until = async (cond: () => boolean, ms = 2000): Promise<void> => {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('isAllowed', () => {
  const allow = [
    'api.github.com',
    '*.actions.githubusercontent.com',
    'registry.example.org:8443',
    '127.0.0.1:8080',
    '[::1]:9000',
    'Mixed.Example.COM.',
  ];
  const cases: [string, number, boolean][] = [
    // exact names, default ports
    ['api.github.com', 443, true],
    ['api.github.com', 80, false], // a bare entry admits 443 to CONNECT; port 80 only to plain HTTP
    ['api.github.com', 22, false],
    ['api.github.com', 8443, false],
    ['github.com', 443, false],
    ['evil-api.github.com', 443, false],
    ['api.github.com.evil.com', 443, false],
    ['x.api.github.com', 443, false],
    // wildcard: subdomains at any depth, not the bare domain
    ['pipelines.actions.githubusercontent.com', 443, true],
    ['a.b.actions.githubusercontent.com', 443, true],
    ['actions.githubusercontent.com', 443, false],
    ['xactions.githubusercontent.com', 443, false],
    ['pipelines.actions.githubusercontent.com', 8080, false],
    // case and trailing dot, on both sides
    ['API.GitHub.COM', 443, true],
    ['api.github.com.', 443, true],
    ['Pipelines.Actions.GitHubUserContent.com.', 443, true],
    ['mixed.example.com', 443, true],
    ['api.github.com..', 443, false],
    // explicit ports
    ['registry.example.org', 8443, true],
    ['registry.example.org', 443, false],
    // IP literals: only listed exactly, with their port
    ['127.0.0.1', 8080, true],
    ['127.0.0.1', 8081, false],
    ['127.0.0.1', 443, false],
    ['127.0.0.2', 8080, false],
    ['127.0.0.1.', 8080, true],
    ['127.1', 8080, false],
    ['2130706433', 8080, false],
    ['0x7f.0.0.1', 8080, false],
    ['[::1]', 9000, true],
    ['::1', 9000, true],
    ['[0:0:0:0:0:0:0:1]', 9000, true],
    ['[::1]', 9001, false],
    ['[::2]', 9000, false],
    ['[::ffff:127.0.0.1]', 8080, false],
    ['[::1%lo]', 9000, false],
    ['[::1', 9000, false],
    // userinfo, ports inside the host, junk
    ['user@api.github.com', 443, false],
    ['user:pw@api.github.com', 443, false],
    ['api.github.com:443', 443, false],
    ['', 443, false],
    ['.', 443, false],
    [' api.github.com', 443, false],
    ['api github.com', 443, false],
    ['api.github.com/x', 443, false],
    ['*.actions.githubusercontent.com', 443, false],
    ['äpi.github.com', 443, false],
    // ports out of range
    ['api.github.com', 0, false],
    ['api.github.com', 65536, false],
    ['api.github.com', 443.5, false],
  ];
  it.each(cases)('%s:%i -> %s', (host, port, expected) => {
    expect(isAllowed(host, port, allow)).toBe(expected);
  });

  it('allows nothing with an empty list and ignores malformed entries', () => {
    expect(isAllowed('api.github.com', 443, [])).toBe(false);
    // A bare entry: CONNECT to 443 only, plain HTTP to 80 only; an explicit port admits that port either way.
    expect(isAllowed('api.github.com', 80, ['api.github.com'], 'http')).toBe(true);
    expect(isAllowed('api.github.com', 443, ['api.github.com'], 'http')).toBe(false);
    expect(isAllowed('api.github.com', 80, ['api.github.com'], 'connect')).toBe(false);
    expect(isAllowed('api.github.com', 8443, ['api.github.com:8443'], 'connect')).toBe(true);
    expect(isAllowed('api.github.com', 8443, ['api.github.com:8443'], 'http')).toBe(true);
    expect(isAllowed('api.github.com', 443, ['', '*', 'http://api.github.com', 'u@api.github.com'])).toBe(
      false,
    );
    expect(isAllowed('github.com', 443, ['*.github.com'])).toBe(false);
    expect(isAllowed('10.0.0.1', 443, ['*.0.0.1'])).toBe(false);
  });
});

describe('defaultAllowlist', () => {
  it('holds the runner hosts, the model API and the extras, without duplicates', () => {
    const list = defaultAllowlist(['registry.npmjs.org', 'API.github.com', 'pypi.org']);
    for (const host of [
      'github.com',
      'api.github.com',
      '*.actions.githubusercontent.com',
      'codeload.github.com',
      'results-receiver.actions.githubusercontent.com',
      '*.blob.core.windows.net',
      'api.anthropic.com',
      'registry.npmjs.org',
      'pypi.org',
    ]) {
      expect(list).toContain(host);
    }
    expect(list.filter((h) => h.toLowerCase() === 'api.github.com')).toHaveLength(1);
    expect(isAllowed('productionresultssa0.blob.core.windows.net', 443, list)).toBe(true);
    expect(isAllowed('example.com', 443, list)).toBe(false);
  });
});

describe('startEgressProxy', () => {
  it('refuses an invalid allowlist entry', async () => {
    await expect(startEgressProxy({ allow: ['https://api.github.com'] })).rejects.toThrow(
      /invalid allowlist/,
    );
  });

  it('tunnels CONNECT to an allowed target both ways, through a half-close, and logs the bytes', async () => {
    const target = await tcpTarget((s) => {
      s.write('hello;');
      s.on('data', (d: Buffer) => s.write(`echo:${d.toString()};`));
      s.on('end', () => s.end('bye'));
    });
    const { proxy: p, events } = await proxy([`${LOOPBACK}:${target.port}`]);
    const c = await rawClient(p.port);
    c.socket.write(`CONNECT ${LOOPBACK}:${target.port} HTTP/1.1\r\nHost: ${LOOPBACK}:${target.port}\r\n\r\n`);
    await c.waitFor('hello;');
    expect(c.received()).toMatch(/^HTTP\/1\.1 200 [^\r]*\r\n\r\nhello;/);
    c.socket.write('ping');
    await c.waitFor('echo:ping;');
    c.socket.end(); // half-close: the target still answers after the client's FIN
    await c.ended;
    expect(c.received().endsWith('hello;echo:ping;bye')).toBe(true);
    await until(() => events.length > 0);
    expect(events).toEqual([
      {
        kind: 'allowed',
        host: LOOPBACK,
        port: target.port,
        bytesUp: 'ping'.length,
        bytesDown: 'hello;echo:ping;bye'.length,
      },
    ]);
  });

  it('forwards bytes sent right behind the CONNECT head', async () => {
    const target = await tcpTarget((s) => s.on('data', (d: Buffer) => s.end(`got:${d.toString()}`)));
    const { proxy: p } = await proxy([`${LOOPBACK}:${target.port}`]);
    const c = await rawClient(p.port);
    c.socket.write(`CONNECT ${LOOPBACK}:${target.port} HTTP/1.1\r\n\r\nearly`);
    await c.waitFor('got:early');
  });

  it('answers 403 to CONNECT to a port the allowlist does not name, and the target sees nothing', async () => {
    const allowed = await tcpTarget((s) => s.end());
    const other = await tcpTarget((s) => s.end());
    const { proxy: p, events } = await proxy([`${LOOPBACK}:${allowed.port}`]);
    const c = await rawClient(p.port);
    c.socket.write(`CONNECT ${LOOPBACK}:${other.port} HTTP/1.1\r\n\r\n`);
    await c.ended;
    expect(c.received()).toMatch(/^HTTP\/1\.1 403 /);
    expect(c.received().endsWith(`\r\n\r\nblocked-by-allowlist: ${LOOPBACK}`)).toBe(true);
    expect(other.connections()).toBe(0);
    expect(events).toEqual([{ kind: 'blocked', host: LOOPBACK, port: other.port }]);
  });

  it('blocks CONNECT with userinfo or to an unlisted name without dialling anything', async () => {
    const target = await tcpTarget((s) => s.end());
    const { proxy: p, events } = await proxy([`${LOOPBACK}:${target.port}`]);
    for (const authority of [`user:pw@${LOOPBACK}:${target.port}`, 'not-listed.invalid:443']) {
      const c = await rawClient(p.port);
      c.socket.write(`CONNECT ${authority} HTTP/1.1\r\n\r\n`);
      await c.ended;
      expect(c.received()).toMatch(/^HTTP\/1\.1 403 /);
    }
    expect(target.connections()).toBe(0);
    expect(events).toEqual([
      { kind: 'blocked', host: LOOPBACK, port: target.port },
      { kind: 'blocked', host: 'not-listed.invalid', port: 443 },
    ]);
    expect(JSON.stringify(events)).not.toContain('pw');
  });

  it('forwards absolute-form plain HTTP to an allowed target, without the proxy headers', async () => {
    const target = await httpTarget((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => {
        res.setHeader('x-target', 'yes');
        res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
      });
    });
    const { proxy: p, events } = await proxy([`${LOOPBACK}:${target.port}`]);
    const url = `http://${LOOPBACK}:${target.port}/path/x?y=1`;
    const got = await viaProxy(p.port, url, {
      method: 'POST',
      body: 'payload',
      headers: { 'proxy-connection': 'keep-alive', 'proxy-authorization': 'Basic eDp5', 'x-custom': 'kept' },
    });
    expect(got.status).toBe(200);
    expect(got.headers['x-target']).toBe('yes');
    const seen = JSON.parse(got.body) as {
      method: string;
      url: string;
      headers: Record<string, string>;
      body: string;
    };
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/path/x?y=1');
    expect(seen.body).toBe('payload');
    expect(seen.headers.host).toBe(`${LOOPBACK}:${target.port}`);
    expect(seen.headers['x-custom']).toBe('kept');
    expect(seen.headers['proxy-connection']).toBeUndefined();
    expect(seen.headers['proxy-authorization']).toBeUndefined();
    await until(() => events.length > 0);
    expect(events).toHaveLength(1);
    const [e] = events;
    expect(e).toMatchObject({ kind: 'allowed', host: LOOPBACK, port: target.port });
    if (e?.kind !== 'allowed') throw new Error('expected an allowed event');
    expect(e.bytesUp).toBeGreaterThan('payload'.length);
    expect(e.bytesDown).toBeGreaterThan(got.body.length);
    expect(e.error).toBeUndefined();
  });

  it('answers 403 to plain HTTP for a target not on the list, which sees no request', async () => {
    const allowed = await httpTarget((_req, res) => res.end('ok'));
    const other = await httpTarget((_req, res) => res.end('reached'));
    const { proxy: p, events } = await proxy([`${LOOPBACK}:${allowed.port}`]);
    const got = await viaProxy(p.port, `http://${LOOPBACK}:${other.port}/`);
    expect(got.status).toBe(403);
    expect(got.body).toBe(`blocked-by-allowlist: ${LOOPBACK}`);
    // Port 80 by default: an IP entry with a port does not admit :80.
    const got80 = await viaProxy(p.port, `http://${LOOPBACK}/`);
    expect(got80.status).toBe(403);
    const withUser = await viaProxy(p.port, `http://u:pw@${LOOPBACK}:${allowed.port}/`);
    expect(withUser.status).toBe(403);
    expect(other.hits()).toBe(0);
    expect(allowed.hits()).toBe(0);
    expect(events).toEqual([
      { kind: 'blocked', host: LOOPBACK, port: other.port },
      { kind: 'blocked', host: LOOPBACK, port: 80 },
      { kind: 'blocked', host: LOOPBACK, port: allowed.port },
    ]);
  });

  it('answers 400 to malformed requests and keeps serving', async () => {
    const target = await httpTarget((_req, res) => res.end('ok'));
    const { proxy: p, events } = await proxy([`${LOOPBACK}:${target.port}`]);
    for (const request of [
      'GARBAGE\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\n\r\n', // origin-form: not a proxy request
      `GET https://${LOOPBACK}:${target.port}/ HTTP/1.1\r\n\r\n`, // https must use CONNECT
      `CONNECT ${LOOPBACK} HTTP/1.1\r\n\r\n`, // CONNECT without a port
      'CONNECT ::1:443 HTTP/1.1\r\n\r\n', // an unbracketed IPv6 literal
      `CONNECT ${LOOPBACK}:99999 HTTP/1.1\r\n\r\n`,
    ]) {
      const c = await rawClient(p.port);
      c.socket.write(request);
      await c.waitFor('\r\n\r\n');
      expect(c.received(), request).toMatch(/^HTTP\/1\.1 400 /);
    }
    expect(events).toHaveLength(6);
    expect(events.every((e) => e.kind === 'bad-request')).toBe(true);
    expect(target.hits()).toBe(0);
    expect((await viaProxy(p.port, `http://${LOOPBACK}:${target.port}/`)).body).toBe('ok');
  });

  it('times out a slow upstream with 504 and an unreachable one with 502', async () => {
    const slow = await httpTarget(() => {
      // never answers
    });
    const free = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, LOOPBACK, () => {
        const { port } = s.address() as net.AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const { proxy: p, events } = await proxy([`${LOOPBACK}:${slow.port}`, `${LOOPBACK}:${free}`], {
      connectTimeoutMs: 200,
    });
    // The upstream never answers: only the proxy's own timeout can end this request, with a 504.
    const got = await viaProxy(p.port, `http://${LOOPBACK}:${slow.port}/`);
    expect(got.status).toBe(504);
    const c = await rawClient(p.port);
    c.socket.write(`CONNECT ${LOOPBACK}:${free} HTTP/1.1\r\n\r\n`);
    await c.ended;
    expect(c.received()).toMatch(/^HTTP\/1\.1 502 /);
    await until(() => events.length >= 2);
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'allowed',
        host: LOOPBACK,
        port: slow.port,
        error: expect.any(String),
      }),
      expect.objectContaining({ kind: 'allowed', host: LOOPBACK, port: free, error: 'ECONNREFUSED' }),
    ]);
  });

  it('closes an idle tunnel on both sides', async () => {
    let targetClosed = false;
    const target = await tcpTarget((s) => {
      s.resume();
      s.on('end', () => (targetClosed = true));
    });
    const { proxy: p } = await proxy([`${LOOPBACK}:${target.port}`], { idleTimeoutMs: 200 });
    const c = await rawClient(p.port);
    c.socket.write(`CONNECT ${LOOPBACK}:${target.port} HTTP/1.1\r\n\r\n`);
    await c.waitFor('\r\n\r\n');
    await c.ended;
    await until(() => targetClosed);
  });

  it('survives a client that resets mid-tunnel, and ends the upstream', async () => {
    let targetClosed = false;
    const target = await tcpTarget((s) => {
      s.write('x');
      s.resume();
      s.on('end', () => (targetClosed = true));
    });
    const { proxy: p, events } = await proxy([`${LOOPBACK}:${target.port}`]);
    const c = await rawClient(p.port);
    c.socket.write(`CONNECT ${LOOPBACK}:${target.port} HTTP/1.1\r\n\r\n`);
    await c.waitFor('\r\n\r\nx');
    c.socket.resetAndDestroy();
    await until(() => targetClosed);
    await until(() => events.length > 0);
    expect(events[0]).toMatchObject({ kind: 'allowed', host: LOOPBACK, port: target.port, bytesDown: 1 });
    // Still serving.
    const again = await rawClient(p.port);
    again.socket.write(`CONNECT ${LOOPBACK}:${target.port} HTTP/1.1\r\n\r\n`);
    await again.waitFor('\r\n\r\nx');
  });
});
