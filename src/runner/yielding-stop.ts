/**
 * The stop check of a run (executeRun's shouldStop) for a process that must see signals during
 * it: the training loop is synchronous, so a signal handler only runs when the event loop turns.
 */
import { performance } from 'node:perf_hooks';

/** Time between two turns of the event loop during a run (ms): how late a Ctrl-C may be seen. */
const YIELD_MS = 25;

/** `stop()` on every call, and every YIELD_MS first a turn of the event loop (then a promise). */
export function createYieldingStop(stop: () => boolean): () => boolean | Promise<boolean> {
  let last = performance.now();
  return () => {
    if (stop()) return true;
    const now = performance.now();
    if (now - last < YIELD_MS) return false;
    last = now;
    return new Promise((resolve) => setImmediate(() => resolve(stop())));
  };
}
