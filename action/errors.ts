// Errors that end a run before or outside the loop, with the exit code they mean.

/** Bad flags, inputs, files or configuration: exit code 2. The message names what is at fault. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The issues of a failed zod parse on one line: `path: message; path: message`. */
export function formatIssues(e: {
  issues: readonly { path: readonly PropertyKey[]; message: string }[];
}): string {
  return e.issues.map((i) => `${i.path.map(String).join('.') || '(input)'}: ${i.message}`).join('; ');
}

export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  try {
    return typeof e === 'string' ? e : JSON.stringify(e);
  } catch {
    return String(e);
  }
}
