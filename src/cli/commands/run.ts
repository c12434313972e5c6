/**
 * `mo-train run`: one run, in this process, with a progress bar (off a terminal, a line every few
 * seconds); the results directory has the same layout as a sweep's (a one-run sweep.json), so
 * `summarize` reads both.
 */
import { relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import cliProgress from 'cli-progress';
import { resolveEngine } from '../../engine/create-oracle.js';
import { UserError } from '../../errors.js';
import { runDirOf } from '../../results/layout.js';
import { buildManifest } from '../../io/sweep-files.js';
import { executeRun } from '../../runner/execute-run.js';
import { preflight } from '../../runner/preflight.js';
import { createResultsDir } from '../../runner/results-dir.js';
import { createYieldingStop } from '../../runner/yielding-stop.js';
import type { SpecOptions } from '../spec-options.js';
import type { RunConfig, SweepSpec } from '../../spec/types.js';
import { exitCodeOf, listenForInterrupts } from '../interrupts.js';
import { renderRunProgress } from '../progress.js';
import { nameAfterModule, specFromOptions } from '../spec-from-options.js';
import { summarizeFinishedSweep } from '../print-summary.js';

/** Seconds between two progress lines off a terminal: often enough to see a run is alive, rarely enough for a CI log. */
const PROGRESS_INTERVAL_S = 5;

export async function runCommand(opts: SpecOptions, argv: readonly string[]): Promise<number> {
  const cwd = process.cwd();
  const progressIntervalS = parseProgressInterval(process.env['MO_TRAIN_PROGRESS_INTERVAL']);
  const parsed = specFromOptions(opts, 'run', cwd);
  const config = parsed.runs[0]!;
  // A command's program is looked up, but not started twice: the run itself is the check, and its
  // failure is one failed run with the script's exit status and last words.
  const { warnings, moduleName } = await preflight(parsed.runs, { commandStartMs: null });
  const spec = nameAfterModule(parsed, moduleName);
  const now = new Date();
  // An --out left by a run killed before it wrote sweep.json is taken over (createResultsDir).
  const dir = createResultsDir(opts.out, `run-${spec.name}`, buildManifest(spec, { argv, cwd, flags: { ...opts } }, now), now, cwd);
  try {
    return await runIn(dir.path, spec, config, [...warnings, ...dir.warnings], opts, cwd, progressIntervalS);
  } finally {
    dir.lock.release();
  }
}

async function runIn(
  outDir: string,
  spec: SweepSpec,
  config: RunConfig,
  warnings: readonly string[],
  opts: SpecOptions,
  cwd: string,
  progressIntervalS: number,
): Promise<number> {
  const err = process.stderr;
  err.write(`mo-train run: ${config.id}, ${config.steps} steps, engine ${resolveEngine(config)} → ${relative(cwd, outDir) || '.'}\n`);
  for (const w of warnings) err.write(`warning: ${w}\n`);
  const bar = err.isTTY
    ? new cliProgress.SingleBar(
        { stream: err, format: '{bar} {percentage}% | step {value}/{total} | ETA {eta_formatted}', hideCursor: true },
        cliProgress.Presets.shades_grey,
      )
    : null;
  bar?.start(config.steps, 0);
  // Off a terminal (CI logs, pipes) a bar cannot redraw: a line every few seconds instead, so a
  // long run (a tfjs module: minutes) is visibly alive. The training loop lets the event loop turn
  // every 25 ms (createYieldingStop), so the timer fires during training too.
  let stepsDone = 0;
  const started = performance.now();
  const ticker =
    bar === null
      ? setInterval(
          () => err.write(`${renderRunProgress(stepsDone, config.steps, (performance.now() - started) / 1000)}\n`),
          // Node's timers hold at most 2^31 − 1 ms (24.8 days) and fire at once beyond: longer means never.
          Math.min(progressIntervalS * 1000, 2 ** 31 - 1),
        )
      : undefined;
  // Ctrl-C once: stop after the current step, flushed (exit 130); twice: at once.
  const interrupts = listenForInterrupts();
  let summary;
  try {
    summary = await executeRun(config, runDirOf(outDir, config.id), {
      onProgress: (done) => {
        stepsDone = done;
        bar?.update(done);
      },
      shouldStop: createYieldingStop(() => interrupts.first !== null),
    });
  } finally {
    clearInterval(ticker);
    bar?.stop();
    interrupts.stop();
  }
  if (summary.status === 'interrupted') {
    err.write(
      `mo-train: interrupted (${interrupts.first}) after ${summary.steps_run} of ${config.steps} steps; what was logged is in ${relative(cwd, outDir) || '.'}\n`,
    );
    return exitCodeOf(interrupts.first);
  }

  process.stdout.write('\n');
  const code = summarizeFinishedSweep(outDir, spec.name, [summary]);
  if (code !== 0) return code;
  if (summary.status === 'failed') {
    err.write(`mo-train: the run failed: ${summary.error?.message.split('\n')[0] ?? 'unknown error'}\n`);
    return 1;
  }
  return opts.strict && summary.verdict === 'diverged' ? 1 : 0;
}

/** MO_TRAIN_PROGRESS_INTERVAL: seconds between progress lines off a terminal; a one-line error when it is not a number > 0. */
function parseProgressInterval(text: string | undefined): number {
  if (text === undefined) return PROGRESS_INTERVAL_S;
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new UserError(
      `MO_TRAIN_PROGRESS_INTERVAL: "${text}" is not valid; allowed: seconds between progress lines, a number > 0 (default ${PROGRESS_INTERVAL_S})`,
    );
  }
  return seconds;
}
