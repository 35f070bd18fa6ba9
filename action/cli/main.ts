// The CLI's one orchestrator: dispatch a command, map errors to exit codes and clear messages. Each
// command's module is loaded only when it runs, so `--help` or `gates` never pay for the agent's SDKs.
import { VERSION } from '../constants.js';
import { messageOf, UsageError } from '../errors.js';
import type { RunCommandDeps } from './run.js';

export const MAIN_HELP = `agentgate ${VERSION} — a governed coding agent for CI

Usage: agentgate <command> [options]

Commands:
  run              run the agent on a task in a private clone, on a new branch
  gates            run the gates (secrets, SAST, SBOM, dependencies, policy) on a change
  policy explain   show whether a policy allows a tool call, and which rule decided
  trace verify     check the hash chain of a session trace
  runner           run one-job runner microVMs on this host (probe, launch)
  flaky            find flaky tests and confirm them by rerunning them alone
  warm             bake a repository's mirror and setup cache for warm jobs

Run 'agentgate <command> --help' for a command's options.`;

export async function main(argv: string[], deps: RunCommandDeps): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case undefined:
        deps.err(MAIN_HELP);
        return 2;
      case '--help':
      case '-h':
      case 'help':
        deps.out(MAIN_HELP);
        return 0;
      case '--version':
        deps.out(VERSION);
        return 0;
      case 'run':
        return await (await import('./run.js')).runCommand(rest, deps);
      case 'gates':
        return await (await import('./gates.js')).gatesCommand(rest, deps);
      case 'policy':
        return await (await import('./policy.js')).policyCommand(rest, deps.out);
      case 'trace':
        return await (await import('./trace.js')).traceCommand(rest, deps.out);
      case 'runner':
        return await (await import('./runner.js')).runnerCommand(rest, deps);
      case 'warm':
        return await (await import('./warm.js')).warmCommand(rest, deps);
      case 'flaky':
        return await (await import('./flaky.js')).flakyCommand(rest, deps);
      default:
        throw new UsageError(`unknown command '${cmd}'. Run 'agentgate --help' for the list.`);
    }
  } catch (e) {
    deps.err(`agentgate: error: ${messageOf(e)}`);
    return 2;
  }
}
