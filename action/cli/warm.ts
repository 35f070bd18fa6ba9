// `agentgate warm`: bake one repository's warm state into a directory (a runner image's, or a runner's
// disk): its mirror and its setup's cache entry. Run it again on a schedule to keep it fresh; jobs borrow
// the mirror's objects and restore their setup from it (runner-image/README.md section 6).
import path from 'node:path';
import { messageOf, UsageError } from '../errors.js';
import { bake } from '../warm.js';
import { makeWarmDisk } from '../warm-disk.js';
import { parseFlags } from './args.js';
import { loadPolicyOption } from './policy-option.js';

export const WARM_HELP = `Usage: agentgate warm --repo URL|DIR --into DIR [options]

Bakes one repository's warm state into DIR: DIR/repo.git (a mirror), DIR/setup-cache (the setup's
directories for that commit's lockfiles) and DIR/warm.json. Run it again to refresh it (the mirror is
fetched, not cloned again). A job whose git borrows the mirror's objects
(GIT_ALTERNATE_OBJECT_DIRECTORIES=DIR/repo.git/objects, or 'git clone --reference DIR/repo.git URL')
fetches only the commits since the bake, and with AGENTGATE_WARM_DIR=DIR its setup is restored from
the bake when the lockfiles are unchanged.

  --repo URL|DIR   the repository to bake (required)
  --ref REF        the commit to bake (default HEAD: the default branch)
  --into DIR       the warm directory (required)
  --setup CMD      the setup command (default the policy's setup.command)
  --policy FILE    the policy (sandbox, setup network, cache paths); default the built-in pack
  --disk FILE      also pack DIR into FILE, an ext4 image a runner VM mounts read-only as its warm disk
                   (runner-image/README.md; needs mkfs.ext4)

Exit codes: 0 baked; 1 the clone, the setup or the disk failed; 2 bad input.`;

/** A repository as given on the command line: a URL (or scp-like address) as is, a directory made absolute. */
export function repoSource(value: string): string {
  return /^[\w+.-]+:\/\/|^[\w.-]+@/.test(value) ? value : path.resolve(value);
}

export interface WarmCommandDeps {
  out: (s: string) => void;
  err: (s: string) => void;
  env?: NodeJS.ProcessEnv;
}

export async function warmCommand(argv: string[], deps: WarmCommandDeps): Promise<number> {
  const { values } = parseFlags('warm', argv, {
    repo: { type: 'string' },
    ref: { type: 'string' },
    into: { type: 'string' },
    setup: { type: 'string' },
    policy: { type: 'string' },
    disk: { type: 'string' },
  });
  if (values.help) {
    deps.out(WARM_HELP);
    return 0;
  }
  if (!values.repo) throw new UsageError('--repo is required (the repository to bake: a URL or a directory)');
  if (!values.into) throw new UsageError('--into is required (the warm directory)');
  const policy = await loadPolicyOption(values.policy);
  if (!values.setup && !policy.policy.setup.command) {
    deps.err(
      "agentgate warm: no setup command (--setup or the policy's setup.command): only the mirror is baked",
    );
  }
  try {
    const m = await bake({
      source: repoSource(values.repo),
      ref: values.ref ?? 'HEAD',
      into: path.resolve(values.into),
      policy,
      ...(values.setup ? { setupCommand: values.setup } : {}),
      env: deps.env ?? process.env,
      log: (l) => deps.err(l),
    });
    if (values.disk) {
      const bytes = await makeWarmDisk(
        path.resolve(values.into),
        path.resolve(values.disk),
        deps.env ?? process.env,
      );
      deps.err(`warm disk: ${path.resolve(values.disk)} (${Math.round(bytes / 2 ** 20)} MiB)`);
    }
    deps.out(
      `baked ${m.repository} at ${m.commit.slice(0, 12)} into ${path.resolve(values.into)}${m.setup ? ` (setup ${m.setup.durationMs} ms${m.setup.cacheKey ? `, cache key ${m.setup.cacheKey}` : ', nothing cached: see setup.cache.paths'})` : ''}`,
    );
    return 0;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    deps.err(`agentgate warm: ${messageOf(e)}`);
    return 1;
  }
}
