/**
 * Summaries of repeated timings. This VM has noisy neighbours, so every timing is repeated and
 * reported as its median (the typical value) and its min (the least disturbed one).
 */
export interface SampleStats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
  readonly samples: readonly number[];
}

export function computeStats(samples: readonly number[]): SampleStats {
  if (samples.length === 0) throw new Error('computeStats: no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, n: sorted.length, samples: [...samples] };
}

/** Scales every statistic (e.g. seconds per run → µs per step). */
export function scaleStats(s: SampleStats, factor: number): SampleStats {
  return {
    median: s.median * factor,
    min: s.min * factor,
    max: s.max * factor,
    n: s.n,
    samples: s.samples.map((x) => x * factor),
  };
}
