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

/**
 * What a worker tells the coordinator during a task, one message for the runs trained together (a
 * pair): IPC messages cost a pipe write and a wake-up of the coordinator each, which for short runs
 * is a measurable part of a run's cost on this VM.
 */
export type WorkerEvent =
  /** `unit`: in a group, the runs trained together share one, counting up; the last one is the one training. */
  | { readonly type: 'start'; readonly ids: readonly string[]; readonly pid: number; readonly unit?: number }
  | { readonly type: 'progress'; readonly ids: readonly string[]; readonly pid: number; readonly done: number }
  /** In a group: the runs' files are written (summary.json durable) — reported at once, not at the group's end. */
  | { readonly type: 'end'; readonly results: readonly RunResult[]; readonly pid: number };

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
  emit({ type: 'start', ids: [config.id], pid: process.pid });
  return executeRun(config, runDir, {
    onProgress: (done) => emit({ type: 'progress', ids: [config.id], pid: process.pid, done }),
    shouldStop,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
}

/**
 * A group of runs (run-groups.ts), each written as runInWorker would write it and reported (an
 * `end` event) as soon as its files are: two consecutive runs that can share the SIMD lanes
 * (train/train-lanes.ts) are trained together, the others one after another. Null for the runs
 * not started because the sweep is stopping.
 *
 * A pair's files are made durable while the next pair trains: its steps.csv, final-params.json and
 * summary.json wait for their fsyncs on the thread pool (io/atomic-write.ts) instead of holding the
 * worker — measured on this VM's disk, ~1.8 ms of fsync waits a run against ~7 ms of training for
 * 10,000 steps. summary.json still appears only once the run's other files are durable, and the
 * group ends only when every run's have been written.
 */
async function runGroupInWorker(configs: readonly RunConfig[], runDirs: readonly string[]): Promise<(RunResult | null)[]> {
  const results: (RunResult | null)[] = configs.map(() => null);
  // Runs whose files are still being written, while the next ones train.
  const writing: Promise<void>[] = [];
  const ended = (k: number, unitResults: readonly RunResult[]): void => {
    unitResults.forEach((r, i) => (results[k + i] = r));
    emit({ type: 'end', results: unitResults, pid: process.pid });
  };
  let unit = 0;
  // A throw (a run that could not even start: its directory, say) is passed on only once every
  // earlier run's files are written, so that no write is still going on when the coordinator
  // looks at the disk.
  let thrown: { readonly error: unknown } | null = null;
  try {
    for (let k = 0; k < configs.length;) {
      if (await shouldStop()) break;
      const [a, b] = [configs[k]!, configs[k + 1]];
      unit++;
      const unitRuns = b !== undefined && lanesEnabled() && canTrainInLanes(a, b) ? [a, b] : [a];
      const ids = unitRuns.map((c) => c.id);
      emit({ type: 'start', ids, pid: process.pid, unit });
      const hooks = {
        // The lanes advance together: one count for both runs. The last count is left to the end
        // event, which follows it at once (one message fewer a run: short runs are many).
        onProgress: (count: number) => {
          if (count < a.steps) emit({ type: 'progress', ids, pid: process.pid, done: count });
        },
        shouldStop,
      };
      if (unitRuns.length === 2) {
        let trained = (): void => {};
        const trainedNow = new Promise<void>((resolve) => (trained = resolve));
        const at = k;
        const done = executeRunPair([a, b!], [runDirs[k]!, runDirs[k + 1]!], { ...hooks, onTrained: trained }).then((pair) => ended(at, pair));
        writing.push(done);
        // On to the next pair once this one has trained (or, if it never says so — a failure —, once it is done).
        await Promise.race([trainedNow, done]);
      } else {
        ended(k, [await executeRun(a, runDirs[k]!, hooks)]);
      }
      k += unitRuns.length;
    }
  } catch (error) {
    thrown = { error };
  }
  const settled = await Promise.allSettled(writing);
  if (thrown !== null) throw thrown.error;
  const failure = settled.find((s) => s.status === 'rejected');
  if (failure) throw failure.reason;
  return results;
}

export const workerMethods = { runInWorker, runGroupInWorker };

workerpool.worker(workerMethods);
