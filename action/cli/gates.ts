// `agentgate gates`: the gates on a change, as the JSON contract (or SARIF or markdown) on stdout and,
// with --out, every report as a file. Exit codes: 0 pass, 1 fail, 2 error.
import {
  GatesInputError,
  REPORT_FORMATS,
  type ReportFormat,
  renderReport,
  runGates,
  writeReports,
} from '../../gates/index.js';
import { UsageError } from '../errors.js';
import { parseFlags, requireFlag } from './args.js';
import { loadPolicyOption } from './policy-option.js';

export const GATES_HELP = `Usage: agentgate gates --repo DIR --base REF [--head REF | --worktree] [options]

Runs the gates (secrets, sast, sbom, dependencies, policy) on the change from --base to --head, and
prints the result. Only what the change touched is scanned; findings on lines it did not add are
reported as pre-existing and do not block.

  --repo DIR        the git repository (default: the current directory)
  --base REF        the branch, tag or commit the change is measured against (required)
  --head REF        the change's ref (default: HEAD)
  --worktree        judge the working tree instead: committed, uncommitted and untracked files
  --policy FILE     the policy file whose 'gates' section applies (default: the built-in pack)
  --full            scan every file at head with the same engines (findings are still judged
                    against the change)
  --label NAME      a label on the change, for the policy's approval condition (repeatable)
  --format FORMAT   what stdout gets: json (default), sarif or markdown
  --out DIR         also write gates.json, gates.sarif, gates.md and sbom.cdx.json into DIR

Exit codes: 0 pass; 1 fail (blocking findings); 2 error (bad input, a base commit missing from a
shallow clone, or a gate whose engine crashed, timed out or was required but missing — the verdict
is then fail, and the reports are still written).`;

export interface GatesCommandDeps {
  out: (s: string) => void;
  err: (s: string) => void;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export async function gatesCommand(argv: string[], deps: GatesCommandDeps): Promise<number> {
  const { values } = parseFlags('gates', argv, {
    repo: { type: 'string' },
    base: { type: 'string' },
    head: { type: 'string' },
    worktree: { type: 'boolean' },
    policy: { type: 'string' },
    full: { type: 'boolean' },
    label: { type: 'string', multiple: true },
    format: { type: 'string' },
    out: { type: 'string' },
  });
  if (values.help) {
    deps.out(GATES_HELP);
    return 0;
  }
  const base = requireFlag('base', values.base, 'the branch, tag or commit the change is measured against');
  if (values.worktree && values.head !== undefined) {
    throw new UsageError(
      '--head and --worktree exclude each other: judge a ref or the working tree, not both',
    );
  }
  const format = (values.format ?? 'json') as ReportFormat;
  if (!REPORT_FORMATS.includes(format)) {
    throw new UsageError(`--format: expected one of ${REPORT_FORMATS.join('|')}, got '${values.format}'`);
  }
  const { policy } = await loadPolicyOption(values.policy);
  try {
    const run = await runGates({
      repo: values.repo ?? deps.cwd ?? process.cwd(),
      base,
      ...(values.head !== undefined ? { head: values.head } : {}),
      worktree: values.worktree ?? false,
      full: values.full ?? false,
      policy,
      labels: values.label ?? [],
      env: deps.env ?? process.env,
      onProgress: (m) => deps.err(`agentgate gates: ${m}`),
    });
    if (values.out !== undefined) await writeReports(values.out, run);
    deps.out(renderReport(run, format).trimEnd());
    for (const gate of run.report.gates) {
      const blocking = gate.findings.filter((f) => f.blocking).length;
      const note =
        (gate.error ?? `${blocking} blocking, ${gate.findings.length} total`) +
        (gate.note ? `; ${gate.note}` : '');
      deps.err(
        `agentgate gates: ${gate.name} ${gate.status} (${gate.engine}, ${gate.durationMs} ms): ${note}`,
      );
    }
    deps.err(`agentgate gates: verdict ${run.report.verdict}`);
    const errored = run.report.gates.filter((g) => g.status === 'error');
    if (errored.length > 0) {
      deps.err(`agentgate gates: error: ${errored.map((g) => `${g.name}: ${g.error}`).join('; ')}`);
      return 2;
    }
    return run.report.verdict === 'pass' ? 0 : 1;
  } catch (e) {
    if (e instanceof GatesInputError) throw new UsageError(e.message);
    throw e;
  }
}
