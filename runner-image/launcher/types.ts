// The launcher's shared shapes: what a VM is made of, what it may reach, and what a backend must do
// with it. Plain data; the backends turn it into a QEMU command line or a Firecracker config.

/** A host-side endpoint the guest may reach: the only way out of the VM. */
export interface EgressForward {
  /** The address and port the guest connects to (inside the guest's view of the network). */
  guestAddress: string;
  guestPort: number;
  /** Where the host forwards it: a loopback address and port (the allowlisting proxy, in production). */
  hostAddress: string;
  hostPort: number;
}

export interface VmSpec {
  /** A short unique id: names the VM's files, its tap device and its jail. */
  id: string;
  /** The guest kernel (uncompressed or bzImage) and an optional initramfs. */
  kernel: string;
  initrd?: string;
  /** Extra kernel command line. The JIT config never goes here. */
  bootArgs: string;
  /** The read-only base image, shared by every VM. */
  baseImage: string;
  /** The VM's own copy-on-write layer over the base image, created for it and deleted after it. */
  writableLayer: string;
  /** The per-VM config drive (a tar archive on a raw read-only disk) carrying the JIT config. */
  configDrive: string;
  /**
   * The warm disk (an ext4 image of one repository's baked state: its mirror and setup cache), shared
   * read-only by every VM; the guest mounts it at /var/lib/agentgate/warm. Third drive (/dev/vdc).
   */
  warmDisk?: string;
  vcpus: number;
  memoryMib: number;
  /** The guest's only routes out. Empty: no network at all. */
  egress: EgressForward[];
}

export interface BootResult {
  /** Exit code of the VM process (QEMU or Firecracker). */
  exitCode: number | null;
  timedOut: boolean;
  /** What the guest wrote to its serial console. */
  console: string;
  /** Milliseconds from launch to the first `AGENTGATE-INIT` line on the console (the guest's init ran). */
  initMs: number | undefined;
  /** Milliseconds from launch to the VM process ending. */
  totalMs: number;
}

/** What every backend does: boot a VM from a spec, wait for it to power off or time out. */
export interface Backend {
  readonly name: string;
  /** Whether hardware acceleration is in use ('kvm'), or software emulation ('tcg'). */
  readonly accel: string;
  /** How the VM's writable layer is made: a qcow2 overlay (default) or a raw sparse copy. */
  readonly layerFormat?: 'qcow2' | 'raw';
  boot(spec: VmSpec, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<BootResult>;
}

/** The line a guest's init prints first, so the host can time launch -> init. */
export const INIT_MARKER = 'AGENTGATE-INIT';
/** The prefix of the JSON line a guest prints with its result before it powers off. */
export const RESULT_MARKER = 'AGENTGATE-RESULT ';

/** The statement a booted image makes about its isolation (written to /etc/agentgate/isolation.json). */
export interface IsolationStatement {
  tier: 'microvm';
  backend: string;
  accel: string;
  ephemeral: true;
  imageDigest: string;
  vmId: string;
}
