/**
 * Runs every run of a sweep in a pool of long-lived worker processes (workerpool), `jobs` at a
 * time. A run that throws is recorded as failed by the worker itself; a worker that dies (killed,
 * out of memory, exit) or hangs past the run timeout fails only the run it held — the
 * coordinator records it and the pool replaces the worker.
 *
 * The coordinator hands a run to the pool only when a worker is free (its own queue, not
 * workerpool's), so stopping the sweep is just not handing out more: an interruption never has to
 * cancel a task that may already be starting.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import workerpool from 'workerpool';
import { clearRunDir, writeRunSummary } from '../io/run-files.js';
import { readRunSummary } from '../io/read-run-summary.js';
import { planRunGroups } from './run-groups.js';
import { runDirOf, runFiles } from '../results/layout.js';
import type { RunConfig } from '../spec/types.js';
import type { RunSummary } from '../results/summary-file.js';
import type { InterruptedRun, RunResult } from './execute-run.js';
import { failedSummary } from './failed-summary.js';
import type { WorkerEvent } from './worker.js';
import { resolveEngine } from '../engine/create-oracle.js';
import { STOP_GRACE_MS } from '../engine/command/command-child.js';

export interface SweepEvents {
  /** A worker took a run; `slot` is a stable display index in [0, jobs). */
  readonly onRunStart?: (id: string, slot: number) => void;
  readonly onRunProgress?: (id: string, slot: number, stepsDone: number) => void;
  readonly onRunEnd?: (id: string, slot: number | null, result: RunResult) => void;
  /** Something a worker printed (a user module's console output, a fatal error), a line at a time. */
  readonly onWorkerOutput?: (id: string, line: string) => void;
}

export interface WorkerPoolOptions {
  /** V8 heap limit of each worker in MB (--max-old-space-size); undefined: Node's default. */
  readonly workerMemoryMb?: number;
  /**
   * Workers to start now (at most `jobs`), before any run is handed out: their boot (~0.3 s each
   * on a 2-core VM: Node, then the worker's modules) overlaps what the caller still has to do
   * before its first run. 0 (the default): each starts with its first run.
   */
  readonly startNow?: number;
}

/** A run the sweep never started because it was interrupted first. */
export interface NotStartedRun {
  readonly status: 'not-started';
  readonly id: string;
}

export type SweepRunResult = RunResult | NotStartedRun;

const workerScript = fileURLToPath(new URL('./worker.js', import.meta.url));

/** The sweep's worker processes: long-lived, one run at a time each. */
export interface WorkerPool {
  readonly jobs: number;
  /** Stop handing out runs; ask the running ones to stop between two steps (they come back interrupted). */
  interrupt(): void;
  /** Kill every worker now (a second Ctrl-C). */
  abort(): void;
  /** The pids of the worker processes alive now. */
  pids(): number[];
  /** Stops every worker (waits for them to exit). */
  terminate(): Promise<void>;
}

interface PoolState extends WorkerPool {
  readonly pool: workerpool.Pool;
  /** Running run id → the pid of its worker. */
  readonly running: Map<string, number>;
  stopping: boolean;
}

/**
 * A pool of at most `jobs` worker processes, `options.startNow` of them started at once, the others
 * when a run is handed out and no started one is free, so a sweep with fewer runs than `jobs`
 * starts only as many as it has runs. Create it after everything has been checked: a sweep that
 * is refused must not have started (and paid for) a single process.
 */
export function createWorkerPool(jobs: number, options: WorkerPoolOptions = {}): WorkerPool {
  const pool = workerpool.pool(workerScript, {
    workerType: 'process',
    maxWorkers: jobs,
    // Worker output comes through the coordinator (above the progress bars, and kept to explain a crash).
    emitStdStreams: true,
    forkOpts: {
      // Structured-clone IPC keeps NaN and ±Infinity in the summaries workers send back (JSON would make them null).
      serialization: 'advanced',
      // A larger young generation: fewer scavenges for tfjs's short-lived objects (see bin/mo-train.js).
      execArgv: ['--max-semi-space-size=32', ...(options.workerMemoryMb !== undefined ? [`--max-old-space-size=${options.workerMemoryMb}`] : [])],
    },
  });
  const state: PoolState = {
    jobs,
    pool,
    running: new Map(),
    stopping: false,
    interrupt() {
      state.stopping = true;
      for (const pid of state.running.values()) signal(pid, 'SIGUSR2');
    },
    abort() {
      state.stopping = true;
      for (const pid of state.pids()) signal(pid, 'SIGKILL');
    },
    pids() {
      // workerpool keeps its WorkerHandlers in `workers`, each with the ChildProcess as `worker`.
      const handlers = (pool as unknown as { workers?: Array<{ worker?: { pid?: number } | null }> }).workers ?? [];
      const pids = new Set<number>(state.running.values());
      for (const h of handlers) if (typeof h.worker?.pid === 'number') pids.add(h.worker.pid);
      return [...pids];
    },
    terminate: async () => void (await pool.terminate()),
  };
  // workerpool starts a worker for a task when none is free: one task per worker started, and
  // `methods` (workerpool's own: the worker's method names) does nothing but wait for its boot.
  // (Its minWorkers would start them too, but would also restart every worker that dies — killed
  // by a second Ctrl-C included.) A worker that cannot boot fails the first run given to the
  // next one, as it would have without this: the error here is not the run's to report.
  for (let i = 0; i < Math.min(jobs, options.startNow ?? 0); i++) pool.exec('methods', []).catch(() => {});
  return state;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Past a command run's own timeout, the time its script has to be stopped (SIGTERM, then SIGKILL after the grace) before its worker is killed. */
const COMMAND_TIMEOUT_BACKSTOP_MS = STOP_GRACE_MS + 5000;

export interface SweepRunOptions {
  /** A run still going after this many ms is killed and recorded as failed. */
  readonly runTimeoutMs?: number;
}

export async function runSweepRuns(
  workers: WorkerPool,
  runs: readonly RunConfig[],
  outDir: string,
  events: SweepEvents = {},
  options: SweepRunOptions = {},
): Promise<SweepRunResult[]> {
  const state = workers as PoolState;
  const { pool, jobs } = state;
  const slots: (string | null)[] = Array.from({ length: jobs }, () => null);
  const slotOf = new Map<string, number>();
  const takeSlot = (id: string): number => {
    let s = slots.indexOf(null);
    if (s < 0) s = slots.length; // more concurrent runs than slots cannot happen, but never lose a run
    slots[s] = id;
    slotOf.set(id, s);
    return s;
  };

  const results: SweepRunResult[] = runs.map((r) => ({ status: 'not-started', id: r.id }));
  // Groups of runs handed to a worker at once (planRunGroups: short runs in batches), front first;
  // the runs of a group a dead worker never started come back to the front.
  const queue: number[][] = planRunGroups(runs, jobs).map((g) => [...g]);
  const requeuedOnce = new Set<string>();
  const runGroup = async (indices: readonly number[]): Promise<void> => {
    const configs = indices.map((i) => runs[i]!);
    const dirs = configs.map((c) => runDirOf(outDir, c.id));
    // The last lines the worker printed: what explains a crash (e.g. V8's "heap out of memory").
    const tail: string[] = [];
    // --run-timeout counts from the moment the worker starts a run (not from the hand-over, which
    // for a fresh worker includes its boot); past it the worker is killed and the run fails.
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    // A group's runs share their worker's bar; `current` is the run its output belongs to.
    let groupSlot: number | null = null;
    let current = configs[0]!.id;
    const startedAt = new Map<string, number>();
    // Which runs a group's worker trains together (`unit`), and the latest: the runs of earlier
    // units had finished training, only their files were still being written.
    const unitOf = new Map<string, number>();
    let lastUnit = 0;
    const kOf = new Map(configs.map((c, k) => [c.id, k]));
    // Runs reported already (their `end` event): their result is in, whatever happens next.
    const reported = new Set<string>();
    const report = (k: number, result: RunResult): void => {
      const config = configs[k]!;
      if (reported.has(config.id)) return;
      reported.add(config.id);
      state.running.delete(config.id);
      results[indices[k]!] = result;
      slotOf.delete(config.id);
      // The bar shows this run only while no later one of the group has started on it.
      const onBar = startedAt.has(config.id) && (unitOf.get(config.id) ?? 0) === lastUnit;
      events.onRunEnd?.(config.id, onBar ? groupSlot : null, result);
    };
    const handedOver = performance.now();
    // A command run times itself out — its script stopped, steps.csv and output.log kept — so the
    // kill of its worker waits a little longer, as a backstop. (Command runs are never grouped.)
    const selfTimed = configs.length === 1 && configs[0]!.experiment.kind === 'command' && options.runTimeoutMs !== undefined;
    let returned: (RunResult | null)[] | null = null;
    let death: unknown = null;
    try {
      const [method, args]: [string, unknown[]] =
        configs.length === 1
          ? ['runInWorker', selfTimed ? [configs[0], dirs[0], options.runTimeoutMs] : [configs[0], dirs[0]]]
          : ['runGroupInWorker', [configs, dirs]];
      const task = pool.exec(method, args, {
        on: (event: WorkerEvent | { stdout?: string; stderr?: string }) => {
          if ('type' in event) {
            if (event.type === 'start') {
              for (const id of event.ids) {
                state.running.set(id, event.pid);
                startedAt.set(id, performance.now());
                current = id;
                if (event.unit !== undefined) {
                  unitOf.set(id, event.unit);
                  lastUnit = Math.max(lastUnit, event.unit);
                }
                if (groupSlot === null) groupSlot = takeSlot(id);
                else slotOf.set(id, groupSlot);
                events.onRunStart?.(id, groupSlot);
              }
              clearTimeout(timer);
              if (options.runTimeoutMs !== undefined) {
                timer = setTimeout(
                  () => {
                    timedOut = true;
                    signal(event.pid, 'SIGKILL');
                  },
                  options.runTimeoutMs + (selfTimed ? COMMAND_TIMEOUT_BACKSTOP_MS : 0),
                );
              }
            } else if (event.type === 'end') {
              for (const result of event.results) {
                const k = kOf.get(result.id);
                if (k !== undefined) report(k, result);
              }
            } else {
              for (const id of event.ids) events.onRunProgress?.(id, slotOf.get(id) ?? 0, event.done);
            }
            return;
          }
          for (const line of (event.stderr ?? event.stdout ?? '').split('\n')) {
            if (line.trim() === '') continue;
            tail.push(line);
            if (tail.length > 20) tail.shift();
            events.onWorkerOutput?.(current, line);
          }
        },
      });
      const value = (await task) as RunResult | (RunResult | null)[];
      returned = configs.length === 1 ? [value as RunResult] : (value as (RunResult | null)[]);
    } catch (err) {
      death = err;
    } finally {
      clearTimeout(timer);
    }
    const requeue: number[] = [];
    configs.forEach((config, k) => {
      if (reported.has(config.id)) return;
      let result: RunResult | null = returned?.[k] ?? null;
      if (returned === null) {
        // The worker died: the run it was doing failed (or was interrupted); one it had finished
        // kept its summary; one it had not started goes back to the queue.
        // (A worker that started none of them — it could not even boot — fails them all, as it
        // would fail a run of its own: going round again would never end.)
        // A run told started whose directory the worker had not made yet (the two runs of a pair
        // are prepared one after the other) did nothing either: back to the queue — once, so
        // that a run whose start itself kills its worker cannot go round for ever. So does a run
        // of an earlier unit of the group without its summary: it had trained, its files were
        // still being written when the worker died under a later one.
        const began = startedAt.get(config.id);
        const onDisk = began !== undefined ? readRunSummary(dirs[k]!) : null;
        const unitBefore = (unitOf.get(config.id) ?? lastUnit) < lastUnit;
        const untouched = began !== undefined && (unitBefore || !existsSync(dirs[k]!)) && !requeuedOnce.has(config.id);
        if (onDisk !== null) result = onDisk;
        else if ((began === undefined || untouched) && startedAt.size > 0) {
          if (untouched) requeuedOnce.add(config.id);
          if (!state.stopping) {
            // What it had written goes: the run is done again from the start.
            if (unitBefore) clearRunDir(dirs[k]!);
            requeue.push(indices[k]!);
          }
        } else {
          const wall = (performance.now() - (began ?? handedOver)) / 1000;
          result = recordWorkerDeath(config, dirs[k]!, death, tail, state.stopping, timedOut ? options.runTimeoutMs : undefined, wall);
        }
      }
      state.running.delete(config.id);
      if (result === null) return;
      report(k, result);
    });
    if (groupSlot !== null) slots[groupSlot] = null;
    if (requeue.length > 0) queue.unshift(requeue);
  };
  // `jobs` lanes, each taking the next group when its worker is free.
  const lane = async (): Promise<void> => {
    while (!state.stopping && queue.length > 0) await runGroup(queue.shift()!);
  };
  await Promise.all(Array.from({ length: Math.min(jobs, runs.length) }, lane));
  return results;
}

/**
 * The worker died under this run (killed, out of memory, exit) or was killed for taking too long.
 * During an interruption a death is the interruption (a second Ctrl-C): the run is left
 * unfinished for the resume. Otherwise it is a failed run, recorded unless it got as far as its
 * summary.
 */
function recordWorkerDeath(
  config: RunConfig,
  runDir: string,
  err: unknown,
  tail: readonly string[],
  stopping: boolean,
  /** Set when the run was killed for passing --run-timeout. */
  timedOutAfterMs: number | undefined,
  wallTimeS: number,
): RunResult {
  if (stopping && timedOutAfterMs === undefined) {
    const interrupted: InterruptedRun = { status: 'interrupted', id: config.id, steps_run: 0 };
    return interrupted;
  }
  const cause =
    timedOutAfterMs !== undefined ? `timed out after ${timedOutAfterMs / 1000} s (--run-timeout); its worker was killed` : describeWorkerDeath(err, tail);
  // The cause is the whole story: no stack (this process's own would only mislead), as for a user error.
  const error = new Error(cause);
  error.stack = undefined;
  const summary: RunSummary = failedSummary(config, error, wallTimeS, resolveEngine(config));
  try {
    if (existsSync(runDir) && !existsSync(join(runDir, runFiles.summary))) writeRunSummary(runDir, summary);
  } catch (writeErr) {
    // E.g. the disk is full: the run stays unfinished on disk (a resume redoes it); the sweep goes on.
    return { ...summary, warnings: [`summary.json could not be written: ${(writeErr as Error).message}`] };
  }
  return summary;
}

/** workerpool's "terminated unexpectedly" message, reduced to the cause a person needs. */
function describeWorkerDeath(err: unknown, tail: readonly string[]): string {
  const message = err instanceof Error ? err.message : String(err);
  const exitCode = /exitCode: `([^`]*)`/.exec(message)?.[1];
  const signal = /signalCode: `([^`]*)`/.exec(message)?.[1];
  if (exitCode === undefined && signal === undefined) return message.split('\n')[0] ?? message;
  const how = signal && signal !== 'null' ? `killed by ${signal}` : `exited with code ${exitCode}`;
  const oom = tail.some((l) => /heap out of memory|Reached heap limit|Allocation failed/i.test(l));
  if (oom) return `the worker process ran out of memory (${how}; raise --worker-memory, or make the run smaller)`;
  const last = tail.at(-1);
  return `the worker process running this run died (${how})${last ? `; its last output: ${last.trim().slice(0, 200)}` : ''}`;
}
