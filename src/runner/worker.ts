/**
 * A long-lived worker process of the sweep pool: takes one run at a time and reports progress to
 * the coordinator. Runs in its own process so a crash or an out-of-memory error takes down one
 * run, not the sweep.
 */
import workerpool from 'workerpool';
import type { RunConfig } from '../spec/types.js';
import type { RunSummary } from '../summary/run-summary.js';
import { executeRun } from './execute-run.js';

export type WorkerEvent =
  | { readonly type: 'start'; readonly id: string; readonly pid: number }
  | { readonly type: 'progress'; readonly id: string; readonly pid: number; readonly done: number };

async function runInWorker(config: RunConfig, runDir: string): Promise<RunSummary> {
  const emit = (event: WorkerEvent) => workerpool.workerEmit(event);
  emit({ type: 'start', id: config.id, pid: process.pid });
  return executeRun(config, runDir, { onProgress: (done) => emit({ type: 'progress', id: config.id, pid: process.pid, done }) });
}

export const workerMethods = { runInWorker };

workerpool.worker(workerMethods);
