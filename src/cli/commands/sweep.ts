/**
 * `mo-train sweep`: validate → preflight → create (or resume) the results directory under its
 * lock → run the grid in the worker pool with progress → print the summary tables.
 *
 * Resuming: `--resume DIR`, or the same command again with the same `--out`, skips the finished
 * runs and does the others again from the start; a directory that holds a different sweep is
 * refused with what changed. Ctrl-C (or SIGTERM) once: no new runs, the running ones stop after
 * their current step, flushed; exit 130 (143) with the command that resumes. Twice: abort at once.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { relative, resolve } from 'node:path';
import { UserError } from '../../errors.js';
import { runDirOf } from '../../results/layout.js';
import { createWorkerPool, type WorkerPool } from '../../runner/run-sweep.js';
import { MAX_JOBS_PER_CORE, type SweepOptions } from '../spec-options.js';

/** The flags that make up a spec: what `--resume DIR` alone repeats from sweep.json. */
const SPEC_FLAGS = ['spec', 'experiment', 'module', 'alpha', 'seeds', 'steps', 'optimizer', 'lr', 'logEvery', 'engine', 'backend', 'init', 'combine', 'name', 'set'] as const;

export async function sweepCommand(opts: SweepOptions, argv: readonly string[]): Promise<number> {
  const cwd = process.cwd();
  const err = process.stderr;
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
  // Started once everything is checked and the runs to do are known (below).
  let pool: WorkerPool | null = null;
  let lock: { release(): void } | null = null;
  let interruptedBy: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interruptedBy !== null) {
      // Second signal: abort now. Every run not finished stays unfinished, and resume redoes it.
      pool?.abort();
      lock?.release();
      err.write(`\nmo-train: aborted by a second ${sig}; ${resumeHint()}\n`);
      process.exit(sig === 'SIGINT' ? 130 : 143);
    }
    interruptedBy = sig;
    pool?.interrupt();
  };
  let resumeHint = () => 'resume with the same command';
  try {
    const [{ specFromOptions, describeGrid, nameAfterModule }, { resolveEngine }, files, { preflight }, { runSweepRuns }, { createProgress }, summarize, resume, results, runFiles, sweepLock] =
      await Promise.all([
        import('../spec-from-options.js'),
        import('../../engine/create-oracle.js'),
        import('../../io/sweep-files.js'),
        import('../../runner/preflight.js'),
        import('../../runner/run-sweep.js'),
        import('../progress.js'),
        import('../print-summary.js'),
        import('../../runner/resume.js'),
        import('../../io/read-results.js'),
        import('../../io/run-files.js'),
        import('../../io/sweep-lock.js'),
      ]);

    // Is this a new sweep, or the continuation of the one in --resume/--out?
    const target = opts.resume ?? opts.out;
    const targetAbs = target !== undefined ? resolve(cwd, target) : undefined;
    const stored = targetAbs !== undefined && existsSync(targetAbs) ? files.readSweepManifest(targetAbs, target!) : null;
    if (opts.resume !== undefined && stored === null) {
      throw new UserError(`--resume ${opts.resume}: ${existsSync(targetAbs!) ? 'has no sweep.json' : 'no such directory'}; nothing to resume`);
    }
    const givenFlags = Object.fromEntries(SPEC_FLAGS.filter((k) => isGiven(opts[k])).map((k) => [k, opts[k]]));
    // `--resume DIR` starts from the sweep's own flags (as given where it was started); flags given
    // with it override them — and must still describe the same sweep. The same command again on
    // the same --out is judged by its own flags.
    // (Paths given now are made absolute: the merged flags resolve against the sweep's own cwd.)
    const invocation =
      stored !== null && opts.resume !== undefined
        ? { argv, cwd: stored.cwd, flags: { ...stored.flags, ...absolutePaths(givenFlags, cwd) } }
        : { argv, cwd, flags: givenFlags };
    let spec = specFromOptions({ set: [], ...(invocation.flags as Partial<SweepOptions>) }, 'sweep', invocation.cwd);
    const now = new Date();
    let manifest = files.buildManifest(spec, invocation, now);
    // A resumed directory is locked first (a busy one is refused with its holder's name); then
    // one that holds a different sweep is refused before anything else happens (the module is not
    // even loaded).
    const lockWarnings: string[] = [];
    if (stored !== null) {
      const taken = sweepLock.acquireSweepLock(targetAbs!, now);
      lock = taken;
      if (taken.reclaimed) lockWarnings.push(`took over ${target}/.lock from pid ${taken.reclaimed.pid} (${taken.reclaimed.host}), which is no longer running`);
      const diff = resume.compareSweeps(stored, manifest);
      if (diff.length > 0) {
        throw new UserError(
          `${target} holds a different sweep; resume it with its own settings (or --resume ${target} alone), or pass a new --out for a new sweep. What differs:\n  ${diff.join('\n  ')}`,
        );
      }
    }
    const checked = await preflight(spec.runs);
    const warnings = [...lockWarnings, ...checked.warnings];
    spec = nameAfterModule(spec, checked.moduleName);
    manifest = { ...manifest, name: spec.name };

    let outDir: string;
    let done: import('../../results/summary-file.js').RunSummary[] = [];
    let toRun = spec.runs;
    let resumeNote = '';
    if (stored !== null) {
      outDir = targetAbs!;
      files.ensureRunsDir(outDir);
      files.removeStaleTempFiles(outDir);
      const plan = resume.planResume((await results.readResults(outDir)).runs);
      for (const t of plan.todo) if (t.was !== 'missing') runFiles.clearRunDir(runDirOf(outDir, t.id));
      done = [...plan.done];
      const todo = new Set(plan.todo.map((t) => t.id));
      toRun = spec.runs.filter((r) => todo.has(r.id));
      const again = plan.todo.filter((t) => t.was !== 'missing').length;
      resumeNote = ` — resuming: ${done.length} finished, ${toRun.length} to do${again > 0 ? ` (${again} again from the start)` : ''}`;
    } else {
      outDir = files.prepareOutDir(opts.out, spec.name, now, cwd);
      const taken = sweepLock.acquireSweepLock(outDir, now);
      lock = taken;
      if (taken.reclaimed) warnings.push(`took over ${target}/.lock from pid ${taken.reclaimed.pid} (${taken.reclaimed.host}), which is no longer running`);
      files.removeStaleTempFiles(outDir);
      files.writeSweepManifest(outDir, manifest);
    }
    const shown = relative(cwd, outDir) || '.';
    resumeHint = () => `resume with: mo-train sweep --resume ${shown}`;

    const workers = Math.min(jobs, Math.max(1, toRun.length));
    const engines = [...new Set(spec.runs.map((r) => resolveEngine(r)))].join('+');
    const steps = [...new Set(spec.runs.map((r) => r.steps))].join('/');
    err.write(
      `mo-train sweep: ${spec.runs.length} run${spec.runs.length === 1 ? '' : 's'} (${describeGrid(spec)}), ${steps} steps each, engine ${engines}, ` +
        `${workers} worker${workers === 1 ? '' : 's'} → ${shown}${resumeNote}\n`,
    );
    for (const w of warnings) err.write(`warning: ${w}\n`);

    pool = createWorkerPool(workers, workerMemoryMb !== undefined ? { workerMemoryMb } : {});
    const progress = createProgress({ stepsOf: new Map(toRun.map((r) => [r.id, r.steps])), jobs: workers, stream: err });
    const onFirstSignal = (sig: NodeJS.Signals) => {
      if (interruptedBy === null) progress.log(`${sig}: stopping — running runs stop after their current step; ${sig === 'SIGINT' ? 'Ctrl-C' : sig} again aborts at once`);
      onSignal(sig);
    };
    process.on('SIGINT', onFirstSignal);
    process.on('SIGTERM', onFirstSignal);
    let ran;
    try {
      // Worker output goes above the bars, tagged with its run; V8's native stack dump after a
      // fatal error (lines like " 3: 0xee85e7 v8::…") says nothing to a user and is left out.
      const onWorkerOutput = (id: string, line: string) => {
        if (!/^\s*\d+: 0x[0-9a-f]+/.test(line)) progress.log(`[${id}] ${line}`);
      };
      ran = await runSweepRuns(pool, toRun, outDir, { ...progress, onWorkerOutput }, runTimeout !== undefined ? { runTimeoutMs: runTimeout * 1000 } : {});
    } finally {
      progress.stop();
      process.off('SIGINT', onFirstSignal);
      process.off('SIGTERM', onFirstSignal);
    }

    process.stdout.write('\n');
    const finished = ran.filter((r): r is import('../../results/summary-file.js').RunSummary => r.status === 'finished' || r.status === 'failed');
    if (interruptedBy !== null) {
      // Partial results: read back from disk, so unfinished and not-started runs are listed as such.
      await summarize.printResultsDirSummary(outDir);
      const stopped = ran.filter((r) => r.status === 'interrupted').length;
      const notStarted = ran.filter((r) => r.status === 'not-started').length;
      err.write(
        `mo-train: interrupted (${interruptedBy}): ${done.length + finished.length} of ${spec.runs.length} runs finished, ` +
          `${stopped} stopped, ${notStarted} not started; ${resumeHint()}\n`,
      );
      return interruptedBy === 'SIGINT' ? 130 : 143;
    }
    const byId = new Map([...done, ...finished].map((s) => [s.id, s]));
    const summaries = spec.runs.map((r) => byId.get(r.id)).filter((s) => s !== undefined);
    const code = summarize.summarizeFinishedSweep(outDir, spec.name, summaries);
    if (code !== 0) return code;
    const failed = finished.filter((s) => s.status === 'failed');
    for (const s of failed) err.write(`mo-train: run ${s.id} failed: ${s.error?.message.split('\n')[0] ?? 'unknown error'}\n`);
    if (failed.length > 0) {
      err.write(`mo-train: ${failed.length} of ${spec.runs.length} runs failed (details in runs/<id>/summary.json); ${resumeHint()} to run them again\n`);
      return 1;
    }
    if (opts.strict && summaries.some((s) => s.verdict === 'diverged')) return 1;
    return 0;
  } finally {
    lock?.release();
    await pool?.terminate();
  }
}

/** The file flags of `flags` (spec, module, init) made absolute against `cwd`. */
function absolutePaths(flags: Record<string, unknown>, cwd: string): Record<string, unknown> {
  const out = { ...flags };
  for (const k of ['spec', 'module', 'init']) if (typeof out[k] === 'string') out[k] = resolve(cwd, out[k] as string);
  return out;
}

function isGiven(value: unknown): boolean {
  return Array.isArray(value) ? value.length > 0 : value !== undefined;
}

/** An optional whole-number flag in [min, max]; a one-line error naming the flag otherwise (with where `max` comes from). */
function parseCount(flag: string, text: string | undefined, min: number, max: number, unit: string, maxReason?: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UserError(`${flag}: "${text}" is not valid; allowed: a whole number of ${unit} from ${min} to ${max}${maxReason !== undefined ? ` (${maxReason})` : ''}`);
  }
  return n;
}
