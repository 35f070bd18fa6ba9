// A work tree's sandbox as the policy sets it: its mode, network, toolchains and environment; the tree
// writable but for .git. One place for the session, the flaky hunt and the bake.
import path from 'node:path';
import { isSecretEnvName, type Policy } from '../../policies/index.js';
import type { SandboxConfig } from './index.js';

export function sandboxConfigFor(
  policy: Policy,
  where: { workDir: string; tmpDir?: string; neverShown: readonly string[]; env: NodeJS.ProcessEnv },
): SandboxConfig {
  return {
    workDir: where.workDir,
    ...(where.tmpDir ? { tmpDir: where.tmpDir } : {}),
    mode: policy.sandbox,
    allowedDomains: policy.network.allowedDomains,
    denyRead: [],
    denyWrite: [path.join(where.workDir, '.git')],
    toolchains: policy.toolchains,
    neverShown: where.neverShown,
    envAllow: policy.env.allow,
    isSecretEnv: (n) => isSecretEnvName(policy, n),
    baseEnv: where.env,
  };
}
