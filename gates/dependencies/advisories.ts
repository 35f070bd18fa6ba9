// Known vulnerabilities of exact versions, from the advisory databases, in their documented formats:
//   npm   POST {npmAdvisories}/-/npm/v1/security/advisories/bulk  body {name: [version, …]}
//         → {name: [{id, url, title, severity, vulnerable_versions, patched_versions?, cwe?}]}
//         (what npm audit asks; the registry answers with the advisories that affect any version asked)
//   OSV   POST {osv}/v1/querybatch  body {queries: [{package: {name, ecosystem}, version, page_token?}]}
//         → {results: [{vulns?: [{id, modified}], next_page_token?}]}, one result per query, in order
//         GET {osv}/v1/vulns/{id} → {id, summary, aliases, severity[{type, score}], database_specific,
//         affected[{package, ranges[{type, events[{introduced|fixed|last_affected|limit}]}],
//         ecosystem_specific, database_specific}], references[{type, url}]}
// OSV serves PyPI, crates.io and Go here (npm has the registry's own database).
import { compareVersions } from '../sbom/versions.js';
import type { Dependency, Ecosystem, Severity } from '../types.js';
import { fixedVersion, satisfies } from './ranges.js';
import { type RegistryClient, RegistryUnreachable, type Service, shape } from './registry.js';
import { cvss3BaseScore, severityOfScore, severityOfWord } from './severity.js';

export interface Advisory {
  dep: Dependency;
  /** GHSA-…, or the database's own id (PYSEC-…, RUSTSEC-…, GO-…) when it has no GHSA one. */
  id: string;
  /** Other ids of the same advisory (CVE-…). */
  aliases: string[];
  title: string;
  severity: Severity;
  /** False when the advisory states no severity (Go's database never does): `severity` is then high. */
  severityStated: boolean;
  url?: string;
  /** The first version that is not affected, `>x` when only "after x" is known; absent when none is. */
  fixed?: string;
  cwe?: string[];
}

/** The service that holds an ecosystem's advisories. */
export function advisoryService(ecosystem: Ecosystem): Service {
  return ecosystem === 'npm' ? 'npmAdvisories' : 'osv';
}

const GHSA = /GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}/;
/** npm's bulk answer is capped by request size; npm audit sends one body per tree, we page by names. */
const NPM_NAMES_PER_REQUEST = 500;
/** The querybatch API takes up to 1,000 queries a request. */
const OSV_QUERIES_PER_REQUEST = 1000;
/** Pages of one querybatch result followed at most (a package with more than 1,000 advisories). */
const OSV_MAX_PAGES = 5;

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** The advisories of each npm dependency's exact version. Throws RegistryUnreachable. */
export async function npmAdvisories(
  client: RegistryClient,
  deps: readonly Dependency[],
): Promise<Advisory[]> {
  const byName = new Map<string, Dependency[]>();
  for (const dep of deps) byName.set(dep.name, [...(byName.get(dep.name) ?? []), dep]);
  const url = `${client.base('npmAdvisories')}/-/npm/v1/security/advisories/bulk`;
  const out: Advisory[] = [];
  for (const names of chunks([...byName.keys()], NPM_NAMES_PER_REQUEST)) {
    const body = Object.fromEntries(
      names.map((n) => [n, [...new Set(byName.get(n)?.map((d) => d.version))]]),
    );
    const r = await client.post('npmAdvisories', url, body);
    if (r.status !== 200) throw new RegistryUnreachable(`HTTP ${r.status} from the advisory endpoint`, url);
    const answer = shape(r.body, 'npm bulk advisory');
    for (const name of names) {
      const list = answer[name];
      if (list === undefined) continue;
      if (!Array.isArray(list))
        throw new RegistryUnreachable(`the advisories of ${name} are not a list`, url);
      for (const raw of list) {
        const a = shape(raw, 'npm advisory');
        const range = str(a.vulnerable_versions) ?? '*';
        const patched = str(a.patched_versions);
        const link = str(a.url);
        const ghsa = link === undefined ? undefined : GHSA.exec(link)?.[0];
        const npmId = typeof a.id === 'number' || typeof a.id === 'string' ? String(a.id) : undefined;
        const stated = severityOfWord(a.severity);
        for (const dep of byName.get(name) ?? []) {
          // A range this module cannot read is taken to hold: the registry said it affects what was asked.
          if (satisfies(dep.version, range) === false) continue;
          const fixed = fixedVersion(dep.version, range, patched);
          const cwe = strings(a.cwe);
          out.push({
            dep,
            id: ghsa ?? (npmId !== undefined ? `npm advisory ${npmId}` : 'an npm advisory'),
            aliases: [],
            title: str(a.title) ?? 'no title',
            severity: stated ?? 'high',
            severityStated: stated !== undefined,
            ...(link !== undefined ? { url: link } : {}),
            ...(fixed !== undefined ? { fixed } : {}),
            ...(cwe.length > 0 ? { cwe } : {}),
          });
        }
      }
    }
  }
  return out;
}

const OSV_ECOSYSTEM: Record<Exclude<Ecosystem, 'npm'>, string> = {
  pypi: 'PyPI',
  cargo: 'crates.io',
  golang: 'Go',
};

/** OSV's Go versions have no `v` (osv-scanner strips it too); the others are as the registries write them. */
const osvVersion = (dep: Dependency) =>
  dep.ecosystem === 'golang' ? dep.version.replace(/^v/, '') : dep.version;

/** The advisories of each PyPI, crates.io and Go dependency's exact version. Throws RegistryUnreachable. */
export async function osvAdvisories(
  client: RegistryClient,
  deps: readonly Dependency[],
): Promise<Advisory[]> {
  const url = `${client.base('osv')}/v1/querybatch`;
  const idsOf = new Map<Dependency, Set<string>>();
  for (const batch of chunks(deps, OSV_QUERIES_PER_REQUEST)) {
    let pending = batch.map((dep) => ({ dep, token: undefined as string | undefined }));
    for (let page = 0; page < OSV_MAX_PAGES && pending.length > 0; page++) {
      const queries = pending.map(({ dep, token }) => ({
        package: { name: dep.name, ecosystem: OSV_ECOSYSTEM[dep.ecosystem as Exclude<Ecosystem, 'npm'>] },
        version: osvVersion(dep),
        ...(token !== undefined ? { page_token: token } : {}),
      }));
      const r = await client.post('osv', url, { queries });
      if (r.status !== 200) throw new RegistryUnreachable(`HTTP ${r.status} from querybatch`, url);
      const results = shape(r.body, 'OSV querybatch').results;
      if (!Array.isArray(results) || results.length !== queries.length) {
        throw new RegistryUnreachable(
          `the answer does not have one result per query (${queries.length})`,
          url,
        );
      }
      const next: typeof pending = [];
      results.forEach((raw, i) => {
        const { dep } = pending[i] as { dep: Dependency };
        const result = shape(raw, 'OSV query result');
        const ids = idsOf.get(dep) ?? new Set<string>();
        idsOf.set(dep, ids);
        for (const v of Array.isArray(result.vulns) ? result.vulns : []) {
          const id = str((v as { id?: unknown }).id);
          if (id !== undefined) ids.add(id);
        }
        const token = str(result.next_page_token);
        if (token !== undefined) next.push({ dep, token });
      });
      pending = next;
    }
  }
  const details = new Map<string, Promise<Record<string, unknown> | undefined>>();
  const detail = (id: string) => {
    let hit = details.get(id);
    if (hit === undefined) {
      hit = client
        .get('osv', `${client.base('osv')}/v1/vulns/${encodeURIComponent(id)}`)
        .then((r) => (r.status === 200 ? shape(r.body, 'OSV vulnerability') : undefined))
        // The query already said the version is affected: report it with what is known.
        .catch((e: unknown) => {
          if (e instanceof RegistryUnreachable) return undefined;
          throw e;
        });
      details.set(id, hit);
    }
    return hit;
  };
  const out: Advisory[] = [];
  for (const [dep, ids] of idsOf) {
    for (const id of ids) out.push(fromOsv(dep, id, await detail(id)));
  }
  return out;
}

interface OsvAffected {
  package?: { name?: unknown; ecosystem?: unknown };
  ranges?: { type?: unknown; events?: Record<string, unknown>[] }[];
  ecosystem_specific?: { severity?: unknown };
  database_specific?: { severity?: unknown };
  severity?: { type?: unknown; score?: unknown }[];
}

const normalName = (dep: Dependency, name: string) =>
  dep.ecosystem === 'pypi' ? name.toLowerCase().replace(/[-_.]+/g, '-') : name;

function fromOsv(dep: Dependency, id: string, vuln: Record<string, unknown> | undefined): Advisory {
  const aliases = strings(vuln?.aliases);
  const ghsa = [id, ...aliases].find((x) => GHSA.test(x));
  const affected = (Array.isArray(vuln?.affected) ? (vuln.affected as OsvAffected[]) : []).filter(
    (a) =>
      a.package?.ecosystem === OSV_ECOSYSTEM[dep.ecosystem as Exclude<Ecosystem, 'npm'>] &&
      typeof a.package?.name === 'string' &&
      normalName(dep, a.package.name) === normalName(dep, dep.name),
  );
  const vectors = [
    ...(Array.isArray(vuln?.severity) ? (vuln.severity as OsvAffected['severity'] & object) : []),
    ...affected.flatMap((a) => a.severity ?? []),
  ];
  const worded =
    severityOfWord((vuln?.database_specific as { severity?: unknown } | undefined)?.severity) ??
    affected
      .map(
        (a) =>
          severityOfWord(a.ecosystem_specific?.severity) ?? severityOfWord(a.database_specific?.severity),
      )
      .find((s) => s !== undefined);
  const scores = vectors
    .map((s) => (typeof s.score === 'string' ? cvss3BaseScore(s.score) : undefined))
    .filter((s): s is number => s !== undefined);
  const severity = worded ?? (scores.length > 0 ? severityOfScore(Math.max(...scores)) : undefined);
  const fixed = osvFixed(dep, affected);
  const references = Array.isArray(vuln?.references)
    ? (vuln.references as { type?: unknown; url?: unknown }[])
    : [];
  const link =
    str(references.find((r) => r.type === 'ADVISORY')?.url) ?? `https://osv.dev/vulnerability/${id}`;
  const cwe = strings((vuln?.database_specific as { cwe_ids?: unknown } | undefined)?.cwe_ids);
  return {
    dep,
    id: ghsa ?? id,
    aliases: [id, ...aliases].filter((x) => x !== (ghsa ?? id)),
    title: str(vuln?.summary) ?? (vuln === undefined ? 'details could not be fetched' : 'no summary'),
    severity: severity ?? 'high',
    severityStated: severity !== undefined,
    url: link,
    ...(fixed !== undefined ? { fixed } : {}),
    ...(cwe.length > 0 ? { cwe } : {}),
  };
}

/**
 * The first `fixed` event after the version in the range that holds it (ECOSYSTEM and SEMVER ranges,
 * events in version order); `>x` after a `last_affected: x`. Go's versions get their `v` back.
 */
function osvFixed(dep: Dependency, affected: OsvAffected[]): string | undefined {
  const version = osvVersion(dep);
  const found: string[] = [];
  for (const a of affected) {
    for (const range of a.ranges ?? []) {
      if (range.type !== 'ECOSYSTEM' && range.type !== 'SEMVER') continue;
      const events = (range.events ?? [])
        .flatMap((e) => Object.entries(e).filter(([, v]) => typeof v === 'string') as [string, string][])
        .sort(([, x], [, y]) => (x === '0' ? -1 : y === '0' ? 1 : compareVersions(x, y)));
      let inside = false;
      for (const [kind, at] of events) {
        const cmp = at === '0' ? -1 : compareVersions(at, version);
        if (kind === 'introduced') {
          if (cmp > 0) break;
          inside = true;
        } else if (kind === 'fixed' || kind === 'limit') {
          if (cmp <= 0) inside = false;
          else {
            if (inside && kind === 'fixed') found.push(at);
            break;
          }
        } else if (kind === 'last_affected') {
          if (cmp < 0) inside = false;
          else {
            if (inside) found.push(`>${at}`);
            break;
          }
        }
      }
    }
  }
  const exact = found.filter((f) => !f.startsWith('>')).sort(compareVersions);
  const first = exact[0] ?? found[0];
  if (first === undefined) return undefined;
  return dep.ecosystem === 'golang' ? first.replace(/^(>?)/, '$1v') : first;
}
