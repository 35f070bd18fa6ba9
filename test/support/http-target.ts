// A plain HTTP server on 127.0.0.1 that counts the requests reaching it: the host a sandboxed command
// must not reach (or, when allowlisted, reaches only through the proxy).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpTarget {
  port: number;
  url: string;
  /** Requests that reached the server. */
  hits(): number;
  reset(): void;
  close(): Promise<void>;
}

export async function startHttpTarget(): Promise<HttpTarget> {
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits++;
    res.end('reached');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}/`,
    hits: () => hits,
    reset: () => {
      hits = 0;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
