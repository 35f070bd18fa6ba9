// Turns one tool call into policy requests and decides it: path containment first, then the policy,
// deny-first. The same function serves the loop and `agentgate policy explain`.
import {
  type Decision,
  evaluate,
  PATH_CONTAINMENT_RULE,
  type Policy,
  type PolicyRequest,
} from '../policies/index.js';
import { resolveInside } from './guards/paths.js';
import type { ToolPolicyNeeds } from './tools/types.js';

export interface GateDecision {
  allowed: boolean;
  /** The rule that decided: the first denial, or the last allow. */
  ruleId: string;
  reason: string;
  /** Every check made, in order. */
  checks: Decision[];
}

export function authorize(
  policy: Policy,
  workDir: string,
  tool: string,
  needs: ToolPolicyNeeds,
): GateDecision {
  const checks: Decision[] = [];
  const deny = (d: Decision): GateDecision => ({
    allowed: false,
    ruleId: d.ruleId,
    reason: d.reason,
    checks,
  });
  const check = (req: PolicyRequest): Decision => {
    const d = evaluate(policy, req);
    checks.push(d);
    return d;
  };

  const t = check({ kind: 'tool', tool });
  if (!t.allowed) return deny(t);
  for (const [kind, paths] of [
    ['read', needs.read ?? []],
    ['write', needs.write ?? []],
  ] as const) {
    for (const p of paths) {
      const r = resolveInside(workDir, p);
      if (!r.ok) {
        const d: Decision = {
          allowed: false,
          ruleId: PATH_CONTAINMENT_RULE,
          reason: r.reason,
          request: { kind, path: p },
        };
        checks.push(d);
        return deny(d);
      }
      const d = check({ kind, path: r.rel });
      if (!d.allowed) return deny(d);
    }
  }
  if (needs.command !== undefined) {
    const d = check({ kind: 'command', command: needs.command });
    if (!d.allowed) return deny(d);
  }
  if (needs.mcp) {
    const d = check({ kind: 'mcp', server: needs.mcp.server, tool: needs.mcp.tool });
    if (!d.allowed) return deny(d);
  }
  const last = checks[checks.length - 1] ?? t;
  return { allowed: true, ruleId: last.ruleId, reason: last.reason, checks };
}
