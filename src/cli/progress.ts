/**
 * Progress for `run` and `sweep`: on a terminal, one bar per worker and an overall bar with ETA
 * (cli-progress); otherwise (CI logs, pipes) one plain line per finished run, and for `run` a
 * line every few seconds (renderRunProgress).
 */
import { createRequire } from 'node:module';
import chalk from 'chalk';
import type CliProgress from 'cli-progress';
import type { SweepEvents } from '../runner/run-sweep.js';
import type { RunResult } from '../runner/execute-run.js';
import { fmt } from '../summary/verdict.js';
import { colorVerdict } from './render-verdict.js';

/**
 * cli-progress is loaded for a terminal only (its CommonJS build keeps createProgress sync): off
 * a terminal (CI, pipes, the bench) it is never used, and a sweep loads this module while its
 * workers boot, where its ~15 ms of loading competes with them for the cores (measured: fresh
 * processes, 2-core VM).
 */
const requireLazily = createRequire(import.meta.url);

export interface ProgressDisplay extends SweepEvents {
  /** Prints a line above the bars (or plainly). */
  log(line: string): void;
  stop(): void;
}

export function createProgress(opts: {
  /** Steps of each run, by run id. */
  stepsOf: ReadonlyMap<string, number>;
  jobs: number;
  stream: NodeJS.WriteStream;
  /** What a bar stands for, before its number: 'worker' (the sweep's pool) unless told. */
  slotLabel?: string;
  /** Bars cleared when stopped (a boundary search's rounds, one after another), not left on the screen. */
  transient?: boolean;
}): ProgressDisplay {
  const { stepsOf, jobs, stream } = opts;
  const slotLabel = opts.slotLabel ?? 'worker';
  const runs = stepsOf.size;
  const maxSteps = Math.max(...stepsOf.values());
  const totalSteps = [...stepsOf.values()].reduce((a, b) => a + b, 0);
  let finished = 0;
  const width = String(runs).length;
  const endLine = (id: string, r: RunResult) => {
    if (r.status === 'interrupted') return `[${String(finished).padStart(width)}/${runs}] ${id}  ${chalk.yellow('interrupted')} after ${r.steps_run} steps`;
    const final = r.final ? `loss1 ${fmt(r.final.loss1)}  loss2 ${fmt(r.final.loss2)}` : (r.error?.message.split('\n')[0] ?? '');
    return `[${String(finished).padStart(width)}/${runs}] ${id}  ${colorVerdict(r.verdict)}  ${final}  (${r.wall_time_s.toFixed(1)} s)`;
  };

  if (!stream.isTTY) {
    return {
      onRunEnd(id, _slot, summary) {
        finished++;
        stream.write(`${endLine(id, summary)}\n`);
      },
      log: (line) => stream.write(`${line}\n`),
      stop() {},
    };
  }

  const cliProgress = requireLazily('cli-progress') as typeof CliProgress;
  const multibar = new cliProgress.MultiBar(
    {
      stream,
      clearOnComplete: opts.transient === true,
      hideCursor: true,
      autopadding: true,
      etaBuffer: 50,
      format: `{label} ${chalk.cyan('{bar}')} {percentage}% | {detail}`,
      barsize: 24,
    },
    cliProgress.Presets.shades_grey,
  );
  const total = multibar.create(
    totalSteps,
    0,
    { label: 'all runs ', runs: `0/${runs}` },
    { format: `{label} ${chalk.green('{bar}')} {percentage}% | {runs} runs | elapsed {duration_formatted} | ETA {eta_formatted}` },
  );
  const bars = Array.from({ length: Math.min(jobs, runs) }, (_, i) =>
    multibar.create(maxSteps, 0, { label: `${slotLabel} ${String(i + 1).padEnd(2)}`, detail: chalk.dim('idle') }),
  );
  // Steps already counted per running run, so the overall bar moves with every progress message.
  const counted = new Map<string, number>();
  let doneSteps = 0;
  const advance = (id: string, stepsDone: number) => {
    doneSteps += stepsDone - (counted.get(id) ?? 0);
    counted.set(id, stepsDone);
  };
  const updateTotal = () => total.update(doneSteps, { runs: `${finished}/${runs}` });

  return {
    onRunStart(id, slot) {
      counted.set(id, 0);
      bars[slot]?.setTotal(stepsOf.get(id) ?? maxSteps);
      bars[slot]?.update(0, { detail: id });
    },
    onRunProgress(id, slot, stepsDone) {
      advance(id, stepsDone);
      bars[slot]?.update(stepsDone, { detail: `${id}  ${stepsDone}/${stepsOf.get(id) ?? maxSteps}` });
      updateTotal();
    },
    onRunEnd(id, slot, summary) {
      finished++;
      const steps = stepsOf.get(id) ?? maxSteps;
      // A run stopped at divergence still counts all its steps as done for the ETA.
      advance(id, steps);
      counted.delete(id);
      const label = summary.status === 'interrupted' ? chalk.yellow('interrupted') : colorVerdict(summary.verdict);
      if (slot !== null) bars[slot]?.update(steps, { detail: `${id}  ${label}` });
      updateTotal();
    },
    log: (line) => multibar.log(`${line}\n`),
    stop: () => multibar.stop(),
  };
}

/**
 * How far one run is, as a line for a log (`mo-train run` off a terminal, every few seconds):
 * steps done of the total, the rate so far and the time left at that rate.
 */
export function renderRunProgress(done: number, total: number, elapsedS: number): string {
  const head = `step ${done}/${total} (${Math.floor((100 * done) / total)}%)`;
  if (done === 0 || elapsedS <= 0) return `${head}, starting`;
  const rate = done / elapsedS;
  // Whole steps/s for fast runs; a slow module's few steps a second keep three digits.
  const shownRate = rate >= 100 ? String(Math.round(rate)) : String(Number(rate.toPrecision(3)));
  return `${head}, ${shownRate} steps/s, ETA ${renderDuration((total - done) / rate)}`;
}

/** 14 s, 38 min 04 s, 65 h 05 min: as precise as a time left can usefully be. */
function renderDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  const minutes = Math.round(s / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}
