/**
 * End-to-end measures: the built CLI spawned as a user runs it, every output file written.
 * Each measure's results directories live in the bench's temp dir and are deleted as soon as
 * they have been read (a 500k-step steps.csv is ~50 MB).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { listChildPids, readProcMemory } from './proc-memory.js';
import { checkCliSucceeded, readRunSummaries, runCli } from './run-cli.js';
import { computeStats, type SampleStats } from './stats.js';

const CPU_AT_EXIT_URL = new URL('./cpu-at-exit.mjs', import.meta.url).href;

export interface RunTiming {
  readonly args: readonly string[];
  readonly steps: number;
  /** Spawn to exit, divided by steps: startup amortized over the run. */
  readonly wallUsPerStep: SampleStats;
  /** The run's own `wall_time_s` (summary.json) divided by steps: the in-run cost. */
  readonly inRunUsPerStep: SampleStats;
  readonly wallS: SampleStats;
  readonly rowsLogged: number;
}

/**
 * `mo-train run` repeated; every repeat writes into a fresh directory under `tmpDir`. With
 * `everyStepLogged`, a run whose steps.csv has fewer rows than steps is an error (the measure
 * claims every step was logged).
 */
export async function measureCliRun(
  tmpDir: string,
  label: string,
  runArgs: readonly string[],
  steps: number,
  repeats: number,
  everyStepLogged = false,
): Promise<RunTiming> {
  const wall: number[] = [];
  const inRun: number[] = [];
  let rowsLogged = 0;
  let args: string[] = [];
  for (let r = 0; r < repeats; r++) {
    const out = join(tmpDir, `${label}-${r}`);
    args = ['run', ...runArgs, '--steps', String(steps), '--out', out];
    const result = await runCli(args);
    checkCliSucceeded(args, result);
    const [summary] = readRunSummaries(out);
    if (!summary || summary.status !== 'finished' || summary.steps_run !== steps) {
      throw new Error(`bench: \`mo-train ${args.join(' ')}\` did not finish its ${steps} steps (${summary?.status}, ${summary?.steps_run} steps)`);
    }
    if (everyStepLogged && summary.rows_logged !== steps) {
      throw new Error(`bench: \`mo-train ${args.join(' ')}\` logged ${summary.rows_logged} rows, not one per step (${steps})`);
    }
    wall.push(result.wallS);
    inRun.push(summary.wall_time_s);
    rowsLogged = summary.rows_logged;
    rmSync(out, { recursive: true, force: true });
  }
  const perStep = (s: number) => (s * 1e6) / steps;
  return {
    args: args.map((a) => (a.startsWith(tmpDir) ? '<tmp>' : a)),
    steps,
    wallUsPerStep: computeStats(wall.map(perStep)),
    inRunUsPerStep: computeStats(inRun.map(perStep)),
    wallS: computeStats(wall),
    rowsLogged,
  };
}

export interface SweepTiming {
  readonly args: readonly string[];
  readonly runs: number;
  /** Spawn to exit, seconds, one sample per repeat. */
  readonly wallS: SampleStats;
  /** Every run's own `wall_time_s` over all repeats. */
  readonly runWallS: SampleStats;
  /** Per repeat, when asked for: the CPU time of the coordinator and of all workers. */
  readonly cpuS?: readonly SweepCpu[];
}

/** CPU time (user + system, all threads) of a sweep's processes, seconds, as bench/lib/cpu-at-exit.mjs records it at their exit. */
export interface SweepCpu {
  readonly coordinator: number;
  readonly workers: number;
}

/**
 * `mo-train sweep` repeated, wall clock including startup and the final tables. With `cpu`, each
 * process's CPU time is recorded at its exit as well (cpu-at-exit.mjs through NODE_OPTIONS, which
 * the workers inherit): the per-core cost, which wall time on a machine with a second core hides
 * (the coordinator, and the fsyncs waited for on the worker's thread pool, use it).
 */
export async function measureSweep(tmpDir: string, sweepArgs: readonly string[], repeats: number, options: { cpu?: boolean } = {}): Promise<SweepTiming> {
  const wall: number[] = [];
  const runWall: number[] = [];
  const cpu: SweepCpu[] = [];
  let runs = 0;
  let args: string[] = [];
  for (let r = 0; r < repeats; r++) {
    const out = join(tmpDir, `sweep-${r}`);
    const cpuFile = join(tmpDir, `sweep-${r}-cpu.jsonl`);
    args = ['sweep', ...sweepArgs, '--out', out];
    const result = await runCli(
      args,
      options.cpu ? { env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${CPU_AT_EXIT_URL}`.trim(), BENCH_CPU_FILE: cpuFile } } : {},
    );
    checkCliSucceeded(args, result);
    const summaries = readRunSummaries(out);
    runs = summaries.length;
    wall.push(result.wallS);
    for (const s of summaries) runWall.push(s.wall_time_s);
    if (options.cpu) {
      const records = readCpuRecords(cpuFile);
      const sum = (rs: typeof records) => rs.reduce((t, x) => t + (x.user_us + x.system_us) / 1e6, 0);
      const isWorker = (x: (typeof records)[number]) => x.argv.some((a) => a.endsWith('worker.js'));
      cpu.push({ coordinator: sum(records.filter((x) => !isWorker(x))), workers: sum(records.filter(isWorker)) });
      rmSync(cpuFile, { force: true });
    }
    rmSync(out, { recursive: true, force: true });
  }
  return {
    args: args.map((a) => (a.startsWith(tmpDir) ? '<tmp>' : a)),
    runs,
    wallS: computeStats(wall),
    runWallS: computeStats(runWall),
    ...(options.cpu ? { cpuS: cpu } : {}),
  };
}

function readCpuRecords(file: string): { argv: string[]; user_us: number; system_us: number }[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { argv: string[]; user_us: number; system_us: number });
}

export interface WorkerMemory {
  readonly pid: number;
  /** VmRSS at the first sample after 10% of the runs had finished (null: the worker started later). */
  readonly earlyRss: number | null;
  /** VmRSS at the first sample after half of the runs had finished: end ÷ this separates warm-up growth from a leak. */
  readonly halfRss: number | null;
  /** VmRSS at the last sample the worker was alive. */
  readonly endRss: number;
  /** VmHWM at the last sample: the kernel's peak. */
  readonly peakHwm: number;
  /** Largest sampled VmRSS. */
  readonly maxSampledRss: number;
  /** [seconds since spawn, VmRSS bytes] at every sample. */
  readonly series: readonly (readonly [number, number])[];
}

export interface BigSweepResult {
  readonly args: readonly string[];
  readonly runs: number;
  readonly wallS: number;
  /**
   * Every run's own `wall_time_s` (summary.json) ÷ its steps, µs: the in-run cost of one run-step
   * in a worker, i.e. per core (one worker is one thread).
   */
  readonly inRunUsPerRunStep: SampleStats;
  /** Finished runs when `earlyRss` and `halfRss` were taken. */
  readonly earlyAtRuns: number | null;
  readonly halfAtRuns: number | null;
  readonly sampleIntervalMs: number;
  readonly samples: number;
  readonly workers: readonly WorkerMemory[];
  readonly coordinator: { readonly peakHwm: number; readonly maxSampledRss: number; readonly endRss: number };
}

/** Fractions of finished runs at which every worker's VmRSS is recorded: early (10%) and half (50%). */
const MARKS = [0.1, 0.5] as const;

interface WorkerTrack {
  atMark: (number | null)[];
  end: number;
  hwm: number;
  max: number;
  series: [number, number][];
}

/**
 * One large sweep, with the coordinator's worker processes' memory sampled from /proc every
 * `intervalMs` while it runs. Progress comes from the plain one-line-per-finished-run output the
 * CLI prints when stderr is not a terminal (`[  n/N] id …`).
 */
export async function measureBigSweep(tmpDir: string, sweepArgs: readonly string[], intervalMs: number): Promise<BigSweepResult> {
  const out = join(tmpDir, 'big-sweep');
  const args = ['sweep', ...sweepArgs, '--out', out];
  let coordinator = 0;
  let finished = 0;
  let total = 0;
  /** Finished runs when each mark was taken; null until then. */
  const markRuns: (number | null)[] = MARKS.map(() => null);
  let samples = 0;
  const t0 = performance.now();
  const workers = new Map<number, WorkerTrack>();
  const coord = { hwm: 0, max: 0, end: 0 };
  const dueMarks = () => MARKS.flatMap((f, i) => (markRuns[i] === null && total > 0 && finished >= f * total ? [i] : []));

  const sample = () => {
    if (coordinator === 0) return;
    const me = readProcMemory(coordinator);
    if (!me) return;
    samples++;
    coord.hwm = Math.max(coord.hwm, me.hwm);
    coord.max = Math.max(coord.max, me.rss);
    coord.end = me.rss;
    const due = dueMarks();
    const t = (performance.now() - t0) / 1000;
    for (const pid of listChildPids(coordinator)) {
      const m = readProcMemory(pid);
      if (!m) continue;
      let w = workers.get(pid);
      if (!w) workers.set(pid, (w = { atMark: MARKS.map(() => null), end: m.rss, hwm: m.hwm, max: m.rss, series: [] }));
      w.end = m.rss;
      w.hwm = Math.max(w.hwm, m.hwm);
      w.max = Math.max(w.max, m.rss);
      w.series.push([Math.round(t * 1000) / 1000, m.rss]);
      for (const i of due) w.atMark[i] = m.rss;
    }
    for (const i of due) markRuns[i] = finished;
  };

  const timer = setInterval(sample, intervalMs);
  let result;
  try {
    result = await runCli(args, {
      onSpawn: (pid) => {
        coordinator = pid;
      },
      onStderrLine: (line) => {
        const m = /^\[\s*(\d+)\/(\d+)\]/.exec(line);
        if (!m) return;
        finished = Number(m[1]);
        total = Number(m[2]);
        // Sample right at a mark instead of up to one interval later.
        if (dueMarks().length > 0) sample();
      },
    });
  } finally {
    clearInterval(timer);
  }
  checkCliSucceeded(args, result);
  const summaries = readRunSummaries(out);
  rmSync(out, { recursive: true, force: true });
  return {
    args: args.map((a) => (a.startsWith(tmpDir) ? '<tmp>' : a)),
    runs: summaries.length,
    wallS: result.wallS,
    inRunUsPerRunStep: computeStats(summaries.map((s) => (s.wall_time_s * 1e6) / s.steps_run)),
    earlyAtRuns: markRuns[0] ?? null,
    halfAtRuns: markRuns[1] ?? null,
    sampleIntervalMs: intervalMs,
    samples,
    workers: [...workers.entries()].map(([pid, w]) => ({
      pid,
      earlyRss: w.atMark[0] ?? null,
      halfRss: w.atMark[1] ?? null,
      endRss: w.end,
      peakHwm: w.hwm,
      maxSampledRss: w.max,
      series: w.series,
    })),
    coordinator: { peakHwm: coord.hwm, maxSampledRss: coord.max, endRss: coord.end },
  };
}

export interface FixedCost {
  readonly args: readonly string[];
  /** Runs in the large sweep (the small one has 2). */
  readonly runs: number;
  /** (CPU of the large sweep − CPU of the small one) ÷ the runs between them, ms: coordinator and workers, all their threads. */
  readonly cpuMsPerRun: SampleStats;
  /** The same for spawn → exit wall time, ms. */
  readonly wallMsPerRun: SampleStats;
}

/**
 * The fixed cost of a run (issue 15): sweeps of `runs` and of 2 runs of 10 steps each, one worker,
 * alternating, each process's CPU time at exit (bench/lib/cpu-at-exit.mjs, loaded through
 * NODE_OPTIONS, so the workers write theirs too); the difference per run is what a run costs
 * besides its steps — hand-over, its files and fsyncs, the coordinator's bookkeeping.
 */
export async function measureFixedCost(tmpDir: string, runs: number, repeats: number, env: Readonly<Record<string, string>> = {}): Promise<FixedCost> {
  const cpu: number[] = [];
  const wall: number[] = [];
  let args: string[] = [];
  const sweep = async (n: number, r: number): Promise<{ cpuMs: number; wallMs: number }> => {
    const out = join(tmpDir, `fixed-${n}-${r}`);
    const cpuFile = join(tmpDir, `fixed-${n}-${r}.jsonl`);
    args = ['sweep', '--alpha', '0', '--seeds', `0-${n - 1}`, '--steps', '10', '--jobs', '1', '--out', out];
    const result = await runCli(args, {
      env: { ...env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${CPU_AT_EXIT_URL}`.trim(), BENCH_CPU_FILE: cpuFile },
    });
    checkCliSucceeded(args, result);
    const records = readCpuRecords(cpuFile);
    rmSync(out, { recursive: true, force: true });
    rmSync(cpuFile, { force: true });
    return { cpuMs: records.reduce((t, r) => t + r.user_us + r.system_us, 0) / 1000, wallMs: result.wallS * 1000 };
  };
  for (let r = 0; r < repeats; r++) {
    const small = await sweep(2, r);
    const large = await sweep(runs, r);
    cpu.push((large.cpuMs - small.cpuMs) / (runs - 2));
    wall.push((large.wallMs - small.wallMs) / (runs - 2));
  }
  return { args: args.map((a) => (a.startsWith(tmpDir) ? '<tmp>' : a)), runs, cpuMsPerRun: computeStats(cpu), wallMsPerRun: computeStats(wall) };
}
