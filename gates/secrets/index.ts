// The secrets gate: gitleaks when it is on PATH (or required by the policy), else secretlint in-process;
// the policy's own patterns run with either engine.

import { findOnPath } from '../../lib/exec.js';
import type { GatesPolicy } from '../../policies/index.js';
import { EngineError, type EngineOutput, type TextFile } from '../engine.js';
import type { RawFinding } from '../types.js';
import { scanWithGitleaks } from './gitleaks.js';

export { GITLEAKS_LEAKS_EXIT, gitleaksArgs, parseGitleaksReport, parseGitleaksVersion } from './gitleaks.js';

export interface SecretsOptions {
  policy: GatesPolicy['secrets'];
  timeoutMs: number;
  /** Environment for external engines; its PATH decides whether gitleaks is used. */
  env: NodeJS.ProcessEnv;
  /** Use secretlint even when gitleaks is on PATH (unless the policy requires gitleaks). */
  embeddedOnly?: boolean;
}

/** The policy's extra patterns, matched line by line. */
export function scanPatterns(
  files: readonly TextFile[],
  patterns: GatesPolicy['secrets']['patterns'],
): RawFinding[] {
  if (patterns.length === 0) return [];
  const compiled = patterns.map((p) => ({ ...p, re: new RegExp(p.regex, 'g') }));
  const findings: RawFinding[] = [];
  for (const file of files) {
    const lines = file.content.split('\n');
    lines.forEach((text, index) => {
      for (const p of compiled) {
        p.re.lastIndex = 0;
        for (let m = p.re.exec(text); m !== null; m = p.re.exec(text)) {
          if (m[0] === '') {
            p.re.lastIndex++;
            continue;
          }
          findings.push({
            ruleId: `secret-pattern/${p.id}`,
            severity: p.severity,
            file: file.path,
            line: index + 1,
            column: m.index + 1,
            message: `Possible secret: ${p.description ?? `matches the policy's pattern ${p.id}`}`,
            fix: 'Remove the secret from the change, rotate it, and read it from the environment or a secret store.',
            cwe: ['CWE-798'],
            secret: m[0],
          });
        }
      }
    });
  }
  return findings;
}

export async function scanSecrets(files: readonly TextFile[], opts: SecretsOptions): Promise<EngineOutput> {
  const choice = opts.policy.engine;
  let output: EngineOutput;
  const skip = choice === 'secretlint' || (opts.embeddedOnly && choice !== 'gitleaks');
  const gitleaks = skip ? undefined : await findOnPath('gitleaks', opts.env.PATH);
  if (gitleaks !== undefined) {
    output = await scanWithGitleaks(gitleaks, files, { timeoutMs: opts.timeoutMs, env: opts.env });
  } else if (choice === 'gitleaks') {
    throw new EngineError(
      'gitleaks',
      'the policy requires gitleaks (gates.secrets.engine: gitleaks) but it is not on PATH; install it or set the engine to auto',
    );
  } else {
    // secretlint and its rules load only when it is the engine that runs.
    output = await (await import('./secretlint.js')).scanWithSecretlint(files);
  }
  const extra = scanPatterns(files, opts.policy.patterns);
  return { engine: output.engine, findings: [...output.findings, ...extra] };
}
