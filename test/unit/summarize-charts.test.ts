/**
 * The terminal views of a results directory, rendered from hand-made data: the sparkline columns
 * of the per-run table and the `--plot` text charts.
 */
import { describe, expect, it } from 'vitest';
import { renderLossCharts } from '../../src/cli/render-loss-charts.js';
import { renderRunTable, type RunCurves } from '../../src/cli/render-summary.js';
import type { PlotPoint } from '../../src/plot/downsample.js';
import type { PlotData, PlotRun } from '../../src/plot/plot-data.js';
import type { RunRecord } from '../../src/summary/run-record.js';
import { makeSummary, type SummaryInput } from '../fixtures/results/build-results.js';

const ANSI = /\u001b\[[0-9;]*m/g;

function finished(input: SummaryInput): RunRecord {
  const summary = makeSummary({ explanation: 'loss1 settled at 0.01234 (range 1.2e-5) over the last 1000 steps; loss2 steady near 3.456', ...input });
  return { id: summary.id, path: `out/runs/${summary.id}`, state: summary.status, coords: input.coords, summary, rows: 100, problem: null };
}

/** 100 logged steps (0–99) of a loss1 and loss2 made by `f`. */
function curve(f: (step: number) => [number, number]): PlotPoint[] {
  return Array.from({ length: 100 }, (_, step) => {
    const [loss1, loss2] = f(step);
    return { step, loss1, loss2 };
  });
}

const SETTLES = curve((s) => [s < 10 ? 10 - s : 0, s < 10 ? s : 10]);
const SWINGS = curve((s) => [s < 10 ? 10 - s : s % 2 === 0 ? 1e-9 : 1, s]);
const BLOWS_UP = curve((s) => (s < 40 ? [1, 1] : [NaN, NaN])).slice(0, 41);

const RUNS: RunRecord[] = [
  finished({ coords: { alpha: 0, seed: 0 }, verdict: 'converged', loss1: 0, loss2: 10 }),
  finished({ coords: { alpha: 0.5, seed: 0 }, verdict: 'oscillating', loss1: 1, loss2: 99 }),
  finished({ coords: { alpha: 1, seed: 0 }, verdict: 'diverged', loss1: NaN, loss2: NaN, steps_run: 41 }),
  finished({ coords: { alpha: 1, seed: 1 }, verdict: 'converged', loss1: 0, loss2: 1 }),
];
const CURVES: RunCurves = new Map([
  ['alpha=0,seed=0', { points: SETTLES, divergence: null }],
  ['alpha=0.5,seed=0', { points: SWINGS, divergence: null }],
  ['alpha=1,seed=0', { points: BLOWS_UP, divergence: { step: 40, reason: 'non-finite' } }],
  // alpha=1,seed=1: no curve (steps.csv absent or unreadable).
]);

/** The loss1 and loss2 cells of a run's row: the two columns after the verdict. */
function sparkCells(table: string, id: string): [string, string] {
  const line = table.split('\n').find((l) => l.startsWith(`${id} `))!;
  const header = table.split('\n')[0]!;
  const at = (name: string) => header.indexOf(name);
  return [line.slice(at('loss1'), at('loss2')).trimEnd(), line.slice(at('loss2'), at('final loss1')).trimEnd()];
}

describe('the sparkline columns of the per-run table', () => {
  it('come right after the verdict, only when there are curves', () => {
    expect(renderRunTable(RUNS, { color: false, width: null }).split('\n')[0]).toMatch(/^run\s+verdict\s+final loss1/);
    expect(renderRunTable(RUNS, { color: false, width: null }, CURVES).split('\n')[0]).toMatch(
      /^run\s+verdict\s+loss1\s+loss2\s+final loss1\s+final loss2\s+min loss1\s+steps\s+explanation$/,
    );
  });

  it('draw a settled, an oscillating and a diverged run differently, and "-" without a curve', () => {
    const table = renderRunTable(RUNS, { color: false, width: null }, CURVES);
    // 100 steps in 16 cells of 6–7 steps. Settled: 10 → 0 in the first cells, then 0 (linear).
    const [settled1, settled2] = sparkCells(table, 'alpha=0,seed=0');
    expect(settled1).toMatch(/^█[▁-█]▁{13,14}$/);
    expect(settled2).toMatch(/^[▁-▅][▅-█]█{14}$/);
    // Swinging between 1e-9 and 1 every step, on a log scale: after the fall, low and high alternate.
    // Log scale from 1e-7 (8 decades under 10): 1 to 10 are the top level, 1e-9 the bottom. The
    // first cell (10 … 4) is all top; every later one holds both 1e-9 and 1, and jumps.
    const [swing1, swing2] = sparkCells(table, 'alpha=0.5,seed=0');
    expect(swing1).toBe('█▁'.repeat(8));
    // loss2 = step, linear: a ramp.
    expect(swing2).toBe('▁▁▂▂▃▃▄▄▅▆▆▆▇███');
    // Diverged at step 40 of 100: flat, ✕ in the cell of step 40, blank for the steps never run.
    const [div1, div2] = sparkCells(table, 'alpha=1,seed=0');
    expect(div1).toBe('▁▁▁▁▁▁✕');
    expect(div2).toBe('▁▁▁▁▁▁✕');
    expect(sparkCells(table, 'alpha=1,seed=1')).toEqual(['-', '-']);
    expect(table.trimEnd().split('\n').at(-1)).toMatch(/^loss1, loss2: .*✕ non-finite or diverged$/);
  });

  // The other columns take 76 characters (ids of 16, verdicts of 11, the numbers, the gaps) and
  // the explanation at least 20: two sparklines and their gaps share width − 96.
  it.each([
    { width: 200, cells: 24 },
    { width: 130, cells: 15 },
    { width: 100, cells: 8 },
  ])('fit a $width-column terminal with $cells cells', ({ width, cells }) => {
    const table = renderRunTable(RUNS, { color: false, width }, CURVES);
    expect(sparkCells(table, 'alpha=0,seed=0')[0]).toHaveLength(cells);
    // 8 cells is the least; below that the rows may wrap, like the table's numbers do. (The
    // legend under the table is a note, like the one under the per-α table: it may wrap.)
    const rows = table.trimEnd().split('\n').slice(0, -1);
    expect(rows).toHaveLength(RUNS.length + 1);
    if (cells > 8) for (const row of rows) expect(row.length).toBeLessThanOrEqual(width);
    else expect(Math.max(...rows.map((r) => r.length))).toBeGreaterThan(width);
  });

  it('are colored like the verdict only when color is on', () => {
    const plain = renderRunTable(RUNS, { color: false, width: null }, CURVES);
    expect(plain).not.toMatch(ANSI);
    const colored = renderRunTable(RUNS, { color: true, width: null }, CURVES);
    expect(colored).toMatch(/\u001b\[32m█[▁-█]+\u001b\[39m/); // converged: green
    expect(colored).toMatch(/\u001b\[31m▁+✕ +\u001b\[39m/); // diverged: red
    expect(colored.replace(ANSI, '')).toBe(plain);
  });
});

function plotRun(id: string, alpha: number, seed: number, outcome: string, points: PlotPoint[], divergence: PlotRun['divergence'] = null): PlotRun {
  return {
    id,
    alpha,
    seed,
    coords: { alpha, seed },
    outcome,
    explanation: null,
    final: null,
    divergence,
    points,
    stepsRows: points.length,
    stepsProblem: null,
  };
}

const DATA: PlotData = {
  dir: 'out',
  name: 'seed',
  sweep: null,
  runs: [
    plotRun('alpha=0,seed=0', 0, 0, 'converged', SETTLES),
    plotRun('alpha=0,seed=1', 0, 1, 'converged', SETTLES),
    plotRun('alpha=1,seed=0', 1, 0, 'diverged', BLOWS_UP, { step: 40, reason: 'non-finite' }),
    plotRun('alpha=1,seed=1', 1, 1, 'oscillating', SWINGS),
    { ...plotRun('alpha=1,seed=2', 1, 2, 'corrupt', []), stepsProblem: 'out/runs/alpha=1,seed=2/steps.csv: line 7: loss1 is "x", not a number' },
  ],
};

/** The charts of a rendering, by their header line. */
function charts(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const block of text.split('\n\n').slice(1)) {
    const [header, ...rest] = block.split('\n');
    out.set(header!, rest);
  }
  return out;
}

describe('renderLossCharts', () => {
  const text = renderLossCharts(DATA, { color: false, width: 80, height: 10 });

  it('draws loss1 and loss2 for each α, the seeds as series, with their axes and steps', () => {
    expect([...charts(text).keys()]).toEqual([
      // alpha=0's loss1 falls from 10 to 0: one decade of positive values, linear.
      'alpha=0 (seeds 0, 1) — y: loss1; x: step 0 → 99',
      'alpha=0 (seeds 0, 1) — y: loss2; x: step 0 → 99',
      'alpha=1 (seeds 0, 1, 2) — y: loss1, log scale; x: step 0 → 99',
      'alpha=1 (seeds 0, 1, 2) — y: loss2; x: step 0 → 99',
    ]);
    for (const lines of charts(text).values()) {
      // 11 rows of plot, each a label and the axis; then the x axis, its steps, the legend.
      const plot = lines.slice(0, 11);
      for (const row of plot) expect(row).toMatch(/^ *≤?[-0-9.e+]+ ┤/);
      expect(lines[11]).toMatch(/^ +└─+┬─+┬$/);
      expect(lines[12]).toMatch(/^ +0 +50 +99$/);
      // Notes under a chart (✕ …, nothing to draw …) hold paths and are never cut; the rest fits.
      for (const line of lines.filter((l) => !/^ {2}(✕|seed \d+: nothing)/.test(l))) expect(line.length).toBeLessThanOrEqual(80);
    }
  });

  it('labels the y axis with the losses: linear, or on a log scale with the bottom row holding what is below it', () => {
    // loss1 falls from 10 to 0: ≤ 1 decade of positive values, linear.
    const loss1 = charts(text).get('alpha=0 (seeds 0, 1) — y: loss1; x: step 0 → 99')!;
    expect([loss1[0], loss1[5], loss1[10]]).toEqual([expect.stringMatching(/^10 ┤╮/), expect.stringMatching(/^ 5 ┤/), expect.stringMatching(/^ 0 ┤ +╰─+$/)]);
    // Swinging between 1e-9 and 1 after falling from 10: log, 8 decades under 10, in 10 rows.
    const one: PlotData = { ...DATA, runs: [DATA.runs[3]!] };
    const swings = charts(renderLossCharts(one, { color: false, width: 80, height: 10 })).get(
      'alpha=1,seed=1 (oscillating) — y: loss1, log scale; x: step 0 → 99',
    )!;
    expect(swings[0]).toMatch(/^ {6}10 ┤/);
    expect(swings[5]).toMatch(/^ {3}0\.001 ┤/);
    expect(swings[10]).toMatch(/^≤1\.00e-7 ┤/);
  });

  it('draws a swinging loss as a zig-zag over its range, not a flat line', () => {
    // 1000 steps in 74 columns, ~13 a column, each holding both 1e-9 and 1: a column's mean would
    // be a flat line half way up; its envelope, picked alternately, is a zig-zag over the range.
    const long = Array.from({ length: 1000 }, (_, step) => ({ step, loss1: step < 10 ? 10 - step : step % 2 === 0 ? 1e-9 : 1, loss2: step }));
    const one: PlotData = { ...DATA, runs: [plotRun('alpha=1,seed=1', 1, 1, 'oscillating', long)] };
    const lines = charts(renderLossCharts(one, { color: false, width: 80, height: 10 })).get(
      'alpha=1,seed=1 (oscillating) — y: loss1, log scale; x: step 0 → 999',
    )!;
    // 1 is on the row of 1.585 (position 7/8 of 10 rows, rounded), 1e-9 on the bottom one: both
    // hold a corner for every swing, the rows between only its vertical strokes.
    expect((lines[1]!.match(/[╭╮]/g) ?? []).length).toBeGreaterThan(60);
    expect((lines[10]!.match(/[╰╯]/g) ?? []).length).toBeGreaterThan(60);
    expect((lines[5]!.match(/│/g) ?? []).length).toBeGreaterThan(60);
  });

  it('skips non-finite values, says where a run diverged and why a run is not drawn', () => {
    const loss1 = charts(text).get('alpha=1 (seeds 0, 1, 2) — y: loss1, log scale; x: step 0 → 99')!.join('\n');
    expect(loss1).toContain('✕ seed 0 diverged at step 40 (non-finite); loss1 is NaN from step 40, not drawn');
    expect(loss1).toContain('seed 2: nothing to draw — out/runs/alpha=1,seed=2/steps.csv: line 7');
    expect(loss1).toContain('── seed 0 diverged  ── seed 1 oscillating\n  (no color: the series are drawn alike)');
  });

  it('colors each seed only when color is on', () => {
    expect(text).not.toMatch(ANSI);
    expect(text).toContain('(no color: the series are drawn alike)');
    const colored = renderLossCharts(DATA, { color: true, width: 80, height: 10 });
    expect(colored).toMatch(/\u001b\[36m──\u001b\[0m seed 0/);
    expect(colored).toMatch(/\u001b\[33m──\u001b\[0m seed 1/);
  });

  it('follows the terminal width', () => {
    for (const width of [60, 140]) {
      const lines = renderLossCharts(DATA, { color: false, width, height: 10 }).split('\n');
      const axis = lines.find((l) => l.includes('└'))!;
      expect(axis.length).toBeLessThanOrEqual(width);
      expect(axis.length).toBeGreaterThan(width - 4);
    }
  });
});
