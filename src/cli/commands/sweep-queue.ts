/**
 * `mo-train sweep [options] --queue redis://HOST:PORT`: a sweep whose runs are done by `mo-train
 * worker`s on any machine that sees the results directory (at the same path), through a BullMQ
 * queue on that Redis. Like a local sweep up to the results directory (a new one, or the same sweep
 * in --out/--resume continued); then every unfinished run is queued (one job per run, its id from
 * the plan and the run: queueing again adds nothing), the runs are followed with progress on
 * stderr, and the summary tables and exit code are a local sweep's.
 *
 * This process only coordinates: stopped (Ctrl-C, SIGTERM, even kill -9), the jobs stay queued and
 * the workers go on; the same sweep started again (--resume DIR, or the same command with --out)
 * queues only what has no job and follows the rest — runs claimed by workers are theirs. It holds
 * DIR/.lock only while it opens the directory: a live lock tells workers that a local sweep is
 * doing the runs. Checked before anything is written: the URL, and that Redis answers within a
 * few seconds.
 */
import { relative, resolve } from 'node:path';
import { resolveEngine } from '../../engine/create-oracle.js';
import { UserError } from '../../errors.js';
import { readSweepManifest } from '../../io/sweep-files.js';
import { closeWithin, enqueueRuns, openRunQueue, type PlanRun } from '../../cluster/queue/enqueue.js';
import { followRuns, type RunEnd } from '../../cluster/queue/follow-runs.js';
import { computePlanHash } from '../../cluster/queue/queue-names.js';
import { checkRedisReachable, parseRedisUrl } from '../../cluster/queue/redis-target.js';
import type { RunSummary } from '../../results/summary-file.js';
import { exitCodeOf, listenForInterrupts, type Interrupts } from '../interrupts.js';
import { printResultsDirSummary } from '../print-summary.js';
import { createProgress } from '../progress.js';
import type { SweepOptions } from '../spec-options.js';
import { describeGrid } from '../spec-from-options.js';
import { openSweep, reportSweep, type OpenSweep } from './sweep.js';

/** Progress bars shown at most: the runs being done may be many more, on many machines. */
const MAX_BARS = 8;

export async function queueSweepCommand(opts: SweepOptions, argv: readonly string[]): Promise<number> {
  const cwd = process.cwd();
  const err = process.stderr;
  refuseLocalOnlyFlags(opts, cwd);
  const target = parseRedisUrl(opts.queue!);
  await checkRedisReachable(target);
  const sweep = await openSweep(opts, argv, cwd, true);
  const queue = openRunQueue(target);
  // Errors come back through the calls that fail; a lost connection is retried by ioredis meanwhile.
  queue.on('error', () => {});
  try {
    const dir = sweep.dir.path;
    const shown = relative(cwd, dir) || '.';
    const attach = `mo-train sweep --queue ${target.shown} --resume ${shown}`;
    err.write(renderHeader(sweep, target.shown, shown));
    for (const w of sweep.warnings) err.write(`warning: ${w}\n`);
    const manifest = readSweepManifest(dir, shown);
    if (manifest === null) throw new UserError(`${shown}: its sweep.json is gone`);
    // The lock guarded the directory's making (or its resume); held on, it would tell the workers a
    // local sweep is doing these runs, and they would leave them to it (runner/work-runs.ts).
    sweep.dir.lock.release();
    const plan = computePlanHash(dir, manifest);
    const todo = new Set(sweep.toRun.map((r) => r.id));
    const runs: PlanRun[] = sweep.spec.runs.map((r, index) => ({ index, id: r.id })).filter((r) => todo.has(r.id));
    // Ctrl-C while the runs are being queued (before following installs its own handler) stops the
    // following before it starts, as it would a moment later — not Node's default exit by signal.
    const early = listenForInterrupts();
    if (runs.length > 0) {
      const counts = await enqueueRuns(queue, dir, plan, runs);
      const parts = [`${counts.added} queued`];
      if (counts.retried > 0) parts.push(`${counts.retried} that had failed queued again`);
      if (counts.alreadyQueued > 0) parts.push(`${counts.alreadyQueued} already on the queue`);
      err.write(`${parts.join(', ')}; workers take them: mo-train worker --queue ${target.shown}\n`);
    }
    const followed = await followWithProgress(sweep, target, queue, plan, runs, attach, early);
    if (followed.stoppedBy !== null) {
      const finished = sweep.done.length + [...followed.ended.values()].filter((e) => e.kind === 'summary' && e.summary.status === 'finished').length;
      err.write(
        `\nmo-train: stopped following (${followed.stoppedBy}): ${finished} of ${sweep.spec.runs.length} runs finished; the others stay queued ` +
          `and the workers go on. Follow them again with: ${attach}   (or see: mo-train status ${shown})\n`,
      );
      return exitCodeOf(followed.stoppedBy);
    }
    const ran: RunSummary[] = [];
    const lost: Array<[string, string]> = [];
    for (const [id, end] of followed.ended) {
      if (end.kind === 'summary') ran.push(end.summary);
      else lost.push([id, end.reason]);
    }
    if (lost.length === 0) return await reportSweep(sweep, ran, null, attach, opts.strict === true);
    // Runs without a result: the tables read from disk list them as such.
    process.stdout.write('\n');
    await printResultsDirSummary(dir);
    for (const [id, reason] of lost) err.write(`mo-train: run ${id}: its job failed for good without a result: ${reason.split('\n')[0]}\n`);
    err.write(`mo-train: ${lost.length} of ${sweep.spec.runs.length} runs have no result; once the cause is fixed: ${attach}\n`);
    return 1;
  } finally {
    sweep.dir.lock.release();
    await closeWithin(queue);
  }
}

/** The flags of a local sweep's pool: the workers decide those. Also --resume and --out must agree. */
function refuseLocalOnlyFlags(opts: SweepOptions, cwd: string): void {
  const refused: Array<[string, unknown, string]> = [
    ['--jobs', opts.jobs, 'each worker says how many runs it does at a time: mo-train worker --queue URL --jobs N'],
    ['--run-timeout', opts.runTimeout, 'not available with --queue'],
    ['--worker-memory', opts.workerMemory, 'not available with --queue'],
  ];
  for (const [flag, value, why] of refused) if (value !== undefined) throw new UserError(`${flag}: not with --queue (${why})`);
  if (opts.resume !== undefined && opts.out !== undefined && resolve(cwd, opts.resume) !== resolve(cwd, opts.out)) {
    throw new UserError(`--resume ${opts.resume} and --out ${opts.out} name different directories; pass one of them`);
  }
}

function renderHeader(sweep: OpenSweep, queueShown: string, shown: string): string {
  const { spec } = sweep;
  const engines = [...new Set(spec.runs.map((r) => resolveEngine(r)))].join('+');
  const steps = [...new Set(spec.runs.map((r) => r.steps))].join('/');
  return (
    `mo-train sweep: ${spec.runs.length} run${spec.runs.length === 1 ? '' : 's'} (${describeGrid(spec)}), ${steps} steps each, engine ${engines}, ` +
    `through the queue at ${queueShown} → ${shown}${sweep.resumeNote}\n`
  );
}

async function followWithProgress(
  sweep: OpenSweep,
  target: ReturnType<typeof parseRedisUrl>,
  queue: ReturnType<typeof openRunQueue>,
  plan: string,
  runs: readonly PlanRun[],
  attach: string,
  /** Listening since before the runs were queued: a signal then stops the following at once. */
  early: Interrupts,
): Promise<{ ended: ReadonlyMap<string, RunEnd>; stoppedBy: NodeJS.Signals | null }> {
  if (early.first !== null || runs.length === 0) {
    early.stop();
    return { ended: new Map(), stoppedBy: early.first };
  }
  const err = process.stderr;
  const steps = new Map(sweep.spec.runs.map((r) => [r.id, r.steps]));
  const slots = Math.min(MAX_BARS, runs.length);
  const progress = createProgress({ stepsOf: new Map(runs.map((r) => [r.id, steps.get(r.id)!])), jobs: slots, stream: err, slotLabel: 'run' });
  const interrupts = listenForInterrupts({
    onFirst(sig) {
      progress.log(`${sig}: no longer following — the runs stay queued and the workers go on; ${sig === 'SIGINT' ? 'Ctrl-C' : sig} again exits at once`);
    },
    onSecond() {
      sweep.dir.lock.release();
      err.write(`\nmo-train: exited; the runs stay queued. Follow them again with: ${attach}\n`);
    },
  });
  early.stop();
  try {
    const result = await followRuns({
      target,
      queue,
      dir: sweep.dir.path,
      plan,
      runs,
      slots,
      events: { ...progress, onNote: (line) => progress.log(`mo-train: ${line}`) },
      shouldStop: () => interrupts.first !== null,
    });
    return { ended: result.ended, stoppedBy: result.stopped ? interrupts.first : null };
  } finally {
    progress.stop();
    interrupts.stop();
  }
}
