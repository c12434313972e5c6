/**
 * A results directory written by an earlier mo-train (test/fixtures/results-v1/, made by
 * scripts/make-results-fixture.mjs) still reads: summarize's, plot's and report's readers give the
 * verdicts and values it was written with. The expected values are the fixture's own (its
 * summary.json files and the summary.csv the sweep wrote), typed in here, not recomputed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResults, readRunConfigDocument } from '../../src/io/read-results.js';
import { loadPlotData } from '../../src/plot/plot-data.js';
import { computeSettings } from '../../src/report/compute-settings.js';
import { serializeTable } from '../../src/results/tables-file.js';
import { computeAggregates } from '../../src/summary/aggregate.js';
import { computeGroupTable, computeRunTable } from '../../src/summary/tables.js';

const dir = join('test', 'fixtures', 'results-v1');
const SLOW = 'alpha=1,seed=0,optimizer.lr=0.001';
const FAST = 'alpha=1,seed=0,optimizer.lr=1000000';

function close(actual: number | undefined, expected: number): void {
  expect(actual).toBeDefined();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(1e-12 * Math.abs(expected));
}

describe('results-v1 (sweep.json and summary.json format 1)', () => {
  it('summarize reads every run, with its verdict, and nothing to warn about', async () => {
    const results = await readResults(dir);
    expect(results.sweep).toEqual({ format_version: 1, name: 'seed' });
    expect(results.sweepIssue).toBeNull();
    expect(results.notes).toEqual([]);
    const rows = results.runs.map((r) => [r.id, r.state, r.summary?.verdict, r.rows, r.coords]);
    expect(rows).toEqual([
      [SLOW, 'finished', 'drifting', 6, { alpha: 1, seed: 0, 'optimizer.lr': 0.001 }],
      [FAST, 'finished', 'diverged', 2, { alpha: 1, seed: 0, 'optimizer.lr': 1000000 }],
    ]);
    const [slow, fast] = results.runs;
    close(slow!.summary!.final?.loss1, 25.330933951684944);
    close(slow!.summary!.final?.loss2, 1.820127537076043);
    expect(fast!.summary!.divergence).toMatchObject({ step: 1, reason: 'loss1-threshold' });
    close(fast!.summary!.final?.loss1, 1.3413329722040177e40);
  });

  it('its tables come out as the sweep wrote them', async () => {
    const results = await readResults(dir);
    const aggregates = computeAggregates(results.runs);
    expect(serializeTable(computeRunTable(results.runs, aggregates.axis_keys))).toBe(readFileSync(join(dir, 'summary.csv'), 'utf8'));
    expect(serializeTable(computeGroupTable(aggregates))).toBe(readFileSync(join(dir, 'by-alpha.csv'), 'utf8'));
  });

  it('plot reads each run’s curve and outcome', async () => {
    const data = await loadPlotData(dir);
    expect(data.name).toBe('seed');
    expect(data.runs.map((r) => [r.id, r.outcome, r.stepsRows, r.points.map((p) => p.step)])).toEqual([
      [SLOW, 'drifting', 6, [0, 10, 20, 30, 40, 49]],
      [FAST, 'diverged', 2, [0, 1]],
    ]);
    close(data.runs[0]!.points[0]!.loss1, data.runs[1]!.points[0]!.loss1);
    close(data.runs[0]!.points[5]!.loss2, 1.820127537076043);
  });

  it('report shows its settings: the grid from sweep.json, the rest from the first config.json', async () => {
    const results = await readResults(dir);
    const settings = computeSettings(results.sweepDocument, await readRunConfigDocument(results.runs[0]!.path));
    const main = Object.fromEntries(settings.main.map((r) => [r.label, r.value]));
    expect(main).toMatchObject({ α: '1', seeds: '0', 'optimizer.lr (swept)': '0.001, 1000000', steps: '50' });
    expect(main.optimizer).toContain('name: adam');
    expect(main.optimizer).toContain('(first run; optimizer.lr swept)');
    const more = Object.fromEntries(settings.more.map((r) => [r.label, r.value]));
    expect(more.command).toBe(
      'mo-train sweep --alpha 1 --seeds 0 --set optimizer.lr=0.001,1e6 --steps 50 --log-every 10 --jobs 1 --out test/fixtures/results-v1',
    );
    expect(more.log_every).toBe('10');
    expect(more.versions).toMatch(/^mo-train 0\.1\.0, node v/);
  });
});
