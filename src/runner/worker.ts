/**
 * A long-lived worker process of the sweep pool: takes one run at a time and reports progress to
 * the coordinator. Runs in its own process so a crash or an out-of-memory error takes down one
 * run, not the sweep.
 *
 * Stopping: SIGINT (Ctrl-C reaches every process of the terminal's group) or SIGUSR2 (the
 * coordinator passing on its own SIGINT/SIGTERM) stops the current run between two steps, flushed
 * and marked interrupted; a second SIGINT exits at once. SIGTERM keeps its default — immediate
 * exit — so the pool can always kill a worker stuck in user code (--run-timeout). A worker whose
 * coordinator died (kill -9) exits within 64 steps and writes nothing more, so a resumed sweep never
 * races an orphan.
 */
import { performance } from 'node:perf_hooks';
import workerpool from 'workerpool';
import type { RunConfig } from '../spec/types.js';
import { executeRun, type RunResult } from './execute-run.js';
import { executeRunPair } from './execute-run-pair.js';
import { lanesEnabled } from './run-groups.js';
import { canTrainInLanes } from '../train/train-lanes.js';
import { createYieldingStop } from './yielding-stop.js';

export type WorkerEvent =
  | { readonly type: 'start'; readonly id: string; readonly pid: number }
  | { readonly type: 'progress'; readonly id: string; readonly pid: number; readonly done: number };

const parent = process.ppid;
let stopRequested = false;
// Only a second SIGINT aborts, not a SIGINT after SIGUSR2: one Ctrl-C reaches this process twice —
// from the terminal, and passed on by the coordinator — and Node runs the handlers of two different
// signals in either order (measured: SIGUSR2 first in ~1 of 5 cases).
let sigints = 0;
process.on('SIGINT', () => {
  if (++sigints > 1) process.exit(130);
  stopRequested = true;
});
process.on('SIGUSR2', () => {
  stopRequested = true;
});
// process.ppid asks the kernel each time: it changes as soon as the coordinator is gone. An orphan
// exits at once and writes nothing more — not even interrupted.json: a resume started meanwhile
// may already be doing this run again in the same directory.
// The stop check runs every 64 steps; asking the kernel on each one was ~5% of a 10,000-step run's
// worker CPU (getppid is a real system call on this VM: 157 ms of a 2.7 s profile of 200 runs),
// so it is asked at most every PPID_CHECK_MS — an orphan still stops within a few milliseconds,
// long before a resume (a new process) could start.
const PPID_CHECK_MS = 5;
let ppidCheckedAt = -Infinity;
const stopNow = (): boolean => {
  const now = performance.now();
  if (now - ppidCheckedAt >= PPID_CHECK_MS) {
    ppidCheckedAt = now;
    if (process.ppid !== parent) process.exit(1);
  }
  return stopRequested;
};
const shouldStop = createYieldingStop(stopNow);

/** `timeoutMs`: a command run stops its own script at --run-timeout (the coordinator's kill of this worker is the backstop). */
const emit = (event: WorkerEvent) => workerpool.workerEmit(event);

async function runInWorker(config: RunConfig, runDir: string, timeoutMs?: number): Promise<RunResult> {
  emit({ type: 'start', id: config.id, pid: process.pid });
  return executeRun(config, runDir, {
    onProgress: (done) => emit({ type: 'progress', id: config.id, pid: process.pid, done }),
    shouldStop,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
}

/**
 * A group of runs (run-groups.ts), each written and reported as runInWorker would: two
 * consecutive runs that can share the SIMD lanes (train/train-lanes.ts) are trained together, the
 * others one after another. Null for the runs not started because the sweep is stopping.
 */
async function runGroupInWorker(configs: readonly RunConfig[], runDirs: readonly string[]): Promise<(RunResult | null)[]> {
  const results: (RunResult | null)[] = configs.map(() => null);
  for (let k = 0; k < configs.length;) {
    if (await shouldStop()) break;
    const [a, b] = [configs[k]!, configs[k + 1]];
    if (b !== undefined && lanesEnabled() && canTrainInLanes(a, b)) {
      for (const c of [a, b]) emit({ type: 'start', id: c.id, pid: process.pid });
      const pair = await executeRunPair([a, b], [runDirs[k]!, runDirs[k + 1]!], {
        // The lanes advance together: one count for both runs.
        onProgress: (done) => {
          for (const c of [a, b]) emit({ type: 'progress', id: c.id, pid: process.pid, done });
        },
        shouldStop,
      });
      [results[k], results[k + 1]] = pair;
      k += 2;
    } else {
      results[k] = await runInWorker(a, runDirs[k]!);
      k += 1;
    }
  }
  return results;
}

export const workerMethods = { runInWorker, runGroupInWorker };

workerpool.worker(workerMethods);
