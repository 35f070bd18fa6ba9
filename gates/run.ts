// The orchestrator: resolve the two sides, compute the diff, read what it touched, run the five gates
// side by side, judge their findings and reach the verdict. Every failure to see or scan the change
// ends as a gate `error`, never as a pass. Each engine's module is loaded when its gate runs.

import {
  isBinary,
  isShallow,
  listMatching,
  listTree,
  readBlobs,
  resolveCommit,
  showFile,
  toplevel,
  worktreeTree,
} from '../lib/git.js';
import { scrubDeep, secretValues } from '../lib/redact.js';
import type { Policy } from '../policies/index.js';
import { computeDiff, type Diff, type FileChange, isAddedLine } from './diff.js';
import { EngineError, type EngineOutput, GatesInputError, type TextFile } from './engine.js';
import { policyGate } from './policy-gate.js';
import { dependencyDelta } from './sbom/delta.js';
import { DEPENDENCY_FILE_PATHSPECS, isDependencyFile, readDependencies } from './sbom/lockfiles.js';
import { MODE_SYMLINK } from './structure.js';
import type {
  Dependency,
  DependencyDelta,
  EngineNotes,
  GateName,
  GateResult,
  GatesReport,
  RawFinding,
} from './types.js';
import { gateStatus, judge, sortFindings, verdictOf } from './verdict.js';
import { CYCLONEDX_LIBRARY_VERSION, VERSION } from './version.js';

export interface GatesOptions {
  repo: string;
  /** The ref the change is measured against (a branch, tag or commit). */
  base: string;
  /** The ref of the change; default HEAD. Ignored with `worktree`. */
  head?: string;
  /** Judge the working tree: committed, uncommitted and untracked (not ignored) files. */
  worktree?: boolean;
  /** Scan every file at head, not only the changed ones (findings are still judged against the diff). */
  full?: boolean;
  policy: Policy;
  /** Labels on the change, for the policy's approval condition. */
  labels?: readonly string[];
  /** Paths only people's commits changed (not the agent's): see `gates.changes.humanCommits`. */
  humanOnly?: ReadonlySet<string>;
  /** Environment for external engines (PATH decides whether gitleaks and semgrep or opengrep are used). */
  env?: NodeJS.ProcessEnv;
  /** Use only the embedded engines, and why a real one is missing (for the report). */
  engines?: EngineNotes;
  now?: Date;
  fetch?: typeof fetch;
  onProgress?: (message: string) => void;
}

export interface GatesRun {
  /** The report, already scrubbed of every secret value the scan found. */
  report: GatesReport;
  /**
   * The CycloneDX 1.6 BOM of head, scrubbed like the report; `{}` when the SBOM gate could not read head's
   * dependency files. Built when first asked for (the SBOM gate builds it itself only when the change
   * touched a dependency file).
   */
  headBom: () => Promise<Record<string, unknown>>;
  /** The secret values found; reports written elsewhere must be scrubbed of them too. */
  secrets: string[];
  /** The change the gates judged, file by file (paths are not secret; line counts are numbers). */
  diff: Diff;
}

const BLOB_MODES = new Set(['100644', '100755']);

async function resolveBase(repo: string, ref: string): Promise<string> {
  const commit = await resolveCommit(repo, ref);
  if (commit !== undefined) return commit;
  if (await isShallow(repo)) {
    throw new GatesInputError(
      `The base '${ref}' is not in this shallow clone, so the change cannot be measured against it. ` +
        `Fetch the history: actions/checkout with 'fetch-depth: 0', or 'git fetch --unshallow origin'.`,
    );
  }
  throw new GatesInputError(
    `The base '${ref}' is not a commit in ${repo}. Pass --base a branch, tag or commit.`,
  );
}

async function resolveHead(repo: string, opts: GatesOptions): Promise<{ tree: string; label: string }> {
  if (opts.worktree) return { tree: await worktreeTree(repo), label: 'worktree' };
  const ref = opts.head ?? 'HEAD';
  const commit = await resolveCommit(repo, ref);
  if (commit === undefined) {
    throw new GatesInputError(
      `The head '${ref}' is not a commit in ${repo}. Pass --head a branch, tag or commit.`,
    );
  }
  return { tree: commit, label: commit };
}

function textFiles(paths: { path: string; oid: string }[], blobs: ReadonlyMap<string, Buffer>): TextFile[] {
  const out: TextFile[] = [];
  for (const { path, oid } of paths) {
    const content = blobs.get(oid);
    if (content === undefined || isBinary(content)) continue;
    out.push({ path, content: content.toString('utf8') });
  }
  return out;
}

/** The targets of the links a change adds or changes, and what is under a directory at head (read only when there are any). */
async function linksOfChange(
  repo: string,
  tree: string,
  files: readonly FileChange[],
): Promise<{ links: Map<string, string>; filesUnder: (dir: string) => string[] }> {
  const added = files.filter((f) => f.status !== 'deleted' && f.mode === MODE_SYMLINK && f.oid !== undefined);
  if (added.length === 0) return { links: new Map(), filesUnder: () => [] };
  const entries = await listTree(repo, tree);
  const linkOids = entries.filter((e) => e.mode === MODE_SYMLINK);
  const blobs = await readBlobs(
    repo,
    linkOids.map((e) => e.oid),
  );
  const links = new Map(linkOids.map((e) => [e.path, blobs.get(e.oid)?.toString('utf8') ?? '']));
  const paths = entries.map((e) => e.path);
  return { links, filesUnder: (dir) => paths.filter((p) => p.startsWith(`${dir}/`)) };
}

/** The repository's gitleaks configuration, read from the base commit. */
const GITLEAKS_CONFIG = '.gitleaks.toml';

/**
 * A finding in a touched file whose first line (the sink) the change did not add: whether it is the
 * change's depends on what base had (see the SAST gate).
 */
function sinkUntouched(f: RawFinding, change: FileChange | undefined): boolean {
  return change !== undefined && f.line > 0 && change.oldOid !== undefined && !isAddedLine(change, f.line);
}

function squash(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

async function withTimeout<T>(work: Promise<T>, ms: number, engine: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new EngineError(engine, `${engine} timed out after ${Math.round(ms / 1000)} s`)),
      ms,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface GateRun {
  name: GateName;
  engine: string;
  durationMs: number;
  raw: RawFinding[];
  error?: string;
}

async function timed(
  name: GateName,
  fallbackEngine: string,
  work: () => Promise<EngineOutput>,
): Promise<GateRun> {
  const started = performance.now();
  try {
    const out = await work();
    return { name, engine: out.engine, durationMs: performance.now() - started, raw: out.findings };
  } catch (e) {
    const engine = e instanceof EngineError ? e.engine : fallbackEngine;
    const message = e instanceof Error ? e.message : String(e);
    return { name, engine, durationMs: performance.now() - started, raw: [], error: message };
  }
}

async function dependencyFiles(repo: string, treeish: string): Promise<{ path: string; content: string }[]> {
  const entries = (await listMatching(repo, treeish, DEPENDENCY_FILE_PATHSPECS)).filter(
    (e) => BLOB_MODES.has(e.mode) && isDependencyFile(e.path),
  );
  const blobs = await readBlobs(
    repo,
    entries.map((e) => e.oid),
  );
  return entries.flatMap((e) => {
    const b = blobs.get(e.oid);
    return b === undefined ? [] : [{ path: e.path, content: b.toString('utf8') }];
  });
}

export async function runGates(opts: GatesOptions): Promise<GatesRun> {
  const progress = opts.onProgress ?? (() => {});
  const repo = await toplevel(opts.repo);
  if (repo === undefined)
    throw new GatesInputError(
      `${opts.repo} is not a git repository. Pass --repo the repository's directory.`,
    );
  const env = opts.env ?? process.env;
  const gates = opts.policy.gates;
  const timeoutMs = gates.timeoutSeconds * 1000;
  const embeddedOnly = opts.engines?.embeddedOnly ?? false;

  // Both sides resolve at once; when both are wrong, the base's error is the one reported.
  const [baseResult, headResult] = await Promise.allSettled([
    resolveBase(repo, opts.base),
    resolveHead(repo, opts),
  ]);
  if (baseResult.status === 'rejected') throw baseResult.reason;
  if (headResult.status === 'rejected') throw headResult.reason;
  const base = baseResult.value;
  const head = headResult.value;
  // The dependency files of both sides are read while the diff is computed.
  const depFiles = Promise.all([dependencyFiles(repo, head.tree), dependencyFiles(repo, base)]);
  depFiles.catch(() => {}); // awaited below; a failure there is reported there
  progress(`diff ${base.slice(0, 12)}..${head.label === 'worktree' ? 'worktree' : head.tree.slice(0, 12)}`);
  const diff: Diff = await computeDiff(repo, base, head.tree);
  const changes = new Map<string, FileChange>(
    diff.files.filter((f) => f.status !== 'deleted').map((f) => [f.path, f]),
  );

  // What the engines read: the changed files, or with --full every file at head.
  const targets = opts.full
    ? (await listTree(repo, head.tree))
        .filter((e) => BLOB_MODES.has(e.mode))
        .map((e) => ({ path: e.path, oid: e.oid }))
    : [...changes.values()]
        .filter((f) => f.oid !== undefined && !f.binary && BLOB_MODES.has(f.mode))
        .map((f) => ({ path: f.path, oid: f.oid as string }));
  const blobs = await readBlobs(
    repo,
    targets.map((t) => t.oid),
  );
  const files = textFiles(targets, blobs);
  const contents = new Map(files.map((f) => [f.path, f.content]));
  progress(`${files.length} file(s) to scan, ${diff.files.length} changed`);

  const [headDeps, baseDeps] = await depFiles;
  let delta: DependencyDelta = { added: [], removed: [], changed: [] };
  // Set by the SBOM gate once head's dependency files are read; a head it could not read has no BOM.
  let headList: Dependency[] | undefined;
  // Manifests no lockfile completes (their ranges are what the change names).
  let unlocked: readonly string[] = [];
  let bom: Promise<Record<string, unknown>> | undefined;
  const buildHeadBom = (deps: Dependency[]) => {
    bom ??= import('./sbom/bom.js').then(({ buildBom }) =>
      buildBom(deps, {
        name: repoName(repo),
        serialSeed: `head:${head.tree}`,
        timestamp: opts.now ?? new Date(),
      }),
    );
    return bom;
  };
  const changedPaths = diff.files.flatMap((f) => (f.oldPath ? [f.oldPath, f.path] : [f.path]));

  const runs = await Promise.all([
    timed('secrets', `agentgate-secrets ${VERSION}`, async () => {
      const { scanSecrets } = await import('./secrets/index.js');
      // The repository's own gitleaks configuration, as the base commit has it: the change cannot
      // loosen the rules it is judged by.
      const text = await showFile(repo, base, GITLEAKS_CONFIG);
      const repoConfig =
        text === undefined ? undefined : { text, path: `${GITLEAKS_CONFIG} (at ${base.slice(0, 12)})` };
      return withTimeout(
        scanSecrets(files, {
          policy: gates.secrets,
          timeoutMs,
          env,
          embeddedOnly,
          ...(repoConfig ? { repoConfig } : {}),
        }),
        timeoutMs,
        'secrets',
      );
    }),
    timed('sast', 'ast-grep', async () => {
      const { scanSast } = await import('./sast/index.js');
      const sastOpts = { policy: gates.sast, timeoutMs, env, embeddedOnly };
      const out = await scanSast(files, sastOpts);
      // A finding in a touched file whose sink line the change did not add: the value may flow from a
      // line the change did add (a command built on an earlier line), or the change may have edited the
      // inside of a multi-line statement. Either way the finding is the change's exactly when the same
      // rule did not already fire on the same sink at base.
      const unsure = out.findings.filter((f) => sinkUntouched(f, changes.get(f.file)));
      if (unsure.length > 0) {
        const olds = [...new Set(unsure.map((f) => f.file))].flatMap((file) => {
          const c = changes.get(file);
          return c?.oldOid ? [{ path: c.oldPath ?? file, oid: c.oldOid, head: file }] : [];
        });
        const baseBlobs = await readBlobs(
          repo,
          olds.map((o) => o.oid),
        );
        const baseFiles = textFiles(olds, baseBlobs);
        const atBase = baseFiles.length > 0 ? await scanSast(baseFiles, sastOpts) : { findings: [] };
        const headOf = new Map(olds.map((o) => [o.path, o.head]));
        const baseText = new Map(baseFiles.map((f) => [f.path, f.content.split('\n')]));
        const seen = new Set(
          atBase.findings.map(
            (f) => `${f.ruleId}\0${headOf.get(f.file)}\0${squash(baseText.get(f.file)?.[f.line - 1] ?? '')}`,
          ),
        );
        const headText = new Map(files.map((f) => [f.path, f.content.split('\n')]));
        for (const f of unsure) {
          const key = `${f.ruleId}\0${f.file}\0${squash(headText.get(f.file)?.[f.line - 1] ?? '')}`;
          f.atBase = seen.has(key);
        }
      }
      return out;
    }),
    timed('sbom', `cyclonedx-library ${CYCLONEDX_LIBRARY_VERSION}`, async () => {
      const engine = `cyclonedx-library ${CYCLONEDX_LIBRARY_VERSION}`;
      // Only a dependency file the change touched can fail the gate; one it did not touch that cannot be
      // read (a test fixture, a file from before) is left out, as an unreadable file at base is.
      const heads = readDependencies(headDeps);
      const touched = new Set(changedPaths);
      const broken = heads.errors.filter((e) => touched.has(e.file));
      if (broken.length > 0) {
        const what = broken.map((e) => e.message).join('; ');
        throw new EngineError(
          engine,
          `${what} (the change touched ${broken.length === 1 ? 'this file' : 'these files'})`,
        );
      }
      headList = heads.dependencies;
      unlocked = heads.unlocked;
      delta = dependencyDelta(readDependencies(baseDeps), heads);
      // The head's BOM is validated when the change touched a dependency file (every run with --full):
      // a BOM the change did not alter is not the change's to fix.
      if (opts.full || changedPaths.some(isDependencyFile)) {
        const { validateBom } = await import('./sbom/bom.js');
        const invalid = await validateBom(await buildHeadBom(heads.dependencies));
        if (invalid !== null)
          throw new EngineError(engine, `the head BOM is not valid CycloneDX 1.6: ${invalid}`);
      }
      return { engine, findings: [] };
    }),
    timed('policy', `agentgate ${VERSION}`, async () => ({
      engine: `agentgate ${VERSION}`,
      findings: policyGate({
        files: diff.files,
        contents,
        policy: opts.policy,
        labels: opts.labels ?? [],
        ...(opts.humanOnly ? { humanOnly: opts.humanOnly } : {}),
        ...(await linksOfChange(repo, head.tree, diff.files)),
      }),
    })),
  ]);

  // The dependency checks need the delta the SBOM gate computed.
  const sbomRun = runs[2];
  const depsEngine = `agentgate-registry ${VERSION}`;
  const depsRun: GateRun =
    sbomRun?.error !== undefined
      ? {
          name: 'dependencies',
          engine: depsEngine,
          durationMs: 0,
          raw: [],
          error: 'the dependencies could not be read (see the sbom gate)',
        }
      : await timed('dependencies', depsEngine, async () => {
          const { checkDependencies, ownPackages } = await import('./dependencies/index.js');
          const result = await checkDependencies(delta, changedPaths, {
            policy: gates.dependencies,
            now: opts.now ?? new Date(),
            timeoutMs: Math.min(timeoutMs, 30_000),
            own: ownPackages(headDeps),
            unlocked,
            ...(opts.fetch ? { fetch: opts.fetch } : {}),
          });
          return { engine: depsEngine, findings: result.findings };
        });
  const ordered = [runs[0], runs[1], sbomRun, depsRun, runs[3]].filter((r): r is GateRun => r !== undefined);

  const lines = new Map<string, string[]>();
  const lineText = (file: string, line: number): string => {
    let split = lines.get(file);
    if (split === undefined) {
      split = (contents.get(file) ?? '').split('\n');
      lines.set(file, split);
    }
    return split[line - 1] ?? '';
  };
  // Deleted files and the old paths of renames: what the change removed is the change's too.
  const removed = new Set(
    diff.files.flatMap((f) =>
      f.status === 'deleted' ? [f.path] : f.oldPath !== undefined && f.oldPath !== f.path ? [f.oldPath] : [],
    ),
  );
  const secrets = secretValues(ordered.flatMap((r) => r.raw.map((f) => f.secret)));
  const results: GateResult[] = ordered.map((r) => {
    const findings = sortFindings(judge(r.raw, { changes, removed, blockOn: gates.blockOn, lineText }));
    const result: GateResult = {
      name: r.name,
      status: gateStatus(findings, r.error !== undefined),
      engine: r.engine,
      durationMs: Math.round(r.durationMs),
      findings,
    };
    if (r.error !== undefined) result.error = r.error;
    const note = engineNote(r, opts.engines);
    if (note !== undefined) result.note = note;
    return result;
  });
  const report: GatesReport = {
    schemaVersion: 1,
    verdict: verdictOf(results),
    mode: opts.full ? 'full' : 'diff',
    base,
    head: head.label,
    gates: results,
    dependencies: delta,
    diff: {
      files: diff.files.length,
      addedLines: diff.files.reduce((n, f) => n + f.addedLines, 0),
      deletedLines: diff.files.reduce((n, f) => n + f.deletedLines, 0),
    },
  };
  return {
    report: scrubDeep(report, secrets),
    headBom: async () => (headList === undefined ? {} : scrubDeep(await buildHeadBom(headList), secrets)),
    secrets,
    diff,
  };
}

/** Why the engine that ran is not the one wanted, when the caller said a real engine was missing. */
function engineNote(run: GateRun, engines: EngineNotes | undefined): string | undefined {
  const gate = run.name === 'secrets' || run.name === 'sast' ? run.name : undefined;
  const missing = gate === undefined ? undefined : engines?.unavailable?.[gate];
  if (missing === undefined) return undefined;
  const wanted = missing.engine.split(' ')[0] ?? missing.engine;
  if (run.engine.split(' ')[0] === wanted) return undefined;
  return `${missing.engine} could not be installed (${missing.reason}); ${run.engine} ran instead`;
}

function repoName(repo: string): string {
  return repo.slice(repo.lastIndexOf('/') + 1) || 'repository';
}
