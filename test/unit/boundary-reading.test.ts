/**
 * The report's reading of boundary.json: the sentences name each seed's bracket and the value at
 * which half the seeds are unstable, and say what a plain bracket cannot (a flip beyond the range, a
 * failed or non-monotone seed, an interrupted search, one curve point per across value).
 */
import { describe, expect, it } from 'vitest';
import { describeBoundary } from '../../src/report/compute-boundary-reading.js';
import { computeReading } from '../../src/report/compute-reading.js';
import { computeAggregates } from '../../src/summary/aggregate.js';
import type { RunRecord } from '../../src/summary/run-record.js';
import { boundarySeed, makeBoundary } from '../fixtures/results/build-boundary.js';
import { makeSummary } from '../fixtures/results/build-results.js';

const Q = { p10: 0.0316, p50: 0.0324, p90: 0.0331, spread: 1.05, counted: 2, stable_throughout: 0, unstable_at_lo: 0, failed: 0 };
const bracketed = (seed: number, stable: number, unstable: number) =>
  boundarySeed(seed, [
    [0.001, 'converged'],
    [1, 'diverged'],
    [stable, 'drifting'],
    [unstable, 'oscillating'],
  ]);

describe('describeBoundary', () => {
  it('names each seed’s bracket and the 10/50/90% values', () => {
    const text = describeBoundary(makeBoundary([bracketed(0, 0.0316, 0.0332), bracketed(1, 0.0309, 0.0324)], { quantiles: Q })).join(' ');
    expect(text).toBe(
      'Training turns unstable (oscillating or diverged) between α = 0.0316 and 0.0332 for seed 0 and between 0.0309 and 0.0324 for seed 1. ' +
        'Across the 2 seeds, half are unstable from α ≈ 0.0324 (10%: 0.0316, 90%: 0.0331).',
    );
  });

  it('gives a bracket as many digits as it takes for its ends to differ', () => {
    const text = describeBoundary(makeBoundary([bracketed(0, 0.0316001, 0.0316032)], { quantiles: { ...Q, counted: 1 } })).join(' ');
    expect(text).toContain('between α = 0.0316 and 0.031603 for seed 0');
    expect(text).toContain('Across the one seed counted, half are unstable from α ≈ 0.0324');
  });

  it.each([
    [
      'stable up to the top',
      [
        bracketed(0, 0.03, 0.04),
        boundarySeed(1, [
          [0.001, 'converged'],
          [1, 'converged'],
        ]),
        boundarySeed(2, [
          [0.001, 'drifting'],
          [1, 'converged'],
        ]),
      ],
      'Seeds 1 and 2 are stable up to α = 1, the top of the range: their flips lie higher.',
    ],
    [
      'unstable at the bottom',
      [
        boundarySeed(3, [
          [0.001, 'oscillating'],
          [1, 'diverged'],
        ]),
      ],
      'Seed 3 is unstable (oscillating or diverged) already at α = 0.001, the bottom of the range: its flip lies lower.',
    ],
    [
      'failed',
      [
        boundarySeed(
          4,
          [
            [0.001, 'converged'],
            [1, 'diverged'],
            [0.03, 'failed'],
          ],
          { status: 'failed', error: 'engine crashed', estimate: null },
        ),
      ],
      'The search of seed 4 stopped at α = 0.03: its run failed (engine crashed), so that seed is not counted.',
    ],
    [
      'not monotone',
      [
        boundarySeed(5, [
          [0.001, 'converged'],
          [1, 'diverged'],
          [0.03, 'oscillating'],
          [0.1, 'converged'],
          [0.01, 'converged'],
        ]),
      ],
      'Seed 5 is not monotone: it first turns unstable (oscillating or diverged) at α = 0.03, yet is stable again at 0.1 above it; its bracket is around that first flip.',
    ],
  ])('%s: says so', (_name, seeds, sentence) => {
    expect(describeBoundary(makeBoundary(seeds, { quantiles: Q }))).toContain(sentence);
  });

  it('an interrupted search: says so first, and that the brackets are as far as it got', () => {
    const [first] = describeBoundary(makeBoundary([bracketed(0, 0.03, 0.1)], { complete: false, rounds: 3, quantiles: Q }));
    expect(first).toMatch(/^The boundary search was interrupted after 3 rounds: the brackets below are as far as it got/);
  });

  it('fewer than half the seeds unstable in the range, and failed seeds not counted', () => {
    const text = describeBoundary(makeBoundary([bracketed(0, 0.03, 0.1)], { quantiles: { ...Q, p50: null, p90: null, counted: 3, failed: 1 } })).join(' ');
    expect(text).toContain(
      'Across the 3 seeds, fewer than half turn unstable inside the range (up to α = 1); 10% are from α ≈ 0.0316; 1 failed seed is not counted.',
    );
  });

  it('many seeds: the spread of the flips, not a list', () => {
    const seeds = Array.from({ length: 8 }, (_, s) => bracketed(s, 0.03 + s * 0.001, 0.032 + s * 0.001));
    const [sentence] = describeBoundary(makeBoundary(seeds, { quantiles: { ...Q, counted: 8 } }));
    expect(sentence).toMatch(
      /^Training turns unstable \(oscillating or diverged\) at α from ≈ 0\.03098 \(seed 0\) to ≈ 0\.03799 \(seed 7\), depending on the seed/,
    );
  });

  it('with --across: a sentence per across value, from its curve point', () => {
    const seeds = [0.001, 0.01].map((lr) => ({ ...bracketed(0, lr * 3, lr * 4), across: lr }));
    const curve = [
      { ...Q, across: 0.001, p50: 0.0035 },
      { ...Q, across: 0.01, p50: 0.035 },
    ];
    const text = describeBoundary(makeBoundary(seeds, { across_key: 'optimizer.lr', curve, quantiles: Q }));
    expect(text).toContain('With optimizer.lr = 0.001, across the 2 seeds, half are unstable from α ≈ 0.0035 (10%: 0.0316, 90%: 0.0331).');
    expect(text).toContain('With optimizer.lr = 0.01, across the 2 seeds, half are unstable from α ≈ 0.035 (10%: 0.0316, 90%: 0.0331).');
  });

  it('a setting other than α is named as it is', () => {
    const text = describeBoundary(makeBoundary([bracketed(0, 0.03, 0.04)], { param: 'optimizer.lr', quantiles: Q })).join(' ');
    expect(text).toContain('between optimizer.lr = 0.03 and 0.04 for seed 0');
  });
});

describe('computeReading with a boundary', () => {
  const runs: RunRecord[] = (
    [
      [0.03, 'drifting'],
      [0.04, 'oscillating'],
    ] as const
  ).map(([alpha, verdict]) => {
    const summary = makeSummary({ coords: { alpha, seed: 0 }, verdict, loss1: 0.01, loss2: 5 });
    return { id: summary.id, path: `/r/runs/${summary.id}`, state: 'finished', coords: { alpha, seed: 0 }, summary, rows: 3, problem: null };
  });

  it('follows the sweep’s sentence with the critical value; without boundary.json, no such sentence', () => {
    const boundary = makeBoundary([bracketed(0, 0.03, 0.04)], { quantiles: { ...Q, counted: 1 } });
    const reading = computeReading(runs, computeAggregates(runs), 'results/x', boundary);
    expect(reading.sentences[0]).toMatch(/^2 runs \(α ∈ \{0\.03, 0\.04\} × 1 seed\)/);
    expect(reading.sentences[1]).toBe('Training turns unstable (oscillating or diverged) between α = 0.03 and 0.04 for seed 0.');
    expect(reading.sentences[2]).toMatch(/^Across the one seed counted, half are unstable from α ≈ 0\.0324/);
    expect(computeReading(runs, computeAggregates(runs), 'results/x').sentences.join(' ')).not.toContain('Training turns unstable');
  });
});
