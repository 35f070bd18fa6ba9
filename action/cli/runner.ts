// `agentgate runner`: run one-job runner microVMs on this host (see runner-image/README.md).
//   probe   whether KVM can run a guest here
//   launch  keep a warm pool of VMs, each registered with a just-in-time runner config for one job
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type Backend,
  DEFAULT_LABELS,
  defaultAllowlist,
  type EgressForward,
  firecrackerBackend,
  generateJitConfig,
  launchVm,
  probeKvm,
  qemuBackend,
  type RunnerImage,
  type RunnerScope,
  runPool,
  startEgressProxy,
} from '../../runner-image/index.js';
import { UsageError } from '../errors.js';
import { createGitHubClient } from '../github/client.js';
import { bake } from '../warm.js';
import { DEFAULT_WARM_EVERY_MINUTES, WarmDisks } from '../warm-disk.js';
import { intFlag, parseFlags, requireFlag } from './args.js';
import { loadPolicyOption } from './policy-option.js';
import { repoSource } from './warm.js';

export const RUNNER_HELP = `Usage: agentgate runner <probe|launch> [options]

  agentgate runner probe --kernel FILE
      Whether KVM can run a guest on this host (else QEMU falls back to TCG).

  agentgate runner launch --image DIR (--repo OWNER/REPO | --org ORG) [options]
      Keeps a warm pool of one-job runner VMs: each gets a just-in-time runner config, boots from a
      copy-on-write layer over the image, takes exactly one job, and is destroyed with its layer;
      the pool then boots a replacement. Stops on SIGINT or SIGTERM.

      --image DIR            a built image (runner-image/build/build-image.sh): rootfs.ext4, vmlinuz,
                             initrd.gz, manifest.json
      --repo OWNER/REPO      register the runners on a repository, or
      --org ORG              on an organisation
      --pool N               VMs kept ready (default 1)
      --max-vms N            stop after N VMs in all (default: run until stopped)
      --labels A,B           runner labels (default ${DEFAULT_LABELS.join(',')})
      --runner-group ID      runner group id (default 1, the default group)
      --backend NAME         qemu (default) or firecracker
      --accel auto|kvm|tcg   QEMU acceleration (default auto: KVM when the probe shows it works)
      --vcpus N              per VM (default 2)
      --memory-mib N         per VM (default 4096)
      --timeout-minutes N    a VM still running after this is destroyed (default 360)
      --allow HOST           one more host the VM may reach through the egress proxy (repeatable);
                             GitHub's runner hosts and the model API are always allowed
      --state-dir DIR        where VM layers and config drives live while they run

      Warm start (one repository baked ahead of its jobs; runner-image/README.md section 6):
      --warm-repo URL|DIR    bake this repository (mirror and setup) into a read-only disk every VM
                             gets; its jobs fetch only the commits since the bake
      --warm-ref REF         the commit to bake (default HEAD)
      --warm-setup CMD       the setup command (default the policy's setup.command)
      --warm-policy FILE     the policy for the bake's sandbox and setup (default the built-in pack)
      --warm-every MINUTES   rebake this often (default ${DEFAULT_WARM_EVERY_MINUTES}); a VM keeps the disk it booted with
      --warm-dir DIR         the baked state and its disks (default STATE_DIR/warm)
      An image built with --warm-repo carries a warm.ext4 that is used when --warm-repo is not given.
      Firecracker: --firecracker-bin, --jailer-bin, --chroot-base-dir, --uid, --gid

      Environment: GITHUB_TOKEN, a token allowed to register runners (repository administration, or
      organisation self-hosted runners: write); GITHUB_API_URL for GitHub Enterprise Server.

Each VM's result is printed to stdout as one JSON line; progress goes to stderr.`;

export interface RunnerCommandDeps {
  out: (s: string) => void;
  err: (s: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Stops the pool; default: SIGINT or SIGTERM. */
  signal?: AbortSignal;
}

/** The guest's view of the proxy: QEMU forwards 10.0.2.100:3128; under Firecracker it is a local socat. */
const PROXY_GUEST = {
  qemu: { address: '10.0.2.100', port: 3128 },
  firecracker: { address: '127.0.0.1', port: 3128 },
};

function readImage(dir: string): RunnerImage {
  const manifestFile = path.join(dir, 'manifest.json');
  let manifest: { image?: unknown; digest?: unknown; warm?: { image?: unknown } };
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as typeof manifest;
  } catch (e) {
    throw new UsageError(
      `--image: cannot read ${manifestFile} (${(e as Error).message}); build the image first`,
    );
  }
  if (typeof manifest.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(manifest.digest)) {
    throw new UsageError(`${manifestFile}: 'digest' is not 'sha256:<64 hex digits>'`);
  }
  const warmImage = manifest.warm?.image;
  if (warmImage !== undefined && (typeof warmImage !== 'string' || !/^[\w.-]+$/.test(warmImage))) {
    throw new UsageError(`${manifestFile}: 'warm.image' is not a file name in the image directory`);
  }
  const warmDisk = warmImage ? path.join(dir, warmImage) : undefined;
  if (warmDisk && !existsSync(warmDisk)) {
    throw new UsageError(`${manifestFile}: 'warm.image' names ${warmDisk}, which does not exist`);
  }
  return {
    kernel: path.join(dir, 'vmlinuz'),
    initrd: path.join(dir, 'initrd.gz'),
    baseImage: path.join(dir, typeof manifest.image === 'string' ? manifest.image : 'rootfs.ext4'),
    digest: manifest.digest,
    ...(warmDisk ? { warmDisk } : {}),
  };
}

function scopeOf(repo: string | undefined, org: string | undefined): RunnerScope {
  if ((repo === undefined) === (org === undefined))
    throw new UsageError('give exactly one of --repo OWNER/REPO or --org ORG');
  if (org !== undefined) return { org };
  const [owner, name, ...rest] = (repo ?? '').split('/');
  if (!owner || !name || rest.length > 0)
    throw new UsageError(`Invalid --repo '${repo}'. Expected format {owner}/{repo}.`);
  return { owner, repo: name };
}

export async function runnerCommand(argv: string[], deps: RunnerCommandDeps): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    deps.out(RUNNER_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'probe') {
    const { values } = parseFlags('runner probe', rest, { kernel: { type: 'string' } });
    if (values.help) {
      deps.out(RUNNER_HELP);
      return 0;
    }
    const kvm = await probeKvm(requireFlag('kernel', values.kernel, 'a guest kernel to boot'));
    deps.out(JSON.stringify({ kvm: kvm.ok, reason: kvm.reason }));
    return 0;
  }
  if (sub !== 'launch')
    throw new UsageError(`agentgate runner: unknown subcommand '${sub}' (expected probe or launch)`);
  return launch(rest, deps);
}

async function launch(argv: string[], deps: RunnerCommandDeps): Promise<number> {
  const { values } = parseFlags('runner launch', argv, {
    image: { type: 'string' },
    repo: { type: 'string' },
    org: { type: 'string' },
    pool: { type: 'string' },
    'max-vms': { type: 'string' },
    labels: { type: 'string' },
    'runner-group': { type: 'string' },
    backend: { type: 'string' },
    accel: { type: 'string' },
    vcpus: { type: 'string' },
    'memory-mib': { type: 'string' },
    'timeout-minutes': { type: 'string' },
    allow: { type: 'string', multiple: true },
    'state-dir': { type: 'string' },
    'firecracker-bin': { type: 'string' },
    'jailer-bin': { type: 'string' },
    'chroot-base-dir': { type: 'string' },
    uid: { type: 'string' },
    gid: { type: 'string' },
    'warm-repo': { type: 'string' },
    'warm-ref': { type: 'string' },
    'warm-setup': { type: 'string' },
    'warm-policy': { type: 'string' },
    'warm-every': { type: 'string' },
    'warm-dir': { type: 'string' },
  });
  if (values.help) {
    deps.out(RUNNER_HELP);
    return 0;
  }
  const env = deps.env ?? process.env;
  const image = readImage(requireFlag('image', values.image, 'a built runner image directory'));
  const scope = scopeOf(values.repo, values.org);
  const token = env.GITHUB_TOKEN;
  if (!token)
    throw new UsageError('GITHUB_TOKEN: a token allowed to register self-hosted runners is required');
  const labels = (values.labels ?? DEFAULT_LABELS.join(','))
    .split(',')
    .map((l) => l.trim())
    .filter(Boolean);
  const backendName = values.backend ?? 'qemu';
  if (backendName !== 'qemu' && backendName !== 'firecracker') {
    throw new UsageError(`--backend: expected qemu or firecracker, got '${backendName}'`);
  }
  // Every flag is checked before anything starts: a bad one must not leave a proxy listening.
  const poolSize = intFlag('pool', values.pool, 1) ?? 1;
  const stateDir = values['state-dir'] ?? path.join(os.tmpdir(), 'agentgate-vms');
  const maxVms = intFlag('max-vms', values['max-vms'], 1);
  const size = {
    vcpus: intFlag('vcpus', values.vcpus, 1) ?? 2,
    memoryMib: intFlag('memory-mib', values['memory-mib'], 128) ?? 4096,
  };
  const runnerGroupId = intFlag('runner-group', values['runner-group'], 1) ?? 1;
  const timeoutMs = (intFlag('timeout-minutes', values['timeout-minutes'], 1) ?? 360) * 60_000;
  const accelFlag = values.accel ?? 'auto';
  if (!['auto', 'kvm', 'tcg'].includes(accelFlag))
    throw new UsageError(`--accel: expected auto, kvm or tcg, got '${accelFlag}'`);
  const warm = await warmDisks(values, stateDir, env, deps);

  let backend: Backend;
  if (backendName === 'firecracker') {
    backend = firecrackerBackend({
      firecrackerBin: values['firecracker-bin'] ?? '/usr/local/bin/firecracker',
      jailerBin: values['jailer-bin'] ?? '/usr/local/bin/jailer',
      chrootBaseDir: values['chroot-base-dir'] ?? '/srv/jailer',
      uid: intFlag('uid', values.uid, 1) ?? 1001,
      gid: intFlag('gid', values.gid, 1) ?? 1001,
    });
  } else {
    let accel = accelFlag as 'auto' | 'kvm' | 'tcg';
    if (accel === 'auto') {
      const kvm = await probeKvm(image.kernel);
      deps.err(`agentgate runner: ${kvm.reason}${kvm.ok ? '' : '; using TCG (software emulation)'}`);
      accel = kvm.ok ? 'kvm' : 'tcg';
    }
    backend = qemuBackend(accel);
  }

  if (warm) {
    await warm.refresh();
    warm.start();
  }
  const stop = new AbortController();
  const onSignal = () => {
    deps.err('agentgate runner: stopping: no new VMs; running ones are destroyed');
    stop.abort();
  };
  if (deps.signal) deps.signal.addEventListener('abort', onSignal, { once: true });
  else {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }

  const proxy = await startEgressProxy({
    allow: defaultAllowlist(values.allow ?? []),
    log: (e) => {
      if (e.kind === 'blocked') deps.err(`agentgate runner: egress blocked: ${e.host}:${e.port}`);
    },
  });
  const guest = PROXY_GUEST[backendName];
  const egress: EgressForward[] = [
    { guestAddress: guest.address, guestPort: guest.port, hostAddress: '127.0.0.1', hostPort: proxy.port },
  ];
  const client = createGitHubClient({
    token,
    apiUrl: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, ''),
    warn: (w) => deps.err(`agentgate runner: ${w}`),
  });
  try {
    const summary = await runPool({
      size: poolSize,
      ...(maxVms !== undefined ? { maxVms } : {}),
      signal: stop.signal,
      launch: (slot) => {
        // The disk current at boot stays the VM's until it ends, however many rebakes come meanwhile.
        const lease = warm?.acquire();
        deps.err(
          `agentgate runner: slot ${slot}: booting a VM (${backend.name}, ${backend.accel}${lease?.manifest ? `, warm at ${lease.manifest.commit.slice(0, 12)}` : ''})`,
        );
        return launchVm({
          backend,
          image: lease?.file ? { ...image, warmDisk: lease.file } : image,
          stateDir,
          ...size,
          egress,
          proxyUrl: `http://${guest.address}:${guest.port}`,
          jitConfig: (vmId) =>
            generateJitConfig(client, {
              scope,
              name: vmId,
              labels,
              runnerGroupId,
            }),
          timeoutMs,
          signal: stop.signal,
        }).finally(() => lease?.release());
      },
      onExit: (_, r) =>
        deps.out(
          JSON.stringify({
            vmId: r.vmId,
            runnerId: r.runnerId,
            exitCode: r.exitCode,
            timedOut: r.timedOut,
            initMs: r.initMs === undefined ? null : Math.round(r.initMs),
            totalMs: Math.round(r.totalMs),
            cleanedUp: r.cleanedUp,
            guest: r.guestResult ?? null,
          }),
        ),
      onError: (slot, e) => deps.err(`agentgate runner: slot ${slot}: ${(e as Error).message}`),
    });
    deps.err(`agentgate runner: ${summary.launched} VM(s), ${summary.failed} failed to start`);
    return summary.failed > 0 && summary.results.length === 0 ? 1 : 0;
  } finally {
    await warm?.stop();
    await proxy.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The warm disks the launcher keeps fresh, when --warm-repo names a repository; flags checked first. */
async function warmDisks(
  values: Record<string, string | boolean | string[] | undefined>,
  stateDir: string,
  env: NodeJS.ProcessEnv,
  deps: RunnerCommandDeps,
): Promise<WarmDisks | undefined> {
  const flag = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const repo = flag('warm-repo');
  if (repo === undefined) {
    for (const name of ['warm-ref', 'warm-setup', 'warm-policy', 'warm-every', 'warm-dir']) {
      if (flag(name) !== undefined)
        throw new UsageError(`--${name} needs --warm-repo (the repository to bake)`);
    }
    return undefined;
  }
  const everyMs = (intFlag('warm-every', flag('warm-every'), 1) ?? DEFAULT_WARM_EVERY_MINUTES) * 60_000;
  const policy = await loadPolicyOption(flag('warm-policy'));
  const root = path.resolve(flag('warm-dir') ?? path.join(stateDir, 'warm'));
  const into = path.join(root, 'state');
  const setup = flag('warm-setup');
  const log = (line: string) => deps.err(`agentgate runner: ${line}`);
  return new WarmDisks({
    bake: () =>
      bake({
        source: repoSource(repo),
        ref: flag('warm-ref') ?? 'HEAD',
        into,
        policy,
        ...(setup ? { setupCommand: setup } : {}),
        env,
        log,
      }),
    dir: into,
    disksDir: path.join(root, 'disks'),
    everyMs,
    env,
    log,
  });
}
