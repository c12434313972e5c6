import { describe, expect, it } from 'vitest';
import { computeDiagnostics, medianOfFinite } from '../../src/summary/diagnostics.js';
import { mulberry32 } from '../fixtures/seeded-random.js';

/** The median as summaries computed it before selection: a numeric sort of the finite values. */
function medianBySort(values: Float64Array): number | null {
  const sorted = Float64Array.from([...values].filter(Number.isFinite)).sort();
  const n = sorted.length;
  if (n === 0) return null;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

describe('medianOfFinite', () => {
  it('is the same double as the sort-based median, on random, repeated, ordered and signed-zero inputs', () => {
    const cases: Float64Array[] = [];
    for (let seed = 0; seed < 300; seed++) {
      const r = mulberry32(seed);
      const n = 1 + Math.floor(r() * 200);
      const kind = seed % 6;
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const u = r();
        values[i] =
          kind === 0
            ? u * 2 - 1 // cosines
            : kind === 1
              ? Math.round(u * 4) / 4 // few distinct values
              : kind === 2
                ? i // already sorted
                : kind === 3
                  ? n - i // reversed
                  : kind === 4
                    ? [0, -0, 0.5, -0.5][Math.floor(u * 4)]! // signed zeros around the middle
                    : u < 0.1
                      ? [NaN, Infinity, -Infinity][Math.floor(u * 30)]! // non-finite ones left out
                      : u;
      }
      cases.push(values);
    }
    cases.push(new Float64Array([-0, 0]), new Float64Array([0, -0, -0]), new Float64Array([0, -0]), new Float64Array([-0]));
    cases.push(new Float64Array(10_001).fill(0.01), new Float64Array([NaN, NaN]), new Float64Array(0));
    for (const values of cases) {
      const expected = medianBySort(values);
      const got = medianOfFinite(values);
      // Object.is: the same double, −0 and +0 told apart.
      expect(Object.is(got, expected), `[${[...values].join(',')}]: ${got} vs ${expected}`).toBe(true);
    }
  });

  it('leaves its input as it was', () => {
    const values = new Float64Array([3, 1, 2, NaN, 0.5]);
    expect(medianOfFinite(values)).toBe(1.5);
    expect([...values]).toEqual([3, 1, 2, NaN, 0.5]);
  });

  it('gives computeDiagnostics its medians over the measured steps', () => {
    const d = computeDiagnostics({
      rowsWithCosine: 4,
      conflicts: 1,
      measuredEvery: 1,
      cos12: new Float64Array([0.5, -0.25, 0.75, NaN, 0.25]),
      weight: new Float64Array([0.1, 0.1, Infinity, 0.3]),
      weightFinal: 0.3,
    });
    expect(d.cos12_median).toBeCloseTo(0.375, 12);
    expect(d.weight_median).toBeCloseTo(0.1, 12);
    expect(d.conflict_fraction).toBe(0.25);
  });
});
