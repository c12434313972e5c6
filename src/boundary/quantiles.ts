/**
 * Across seeds: at which values of the searched setting 10%, 50% and 90% of the seeds are
 * unstable. Pure.
 */
import type { BoundaryQuantiles, BoundaryScale, BoundarySeed } from '../results/boundary-file.js';

/**
 * Each counted seed flips at its estimate (a seed unstable at LO at LO, one stable up to HI above
 * the range); the q-quantile is the smallest value at which at least q of the counted seeds have
 * flipped — null when that share is only reached above the range. Failed and open seeds are not
 * counted (and said: `failed`).
 */
export function computeQuantiles(seeds: readonly BoundarySeed[], scale: BoundaryScale): BoundaryQuantiles {
  const flips: number[] = [];
  let stableThroughout = 0;
  let unstableAtLo = 0;
  let failed = 0;
  for (const s of seeds) {
    if (s.status === 'bracketed') flips.push(s.estimate!);
    else if (s.status === 'unstable_at_lo') {
      flips.push(s.unstable!);
      unstableAtLo++;
    } else if (s.status === 'stable_throughout') {
      flips.push(Infinity);
      stableThroughout++;
    } else if (s.status === 'failed') failed++;
  }
  flips.sort((a, b) => a - b);
  const quantile = (q: number): number | null => {
    if (flips.length === 0) return null;
    const v = flips[Math.max(0, Math.ceil(q * flips.length - 1e-9) - 1)]!;
    return Number.isFinite(v) ? v : null;
  };
  const [p10, p50, p90] = [quantile(0.1), quantile(0.5), quantile(0.9)];
  let spread: number | null = null;
  if (p10 !== null && p90 !== null) spread = scale === 'log' ? (p10 > 0 ? p90 / p10 : null) : p90 - p10;
  return { p10, p50, p90, spread, counted: flips.length, stable_throughout: stableThroughout, unstable_at_lo: unstableAtLo, failed };
}
