// No output of the gates carries a secret the scan found: every string of the report is scrubbed of
// the values before anything is rendered or written.

export const REDACTED = '[REDACTED]';

/** Shorter values are not scrubbed: they would mangle ordinary text and are not credentials. */
const MIN_SECRET_LENGTH = 6;

export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets)
    if (s.length >= MIN_SECRET_LENGTH && out.includes(s)) out = out.split(s).join(REDACTED);
  return out;
}

/** A deep copy of `value` with every string scrubbed. */
export function scrubDeep<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return scrubText(v, secrets);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}

/** The secret values, longest first so a value containing another is replaced whole. */
export function secretValues(values: Iterable<string | undefined>): string[] {
  const set = new Set<string>();
  for (const v of values) if (v && v.length >= MIN_SECRET_LENGTH) set.add(v);
  return [...set].sort((a, b) => b.length - a.length);
}
