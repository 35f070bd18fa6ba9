// Artifacts: the evidence of a run (trace, patch, result, gate reports, SBOM) uploaded to the workflow
// run through @actions/artifact, so logs stay out of public job output and out of the PR.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DefaultArtifactClient } from '@actions/artifact';

export interface UploadedArtifact {
  name: string;
  id: number;
  size: number;
}

/** The seam: where artifacts go. Production uses the Actions artifact service. */
export interface ArtifactStore {
  upload(name: string, files: string[], rootDir: string, retentionDays: number): Promise<UploadedArtifact>;
}

export function actionsArtifactStore(): ArtifactStore {
  return {
    async upload(name, files, rootDir, retentionDays) {
      const r = await new DefaultArtifactClient().uploadArtifact(name, files, rootDir, { retentionDays });
      return { name, id: r.id ?? 0, size: r.size ?? 0 };
    },
  };
}

/** Every file of `files` that exists, as absolute paths under `rootDir` (a missing one is left out). */
export function existingFiles(rootDir: string, files: readonly string[]): string[] {
  return files.map((f) => path.resolve(rootDir, f)).filter((f) => existsSync(f));
}

/** `https://github.com/o/r/actions/runs/1/artifacts/2`: the artifact's page. */
export function artifactUrl(runUrl: string, id: number): string {
  return `${runUrl}/artifacts/${id}`;
}
