// A warm pool: `size` runner VMs booted and waiting for a job at all times. Each VM's runner takes
// exactly one job and the VM is destroyed after it; the pool then boots a replacement, so a job
// never lands on a machine another job has touched.

export interface PoolOptions<R> {
  size: number;
  /** Boots one VM and resolves when it has powered off and been destroyed. */
  launch: (slot: number) => Promise<R>;
  /** Stop after this many VMs in all (default: until the signal aborts). */
  maxVms?: number;
  signal?: AbortSignal;
  onExit?: (slot: number, result: R) => void;
  onError?: (slot: number, error: unknown) => void;
  /** Wait after a failed launch before the slot tries again; doubles up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface PoolSummary<R> {
  launched: number;
  failed: number;
  results: R[];
  /** The most VMs that were up at once. */
  peak: number;
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

export async function runPool<R>(o: PoolOptions<R>): Promise<PoolSummary<R>> {
  if (!Number.isInteger(o.size) || o.size < 1)
    throw new Error(`pool size: expected a whole number >= 1, got ${o.size}`);
  const sleep = o.sleep ?? defaultSleep;
  const summary: PoolSummary<R> = { launched: 0, failed: 0, results: [], peak: 0 };
  let up = 0;
  const more = () => !o.signal?.aborted && (o.maxVms === undefined || summary.launched < o.maxVms);

  const slot = async (n: number) => {
    let backoff = o.backoffMs ?? 1000;
    while (more()) {
      summary.launched++;
      up++;
      summary.peak = Math.max(summary.peak, up);
      try {
        const r = await o.launch(n);
        summary.results.push(r);
        o.onExit?.(n, r);
        backoff = o.backoffMs ?? 1000;
      } catch (e) {
        summary.failed++;
        o.onError?.(n, e);
        await sleep(backoff, o.signal);
        backoff = Math.min(backoff * 2, o.maxBackoffMs ?? 30_000);
      } finally {
        up--;
      }
    }
  };
  await Promise.all(Array.from({ length: o.size }, (_, i) => slot(i)));
  return summary;
}
