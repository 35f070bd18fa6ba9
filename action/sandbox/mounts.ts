// What a sandboxed command sees of the host, as bubblewrap arguments. Reads are deny-by-default: bwrap
// starts from an empty root, and only these are mounted into it:
//   - the system directories (/usr, /bin, /sbin, /lib*), read-only, symlinks kept as symlinks;
//   - /etc, read-only, with its secret files (shadow, SSH host keys, sudoers, TLS private keys, runner
//     and network credentials) hidden;
//   - the toolchain directories the policy lists, read-only;
//   - a fresh /proc of the command's own PID namespace, a minimal /dev, an empty /tmp;
//   - the work tree and the private temp dir (which holds the private HOME), writable; inside the work
//     tree the paths that must stay read-only (.git/config, .git/hooks) and the hidden ones;
//   - the proxy's sockets, when the policy lists network hosts, and the seccomp helper program.
// Nothing else exists inside: not the user's checkout, other checkouts, the runner's directories,
// $RUNNER_TEMP, home dotfiles, or other processes. Pure: the host facts come in already resolved.

/**
 * Where the sandbox's own programs are inside it: one directory of its own, so that the host path of
 * a helper (under the project's node_modules, maybe in a home) shows nothing of where it lives.
 */
export const PROGRAMS_DIR = '/.agentgate';

/** The path inside the sandbox of the host program `file`. */
export function programPath(file: string): string {
  return `${PROGRAMS_DIR}/${file.slice(file.lastIndexOf('/') + 1)}`;
}

/** A top-level system path as found on the host: a directory is bound, a symlink recreated. */
export type SystemRoot = { path: string; kind: 'dir' } | { path: string; kind: 'symlink'; target: string };

/** Something to hide: a file is covered by an empty read-only file, a directory by an empty tmpfs. */
export interface Hidden {
  path: string;
  kind: 'file' | 'dir';
}

export interface HostLayout {
  system: SystemRoot[];
  /** Secret files and directories under /etc that exist on this host. */
  etcSecrets: Hidden[];
  /** Toolchain directories that exist on this host (absolute, symlinks resolved). */
  toolchains: string[];
}

export interface MountSpec {
  workDir: string;
  tmpDir: string;
  /** Existing paths inside workDir bound read-only over the writable work tree. */
  readOnly: string[];
  /** Existing paths inside workDir hidden from the command. */
  hidden: Hidden[];
  /** Unix sockets of the filtering proxy, bound at their own paths. */
  sockets: string[];
  /** Host files the sandbox itself runs (the seccomp helper), bound read-only under PROGRAMS_DIR. */
  programs: string[];
  /** bwrap's capability arguments (see capabilityArgs). */
  caps: string[];
  cwd: string;
}

/** The top-level system paths considered; whichever exist are mounted. /etc is handled on its own. */
export const SYSTEM_ROOTS: readonly string[] = [
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
];

/**
 * Files and directories under /etc that hold secrets, hidden even though /etc is shown: password
 * hashes, sudo rules, host and TLS private keys, Kerberos keytabs, saved network credentials, CI
 * runner registrations. Entries ending in '*' match by prefix within their directory.
 */
export const ETC_SECRETS: readonly string[] = [
  '/etc/shadow',
  '/etc/shadow-',
  '/etc/gshadow',
  '/etc/gshadow-',
  '/etc/sudoers',
  '/etc/sudoers.d',
  '/etc/security/opasswd',
  '/etc/ssh/ssh_host_*',
  '/etc/ssl/private',
  '/etc/pki/tls/private',
  '/etc/krb5.keytab',
  '/etc/credstore',
  '/etc/credstore.encrypted',
  '/etc/letsencrypt',
  '/etc/NetworkManager/system-connections',
  '/etc/wpa_supplicant',
  '/etc/gitlab-runner',
  '/etc/docker/certs.d',
  '/etc/containerd/certs.d',
  '/etc/sandbox-secrets',
];

/** `--cap-drop ALL`; a root caller keeps CAP_SETFCAP when the seccomp helper must map uid 0 again. */
export function capabilityArgs(o: {
  euid: number;
  hasSetfcap: boolean;
  usesSeccompHelper: boolean;
}): string[] {
  const args = ['--cap-drop', 'ALL'];
  if (o.euid === 0 && o.hasSetfcap && o.usesSeccompHelper) args.push('--cap-add', 'CAP_SETFCAP');
  return args;
}

function hide(h: Hidden): string[] {
  return h.kind === 'dir' ? ['--tmpfs', h.path] : ['--ro-bind', '/dev/null', h.path];
}

/** The bwrap arguments before `--` for one command. */
export function bwrapArgs(layout: HostLayout, spec: MountSpec): string[] {
  const args = [
    '--new-session',
    '--die-with-parent',
    '--unshare-user',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--unshare-net',
    ...spec.caps,
  ];
  for (const root of layout.system) {
    if (root.kind === 'symlink') args.push('--symlink', root.target, root.path);
    else args.push('--ro-bind', root.path, root.path);
  }
  args.push('--ro-bind', '/etc', '/etc');
  for (const h of layout.etcSecrets) args.push(...hide(h));
  // /tmp before what is bound below it: a toolchain or the helper may live under /tmp.
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--dir', '/var/tmp');
  for (const dir of layout.toolchains) args.push('--ro-bind', dir, dir);
  for (const file of spec.programs) args.push('--ro-bind', file, programPath(file));
  args.push('--bind', spec.workDir, spec.workDir, '--bind', spec.tmpDir, spec.tmpDir);
  for (const p of spec.readOnly) args.push('--ro-bind', p, p);
  for (const h of spec.hidden) args.push(...hide(h));
  for (const s of spec.sockets) args.push('--bind', s, s);
  args.push('--remount-ro', '/', '--chdir', spec.cwd);
  return args;
}
