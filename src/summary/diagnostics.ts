/**
 * Gradient diagnostics of a run, from what the training loop counted and sampled at its measured
 * steps (every step, or every k-th on runs of 20,000 steps or more; never dependent on log_every): how
 * often the two objectives pulled against each other, and what weight the combiner actually gave
 * loss2. Pure.
 */
import type { DiagnosticRows } from '../train/train-loop.js';

export interface GradientDiagnostics {
  /** Measured steps where both gradients were non-zero (the cosine exists). */
  readonly rows_with_cosine: number;
  /** Steps were measured every `measured_every` steps (1: every step); absent in older summaries, which counted logged rows. */
  readonly measured_every?: number;
  /** Of those, the fraction with cos12 < 0: the gradients conflict. */
  readonly conflict_fraction: number | null;
  /** Medians over the measured steps (exact up to DIAGNOSTIC_SAMPLES steps, from an even sample beyond). */
  readonly cos12_median: number | null;
  /** The weight given loss2 (α, the method's, or λ), median over measured steps and at the last logged one. */
  readonly weight_median: number | null;
  readonly weight_final: number | null;
}

export function computeDiagnostics(rows: DiagnosticRows): GradientDiagnostics {
  return {
    rows_with_cosine: rows.rowsWithCosine,
    measured_every: rows.measuredEvery,
    conflict_fraction: rows.rowsWithCosine > 0 ? rows.conflicts / rows.rowsWithCosine : null,
    cos12_median: medianOfSorted(sortedFinite(rows.cos12)),
    // Over the finite weights (mgda's is Infinity on a step that follows loss2 alone).
    weight_median: medianOfSorted(sortedFinite(rows.weight)),
    weight_final: rows.weightFinal,
  };
}

/**
 * The finite values, sorted, in a Float64Array: sorting 500,000 of them as a plain array with a
 * comparator took ~0.5 s of a 2.5 s run (measured); a typed array sorts numerically in native code.
 */
function sortedFinite(values: Float64Array): Float64Array {
  const out = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) out[n++] = v;
  }
  return out.subarray(0, n).sort();
}

function medianOfSorted(v: Float64Array): number | null {
  const n = v.length;
  if (n === 0) return null;
  const mid = n >> 1;
  return n % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}
