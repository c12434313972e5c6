/**
 * Reading `runs/<id>/summary.json` (its type and version: summary-file.ts).
 */
import { z } from 'zod';
import { VERDICTS } from '../summary/verdict.js';
import { anyNumber, coords, count, toParsed, type Parsed } from './parsed.js';
import type { RunSummary } from './summary-file.js';

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
  error: z
    .object({
      message: z.string(),
      stack: z.string().optional(),
      step: count.nullable().optional(),
      exit_code: z.number().int().nullable().optional(),
      signal: z.string().nullable().optional(),
      stderr_tail: z.array(z.string()).optional(),
    })
    .nullable(),
  wall_time_s: anyNumber,
}) satisfies z.ZodType<RunSummary>;

export function parseRunSummary(value: unknown): Parsed<RunSummary> {
  return toParsed(runSummarySchema.safeParse(value));
}
