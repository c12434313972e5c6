/**
 * The comparison of a boundary search with a dense grid (bench/lib/boundary-vs-grid.ts), on
 * hand-made boundary.json seeds and grids: consistent, inconsistent, a non-monotone grid, stable
 * throughout, unstable at LO, failed grid runs, same-value mismatches, the run count.
 */
import { describe, expect, it } from 'vitest';
import { compareBoundaryToGrid, compareSeed, type GridPoint } from '../../bench/lib/boundary-vs-grid.js';
import type { BoundaryFile, BoundarySeed, TrackStatus } from '../../src/results/boundary-file.js';
import type { Verdict } from '../../src/summary/verdict.js';

const UNSTABLE: readonly Verdict[] = ['oscillating', 'diverged'];
const GRID_VALUES = [0.001, 0.01, 0.1, 1, 10];

/** A grid over GRID_VALUES: 's' stable (drifting), 'u' unstable (oscillating), 'f' failed. */
function grid(pattern: string, values = GRID_VALUES): GridPoint[] {
  return [...pattern].map((c, i) => ({ value: values[i]!, verdict: c === 's' ? 'drifting' : c === 'u' ? 'oscillating' : 'failed' }));
}

/** A seed of boundary.json: its status and bracket, probes given as [value, verdict]. */
function seed(status: TrackStatus, stable: number | null, unstable: number | null, probes: [number, Verdict][], n = 0): BoundarySeed {
  return {
    seed: n,
    across: null,
    status,
    stable,
    unstable,
    estimate: stable !== null && unstable !== null ? Math.sqrt(stable * unstable) : null,
    monotone: true,
    stable_above: [],
    error: null,
    probes: probes.map(([value, verdict], i) => ({ value, verdict, run_id: `alpha=${value},seed=${n}`, round: i < 2 ? 1 : i })),
  };
}

const bracketed = (s: number, u: number) =>
  seed('bracketed', s, u, [
    [0.001, 'drifting'],
    [10, 'oscillating'],
    [s, 'drifting'],
    [u, 'oscillating'],
  ]);

describe('compareSeed', () => {
  it('a bracket inside the grid’s flip is consistent', () => {
    const c = compareSeed(bracketed(0.03, 0.0315), grid('ssuuu'), UNSTABLE);
    expect(c.gridMonotone).toBe(true);
    expect(c.gridFlip).toEqual({ lastStable: 0.01, firstUnstable: 0.1 });
    expect(c.gridFlips).toEqual([{ stable: 0.01, unstable: 0.1 }]);
    expect(c.consistent).toBe(true);
    expect(c.atGridFlip).toBe(true);
    expect(c.contradictions).toEqual([]);
    expect(c.sameValueMismatches).toEqual([]);
  });

  it('a bracket that only touches the flip’s end is consistent ((s, u] and (gs, gu] half-open)', () => {
    expect(compareSeed(bracketed(0.095, 0.1), grid('ssuuu'), UNSTABLE).consistent).toBe(true);
    // (0.1, 0.105] and (0.01, 0.1] share no point.
    expect(compareSeed(bracketed(0.1, 0.105), grid('ssuuu'), UNSTABLE).consistent).toBe(false);
  });

  it('a bracket away from a monotone grid’s flip is inconsistent, and the probe that contradicts the grid is named', () => {
    const above = compareSeed(bracketed(0.3, 0.315), grid('ssuuu'), UNSTABLE);
    expect(above.consistent).toBe(false);
    expect(above.atGridFlip).toBe(false);
    expect(above.contradictions).toEqual([{ probe: { value: 0.3, verdict: 'drifting' }, grid: { value: 0.1, verdict: 'oscillating' } }]);
    const below = compareSeed(bracketed(0.003, 0.00315), grid('ssuuu'), UNSTABLE);
    expect(below.consistent).toBe(false);
    expect(below.contradictions).toEqual([{ probe: { value: 0.00315, verdict: 'oscillating' }, grid: { value: 0.01, verdict: 'drifting' } }]);
  });

  it('a non-monotone grid is not judged, but says whether the bracket sits at one of its flips', () => {
    const g = grid('suusu'); // s u u s u: flips (0.001, 0.01] and (1, 10]
    const atSecond = compareSeed(bracketed(3, 3.1), g, UNSTABLE);
    expect(atSecond.gridMonotone).toBe(false);
    expect(atSecond.gridFlips).toEqual([
      { stable: 0.001, unstable: 0.01 },
      { stable: 1, unstable: 10 },
    ]);
    expect(atSecond.gridFlip).toEqual({ lastStable: 0.001, firstUnstable: 0.01 });
    expect(atSecond.consistent).toBeNull();
    expect(atSecond.atGridFlip).toBe(true);
    const between = compareSeed(bracketed(0.3, 0.31), g, UNSTABLE);
    expect(between.consistent).toBeNull();
    expect(between.atGridFlip).toBe(false);
  });

  it('stable throughout: consistent when the grid has no unstable value up to HI', () => {
    const s = seed('stable_throughout', 10, null, [
      [0.001, 'drifting'],
      [10, 'drifting'],
    ]);
    const ok = compareSeed(s, grid('sssss'), UNSTABLE);
    expect(ok.gridFlip).toEqual({ lastStable: 10, firstUnstable: null });
    expect(ok.consistent).toBe(true);
    expect(ok.atGridFlip).toBe(true);
    const bad = compareSeed(s, grid('sssuu'), UNSTABLE);
    expect(bad.consistent).toBe(false);
    // HI itself: probed drifting, on the grid oscillating.
    expect(bad.sameValueMismatches).toEqual([{ value: 10, boundary: 'drifting', grid: 'oscillating' }]);
  });

  it('unstable at LO: consistent when the grid is unstable from its first value', () => {
    const s = seed('unstable_at_lo', null, 0.001, [
      [0.001, 'oscillating'],
      [10, 'oscillating'],
    ]);
    const ok = compareSeed(s, grid('uuuuu'), UNSTABLE);
    expect(ok.gridFlip).toEqual({ lastStable: null, firstUnstable: 0.001 });
    expect(ok.consistent).toBe(true);
    const bad = compareSeed(s, grid('suuuu'), UNSTABLE);
    expect(bad.consistent).toBe(false);
    expect(bad.sameValueMismatches).toEqual([{ value: 0.001, boundary: 'oscillating', grid: 'drifting' }]);
  });

  it('failed grid runs are left out and listed; a failed or open search is not judged', () => {
    const c = compareSeed(bracketed(0.03, 0.0315), grid('sfuuu'), UNSTABLE);
    expect(c.gridFailed).toEqual([0.01]);
    expect(c.gridValues).toBe(4);
    expect(c.gridFlip).toEqual({ lastStable: 0.001, firstUnstable: 0.1 });
    expect(c.consistent).toBe(true);
    // A failed grid run between stable and unstable ones does not make the grid non-monotone.
    expect(compareSeed(bracketed(0.03, 0.0315), grid('ssfuu'), UNSTABLE).gridMonotone).toBe(true);
    const failed = seed('failed', 0.001, null, [
      [0.001, 'drifting'],
      [10, 'failed'],
    ]);
    expect(compareSeed(failed, grid('ssuuu'), UNSTABLE).consistent).toBeNull();
  });

  it('classifies the grid with the search’s unstable verdicts (drifting unstable too, here)', () => {
    const c = compareSeed(bracketed(0.03, 0.0315), grid('ssuuu'), ['drifting', 'oscillating', 'diverged']);
    // Every grid value is drifting or oscillating: unstable from the first.
    expect(c.gridFlip).toEqual({ lastStable: null, firstUnstable: 0.001 });
  });

  it('a grid value written differently from the probed one (1e-4 vs 10^-4 computed) is the same value', () => {
    const lo = 10 ** -4; // 0.00010000000000000009 or so, as logspace computes it
    const s = seed('bracketed', 0.03, 0.0315, [
      [1e-4, 'drifting'],
      [10, 'oscillating'],
      [0.03, 'drifting'],
      [0.0315, 'oscillating'],
    ]);
    const c = compareSeed(s, grid('uuuuu', [lo, 0.001, 0.01, 0.1, 1]), UNSTABLE);
    expect(c.sameValueMismatches).toEqual([{ value: 1e-4, boundary: 'drifting', grid: 'oscillating' }]);
  });
});

describe('compareBoundaryToGrid', () => {
  const file = (seeds: BoundarySeed[], runsUsed: number): BoundaryFile => ({
    format_version: 1,
    param: 'alpha',
    scale: 'log',
    range: [0.001, 10],
    rel_tol: 0.05,
    unstable_verdicts: UNSTABLE,
    across_key: null,
    complete: true,
    jobs: 2,
    rounds: 9,
    runs_used: runsUsed,
    wall_time_s: 1,
    seeds,
    quantiles: { p10: null, p50: null, p90: null, spread: null, counted: 0, stable_throughout: 0, unstable_at_lo: 0, failed: 0 },
    curve: [],
  });

  it('compares every seed with its own grid and counts runs and judged seeds', () => {
    const seeds = [
      { ...bracketed(0.03, 0.0315), seed: 0 },
      { ...bracketed(0.3, 0.315), seed: 1 },
      { ...bracketed(3, 3.1), seed: 2 },
    ];
    const grids = new Map([
      [0, grid('ssuuu')],
      [1, grid('ssuuu')],
      [2, grid('suusu')],
    ]);
    const c = compareBoundaryToGrid(file(seeds, 12), grids, 15);
    expect(c.seeds.map((s) => s.consistent)).toEqual([true, false, null]);
    expect(c.judgedSeeds).toBe(2);
    expect(c.consistentSeeds).toBe(1);
    expect(c.ratio).toBeCloseTo(12 / 15);
    expect(c.rounds).toBe(9);
  });

  it('says which seed the grid lacks, and refuses a search with --across', () => {
    expect(() => compareBoundaryToGrid(file([bracketed(0.03, 0.0315)], 4), new Map(), 0)).toThrow(/no runs of seed 0/);
    expect(() => compareBoundaryToGrid({ ...file([], 0), across_key: 'optimizer.lr' }, new Map(), 0)).toThrow(/across optimizer\.lr/);
  });
});
