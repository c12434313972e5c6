/**
 * `<out>/boundary.json` — what `mo-train boundary` found: per seed (and per `--across` value) the
 * bracket around the value of a setting where training turns unstable, every probe with its
 * verdict and run, and the spread over seeds. Written by `boundary` after every round (with
 * `complete: false` until the search ends), read by plot and report. Other tools read it: the
 * field names are a public contract (README "Finding the edge").
 */
import { z } from 'zod';
import { VERDICTS, type Verdict } from '../summary/verdict.js';
import { anyNumber, axisValue, runId, toParsed, type Parsed } from './parsed.js';
import type { AxisValue } from '../spec/types.js';

export const BOUNDARY_FORMAT_VERSION = 1;

export type BoundaryScale = 'log' | 'linear';

/**
 * How a seed's search ended:
 * - `bracketed`: a stable probe just below an unstable one, narrowed to the tolerance;
 * - `stable_throughout`: stable at every probe up to the range's top (`stable` is HI);
 * - `unstable_at_lo`: unstable already at the range's bottom (`unstable` is LO);
 * - `failed`: a probe's run failed, so the search of this seed stopped there (`error` says why);
 * - `open`: not finished (an interrupted search, `complete: false`).
 */
export const TRACK_STATUSES = ['bracketed', 'stable_throughout', 'unstable_at_lo', 'failed', 'open'] as const;
export type TrackStatus = (typeof TRACK_STATUSES)[number];

export interface BoundaryProbe {
  readonly value: number;
  readonly verdict: Verdict;
  readonly run_id: string;
  /** The round of the search that probed it (1 = the first). */
  readonly round: number;
}

export interface BoundarySeed {
  readonly seed: number;
  /** The `--across` value of this search, or null without `--across`. */
  readonly across: AxisValue | null;
  readonly status: TrackStatus;
  /** The largest stable value below the first flip, or null (unstable already at LO). */
  readonly stable: number | null;
  /** The smallest unstable value above it, or null (stable up to HI). */
  readonly unstable: number | null;
  /** The flip's position: the geometric (log scale) or arithmetic (linear) mean of the bracket; null without one. */
  readonly estimate: number | null;
  /** Every stable probe below every unstable one. False: a stable probe above an unstable one (`stable_above`). */
  readonly monotone: boolean;
  /** Stable probes above the first flip (non-monotone verdicts), smallest first; empty when monotone. */
  readonly stable_above: readonly number[];
  /** The failed probe's message (status `failed`), else null. */
  readonly error: string | null;
  /** In the order they were probed. */
  readonly probes: readonly BoundaryProbe[];
}

/**
 * Across seeds: the values at which 10%, 50% and 90% of the seeds are unstable — the smallest
 * value at which at least that share of the counted seeds' estimates lie (a seed unstable at LO
 * counts as LO). Null when that share is never reached inside the range (too many seeds stable up
 * to HI). Failed and open seeds are not counted.
 */
export interface BoundaryQuantiles {
  readonly p10: number | null;
  readonly p50: number | null;
  readonly p90: number | null;
  /** p90 / p10 on a log scale, p90 − p10 on a linear one; null when either is. */
  readonly spread: number | null;
  readonly counted: number;
  readonly stable_throughout: number;
  readonly unstable_at_lo: number;
  readonly failed: number;
}

export interface BoundaryCurvePoint extends BoundaryQuantiles {
  readonly across: AxisValue;
}

export interface BoundaryFile {
  readonly format_version: number;
  readonly param: string;
  readonly scale: BoundaryScale;
  readonly range: readonly [number, number];
  readonly rel_tol: number;
  readonly unstable_verdicts: readonly Verdict[];
  /** The `--across` setting's key, or null. */
  readonly across_key: string | null;
  /** False while the search is going (or was interrupted): the brackets so far. */
  readonly complete: boolean;
  /** Workers the search ran with: the points probed per bracket per round follow from it. */
  readonly jobs: number;
  readonly rounds: number;
  /** Probes the search used (finished runs reused by a resume included). */
  readonly runs_used: number;
  /** This invocation's wall time (a resumed search counts only its own). */
  readonly wall_time_s: number;
  readonly seeds: readonly BoundarySeed[];
  /** Over every seed (and, with `--across`, over every across value pooled: see `curve`). */
  readonly quantiles: BoundaryQuantiles;
  /** With `--across`: the quantiles per across value, in the order given; empty without. */
  readonly curve: readonly BoundaryCurvePoint[];
}

const nullableNumber = anyNumber.nullable();

const quantileFields = {
  p10: nullableNumber,
  p50: nullableNumber,
  p90: nullableNumber,
  spread: nullableNumber,
  counted: z.number().int().nonnegative(),
  stable_throughout: z.number().int().nonnegative(),
  unstable_at_lo: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
};

const probeSchema = z.looseObject({ value: anyNumber, verdict: z.enum(VERDICTS), run_id: runId, round: z.number().int().positive() });

const seedSchema = z.looseObject({
  seed: z.number().int(),
  across: axisValue.nullable(),
  status: z.enum(TRACK_STATUSES),
  stable: nullableNumber,
  unstable: nullableNumber,
  estimate: nullableNumber,
  monotone: z.boolean(),
  stable_above: z.array(anyNumber),
  error: z.string().nullable(),
  probes: z.array(probeSchema),
});

const boundarySchema = z.looseObject({
  format_version: z.number().int().positive(),
  param: z.string(),
  scale: z.enum(['log', 'linear']),
  range: z.tuple([anyNumber, anyNumber]),
  rel_tol: anyNumber,
  unstable_verdicts: z.array(z.enum(VERDICTS)),
  across_key: z.string().nullable(),
  complete: z.boolean(),
  jobs: z.number().int().positive(),
  rounds: z.number().int().nonnegative(),
  runs_used: z.number().int().nonnegative(),
  wall_time_s: anyNumber,
  seeds: z.array(seedSchema),
  quantiles: z.looseObject(quantileFields),
  curve: z.array(z.looseObject({ across: axisValue, ...quantileFields })),
}) satisfies z.ZodType<BoundaryFile>;

export function parseBoundaryFile(value: unknown): Parsed<BoundaryFile> {
  return toParsed(boundarySchema.safeParse(value));
}
