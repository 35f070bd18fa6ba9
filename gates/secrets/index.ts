// The secrets gate: gitleaks when it is on PATH (or required by the policy), else agentgate's own engine
// in-process (gitleaks' rule model with RE2 semantics, agentgate's pack or the repository's
// .gitleaks.toml); the policy's own patterns run with either engine.

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
  /** Use the embedded engine even when gitleaks is on PATH (unless the policy requires gitleaks). */
  embeddedOnly?: boolean;
  /**
   * The repository's gitleaks configuration (.gitleaks.toml) as it is at the BASE commit, for the
   * embedded engine: never the change's own copy, or the change could weaken its own scan.
   * `[extend] useDefault = true` adds to agentgate's pack; without it the file replaces the pack.
   */
  repoConfig?: { text: string; path: string };
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

/** The embedded engine on files, with the repository's configuration or agentgate's pack. */
export async function scanEmbeddedSecrets(
  files: readonly TextFile[],
  repoConfig?: SecretsOptions['repoConfig'],
): Promise<EngineOutput> {
  // The rules and re2js load only when this engine is the one that runs.
  const [
    { defaultSecretsConfig, loadGitleaksConfig, SecretsConfigError },
    { scanEmbedded, EMBEDDED_SECRETS_ENGINE },
  ] = await Promise.all([import('./rules.js'), import('./scan.js')]);
  try {
    const config = repoConfig ? loadGitleaksConfig(repoConfig.text, repoConfig.path) : defaultSecretsConfig();
    return scanEmbedded(files, config);
  } catch (e) {
    if (e instanceof SecretsConfigError) throw new EngineError(EMBEDDED_SECRETS_ENGINE, e.message);
    throw e;
  }
}

export async function scanSecrets(files: readonly TextFile[], opts: SecretsOptions): Promise<EngineOutput> {
  const choice = opts.policy.engine;
  // 'secretlint' is the embedded engine's former name.
  const embedded = choice === 'embedded' || choice === 'secretlint';
  let output: EngineOutput;
  const skip = embedded || (opts.embeddedOnly && choice !== 'gitleaks');
  const gitleaks = skip ? undefined : await findOnPath('gitleaks', opts.env.PATH);
  if (gitleaks !== undefined) {
    output = await scanWithGitleaks(gitleaks, files, {
      timeoutMs: opts.timeoutMs,
      env: opts.env,
      repoConfig: opts.repoConfig,
    });
  } else if (choice === 'gitleaks') {
    throw new EngineError(
      'gitleaks',
      'the policy requires gitleaks (gates.secrets.engine: gitleaks) but it is not on PATH; install it or set the engine to auto',
    );
  } else {
    output = await scanEmbeddedSecrets(files, opts.repoConfig);
  }
  const extra = scanPatterns(files, opts.policy.patterns);
  return { engine: output.engine, findings: [...output.findings, ...extra] };
}
