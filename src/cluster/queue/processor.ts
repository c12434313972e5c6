/**
 * BullMQ's sandboxed processor of mo-train's runs: the worker (queue-worker.ts) gives BullMQ this
 * file, and BullMQ runs it in a child process of its own — a run that crashes or runs out of memory
 * kills that child, not the worker. One job at a time per child; a child is reused for the next.
 *
 * A job is one run of a plan: the plan's runs are derived again from its sweep.json (refused, for
 * good, if they changed), and the run is done by workOnRun — claimed first, so a job delivered
 * twice (BullMQ re-delivers stalled jobs) never runs twice at once, and a finished run is skipped.
 *
 * What each outcome does with the job:
 *   finished or skipped → completed;
 *   failed (recorded in its summary.json) → an error, so BullMQ's attempts and backoff apply;
 *   busy (another live claimant) → delayed, without using an attempt: looked at again later, and
 *     taken over once that claimant's heartbeat is stale (it may have died);
 *   interrupted (the worker stopping: SIGTERM/SIGINT, or BullMQ's cancel) → back to waiting, at
 *     the front, without using an attempt: another worker does it again from the start;
 *   the worker gone (killed: this child is an orphan) → the run is stopped and its claim released,
 *     and this child exits; the job, active with no lock renewed, is found stalled and re-delivered.
 * A directory holding another plan, or a job of no plan: failed for good (UnrecoverableError); a
 * plan this node cannot load (not mounted here, a module missing or edited): an ordinary failure.
 */
import { basename } from 'node:path';
import { DelayedError, UnrecoverableError, WaitingError, type SandboxedJob } from 'bullmq';
import { readSweepManifest } from '../../io/sweep-files.js';
import { loadPlanRuns } from '../../runner/plan-runs.js';
import { workOnRun } from '../../runner/work-runs.js';
import { STALE_ENV, computePlanHash, parseJobData, readMs } from './queue-names.js';

const staleMs = readMs(process.env, STALE_ENV, 120_000);
/** A busy run is looked at again after this long: a quarter of the staleness limit, 1 to 30 s. */
const busyDelayMs = Math.min(30_000, Math.max(1000, Math.round(staleMs / 4)));

// BullMQ's own handlers let the current job end, then exit; these make it end soon: the run stops
// after its current step. (Ctrl-C in the worker's terminal reaches this child too.)
let signalled = false;
process.on('SIGTERM', () => (signalled = true));
process.on('SIGINT', () => (signalled = true));
// process.ppid asks the kernel each time: it changes as soon as the worker is gone.
const parent = process.ppid;
const orphaned = (): boolean => process.ppid !== parent || process.connected === false;
let running = false;
process.on('disconnect', () => {
  // Nobody left to report to. Idle: exit now; running: the run stops at its next step (shouldStop below).
  if (!running) process.exit(0);
});

const log = (line: string) => process.stderr.write(`mo-train worker: ${line}\n`);
// Its stderr is a pipe to the worker: gone with it, a write must not bring this child down before it has stopped its run.
process.stderr.on('error', () => {});

export default async function processRun(job: SandboxedJob, token?: string, signal?: AbortSignal): Promise<{ id: string; outcome: 'finished' | 'skipped' }> {
  const data = parseJobData(job.data);
  if (data === null) throw new UnrecoverableError(`not a mo-train run (its data is ${JSON.stringify(job.data)})`);
  const { dir, index, id, plan } = data;
  const where = `${basename(dir)}: ${id}`;
  const stopRequested = () => signalled || signal?.aborted === true || orphaned();
  if (stopRequested()) return handBack(job, token, where, 'the worker is stopping');

  // Not there on this node (the shared filesystem not mounted at this path, the experiment's files
  // missing here), or edited since: ordinary failures — the next attempt may come to a node that
  // sees it right. Only a directory holding another plan than the job's is a failure for good.
  const manifest = readSweepManifest(dir, dir);
  if (manifest === null) throw new Error(`${dir}: no sweep.json there (is the shared filesystem mounted at this path on this node?)`);
  if (computePlanHash(dir, manifest) !== plan) throw new UnrecoverableError(`${dir}: holds another plan than the one this job was queued for`);
  const config = loadPlanRuns(dir, dir)[index];
  if (config === undefined || config.id !== id) throw new UnrecoverableError(`${dir}: run #${index} of its plan is not ${id}`);

  running = true;
  let outcome;
  try {
    outcome = await workOnRun(dir, config, {
      staleMs,
      heartbeatMs: Math.max(1000, staleMs / 6),
      shouldStop: stopRequested,
      log: (line) => log(`${basename(dir)}: ${line}`),
      onClaimLost: (runId) => {
        // Declared dead by another claimant, which now owns the run's directory: write nothing more.
        log(`${basename(dir)}: ${runId}: its claim was taken over (no heartbeat for ${staleMs / 1000} s); stopping without writing`);
        process.exit(75);
      },
      onProgress: (steps) => void job.updateProgress(steps).catch(() => {}),
      progressIntervalMs: 1000,
    });
  } finally {
    running = false;
  }
  // The worker is gone: the claim is released, and the stalled job comes back to another worker.
  if (orphaned()) process.exit(0);
  switch (outcome.kind) {
    case 'skipped':
      return { id, outcome: 'skipped' };
    case 'busy':
      await job.moveToDelayed(Date.now() + busyDelayMs, token);
      throw new DelayedError(`being done by another claimant; looked at again in ${busyDelayMs / 1000} s`);
    case 'ran':
      if (outcome.result.status === 'interrupted') return handBack(job, token, where, 'interrupted: the worker is stopping');
      if (outcome.result.status === 'failed') throw new Error(`the run failed: ${outcome.result.error?.message.split('\n')[0] ?? 'unknown error'}`);
      return { id, outcome: 'finished' };
  }
}

/** Back to the front of the waiting list, no attempt used: the run is done again by the next worker free. */
async function handBack(job: SandboxedJob, token: string | undefined, where: string, why: string): Promise<never> {
  log(`${where}: ${why}; handed back to the queue`);
  await job.moveToWait(token);
  throw new WaitingError();
}
