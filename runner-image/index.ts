// The microVM launcher, as the action's `agentgate runner` uses it: the backends (QEMU, Firecracker), the
// JIT runner configs, one VM's launch and the warm pool, and the egress proxy. The only file of
// runner-image/ that other folders may import; runner-image/ itself imports only lib/.

export { ENGINE_RELEASES, type EngineRelease, type Platform } from './engines.js';
export { defaultAllowlist, startEgressProxy } from './launcher/egress-proxy.js';
export { firecrackerBackend } from './launcher/firecracker.js';
export { DEFAULT_LABELS, generateJitConfig, type RunnerScope } from './launcher/jit.js';
export { launchVm, type RunnerImage } from './launcher/launch.js';
export { runPool } from './launcher/pool.js';
export { probeKvm, qemuBackend } from './launcher/qemu.js';
export type { Backend, EgressForward } from './launcher/types.js';
