// The guest's only way out: an allowlisting HTTP proxy on the host's loopback. The guest reaches it over a
// QEMU guestfwd or a Firecracker vsock forward and sets https_proxy/http_proxy to it. It carries two things:
// `CONNECT host:port` tunnels (HTTPS, opaque to it) and absolute-form plain HTTP requests, each only when the
// name the client asked for is on the allowlist. It decides on that name alone, never on what it resolves to,
// and dials the same normalized name it decided on.

import http from 'node:http';
import net from 'node:net';

export type EgressEvent =
  /** A tunnel or request to an allowed host ended; byte counts are what crossed the upstream connection. */
  | { kind: 'allowed'; host: string; port: number; bytesUp: number; bytesDown: number; error?: string }
  /** A tunnel or request to a host the allowlist does not name; answered 403. */
  | { kind: 'blocked'; host: string; port: number }
  /** A request the proxy could not parse or does not serve; answered 400 (or 408/431). */
  | { kind: 'bad-request'; reason: string };

export interface EgressProxyOptions {
  /** Loopback only: the guest reaches the proxy through a host-side forward, never over a real interface. */
  host?: '127.0.0.1';
  /** 0 or absent: an ephemeral port. */
  port?: number;
  /** Entries: `api.github.com`, `*.actions.githubusercontent.com`, `host:port`, `127.0.0.1:8080`, `[::1]:8080`. */
  allow: string[];
  log?: (e: EgressEvent) => void;
  /** How long an upstream may take to accept the TCP connection (and, for plain HTTP, to send its response head). */
  connectTimeoutMs?: number;
  /** How long a tunnel or forwarded request may see no bytes in either direction before both sides are closed. */
  idleTimeoutMs?: number;
}

export interface EgressProxy {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The port a bare allowlist entry admits: 443 for CONNECT (TLS), 80 for plain HTTP. Others need `host:port`. */
export type RequestKind = 'connect' | 'http';
const DEFAULT_PORT: Record<RequestKind, number> = { connect: 443, http: 80 };
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_IDLE_TIMEOUT_MS = 300_000;

// ---------------------------------------------------------------------------------------------------------
// The allowlist: pure matching on names.

type NormalHost = { kind: 'ip'; value: string } | { kind: 'name'; value: string };

interface AllowEntry {
  kind: 'ip' | 'name' | 'wildcard';
  /** The IP's canonical text, the exact name, or (wildcard) the suffix after `*.`. */
  value: string;
  /** The ports it admits; null: the default port of the request kind. */
  ports: readonly number[] | null;
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
/** A final label like these makes a resolver read the name as an IPv4 address (`127.1`, `0x7f.1`, `2130706433`). */
const NUMERIC_LABEL = /^(?:0x[0-9a-f]*|[0-9]+)$/;

function canonicalIpv6(text: string): string | undefined {
  if (!net.isIPv6(text) || text.includes('%')) return undefined;
  try {
    return new URL(`http://[${text}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}

/**
 * The host as the proxy decides on it and dials it: lower case, one trailing dot removed, an IPv6 literal
 * without brackets in canonical form. Undefined for anything that is not a plain DNS name or IP literal
 * (userinfo, a port, spaces, non-ASCII, numeric-looking names a resolver would take for an IPv4 address).
 */
function normalizeHost(host: string): NormalHost | undefined {
  if (host.length === 0 || host.length > 255) return undefined;
  if (host.startsWith('[')) {
    if (!host.endsWith(']')) return undefined;
    const ip = canonicalIpv6(host.slice(1, -1));
    return ip === undefined ? undefined : { kind: 'ip', value: ip };
  }
  let h = host.toLowerCase();
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (net.isIPv4(h)) return { kind: 'ip', value: h };
  if (h.includes(':')) {
    const ip = canonicalIpv6(h);
    return ip === undefined ? undefined : { kind: 'ip', value: ip };
  }
  if (h.length === 0 || h.length > 253) return undefined;
  const labels = h.split('.');
  if (!labels.every((l) => LABEL.test(l))) return undefined;
  if (NUMERIC_LABEL.test(labels[labels.length - 1] ?? '')) return undefined;
  return { kind: 'name', value: h };
}

function parsePort(text: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/**
 * Splits `host[:port]` (`[v6]:port` for IPv6); `port` is undefined when none is written. Undefined when
 * malformed. The host comes back as written (brackets kept); `normalizeHost` judges it.
 */
function splitHostPort(authority: string): { host: string; port: number | undefined } | undefined {
  let host: string;
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) return undefined;
    host = authority.slice(0, close + 1);
    const rest = authority.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return undefined;
      portText = rest.slice(1);
    }
  } else {
    const colon = authority.indexOf(':');
    if (colon !== authority.lastIndexOf(':')) return undefined; // a bare IPv6 literal: ambiguous, refused
    if (colon >= 0) {
      host = authority.slice(0, colon);
      portText = authority.slice(colon + 1);
    } else {
      host = authority;
    }
  }
  if (host === '') return undefined;
  if (portText === undefined) return { host, port: undefined };
  const port = parsePort(portText);
  return port === undefined ? undefined : { host, port };
}

function parseEntry(raw: string): AllowEntry | undefined {
  let text = raw.trim().toLowerCase();
  if (text === '' || text.includes('@') || text.includes('/')) return undefined;
  const wildcard = text.startsWith('*.');
  if (wildcard) text = text.slice(2);
  let hostText = text;
  // null: the default port of the request's kind (443 for CONNECT, 80 for plain HTTP).
  let ports: readonly number[] | null = null;
  const bareIpv6 = !text.startsWith('[') && (text.match(/:/g) ?? []).length > 1;
  if (!bareIpv6 && (text.startsWith('[') || text.includes(':'))) {
    const split = splitHostPort(text);
    if (!split) return undefined;
    hostText = split.host;
    if (split.port !== undefined) ports = [split.port];
  }
  const host = normalizeHost(hostText);
  if (!host) return undefined;
  if (wildcard) return host.kind === 'name' ? { kind: 'wildcard', value: host.value, ports } : undefined;
  return { kind: host.kind, value: host.value, ports };
}

function compileAllowlist(allow: readonly string[]): AllowEntry[] {
  const entries: AllowEntry[] = [];
  for (const raw of allow) {
    const entry = parseEntry(raw);
    if (entry) entries.push(entry);
  }
  return entries;
}

function matches(entries: readonly AllowEntry[], host: NormalHost, port: number, kind: RequestKind): boolean {
  return entries.some((e) => {
    if (e.ports === null ? port !== DEFAULT_PORT[kind] : !e.ports.includes(port)) return false;
    if (e.kind === 'ip') return host.kind === 'ip' && host.value === e.value;
    if (host.kind !== 'name') return false;
    if (e.kind === 'name') return host.value === e.value;
    return host.value.endsWith(`.${e.value}`);
  });
}

/**
 * Whether the proxy lets a client reach `host:port`. Pure: no name is resolved.
 * - `api.github.com` matches that name only; `*.example.com` matches any subdomain of it, not `example.com`.
 * - A bare entry admits port 443 to CONNECT and port 80 to plain HTTP; `name:8443` / `*.example.com:8443`
 *   admit that port only, either way.
 * - IP literals (`127.0.0.1`, `[::1]`) match only an IP entry naming the same address, never a wildcard.
 * - Case-insensitive; one trailing dot ignored. Userinfo, a port inside `host`, or an empty host: false.
 */
export function isAllowed(
  host: string,
  port: number,
  allow: string[],
  kind: RequestKind = 'connect',
): boolean {
  if (!Number.isInteger(port) || port < 1 || port > 65535) return false;
  const normal = normalizeHost(host);
  return normal !== undefined && matches(compileAllowlist(allow), normal, port, kind);
}

// ---------------------------------------------------------------------------------------------------------
// The default allowlist.

/**
 * What a GitHub Actions self-hosted runner must reach, from GitHub's "Self-hosted runners reference",
 * section "Accessible domains by function":
 * https://docs.github.com/en/actions/reference/runners/self-hosted-runners#accessible-domains-by-function
 * (formerly .../communicating-with-self-hosted-runners; the list lives in github/docs
 * data/reusables/actions/runner-essential-communications.md).
 *
 * Deliberately left out (add them through `extra` if a workflow needs them): `ghcr.io` (publishing immutable
 * actions, GitHub Packages containers), `*.pkg.github.com` (GitHub Packages), the runner self-update hosts
 * (`objects.githubusercontent.com`, `objects-origin.githubusercontent.com`,
 * `github-releases.githubusercontent.com`, `github-registry-files.githubusercontent.com`: the image pins the
 * runner in versions.json and is rebuilt to update it), Git LFS (`github-cloud.githubusercontent.com`,
 * `github-cloud.s3.amazonaws.com`) and `dependabot-actions.githubapp.com`.
 */
export const GITHUB_RUNNER_HOSTS: readonly { host: string; why: string }[] = [
  // "Needed for essential operations": the runner's session, job messages and git over HTTPS (checkout).
  {
    host: 'github.com',
    why: 'essential operations: runner session, job assignment, git clone/fetch over HTTPS',
  },
  // "Needed for essential operations": the REST API the runner and the job's GITHUB_TOKEN calls use.
  { host: 'api.github.com', why: 'essential operations: REST API (runner registration, job API calls)' },
  // "Needed for essential operations" and "Needed for retrieving OIDC tokens": broker, pipelines, run service.
  {
    host: '*.actions.githubusercontent.com',
    why: 'essential operations (broker, pipelines, token service) and OIDC tokens',
  },
  // "Needed for downloading actions": tarballs of the actions a workflow `uses:`.
  { host: 'codeload.github.com', why: 'downloading actions (repository tarballs)' },
  // "Needed for downloading actions": immutable actions from the Actions package registry (also under the
  // wildcard above; named because the docs name it).
  { host: 'pkg.actions.githubusercontent.com', why: 'downloading actions published as immutable actions' },
  // "Needed for uploading/downloading job summaries, logs, workflow artifacts, and caches" (also under the
  // wildcard above; named because the docs name it).
  {
    host: 'results-receiver.actions.githubusercontent.com',
    why: 'job summaries, logs, workflow artifacts and caches (results service)',
  },
  // Same docs heading: the storage behind the results service, reached by signed URLs. Note it admits every
  // Azure storage account; GitHub's own accounts are productionresultssa*.blob.core.windows.net (GitHub
  // changelog 2026-10-22 "Meta API endpoints updated for Actions blob storage"), which this entry syntax
  // cannot narrow to.
  {
    host: '*.blob.core.windows.net',
    why: 'job summaries, logs, workflow artifacts and caches (blob storage)',
  },
];

/** The model's API. */
export const MODEL_HOSTS: readonly { host: string; why: string }[] = [
  { host: 'api.anthropic.com', why: 'the Anthropic Messages API the agent calls' },
];

/** The runner's hosts, the model's, then `extra` (package registries from the policy), without duplicates. */
export function defaultAllowlist(extra: string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const host of [
    ...GITHUB_RUNNER_HOSTS.map((h) => h.host),
    ...MODEL_HOSTS.map((h) => h.host),
    ...extra,
  ]) {
    const key = host.trim().toLowerCase();
    if (key === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(host.trim());
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The proxy.

/** Connection-scoped headers a proxy must not forward (RFC 9110 §7.6.1), plus the proxy's own. */
const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Printable ASCII only and bounded: a blocked host goes into a response body and a log line. */
function printable(text: string): string {
  return text.replace(/[^\x21-\x7e]/g, '?').slice(0, 255);
}

function forwardHeaders(raw: string[], extra: Record<string, string>): Record<string, string | string[]> {
  const dropped = new Set(HOP_BY_HOP);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() === 'connection') {
      for (const name of (raw[i + 1] ?? '').split(',')) dropped.add(name.trim().toLowerCase());
    }
  }
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const value = raw[i + 1] ?? '';
    const key = name.toLowerCase();
    if (dropped.has(key) || key in extra) continue;
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return { ...out, ...extra };
}

function rawResponse(status: number, reason: string, body: string): string {
  return (
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  );
}

/** Ends a socket after a final answer, and destroys it if the peer does not close its side soon. */
function finish(socket: net.Socket, text: string): void {
  if (socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(text);
  socket.resume(); // Read (and drop) what the peer still sends, so its FIN is seen and the socket closes.
  setTimeout(() => socket.destroy(), 2_000).unref();
}

function errorText(err: unknown): string {
  if (err instanceof Error) return (err as NodeJS.ErrnoException).code ?? err.message;
  return String(err);
}

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

export async function startEgressProxy(opts: EgressProxyOptions): Promise<EgressProxy> {
  const listenHost = opts.host ?? '127.0.0.1';
  if (listenHost !== '127.0.0.1') {
    throw new Error(`egress proxy listens on 127.0.0.1 only, not ${listenHost}`);
  }
  const invalid = opts.allow.filter((e) => parseEntry(e) === undefined);
  if (invalid.length > 0) throw new Error(`invalid allowlist entries: ${invalid.map(printable).join(', ')}`);
  const entries = compileAllowlist(opts.allow);
  const connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const sockets = new Set<net.Socket>();

  const log = (e: EgressEvent): void => {
    try {
      opts.log?.(e);
    } catch {
      // A failing logger must not take the proxy down.
    }
  };
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };

  /** Decides on an authority; undefined when it is malformed (the caller answers 400). */
  const decide = (
    authority: string,
    kind: RequestKind,
  ): { ok: true; host: string; port: number } | { ok: false; host: string; port: number } | undefined => {
    const at = authority.lastIndexOf('@');
    const hasUserinfo = at >= 0;
    const split = splitHostPort(hasUserinfo ? authority.slice(at + 1) : authority);
    const port = split?.port ?? (kind === 'http' ? DEFAULT_PORT.http : undefined);
    if (!split || port === undefined) return undefined;
    const normal = normalizeHost(split.host);
    if (hasUserinfo || !normal || !matches(entries, normal, port, kind)) {
      return { ok: false, host: normal?.value ?? printable(split.host), port };
    }
    return { ok: true, host: normal.value, port };
  };

  // requestTimeout 0: a tunnel or a long upload is bounded by the idle timeout instead. requireHostHeader off:
  // absolute-form carries its own authority, and every refusal is then the proxy's own (and logged).
  const server = http.createServer({
    requestTimeout: 0,
    headersTimeout: 30_000,
    keepAliveTimeout: 5_000,
    requireHostHeader: false,
  });
  server.maxConnections = 1024;
  server.on('connection', (s: net.Socket) => {
    track(s);
    s.on('error', () => s.destroy());
  });

  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    const code = err.code ?? '';
    log({ kind: 'bad-request', reason: code || err.message });
    if (!(socket instanceof net.Socket) || code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, reason] =
      code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large']
        : code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout']
          : [400, 'Bad Request'];
    finish(socket, rawResponse(status, reason, 'bad-request\n'));
  });

  server.on('connect', (req: http.IncomingMessage, clientStream, head: Buffer) => {
    if (!(clientStream instanceof net.Socket)) {
      clientStream.destroy();
      return;
    }
    const client = clientStream;
    client.pause(); // Nothing read before the upstream is up may be lost.
    client.on('error', () => client.destroy());
    const decision = decide(req.url ?? '', 'connect');
    if (!decision) {
      log({ kind: 'bad-request', reason: `CONNECT target is not host:port: ${printable(req.url ?? '')}` });
      finish(client, rawResponse(400, 'Bad Request', 'bad-request: CONNECT needs host:port\n'));
      return;
    }
    const { host, port } = decision;
    if (!decision.ok) {
      log({ kind: 'blocked', host, port });
      finish(client, rawResponse(403, 'Forbidden', `blocked-by-allowlist: ${host}`));
      return;
    }

    const upstream = net.connect({ host, port, allowHalfOpen: true });
    track(upstream);
    let connected = false;
    let failure: string | undefined;
    const connectTimer = setTimeout(
      () => upstream.destroy(new TimeoutError(`connect timed out after ${connectTimeoutMs} ms`)),
      connectTimeoutMs,
    );
    const fail = (err: unknown): void => {
      failure ??= err instanceof TimeoutError ? err.message : errorText(err);
      upstream.destroy();
      client.destroy();
    };
    upstream.on('error', (err) => {
      clearTimeout(connectTimer);
      if (!connected) {
        failure ??= err instanceof TimeoutError ? err.message : errorText(err);
        const [status, reason] =
          err instanceof TimeoutError ? [504, 'Gateway Timeout'] : [502, 'Bad Gateway'];
        finish(client, rawResponse(status, reason, `upstream-unreachable: ${host}:${port}\n`));
        upstream.destroy();
        return;
      }
      fail(err);
    });
    client.on('error', fail);
    client.on('close', (hadError) => {
      if (!connected) failure ??= 'client closed before the upstream connected';
      if (hadError || !connected) upstream.destroy();
    });
    upstream.on('close', (hadError) => {
      clearTimeout(connectTimer);
      if (hadError) client.destroy();
      log({
        kind: 'allowed',
        host,
        port,
        bytesUp: upstream.bytesWritten,
        bytesDown: upstream.bytesRead,
        ...(failure === undefined ? {} : { error: failure }),
      });
    });
    upstream.on('connect', () => {
      clearTimeout(connectTimer);
      connected = true;
      if (client.destroyed || !client.writable) {
        upstream.destroy();
        return;
      }
      const onIdle = (): void => fail(new TimeoutError(`idle for ${idleTimeoutMs} ms`));
      client.setTimeout(idleTimeoutMs, onIdle);
      upstream.setTimeout(idleTimeoutMs, onIdle);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      // allowHalfOpen on both: a FIN from one side ends only that direction.
      client.pipe(upstream);
      upstream.pipe(client);
    });
  });

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    req.on('error', () => req.destroy());
    res.on('error', () => res.destroy());
    const badRequest = (reason: string): void => {
      log({ kind: 'bad-request', reason });
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end(`bad-request: ${reason}\n`);
    };
    const m = /^http:\/\/([^/?#]*)([^#]*)/i.exec(req.url ?? '');
    if (!m) {
      badRequest('a proxy request needs an absolute http:// URL (use CONNECT for https)');
      return;
    }
    const authority = m[1] ?? '';
    const decision = decide(authority, 'http');
    if (!decision) {
      badRequest(`bad authority: ${printable(authority)}`);
      return;
    }
    const { host, port } = decision;
    if (!decision.ok) {
      log({ kind: 'blocked', host, port });
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`blocked-by-allowlist: ${host}`);
      return;
    }
    let path = m[2] ?? '';
    if (!path.startsWith('/')) path = `/${path}`;

    let upstreamSocket: net.Socket | undefined;
    let failure: string | undefined;
    let logged = false;
    const done = (): void => {
      if (logged) return;
      logged = true;
      log({
        kind: 'allowed',
        host,
        port,
        bytesUp: upstreamSocket?.bytesWritten ?? 0,
        bytesDown: upstreamSocket?.bytesRead ?? 0,
        ...(failure === undefined ? {} : { error: failure }),
      });
    };
    const upReq = http.request({
      host,
      port,
      method: req.method,
      path,
      agent: false,
      setHost: false,
      headers: forwardHeaders(req.rawHeaders, { host: authority, connection: 'close' }),
    });
    const headTimer = setTimeout(
      () => upReq.destroy(new TimeoutError(`no response within ${connectTimeoutMs} ms`)),
      connectTimeoutMs,
    );
    upReq.on('socket', (s: net.Socket) => {
      upstreamSocket = s;
      track(s);
      s.once('close', done);
    });
    upReq.setTimeout(idleTimeoutMs, () => upReq.destroy(new TimeoutError(`idle for ${idleTimeoutMs} ms`)));
    upReq.on('error', (err) => {
      clearTimeout(headTimer);
      failure ??= err instanceof TimeoutError ? err.message : errorText(err);
      if (!res.headersSent && !res.destroyed) {
        const [status, reason] = err instanceof TimeoutError ? [504, 'timed out'] : [502, 'unreachable'];
        res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
        res.end(`upstream-${reason}: ${host}:${port}\n`);
      } else {
        res.destroy();
      }
    });
    upReq.on('close', () => {
      clearTimeout(headTimer);
      if (!upstreamSocket) done();
    });
    upReq.on('response', (upRes: http.IncomingMessage) => {
      clearTimeout(headTimer);
      upRes.on('error', () => res.destroy());
      upRes.on('close', () => {
        if (!upRes.complete) res.destroy();
      });
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, forwardHeaders(upRes.rawHeaders, {}));
      upRes.pipe(res);
    });
    res.on('close', () => {
      if (!res.writableFinished) upReq.destroy();
    });
    req.pipe(upReq);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, listenHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => {
    // After listening, a server error (e.g. EMFILE on accept) must not crash the process.
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('egress proxy: no TCP address');
  const port = address.port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}
