/**
 * The summary.json of a run that finished, from what its monitor saw — the training loop's for
 * the engines here, the watcher of reported steps for a command run: the stability verdict and
 * every field of the results contract (results/summary-file.ts).
 */
import { SUMMARY_FORMAT_VERSION, type RunSummary } from '../results/summary-file.js';
import type { RunConfig } from '../spec/types.js';
import type { EngineName } from '../engine/types.js';
import type { GradientDiagnostics } from '../summary/diagnostics.js';
import { judgeStability } from '../summary/verdict.js';
import type { Divergence } from '../train/monitor.js';
import type { WindowStats } from '../train/window-stats.js';

/** What a run's monitor saw, whichever engine ran it. */
export interface MonitoredRun {
  readonly engine: EngineName;
  readonly stepsRun: number;
  readonly rowsLogged: number;
  readonly first: { readonly loss1: number; readonly loss2: number } | null;
  readonly last: { readonly step: number; readonly loss1: number; readonly loss2: number; readonly total: number } | null;
  readonly minLoss1: number;
  /** -1 when no step was taken. */
  readonly minLoss1Step: number;
  readonly window: WindowStats | null;
  readonly divergence: Divergence | null;
  readonly noGradient: readonly ('loss1' | 'loss2')[];
  readonly diagnostics: GradientDiagnostics | null;
  readonly warnings: readonly string[];
}

/** `explain` may add to the verdict's explanation (a command run judged on fewer logged rows says so). */
export function buildFinishedSummary(
  config: RunConfig,
  run: MonitoredRun,
  wallTimeS: number,
  explain?: (judged: ReturnType<typeof judgeStability>) => string,
): RunSummary {
  const start = run.first ? { loss1: run.first.loss1, loss2: run.first.loss2 } : null;
  const judgement = judgeStability({ start: start ?? { loss1: NaN, loss2: NaN }, window: run.window, divergence: run.divergence }, config.verdict);
  const last = run.last;
  return {
    format_version: SUMMARY_FORMAT_VERSION,
    id: config.id,
    status: 'finished',
    verdict: judgement.verdict,
    explanation: judgement.explanation + (explain?.(judgement) ?? ''),
    alpha: config.alpha,
    seed: config.seed,
    coords: config.coords,
    engine: run.engine,
    steps_requested: config.steps,
    steps_run: run.stepsRun,
    rows_logged: run.rowsLogged,
    start,
    final: last ? { step: last.step, loss1: last.loss1, loss2: last.loss2, total: last.total } : null,
    min_loss1: run.minLoss1Step >= 0 ? { value: run.minLoss1, step: run.minLoss1Step } : null,
    window: judgement.window,
    loss1_behaviour: judgement.loss1,
    loss2_behaviour: judgement.loss2,
    divergence: run.divergence,
    no_gradient: [...run.noGradient],
    diagnostics: run.diagnostics,
    warnings: [...run.warnings],
    error: null,
    wall_time_s: wallTimeS,
  };
}
