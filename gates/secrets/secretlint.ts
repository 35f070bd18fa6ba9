// The embedded secrets engine: secretlint's recommended rules, called in-process one file at a time.
import { lintSource } from '@secretlint/core';
import { secretLintProfiler } from '@secretlint/profiler';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import type { SecretLintCoreConfig } from '@secretlint/types';
import type { EngineOutput, TextFile } from '../engine.js';
import type { RawFinding } from '../types.js';

/** The version of the rules bundled with agentgate; reported as the engine that ran. */
export const SECRETLINT_VERSION = '11.7.1';

const CONFIG: SecretLintCoreConfig = {
  rules: [
    {
      id: '@secretlint/secretlint-rule-preset-recommend',
      rule: recommended,
      // Access key IDs on their own are worth a finding: they pair with a secret kept elsewhere.
      rules: [{ id: '@secretlint/secretlint-rule-aws', options: { enableIDScanRule: true } }],
    },
  ],
};

// secretlint's profiler marks every rule run on the process-wide performance timeline and, for each
// mark, searches all the marks made before it: the cost grows with the square of the files scanned
// (2,000 files took 14 s, 20,000 never finished). agentgate does not read the profile, so no marks.
function disableProfiler(): void {
  secretLintProfiler.mark = () => {};
}

const RULE_PREFIX = '@secretlint/secretlint-rule-';

function ruleIdOf(ruleId: string, messageId: string | undefined): string {
  const short = ruleId.startsWith(RULE_PREFIX) ? ruleId.slice(RULE_PREFIX.length) : ruleId;
  return `secret-${short}${messageId ? `/${messageId}` : ''}`;
}

/** secretlint's messages quote the secret; keep the words, drop every value it carried. */
function safeMessage(message: string, values: string[]): string {
  let out = message;
  for (const v of values) if (v.length >= 4) out = out.split(v).join('[REDACTED]');
  return out.replace(/:\s*\[REDACTED\]\s*$/, '');
}

export async function scanWithSecretlint(files: readonly TextFile[]): Promise<EngineOutput> {
  disableProfiler();
  const findings: RawFinding[] = [];
  for (const file of files) {
    const result = await lintSource({
      source: { filePath: `/${file.path}`, content: file.content, contentType: 'text' },
      options: { config: CONFIG },
    });
    for (const m of result.messages) {
      const secret = file.content.slice(m.range[0], m.range[1]);
      const data = Object.values((m as { data?: Record<string, unknown> }).data ?? {}).filter(
        (v): v is string => typeof v === 'string',
      );
      findings.push({
        ruleId: ruleIdOf(m.ruleId, (m as { messageId?: string }).messageId),
        severity: 'critical',
        file: file.path,
        line: m.loc.start.line,
        endLine: m.loc.end.line,
        column: m.loc.start.column + 1,
        message: `Possible secret: ${safeMessage(m.message, [secret, ...data])}`,
        fix: 'Remove the secret from the change, rotate it, and read it from the environment or a secret store.',
        cwe: ['CWE-798'],
        secret,
      });
    }
  }
  return { engine: `secretlint ${SECRETLINT_VERSION}`, findings };
}
