/**
 * Gradient diagnostics of a run, from the cosine and weight of every logged step: how often the
 * two objectives pulled against each other, and what weight the combiner actually gave loss2.
 * Pure.
 */
import { computeSpread } from './aggregate.js';
export interface GradientDiagnostics {
  /** Logged steps where both gradients were non-zero (the cosine exists). */
  readonly rows_with_cosine: number;
  /** Of those, the fraction with cos12 < 0: the gradients conflict. */
  readonly conflict_fraction: number | null;
  readonly cos12_median: number | null;
  /** The weight given loss2 (α, the method's, or λ), median over logged steps and at the last one. */
  readonly weight_median: number | null;
  readonly weight_final: number | null;
}

export function computeDiagnostics(cos12: ArrayLike<number>, weight: ArrayLike<number>): GradientDiagnostics {
  const cosines = Array.from(cos12).filter(Number.isFinite);
  const conflicts = cosines.filter((c) => c < 0).length;
  return {
    rows_with_cosine: cosines.length,
    conflict_fraction: cosines.length > 0 ? conflicts / cosines.length : null,
    cos12_median: computeSpread(cosines)?.median ?? null,
    // Over the finite weights (mgda's is Infinity on a step that follows loss2 alone).
    weight_median: computeSpread(Array.from(weight))?.median ?? null,
    weight_final: weight.length > 0 ? weight[weight.length - 1]! : null,
  };
}
