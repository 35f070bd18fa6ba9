// The CycloneDX 1.6 BOM of a tree's dependencies, and its validation against the 1.6 JSON schema.
// The output is deterministic for the same input (sorted components, a serial number derived from a
// seed, bom-ref = purl), so the base and head BOMs diff cleanly.

import { createHash } from 'node:crypto';
import * as Enums from '@cyclonedx/cyclonedx-library/Enums';
import * as Models from '@cyclonedx/cyclonedx-library/Models';
import * as Serialize from '@cyclonedx/cyclonedx-library/Serialize';
import { fixupSpdxId } from '@cyclonedx/cyclonedx-library/SPDX';
import * as Spec from '@cyclonedx/cyclonedx-library/Spec';
import type { Dependency } from '../types.js';
import { CYCLONEDX_LIBRARY_VERSION, VERSION } from '../version.js';
import type { RangedDependency } from './parsers/common.js';
import { compareDependencies } from './versions.js';

export { CYCLONEDX_LIBRARY_VERSION } from '../version.js';

/** The property naming the lockfile or manifest a component was read from. */
export const SOURCE_PROPERTY = 'agentgate:source';
/** The property saying whether the project names the component itself, when known. */
export const DIRECT_PROPERTY = 'agentgate:direct';
/** The property holding the range a manifest asks for, on a component no lockfile pins. */
export const RANGE_PROPERTY = 'agentgate:range';

// RFC 4122's URL namespace: the serial number is the UUIDv5 of an agentgate URL naming the seed.
const URL_NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');

/** `urn:uuid:` + the UUIDv5 of the seed: the same seed always gives the same serial number. */
export function serialNumberFor(seed: string): string {
  const hash = createHash('sha1')
    .update(URL_NAMESPACE)
    .update(`https://agentgate.invalid/sbom/${encodeURIComponent(seed)}`)
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A single known SPDX id becomes `license.id`; anything with SPDX operators an `expression`; other
 * text (`SEE LICENSE IN LICENSE.md`, `UNLICENSED`, a misspelt id) a named licence, so the BOM says what
 * the package said without claiming an SPDX meaning it does not have.
 */
export function licenseFor(text: string): Models.License {
  const trimmed = text.trim();
  const id = fixupSpdxId(trimmed);
  if (id !== undefined) return new Models.SpdxLicense(id);
  if (/\s(AND|OR|WITH)\s/.test(trimmed) || /^\(.*\)$/.test(trimmed))
    return new Models.LicenseExpression(trimmed);
  return new Models.NamedLicense(trimmed);
}

function componentOf(dep: RangedDependency): Models.Component {
  // npm scopes are the component's group, as CycloneDX's npm tooling writes them.
  const scoped = dep.ecosystem === 'npm' && dep.name.startsWith('@') ? dep.name.indexOf('/') : -1;
  const component = new Models.Component(
    Enums.ComponentType.Library,
    scoped > 0 ? dep.name.slice(scoped + 1) : dep.name,
    {
      bomRef: dep.purl,
      purl: dep.purl,
      ...(scoped > 0 ? { group: dep.name.slice(0, scoped) } : {}),
      ...(dep.version !== '' ? { version: dep.version } : {}),
    },
  );
  if (dep.license !== undefined && dep.license.trim() !== '') component.licenses.add(licenseFor(dep.license));
  component.properties.add(new Models.Property(SOURCE_PROPERTY, dep.source));
  if (dep.direct !== undefined)
    component.properties.add(new Models.Property(DIRECT_PROPERTY, String(dep.direct)));
  if (dep.version === '' && dep.range !== undefined && dep.range !== '')
    component.properties.add(new Models.Property(RANGE_PROPERTY, dep.range));
  return component;
}

export interface BomMeta {
  /** The project: the BOM's metadata.component. */
  name: string;
  version?: string;
  /** Seeds a deterministic urn:uuid serialNumber, e.g. the commit. */
  serialSeed: string;
  /** Omitted from the BOM when not given, so the same tree gives byte-identical output. */
  timestamp?: Date;
}

/** CycloneDX 1.6 JSON, a plain object ready for JSON.stringify. One component per purl. */
export function buildBom(deps: Dependency[], meta: BomMeta): Record<string, unknown> {
  const bom = new Models.Bom({ serialNumber: serialNumberFor(meta.serialSeed) });
  bom.metadata.component = new Models.Component(Enums.ComponentType.Application, meta.name, {
    ...(meta.version !== undefined && meta.version !== '' ? { version: meta.version } : {}),
  });
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, 'agentgate', { version: VERSION }),
  );
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Library, 'cyclonedx-library', {
      group: '@cyclonedx',
      version: CYCLONEDX_LIBRARY_VERSION,
    }),
  );
  if (meta.timestamp !== undefined) bom.metadata.timestamp = meta.timestamp;
  const seen = new Set<string>();
  // Sorted first, so which of two entries with one purl wins does not depend on the input's order.
  for (const dep of [...deps].sort(compareDependencies)) {
    if (seen.has(dep.purl)) continue;
    seen.add(dep.purl);
    bom.components.add(componentOf(dep));
  }
  const normalizer = new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6).makeForBom();
  // A JSON round trip drops the library's undefined-valued keys and class instances: plain data out.
  return JSON.parse(JSON.stringify(normalizer.normalize(bom, { sortLists: true }))) as Record<
    string,
    unknown
  >;
}

// The 1.6 schema, compiled ahead of time (scripts/gen-bom-validator.mjs) with the library's strict
// validator's options: compiling it at run time took ~350 ms a run. Loaded on first use (~1 MB of code).
type Validate = typeof import('./bom-schema.generated.js').default;
let validator: Promise<Validate> | undefined;

async function loadValidator(): Promise<Validate> {
  return (await import('./bom-schema.generated.js')).default;
}

function schemaErrors(v: Validate, data: unknown): unknown[] | null {
  return v(data) ? null : (v.errors ?? []);
}

interface SchemaError {
  instancePath?: string;
  message?: string;
}

function errorText(errors: unknown, offset = 0): string {
  if (!Array.isArray(errors)) return JSON.stringify(errors);
  return (errors as SchemaError[])
    .slice(0, 10)
    .map((e) => {
      // Errors in a slice point into the slice: shift the item index back to the whole array's.
      const path = (e.instancePath || '/').replace(
        /^\/(components|dependencies)\/(\d+)/,
        (_, list: string, i: string) => `/${list}/${Number(i) + offset}`,
      );
      return `${path} ${e.message ?? 'is invalid'}`;
    })
    .join('; ');
}

/** JSON with object keys sorted, so equal values give equal text whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function duplicateIn(list: string, items: unknown[]): string | null {
  const seen = new Map<string, number>();
  for (const [i, item] of items.entries()) {
    const key = canonical(item);
    const first = seen.get(key);
    if (first !== undefined)
      return `/${list} must NOT have duplicate items (items ## ${first} and ${i} are identical)`;
    seen.set(key, i);
  }
  return null;
}

/**
 * The schema's `uniqueItems` on components and dependencies costs O(n²) in the validator: 5,000
 * components took over 5 s. Every other rule applies to each item on its own, so large BOMs are
 * validated in slices of this many items, and uniqueness is checked here over the whole arrays.
 */
const SLICE = 100;

/** null when valid against the CycloneDX 1.6 JSON schema (strict, offline); else the errors as text. */
export async function validateBom(json: unknown): Promise<string | null> {
  let data: unknown;
  try {
    data = typeof json === 'string' ? JSON.parse(json) : json;
  } catch (e) {
    return `not valid JSON (${(e as Error).message})`;
  }
  validator ??= loadValidator();
  const v = await validator;
  const record = typeof data === 'object' && data !== null && !Array.isArray(data) ? data : undefined;
  const components = record && 'components' in record ? record.components : undefined;
  const dependencies = record && 'dependencies' in record ? record.dependencies : undefined;
  const comps = Array.isArray(components) ? components : [];
  const deps = Array.isArray(dependencies) ? dependencies : [];
  if (record === undefined || Math.max(comps.length, deps.length) <= SLICE) {
    const errors = schemaErrors(v, data);
    return errors === null ? null : errorText(errors);
  }
  for (let at = 0; at < Math.max(comps.length, deps.length); at += SLICE) {
    const slice = {
      ...record,
      ...(Array.isArray(components) ? { components: comps.slice(at, at + SLICE) } : {}),
      ...(Array.isArray(dependencies) ? { dependencies: deps.slice(at, at + SLICE) } : {}),
    };
    const errors = schemaErrors(v, slice);
    if (errors !== null) return errorText(errors, at);
  }
  return duplicateIn('components', comps) ?? duplicateIn('dependencies', deps);
}
