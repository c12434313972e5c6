/**
 * `mo-train worker --queue redis://HOST:PORT [--jobs N]`: on any machine that sees the results
 * directories (at the same paths), takes runs from the queue that `sweep --queue` fills, N at a
 * time, each in a child process of its own (cluster/queue/queue-worker.ts), until it is stopped.
 * It may be started before any sweep is queued; it waits.
 *
 * Stopping: SIGTERM or Ctrl-C once — no new runs; the running ones stop after their current step
 * and go back to the front of the queue (no attempt used), so another worker does them again from
 * the start; then it exits 0. Twice: exits at once (130/143); its runs are re-delivered once the
 * queue finds them stalled. Exit 2: bad usage, or Redis not reachable at the start.
 */
import { availableParallelism } from 'node:os';
import { UserError } from '../../errors.js';
import { parseCount } from '../parse-count.js';
import { QUEUE_NAME } from '../../cluster/queue/queue-names.js';
import { startQueueWorker } from '../../cluster/queue/queue-worker.js';
import { checkRedisReachable, parseRedisUrl } from '../../cluster/queue/redis-target.js';
import { listenForInterrupts } from '../interrupts.js';
import { MAX_JOBS_PER_CORE } from '../spec-options.js';
import { DEFAULT_STALE_AFTER_S } from '../../results/claim-file.js';
import { parseSeconds } from './work.js';

export interface WorkerOptions {
  queue?: string;
  jobs?: string;
  staleAfter?: string;
}

export async function workerCommand(opts: WorkerOptions): Promise<number> {
  if (opts.queue === undefined) throw new UserError('--queue: required: the Redis that sweep --queue fills, e.g. --queue redis://HOST:6379');
  const target = parseRedisUrl(opts.queue);
  const jobs = parseJobs(opts.jobs);
  const staleS = parseSeconds('--stale-after', opts.staleAfter, DEFAULT_STALE_AFTER_S);
  await checkRedisReachable(target);
  const log = (line: string) => process.stderr.write(`mo-train worker: ${line}\n`);
  const worker = startQueueWorker({ target, jobs, staleMs: staleS * 1000, log });
  let stopped: Promise<void> | null = null;
  let resolveStopped: () => void = () => {};
  const done = new Promise<void>((r) => (resolveStopped = r));
  const interrupts = listenForInterrupts({
    onFirst(sig) {
      const again = sig === 'SIGINT' ? 'Ctrl-C' : sig;
      log(`${sig}: stopping — running runs stop after their current step and go back to the queue; ${again} again exits at once`);
      stopped = worker.stop();
      void stopped.finally(resolveStopped);
    },
    onSecond(sig) {
      log(`${sig} again: exiting at once; the runs it held are re-delivered once the queue finds them stalled`);
    },
  });
  try {
    await Promise.race([worker.ready, done]);
    if (stopped === null) log(`taking runs from ${target.shown} (queue ${QUEUE_NAME}), ${jobs} at a time; Ctrl-C or SIGTERM stops`);
    await done;
    log('stopped');
    return 0;
  } finally {
    interrupts.stop();
  }
}

function parseJobs(text: string | undefined): number {
  const cores = availableParallelism();
  return parseCount('--jobs', text, 1, MAX_JOBS_PER_CORE * cores, 'runs at a time', `${MAX_JOBS_PER_CORE} × this machine's ${cores} cores`) ?? 1;
}
