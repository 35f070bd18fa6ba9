// The system packages the demo, the tests and CI need, checked in one place and installed with apt-get when
// this user may (root, or passwordless sudo); otherwise one message naming what is missing and the exact
// command. Plain Node, no dependencies: it runs before `npm ci` has anything to offer.
//   node scripts/system-deps.mjs demo|test      exit 0 when all is there (after installing), 2 when not
// AGENTGATE_NO_INSTALL=1 reports without installing. Imported by test/demo/run-demo.ts and
// test/support/global-setup.ts; run by .ci/run.
// It starts processes itself (spawnSync) rather than through lib/exec.ts, which is TypeScript and product
// code; these are developer scripts, run before anything is built.
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Set to 1 to never install: report what is missing and how to install it. */
export const NO_INSTALL_ENV = 'AGENTGATE_NO_INSTALL';

/**
 * Everything any purpose may need: the command that must be there (or a custom check), the Debian package
 * that provides it, and why agentgate needs it.
 */
export const REQUIREMENTS = {
  git: {
    command: 'git',
    package: 'git',
    why: 'the agent works in a git clone; the demo and tests build git repositories',
  },
  bwrap: { command: 'bwrap', package: 'bubblewrap', why: 'the sandbox every command of the agent runs in' },
  socat: {
    command: 'socat',
    package: 'socat',
    why: "carries the sandbox's network traffic to its filtering proxy",
  },
  rg: {
    command: 'rg',
    package: 'ripgrep',
    why: 'the sandbox runtime finds the files it protects with it; the search tool',
  },
  'qemu-system-x86_64': {
    command: 'qemu-system-x86_64',
    package: 'qemu-system-x86',
    why: 'boots the runner microVMs in the tests',
  },
  'qemu-img': {
    command: 'qemu-img',
    package: 'qemu-utils',
    why: "creates each microVM's writable disk layer",
  },
  'mkfs.ext4': {
    label: 'mkfs.ext4',
    package: 'e2fsprogs',
    why: "packs a repository's warm state into the disk a runner microVM mounts (tested)",
    // In /sbin or /usr/sbin, which an unprivileged user's PATH may not list.
    check: () =>
      Boolean(findCommand('mkfs.ext4', [process.env.PATH ?? '', '/usr/sbin', '/sbin'].join(path.delimiter))),
  },
  busybox: {
    label: 'a static /bin/busybox',
    package: 'busybox-static',
    why: "the microVM test guest's initramfs (no dynamic loader there)",
    check: () => isStaticExecutable('/bin/busybox'),
  },
  curl: {
    command: 'curl',
    package: 'curl',
    why: "fetches the test guest's kernel from Debian's archive when apt has no copy",
  },
  xz: { command: 'xz', package: 'xz-utils', why: "unpacks Debian's package index to find that kernel" },
  jq: { command: 'jq', package: 'jq', why: 'the image build reads its pinned versions with it (tested)' },
  'dpkg-deb': { command: 'dpkg-deb', package: 'dpkg', why: "unpacks the test guest's kernel package" },
  pytest: {
    label: 'python3 with pytest',
    package: 'python3-pytest',
    why: "the flaky-test hunter's pytest fixture runs under it (tested)",
    check: () =>
      spawnSync('python3', ['-c', 'import pytest'], { stdio: 'ignore', timeout: 30_000 }).status === 0,
  },
  go: {
    command: 'go',
    package: 'golang-go',
    why: "the flaky-test hunter's go test fixture runs under it (tested)",
  },
};

const SANDBOX = ['bwrap', 'socat', 'rg'];

/** What each purpose needs, and the command to run again once it is there. */
export const PURPOSES = {
  demo: { needs: ['git', ...SANDBOX], rerun: 'npm run demo', title: 'the demo' },
  test: {
    needs: [
      'git',
      ...SANDBOX,
      'qemu-system-x86_64',
      'qemu-img',
      'mkfs.ext4',
      'busybox',
      'curl',
      'xz',
      'jq',
      'dpkg-deb',
      'pytest',
      'go',
    ],
    rerun: 'npm test',
    title: 'the tests',
    plural: true,
    // The test guest's kernel: `apt-get download` when apt's lists know it (on Debian they must be there).
    aptLists: ['linux-image-cloud-amd64'],
  },
};

function isExecutableFile(file) {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first executable `command` on `searchPath`, or undefined. */
export function findCommand(command, searchPath) {
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    if (!path.isAbsolute(dir)) continue;
    const file = path.join(dir, command);
    if (isExecutableFile(file)) return file;
  }
  return undefined;
}

/** True for an ELF executable with no program interpreter (PT_INTERP): it runs without a dynamic loader. */
export function isStaticExecutable(file) {
  let fd;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(64);
    if (readSync(fd, head, 0, 64, 0) < 52 || head.readUInt32BE(0) !== 0x7f454c46) return false;
    const is64 = head[4] === 2;
    const le = head[5] === 1;
    const u16 = (b, o) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b, o) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const phoff = is64 ? Number(le ? head.readBigUInt64LE(32) : head.readBigUInt64BE(32)) : u32(head, 28);
    const phentsize = u16(head, is64 ? 54 : 42);
    const phnum = u16(head, is64 ? 56 : 44);
    const table = Buffer.alloc(phentsize * phnum);
    if (readSync(fd, table, 0, table.length, phoff) < table.length) return false;
    for (let i = 0; i < phnum; i++) if (u32(table, i * phentsize) === 3) return false;
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** How a requirement is named to a person: `bwrap (bubblewrap)`, `a static /bin/busybox (busybox-static)`. */
export function describe(id) {
  const r = REQUIREMENTS[id];
  return `${r.label ?? r.command} (${r.package})`;
}

/** The requirements of `purpose` that are not met on `searchPath`. */
export function findMissing(purpose, searchPath) {
  const p = PURPOSES[purpose];
  if (!p) throw new Error(`unknown purpose '${purpose}' (expected ${Object.keys(PURPOSES).join(' or ')})`);
  return p.needs.filter((id) => {
    const r = REQUIREMENTS[id];
    return r.check ? !r.check() : !findCommand(r.command, searchPath);
  });
}

/** The Debian packages that provide `ids`, once each, in order. */
export function packagesFor(ids) {
  return [...new Set(ids.map((id) => REQUIREMENTS[id].package))];
}

/** The command a person runs to install `packages` (`update` first when apt's lists do not know them). */
export function installCommand(packages, { root = false, update = false } = {}) {
  const sudo = root ? '' : 'sudo ';
  const install = `${sudo}apt-get install -y ${packages.join(' ')}`;
  return update ? `${sudo}apt-get update && ${install}` : install;
}

/**
 * The one message for what is still missing: each requirement and why, the exact command (or, without
 * apt-get, what provides them), why it was not installed here, and what to run afterwards.
 */
export function missingMessage(purpose, missing, facts) {
  const p = PURPOSES[purpose];
  const packages = packagesFor(missing);
  const lines = [
    `agentgate: ${p.title} ${p.plural ? 'need' : 'needs'} system packages that are not installed:`,
  ];
  for (const id of missing) lines.push(`  ${describe(id)}: ${REQUIREMENTS[id].why}`);
  if (facts.platform && facts.platform !== 'linux' && missing.some((id) => SANDBOX.includes(id))) {
    lines.push(
      `The sandbox (bubblewrap) needs Linux; this is ${facts.platform}. Use a Linux machine, VM or container.`,
    );
  }
  if (facts.aptGet) {
    const cmd = installCommand(packages, { root: facts.root, update: facts.needsUpdate });
    lines.push(`Install ${packages.length === 1 ? 'it' : 'them'} with:`, `  ${cmd}`);
  } else {
    lines.push(
      `Install ${missing.length === 1 ? 'it' : 'them'} with your system's package manager (the Debian/Ubuntu ` +
        `package${packages.length === 1 ? '' : 's'}: ${packages.join(', ')}).`,
    );
  }
  if (facts.reason) lines.push(`(Not installed automatically: ${facts.reason}.)`);
  lines.push(`Then run \`${p.rerun}\` again.`);
  return lines.join('\n');
}

function osId(readOsRelease) {
  try {
    const m = /^ID=("?)([^"\n]*)\1$/m.exec(readOsRelease());
    return m?.[2];
  } catch {
    return undefined;
  }
}

/** Whether apt has package lists (a fresh Debian image has none until `apt-get update`). */
function hasAptLists(dir) {
  try {
    return readdirSync(dir).some((f) => f.includes('_Packages'));
  } catch {
    return false;
  }
}

function defaultRun(argv, env) {
  const [file, ...args] = argv;
  const r = spawnSync(file, args, { env, stdio: ['ignore', 2, 2] });
  return r.error ? 127 : (r.status ?? 1);
}

function quietRun(argv, env) {
  const [file, ...args] = argv;
  const r = spawnSync(file, args, { env, stdio: 'ignore', timeout: 60_000 });
  return r.error ? 127 : (r.status ?? 1);
}

/**
 * Checks what `purpose` needs and, when something is missing and this user may, installs it with apt-get
 * (`apt-get update` first when apt's lists do not know the packages). Never throws for a missing package:
 * returns `{ ok, missing, installed, message }`, `message` being the one thing to print when not ok.
 * Everything it touches can be replaced (tests): env (PATH, AGENTGATE_NO_INSTALL), uid, platform, the
 * os-release reader, apt's lists directory, `run` (installs; output to stderr) and `probe` (quiet
 * checks), `log` (progress).
 */
export function ensureSystemDeps(purpose, opts = {}) {
  const packages = ensurePackages(purpose, opts);
  if (!packages.ok) return packages;
  const loopback = ensureLoopbackName(opts);
  return loopback.ok ? packages : { ...packages, ok: false, message: loopback.message };
}

/** The standard loopback entries Debian's installer writes to /etc/hosts. */
export const LOOPBACK_HOSTS = '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n';

/**
 * `localhost` must resolve: the sandbox runtime's network bridge (socat) reaches its filtering proxy at
 * `localhost`. A minimal root (debootstrap) has no /etc/hosts, so it does not; as root (installs
 * allowed) the missing file is written with the standard loopback entries, never an existing one
 * changed. Otherwise one message with the command.
 */
export function ensureLoopbackName(opts = {}) {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
  const probe = opts.probe ?? quietRun;
  const hostsFile = opts.hostsFile ?? '/etc/hosts';
  const uid = opts.uid ?? process.getuid?.();
  const platform = opts.platform ?? process.platform;
  if (platform !== 'linux') return { ok: true };
  const getent = findCommand('getent', env.PATH);
  if (getent === undefined || probe([getent, 'hosts', 'localhost'], env) === 0) return { ok: true };
  const noInstall = env[NO_INSTALL_ENV] && env[NO_INSTALL_ENV] !== '0';
  if (!existsSync(hostsFile) && uid === 0 && !noInstall) {
    log(
      `agentgate: writing ${hostsFile} with the loopback entries (localhost does not resolve here; the sandbox's network bridge connects to it)`,
    );
    writeFileSync(hostsFile, LOOPBACK_HOSTS);
    if (probe([getent, 'hosts', 'localhost'], env) === 0) return { ok: true };
  }
  return {
    ok: false,
    message: [
      `agentgate: the name localhost does not resolve on this machine${existsSync(hostsFile) ? '' : ` (there is no ${hostsFile})`}.`,
      "  The sandbox's network bridge (socat) connects to its filtering proxy at localhost.",
      'Add the loopback entry with:',
      `  echo '127.0.0.1 localhost' | ${uid === 0 ? '' : 'sudo '}tee -a ${hostsFile}`,
    ].join('\n'),
  };
}

function ensurePackages(purpose, opts) {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
  const run = opts.run ?? defaultRun;
  const probe = opts.probe ?? quietRun;
  const platform = opts.platform ?? process.platform;
  const uid = opts.uid ?? process.getuid?.();
  const readOsRelease = opts.readOsRelease ?? (() => readFileSync('/etc/os-release', 'utf8'));
  const listsDir = opts.aptListsDir ?? '/var/lib/apt/lists';
  const p = PURPOSES[purpose];
  if (!p) throw new Error(`unknown purpose '${purpose}' (expected ${Object.keys(PURPOSES).join(' or ')})`);

  const missing = findMissing(purpose, env.PATH);
  const aptGet = platform === 'linux' ? findCommand('apt-get', env.PATH) : undefined;
  const aptCache = aptGet ? findCommand('apt-cache', env.PATH) : undefined;
  // One package at a time: `apt-cache show a b` succeeds when either is known.
  const known = (pkgs) =>
    aptCache !== undefined && pkgs.every((pkg) => probe([aptCache, 'show', pkg], env) === 0);
  // The kernel the test guest downloads: `apt-get download` when apt's lists know it (elsewhere the build
  // takes it from Debian's archive with curl). On Debian empty lists (a fresh image) are a reason to run
  // `apt-get update`, not to stop.
  const listsStale =
    aptGet !== undefined &&
    p.aptLists !== undefined &&
    osId(readOsRelease) === 'debian' &&
    !hasAptLists(listsDir);
  if (missing.length === 0 && !listsStale) return { ok: true, missing: [], installed: [] };

  const packages = packagesFor(missing);
  const root = uid === 0;
  const needsUpdate = missing.length > 0 && aptGet !== undefined && !known(packages);
  const facts = { platform, aptGet, root, needsUpdate };
  let reason;
  if (!aptGet) reason = undefined;
  else if (env[NO_INSTALL_ENV] && env[NO_INSTALL_ENV] !== '0') reason = `${NO_INSTALL_ENV} is set`;
  else if (!root) {
    const sudo = findCommand('sudo', env.PATH);
    if (!sudo) reason = 'not root, and sudo is not installed';
    else if (probe([sudo, '-n', 'true'], env) !== 0) reason = 'not root, and sudo asks for a password';
  }
  if (!aptGet || reason !== undefined) {
    if (missing.length === 0) return { ok: true, missing: [], installed: [] };
    return {
      ok: false,
      missing,
      installed: [],
      message: missingMessage(purpose, missing, { ...facts, reason }),
    };
  }

  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  const asRoot = (args) =>
    root
      ? [aptGet, ...args]
      : [findCommand('sudo', env.PATH), '-n', 'env', 'DEBIAN_FRONTEND=noninteractive', aptGet, ...args];
  if (needsUpdate || listsStale) {
    const why = needsUpdate
      ? `they do not list ${packages.join(', ')}`
      : `the microVM test guest's kernel, ${p.aptLists.join(', ')}, is downloaded with apt-get download`;
    log(`agentgate: updating apt's package lists (${why})`);
    const code = run(asRoot(['update', '-qq']), aptEnv);
    if (code !== 0 && missing.length > 0) {
      return {
        ok: false,
        missing,
        installed: [],
        message: missingMessage(purpose, missing, {
          ...facts,
          reason: `apt-get update failed (exit ${code})`,
        }),
      };
    }
    if (code !== 0)
      log(
        `agentgate: apt-get update failed (exit ${code}); the test guest's kernel will come from Debian's archive`,
      );
  }
  if (missing.length === 0) return { ok: true, missing: [], installed: [] };

  log(`agentgate: installing ${packages.join(', ')} for ${p.title}:`);
  for (const id of missing) log(`  ${describe(id)}: ${REQUIREMENTS[id].why}`);
  const code = run(asRoot(['install', '-y', '--no-install-recommends', '-qq', ...packages]), aptEnv);
  const still = findMissing(purpose, env.PATH);
  if (code !== 0 || still.length > 0) {
    const left = still.length > 0 ? still : missing;
    const why =
      code !== 0
        ? `apt-get install failed (exit ${code})`
        : 'apt-get install ran, but they are still missing';
    return {
      ok: false,
      missing: left,
      installed: [],
      message: missingMessage(purpose, left, { ...facts, needsUpdate: false, reason: why }),
    };
  }
  return { ok: true, missing: [], installed: packages };
}

function main(argv) {
  const [purpose, ...rest] = argv;
  if (!purpose || rest.length > 0 || !(purpose in PURPOSES) || purpose === '--help') {
    process.stderr.write(
      `usage: node scripts/system-deps.mjs ${Object.keys(PURPOSES).join('|')}\n` +
        `Checks (and, as root or with passwordless sudo, installs with apt-get) the system packages they need.\n` +
        `${NO_INSTALL_ENV}=1 only reports. Exit codes: 0 all there, 2 something missing.\n`,
    );
    return purpose === '--help' ? 0 : 2;
  }
  const r = ensureSystemDeps(purpose);
  if (!r.ok) {
    process.stderr.write(`${r.message}\n`);
    return 2;
  }
  return 0;
}

function isEntry() {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntry()) process.exitCode = main(process.argv.slice(2));
