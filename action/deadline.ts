// The session's wall-clock deadline: one absolute time on one clock, and a signal that fires at it. Every
// wait in the session (model calls, tools, test runs, MCP calls) is cut to the time it leaves, and nothing
// is waited for long after it.

/** Milliseconds since some fixed point (injected for tests; default performance.now). */
export type Clock = () => number;

export const defaultClock: Clock = () => performance.now();

/** What a command cut by the deadline says in its result. */
export const DEADLINE_STOP_NOTE = "stopped: the session's time budget ran out";

export interface Deadline {
  /** When the time budget runs out, on `clock`'s scale. */
  at: number;
  clock: Clock;
  /** Fires at `at`. */
  signal: AbortSignal;
  /** Stops the timer; the signal then fires no more. */
  dispose(): void;
}

/** Starts the timer of a deadline at `at` (on `clock`'s scale). Call dispose() when the session ends. */
export function startDeadline(at: number, clock: Clock = defaultClock): Deadline {
  const ac = new AbortController();
  const fire = () => ac.abort(new Error(DEADLINE_STOP_NOTE));
  const ms = at - clock();
  let timer: NodeJS.Timeout | undefined;
  if (ms <= 0) fire();
  else timer = setTimeout(fire, Math.ceil(ms));
  return { at, clock, signal: ac.signal, dispose: () => clearTimeout(timer) };
}

/** Where a deadline is carried (a ToolContext). */
export interface DeadlineView {
  deadline?: number;
  clock?: Clock;
}

/** Milliseconds left before the deadline (Infinity without one; negative once it has passed). */
export function timeLeftMs(d: DeadlineView): number {
  return d.deadline === undefined ? Number.POSITIVE_INFINITY : d.deadline - (d.clock ?? defaultClock)();
}

/** `ms` cut to the time left; `cut` when the deadline, not `ms`, is the bound. */
export function boundByDeadline(ms: number, d: DeadlineView): { ms: number; cut: boolean } {
  const left = Math.floor(timeLeftMs(d));
  return left < ms ? { ms: Math.max(0, left), cut: true } : { ms, cut: false };
}

export type Settled<T> = { ok: true; value: T } | { ok: false };

/** Waits at most `ms` for `work`; a rejection passes through. When it is left running, its later rejection is ignored. */
export function within<T>(work: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false }), Math.max(0, ms));
  });
  work.catch(() => {});
  return Promise.race([work.then((value): Settled<T> => ({ ok: true, value })), late]).finally(() =>
    clearTimeout(timer),
  );
}

/** Waits for `work` until `signal` fires, then at most `settleMs` more (for its own kill to land). */
export function untilAborted<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  settleMs: number,
): Promise<Settled<T>> {
  if (!signal) return work.then((value) => ({ ok: true, value }));
  const wrapped = work.then((value): Settled<T> => ({ ok: true, value }));
  wrapped.catch(() => {});
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<Settled<T>>((resolve) => {
    onAbort = () => resolve(within(work, settleMs));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([wrapped, aborted]).finally(() => {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  });
}
