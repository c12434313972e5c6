/**
 * The boundary chart, from hand-made boundary.json contents: a dot per probe colored by its
 * verdict, each seed's bracket, the rules at the quantiles, the marks for a flip beyond the range,
 * a failed and a non-monotone seed, a panel per across value; and the loss curves of a boundary
 * directory's many α narrowed to the bracket ends.
 */
import { compile } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { buildCharts, type Chart } from '../../src/plot/chart-specs.js';
import { MAX_BOUNDARY_CURVE_ROWS } from '../../src/plot/charts/loss-curves.js';
import type { PlotData, PlotRun } from '../../src/plot/plot-data.js';
import { OUTCOME_COLORS } from '../../src/plot/verdict-colors.js';
import { buildReportCharts } from '../../src/report/report-charts.js';
import type { BoundaryFile } from '../../src/results/boundary-file.js';
import { curve, plotRun } from '../fixtures/plot-runs.js';
import { boundarySeed, makeBoundary } from '../fixtures/results/build-boundary.js';

const run = (alpha: number, seed: number, outcome: string): PlotRun =>
  plotRun(alpha, seed, outcome, { points: curve(3, (i) => [1 / (1 + 10 * i), 10 * i * alpha]) });

const SEEDS = [
  boundarySeed(0, [
    [0.001, 'converged'],
    [1, 'diverged'],
    [0.03, 'converged'],
    [0.1, 'oscillating'],
    [0.05, 'drifting'],
    [0.07, 'oscillating'],
  ]),
  boundarySeed(1, [
    [0.001, 'converged'],
    [1, 'converged'],
  ]),
  boundarySeed(2, [
    [0.001, 'oscillating'],
    [1, 'diverged'],
  ]),
  boundarySeed(
    3,
    [
      [0.001, 'converged'],
      [1, 'diverged'],
      [0.03, 'failed'],
    ],
    { status: 'failed', error: 'engine crashed', estimate: null },
  ),
  boundarySeed(4, [
    [0.001, 'converged'],
    [1, 'diverged'],
    [0.03, 'oscillating'],
    [0.1, 'converged'],
    [0.01, 'converged'],
  ]),
];
const QUANTILES = { p10: 0.003, p50: 0.02, p90: 0.06, spread: 20, counted: 4, stable_throughout: 1, unstable_at_lo: 1, failed: 1 };
const BOUNDARY = makeBoundary(SEEDS, { quantiles: QUANTILES });

const DATA: PlotData = { dir: '/tmp/b', name: 'edge', sweep: null, runs: [run(0.001, 0, 'converged'), run(1, 0, 'diverged')], boundary: BOUNDARY };

type Rows = Array<Record<string, unknown>>;
const boundaryChart = (data: PlotData): Chart => buildCharts(data).find((c) => c.id === 'boundary')!;
const rowsOf = (chart: Chart) => (chart.spec as { data: { values: Rows } }).data.values;
const ofKind = (chart: Chart, kind: string) => rowsOf(chart).filter((r) => r.kind === kind);
/** Every layer of the chart, faceted or not. */
const layersOf = (chart: Chart): Array<Record<string, any>> => ((chart.spec as any).spec ?? chart.spec).layer;

describe('the boundary chart', () => {
  const chart = boundaryChart(DATA);

  it('is built only with a boundary.json, titled, described, and compiles', () => {
    expect(buildCharts({ ...DATA, boundary: null }).map((c) => c.id)).not.toContain('boundary');
    expect(buildCharts(DATA).map((c) => c.id)).toContain('boundary');
    expect(chart.title).toBe('Stability boundary in α');
    expect(chart.description).toMatch(/^Every run the boundary search probed, at its α \(x, log scale\) and its seed/);
    expect(chart.description).toContain('10%, 50% and 90% of the seeds are unstable');
    expect(() => compile(chart.spec)).not.toThrow();
    // The report's interactive version too: tooltips and the verdict legend's selection.
    const interactive = buildReportCharts(DATA).find((c) => c.id === 'boundary')!;
    expect(JSON.stringify(interactive.spec)).toContain('"bind":"legend"');
    expect(() => compile(interactive.spec)).not.toThrow();
  });

  it('draws a dot per probe at its value and seed, colored by its verdict in the charts’ palette', () => {
    const probes = ofKind(chart, 'probe');
    expect(probes).toHaveLength(SEEDS.reduce((n, s) => n + s.probes.length, 0));
    expect(probes).toContainEqual(expect.objectContaining({ seed: 4, value: 0.03, verdict: 'oscillating', run: 'alpha=0.03,seed=4', round: 2 }));
    const layer = layersOf(chart).find((l) => l.transform?.[0]?.filter === "datum.kind === 'probe'")!;
    expect(layer.encoding.x.field).toBe('value');
    expect(layer.encoding.y.field).toBe('seed');
    expect(layer.encoding.color.field).toBe('verdict');
    const { domain, range } = layer.encoding.color.scale;
    expect(domain).toEqual(['converged', 'oscillating', 'drifting', 'diverged', 'failed']);
    expect(range).toEqual(domain.map((v: keyof typeof OUTCOME_COLORS) => OUTCOME_COLORS[v]));
    // log scale (boundary.json's `scale`), over the searched range
    expect(layer.encoding.x.scale).toMatchObject({ type: 'log', domain: [0.001, 1] });
  });

  it('spans each bracketed seed from its last stable to its first unstable value, with its estimate', () => {
    expect(ofKind(chart, 'bracket').map((r) => [r.seed, r.stable, r.unstable])).toEqual([
      [0, 0.05, 0.07],
      [3, 0.001, 1],
      [4, 0.01, 0.03],
    ]);
    const estimate = ofKind(chart, 'estimate').find((r) => r.seed === 0)!;
    expect(estimate.value).toBeCloseTo(Math.sqrt(0.05 * 0.07), 12);
  });

  it('puts a dashed rule at each quantile, labelled by its share of seeds', () => {
    expect(ofKind(chart, 'quantile').map((r) => [r.value, r.label])).toEqual([
      [0.003, '10%'],
      [0.02, '50%'],
      [0.06, '90%'],
    ]);
    // Two seeds give p10 = p50: one rule, both labels.
    const two = boundaryChart({ ...DATA, boundary: { ...BOUNDARY, quantiles: { ...QUANTILES, p10: 0.02, p90: null } } });
    expect(ofKind(two, 'quantile').map((r) => [r.value, r.label])).toEqual([[0.02, '10%, 50%']]);
    expect(chart.spec.title).toMatchObject({ subtitle: expect.arrayContaining([expect.stringContaining('10% / 50% / 90% of seeds are unstable')]) });
  });

  it('marks a flip beyond the range, a failed seed and a non-monotone one beside their rows', () => {
    expect(ofKind(chart, 'beyond').map((r) => [r.seed, r.value, r.shape])).toEqual([
      [1, 1, 'triangle-right'],
      [2, 0.001, 'triangle-left'],
    ]);
    expect(ofKind(chart, 'stable-above').map((r) => [r.seed, r.value])).toEqual([[4, 0.1]]);
    expect(Object.fromEntries(ofKind(chart, 'note').map((r) => [r.seed, r.note]))).toEqual({
      1: 'stable up to the top',
      2: 'unstable from the bottom',
      3: 'failed: engine crashed',
      4: 'not monotone: stable again at 0.1',
    });
  });

  it('says when the search was interrupted', () => {
    const open = boundaryChart({ ...DATA, boundary: { ...BOUNDARY, complete: false } });
    expect(open.description).toContain('The search was interrupted');
    expect(JSON.stringify(open.spec.title)).toContain('search interrupted');
    expect(JSON.stringify(chart.spec.title)).not.toContain('interrupted');
  });

  it('with --across: a panel per across value, each with its own quantile rules', () => {
    const across: BoundaryFile = makeBoundary(
      [0.001, 0.01].flatMap((lr) =>
        [0, 1].map((seed) =>
          boundarySeed(
            seed,
            [
              [0.001, 'converged'],
              [1, 'diverged'],
              [lr * 10, 'oscillating'],
            ],
            { across: lr },
          ),
        ),
      ),
      {
        across_key: 'optimizer.lr',
        curve: [
          { across: 0.001, p10: 0.005, p50: 0.005, p90: 0.01, spread: 2, counted: 2, stable_throughout: 0, unstable_at_lo: 0, failed: 0 },
          { across: 0.01, p10: 0.05, p50: 0.05, p90: 0.1, spread: 2, counted: 2, stable_throughout: 0, unstable_at_lo: 0, failed: 0 },
        ],
      },
    );
    const c = boundaryChart({ ...DATA, boundary: across });
    const spec = c.spec as any;
    expect(spec.facet.row.field).toBe('across');
    expect(spec.facet.row.sort).toEqual(['optimizer.lr = 0.001', 'optimizer.lr = 0.01']);
    expect(ofKind(c, 'quantile').map((r) => [r.across, r.value])).toEqual([
      ['optimizer.lr = 0.001', 0.005],
      ['optimizer.lr = 0.001', 0.01],
      ['optimizer.lr = 0.01', 0.05],
      ['optimizer.lr = 0.01', 0.1],
    ]);
    expect(ofKind(c, 'probe').filter((r) => r.across === 'optimizer.lr = 0.01')).toHaveLength(6);
    expect(c.description).toContain('a panel per optimizer.lr');
    expect(() => compile(c.spec)).not.toThrow();
    expect(() => compile(buildReportCharts({ ...DATA, boundary: across }).find((x) => x.id === 'boundary')!.spec)).not.toThrow();
  });

  it('a linear search gets a linear axis, and another setting is named as it is', () => {
    const lr = boundaryChart({ ...DATA, boundary: { ...BOUNDARY, param: 'optimizer.lr', scale: 'linear' } });
    const layer = layersOf(lr).find((l) => l.transform?.[0]?.filter === "datum.kind === 'probe'")!;
    expect(layer.encoding.x.scale.type).toBe('linear');
    expect(layer.encoding.x.axis.title).toBe('optimizer.lr');
    expect(lr.title).toBe('Stability boundary in optimizer.lr');
  });
});

describe('loss curves of a boundary directory', () => {
  // 20 α per seed, as a search's rounds leave them; the brackets end at 0.3/0.35 (seed 0) and 0.35/0.4 (seed 1).
  const alphas = Array.from({ length: 20 }, (_, i) => Number((0.05 * (i + 1)).toFixed(2)));
  const verdictAt = (a: number, seed: number) => (a < (seed === 0 ? 0.33 : 0.38) ? 'converged' : 'oscillating');
  const runs = alphas.flatMap((a) => [0, 1].map((seed) => run(a, seed, verdictAt(a, seed))));
  const seeds = [0, 1].map((seed) =>
    boundarySeed(
      seed,
      alphas.map((a) => [a, verdictAt(a, seed)] as const),
    ),
  );
  const curves = (boundary: BoundaryFile | null) => buildCharts({ ...DATA, runs, boundary }).find((c) => c.id === 'loss-curves')!;

  it(`past ${MAX_BOUNDARY_CURVE_ROWS} rows, only the runs at the brackets' ends, said in the subtitle`, () => {
    const narrowed = curves(makeBoundary(seeds));
    const drawn = new Set(ofKind(narrowed, 'curve').map((r) => r.run));
    expect(drawn).toEqual(new Set(['alpha=0.3,seed=0', 'alpha=0.35,seed=0', 'alpha=0.35,seed=1', 'alpha=0.4,seed=1']));
    expect(JSON.stringify(narrowed.spec.title)).toContain('only the 4 runs at the ends of the boundary');
  });

  it('without a boundary.json, every α keeps its row', () => {
    expect(new Set(ofKind(curves(null), 'curve').map((r) => r.run)).size).toBe(runs.length);
  });
});
