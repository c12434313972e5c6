/**
 * The coordinator's side of the queue (`mo-train sweep --queue`): a plan's unfinished runs put on
 * the queue as BullMQ jobs, and the state of those jobs read back. Queueing is idempotent: a run
 * whose job is waiting, delayed or being done is left alone; one whose job failed for good (its
 * attempts used up) is retried with fresh attempts; one without a job gets one. A finished run is
 * never queued (the caller passes only unfinished ones, and a worker skips a finished run anyway).
 */
import { Queue, type JobState } from 'bullmq';
import type { RedisTarget } from './redis-target.js';
import { JOB_NAME, QUEUE_NAME, jobIdOf, runJobOptions, type QueueJobData } from './queue-names.js';

/** A run of the plan: its index (its place in sweep.json) and its id. */
export interface PlanRun {
  readonly index: number;
  readonly id: string;
}

export interface QueuedCounts {
  /** Jobs added now. */
  readonly added: number;
  /** Jobs that had failed for good, retried now. */
  readonly retried: number;
  /** Jobs already waiting, delayed or being done: left alone. */
  readonly alreadyQueued: number;
}

export function openRunQueue(target: RedisTarget): Queue<QueueJobData> {
  return new Queue<QueueJobData>(QUEUE_NAME, { connection: target.options });
}

/**
 * Closes a Queue or QueueEvents, waiting at most `ms` for Redis to acknowledge (a Redis gone away
 * would keep close() waiting for its reconnection); then drops the connection.
 */
export async function closeWithin(client: { close(): Promise<void>; disconnect(): Promise<void> }, ms = 3000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    client.close().then(
      () => true,
      () => false,
    ),
    new Promise<false>((r) => (timer = setTimeout(() => r(false), ms))),
  ]);
  clearTimeout(timer);
  if (!closed) await client.disconnect().catch(() => {});
}

/** Round trips at a time when looking at many jobs. */
const BATCH = 64;

export async function enqueueRuns(queue: Queue<QueueJobData>, dir: string, plan: string, runs: readonly PlanRun[]): Promise<QueuedCounts> {
  const toAdd: PlanRun[] = [];
  let retried = 0;
  let alreadyQueued = 0;
  await inBatches(runs, async (run) => {
    const job = await queue.getJob(jobIdOf(plan, run.index));
    const state = job ? await job.getState() : 'unknown';
    if (job && state === 'failed') {
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      retried++;
    } else if (job && state === 'completed') {
      // Completed, yet the run is not finished: its directory was changed since. Done again.
      await job.remove();
      toAdd.push(run);
    } else if (!job || state === 'unknown') {
      toAdd.push(run);
    } else {
      alreadyQueued++;
    }
  });
  const opts = runJobOptions();
  for (let i = 0; i < toAdd.length; i += BATCH) {
    await queue.addBulk(
      toAdd.slice(i, i + BATCH).map((run) => ({
        name: JOB_NAME,
        data: { dir, index: run.index, id: run.id, plan },
        opts: { jobId: jobIdOf(plan, run.index), ...opts },
      })),
    );
  }
  return { added: toAdd.length, retried, alreadyQueued };
}

export interface JobSeen {
  /** BullMQ's state; 'unknown' when there is no such job. */
  readonly state: JobState | 'unknown';
  /** Why its last attempt failed, if it did. */
  readonly failedReason: string | null;
}

/** The state of each job of `runs`, by run index. */
export async function readRunJobs(queue: Queue<QueueJobData>, plan: string, runs: readonly PlanRun[]): Promise<Map<number, JobSeen>> {
  const seen = new Map<number, JobSeen>();
  await inBatches(runs, async (run) => {
    const job = await queue.getJob(jobIdOf(plan, run.index));
    if (!job) {
      seen.set(run.index, { state: 'unknown', failedReason: null });
      return;
    }
    seen.set(run.index, { state: await job.getState(), failedReason: job.failedReason || null });
  });
  return seen;
}

async function inBatches<T>(items: readonly T[], f: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += BATCH) await Promise.all(items.slice(i, i + BATCH).map(f));
}
