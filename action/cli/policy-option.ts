// `--policy FILE` for every command that takes one: the file, or the built-in pack; a policy that does not
// load is a usage error (exit 2) naming the file, line and field. Apart from `policy explain`, which needs
// the tools, so that `gates` and `run` load no more than they use.
import { type LoadedPolicy, loadDefaultPolicy, loadPolicyFile, PolicyError } from '../../policies/index.js';
import { UsageError } from '../errors.js';

export async function loadPolicyOption(file: string | undefined): Promise<LoadedPolicy> {
  if (file === undefined) return loadDefaultPolicy();
  try {
    return await loadPolicyFile(file);
  } catch (e) {
    if (e instanceof PolicyError) throw new UsageError(e.message);
    throw e;
  }
}
