/**
 * `mo-train sweep`: check the flags → open the sweep (validate, preflight, create or resume the
 * results directory under its lock) → run the grid in the worker pool with progress → report the
 * summary tables and the exit code.
 *
 * Resuming: `--resume DIR`, or the same command again with the same `--out`, skips the finished
 * runs and does the others again from the start; a directory that holds a different sweep is
 * refused with what changed. Ctrl-C (or SIGTERM) once: no new runs, the running ones stop after
 * their current step, flushed; exit 130 (143) with the command that resumes. Twice: abort at once.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { relative, resolve } from 'node:path';
import { resolveEngine } from '../../engine/create-oracle.js';
import { UserError } from '../../errors.js';
import { parseCount } from '../parse-count.js';
import { buildManifest, readSweepManifest } from '../../io/sweep-files.js';
import { preflight } from '../../runner/preflight.js';
import { createResultsDir, lockSweepToResume, prepareResume, type OpenResultsDir } from '../../runner/results-dir.js';
import { createWorkerPool, runSweepRuns, type SweepRunResult, type WorkerPool } from '../../runner/run-sweep.js';
import { planRunGroups } from '../../runner/run-groups.js';
import type { RunConfig, SweepSpec } from '../../spec/types.js';
import type { RunSummary } from '../../results/summary-file.js';
import { exitCodeOf, listenForInterrupts } from '../interrupts.js';
import { MAX_JOBS_PER_CORE, type SweepOptions } from '../spec-options.js';
import type { ProgressDisplay } from '../progress.js';
import { describeGrid, nameAfterModule, pickSpecFlags, readPreflightOptions, specFromOptions } from '../spec-from-options.js';

/** How the pool runs: the flags checked before anything else happens. */
interface PoolLimits {
  readonly jobs: number;
  readonly runTimeout: number | undefined;
  readonly workerMemoryMb: number | undefined;
}

/** A sweep ready to run: its spec, its results directory (locked), and what is left to do. */
export interface OpenSweep {
  readonly spec: SweepSpec;
  readonly dir: OpenResultsDir;
  /** Runs a resumed sweep had finished: their summaries, reused. */
  readonly done: readonly RunSummary[];
  readonly toRun: readonly RunConfig[];
  /** After the header line: what a resume keeps and redoes ('' for a new sweep). */
  readonly resumeNote: string;
  readonly warnings: readonly string[];
}

export async function sweepCommand(opts: SweepOptions, argv: readonly string[]): Promise<number> {
  const cwd = process.cwd();
  const err = process.stderr;
  const limits = parsePoolLimits(opts, cwd);
  const sweep = await openSweep(opts, argv, cwd);
  // Started once everything is checked and the runs to do are known — and at once: the workers
  // boot (~0.3 s, two at a time on a 2-core VM) while this process still loads its progress display.
  let pool: WorkerPool | null = null;
  let poolStopped: Promise<void> | null = null;
  try {
    const workers = Math.min(limits.jobs, Math.max(1, sweep.toRun.length));
    // As many as the runs can keep busy: a pair of runs (or a batch) goes to one worker.
    const startNow = Math.min(workers, planRunGroups(sweep.toRun, workers).length);
    pool = createWorkerPool(workers, { startNow, ...(limits.workerMemoryMb !== undefined ? { workerMemoryMb: limits.workerMemoryMb } : {}) });
    const shown = relative(cwd, sweep.dir.path) || '.';
    const resumeHint = `resume with: mo-train sweep --resume ${shown}`;
    err.write(renderSweepHeader(sweep, workers, shown));
    for (const w of sweep.warnings) err.write(`warning: ${w}\n`);
    const { ran, interruptedBy } = await runWithProgress(pool, sweep, workers, limits, resumeHint);
    // The workers have nothing more to do: they exit while the summary is written. (A worker's
    // exit takes 25–37 ms before the coordinator hears of it, measured on the 12-run sweep.)
    poolStopped = pool.terminate();
    poolStopped.catch(() => {}); // (its error, if any, is thrown below, where it is awaited)
    return await reportSweep(sweep, ran, interruptedBy, resumeHint, opts.strict === true);
  } finally {
    sweep.dir.lock.release();
    await (poolStopped ?? pool?.terminate());
  }
}

export function parsePoolLimits(opts: SweepOptions, cwd: string): PoolLimits {
  const cores = availableParallelism();
  // A worker is a CPU-bound process of its own (~80 MB): beyond a few per core they only compete
  // for the cores and the memory. A larger --jobs is a typo or a misunderstanding, refused before
  // anything starts; one larger than the runs to do is harmless and needs no flag of its own.
  const jobs = parseCount('--jobs', opts.jobs, 1, MAX_JOBS_PER_CORE * cores, 'workers', `${MAX_JOBS_PER_CORE} × this machine's ${cores} cores`) ?? cores;
  const runTimeout = parseCount('--run-timeout', opts.runTimeout, 1, 10_000_000, 'seconds');
  const workerMemoryMb = parseCount('--worker-memory', opts.workerMemory, 64, 1_048_576, 'megabytes');
  if (opts.resume !== undefined && opts.out !== undefined && resolve(cwd, opts.resume) !== resolve(cwd, opts.out)) {
    throw new UserError(`--resume ${opts.resume} and --out ${opts.out} name different directories; pass one of them`);
  }
  return { jobs, runTimeout, workerMemoryMb };
}

/**
 * The spec, checked, and its results directory, locked: a new sweep's created, or the one in
 * --resume/--out continued. Whatever fails here leaves no lock behind. (`keepUnfinished`: for
 * `--queue`, whose workers may be doing those runs now — their claims are theirs; see prepareResume.)
 */
export async function openSweep(opts: SweepOptions, argv: readonly string[], cwd: string, keepUnfinished = false): Promise<OpenSweep> {
  // Is this a new sweep, or the continuation of the one in --resume/--out?
  const target = opts.resume ?? opts.out;
  const targetAbs = target !== undefined ? resolve(cwd, target) : undefined;
  const stored = targetAbs !== undefined && existsSync(targetAbs) ? readSweepManifest(targetAbs, target!) : null;
  if (stored?.boundary !== undefined) {
    throw new UserError(
      `${target}: holds a boundary search (mo-train boundary --param ${stored.boundary.param} …); resume it with that same command, or pass a new --out`,
    );
  }
  if (opts.resume !== undefined && stored === null) {
    throw new UserError(`--resume ${opts.resume}: ${existsSync(targetAbs!) ? 'has no sweep.json' : 'no such directory'}; nothing to resume`);
  }
  const givenFlags = pickSpecFlags(opts);
  // `--resume DIR` starts from the sweep's own flags (as given where it was started); flags given
  // with it override them — and must still describe the same sweep. The same command again on
  // the same --out is judged by its own flags.
  // (Paths given now are made absolute: the merged flags resolve against the sweep's own cwd.)
  const invocation =
    stored !== null && opts.resume !== undefined
      ? { argv, cwd: stored.cwd, flags: { ...stored.flags, ...absolutePaths(givenFlags, cwd) } }
      : { argv, cwd, flags: givenFlags };
  let spec = specFromOptions({ set: [], ...(invocation.flags as Partial<SweepOptions>) }, 'sweep', invocation.cwd);
  const preflightOptions = readPreflightOptions(opts);
  const now = new Date();
  let manifest = buildManifest(spec, invocation, now);
  // A resumed directory is locked and compared before the module is even loaded.
  const resumed = stored !== null ? lockSweepToResume(targetAbs!, target!, stored, manifest, now, { claimsAllowed: keepUnfinished }) : null;
  try {
    const checked = await preflight(spec.runs, preflightOptions);
    const warnings = [...(resumed?.warnings ?? []), ...checked.warnings];
    spec = nameAfterModule(spec, checked.moduleName);
    manifest = { ...manifest, name: spec.name };
    if (resumed !== null) {
      const { done, todo, again } = await prepareResume(resumed.path, { clear: !keepUnfinished });
      const toRun = spec.runs.filter((r) => todo.has(r.id));
      const resumeNote = ` — resuming: ${done.length} finished, ${toRun.length} to do${again > 0 ? ` (${again} again from the start)` : ''}`;
      return { spec, dir: resumed, done, toRun, resumeNote, warnings };
    }
    const dir = createResultsDir(opts.out, spec.name, manifest, now, cwd);
    return { spec, dir, done: [], toRun: spec.runs, resumeNote: '', warnings: [...warnings, ...dir.warnings] };
  } catch (error) {
    resumed?.lock.release();
    throw error;
  }
}

function renderSweepHeader(sweep: OpenSweep, workers: number, shown: string): string {
  const { spec } = sweep;
  const engines = [...new Set(spec.runs.map((r) => resolveEngine(r)))].join('+');
  const steps = [...new Set(spec.runs.map((r) => r.steps))].join('/');
  return (
    `mo-train sweep: ${spec.runs.length} run${spec.runs.length === 1 ? '' : 's'} (${describeGrid(spec)}), ${steps} steps each, engine ${engines}, ` +
    `${workers} worker${workers === 1 ? '' : 's'} → ${shown}${sweep.resumeNote}\n`
  );
}

/** The runs left to do, in the pool, with progress on stderr; Ctrl-C once stops them cleanly, twice at once. */
async function runWithProgress(
  pool: WorkerPool,
  sweep: OpenSweep,
  workers: number,
  limits: PoolLimits,
  resumeHint: string,
): Promise<{ ran: SweepRunResult[]; interruptedBy: NodeJS.Signals | null }> {
  const err = process.stderr;
  let progress: ProgressDisplay | null = null;
  // In place before the progress display is loaded (below, while the workers boot): a Ctrl-C in
  // between stops the sweep like any other, instead of Node's default exit by signal.
  const interrupts = listenForInterrupts({
    onFirst(sig) {
      const line = `${sig}: stopping — running runs stop after their current step; ${sig === 'SIGINT' ? 'Ctrl-C' : sig} again aborts at once`;
      if (progress !== null) progress.log(line);
      else err.write(`${line}\n`);
      pool.interrupt();
    },
    onSecond(sig) {
      // Every run not finished stays unfinished, and resume redoes it.
      pool.abort();
      sweep.dir.lock.release();
      err.write(`\nmo-train: aborted by a second ${sig}; ${resumeHint}\n`);
    },
  });
  try {
    // Imported now, not with this module: its modules (cli-progress, chalk; ~20 ms) load while
    // the workers boot instead of before they start.
    const { createProgress } = await import('../progress.js');
    const shown = createProgress({ stepsOf: new Map(sweep.toRun.map((r) => [r.id, r.steps])), jobs: workers, stream: err });
    progress = shown;
    // Worker output goes above the bars, tagged with its run; V8's native stack dump after a
    // fatal error (lines like " 3: 0xee85e7 v8::…") says nothing to a user and is left out.
    const onWorkerOutput = (id: string, line: string) => {
      if (!/^\s*\d+: 0x[0-9a-f]+/.test(line)) shown.log(`[${id}] ${line}`);
    };
    // Once every run has started, a run that ends leaves its worker with nothing to do: its core
    // loads the summary's modules while the other workers finish, instead of after them.
    let started = 0;
    const onRunStart = (id: string, slot: number) => {
      started++;
      shown.onRunStart?.(id, slot);
    };
    const onRunEnd: typeof shown.onRunEnd = (id, slot, result) => {
      shown.onRunEnd?.(id, slot, result);
      // (A failed import is reported where the summary needs it.)
      if (started >= sweep.toRun.length) loadPrintSummary().catch(() => {});
    };
    const ran = await runSweepRuns(
      pool,
      sweep.toRun,
      sweep.dir.path,
      { ...shown, onRunStart, onRunEnd, onWorkerOutput },
      limits.runTimeout !== undefined ? { runTimeoutMs: limits.runTimeout * 1000 } : {},
    );
    return { ran, interruptedBy: interrupts.first };
  } finally {
    progress?.stop();
    interrupts.stop();
  }
}

/**
 * The summary's modules (tables, aggregates, csv-stringify; ~12 ms to load), imported once when
 * first needed instead of with this module: loaded before the workers start, they delay every run.
 */
let printSummaryModule: Promise<typeof import('../print-summary.js')> | undefined;
const loadPrintSummary = () => (printSummaryModule ??= import('../print-summary.js'));

/** The summary tables on stdout (partial ones after an interruption), failures on stderr; the exit code. */
export async function reportSweep(
  sweep: OpenSweep,
  ran: readonly SweepRunResult[],
  interruptedBy: NodeJS.Signals | null,
  resumeHint: string,
  strict: boolean,
): Promise<number> {
  const err = process.stderr;
  const { spec, done } = sweep;
  const outDir = sweep.dir.path;
  const { printResultsDirSummary, summarizeFinishedSweep } = await loadPrintSummary();
  process.stdout.write('\n');
  const finished = ran.filter((r): r is RunSummary => r.status === 'finished' || r.status === 'failed');
  if (interruptedBy !== null) {
    // Partial results: read back from disk, so unfinished and not-started runs are listed as such.
    await printResultsDirSummary(outDir);
    const stopped = ran.filter((r) => r.status === 'interrupted').length;
    const notStarted = ran.filter((r) => r.status === 'not-started').length;
    err.write(
      `mo-train: interrupted (${interruptedBy}): ${done.length + finished.length} of ${spec.runs.length} runs finished, ` +
        `${stopped} stopped, ${notStarted} not started; ${resumeHint}\n`,
    );
    return exitCodeOf(interruptedBy);
  }
  const byId = new Map([...done, ...finished].map((s) => [s.id, s]));
  const summaries = spec.runs.map((r) => byId.get(r.id)).filter((s) => s !== undefined);
  const code = summarizeFinishedSweep(outDir, spec.name, summaries);
  if (code !== 0) return code;
  const failed = finished.filter((s) => s.status === 'failed');
  for (const s of failed) err.write(`mo-train: run ${s.id} failed: ${s.error?.message.split('\n')[0] ?? 'unknown error'}\n`);
  if (failed.length > 0) {
    err.write(`mo-train: ${failed.length} of ${spec.runs.length} runs failed (details in runs/<id>/summary.json); ${resumeHint} to run them again\n`);
    return 1;
  }
  if (strict && summaries.some((s) => s.verdict === 'diverged')) return 1;
  return 0;
}

/** The file flags of `flags` (spec, module, init) made absolute against `cwd`. */
function absolutePaths(flags: Record<string, unknown>, cwd: string): Record<string, unknown> {
  const out = { ...flags };
  for (const k of ['spec', 'module', 'init']) if (typeof out[k] === 'string') out[k] = resolve(cwd, out[k] as string);
  return out;
}
