/**
 * `runs/<id>/summary.json` — part of the public results contract. Its presence means the run
 * finished (or failed and was recorded); it is written last, atomically (io/run-files.ts).
 */
import { z } from 'zod';
import type { AxisValue } from '../spec/types.js';
import type { GradientDiagnostics } from '../summary/diagnostics.js';
import { VERDICTS, type Loss1Behaviour, type Loss2Behaviour, type Verdict, type WindowStats } from '../summary/verdict.js';
import { anyNumber, coords, count, toParsed, type Parsed } from './parsed.js';

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
  readonly error: { readonly message: string; readonly stack?: string; readonly step?: number | null } | null;
  /** Seconds the run took; varies from run to run, unlike everything else here. */
  readonly wall_time_s: number;
}

const windowStats = z.object({
  from_step: anyNumber,
  to_step: anyNumber,
  rows: count,
  // Absent from summaries written before the window was accumulated from every step.
  steps: count.optional(),
  loss1_mean: anyNumber,
  loss1_min: anyNumber,
  loss1_max: anyNumber,
  loss1_trend: anyNumber,
  loss1_residual: anyNumber.optional(),
  loss2_last: anyNumber,
  loss2_mean: anyNumber,
  loss2_min: anyNumber,
  loss2_max: anyNumber,
  loss2_trend: anyNumber,
  loss2_rate: anyNumber,
  loss2_weight_max: anyNumber.optional(),
});

// `satisfies` keeps this in step with the RunSummary interface: a field added there and not here
// is a compile error, not a silently stripped value.
const runSummarySchema = z.object({
  format_version: z.number().int().positive(),
  id: z.string(),
  status: z.enum(['finished', 'failed']),
  verdict: z.enum(VERDICTS),
  explanation: z.string(),
  alpha: anyNumber,
  seed: z.number().int(),
  coords,
  engine: z.string(),
  steps_requested: count,
  steps_run: count,
  rows_logged: count,
  start: z.object({ loss1: anyNumber, loss2: anyNumber }).nullable(),
  final: z.object({ step: count, loss1: anyNumber, loss2: anyNumber, total: anyNumber }).nullable(),
  min_loss1: z.object({ value: anyNumber, step: count }).nullable(),
  window: windowStats.nullable(),
  loss1_behaviour: z.enum(['settled', 'oscillating', 'falling', 'rising']).nullable(),
  loss2_behaviour: z.enum(['steady', 'growing', 'falling', 'swinging']).nullable(),
  divergence: z.object({ step: count, reason: z.string(), detail: z.string() }).nullable(),
  no_gradient: z.array(z.enum(['loss1', 'loss2'])),
  // Absent from summaries written before the diagnostics existed.
  diagnostics: z
    .object({
      rows_with_cosine: count,
      measured_every: count.optional(),
      conflict_fraction: anyNumber.nullable(),
      cos12_median: anyNumber.nullable(),
      weight_median: anyNumber.nullable(),
      weight_final: anyNumber.nullable(),
    })
    .nullable()
    .default(null),
  warnings: z.array(z.string()),
  // `step`: the training step a failed run threw at; absent when it failed outside a step, and from older summaries.
  error: z.object({ message: z.string(), stack: z.string().optional(), step: count.nullable().optional() }).nullable(),
  wall_time_s: anyNumber,
}) satisfies z.ZodType<RunSummary>;

export function parseRunSummary(value: unknown): Parsed<RunSummary> {
  return toParsed(runSummarySchema.safeParse(value));
}
