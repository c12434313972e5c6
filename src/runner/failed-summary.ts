/**
 * The summary.json of a run that failed: its error, and what it had done until then.
 */
import { UserError } from '../errors.js';
import type { RunConfig } from '../spec/types.js';
import { SUMMARY_FORMAT_VERSION, type RunSummary } from '../results/summary-file.js';
import { TrainingFailure } from '../train/train-loop.js';

/**
 * A run that errored is a result, not a crash: recorded with its message (and stack for internal
 * errors) and, when it failed in a training step, that step and what the run had done until then.
 */
export function failedSummary(config: RunConfig, err: unknown, wallTime: number, engine: string): RunSummary {
  const atStep = err instanceof TrainingFailure ? err : null;
  const cause = atStep ? atStep.cause : err;
  const e = cause instanceof Error ? cause : new Error(String(cause));
  const userError = e instanceof UserError;
  const firstLine = e.message.split('\n')[0];
  return {
    format_version: SUMMARY_FORMAT_VERSION,
    id: config.id,
    status: 'failed',
    verdict: 'failed',
    explanation: atStep ? `failed at step ${atStep.step}: ${firstLine}` : `failed: ${firstLine}`,
    alpha: config.alpha,
    seed: config.seed,
    coords: config.coords,
    engine,
    steps_requested: config.steps,
    steps_run: atStep ? atStep.step : 0,
    rows_logged: atStep ? atStep.rowsLogged : 0,
    start: null,
    final: null,
    min_loss1: null,
    window: null,
    loss1_behaviour: null,
    loss2_behaviour: null,
    divergence: null,
    no_gradient: [],
    diagnostics: null,
    warnings: [],
    error: {
      message: e.message,
      ...(userError || !e.stack ? {} : { stack: e.stack }),
      ...(atStep ? { step: atStep.step } : {}),
    },
    wall_time_s: wallTime,
  };
}
