// The Kubernetes manifests and the Dockerfile under runner-image/ must parse, have the shapes Kubernetes and
// ARC's chart accept, and pin exactly what runner-image/versions.json pins.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { execFile } from '../../lib/exec.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const imageDir = path.join(root, 'runner-image');
const k8sDir = path.join(imageDir, 'k8s');

interface Asset {
  url: string;
  sha256: string;
}
interface Tool extends Asset {
  version: string;
  /** Each platform's release, for the tools the action also installs (the gates' engines). */
  assets?: Record<string, Asset>;
}
interface Versions {
  debian: { packages: string[] };
  tools: Record<'actions-runner' | 'gitleaks' | 'opengrep', Tool>;
}
const versions = JSON.parse(readFileSync(path.join(imageDir, 'versions.json'), 'utf8')) as Versions;

// ---------------------------------------------------------------------------------------------------------
// YAML

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(e.name) ? [p] : [];
  });
}

/** Every non-empty document of a (multi-document) YAML file, failing on any parse error or warning. */
function loadDocuments(file: string): unknown[] {
  const docs = Array.from(parseAllDocuments(readFileSync(file, 'utf8')));
  for (const d of docs) {
    const problems = [...d.errors, ...d.warnings].map((e) => e.message);
    if (problems.length > 0) throw new Error(`${file}: ${problems.join('; ')}`);
  }
  return docs.map((d) => d.toJS() as unknown).filter((v) => v !== null && v !== undefined);
}

function loadOne<T>(file: string): T {
  const docs = loadDocuments(file);
  if (docs.length !== 1) throw new Error(`${file}: expected one YAML document, found ${docs.length}`);
  return docs[0] as T;
}

// ---------------------------------------------------------------------------------------------------------
// A JSON Schema for the subset of the Kubernetes API these manifests use. Each object allows only the fields
// listed, so a misspelt or unsupported field fails here instead of being dropped by the API server.

/** Kubernetes' resource.Quantity grammar, as its OpenAPI schema spells it. */
const QUANTITY =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';
const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** cpu, memory, ephemeral-storage, hugepages-<size>, or a domain-prefixed extended resource. */
const RESOURCE_NAME = '^(cpu|memory|ephemeral-storage|hugepages-[0-9A-Za-z]+|[a-z0-9.-]+/[A-Za-z0-9._-]+)$';
/** A label key: an optional DNS-subdomain prefix, then a name of at most 63 characters. */
const LABEL_KEY =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';

const quantity = {
  anyOf: [
    { type: 'number', minimum: 0 },
    { type: 'string', pattern: QUANTITY, not: { type: 'string', pattern: '^-' } },
  ],
};
const resourceList = {
  type: 'object',
  propertyNames: { type: 'string', pattern: RESOURCE_NAME },
  additionalProperties: quantity,
};
const labelMap = {
  type: 'object',
  propertyNames: { type: 'string', pattern: LABEL_KEY },
  additionalProperties: { type: 'string', maxLength: 63 },
};
const seccompProfile = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: { enum: ['RuntimeDefault', 'Unconfined', 'Localhost'] },
    localhostProfile: { type: 'string', minLength: 1 },
  },
};
const id = { type: 'integer', minimum: 0 };

const containerSecurityContext = {
  type: 'object',
  additionalProperties: false,
  properties: {
    allowPrivilegeEscalation: { type: 'boolean' },
    privileged: { type: 'boolean' },
    readOnlyRootFilesystem: { type: 'boolean' },
    runAsNonRoot: { type: 'boolean' },
    runAsUser: id,
    runAsGroup: id,
    procMount: { enum: ['Default', 'Unmasked'] },
    capabilities: {
      type: 'object',
      additionalProperties: false,
      properties: {
        add: { type: 'array', items: { type: 'string', pattern: '^[A-Z_]+$' } },
        drop: { type: 'array', items: { type: 'string', pattern: '^[A-Z_]+$' } },
      },
    },
    seccompProfile,
  },
};

const container = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'image'],
  properties: {
    name: { type: 'string', maxLength: 63, pattern: DNS_LABEL },
    image: { type: 'string', minLength: 1, pattern: '^\\S+$' },
    imagePullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'] },
    command: { type: 'array', items: { type: 'string' } },
    args: { type: 'array', items: { type: 'string' } },
    workingDir: { type: 'string' },
    env: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: { type: 'string', pattern: '^[-._a-zA-Z][-._a-zA-Z0-9]*$' },
          value: { type: 'string' },
        },
      },
    },
    resources: {
      type: 'object',
      additionalProperties: false,
      properties: { requests: resourceList, limits: resourceList },
    },
    securityContext: containerSecurityContext,
  },
};

const podSpec = {
  type: 'object',
  additionalProperties: false,
  required: ['containers'],
  properties: {
    runtimeClassName: { type: 'string', maxLength: 253, pattern: DNS_SUBDOMAIN },
    automountServiceAccountToken: { type: 'boolean' },
    enableServiceLinks: { type: 'boolean' },
    terminationGracePeriodSeconds: id,
    nodeSelector: labelMap,
    tolerations: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          key: { type: 'string' },
          operator: { enum: ['Exists', 'Equal'] },
          value: { type: 'string' },
          effect: { enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] },
          tolerationSeconds: { type: 'integer' },
        },
      },
    },
    securityContext: {
      type: 'object',
      additionalProperties: false,
      properties: {
        runAsNonRoot: { type: 'boolean' },
        runAsUser: id,
        runAsGroup: id,
        fsGroup: id,
        seccompProfile,
      },
    },
    containers: { type: 'array', minItems: 1, items: container },
  },
};

const runtimeClass = {
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion', 'kind', 'metadata', 'handler'],
  properties: {
    apiVersion: { const: 'node.k8s.io/v1' },
    kind: { const: 'RuntimeClass' },
    metadata: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: {
        name: { type: 'string', maxLength: 253, pattern: DNS_SUBDOMAIN },
        labels: labelMap,
        annotations: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
    handler: { type: 'string', maxLength: 63, pattern: DNS_LABEL },
    overhead: {
      type: 'object',
      additionalProperties: false,
      required: ['podFixed'],
      properties: { podFixed: resourceList },
    },
    scheduling: {
      type: 'object',
      additionalProperties: false,
      properties: {
        nodeSelector: labelMap,
        tolerations: podSpec.properties.tolerations,
      },
    },
  },
};

const ajv = new Ajv({ allErrors: true, strict: true });
const validatePodSpec = ajv.compile(podSpec);
const validateRuntimeClass = ajv.compile(runtimeClass);

function expectValid(validate: ValidateFunction, data: unknown, what: string): void {
  const ok = validate(data);
  expect(ok ? '' : ajv.errorsText(validate.errors, { dataVar: what }), what).toBe('');
}

// ---------------------------------------------------------------------------------------------------------
// The manifests

interface Container {
  name: string;
  image: string;
  command?: string[];
  env?: { name: string; value?: string }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
  };
}
interface PodSpec {
  runtimeClassName?: string;
  containers: Container[];
}
interface Values {
  githubConfigUrl: string;
  githubConfigSecret: unknown;
  runnerScaleSetName: string;
  runnerGroup: string;
  minRunners: number;
  maxRunners: number;
  containerMode?: unknown;
  template: { spec: PodSpec };
}
interface RuntimeClass {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  handler: string;
  overhead?: { podFixed: Record<string, string> };
  scheduling?: { nodeSelector?: Record<string, unknown> };
}

const valuesFile = path.join(k8sDir, 'values.yaml');
const runtimeClassFile = path.join(k8sDir, 'runtimeclass.yaml');

/** The top-level keys gha-runner-scale-set's values.yaml documents. */
const CHART_KEYS = new Set([
  'githubConfigUrl',
  'githubConfigSecret',
  'proxy',
  'maxRunners',
  'minRunners',
  'runnerGroup',
  'runnerScaleSetName',
  'runnerScaleSetLabels',
  'fullnameOverride',
  'githubServerTLS',
  'keyVault',
  'containerMode',
  'listenerTemplate',
  'listenerMetrics',
  'template',
  'controllerServiceAccount',
  'namespaceOverride',
  'annotations',
  'labels',
  'resourceMeta',
]);

describe('runner-image/k8s YAML', () => {
  it('has the RuntimeClasses and the scale set values, and every YAML file parses', () => {
    const files = yamlFiles(k8sDir);
    expect(files).toEqual(expect.arrayContaining([valuesFile, runtimeClassFile]));
    for (const f of files) expect(loadDocuments(f).length, f).toBeGreaterThan(0);
  });

  it('reads multi-document YAML document by document', () => {
    expect(loadDocuments(runtimeClassFile)).toHaveLength(2);
  });
});

describe('RuntimeClasses', () => {
  const classes = loadDocuments(runtimeClassFile) as RuntimeClass[];

  it('are well-formed node.k8s.io/v1 RuntimeClass objects', () => {
    for (const rc of classes) {
      expectValid(validateRuntimeClass, rc, `RuntimeClass ${rc.metadata?.name}`);
      expect(rc.apiVersion).toBe('node.k8s.io/v1');
      expect(rc.kind).toBe('RuntimeClass');
      expect(rc.metadata.name).toEqual(expect.any(String));
      expect(rc.handler).toEqual(expect.any(String));
    }
  });

  it('define kata-fc and the Cloud Hypervisor alternative, with kata-deploy handler names', () => {
    expect(classes.map((c) => c.metadata.name)).toEqual(['kata-fc', 'kata-clh']);
    for (const rc of classes) expect(rc.handler).toBe(rc.metadata.name);
  });

  it('charge the VM overhead and schedule only onto nodes kata-deploy has labelled', () => {
    for (const rc of classes) {
      expect(Object.keys(rc.overhead?.podFixed ?? {}).sort(), rc.metadata.name).toEqual(['cpu', 'memory']);
      // A quoted string: an unquoted true would be a YAML boolean, which the API rejects in a nodeSelector.
      expect(rc.scheduling?.nodeSelector, rc.metadata.name).toEqual({
        'katacontainers.io/kata-runtime': 'true',
      });
    }
  });
});

describe('scale set values', () => {
  const values = loadOne<Values>(valuesFile);
  const text = readFileSync(valuesFile, 'utf8');

  it("uses only the chart's documented top-level keys, and sets the required ones", () => {
    for (const k of Object.keys(values)) expect(CHART_KEYS.has(k), `unknown chart key ${k}`).toBe(true);
    expect(values.githubConfigUrl).toMatch(/^https:\/\/\S+$/);
    expect(values.runnerScaleSetName).toBe('agentgate');
    expect(values.runnerGroup).toEqual(expect.any(String));
    expect(Number.isInteger(values.minRunners) && values.minRunners >= 0).toBe(true);
    expect(Number.isInteger(values.maxRunners) && values.maxRunners >= values.minRunners).toBe(true);
    expect(values.template?.spec).toBeDefined();
  });

  it('references a pre-defined secret for the GitHub App and inlines no credentials', () => {
    expect(values.githubConfigSecret).toEqual(expect.any(String));
    const keys: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, child] of Object.entries(v)) {
          keys.push(k);
          walk(child);
        }
      }
    };
    walk(values);
    for (const secretKey of [
      'github_token',
      'github_app_id',
      'github_app_installation_id',
      'github_app_private_key',
    ]) {
      expect(keys).not.toContain(secretKey);
    }
    expect(text).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
  });

  it('leaves containerMode unset: Kata isolates the pod', () => {
    expect(values.containerMode).toBeUndefined();
  });

  it('has a template.spec that is a valid PodSpec of the subset used', () => {
    expectValid(validatePodSpec, values.template.spec, 'template.spec');
  });

  it('runs the runner container under a RuntimeClass defined in runtimeclass.yaml', () => {
    const names = (loadDocuments(runtimeClassFile) as RuntimeClass[]).map((c) => c.metadata.name);
    expect(names).toContain(values.template.spec.runtimeClassName);
    const [runner, ...others] = values.template.spec.containers;
    expect(others).toEqual([]);
    expect(runner?.name).toBe('runner');
    expect(runner?.command).toEqual(['/home/runner/run.sh']);
  });

  it('runs the image built from the Dockerfile, tagged with the runner version in versions.json', () => {
    const runner = values.template.spec.containers[0];
    expect(runner?.image).toBe(`ghcr.io/agentgate/runner:${versions.tools['actions-runner'].version}`);
  });

  it('gives the runner no privilege, no capability and no isolation-file override', () => {
    const runner = values.template.spec.containers[0] as Container;
    const sc = runner.securityContext;
    expect(sc?.allowPrivilegeEscalation).toBe(false);
    expect(sc?.privileged).not.toBe(true);
    expect(sc?.capabilities?.drop).toContain('ALL');
    expect(sc?.capabilities?.add ?? []).toEqual([]);
    expect((runner.env ?? []).map((e) => e.name)).not.toContain('AGENTGATE_ISOLATION_FILE');
    expect(runner.resources?.requests).toEqual(runner.resources?.limits);
  });
});

describe('the PodSpec schema bites', () => {
  const good = (): { containers: Record<string, unknown>[] } & Record<string, unknown> =>
    structuredClone(loadOne<Values>(valuesFile).template.spec) as never;

  it('accepts the real template', () => {
    expect(validatePodSpec(good())).toBe(true);
  });

  it('rejects a container without an image', () => {
    const spec = good();
    delete spec.containers[0]?.image;
    expect(validatePodSpec(spec)).toBe(false);
    expect(ajv.errorsText(validatePodSpec.errors)).toMatch(/must have required property 'image'/);
  });

  it("rejects a quantity Kubernetes cannot parse ('2 cores')", () => {
    const spec = good();
    spec.containers[0] = { ...spec.containers[0], resources: { requests: { cpu: '2 cores' } } };
    expect(validatePodSpec(spec)).toBe(false);
    expect(ajv.errorsText(validatePodSpec.errors)).toMatch(/resources\/requests\/cpu/);
  });

  it('rejects a negative quantity and an unknown resource name, accepts the forms Kubernetes accepts', () => {
    const withRequests = (requests: Record<string, unknown>) => {
      const spec = good();
      spec.containers[0] = { ...spec.containers[0], resources: { requests } };
      return validatePodSpec(spec);
    };
    expect(withRequests({ cpu: '-1' })).toBe(false);
    expect(withRequests({ cpus: '1' })).toBe(false);
    for (const q of ['2', '500m', '0.5', '4Gi', '128974848', '129e6', '123Mi', 1, 0.25]) {
      expect(withRequests({ cpu: q, memory: q }), String(q)).toBe(true);
    }
  });

  it('rejects unknown keys at the PodSpec and the Container level', () => {
    const spec = good();
    spec.runtimeClass = 'kata-fc';
    expect(validatePodSpec(spec)).toBe(false);
    const spec2 = good();
    spec2.containers[0] = { ...spec2.containers[0], imagePullPolcy: 'Always' };
    expect(validatePodSpec(spec2)).toBe(false);
  });

  it('rejects mistyped securityContext fields', () => {
    const spec = good();
    spec.containers[0] = {
      ...spec.containers[0],
      securityContext: { allowPrivilegeEscalation: 'false', capabilities: { drop: 'ALL' } },
    };
    expect(validatePodSpec(spec)).toBe(false);
    expect(ajv.errorsText(validatePodSpec.errors)).toMatch(/allowPrivilegeEscalation must be boolean/);
  });

  it('rejects a RuntimeClass without a handler', () => {
    expect(
      validateRuntimeClass({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'x' } }),
    ).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The Dockerfile

interface Instruction {
  cmd: string;
  args: string;
}

/** Dockerfile instructions, with line continuations joined and comment lines dropped. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let buf = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    if (buf === '' && line.trim() === '') continue;
    if (line.endsWith('\\')) {
      buf += `${line.slice(0, -1)} `;
      continue;
    }
    buf += line;
    const m = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(buf);
    if (!m?.[1] || m[2] === undefined) throw new Error(`cannot parse Dockerfile instruction: ${buf}`);
    out.push({ cmd: m[1].toUpperCase(), args: m[2].trim() });
    buf = '';
  }
  if (buf !== '') throw new Error('a line continuation runs off the end of the Dockerfile');
  return out;
}

function argDefaults(instructions: Instruction[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const i of instructions.filter((x) => x.cmd === 'ARG')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"]*)"|(\S*))$/.exec(i.args);
    if (m?.[1]) out.set(m[1], m[2] ?? m[3] ?? '');
  }
  return out;
}

/** Docker's name (TARGETARCH) for each platform versions.json pins an engine for. */
const DOCKER_ARCH: Record<string, string> = { 'linux-x64': 'amd64', 'linux-arm64': 'arm64' };

/** `text` matched literally inside a RegExp. */
const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The steps of a RUN: its `&&`-separated commands. */
const steps = (run: string): string[] => run.split('&&').map((s) => s.trim());

describe('Dockerfile', () => {
  const text = readFileSync(path.join(imageDir, 'Dockerfile'), 'utf8');
  const instructions = parseDockerfile(text);
  const args = argDefaults(instructions);
  const runs = instructions.filter((i) => i.cmd === 'RUN').map((i) => i.args);

  it('builds on the official runner image at the runner version in versions.json', () => {
    const from = instructions.filter((i) => i.cmd === 'FROM');
    expect(from.map((i) => i.args)).toEqual([`ghcr.io/actions/actions-runner:\${RUNNER_VERSION}`]);
    expect(args.get('RUNNER_VERSION')).toBe(versions.tools['actions-runner'].version);
  });

  it("has ARG defaults equal to versions.json's engine pins, for every architecture", () => {
    const engines = Object.entries(versions.tools).filter(([, t]) => t.assets !== undefined);
    expect(engines.map(([tool]) => tool).sort()).toEqual(['gitleaks', 'opengrep']);
    const expected = new Map<string, string>([['RUNNER_VERSION', versions.tools['actions-runner'].version]]);
    for (const [tool, pin] of engines) {
      const prefix = tool.toUpperCase();
      expected.set(`${prefix}_VERSION`, pin.version);
      for (const [platform, asset] of Object.entries(pin.assets ?? {})) {
        const arch = DOCKER_ARCH[platform]?.toUpperCase();
        expect(arch, `${tool} ${platform} has no Docker architecture`).toBeDefined();
        expected.set(`${prefix}_URL_${arch}`, asset.url);
        expected.set(`${prefix}_SHA256_${arch}`, asset.sha256);
      }
    }
    // Exactly these defaults: none missing, none for a tool or an architecture versions.json does not pin.
    expect(Object.fromEntries(args)).toEqual(Object.fromEntries(expected));
    // The builder's TARGETARCH, declared without a default in the build stage so its RUNs see it.
    const from = instructions.findIndex((i) => i.cmd === 'FROM');
    const target = instructions.findIndex((i) => i.cmd === 'ARG' && i.args === 'TARGETARCH');
    expect(target).toBeGreaterThan(from);
  });

  it('checks every download against its pinned sha256 before anything else touches it', () => {
    expect(instructions.filter((i) => i.cmd === 'ADD' && /https?:\/\//.test(i.args))).toEqual([]);
    for (const run of runs) {
      const s = steps(run);
      s.forEach((step, i) => {
        if (!/^(curl|wget)\s/.test(step)) return;
        const out = /\s(?:-o|--output|-O)\s+(\S+)/.exec(step)?.[1]?.replace(/^"(.*)"$/, '$1');
        expect(out, `a download must be saved to a file so it can be checked: ${step}`).toBeDefined();
        const check = s.findIndex((t, j) => j > i && t.includes(out as string));
        expect(check, `nothing uses ${out} after it is downloaded`).toBeGreaterThan(i);
        expect(s[check], `the first use of ${out} must be its sha256 check`).toMatch(
          new RegExp(`^echo "\\S+  ${literal(out as string)}" \\| sha256sum -c -$`),
        );
      });
    }
  });

  it("downloads each engine's pinned asset for the architecture being built, and no other", async () => {
    const fetched = new Set<string>();
    for (const run of runs) {
      const s = steps(run);
      const at = s.findIndex((step) => /^(curl|wget)\s/.test(step));
      if (at < 0) continue;
      const out = /\s-o\s+(\S+)/.exec(s[at] as string)?.[1] as string;
      const urlExpr = /\s(\S+)$/.exec(s[at] as string)?.[1] as string;
      const sumExpr = new RegExp(`^echo "(\\S+)  ${literal(out)}"`).exec(
        s.find((t, j) => j > at && t.includes(out)) ?? '',
      )?.[1];
      expect(sumExpr, `the sha256 check of ${out}`).toBeDefined();
      // What runs before the download only chooses the asset: shell assignments and a case.
      const choose = s.slice(0, at);
      for (const step of choose) expect(step, 'a step before the download').toMatch(/^([a-z_]+=|case )/);
      const pick = (arch: string) =>
        execFile(
          'bash',
          ['-euo', 'pipefail', '-c', [...choose, `printf '%s\\n' ${urlExpr} "${sumExpr}"`].join(' && ')],
          {
            env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...Object.fromEntries(args), TARGETARCH: arch },
            timeoutMs: 10_000,
          },
        );
      let tool: string | undefined;
      for (const [platform, arch] of Object.entries(DOCKER_ARCH)) {
        const r = await pick(arch);
        expect(r.exitCode, r.stderr).toBe(0);
        const [url, sha256] = r.stdout.trim().split('\n');
        const pinned = Object.entries(versions.tools).find(([, t]) => t.assets?.[platform]?.url === url);
        expect(pinned, `${url} is not ${platform}'s asset of a pinned engine`).toBeDefined();
        const [name, pin] = pinned as [string, Tool];
        expect({ url, sha256 }, `${name} on ${arch}`).toEqual(pin.assets?.[platform]);
        expect(tool ?? name, `one RUN downloads one engine: ${run}`).toBe(name);
        tool = name;
        // It proves the installed engine is the pinned version.
        expect(run, name).toMatch(new RegExp(`\\| grep -F "\\$\\{${name.toUpperCase()}_VERSION\\}"`));
      }
      const other = await pick('s390x');
      expect(other.exitCode, `${tool} on an architecture with no pin`).not.toBe(0);
      expect(other.stdout).toBe('');
      fetched.add(tool as string);
    }
    expect([...fetched].sort()).toEqual(['gitleaks', 'opengrep']);
  });

  it("installs versions.json's Debian packages, naming any it leaves out", () => {
    const install = runs
      .flatMap(steps)
      .find((s) => /^apt-get install\b/.test(s))
      ?.split(/\s+/)
      .slice(2)
      .filter((t) => !t.startsWith('-'));
    expect(install).toBeDefined();
    const left = /^# debian\.packages not installed here: (.+)$/m
      .exec(text)?.[1]
      ?.split(/[\s,]+/)
      .filter(Boolean);
    expect(left ?? []).not.toEqual([]);
    for (const p of left ?? []) {
      expect(versions.debian.packages, p).toContain(p);
      expect(install, p).not.toContain(p);
      expect(text, `the Dockerfile explains why ${p} is left out`).toMatch(
        new RegExp(`^#\\s+${p}\\s+\\S`, 'm'),
      );
    }
    for (const p of versions.debian.packages) {
      expect([...(install ?? []), ...(left ?? [])], p).toContain(p);
    }
  });

  it('states a container, ephemeral isolation in /etc/agentgate/isolation.json, not a microVM', () => {
    const write = runs
      .flatMap(steps)
      .find((s) => s.includes('/etc/agentgate/isolation.json') && s.startsWith('echo'));
    const json = /^echo '(\{.*\})' > \/etc\/agentgate\/isolation\.json$/.exec(write ?? '')?.[1];
    expect(json).toBeDefined();
    expect(JSON.parse(json as string)).toEqual({ tier: 'container', backend: 'docker', ephemeral: true });
  });

  it('runs as the runner user', () => {
    expect(instructions.filter((i) => i.cmd === 'USER').at(-1)?.args).toBe('runner');
  });
});
