// The environment of a sandboxed command: built from an allowlist, never inherited. Credentials the
// action itself holds are never passed, whatever the allowlist says.

/** Names that never reach a command, matched case-insensitively. */
export const NEVER_PASSED_NAMES: readonly string[] = [
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
];

/**
 * Prefixes that never reach a command, matched case-insensitively: the runner's own tokens and URLs
 * (ACTIONS_RUNTIME_TOKEN, ACTIONS_ID_TOKEN_REQUEST_TOKEN, ...) and the action's inputs, which is how
 * a key given with `with:` arrives (INPUT_ANTHROPIC-API-KEY).
 */
export const NEVER_PASSED_PREFIXES: readonly string[] = ['ACTIONS_', 'INPUT_'];

/** True for a name that is never passed to a command, whatever the allowlist or `isSecret` say. */
export function isNeverPassed(name: string): boolean {
  const upper = name.toUpperCase();
  return NEVER_PASSED_NAMES.includes(upper) || NEVER_PASSED_PREFIXES.some((p) => upper.startsWith(p));
}

/** An allowlist entry is an exact name, or a prefix ending in '*' ('NPM_CONFIG_*'; '*' alone allows all). */
export function isAllowed(name: string, allow: readonly string[]): boolean {
  for (const entry of allow) {
    if (entry.endsWith('*') ? name.startsWith(entry.slice(0, -1)) : name === entry) return true;
  }
  return false;
}

/**
 * The complete environment of a command: the variables of `base` that `allow` names, then `extra`
 * (which wins). A name `isSecret` flags, or one of the never-passed credentials, is dropped from both:
 * the secret check wins over the allowlist.
 */
export function buildCommandEnv(
  base: NodeJS.ProcessEnv,
  allow: string[],
  isSecret: (name: string) => boolean,
  extra: Record<string, string> = {},
): Record<string, string> {
  const passes = (name: string) =>
    name !== '' && !name.includes('=') && !isNeverPassed(name) && !isSecret(name);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && isAllowed(name, allow) && passes(name)) env[name] = value;
  }
  for (const [name, value] of Object.entries(extra)) {
    if (passes(name)) env[name] = value;
  }
  return env;
}
