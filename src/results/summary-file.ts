/**
 * `runs/<id>/summary.json` — part of the public results contract. Its presence means the run
 * finished (or failed and was recorded); it is written last, atomically (io/run-files.ts). Its
 * schema and parse function: summary-parse.ts, apart so that a worker, which only writes it, does
 * not load zod at startup.
 */
import type { AxisValue } from '../spec/types.js';
import type { GradientDiagnostics } from '../summary/diagnostics.js';
import type { Loss1Behaviour, Loss2Behaviour, Verdict, WindowStats } from '../summary/verdict.js';

/** Written into every summary.json; a newer one is read as far as it matches, and said. */
export const SUMMARY_FORMAT_VERSION = 1;

/** Window statistics as read back: summaries written before they were accumulated from every step lack these three. */
export type StoredWindowStats = Omit<WindowStats, 'steps' | 'loss1_residual' | 'loss2_weight_max'> &
  Partial<Pick<WindowStats, 'steps' | 'loss1_residual' | 'loss2_weight_max'>>;

export interface RunSummary {
  readonly format_version: number;
  readonly id: string;
  readonly status: 'finished' | 'failed';
  readonly verdict: Verdict;
  /** One sentence: why this verdict. */
  readonly explanation: string;
  readonly alpha: number;
  readonly seed: number;
  readonly coords: Readonly<Record<string, AxisValue>>;
  readonly engine: string;
  readonly steps_requested: number;
  /** Updates applied (fewer than requested when the run stopped at a divergence). */
  readonly steps_run: number;
  /** Rows in steps.csv. */
  readonly rows_logged: number;
  /** Losses at step 0. */
  readonly start: { readonly loss1: number; readonly loss2: number } | null;
  /** The last logged row: losses at the parameters before the last update. */
  readonly final: { readonly step: number; readonly loss1: number; readonly loss2: number; readonly total: number } | null;
  /** Over every step, logged or not. */
  readonly min_loss1: { readonly value: number; readonly step: number } | null;
  readonly window: StoredWindowStats | null;
  readonly loss1_behaviour: Loss1Behaviour | null;
  readonly loss2_behaviour: Loss2Behaviour | null;
  readonly divergence: { readonly step: number; readonly reason: string; readonly detail: string } | null;
  /** Objectives that never had a gradient: no path to any parameter, or zero at every step. */
  readonly no_gradient: readonly ('loss1' | 'loss2')[];
  /** Conflict between the gradients and the weight applied, over the measured steps; null for a failed run. */
  readonly diagnostics: GradientDiagnostics | null;
  readonly warnings: readonly string[];
  /**
   * Why a failed run failed; `step`: the training step it was taking when it threw (that many
   * updates were applied), absent when it failed outside a step (loading, a dead worker) and in
   * summaries of earlier versions.
   */
  readonly error: {
    readonly message: string;
    readonly stack?: string;
    readonly step?: number | null;
    /** A command run's script: how it ended (exit code, or the signal that killed it) and the last lines of its stderr. */
    readonly exit_code?: number | null;
    readonly signal?: string | null;
    readonly stderr_tail?: readonly string[];
  } | null;
  /**
   * Seconds the run took — its start to its summary being written, the last fsyncs' wait left out;
   * two runs trained together in the SIMD lanes each record the pair's time. Varies from run to
   * run, unlike everything else here.
   */
  readonly wall_time_s: number;
}
