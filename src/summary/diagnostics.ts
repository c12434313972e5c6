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
    cos12_median: medianOfFinite(rows.cos12),
    // Over the finite weights (mgda's is Infinity on a step that follows loss2 alone).
    weight_median: medianOfFinite(rows.weight),
    weight_final: rows.weightFinal,
  };
}

/**
 * The median of the finite values: the middle one (or the mean of the two middle ones) of what a
 * numeric sort of them would give, found by selection instead of a sort. A typed array's native
 * sort took ~0.3 ms for the 10,000 measured steps of a 10,000-step run — twice a run, ~6% of a
 * lane pair's worker CPU in a profile of 200 such runs (126 ms of 2.7 s); selection is linear.
 * (Sorting 500,000 values as a plain array with a comparator took ~0.5 s of a 2.5 s run.)
 * `before` orders as Float64Array.prototype.sort does — −0 before +0 — so the result is the same
 * double, sign of zero included (test/unit/diagnostics.test.ts compares against the sort).
 */
export function medianOfFinite(values: Float64Array): number | null {
  const v = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isFinite(x)) v[n++] = x;
  }
  if (n === 0) return null;
  // The weight of the fixed combiner is α at every step: a constant sample is its own median (one
  // pass instead of a selection; zeros, whose sign the sort orders, take the selection).
  const first = v[0]!;
  let constant = first !== 0;
  for (let i = 1; constant && i < n; i++) constant = v[i] === first;
  if (constant) return first;
  const mid = n >> 1;
  const upper = selectNth(v, n, mid);
  if (n % 2 === 1) return upper;
  // After selecting `mid`, everything before it is ≤ it: the largest of those is the (mid−1)-th.
  let lower = v[0]!;
  for (let i = 1; i < mid; i++) if (before(lower, v[i]!)) lower = v[i]!;
  return (lower + upper) / 2;
}

/** a sorts before b in Float64Array.prototype.sort's order (finite values: −0 before +0). */
function before(a: number, b: number): boolean {
  return a < b || (a === 0 && b === 0 && 1 / a < 1 / b);
}

/** Rearranges v[0, n) so that v[k] holds the k-th smallest, those before it ≤ it and those after ≥ it (Hoare's quickselect, median-of-three pivots); returns v[k]. */
function selectNth(v: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const m = (lo + hi) >> 1;
    // Median of three as the pivot: sorted input (a constant weight, say) stays linear.
    if (before(v[m]!, v[lo]!)) swap(v, m, lo);
    if (before(v[hi]!, v[lo]!)) swap(v, hi, lo);
    if (before(v[hi]!, v[m]!)) swap(v, hi, m);
    const pivot = v[m]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (before(v[i]!, pivot)) i++;
      while (before(pivot, v[j]!)) j--;
      if (i <= j) {
        swap(v, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return v[k]!;
  }
  return v[k]!;
}

function swap(v: Float64Array, i: number, j: number): void {
  const t = v[i]!;
  v[i] = v[j]!;
  v[j] = t;
}
