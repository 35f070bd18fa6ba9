// What the registries say about a package, in their documented formats:
//   npm      GET {npm}/{name}  (scoped: @scope%2fname) — packument: dist-tags, versions{v: {license}},
//            time{created, <v>: iso}, license
//            GET {npmDownloads}/downloads/point/last-week/{name} — {downloads, package, start, end}
//   PyPI     GET {pypi}/pypi/{name}/json — info{license, license_expression, classifiers},
//            releases{v: [{upload_time_iso_8601}]}
//   crates   GET {crates}/api/v1/crates/{name} — crate{created_at}, versions[{num, created_at, license}]
//   Go       GET {go}/{module, capitals as !lower}/@v/{version}.info — {Version, Time}
// Answers are cached per run by URL (in-flight promises, so concurrent asks share one request). Each
// service (a key of gates.dependencies.registries) has a breaker: after a few failures to answer at
// all (no connection, a time-out, a 5xx), it is not asked again this run, so that a registry that is
// down costs one time-out, not one per package.
import type { GatesPolicy } from '../../policies/index.js';
import type { Dependency } from '../types.js';
import { VERSION } from '../version.js';

export interface PackageInfo {
  /** The version asked for exists (true when no version was asked). */
  versionExists: boolean;
  /** When the version (or, without one, the package) was first published. */
  published?: Date;
  publishedWhat: 'version' | 'package';
  license?: string;
  /** npm's takedown placeholder, 0.0.1-security. */
  placeholder: boolean;
}

export type Lookup = { kind: 'found'; info: PackageInfo } | { kind: 'not-found'; what: string };

/** The registry could not be asked or did not answer in its documented format; the message says how. */
export class RegistryUnreachable extends Error {
  constructor(
    reason: string,
    /** What was asked, when known. */
    readonly url?: string,
  ) {
    super(reason);
    this.name = 'RegistryUnreachable';
  }
}

export type Registries = GatesPolicy['dependencies']['registries'];
/** One of the services the policy names a base URL for. */
export type Service = keyof Registries;

/** Failures to answer at all, in a row, after which a service is not asked again this run. */
const BREAKER_FAILURES = 3;

export class RegistryClient {
  private readonly cache = new Map<string, Promise<{ status: number; body: unknown }>>();
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly down = new Map<Service, { failures: number; first: string }>();
  requests = 0;

  constructor(
    private readonly registries: Registries,
    private readonly opts: { timeoutMs: number; fetch: typeof fetch; concurrency: number },
  ) {}

  private async slot<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.opts.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await work();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  /** The base URL the policy gives a service, without a trailing slash. */
  base(service: Service): string {
    return this.registries[service].replace(/\/+$/, '');
  }

  /** GET a JSON document; 404 and 410 come back as their status, anything else unexpected throws. */
  get(service: Service, url: string): Promise<{ status: number; body: unknown }> {
    let hit = this.cache.get(url);
    if (hit === undefined) {
      hit = this.slot(() => this.ask(service, url, { method: 'GET' }));
      this.cache.set(url, hit);
    }
    return hit;
  }

  /** POST a JSON body and read a JSON answer (not cached: each body is asked once by its caller). */
  post(service: Service, url: string, body: unknown): Promise<{ status: number; body: unknown }> {
    return this.slot(() =>
      this.ask(service, url, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      }),
    );
  }

  private async ask(
    service: Service,
    url: string,
    init: { method: string; body?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: unknown }> {
    const state = this.down.get(service);
    if (state !== undefined && state.failures >= BREAKER_FAILURES) {
      throw new RegistryUnreachable(state.first, url);
    }
    this.requests++;
    let res: Response;
    try {
      res = await this.opts.fetch(url, {
        ...init,
        headers: {
          accept: 'application/json',
          'user-agent': `agentgate/${VERSION} (dependency gate)`,
          ...init.headers,
        },
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (e) {
      throw this.failed(service, url, transportError(e));
    }
    if (res.status === 404 || res.status === 410) {
      await res.body?.cancel();
      this.down.delete(service);
      return { status: res.status, body: undefined };
    }
    if (!res.ok) {
      await res.body?.cancel();
      const reason = `HTTP ${res.status}`;
      // A 4xx is about the request, not the service being down.
      throw res.status >= 500 || res.status === 429
        ? this.failed(service, url, reason)
        : new RegistryUnreachable(reason, url);
    }
    this.down.delete(service);
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw this.failed(service, url, transportError(e));
    }
    try {
      return { status: res.status, body: JSON.parse(text) as unknown };
    } catch {
      throw new RegistryUnreachable('the answer is not JSON', url);
    }
  }

  private failed(service: Service, url: string, reason: string): RegistryUnreachable {
    const state = this.down.get(service) ?? { failures: 0, first: reason };
    state.failures++;
    this.down.set(service, state);
    return new RegistryUnreachable(reason, url);
  }

  lookup(dep: Dependency): Promise<Lookup> {
    switch (dep.ecosystem) {
      case 'npm':
        return this.npm(dep);
      case 'pypi':
        return this.pypi(dep);
      case 'cargo':
        return this.crates(dep);
      case 'golang':
        return this.go(dep);
    }
  }

  private async npm(dep: Dependency): Promise<Lookup> {
    const name = dep.name.startsWith('@') ? dep.name.replace('/', '%2f') : encodeURIComponent(dep.name);
    const r = await this.get('npm', `${this.base('npm')}/${name}`);
    if (r.status !== 200) return { kind: 'not-found', what: `${dep.name} is not on npm` };
    const doc = shape(r.body, 'npm packument') as {
      versions?: Record<string, { license?: unknown }>;
      time?: Record<string, string>;
      license?: unknown;
      'dist-tags'?: Record<string, string>;
    };
    const versions = doc.versions ?? {};
    const latest = doc['dist-tags']?.latest;
    const placeholder = latest === '0.0.1-security' || dep.version === '0.0.1-security';
    if (dep.version !== '' && !(dep.version in versions) && !placeholder) {
      return { kind: 'not-found', what: `${dep.name}@${dep.version} is not on npm` };
    }
    const v = dep.version !== '' ? dep.version : latest;
    const published = date(dep.version !== '' ? doc.time?.[dep.version] : doc.time?.created);
    const info: PackageInfo = {
      versionExists: true,
      publishedWhat: dep.version !== '' ? 'version' : 'package',
      placeholder,
      ...(published ? { published } : {}),
    };
    const license =
      licenseText(v !== undefined ? versions[v]?.license : undefined) ?? licenseText(doc.license);
    if (license) info.license = license;
    return { kind: 'found', info };
  }

  /**
   * npm downloads of the last week (0 for a package the downloads API does not know). Asked apart
   * from the packument: when only this API fails, only the downloads check is lost.
   */
  async weeklyDownloads(name: string): Promise<number> {
    const r = await this.get(
      'npmDownloads',
      `${this.base('npmDownloads')}/downloads/point/last-week/${name}`,
    );
    if (r.status !== 200) return 0;
    const weekly = (shape(r.body, 'npm downloads') as { downloads?: unknown }).downloads;
    if (typeof weekly !== 'number') throw new RegistryUnreachable('the answer has no downloads count');
    return weekly;
  }

  private async pypi(dep: Dependency): Promise<Lookup> {
    const r = await this.get('pypi', `${this.base('pypi')}/pypi/${encodeURIComponent(dep.name)}/json`);
    if (r.status !== 200) return { kind: 'not-found', what: `${dep.name} is not on PyPI` };
    const doc = shape(r.body, 'PyPI JSON') as {
      info?: { license?: string | null; license_expression?: string | null; classifiers?: string[] };
      releases?: Record<string, { upload_time_iso_8601?: string }[]>;
    };
    const releases = doc.releases ?? {};
    if (dep.version !== '' && !(dep.version in releases)) {
      return { kind: 'not-found', what: `${dep.name}==${dep.version} is not on PyPI` };
    }
    const times = (dep.version !== '' ? (releases[dep.version] ?? []) : Object.values(releases).flat())
      .map((f) => date(f.upload_time_iso_8601))
      .filter((d): d is Date => d !== undefined)
      .sort((a, b) => a.getTime() - b.getTime());
    const info: PackageInfo = {
      versionExists: true,
      publishedWhat: dep.version !== '' ? 'version' : 'package',
      placeholder: false,
      ...(times[0] ? { published: times[0] } : {}),
    };
    const license = pypiLicense(doc.info ?? {});
    if (license) info.license = license;
    return { kind: 'found', info };
  }

  private async crates(dep: Dependency): Promise<Lookup> {
    const r = await this.get(
      'crates',
      `${this.base('crates')}/api/v1/crates/${encodeURIComponent(dep.name)}`,
    );
    if (r.status !== 200) return { kind: 'not-found', what: `${dep.name} is not on crates.io` };
    const doc = shape(r.body, 'crates.io crate') as {
      crate?: { created_at?: string };
      versions?: { num: string; created_at?: string; license?: string | null }[];
    };
    const version = dep.version !== '' ? doc.versions?.find((v) => v.num === dep.version) : doc.versions?.[0];
    if (dep.version !== '' && version === undefined) {
      return { kind: 'not-found', what: `${dep.name} ${dep.version} is not on crates.io` };
    }
    const published = date(dep.version !== '' ? version?.created_at : doc.crate?.created_at);
    const info: PackageInfo = {
      versionExists: true,
      publishedWhat: dep.version !== '' ? 'version' : 'package',
      placeholder: false,
      ...(published ? { published } : {}),
    };
    if (version?.license) info.license = version.license;
    return { kind: 'found', info };
  }

  private async go(dep: Dependency): Promise<Lookup> {
    const mod = dep.name.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
    const version = dep.version === '' ? '@latest' : `@v/${dep.version}.info`;
    const r = await this.get('go', `${this.base('go')}/${mod}/${version}`);
    if (r.status !== 200)
      return { kind: 'not-found', what: `${dep.name} ${dep.version} is not on the Go module proxy` };
    const doc = shape(r.body, 'Go proxy .info') as { Time?: string };
    const published = date(doc.Time);
    // The proxy serves code, not metadata: it states no licence.
    return {
      kind: 'found',
      info: {
        versionExists: true,
        publishedWhat: 'version',
        placeholder: false,
        ...(published ? { published } : {}),
      },
    };
  }
}

/** What a failed fetch says: `timed out`, or the cause (`connect ECONNREFUSED 127.0.0.1:9`). */
function transportError(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { message?: string } };
  if (err.name === 'TimeoutError') return 'timed out';
  return err.cause?.message ?? err.message ?? String(e);
}

export function shape(body: unknown, what: string): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new RegistryUnreachable(`the answer is not a ${what} document`);
  }
  return body as Record<string, unknown>;
}

function date(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function licenseText(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (value && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string') {
    return (value as { type: string }).type;
  }
  return undefined;
}

/** Trove classifiers PyPI packages use most, by SPDX id. */
const CLASSIFIERS: Record<string, string> = {
  'MIT License': 'MIT',
  'BSD License': 'BSD-3-Clause',
  'Apache Software License': 'Apache-2.0',
  'ISC License (ISCL)': 'ISC',
  'Mozilla Public License 2.0 (MPL 2.0)': 'MPL-2.0',
  'Python Software Foundation License': 'PSF-2.0',
  'GNU General Public License v3 (GPLv3)': 'GPL-3.0-only',
  'GNU General Public License v2 (GPLv2)': 'GPL-2.0-only',
  'GNU Lesser General Public License v3 (LGPLv3)': 'LGPL-3.0-only',
  'GNU Affero General Public License v3': 'AGPL-3.0-only',
  'The Unlicense (Unlicense)': 'Unlicense',
};

function pypiLicense(info: {
  license?: string | null;
  license_expression?: string | null;
  classifiers?: string[];
}): string | undefined {
  if (info.license_expression) return info.license_expression;
  const fromClassifiers = (info.classifiers ?? [])
    .map((c) => CLASSIFIERS[c.split(' :: ').at(-1) ?? ''])
    .filter((x): x is string => x !== undefined);
  if (fromClassifiers.length > 0) return [...new Set(fromClassifiers)].join(' OR ');
  const text = info.license?.trim();
  // The free-text field holds anything from an SPDX id to a whole licence; only a short id is usable.
  return text && /^[A-Za-z0-9.+-]+$/.test(text) && text.length <= 40 ? text : undefined;
}
