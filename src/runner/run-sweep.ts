/**
 * Runs every run of a sweep in a pool of long-lived worker processes (workerpool), `jobs` at a
 * time. A run that throws is recorded as failed by the worker itself; a worker that dies (killed,
 * out of memory, exit) fails only the run it held — the coordinator records it and the pool
 * replaces the worker.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import workerpool from 'workerpool';
import { runDirOf, runFiles, writeRunSummary } from '../io/run-files.js';
import type { RunConfig } from '../spec/types.js';
import type { RunSummary } from '../summary/run-summary.js';
import { failedSummary } from './execute-run.js';
import type { WorkerEvent } from './worker.js';
import { resolveEngine } from '../engine/create-oracle.js';

export interface SweepEvents {
  /** A worker took a run; `slot` is a stable display index in [0, jobs). */
  readonly onRunStart?: (id: string, slot: number) => void;
  readonly onRunProgress?: (id: string, slot: number, stepsDone: number) => void;
  readonly onRunEnd?: (id: string, slot: number | null, summary: RunSummary) => void;
}

const workerScript = fileURLToPath(new URL('./worker.js', import.meta.url));

/** The sweep's worker processes: long-lived, one run at a time each. */
export interface WorkerPool {
  readonly jobs: number;
  /** Stops every worker (waits for them to exit). */
  terminate(): Promise<void>;
}

interface PoolHandle extends WorkerPool {
  readonly pool: workerpool.Pool;
}

/**
 * Starts `jobs` worker processes right away, so they boot (~0.1 s each) while the coordinator
 * validates, checks and writes the manifest, instead of after.
 */
export function startWorkerPool(jobs: number): WorkerPool {
  const pool = workerpool.pool(workerScript, {
    workerType: 'process',
    minWorkers: jobs,
    maxWorkers: jobs,
    // Structured-clone IPC keeps NaN and ±Infinity in the summaries workers send back (JSON would make them null).
    forkOpts: { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  });
  const handle: PoolHandle = { jobs, pool, terminate: async () => void (await pool.terminate()) };
  return handle;
}

export async function runSweepRuns(workers: WorkerPool, runs: readonly RunConfig[], outDir: string, events: SweepEvents = {}): Promise<RunSummary[]> {
  const { pool, jobs } = workers as PoolHandle;
  const slots: (string | null)[] = Array.from({ length: jobs }, () => null);
  const slotOf = new Map<string, number>();
  const takeSlot = (id: string): number => {
    let s = slots.indexOf(null);
    if (s < 0) s = slots.length; // more concurrent runs than slots cannot happen, but never lose a run
    slots[s] = id;
    slotOf.set(id, s);
    return s;
  };
  const freeSlot = (id: string): number | null => {
    const s = slotOf.get(id);
    if (s === undefined) return null;
    slots[s] = null;
    slotOf.delete(id);
    return s;
  };

  return Promise.all(
      runs.map(async (config) => {
        const runDir = runDirOf(outDir, config.id);
        let summary: RunSummary;
        try {
          summary = (await pool.exec('runInWorker', [config, runDir], {
            on: (event: WorkerEvent) => {
              if (event.type === 'start') events.onRunStart?.(event.id, takeSlot(event.id));
              else events.onRunProgress?.(event.id, slotOf.get(event.id) ?? 0, event.done);
            },
          })) as RunSummary;
        } catch (err) {
          // The worker died under this run. Record it unless the run got as far as its summary.
          summary = failedSummary(config, new Error(describeWorkerDeath(err)), 0, resolveEngine(config));
          if (existsSync(runDir) && !existsSync(join(runDir, runFiles.summary))) writeRunSummary(runDir, summary);
        }
      events.onRunEnd?.(config.id, freeSlot(config.id), summary);
      return summary;
    }),
  );
}

/** workerpool's "terminated unexpectedly" message, reduced to the cause a person needs. */
function describeWorkerDeath(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const exitCode = /exitCode: `([^`]*)`/.exec(message)?.[1];
  const signal = /signalCode: `([^`]*)`/.exec(message)?.[1];
  if (exitCode !== undefined || signal !== undefined) {
    const cause = signal && signal !== 'null' ? `killed by ${signal}` : `exited with code ${exitCode}`;
    return `the worker process running this run died (${cause})`;
  }
  return message.split('\n')[0] ?? message;
}
