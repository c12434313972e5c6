import { describe, expect, it } from 'vitest';
import { betaPowers } from '../../src/train/beta-powers.js';

describe('betaPowers', () => {
  it('gives exactly the double `base ** t` gives, in any order of t, past the table and for several bases at once', () => {
    const bases = [0.9, 0.999, 0.9999, 0.5, 0, 1, 0.95, 0.98, 0.99, 0.85, 0.8];
    const ts = [1, 2, 3, 1023, 1024, 1025, 5000, 2, 41_000, 262_144, 262_145, 1_000_000, 7];
    for (const base of bases) {
      const table = betaPowers(base);
      for (const t of ts) expect(Object.is(table.at(t), base ** t), `${base} ** ${t}`).toBe(true);
      // Every t of a 3,000-step run, as Adam asks for them.
      for (let t = 1; t <= 3000; t++) if (table.at(t) !== base ** t) expect.fail(`${base} ** ${t}: ${table.at(t)} vs ${base ** t}`);
    }
  });

  it('hands the same table to every run with the same β, and a working one after it was let go', () => {
    expect(betaPowers(0.9)).toBe(betaPowers(0.9));
    const first = betaPowers(0.123);
    for (let i = 0; i < 10; i++) betaPowers(0.5 + i / 100);
    expect(betaPowers(0.123)).not.toBe(first);
    expect(first.at(10)).toBe(0.123 ** 10);
  });
});
