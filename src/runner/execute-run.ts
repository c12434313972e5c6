/**
 * Executes one run into its directory: config.json first, then steps.csv streamed during training,
 * final-params.json, and summary.json last. Used in-process by `run` and inside a worker process
 * by `sweep`.
 */
import { computeDiagnostics } from '../summary/diagnostics.js';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createOracle, resolveEngine } from '../engine/create-oracle.js';
import type { GradientOracle } from '../engine/types.js';
import { fromStateDict, toStateDict } from '../experiment/param-layout.js';
import { UserError } from '../errors.js';
import { runFiles } from '../results/layout.js';
import {
  createRunDir,
  readStateDictFile,
  writeFinalParams,
  writeInterruptedMarker,
  writeRunConfig,
  writeRunSummary,
  writeRunSummaryAfter,
} from '../io/run-files.js';
import { openStepsWriter, type StepsWriter } from '../io/steps-writer.js';
import type { RunConfig } from '../spec/types.js';
import { windowStart } from '../summary/verdict.js';
import { train, type TrainHooks, type TrainOutcome } from '../train/train-loop.js';
import { executeCommandRun } from './execute-command-run.js';
import { failedSummary } from './failed-summary.js';
import { buildFinishedSummary } from './finished-summary.js';
import { ProgressThrottle } from './progress-throttle.js';
import type { ExecuteHooks, RunResult } from './run-result.js';

export type { ExecuteHooks, InterruptedRun, RunResult } from './run-result.js';

export async function executeRun(config: RunConfig, runDir: string, hooks: ExecuteHooks = {}): Promise<RunResult> {
  if (config.experiment.kind === 'command') return executeCommandRun(config, runDir, hooks);
  const t0 = performance.now();
  createRunDir(runDir);
  writeRunConfig(runDir, config);
  let oracle: GradientOracle | null = null;
  try {
    oracle = await createOracle(config);
    const params = startingParams(config, oracle);
    const writer = openStepsWriter(join(runDir, runFiles.steps));
    return await trainAndFinish(config, runDir, oracle, params, writer, hooks, t0);
  } catch (err) {
    return recordFailure(config, runDir, err, t0, oracle ? oracle.engine : resolveEngine(config));
  } finally {
    oracle?.dispose();
  }
}

/** train() of a prepared run (its directory, config.json, starting parameters, steps.csv opened), then its files as finishRun writes them. */
export async function trainAndFinish(
  config: RunConfig,
  runDir: string,
  oracle: GradientOracle,
  params: Float64Array,
  writer: StepsWriter,
  hooks: ExecuteHooks,
  t0: number,
): Promise<RunResult> {
  let outcome;
  try {
    outcome = await train(oracle, params, config, writer, windowStart(config.steps, config.verdict), trainHooks(config, hooks));
  } catch (err) {
    await writer.close().catch(() => {});
    throw err;
  }
  return finishRun(config, runDir, oracle, params, outcome, writer, hooks, t0);
}

/** The training loop's hooks for a run executed with `hooks` (a pair's runs take the same steps, so the same ones). */
export function trainHooks(config: RunConfig, hooks: ExecuteHooks): TrainHooks {
  return {
    // The loop reports every 256 steps; the throttle keeps IPC traffic to a few messages a second.
    progressEvery: 256,
    progress: new ProgressThrottle(hooks.onProgress, config.steps, hooks.progressIntervalMs ?? 100),
    ...(hooks.shouldStop ? { shouldStop: hooks.shouldStop } : {}),
  };
}

/** What writing a trained run's files needs to know of its engine. */
export type RunEngine = Pick<GradientOracle, 'engine' | 'layout' | 'disconnected'>;

/**
 * A trained run's files after training: steps.csv closed and synced, then either the interrupted
 * marker (interrupted, or `hooks.shouldStop` says so now) or final-params.json and summary.json.
 * `params` are the final parameters.
 */
export async function finishRun(
  config: RunConfig,
  runDir: string,
  engine: RunEngine,
  params: Float64Array,
  outcome: TrainOutcome,
  writer: StepsWriter,
  hooks: ExecuteHooks,
  t0: number,
): Promise<RunResult> {
  // steps.csv's flush and fsync, final-params.json's fsync and summary.json's own (of its
  // temporary file) all wait on the thread pool at once; summary.json is renamed into place only
  // when the other two are durable (writeRunSummaryAfter), then its directory is fsynced.
  const stepsDurable = writer.close();
  // Awaited below, but not at once: without a handler attached now, a failure (ENOSPC on the
  // last write) during the await in between is an unhandled rejection, which kills the worker
  // instead of failing the run (seen as a flaky disk-full test).
  stepsDurable.catch(() => {});
  if (outcome.interrupted || (hooks.shouldStop !== undefined && (await hooks.shouldStop()))) {
    await stepsDurable;
    writeInterruptedMarker(runDir, { status: 'interrupted', id: config.id, steps_run: outcome.stepsRun });
    return { status: 'interrupted', id: config.id, steps_run: outcome.stepsRun };
  }
  const othersDurable = Promise.all([stepsDurable, writeFinalParams(runDir, toStateDict(engine.layout, params))]);

  const noGradient = (['loss1', 'loss2'] as const).filter((k) => engine.disconnected.includes(k) || !outcome.gradNonzero[k]);
  const warnings = noGradient.map((k) =>
    engine.disconnected.includes(k)
      ? `${k} has no gradient with respect to any parameter, so it was never optimized (α has no effect on it); ` +
        `usually it was built from detached values, e.g. torch.tensor([w.sum() for w in params]) or tf.tensor(x.dataSync())`
      : `${k}'s gradient was zero at every step it was measured at, so it never moved the parameters`,
  );
  // wall_time_s: training and writing the files, up to (not including) the waits for the disk's fsyncs.
  const summary = buildFinishedSummary(
    config,
    { ...outcome, engine: engine.engine, noGradient, diagnostics: computeDiagnostics(outcome.diagnostics), warnings },
    (performance.now() - t0) / 1000,
  );
  await writeRunSummaryAfter(runDir, summary, othersDurable);
  return summary;
}

/** A run that threw: its failed summary.json, as the caller reports it. */
export function recordFailure(config: RunConfig, runDir: string, err: unknown, t0: number, engine: string): RunResult {
  const summary = failedSummary(config, err, (performance.now() - t0) / 1000, engine);
  try {
    writeRunSummary(runDir, summary);
  } catch (writeErr) {
    // Often the same cause (a full disk): the run stays without summary.json — unfinished, so a
    // resume does it again — and the failure is still reported, by the caller.
    return { ...summary, warnings: [`summary.json could not be written: ${(writeErr as Error).message}`] };
  }
  return summary;
}

/** The run's starting parameters: `initial` (the seeded ones), or its --init state_dict laid out by `layout`. */
export function startingParams(config: RunConfig, oracle: Pick<GradientOracle, 'layout' | 'initial'>): Float64Array {
  if (!config.init) return Float64Array.from(oracle.initial);
  const result = fromStateDict(oracle.layout, readStateDictFile(config.init.path));
  if ('problems' in result) throw new UserError(`--init ${config.init.path}: ${result.problems.join('; ')}`);
  return result.params;
}
