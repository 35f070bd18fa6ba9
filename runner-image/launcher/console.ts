// What the backends share about a VM process: the reduced environment it starts with, and the clock
// that times launch -> guest init from its console.
import { INIT_MARKER } from './types.js';

/** A VM process (QEMU, the jailer, qemu-img, socat) gets PATH and nothing else of the host's environment. */
export function childEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' };
}

/**
 * Times the first INIT_MARKER on a console fed chunk by chunk (the marker may straddle two chunks):
 * milliseconds from `started`, or undefined while it has not appeared.
 */
export function initMarkerClock(started: number, now: () => number = () => performance.now()) {
  let tail = '';
  let at: number | undefined;
  return {
    onChunk(chunk: string): void {
      if (at !== undefined) return;
      const seen = tail + chunk;
      if (seen.includes(INIT_MARKER)) at = now() - started;
      else tail = seen.slice(-(INIT_MARKER.length - 1));
    },
    get initMs(): number | undefined {
      return at;
    },
  };
}
