// npm, the npm downloads API, PyPI, crates.io, the Go module proxy, npm's bulk advisory endpoint and OSV's
// querybatch and vulns APIs on 127.0.0.1, answering in their documented formats from in-memory data, with
// failure modes for the unhappy paths.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakePackage {
  versions: Record<string, { published: string; license?: string }>;
  created?: string;
  license?: string;
  downloads?: number;
}

export type Failure = 'error500' | 'hang' | 'garbage';

/** An advisory as npm's bulk endpoint answers it, plus the versions it affects (the fake does not read ranges). */
export interface FakeNpmAdvisory {
  id: number;
  url: string;
  title: string;
  severity: 'critical' | 'high' | 'moderate' | 'low' | 'info';
  vulnerable_versions: string;
  patched_versions?: string;
  cwe?: string[];
  affects: string[];
}

/** An OSV record (schema 1.6); `affected[].versions` says which versions a query matches. */
export interface FakeOsvVuln {
  id: string;
  summary?: string;
  aliases?: string[];
  severity?: { type: string; score: string }[];
  database_specific?: Record<string, unknown>;
  references?: { type: string; url: string }[];
  affected: {
    package: { ecosystem: string; name: string };
    ranges?: { type: string; events: Record<string, string>[] }[];
    versions?: string[];
    ecosystem_specific?: Record<string, unknown>;
  }[];
}

export interface RegistryFake {
  registries: {
    npm: string;
    npmDownloads: string;
    pypi: string;
    crates: string;
    go: string;
    npmAdvisories: string;
    osv: string;
  };
  requests: string[];
  /** The JSON bodies POSTed, in order, with their paths. */
  posts: { path: string; body: unknown }[];
  addNpmAdvisory(name: string, advisory: FakeNpmAdvisory): void;
  addOsv(vuln: FakeOsvVuln): void;
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
  const posts: { path: string; body: unknown }[] = [];
  const advisories = new Map<string, FakeNpmAdvisory[]>();
  const osv: FakeOsvVuln[] = [];

  // POST {npm}/-/npm/v1/security/advisories/bulk: {name: [versions]} → {name: [advisory]} for the
  // advisories that affect any version asked. POST {osv}/v1/querybatch: one result per query.
  function answerPost(path: string, body: unknown): [number, unknown] {
    if (/^\/npm\/-\/npm\/v1\/security\/advisories\/bulk$/.test(path)) {
      const asked = body as Record<string, string[]>;
      const out: Record<string, unknown[]> = {};
      for (const [name, versions] of Object.entries(asked)) {
        const hits = (advisories.get(name) ?? []).filter((a) => versions.some((v) => a.affects.includes(v)));
        if (hits.length > 0) out[name] = hits.map(({ affects: _, ...a }) => a);
      }
      return [200, out];
    }
    if (path === '/osv/v1/querybatch') {
      const { queries } = body as {
        queries: { package: { name: string; ecosystem: string }; version: string }[];
      };
      const results = queries.map((q) => {
        const vulns = osv.filter((v) =>
          v.affected.some(
            (a) =>
              a.package.ecosystem === q.package.ecosystem &&
              a.package.name === q.package.name &&
              (a.versions ?? []).includes(q.version),
          ),
        );
        return vulns.length === 0
          ? {}
          : { vulns: vulns.map((v) => ({ id: v.id, modified: '2026-01-01T00:00:00Z' })) };
      });
      return [200, { results }];
    }
    return [404, 'not found'];
  }
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
    m = /^\/osv\/v1\/vulns\/([^/]+)$/.exec(path);
    if (m) {
      const v = osv.find((x) => x.id === decodeURIComponent(m?.[1] as string));
      if (!v) return [404, { code: 5, message: 'Bug not found.' }];
      return [200, { schema_version: '1.6.0', modified: '2026-01-01T00:00:00Z', ...v }];
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
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad JSON"}');
          return;
        }
        posts.push({ path, body });
        const [status, answer] = answerPost(path, body);
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      });
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
      npmAdvisories: `${base}/npm`,
      osv: `${base}/osv`,
    },
    requests,
    posts,
    addNpmAdvisory: (name, advisory) => advisories.set(name, [...(advisories.get(name) ?? []), advisory]),
    addOsv: (vuln) => osv.push(vuln),
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
