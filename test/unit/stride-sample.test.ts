/**
 * StrideSample (train/stride-sample.ts) keeps an evenly strided sample of a series in bounded
 * memory; its buffer grows by doubling up to the capacity. The values it keeps must be exactly
 * those of the definition: every value while they fit, then every 2nd, 4th, … of the series.
 */
import { describe, expect, it } from 'vitest';
import { StrideSample } from '../../src/train/stride-sample.js';

/** The definition, directly: after n values with stride s (the smallest power of 2 whose multiples up to n fit), values 0, s, 2s, …. */
function expected(n: number, capacity: number): number[] {
  let stride = 1;
  while (Math.ceil(n / stride) > capacity) stride *= 2;
  const out: number[] = [];
  for (let i = 0; i < n; i += stride) out.push(i);
  return out;
}

describe('StrideSample', () => {
  it.each([2, 8, 64, 128, 1024])('keeps every value while they fit, then every 2nd, 4th, … (capacity %i)', (capacity) => {
    const sample = new StrideSample(capacity);
    for (let n = 1; n <= 5000; n++) {
      sample.push(n - 1);
      if (n % 97 === 0 || n <= 300) expect([...sample.values()], `after ${n} values`).toEqual(expected(n, capacity));
    }
  });

  it('holds at most its capacity', () => {
    const sample = new StrideSample(256);
    for (let i = 0; i < 100_000; i++) sample.push(Math.sin(i));
    expect(sample.values().length).toBeLessThanOrEqual(256);
    expect(sample.values().length).toBeGreaterThan(128);
  });

  it('refuses a capacity that cannot be halved', () => {
    expect(() => new StrideSample(3)).toThrow(/even number/);
  });
});
