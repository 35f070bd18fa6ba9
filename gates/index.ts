// The gates: secrets, SAST, SBOM, dependency checks and policy on the exact diff, and the verdict.
// Knows nothing of the agent or of GitHub; imports only policies/ (through its index) and lib/.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { scrubText } from '../lib/redact.js';
import { toMarkdown, toSarif } from './report/index.js';
import type { GatesOptions, GatesRun } from './run.js';
import { VERSION } from './version.js';

export { EngineError, GatesInputError } from './engine.js';
export { linkContext, protectedBy } from './policy-gate.js';
export { type MarkdownOptions, toMarkdown } from './report/index.js';
export type { GatesOptions, GatesRun } from './run.js';
export {
  MODE_GITLINK,
  MODE_SYMLINK,
  STRUCTURE_RULES,
  type StructureProblem,
  structureProblems,
} from './structure.js';
export type * from './types.js';
export { VERSION } from './version.js';

/**
 * Runs the gates on a change (see run.ts). The engines and what they read are loaded on this first
 * call, not when the gates are imported: a command that only prints a report or help never loads them.
 */
export async function runGates(opts: GatesOptions): Promise<GatesRun> {
  return (await import('./run.js')).runGates(opts);
}

export const REPORT_FORMATS = ['json', 'sarif', 'markdown'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The file names `--out` writes. */
export const REPORT_FILES = {
  json: 'gates.json',
  sarif: 'gates.sarif',
  markdown: 'gates.md',
  sbom: 'sbom.cdx.json',
} as const;

/** One report as text, scrubbed of every secret value the scan found. */
export function renderReport(run: GatesRun, format: ReportFormat): string {
  const text =
    format === 'json'
      ? `${JSON.stringify(run.report, null, 2)}\n`
      : format === 'sarif'
        ? `${JSON.stringify(toSarif(run.report, { toolVersion: VERSION }), null, 2)}\n`
        : toMarkdown(run.report);
  return scrubText(text, run.secrets);
}

/** Writes gates.json, gates.sarif, gates.md and sbom.cdx.json (the head's BOM) into `dir`. */
export async function writeReports(dir: string, run: GatesRun): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    [REPORT_FILES.json, renderReport(run, 'json')],
    [REPORT_FILES.sarif, renderReport(run, 'sarif')],
    [REPORT_FILES.markdown, renderReport(run, 'markdown')],
    [REPORT_FILES.sbom, scrubText(`${JSON.stringify(await run.headBom(), null, 2)}\n`, run.secrets)],
  ];
  await Promise.all(files.map(([name, text]) => writeFile(path.join(dir, name), text)));
  return files.map(([name]) => path.join(dir, name));
}
