import { describe, expect, it } from 'vitest';
import { columnOf, computeColumns, computeEnvelopePicks, computeScale, LOG_DECADES } from '../../src/plot/series-columns.js';
import { renderSparkline, SPARK_LEVELS } from '../../src/cli/sparkline.js';

/** values[i] logged at step i. */
const at = (values: readonly number[]) => values.map((value, step) => ({ step, value }));

describe('renderSparkline', () => {
  it.each([
    // One point per cell, linear: level = floor(v / 7 · 8), the top clamped to █.
    { name: 'a linear ramp', values: [0, 1, 2, 3, 4, 5, 6, 7], width: 8, want: '▁▂▃▄▅▆▇█' },
    // 15 − i, two points per cell: both ends of every cell on the same level.
    { name: 'a fall', values: Array.from({ length: 16 }, (_, i) => 15 - i), width: 8, want: '█▇▆▅▄▃▂▁' },
    { name: 'a constant series, flat along the bottom', values: [5, 5, 5, 5], width: 4, want: '▁▁▁▁' },
    { name: 'a constant series but for float noise', values: [5, 5 + 1e-15, 5, 5], width: 4, want: '▁▁▁▁' },
    // Cells of two points [0, 1]: the first cell draws the end nearer the first value (0), each
    // next one the end farther from the cell before — a zig-zag over the full height.
    { name: 'an oscillation', values: Array.from({ length: 16 }, (_, i) => i % 2), width: 8, want: '▁█▁█▁█▁█' },
    // Its mean, 0.5 in every cell, would have drawn ▄▄▄▄▄▄▄▄: a settled loss.
    { name: 'a fall, then settled', values: [8, 8, 0, 0, 0, 0, 0, 0], width: 4, want: '█▁▁▁' },
    // 1 … 1e-8: positive, 8 decades, median 1e-4 in the bottom eighth → log, a level per decade.
    { name: 'a decaying loss, on a log scale', values: [1, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8], width: 9, want: '██▇▆▅▄▃▂▁' },
    // Log from 1e-6 (the smallest positive) to 1: 1e-3 is half way (level 4); 0 sits at the bottom.
    { name: 'zeros on a log scale', values: [1, 1e-3, 0, 1e-6], width: 4, want: '█▅▁▁' },
    // More than LOG_DECADES below the top is the bottom: float noise around an exact fit.
    { name: 'float noise far below the top', values: [1, 1e-20, 1e-30], width: 3, want: '█▁▁' },
    // Diverging to 1e12: the log scale starts 8 decades down (1e4), so 1 and 2 are the bottom.
    { name: 'a blow-up', values: [1, 2, 1e12], width: 3, want: '▁▁█' },
    // Negative (loss2 can be): linear whatever the span; 1000 of 1e6 is the bottom level.
    { name: 'negative values, linear', values: [-1, 1000, 1e6], width: 3, want: '▁▁█' },
    // 1 … 200 spans 2.3 decades but the median (100) is mid-range: linear, a straight ramp.
    // Level floor((v − 1) / 199 · 8): 100 → 3.
    { name: 'a steady ramp over two decades, linear', values: [1, 100, 200], width: 3, want: '▁▄█' },
  ])('draws $name', ({ values, width, want }) => {
    expect(renderSparkline(at(values), { width })).toBe(want);
  });

  it('is null for an empty series', () => {
    expect(renderSparkline([], { width: 16 })).toBeNull();
  });

  it.each([
    { name: 'NaN', bad: NaN },
    { name: 'Infinity', bad: Infinity },
    { name: '-Infinity', bad: -Infinity },
  ])('marks a cell holding $name with ✕, scaling the rest without it', ({ bad }) => {
    expect(renderSparkline(at([0, 1, 2, bad, 4, 5, 6, 7]), { width: 8 })).toBe('▁▂▃✕▅▆▇█');
  });

  it('is all ✕ when nothing is finite', () => {
    expect(renderSparkline(at([NaN, NaN]), { width: 2 })).toBe('✕✕');
  });

  it('marks the divergence step and leaves the steps the run never reached blank', () => {
    // Steps 0–4 of 0–7; linear 0 … 4: 1 → level 2, 2 → 4, 3 → 6; step 4 diverged.
    expect(renderSparkline(at([0, 1, 2, 3, 4]), { width: 8, domain: { from: 0, to: 7 }, markStep: 4 })).toBe('▁▃▅▇✕   ');
  });

  it('leaves the cells after a run that stopped early blank', () => {
    // Linear 0 … 3: level floor(v / 3 · 8).
    expect(renderSparkline(at([0, 1, 2, 3]), { width: 8, domain: { from: 0, to: 7 } })).toBe('▁▃▆█    ');
  });

  it('carries the curve through cells without a row when there are fewer rows than cells', () => {
    // Steps 0, 4, 7 in 8 cells of one step; values 0, 1, 2 → levels 0, 4, 7.
    const series = [
      { step: 0, value: 0 },
      { step: 4, value: 1 },
      { step: 7, value: 2 },
    ];
    expect(renderSparkline(series, { width: 8 })).toBe('▁▁▁▁▅▅▅█');
  });

  it('is always width characters of the level set, ✕ or blank', () => {
    const noisy = Array.from({ length: 1000 }, (_, i) => (i === 500 ? NaN : Math.exp(-i / 50) + (i % 7) * 1e-3));
    for (const width of [1, 16, 24]) {
      const line = renderSparkline(at(noisy), { width })!;
      expect([...line]).toHaveLength(width);
      expect(line).toMatch(new RegExp(`^[${SPARK_LEVELS.join('')}✕ ]+$`));
    }
  });
});

describe('computeEnvelopePicks', () => {
  it.each([
    // The first column draws the end nearer the first value, then each the end farther from the one before.
    {
      name: 'a rise takes the leading edge',
      ranges: [
        [0, 2],
        [2, 4],
        [4, 6],
      ],
      first: 0,
      want: [0, 4, 6],
    },
    {
      name: 'a fall takes the leading edge',
      ranges: [
        [4, 6],
        [2, 4],
        [0, 2],
      ],
      first: 6,
      want: [6, 2, 0],
    },
    {
      name: 'a swing zig-zags',
      ranges: [
        [0, 9],
        [0, 9],
        [0, 9],
        [0, 9],
      ],
      first: 0,
      want: [0, 9, 0, 9],
    },
    { name: 'a tie takes the higher end', ranges: [[0, 10]], first: 5, want: [10] },
    {
      name: 'a flat range is drawn as it is',
      ranges: [
        [3, 3],
        [3, 3],
      ],
      first: 9,
      want: [3, 3],
    },
    { name: 'an empty column stays empty', ranges: [[1, 1], null, [2, 2]], first: 1, want: [1, null, 2] },
  ])('$name', ({ ranges, first, want }) => {
    expect(
      computeEnvelopePicks(
        ranges.map((r) => (r === null ? null : { min: r[0]!, max: r[1]! })),
        first,
      ),
    ).toEqual(want);
  });
});

describe('computeColumns', () => {
  it('cuts the domain into columns of equal step spans', () => {
    // 10 steps in 4 columns: 0–2, 3–4, 5–7, 8–9.
    expect([0, 2, 3, 4, 5, 7, 8, 9].map((s) => columnOf(s, { from: 0, to: 9 }, 4))).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect(columnOf(10, { from: 0, to: 9 }, 4)).toBeNull();
  });

  it('keeps each column’s finite min and max, and whether it held a non-finite value', () => {
    const cols = computeColumns(at([3, 1, NaN, 2, 5, 4]), 3);
    expect(cols).toEqual([
      { min: 1, max: 3, nonFinite: false, points: 2 },
      { min: 2, max: 2, nonFinite: true, points: 2 },
      { min: 4, max: 5, nonFinite: false, points: 2 },
    ]);
  });
});

describe('computeScale', () => {
  it('maps a log scale a decade at a time, at most LOG_DECADES deep', () => {
    const scale = computeScale([1e-12, 1e-6, 1e-3, 1e2])!;
    expect(scale.kind).toBe('log');
    expect(scale.lo).toBeCloseTo(1e2 * 10 ** -LOG_DECADES, 20);
    expect(scale.position(1e-2)).toBeCloseTo(4 / 8, 12);
    expect(scale.valueAt(0.5)).toBeCloseTo(1e-2, 14);
    expect(scale.position(1e-12)).toBe(0);
  });

  it('is linear between min and max otherwise, and null with nothing finite', () => {
    const scale = computeScale([-2, 2, NaN])!;
    expect(scale.kind).toBe('linear');
    expect(scale.position(0)).toBe(0.5);
    expect(scale.valueAt(0.25)).toBe(-1);
    expect(computeScale([NaN, Infinity])).toBeNull();
  });
});
