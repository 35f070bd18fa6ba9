import { realpathSync } from 'node:fs';
import { formatIssues, UsageError } from '../errors.js';
import { authorize } from '../policy-gate.js';
import { BUILTIN_TOOLS } from '../tools/index.js';
import type { ToolPolicyNeeds } from '../tools/types.js';
import { parseFlags, requireFlag, subcommandArgs } from './args.js';
import { loadPolicyOption } from './policy-option.js';

export const POLICY_HELP = `Usage: agentgate policy explain --tool NAME --input JSON [--policy FILE] [--repo DIR] [--json]

A what-if evaluator for policy authors: prints whether the policy allows a tool call and the
rule that decided, with every check made on the way.

  --tool NAME     read_file, list_files, search, write_file, edit_file, run_command,
                  run_tests, or mcp__<server>__<tool>
  --input JSON    the tool input, e.g. '{"path": ".env"}' or '{"command": "curl x"}'
  --policy FILE   the policy file (default: the built-in pack, policies/default.yml)
  --repo DIR      the repository paths are resolved in (default: the current directory)
  --json          print the decision as JSON

Exit codes: 0 allowed, 1 denied, 2 usage or policy error.`;

function needsFor(tool: string, input: unknown): ToolPolicyNeeds {
  const builtin = BUILTIN_TOOLS.find((t) => t.name === tool);
  if (builtin) {
    const parsed = builtin.inputSchema.safeParse(input);
    if (!parsed.success) {
      throw new UsageError(`--input: not a valid input for ${tool}: ${formatIssues(parsed.error)}`);
    }
    return builtin.requests(parsed.data);
  }
  const m = /^mcp__([a-z0-9_-]+?)__(.+)$/i.exec(tool);
  if (m?.[1] && m[2]) return { mcp: { server: m[1], tool: m[2] } };
  throw new UsageError(
    `--tool: unknown tool '${tool}' (expected one of ${BUILTIN_TOOLS.map((t) => t.name).join(', ')}, or mcp__<server>__<tool>)`,
  );
}

export async function policyCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const rest = subcommandArgs('policy', 'explain', argv, POLICY_HELP, out);
  if (typeof rest === 'number') return rest;
  const { values } = parseFlags('policy explain', rest, {
    policy: { type: 'string' },
    tool: { type: 'string' },
    input: { type: 'string' },
    repo: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    out(POLICY_HELP);
    return 0;
  }
  const tool = requireFlag('tool', values.tool, 'a tool name');
  let input: unknown = {};
  if (values.input !== undefined) {
    try {
      input = JSON.parse(values.input);
    } catch (e) {
      throw new UsageError(`--input: expected JSON, e.g. '{"path": "src/a.ts"}' (${(e as Error).message})`);
    }
  }
  const loaded = await loadPolicyOption(values.policy);
  let repo: string;
  try {
    repo = realpathSync(values.repo ?? process.cwd());
  } catch {
    throw new UsageError(`--repo: '${values.repo}' does not exist`);
  }
  const decision = authorize(loaded.policy, repo, tool, needsFor(tool, input));
  if (values.json) {
    out(JSON.stringify({ policy: loaded.source, tool, input, ...decision }, null, 2));
  } else {
    out(`${decision.allowed ? 'ALLOW' : 'DENY'}  rule: ${decision.ruleId}`);
    out(`  ${decision.reason}`);
    out(`  policy: ${loaded.source}`);
    for (const c of decision.checks) {
      out(`  - ${c.allowed ? 'allow' : 'deny '} ${c.ruleId.padEnd(24)} ${JSON.stringify(c.request)}`);
    }
  }
  return decision.allowed ? 0 : 1;
}
