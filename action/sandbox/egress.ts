// A filtering HTTP proxy on a unix socket, for one sandboxed program (an MCP server) whose policy lists
// its own network hosts. CONNECT tunnels (HTTPS) and absolute-URI requests (plain HTTP) go out only to
// a listed host, and only to the address it resolves to when that is public: a name that resolves to
// loopback, a private range or link-local is refused unless the policy lists that address itself.
// Everything else gets 403. The socket is bound into the sandbox and bridged to localhost by socat,
// as sandbox-runtime's proxy is for commands.
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import net from 'node:net';

export interface EgressProxy {
  socketPath: string;
  /** Host:port pairs refused so far (for a warning). */
  refused: string[];
  close(): Promise<void>;
}

/** `host` or `host:port`; `*.example.com` matches subdomains only. */
export function hostAllowed(host: string, port: number, allowed: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return allowed.some((entry) => {
    const m = /^(.*?)(?::(\d+))?$/.exec(entry.toLowerCase());
    const pattern = (m?.[1] ?? '').replace(/^\[|\]$/g, '');
    const p = m?.[2];
    if (p !== undefined && Number(p) !== port) return false;
    if (pattern.startsWith('*.')) return h.endsWith(pattern.slice(1)) && h.length > pattern.length - 1;
    return h === pattern;
  });
}

/** Loopback, private, link-local, CGNAT, unspecified and multicast addresses. */
export function isInternalAddress(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (net.isIPv4(v4)) {
    const [a = 0, b = 0] = v4.split('.').map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b < 128) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b < 32) ||
      (a === 192 && b === 168) ||
      a >= 224
    );
  }
  const x = ip.toLowerCase();
  return x === '::' || x === '::1' || /^f[cd]/.test(x) || /^fe[89ab]/.test(x) || x.startsWith('ff');
}

/** Where to dial `host`, or why not. A listed IP literal is dialled as is. */
async function destination(host: string, allowed: readonly string[]): Promise<string | Error> {
  if (net.isIP(host)) return host;
  try {
    const { address } = await lookup(host);
    if (isInternalAddress(address) && !allowed.some((a) => a.split(':')[0] === address)) {
      return new Error(`${host} resolves to the internal address ${address}`);
    }
    return address;
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

function splitHostPort(authority: string, defaultPort: number): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(authority);
  return { host: m?.[1] ?? authority, port: m?.[2] ? Number(m[2]) : defaultPort };
}

export async function startEgressProxy(socketPath: string, allowed: readonly string[]): Promise<EgressProxy> {
  const refused: string[] = [];
  const sockets = new Set<net.Socket>();
  const refuse = (what: string) => {
    if (!refused.includes(what)) refused.push(what);
  };
  const server = http.createServer(async (req, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute URL expected\n');
      return;
    }
    const port = Number(target.port) || 80;
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (target.protocol !== 'http:' || !hostAllowed(host, port, allowed)) {
      refuse(`${host}:${port}`);
      res.writeHead(403).end(`agentgate: ${host}:${port} is not on this server's network list\n`);
      return;
    }
    const address = await destination(host, allowed);
    if (address instanceof Error) {
      refuse(`${host}:${port}`);
      res.writeHead(403).end(`agentgate: ${address.message}\n`);
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = http.request(
      { host: address, port, method: req.method, path: `${target.pathname}${target.search}`, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.headersSent || res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', async (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const { host, port } = splitHostPort(req.url ?? '', 443);
    if (!hostAllowed(host, port, allowed)) {
      refuse(`${host}:${port}`);
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const address = await destination(host, allowed);
    if (address instanceof Error) {
      refuse(`${host}:${port}`);
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = net.connect(port, address, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    socketPath,
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
