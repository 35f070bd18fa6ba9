// The repository's own packages: what its manifests call themselves (every package.json `name`,
// private or a workspace; Cargo.toml `[package] name`; pyproject.toml `[project] name` or
// `[tool.poetry] name`; go.mod `module`). A dependency of that name is the repository's own code, not
// a registry package: it need not be published, and its licence is the repository's business.
import { parse as parseToml } from 'smol-toml';
import type { Dependency, Ecosystem } from '../types.js';

/** Local code rather than a registry package, as a version or spec names it. */
const LOCAL_SPEC = /^(workspace|link|portal|file):|^0\.0\.0-use\.local$/;

export function isLocalVersion(version: string): boolean {
  return LOCAL_SPEC.test(version.trim());
}

const key = (ecosystem: Ecosystem, name: string) =>
  `${ecosystem}:${ecosystem === 'pypi' || ecosystem === 'cargo' ? name.toLowerCase().replace(/[-_.]+/g, '-') : name}`;

/** A set of own package names; `has` matches names as their registry does (PEP 503 for PyPI). */
export class OwnPackages {
  private readonly keys: Set<string>;

  constructor(packages: Iterable<{ ecosystem: Ecosystem; name: string }> = []) {
    this.keys = new Set([...packages].map((p) => key(p.ecosystem, p.name)));
  }

  has(dep: Pick<Dependency, 'ecosystem' | 'name'>): boolean {
    return this.keys.has(key(dep.ecosystem, dep.name));
  }

  get size(): number {
    return this.keys.size;
  }
}

const base = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const table = (v: unknown) =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

function namesIn(path: string, content: string): { ecosystem: Ecosystem; name: string }[] {
  const body = content.replace(/^\uFEFF/, '');
  switch (base(path)) {
    case 'package.json': {
      const name = text(table(JSON.parse(body)).name);
      return name === undefined ? [] : [{ ecosystem: 'npm', name }];
    }
    case 'Cargo.toml': {
      const name = text(table(table(parseToml(body)).package).name);
      return name === undefined ? [] : [{ ecosystem: 'cargo', name }];
    }
    case 'pyproject.toml': {
      const doc = table(parseToml(body));
      const name = text(table(doc.project).name) ?? text(table(table(doc.tool).poetry).name);
      return name === undefined ? [] : [{ ecosystem: 'pypi', name }];
    }
    case 'go.mod': {
      const name = /^\s*module\s+"?([^\s"]+)"?/m.exec(body)?.[1];
      return name === undefined ? [] : [{ ecosystem: 'golang', name }];
    }
    default:
      return [];
  }
}

/**
 * The packages the repository defines, from its manifests at head (other files are ignored, and so is
 * a manifest that cannot be read: its own gate reports it).
 */
export function ownPackages(files: readonly { path: string; content: string }[]): OwnPackages {
  const found: { ecosystem: Ecosystem; name: string }[] = [];
  for (const f of files) {
    if (f.path.split('/').includes('node_modules')) continue;
    try {
      found.push(...namesIn(f.path, f.content));
    } catch {
      // Unreadable: not ours to judge here.
    }
  }
  return new OwnPackages(found);
}
