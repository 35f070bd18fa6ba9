// Reads the dependency-file fixtures, stored as `<case>.<real base name>` so the repository's own SBOM
// does not pick them up.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { purlOf } from '../../gates/sbom/parsers/common.js';
import type { Dependency } from '../../gates/types.js';

const DIR = fileURLToPath(new URL('../fixtures/lockfiles/', import.meta.url));

export function lockfixture(name: string): string {
  return readFileSync(`${DIR}${name}`, 'utf8');
}

/** `name@version` of each dependency, the shape most assertions compare. */
export function ids(deps: readonly Dependency[]): string[] {
  return deps.map((d) => `${d.name}@${d.version}`);
}

/** The `name@version` of the direct ones. */
export function directIds(deps: readonly Dependency[]): string[] {
  return ids(deps.filter((d) => d.direct === true));
}

/** A dependency as a lockfile would give it, for delta and BOM tests. */
export function dep(name: string, version: string, extra: Partial<Dependency> = {}): Dependency {
  const ecosystem = extra.ecosystem ?? 'npm';
  return {
    ecosystem,
    name,
    version,
    purl: purlOf(ecosystem, name, version),
    source: 'package-lock.json',
    ...extra,
  };
}
