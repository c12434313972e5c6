/**
 * The worker's side of the queue (`mo-train worker`): a BullMQ Worker taking runs from the queue,
 * `jobs` at a time, each in a sandboxed child process (processor.ts), until it is stopped.
 *
 * Stopping (`stop()`, on SIGTERM or Ctrl-C): no new run is taken; the running ones stop after
 * their current step, their claims released, and their jobs go back to the front of the queue
 * without using an attempt (processor.ts) — another worker does them again from the start. A run
 * may take hours; a node being drained (Kubernetes gives 30 s, Slurm a minute) cannot wait for it.
 * A worker killed outright (SIGKILL, a lost node) leaves its jobs active with locks nobody renews:
 * any other worker finds them stalled after about `lockDuration` and re-delivers them.
 *
 * Timings: BullMQ's lock duration and stalled-job check interval are 30 s each (its defaults); a
 * job found stalled more than 3 times fails for good. MO_TRAIN_QUEUE_LOCK_MS sets both times (the
 * tests shorten them to see a killed worker's run re-delivered within seconds).
 */
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'bullmq';
import { QUEUE_NAME, STALE_ENV, parseJobData, readMs, type QueueJobData } from './queue-names.js';
import type { RedisTarget } from './redis-target.js';

export interface QueueWorkerOptions {
  readonly target: RedisTarget;
  /** Runs at a time (BullMQ's concurrency: a sandboxed child each). */
  readonly jobs: number;
  /** A run's claim without a heartbeat for this long is taken over (as `work --stale-after`). */
  readonly staleMs: number;
  /** One line for the worker's log. */
  readonly log: (line: string) => void;
}

export interface QueueWorker {
  /** Resolves once connected to Redis and taking jobs. */
  readonly ready: Promise<void>;
  /** Stops taking runs, hands the running ones back to the queue, and closes; resolves when closed. */
  stop(): Promise<void>;
}

/** The compiled processor next to this file (dist/cluster/queue/processor.js). */
const processorFile = new URL('./processor.js', import.meta.url);

/** How often, while stopping, runs started meanwhile are cancelled too (a job fetched just as the stop came). */
const CANCEL_REPEAT_MS = 200;

export function startQueueWorker(o: QueueWorkerOptions): QueueWorker {
  const lockMs = readMs(process.env, 'MO_TRAIN_QUEUE_LOCK_MS', 30_000);
  const worker = new Worker<QueueJobData>(QUEUE_NAME, fileURLToPath(processorFile), {
    connection: o.target.options,
    concurrency: o.jobs,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    maxStalledCount: 3,
    workerForkOptions: {
      // The sweep's workers get the same flag (runner/run-sweep.ts, bin/mo-train.js); the child
      // inherits the environment, plus the staleness limit for its claims.
      execArgv: ['--max-semi-space-size=32'],
      env: { ...process.env, [STALE_ENV]: String(o.staleMs) },
    },
  });
  const errors = new Set<string>();
  worker.on('error', (err) => {
    // ioredis repeats a lost connection's error at every reconnection attempt: once is enough.
    const line = err.message.split('\n')[0] ?? String(err);
    if (errors.has(line)) return;
    errors.add(line);
    o.log(`Redis: ${line} (retrying)`);
  });
  worker.on('ready', () => errors.clear());
  worker.on('failed', (job, err) => {
    const data = job ? parseJobData(job.data) : null;
    const what = data ? `${basename(data.dir)}: ${data.id}` : `job ${job?.id ?? '?'}`;
    const attempts = job?.opts.attempts ?? 1;
    const final = !job || job.attemptsMade >= attempts || err.name === 'UnrecoverableError';
    o.log(`${what}: ${err.message.split('\n')[0]}${final ? ' — failed for good' : ` — attempt ${job.attemptsMade} of ${attempts}, retried later`}`);
  });

  let stopping: Promise<void> | null = null;
  return {
    ready: worker.waitUntilReady().then(() => undefined),
    stop() {
      if (stopping) return stopping;
      const closing = worker.close();
      worker.cancelAllJobs('the worker is stopping');
      const repeat = setInterval(() => worker.cancelAllJobs('the worker is stopping'), CANCEL_REPEAT_MS);
      stopping = closing.finally(() => clearInterval(repeat));
      return stopping;
    },
  };
}
