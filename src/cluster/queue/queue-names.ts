/**
 * What the coordinator (`sweep --queue`) and the workers (`mo-train worker`) agree on: the queue's
 * name, a job's id and its data. Pure.
 *
 * One queue serves every plan: a worker takes runs of whichever sweep is queued, each job naming
 * its results directory (on a filesystem every node sees at the same path). A job's id is
 * `<plan>-<index>`: `plan` a hash of the results directory's absolute path, its sweep.json's
 * creation time and every run's id and config hash, `index` the run's place in the plan. So
 * queueing a plan twice (a restarted coordinator) adds nothing — BullMQ ignores an add whose id
 * exists — while the same grid in another directory, or a new plan made after one was deleted, is
 * a different set of jobs. (BullMQ refuses ':' in a custom id and ids that are whole numbers: the
 * hash is hex and the separator '-'.)
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

/** The BullMQ queue of mo-train's runs (keys `bull:mo-train-runs:*` in Redis). */
export const QUEUE_NAME = 'mo-train-runs';

/** The name of every job (BullMQ shows it; the id says which run). */
export const JOB_NAME = 'run';

/** How the worker tells its sandboxed children (processor.ts) its --stale-after, in ms. */
export const STALE_ENV = 'MO_TRAIN_QUEUE_STALE_MS';

/** A job: one run of one plan. */
export interface QueueJobData {
  /** The results directory, absolute: the same path on every node. */
  readonly dir: string;
  /** The run's index in the plan (as `mo-train work --index`). */
  readonly index: number;
  /** The run's id, checked against the plan's run at that index. */
  readonly id: string;
  /** The plan's hash: a job outliving its plan (the directory made anew) is refused, not run. */
  readonly plan: string;
}

const jobDataSchema = z.object({ dir: z.string().min(1), index: z.number().int().min(0), id: z.string().min(1), plan: z.string().min(1) });

/** The job's data, or null when it is not a job of this mo-train's (another program's queue, an older format). */
export function parseJobData(value: unknown): QueueJobData | null {
  const parsed = jobDataSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** The parts of sweep.json a plan's identity is made of. */
export interface PlanIdentity {
  readonly created: string;
  readonly runs: ReadonlyArray<{ readonly id: string; readonly config_sha256: string }>;
}

/** 16 hex digits of sha256 over the directory, the plan's creation time and its runs. */
export function computePlanHash(dir: string, plan: PlanIdentity): string {
  const h = createHash('sha256');
  h.update(`${dir}\n${plan.created}\n`);
  for (const r of plan.runs) h.update(`${r.id}\t${r.config_sha256}\n`);
  return h.digest('hex').slice(0, 16);
}

export function jobIdOf(planHash: string, index: number): string {
  return `${planHash}-${index}`;
}

/** BullMQ's job options of every run (the coordinator adds the jobs with them). */
export interface RunJobOptions {
  readonly attempts: number;
  readonly backoff: { readonly type: 'exponential'; readonly delay: number };
  readonly removeOnComplete: { readonly age: number };
  readonly removeOnFail: { readonly age: number };
}

/**
 * A failed run is done again twice more (3 attempts), 10 s then 20 s later; then its job stays
 * failed, and the coordinator run again retries it. Finished jobs are forgotten after a week,
 * failed ones after 30 days: a finished run is recorded in its directory (summary.json), which both
 * the coordinator and the worker check first, so forgetting its job never makes it run again.
 * MO_TRAIN_QUEUE_BACKOFF_MS sets the first delay (tests shorten it).
 */
export function runJobOptions(env: NodeJS.ProcessEnv = process.env): RunJobOptions {
  return {
    attempts: 3,
    backoff: { type: 'exponential', delay: readMs(env, 'MO_TRAIN_QUEUE_BACKOFF_MS', 10_000) },
    removeOnComplete: { age: 7 * 86_400 },
    removeOnFail: { age: 30 * 86_400 },
  };
}

/** A whole number of ms from the environment, or `fallback` (also for anything unreadable: these are for tests). */
export function readMs(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  const n = text === undefined ? NaN : Number(text);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}
