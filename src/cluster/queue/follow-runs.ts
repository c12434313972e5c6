/**
 * The coordinator waiting for a plan's queued runs (`mo-train sweep --queue`). The results
 * directory is the truth: a run has ended when its summary.json says finished, or says failed
 * once its job has failed for good (its attempts used up — before that the queue does it again).
 * The queue is asked only what the directory cannot say: that a job failed for good without
 * writing a result (a plan changed under it, too many stalls), or that a job has gone (removed
 * from Redis), which is then queued again. Progress for the display comes from BullMQ's events
 * (QueueEvents), best effort: a missed event only means a bar that does not move.
 */
import { QueueEvents, type Queue } from 'bullmq';
import { readRunSummary } from '../../io/read-run-summary.js';
import { runDirOf } from '../../results/layout.js';
import type { RunSummary } from '../../results/summary-file.js';
import { closeWithin, enqueueRuns, readRunJobs, type PlanRun } from './enqueue.js';
import { QUEUE_NAME, jobIdOf, type QueueJobData } from './queue-names.js';
import type { RedisTarget } from './redis-target.js';

export interface FollowEvents {
  /** A worker took the run; `slot` in [0, slots) while one is free for the display, else -1. */
  readonly onRunStart?: (id: string, slot: number) => void;
  readonly onRunProgress?: (id: string, slot: number, stepsDone: number) => void;
  /** The run ended with this summary (finished, or failed for good). */
  readonly onRunEnd?: (id: string, slot: number | null, summary: RunSummary) => void;
  /** Something the user should know, as one line (Redis gone and back, a job queued again). */
  readonly onNote?: (line: string) => void;
}

export type RunEnd =
  | { readonly kind: 'summary'; readonly summary: RunSummary }
  /** Its job failed for good and the run has no result: why. */
  | { readonly kind: 'lost'; readonly reason: string };

export interface FollowResult {
  /** Every run that ended, by id. */
  readonly ended: ReadonlyMap<string, RunEnd>;
  /** Stopped by `shouldStop` before every run had ended. */
  readonly stopped: boolean;
}

export interface FollowOptions {
  readonly target: RedisTarget;
  readonly queue: Queue<QueueJobData>;
  readonly dir: string;
  readonly plan: string;
  readonly runs: readonly PlanRun[];
  /** Display slots (progress bars). */
  readonly slots: number;
  readonly events: FollowEvents;
  /** Asked every poll: true stops following (the jobs stay queued). */
  readonly shouldStop: () => boolean;
  /** Between two looks at the directory (ms). */
  readonly pollMs?: number;
}

/** The queue is asked every this many polls. */
const JOB_CHECK_EVERY = 4;

export async function followRuns(o: FollowOptions): Promise<FollowResult> {
  const pollMs = o.pollMs ?? 500;
  const pending = new Map(o.runs.map((r) => [r.id, r]));
  const byJobId = new Map(o.runs.map((r) => [jobIdOf(o.plan, r.index), r]));
  const ended = new Map<string, RunEnd>();
  const slotOf = new Map<string, number>();
  const taken: boolean[] = Array.from({ length: o.slots }, () => false);
  const notes = new Set<string>();
  const noteOnce = (line: string) => {
    if (notes.has(line)) return;
    notes.add(line);
    o.events.onNote?.(line);
  };

  const start = (id: string): number => {
    const known = slotOf.get(id);
    if (known !== undefined) return known;
    const slot = taken.indexOf(false);
    if (slot !== -1) taken[slot] = true;
    slotOf.set(id, slot);
    o.events.onRunStart?.(id, slot);
    return slot;
  };
  const release = (id: string): number | null => {
    const slot = slotOf.get(id);
    slotOf.delete(id);
    if (slot === undefined) return null;
    if (slot >= 0) taken[slot] = false;
    return slot;
  };
  let done = false;
  const end = (run: PlanRun, how: RunEnd) => {
    // (A look at the queue still under way when following stopped, or that raced the directory's.)
    if (done || !pending.has(run.id)) return;
    pending.delete(run.id);
    ended.set(run.id, how);
    const slot = release(run.id);
    if (how.kind === 'summary') o.events.onRunEnd?.(run.id, slot, how.summary);
  };

  const events = new QueueEvents(QUEUE_NAME, { connection: o.target.options });
  events.on('error', (err) => noteOnce(`Redis: ${err.message.split('\n')[0]} (retrying)`));
  const ours = (jobId: string): PlanRun | undefined => {
    const run = byJobId.get(jobId);
    return run !== undefined && pending.has(run.id) ? run : undefined;
  };
  events.on('active', ({ jobId }) => {
    const run = ours(jobId);
    if (run) start(run.id);
  });
  events.on('progress', ({ jobId, data }) => {
    const run = ours(jobId);
    const steps = Number(data);
    if (run && Number.isFinite(steps)) o.events.onRunProgress?.(run.id, start(run.id), steps);
  });
  // Handed back (a worker stopping), delayed (its run busy elsewhere, or a retry after a failure), stalled: not running here now.
  for (const name of ['waiting', 'delayed', 'failed', 'stalled'] as const) {
    events.on(name, ({ jobId }: { jobId: string }) => {
      const run = ours(jobId);
      if (run) release(run.id);
    });
  }

  // The queue is looked at beside the polls, one look at a time: a Redis away (its commands retried
  // for minutes) must not stop the directory being watched, nor Ctrl-C being seen.
  let looking: Promise<void> | null = null;
  try {
    for (let tick = 0; pending.size > 0 && !o.shouldStop(); tick++) {
      let failedSeen = false;
      for (const run of [...pending.values()]) {
        const summary = readRunSummary(runDirOf(o.dir, run.id));
        if (summary?.status === 'finished') end(run, { kind: 'summary', summary });
        else if (summary?.status === 'failed') failedSeen = true;
      }
      if (pending.size > 0 && looking === null && (tick % JOB_CHECK_EVERY === 0 || failedSeen)) {
        looking = checkJobs(o, [...pending.values()], end, noteOnce).finally(() => (looking = null));
      }
      if (pending.size > 0 && !o.shouldStop()) await new Promise((r) => setTimeout(r, pollMs));
    }
  } finally {
    done = true;
    await closeWithin(events);
  }
  return { ended, stopped: pending.size > 0 };
}

/** What the directory cannot say: a job failed for good, or gone. */
async function checkJobs(o: FollowOptions, runs: readonly PlanRun[], end: (run: PlanRun, how: RunEnd) => void, note: (line: string) => void): Promise<void> {
  let jobs;
  try {
    jobs = await readRunJobs(o.queue, o.plan, runs);
  } catch (err) {
    // Redis away for a while: the workers wait for it too; the directory is still watched.
    note(`Redis: ${(err as Error).message.split('\n')[0]} (retrying)`);
    return;
  }
  const gone: PlanRun[] = [];
  for (const run of runs) {
    const job = jobs.get(run.index);
    if (job === undefined) continue;
    // Read after the job's state: a job fails for good only after its run's summary is written.
    const summary = job.state === 'failed' || job.state === 'completed' ? readRunSummary(runDirOf(o.dir, run.id)) : null;
    if (job.state === 'failed') {
      end(run, summary ? { kind: 'summary', summary } : { kind: 'lost', reason: job.failedReason ?? 'its job failed' });
    } else if (job.state === 'completed') {
      if (summary?.status === 'finished') end(run, { kind: 'summary', summary });
      else gone.push(run);
    } else if (job.state === 'unknown') {
      gone.push(run);
    }
  }
  if (gone.length > 0) {
    try {
      await enqueueRuns(o.queue, o.dir, o.plan, gone);
      note(`${gone.length} run${gone.length === 1 ? '' : 's'} had no job on the queue any more (removed from Redis?): queued again`);
    } catch (err) {
      note(`Redis: ${(err as Error).message.split('\n')[0]} (retrying)`);
    }
  }
}
