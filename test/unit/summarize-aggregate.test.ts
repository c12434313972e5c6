import { describe, expect, it } from 'vitest';
import { compareAxisValues, computeAggregates, computeSpread, outcomeOf, sortRunsByCoords } from '../../src/summary/aggregate.js';
import type { RunRecord } from '../../src/summary/run-record.js';
import { computeGroupTable, computeRunTable } from '../../src/summary/tables.js';
import { CLEAN_RUNS, makeSummary, runIdOf, type Coords, type SummaryInput } from '../fixtures/results/build-results.js';

function finished(input: SummaryInput): RunRecord {
  const summary = makeSummary(input);
  return { id: summary.id, path: `r/runs/${summary.id}`, state: summary.status, coords: input.coords, summary, rows: summary.rows_logged, problem: null };
}

function unsummarized(coords: Coords, state: 'missing' | 'unfinished' | 'corrupt'): RunRecord {
  const id = runIdOf(coords);
  return { id, path: `r/runs/${id}`, state, coords, summary: null, rows: null, problem: `r/runs/${id}: ${state}` };
}

describe('computeSpread', () => {
  it.each([
    { values: [], expected: null },
    { values: [3], expected: { median: 3, min: 3, max: 3, n: 1 } },
    { values: [1, 3], expected: { median: 2, min: 1, max: 3, n: 2 } },
    { values: [5, 1, 3], expected: { median: 3, min: 1, max: 5, n: 3 } },
    { values: [4, 1, 3, 10], expected: { median: 3.5, min: 1, max: 10, n: 4 } },
    { values: [1, NaN, 3], expected: { median: 2, min: 1, max: 3, n: 2 } },
    { values: [Infinity, 1], expected: { median: 1, min: 1, max: 1, n: 1 } },
    { values: [NaN], expected: null },
  ])('$values → $expected', ({ values, expected }) => {
    const s = computeSpread(values);
    if (expected === null) return expect(s).toBeNull();
    expect(s).not.toBeNull();
    expect(s!.median).toBeCloseTo(expected.median, 12);
    expect(s!.min).toBe(expected.min);
    expect(s!.max).toBe(expected.max);
    expect(s!.n).toBe(expected.n);
  });
});

describe('computeAggregates', () => {
  it('groups the clean 2-α × 2-seed sweep per α with medians over seeds', () => {
    const agg = computeAggregates(CLEAN_RUNS.map(finished));
    expect(agg.axis_keys).toEqual([]);
    expect(agg.groups.map((g) => g.coords)).toEqual([{ alpha: 0 }, { alpha: 0.1 }]);
    const [a0, a1] = agg.groups;
    expect(a0!.runs).toBe(2);
    expect(a0!.counts).toMatchObject({ converged: 2, drifting: 0, diverged: 0, failed: 0, missing: 0 });
    expect(a0!.loss1!.median).toBeCloseTo(2, 12);
    expect(a0!.loss1).toMatchObject({ min: 1, max: 3, n: 2 });
    expect(a0!.loss2!.median).toBeCloseTo(4, 12);
    expect(a1!.counts).toMatchObject({ converged: 1, drifting: 1 });
    expect(a1!.loss1!.median).toBeCloseTo(0.625, 12);
    expect(a1!.loss2!.median).toBeCloseTo(20, 12);
    expect(a1!.loss2).toMatchObject({ min: 10, max: 30 });
  });

  it('counts diverged, failed, missing, unfinished and corrupt runs but keeps them out of the loss spreads', () => {
    const runs = [
      finished({ coords: { alpha: 1, seed: 0 }, verdict: 'converged', loss1: 2, loss2: 1 }),
      finished({ coords: { alpha: 1, seed: 1 }, verdict: 'diverged', loss1: NaN, loss2: 1e12 }),
      finished({ coords: { alpha: 1, seed: 2 }, verdict: 'failed', loss1: 100, loss2: 100 }),
      unsummarized({ alpha: 1, seed: 3 }, 'missing'),
      unsummarized({ alpha: 1, seed: 4 }, 'unfinished'),
      unsummarized({ alpha: 1, seed: 5 }, 'corrupt'),
      finished({ coords: { alpha: 1, seed: 6 }, verdict: 'oscillating', loss1: 4, loss2: 3 }),
    ];
    const [g] = computeAggregates(runs).groups;
    expect(g!.runs).toBe(7);
    expect(g!.counts).toEqual({ converged: 1, oscillating: 1, drifting: 0, diverged: 1, failed: 1, missing: 1, unfinished: 1, corrupt: 1 });
    expect(g!.loss1).toEqual({ median: 3, min: 2, max: 4, n: 2 });
    expect(g!.loss2).toEqual({ median: 2, min: 1, max: 3, n: 2 });
  });

  it('has no spread for a group where nothing finished without diverging', () => {
    const runs = [finished({ coords: { alpha: 2, seed: 0 }, verdict: 'diverged', loss1: Infinity, loss2: 1 }), unsummarized({ alpha: 2, seed: 1 }, 'missing')];
    const [g] = computeAggregates(runs).groups;
    expect(g!.loss1).toBeNull();
    expect(g!.loss2).toBeNull();
  });

  it('groups by every swept key except seed, sorted by α then axis values numerically', () => {
    const coords: Coords[] = [];
    for (const alpha of [1, 0.1]) for (const lr of [0.01, 0.001]) for (const seed of [0, 1]) coords.push({ alpha, seed, 'optimizer.lr': lr });
    const runs = coords.map((c, i) => finished({ coords: c, loss1: i, loss2: 0 }));
    const agg = computeAggregates(runs);
    expect(agg.axis_keys).toEqual(['optimizer.lr']);
    expect(agg.groups.map((g) => [g.coords.alpha, g.coords['optimizer.lr'], g.runs])).toEqual([
      [0.1, 0.001, 2],
      [0.1, 0.01, 2],
      [1, 0.001, 2],
      [1, 0.01, 2],
    ]);
    // α=1, lr=0.001 holds runs 2 and 3 (loss1 = their index).
    expect(agg.groups[2]!.loss1!.median).toBeCloseTo(2.5, 12);
  });

  it('keeps 1 and "1" apart and leaves runs without an α out of the groups', () => {
    const runs = [
      finished({ coords: { alpha: 0, seed: 0, act: 1 }, loss1: 1, loss2: 1 }),
      finished({ coords: { alpha: 0, seed: 0, act: '1' }, loss1: 1, loss2: 1 }),
      { ...unsummarized({}, 'corrupt'), id: 'stray' },
    ];
    const agg = computeAggregates(runs);
    expect(agg.groups).toHaveLength(2);
    expect(agg.groups.reduce((n, g) => n + g.runs, 0)).toBe(2);
  });
});

describe('compareAxisValues', () => {
  it.each([
    { a: 0.001, b: 0.01, sign: -1 },
    { a: 10, b: 9, sign: 1 },
    { a: 2, b: 2, sign: 0 },
    { a: Infinity, b: Infinity, sign: 0 },
    { a: NaN, b: 1, sign: 1 },
    { a: 1, b: 'a', sign: -1 },
    { a: false, b: true, sign: -1 },
    { a: 'relu', b: 'gelu', sign: 1 },
    { a: undefined, b: 'x', sign: 1 },
  ])('$a vs $b → $sign', ({ a, b, sign }) => {
    expect(Math.sign(compareAxisValues(a, b))).toBe(sign);
  });

  it('sorts discovered runs into grid order: α, then axes, then seed', () => {
    const runs = [
      finished({ coords: { alpha: 1, seed: 0 }, loss1: 1, loss2: 1 }),
      finished({ coords: { alpha: 0.5, seed: 10 }, loss1: 1, loss2: 1 }),
      finished({ coords: { alpha: 0.5, seed: 2 }, loss1: 1, loss2: 1 }),
    ];
    expect(sortRunsByCoords(runs).map((r) => r.id)).toEqual(['alpha=0.5,seed=2', 'alpha=0.5,seed=10', 'alpha=1,seed=0']);
  });
});

describe('outcomeOf', () => {
  it.each([
    { run: finished({ coords: { alpha: 0, seed: 0 }, verdict: 'drifting', loss1: 1, loss2: 1 }), outcome: 'drifting' },
    { run: finished({ coords: { alpha: 0, seed: 0 }, verdict: 'failed', loss1: 1, loss2: 1 }), outcome: 'failed' },
    { run: unsummarized({ alpha: 0, seed: 0 }, 'unfinished'), outcome: 'unfinished' },
  ])('$outcome', ({ run, outcome }) => {
    expect(outcomeOf(run)).toBe(outcome);
  });
});

describe('summary tables', () => {
  it('lays out summary.csv rows: id, alpha, seed, axes, state, summary numbers, problem', () => {
    const runs = [
      finished({
        coords: { alpha: 0.1, seed: 3, 'optimizer.lr': 0.01 },
        verdict: 'diverged',
        loss1: NaN,
        loss2: -Infinity,
        no_gradient: ['loss2'],
        steps_run: 40,
      }),
      unsummarized({ alpha: 0.1, seed: 4, 'optimizer.lr': 0.01 }, 'missing'),
    ];
    const t = computeRunTable(runs, ['optimizer.lr']);
    expect(t.columns).toEqual([
      'id',
      'alpha',
      'seed',
      'optimizer.lr',
      'state',
      'verdict',
      'final_step',
      'final_loss1',
      'final_loss2',
      'final_total',
      'min_loss1',
      'min_loss1_step',
      'steps_run',
      'steps_requested',
      'diverged_step',
      'diverge_reason',
      'no_gradient',
      'explanation',
      'problem',
    ]);
    const row = Object.fromEntries(t.columns.map((c, i) => [c, t.rows[0]![i]]));
    expect(row).toMatchObject({
      id: 'alpha=0.1,seed=3,optimizer.lr=0.01',
      alpha: 0.1,
      seed: 3,
      'optimizer.lr': 0.01,
      state: 'finished',
      verdict: 'diverged',
      final_step: 39,
      steps_run: 40,
      steps_requested: 100,
      diverged_step: 39,
      diverge_reason: 'non-finite',
      no_gradient: 'loss2',
      problem: null,
    });
    expect(row.final_loss1).toBeNaN();
    expect(row.final_loss2).toBe(-Infinity);
    const missing = Object.fromEntries(t.columns.map((c, i) => [c, t.rows[1]![i]]));
    expect(missing).toMatchObject({ state: 'missing', verdict: null, final_loss1: null, problem: 'r/runs/alpha=0.1,seed=4,optimizer.lr=0.01: missing' });
  });

  it('lays out by-alpha.csv rows: coords, runs, one count per verdict and state, spreads', () => {
    const t = computeGroupTable(computeAggregates(CLEAN_RUNS.map(finished)));
    expect(t.columns).toEqual([
      'alpha',
      'runs',
      'converged',
      'oscillating',
      'drifting',
      'diverged',
      'failed',
      'missing',
      'unfinished',
      'corrupt',
      'final_loss_runs',
      'loss1_median',
      'loss1_min',
      'loss1_max',
      'loss2_median',
      'loss2_min',
      'loss2_max',
    ]);
    expect(t.rows[1]).toEqual([0.1, 2, 1, 0, 1, 0, 0, 0, 0, 0, 2, 0.625, 0.5, 0.75, 20, 10, 30]);
  });
});
