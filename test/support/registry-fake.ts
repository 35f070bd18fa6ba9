// npm, the npm downloads API, PyPI, crates.io and the Go module proxy on 127.0.0.1, answering in their
// documented formats from in-memory data, with failure modes for the unhappy paths.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakePackage {
  versions: Record<string, { published: string; license?: string }>;
  created?: string;
  license?: string;
  downloads?: number;
}

export type Failure = 'error500' | 'hang' | 'garbage';

export interface RegistryFake {
  registries: { npm: string; npmDownloads: string; pypi: string; crates: string; go: string };
  requests: string[];
  addNpm(name: string, pkg: FakePackage): void;
  addPypi(name: string, pkg: FakePackage): void;
  addCrate(name: string, pkg: FakePackage): void;
  addGo(module: string, pkg: FakePackage): void;
  fail(pathPrefix: string, how: Failure): void;
  close(): Promise<void>;
}

export async function startRegistryFake(): Promise<RegistryFake> {
  const npm = new Map<string, FakePackage>();
  const pypi = new Map<string, FakePackage>();
  const crates = new Map<string, FakePackage>();
  const go = new Map<string, FakePackage>();
  const failures = new Map<string, Failure>();
  const requests: string[] = [];
  const firstTime = (p: FakePackage) =>
    p.created ??
    Object.values(p.versions)
      .map((v) => v.published)
      .sort()[0] ??
    '2020-01-01T00:00:00.000Z';

  function answer(path: string): [number, unknown] {
    let m = /^\/npm\/([^/]+)$/.exec(path);
    if (m) {
      const name = decodeURIComponent(m[1] as string);
      const p = npm.get(name);
      if (!p) return [404, { error: 'Not found' }];
      const versions = Object.keys(p.versions);
      return [
        200,
        {
          _id: name,
          name,
          'dist-tags': { latest: versions.at(-1) },
          versions: Object.fromEntries(
            versions.map((v) => [v, { name, version: v, license: p.versions[v]?.license ?? p.license }]),
          ),
          time: {
            created: firstTime(p),
            modified: firstTime(p),
            ...Object.fromEntries(versions.map((v) => [v, p.versions[v]?.published])),
          },
          license: p.license,
        },
      ];
    }
    m = /^\/downloads\/downloads\/point\/last-week\/(.+)$/.exec(path);
    if (m) {
      const p = npm.get(decodeURIComponent(m[1] as string));
      if (!p) return [404, { error: 'package not found' }];
      return [200, { downloads: p.downloads ?? 0, start: '2026-11-15', end: '2026-11-21', package: m[1] }];
    }
    m = /^\/pypi\/pypi\/([^/]+)\/json$/.exec(path);
    if (m) {
      const p = pypi.get(decodeURIComponent(m[1] as string));
      if (!p) return [404, { message: 'Not Found' }];
      return [
        200,
        {
          info: {
            name: m[1],
            version: Object.keys(p.versions).at(-1),
            license: p.license ?? null,
            license_expression: null,
            classifiers: p.license === 'MIT' ? ['License :: OSI Approved :: MIT License'] : [],
          },
          releases: Object.fromEntries(
            Object.entries(p.versions).map(([v, x]) => [v, [{ upload_time_iso_8601: x.published }]]),
          ),
        },
      ];
    }
    m = /^\/crates\/api\/v1\/crates\/([^/]+)$/.exec(path);
    if (m) {
      const p = crates.get(m[1] as string);
      if (!p) return [404, { errors: [{ detail: 'Not Found' }] }];
      return [
        200,
        {
          crate: { name: m[1], created_at: firstTime(p), newest_version: Object.keys(p.versions).at(-1) },
          versions: Object.entries(p.versions)
            .reverse()
            .map(([num, x]) => ({
              num,
              created_at: x.published,
              license: x.license ?? p.license ?? null,
              yanked: false,
            })),
        },
      ];
    }
    m = /^\/go\/(.+)\/@v\/(.+)\.info$/.exec(path);
    if (m) {
      const p = go.get(m[1] as string);
      const v = p?.versions[m[2] as string];
      if (!v) return [404, 'not found'];
      return [200, { Version: m[2], Time: v.published }];
    }
    return [404, 'not found'];
  }

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    requests.push(path);
    const failure = [...failures].find(([prefix]) => path.startsWith(prefix))?.[1];
    if (failure === 'hang') return;
    if (failure === 'error500') {
      res.writeHead(500).end('internal error');
      return;
    }
    if (failure === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('<html>');
      return;
    }
    const [status, body] = answer(path);
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    registries: {
      npm: `${base}/npm`,
      npmDownloads: `${base}/downloads`,
      pypi: `${base}/pypi`,
      crates: `${base}/crates`,
      go: `${base}/go`,
    },
    requests,
    addNpm: (n, p) => npm.set(n, p),
    addPypi: (n, p) => pypi.set(n, p),
    addCrate: (n, p) => crates.set(n, p),
    addGo: (n, p) =>
      go.set(
        n.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`),
        p,
      ),
    fail: (prefix, how) => failures.set(prefix, how),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
