/**
 * `mo-train work`: runs some runs of a frozen plan (a results directory holding sweep.json, made
 * by `mo-train plan`), one after another in this process — the unit of work of a Slurm array task,
 * a Kubernetes pod or a queue job. Each run is claimed first (io/run-claim.ts): a finished run is
 * skipped, a run someone else is doing is left alone (as is every run while a local `mo-train
 * sweep` holds the directory), a stale or failed one is done again from the start. Results are the same files a local sweep writes.
 */
import { clearRunDir } from '../io/run-files.js';
import { readRunSummary } from '../io/read-run-summary.js';
import { claimRun, type RunClaim } from '../io/run-claim.js';
import { findLiveSweepLock } from '../io/sweep-lock.js';
import { runDirOf } from '../results/layout.js';
import type { RunConfig } from '../spec/types.js';
import { executeRun } from './execute-run.js';
import type { RunResult } from './run-result.js';
import { createYieldingStop } from './yielding-stop.js';

export interface WorkOptions {
  /** A claim without a heartbeat for this long belongs to a task that is gone, and is taken over. */
  readonly staleMs: number;
  /** How often this process renews its claim's heartbeat. */
  readonly heartbeatMs: number;
  /** Asked between steps: true stops the current run as interrupted (SIGTERM from Slurm, Ctrl-C). */
  readonly shouldStop: () => boolean;
  /** One line per run, for the task's log. */
  readonly log: (line: string) => void;
  /** The claim was found taken over (this process missed its heartbeats): stop writing at once. */
  readonly onClaimLost: (id: string) => never;
  /** Steps done so far, at most every `progressIntervalMs` (a queue worker passes them on). */
  readonly onProgress?: (stepsDone: number) => void;
  readonly progressIntervalMs?: number;
}

export type WorkOutcome =
  | { readonly id: string; readonly kind: 'skipped' }
  | { readonly id: string; readonly kind: 'busy' }
  | { readonly id: string; readonly kind: 'ran'; readonly result: RunResult };

/** Whether the run has a summary.json saying it finished: such a run is never done again. */
export function isFinished(outDir: string, id: string): boolean {
  return readRunSummary(runDirOf(outDir, id))?.status === 'finished';
}

export async function workOnRun(outDir: string, config: RunConfig, options: WorkOptions): Promise<WorkOutcome> {
  const id = config.id;
  if (isFinished(outDir, id)) {
    options.log(`${id}: finished already, skipped`);
    return { id, kind: 'skipped' };
  }
  const sweeping = () => {
    const holder = findLiveSweepLock(outDir);
    if (holder !== null) options.log(`${id}: the directory is being swept by mo-train sweep (pid ${holder.pid} on ${holder.host}), left to it`);
    return holder !== null;
  };
  if (sweeping()) return { id, kind: 'busy' };
  const outcome = claimRun(outDir, id, options.staleMs);
  // Looked at again once claimed: a sweep that took the lock in between has looked for claims before this one existed.
  if (outcome.kind === 'claimed' && sweeping()) {
    outcome.claim.release();
    return { id, kind: 'busy' };
  }
  if (outcome.kind === 'busy') {
    const who = outcome.holder ? `pid ${outcome.holder.pid} on ${outcome.holder.host}` : 'another task';
    options.log(`${id}: being done by ${who} (heartbeat ${(outcome.ageMs / 1000).toFixed(0)} s ago), left to it`);
    return { id, kind: 'busy' };
  }
  const claim: RunClaim = outcome.claim;
  const heartbeat = setInterval(() => {
    if (!claim.beat()) options.onClaimLost(id);
  }, options.heartbeatMs);
  try {
    // Finished by the claimant whose claim was released just before ours was made.
    if (isFinished(outDir, id)) {
      options.log(`${id}: finished already, skipped`);
      return { id, kind: 'skipped' };
    }
    if (claim.tookOver !== null) {
      const who = claim.tookOver === 'unreadable' ? 'an unreadable claim' : `pid ${claim.tookOver.pid} on ${claim.tookOver.host}`;
      options.log(`${id}: took over the stale claim of ${who}`);
    }
    // What an earlier attempt left (failed, interrupted, killed) is cleared: the run starts afresh.
    clearRunDir(runDirOf(outDir, id));
    // (The claim itself is checked by the heartbeat, not here: this is asked every 64 steps.)
    const shouldStop = createYieldingStop(options.shouldStop);
    const result = await executeRun(config, runDirOf(outDir, id), {
      shouldStop,
      ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
      ...(options.progressIntervalMs !== undefined ? { progressIntervalMs: options.progressIntervalMs } : {}),
    });
    options.log(`${id}: ${result.status === 'interrupted' ? `interrupted after ${result.steps_run} steps` : `${result.verdict} — ${result.explanation}`}`);
    return { id, kind: 'ran', result };
  } finally {
    clearInterval(heartbeat);
    claim.release();
  }
}
