// Types of scripts/system-deps.mjs (plain Node so that it runs before anything is installed or built).

export type Purpose = 'demo' | 'test';
export type RequirementId =
  | 'git'
  | 'bwrap'
  | 'socat'
  | 'rg'
  | 'qemu-system-x86_64'
  | 'qemu-img'
  | 'busybox'
  | 'curl'
  | 'xz'
  | 'jq'
  | 'dpkg-deb'
  | 'pytest'
  | 'go';

export interface Requirement {
  command?: string;
  label?: string;
  package: string;
  why: string;
  check?: () => boolean;
}

export const NO_INSTALL_ENV: 'AGENTGATE_NO_INSTALL';
export const REQUIREMENTS: Record<RequirementId, Requirement>;
export const PURPOSES: Record<
  Purpose,
  { needs: RequirementId[]; rerun: string; title: string; plural?: boolean; aptLists?: string[] }
>;

export function findCommand(command: string, searchPath: string | undefined): string | undefined;
export function isStaticExecutable(file: string): boolean;
export function describe(id: RequirementId): string;
export function findMissing(purpose: Purpose, searchPath: string | undefined): RequirementId[];
export function packagesFor(ids: RequirementId[]): string[];
export function installCommand(packages: string[], opts?: { root?: boolean; update?: boolean }): string;

export interface Facts {
  platform?: string;
  aptGet?: string | undefined;
  root?: boolean;
  needsUpdate?: boolean;
  reason?: string | undefined;
}
export function missingMessage(purpose: Purpose, missing: RequirementId[], facts: Facts): string;

export interface EnsureOptions {
  env?: NodeJS.ProcessEnv;
  uid?: number;
  platform?: string;
  readOsRelease?: () => string;
  /** Where apt keeps its package lists (default /var/lib/apt/lists). */
  aptListsDir?: string;
  /** Runs an install step (argv[0] is the program); returns its exit code. */
  run?: (argv: string[], env: NodeJS.ProcessEnv) => number;
  /** Runs a quiet check (`sudo -n true`, `apt-cache show`); returns its exit code. */
  probe?: (argv: string[], env: NodeJS.ProcessEnv) => number;
  log?: (line: string) => void;
  /** The hosts file written when it is missing and localhost does not resolve (default /etc/hosts). */
  hostsFile?: string;
}

export type EnsureResult =
  | { ok: true; missing: []; installed: string[] }
  | { ok: false; missing: RequirementId[]; installed: string[]; message: string };

export function ensureSystemDeps(purpose: Purpose, opts?: EnsureOptions): EnsureResult;

export const LOOPBACK_HOSTS: string;
export function ensureLoopbackName(opts?: EnsureOptions): { ok: true } | { ok: false; message: string };
