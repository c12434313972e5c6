/**
 * loadPlotData on results directories built by hand: each run's outcome, finals and divergence
 * from its summary, its curve from steps.csv (or none, and why), and the --runs / --alpha filters
 * with their one-line errors.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { stringifyJson } from '../../src/results/json.js';
import { loadPlotData } from '../../src/plot/plot-data.js';
import {
  configFor,
  makeSummary,
  makeTempDir,
  runIdOf,
  writeFinishedRun,
  writeRunFiles,
  writeSweepJson,
  type Coords,
} from '../fixtures/results/build-results.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** α = 1/3 as linspace makes it, a finished run, a diverged one, an unfinished one, a missing one and one with a broken steps.csv. */
function writeMixedSweep(): string {
  const dir = makeTempDir();
  dirs.push(dir);
  const third = 1 / 3;
  const coords: Coords[] = [
    { alpha: 0, seed: 0 },
    { alpha: third, seed: 0 },
    { alpha: third, seed: 1 },
    { alpha: 1, seed: 0 },
    { alpha: 1, seed: 1 },
  ];
  writeSweepJson(dir, coords);
  writeFinishedRun(dir, makeSummary({ coords: coords[0]!, verdict: 'converged', loss1: 0.5, loss2: 7, rows_logged: 50 }));
  const diverged = {
    ...makeSummary({ coords: coords[1]!, verdict: 'diverged', loss1: NaN, loss2: 3, rows_logged: 10, steps_run: 10 }),
    divergence: { step: 9, reason: 'non-finite loss1', detail: 'loss1 is NaN' },
  };
  writeFinishedRun(dir, diverged);
  // Unfinished: steps.csv so far, no summary.json.
  writeRunFiles(dir, runIdOf(coords[2]!), { config: stringifyJson(configFor(coords[2]!)), steps: 'step,loss1,loss2,total\n0,5,1,4\n1,4,2,3.5\n' });
  // coords[3] missing: no directory at all.
  writeRunFiles(dir, runIdOf(coords[4]!), { config: stringifyJson(configFor(coords[4]!)), steps: 'step,loss1,loss2,total\n0,oops,1,1\n' });
  return dir;
}

describe('loadPlotData', () => {
  it('gives every run of the sweep, in order, with its outcome, finals, divergence and curve', async () => {
    const dir = writeMixedSweep();
    const data = await loadPlotData(dir);
    expect(data.name).toBe('seed');
    expect((data.sweep as { format_version: number }).format_version).toBe(1);
    expect(data.runs.map((r) => [r.id, r.outcome])).toEqual([
      ['alpha=0,seed=0', 'converged'],
      [`alpha=${1 / 3},seed=0`, 'diverged'],
      [`alpha=${1 / 3},seed=1`, 'unfinished'],
      ['alpha=1,seed=0', 'missing'],
      ['alpha=1,seed=1', 'unfinished'],
    ]);
    const [done, diverged, unfinished, missing, broken] = data.runs;
    expect(done).toMatchObject({ alpha: 0, seed: 0, final: { loss1: 0.5, loss2: 7 }, divergence: null, stepsRows: 50, stepsProblem: null });
    expect(done!.points).toHaveLength(50);
    expect(done!.points.at(-1)).toEqual({ step: 99, loss1: 0.5, loss2: 7 });
    expect(diverged!.divergence).toEqual({ step: 9, reason: 'non-finite loss1' });
    expect(diverged!.points.at(-1)!.loss1).toBeNaN();
    expect(unfinished!.points).toEqual([
      { step: 0, loss1: 5, loss2: 1 },
      { step: 1, loss1: 4, loss2: 2 },
    ]);
    expect(unfinished!.explanation).toMatch(/no summary\.json/);
    expect(missing).toMatchObject({ points: [], stepsRows: 0, stepsProblem: null, final: null });
    expect(broken).toMatchObject({ points: [], stepsRows: 0 });
    expect(broken!.stepsProblem).toMatch(/alpha=1,seed=1[/\\]steps\.csv: line 2: loss1 is "oops", not a number$/);
  });

  it('downsamples long curves to maxPoints', async () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const coords = { alpha: 0, seed: 0 };
    writeSweepJson(dir, [coords]);
    writeFinishedRun(dir, makeSummary({ coords, loss1: 1, loss2: 2, steps: 5000, rows_logged: 5000 }));
    const [run] = (await loadPlotData(dir, { maxPoints: 100 })).runs;
    expect(run!.stepsRows).toBe(5000);
    expect(run!.points.length).toBeLessThanOrEqual(100);
    expect(run!.points[0]!.step).toBe(0);
    expect(run!.points.at(-1)).toEqual({ step: 4999, loss1: 1, loss2: 2 });
  });

  it('filters by run id and by α (1/3 typed to 13 digits still matches)', async () => {
    const dir = writeMixedSweep();
    expect((await loadPlotData(dir, { runs: ['alpha=1,seed=1', 'alpha=0,seed=0'] })).runs.map((r) => r.id)).toEqual(['alpha=0,seed=0', 'alpha=1,seed=1']);
    expect((await loadPlotData(dir, { alpha: [0.3333333333333] })).runs).toHaveLength(2);
    await expect(loadPlotData(dir, { alpha: [0.33333] })).rejects.toThrow(/not an α of this sweep/);
    expect((await loadPlotData(dir, { alpha: [0, 1] })).runs.map((r) => r.id)).toEqual(['alpha=0,seed=0', 'alpha=1,seed=0', 'alpha=1,seed=1']);
    expect((await loadPlotData(dir, { alpha: [1], runs: ['alpha=1,seed=0'] })).runs.map((r) => r.id)).toEqual(['alpha=1,seed=0']);
  });

  it.each([
    [
      'an unknown run',
      { runs: ['alpha=2,seed=0'] },
      /^--runs: no run "alpha=2,seed=0" in this directory \(runs: alpha=0,seed=0; alpha=0\.3333333333333333,seed=0; .*alpha=1,seed=1\)$/,
    ],
    ['an α not swept', { alpha: [0.5, 0] }, /^--alpha: 0\.5 is not an α of this sweep \(α: 0, 0\.3333333333333333, 1\)$/],
    ['filters that exclude each other', { alpha: [0], runs: ['alpha=1,seed=0'] }, /^--runs and --alpha together select no run/],
  ])('refuses %s with a one-line UserError naming what is allowed', async (_name, options, message) => {
    const dir = writeMixedSweep();
    const err = await loadPlotData(dir, options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });

  it('refuses a directory that is not a results directory', async () => {
    const dir = makeTempDir();
    dirs.push(dir);
    await expect(loadPlotData(join(dir, 'nothing'))).rejects.toThrow(UserError);
  });
});
