// The scanners agentgate pins for the gates, as runner-image/versions.json lists them: the image carries
// them (build/build-image.sh), and the action installs the same releases on GitHub-hosted runners.
import versions from './versions.json' with { type: 'json' };

/** `<os>-<arch>` as Node names them, e.g. `linux-x64`. */
export type Platform = `${NodeJS.Platform}-${string}`;

export interface EngineRelease {
  /** The program's name, as on PATH. */
  tool: 'gitleaks' | 'opengrep';
  /** The gate it serves. */
  gate: 'secrets' | 'sast';
  version: string;
  /** A gzipped tarball with the program at its root, or the program itself. */
  archive: 'tar.gz' | 'binary';
  assets: Partial<Record<Platform, { url: string; sha256: string }>>;
}

interface PinnedTool {
  version: string;
  archive: 'tar.gz' | 'binary';
  assets: Record<string, { url: string; sha256: string }>;
}

const tools = versions.tools as unknown as Record<string, PinnedTool>;

function release(tool: EngineRelease['tool'], gate: EngineRelease['gate']): EngineRelease {
  const pin = tools[tool];
  if (pin === undefined) throw new Error(`runner-image/versions.json pins no ${tool}`);
  return {
    tool,
    gate,
    version: pin.version,
    archive: pin.archive,
    assets: pin.assets as EngineRelease['assets'],
  };
}

/** gitleaks for the secrets gate, opengrep for SAST. */
export const ENGINE_RELEASES: readonly EngineRelease[] = [
  release('gitleaks', 'secrets'),
  release('opengrep', 'sast'),
];
