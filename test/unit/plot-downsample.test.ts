import { describe, expect, it } from 'vitest';
import { Downsampler, MIN_MAX_POINTS } from '../../src/plot/downsample.js';
import type { PlotPoint } from '../../src/plot/downsample.js';

type Row = [step: number, loss1: number, loss2: number];

function downsample(rows: readonly Row[], options: { maxPoints: number; expectedRows?: number; keepSteps?: number[] }): PlotPoint[] {
  const d = new Downsampler(options);
  for (const [s, a, b] of rows) d.push(s, a, b);
  expect(d.rowCount).toBe(rows.length);
  return d.finish();
}

/** A smooth curve: loss1 decaying, loss2 growing, like a drifting run. */
function smooth(n: number): Row[] {
  return Array.from({ length: n }, (_, i) => [i, Math.exp(-i / 1000), 0.01 * i]);
}

const sameRow = (p: PlotPoint | undefined, [s, a, b]: Row) => {
  expect(p?.step).toBe(s);
  expect(Object.is(p?.loss1, a) || p?.loss1 === a).toBe(true);
  expect(Object.is(p?.loss2, b) || p?.loss2 === b).toBe(true);
};

describe('Downsampler', () => {
  it('keeps every row of a run that fits', () => {
    const rows = smooth(500);
    expect(downsample(rows, { maxPoints: 500 }).map((p) => p.step)).toEqual(rows.map((r) => r[0]));
  });

  it.each([
    ['known row count', 100_000, true],
    ['unknown row count (a run still writing)', 100_000, false],
    ['just over the limit', 1001, false],
    ['many bucket merges', 250_000, false],
  ])('keeps at most maxPoints rows, in step order, first and last included: %s', (_name, n, known) => {
    const rows = smooth(n);
    const out = downsample(rows, { maxPoints: 1000, ...(known ? { expectedRows: n } : {}) });
    expect(out.length).toBeLessThanOrEqual(1000);
    // Not thinned to nothing: the buckets are used.
    expect(out.length).toBeGreaterThan(400);
    sameRow(out[0], rows[0]!);
    sameRow(out.at(-1), rows.at(-1)!);
    for (let i = 1; i < out.length; i++) expect(out[i]!.step).toBeGreaterThan(out[i - 1]!.step);
  });

  it('keeps a one-row spike in either loss, up or down, wherever it falls', () => {
    const n = 100_000;
    for (const at of [1, 777, 50_001, n - 2]) {
      const rows = smooth(n);
      rows[at] = [at, 1e6, rows[at]![2]];
      const up1 = downsample(rows, { maxPoints: 1000 });
      expect(up1.find((p) => p.step === at)?.loss1).toBe(1e6);

      rows[at] = [at, rows[at - 1]![1], -5];
      const down2 = downsample(rows, { maxPoints: 1000 });
      expect(down2.find((p) => p.step === at)?.loss2).toBe(-5);
    }
  });

  it('keeps the extremes of every bucket: the min–max envelope of a fast oscillation survives', () => {
    // loss1 alternates 0 and 1 every row: any thinning that keeps only some rows would miss one side.
    const rows: Row[] = Array.from({ length: 60_000 }, (_, i) => [i, i % 2, 0]);
    const out = downsample(rows, { maxPoints: 700 });
    expect(out.length).toBeLessThanOrEqual(700);
    // Every stretch of the curve still shows both the 0s and the 1s.
    for (let lo = 0; lo < 60_000; lo += 6000) {
      const part = out.filter((p) => p.step >= lo && p.step < lo + 6000).map((p) => p.loss1);
      expect(Math.min(...part)).toBe(0);
      expect(Math.max(...part)).toBe(1);
    }
  });

  it.each([
    ['NaN in loss1', NaN, 1],
    ['Infinity in loss2', 1, Infinity],
    ['-Infinity in loss2', 1, -Infinity],
  ])('keeps a non-finite row (%s) and does not let it be an extreme', (_name, a, b) => {
    const rows = smooth(50_000);
    rows[31_234] = [31_234, a, b];
    const out = downsample(rows, { maxPoints: 1000 });
    const kept = out.find((p) => p.step === 31_234);
    expect(kept).toBeDefined();
    sameRow(kept, rows[31_234]!);
    // The neighbouring extremes are still finite rows.
    const around = out.filter((p) => p.step > 30_000 && p.step < 33_000 && p.step !== 31_234);
    expect(around.length).toBeGreaterThan(0);
    for (const p of around) expect(Number.isFinite(p.loss1) && Number.isFinite(p.loss2)).toBe(true);
  });

  it('keeps the first non-finite row of a run that went on after diverging, within maxPoints', () => {
    // stop_on_diverge: false — 40,000 NaN rows after the divergence step.
    const rows: Row[] = smooth(100_000).map(([s, a, b]) => (s >= 60_000 ? [s, NaN, NaN] : [s, a, b]));
    const out = downsample(rows, { maxPoints: 1000, keepSteps: [60_000] });
    expect(out.length).toBeLessThanOrEqual(1000);
    expect(out.find((p) => p.step === 60_000)?.loss1).toBeNaN();
    expect(out.find((p) => p.step === 59_999)).toBeDefined();
    sameRow(out.at(-1), rows.at(-1)!);
  });

  it('keeps the steps it is told to keep (the divergence step) even when nothing else would', () => {
    const rows = smooth(100_000);
    const out = downsample(rows, { maxPoints: 1000, keepSteps: [12_345, 67_891] });
    expect(out.length).toBeLessThanOrEqual(1000);
    expect(out.some((p) => p.step === 12_345)).toBe(true);
    expect(out.some((p) => p.step === 67_891)).toBe(true);
  });

  it('handles no rows and one row', () => {
    expect(downsample([], { maxPoints: 100 })).toEqual([]);
    expect(downsample([[0, 1, 2]], { maxPoints: 100 })).toEqual([{ step: 0, loss1: 1, loss2: 2 }]);
  });

  it('rejects a maxPoints too small to hold a few buckets', () => {
    expect(() => new Downsampler({ maxPoints: MIN_MAX_POINTS - 1 })).toThrow(RangeError);
    expect(() => new Downsampler({ maxPoints: 1000.5 })).toThrow(RangeError);
  });
});
