/**
 * Executes one run whose training is an external command (the `command` engine, issue 12): its
 * placeholders filled, the script started without a shell, its protocol lines logged to
 * steps.csv and watched by the monitor as they come, everything else it prints kept in
 * output.log; then the same verdict and summary.json as any run. The script is stopped (SIGTERM,
 * then SIGKILL) at a divergence with `stop_on_diverge`, at an interruption and at its timeout.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CommandChild, type ChildExit } from '../engine/command/command-child.js';
import { UserError } from '../errors.js';
import { createRunDir, writeInterruptedMarker, writeRunConfig, writeRunSummary } from '../io/run-files.js';
import { openReportedStepsWriter } from '../io/steps-writer.js';
import { runFiles } from '../results/layout.js';
import type { RunSummary } from '../results/summary-file.js';
import { computeCommandEnv, computePlaceholderValues, expandCommand } from '../spec/command-template.js';
import type { RunConfig } from '../spec/types.js';
import { computeDiagnostics } from '../summary/diagnostics.js';
import { windowStart } from '../summary/verdict.js';
import { StepWatcher } from '../train/watch-steps.js';
import { failedSummary } from './failed-summary.js';
import { buildFinishedSummary } from './finished-summary.js';
import { ProgressThrottle } from './progress-throttle.js';
import type { ExecuteHooks, RunResult } from './run-result.js';

/** How often an interruption is looked for while the script runs. */
const STOP_POLL_MS = 50;

type StopReason = 'diverged' | 'interrupted' | 'timeout';

export async function executeCommandRun(config: RunConfig, runDir: string, hooks: ExecuteHooks = {}): Promise<RunResult> {
  const source = config.experiment;
  if (source.kind !== 'command') throw new Error('executeCommandRun: not a command run');
  const t0 = performance.now();
  const dir = resolve(runDir);
  createRunDir(dir);
  writeRunConfig(dir, config);
  const configPath = join(dir, runFiles.config);
  const expanded = expandCommand(source.argv, computePlaceholderValues(config, { dir, id: config.id }));
  if (!expanded.ok) return recordFailure(config, dir, new UserError(`command: ${expanded.error}`), t0);

  const writer = openReportedStepsWriter(join(dir, runFiles.steps));
  const watcher = new StepWatcher(config.alpha, config.monitor, writer);
  const progress = new ProgressThrottle(hooks.onProgress, config.steps, hooks.progressIntervalMs ?? 100);
  let stopReason: StopReason | null = null;
  let child: CommandChild | null = null;
  const stop = (reason: StopReason) => {
    stopReason ??= reason;
    child?.stop();
  };
  let writeError: unknown = null;
  child = new CommandChild({ argv: expanded.argv, cwd: source.cwd, env: computeCommandEnv(config, { dir, id: config.id, configPath }) }, (step) => {
    // After a divergence that stops the run, what the script still prints on its way out is not a step of the run.
    if (stopReason === 'diverged' || writeError !== null) return;
    try {
      const diverged = watcher.add(step);
      progress.report(Math.min(watcher.lastStep + 1, config.steps));
      if (diverged !== null && config.monitor.stop_on_diverge) stop('diverged');
    } catch (err) {
      // steps.csv cannot be written (a full disk): the run fails, the script is not left running for nothing.
      writeError = err;
      stop('interrupted');
    }
  });
  const poll = hooks.shouldStop
    ? setInterval(() => {
        void Promise.resolve(hooks.shouldStop!()).then((yes) => yes && stop('interrupted'));
      }, STOP_POLL_MS)
    : undefined;
  const timer = hooks.timeoutMs !== undefined ? setTimeout(() => stop('timeout'), hooks.timeoutMs) : undefined;
  let exit: ChildExit;
  try {
    exit = await child.exited;
  } finally {
    clearInterval(poll);
    clearTimeout(timer);
  }
  try {
    await writer.close();
  } catch (err) {
    writeError ??= err;
  }
  try {
    writeFileSync(join(dir, runFiles.output), child.output.render());
  } catch (err) {
    writeError ??= err;
  }
  if (writeError !== null) return recordFailure(config, dir, writeError, t0, watcher.rowsLogged);

  const stepsRun = watcher.lastStep + 1;
  if (stopReason === 'interrupted' || (hooks.shouldStop !== undefined && stopReason === null && (await hooks.shouldStop()))) {
    writeInterruptedMarker(dir, { status: 'interrupted', id: config.id, steps_run: stepsRun });
    return { status: 'interrupted', id: config.id, steps_run: stepsRun };
  }

  const outcome = watcher.outcome((taken) => windowStart(taken, config.verdict));
  const failure = describeFailure(exit, stopReason, hooks.timeoutMs, watcher.rowsLogged, expanded.argv[0]!);
  // The script's last words (a traceback's last line) make the one-line message say why.
  const lastWords = child.lastStderrLines().at(-1)?.trim();
  const problem = failure !== null && lastWords ? `${failure}: ${lastWords.slice(0, 300)}` : failure;
  if (problem !== null) {
    const summary = failedSummary(config, new UserError(problem), (performance.now() - t0) / 1000, 'command');
    return write(dir, {
      ...summary,
      explanation: `failed: ${problem}`,
      steps_run: stepsRun,
      rows_logged: outcome.rowsLogged,
      error: {
        message: problem,
        ...(outcome.rowsLogged > 0 ? { step: stepsRun } : {}),
        exit_code: exit.code,
        signal: exit.signal,
        stderr_tail: child.lastStderrLines(),
      },
    });
  }

  // A gradient norm the script reported as 0 throughout: the objective never moved the parameters (summarize says so).
  const noGradient = (['loss1', 'loss2'] as const).filter((k) => outcome.gradients[k].reported && !outcome.gradients[k].nonzero);
  const warnings = [
    ...outcome.warnings,
    ...[...writer.droppedKeys].map(
      ([key, step]) =>
        `the script's key "${key}" (first at step ${step}) is not in steps.csv: its columns are fixed by the first step line, and total and weight are mo-train's own`,
    ),
  ];
  const summary = buildFinishedSummary(
    config,
    {
      ...outcome,
      engine: 'command',
      stepsRun,
      noGradient,
      diagnostics: outcome.diagnostics === null ? null : computeDiagnostics(outcome.diagnostics),
      warnings,
    },
    (performance.now() - t0) / 1000,
    // mo-train sees only the steps the script prints: a window it logged sparsely is judged on fewer rows, which is said.
    ({ window: w }) => (outcome.divergence === null && w !== null && w.rows < w.steps ? ` — judged on the ${w.rows} of them the script logged` : ''),
  );
  return write(dir, summary);
}

/** Why a script's run failed, or null when it did its job (exited 0 having printed steps, or was stopped at a divergence). */
function describeFailure(exit: ChildExit, stopReason: StopReason | null, timeoutMs: number | undefined, rows: number, program: string): string | null {
  if (exit.spawnError !== null) return exit.spawnError;
  if (stopReason === 'timeout') return `timed out after ${(timeoutMs ?? 0) / 1000} s (--run-timeout); the script was stopped after ${rows} logged steps`;
  if (stopReason === 'diverged') return null;
  const after = `after ${rows} logged step${rows === 1 ? '' : 's'}`;
  if (exit.signal !== null) return `the script was killed by ${exit.signal} ${after}`;
  if (exit.code !== 0) return `the script exited with code ${exit.code} ${after}${exit.code === 127 ? ` (${program}: not found?)` : ''}`;
  if (rows === 0) {
    return 'the script exited 0 without printing a step; it must print one JSON line per step to stdout, e.g. {"step": 0, "loss1": 0.5, "loss2": 1.2}';
  }
  return null;
}

function recordFailure(config: RunConfig, dir: string, err: unknown, t0: number, rows = 0): RunSummary {
  const summary = { ...failedSummary(config, err, (performance.now() - t0) / 1000, 'command'), rows_logged: rows };
  return write(dir, summary);
}

/** summary.json last; a failure to write it leaves the run unfinished (a resume redoes it) and is said. */
function write(dir: string, summary: RunSummary): RunSummary {
  try {
    writeRunSummary(dir, summary);
  } catch (err) {
    return { ...summary, warnings: [...summary.warnings, `summary.json could not be written: ${(err as Error).message}`] };
  }
  return summary;
}
