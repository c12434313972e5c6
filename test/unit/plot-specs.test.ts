/**
 * The chart specs, from hand-made PlotData: what data each chart carries, which marks and scales
 * it asks for, and that Vega-Lite compiles every one of them.
 */
import { compile } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { buildCharts, CHART_IDS, MAX_SEED_LINES, type Chart, type ChartId } from '../../src/plot/chart-specs.js';
import type { PlotData } from '../../src/plot/plot-data.js';
import { buildReportCharts } from '../../src/report/report-charts.js';
import { computeAlphaAxis, computeDecadeSpan, computeLossAxis, computeSymlogAxis, decades } from '../../src/plot/scales.js';
import { OUTCOME_COLORS } from '../../src/plot/verdict-colors.js';
import { curve, plotRun } from '../fixtures/plot-runs.js';

const run = plotRun;

const diverged = run(1, 1, 'diverged', {
  points: [...curve(20, (i) => [1 + i, i]), { step: 200, loss1: NaN, loss2: Infinity }],
  final: { loss1: NaN, loss2: Infinity },
  divergence: { step: 200, reason: 'non-finite loss1' },
});

const DATA: PlotData = {
  dir: '/tmp/x',
  name: 'demo',
  sweep: null,
  runs: [run(0, 0, 'converged'), run(0, 1, 'converged'), run(0.01, 0, 'drifting'), run(0.01, 1, 'oscillating'), run(1, 0, 'oscillating'), diverged],
};

const byId = (charts: Chart[], id: ChartId) => charts.find((c) => c.id === id)!;
const values = (chart: Chart) => (chart.spec as { data: { values: Array<Record<string, unknown>> } }).data.values;
const json = (chart: Chart) => JSON.stringify(chart.spec);

describe('buildCharts', () => {
  const charts = buildCharts(DATA);

  it('builds the four charts of a sweep in order, each titled and described, each compiling to Vega', () => {
    // Every chart but the boundary's, which needs a boundary.json (plot-boundary.test.ts).
    expect(charts.map((c) => c.id)).toEqual(CHART_IDS.filter((id) => id !== 'boundary'));
    for (const chart of charts) {
      expect(chart.title.length).toBeGreaterThan(5);
      expect(chart.description.length).toBeGreaterThan(20);
      expect(json(chart)).toContain(DATA.name);
      expect(() => compile(chart.spec)).not.toThrow();
    }
  });

  it('colors verdicts the same way in every chart, and only the verdicts present', () => {
    for (const chart of charts) {
      const text = json(chart);
      const scale = /"domain":(\[[^\]]*\]),"range":(\[[^\]]*\])/.exec(text);
      expect(scale, chart.id).not.toBeNull();
      const domain = JSON.parse(scale![1]!) as string[];
      const range = JSON.parse(scale![2]!) as string[];
      expect(domain).toEqual(['converged', 'oscillating', 'drifting', 'diverged']);
      expect(range).toEqual(domain.map((o) => OUTCOME_COLORS[o as keyof typeof OUTCOME_COLORS]));
    }
    expect(OUTCOME_COLORS.converged).toBe('#2ca02c');
    expect(OUTCOME_COLORS.diverged).toBe('#d62728');
  });

  it('loss-curves: one series per run (field `run`), non-finite values left out as null, the divergence marked at its step', () => {
    const rows = values(byId(charts, 'loss-curves'));
    const curves = rows.filter((r) => r.kind === 'curve');
    expect(new Set(curves.map((r) => r.run))).toEqual(new Set(DATA.runs.map((r) => r.id)));
    expect(curves).toHaveLength(DATA.runs.reduce((n, r) => n + r.points.length, 0));
    const blown = curves.find((r) => r.run === diverged.id && r.step === 200)!;
    expect(blown.loss1).toBeNull();
    expect(blown.loss2).toBeNull();
    // No NaN or Infinity reaches the spec (JSON would turn them into null silently anywhere).
    expect(json(byId(charts, 'loss-curves'))).not.toMatch(/NaN|Infinity/);
    const markers = rows.filter((r) => r.kind === 'diverged');
    expect(markers).toHaveLength(1);
    // At the divergence step, at the last finite values before it.
    expect(markers[0]).toMatchObject({ run: diverged.id, step: 200, loss1: 20, loss2: 19 });
    // Rows per α, in α order; loss1 and loss2 as columns with their own y scales.
    const spec = byId(charts, 'loss-curves').spec as any;
    expect(spec.facet.row.sort).toEqual(['0', '0.01', '1']);
    expect(spec.facet.column.field).toBe('loss');
    expect(spec.resolve.scale.y).toBe('independent');
  });

  it(`loss-curves: more than ${MAX_SEED_LINES} seeds per α become a median line and a min–max band per verdict`, () => {
    const many: PlotData = { ...DATA, runs: Array.from({ length: MAX_SEED_LINES + 1 }, (_, s) => run(0.1, s, s < 3 ? 'drifting' : 'converged')) };
    const rows = values(byId(buildCharts(many), 'loss-curves'));
    expect(rows.filter((r) => r.kind === 'curve')).toEqual([]);
    const band = rows.filter((r) => r.kind === 'band');
    expect(new Set(band.map((r) => r.verdict))).toEqual(new Set(['drifting', 'converged']));
    // The band holds every seed: at step 0 loss1 spans exactly the seeds' values there (all 1.1 here).
    const first = band.find((r) => r.step === 0 && r.loss1_lo !== undefined)!;
    expect(first.loss1_lo).toBeCloseTo(1.1, 12);
    expect(first.loss1_hi).toBeCloseTo(1.1, 12);
    expect(first.loss1_median).toBeCloseTo(1.1, 12);
  });

  it('final-vs-alpha: the finals of runs that did not diverge, diverged runs marked apart', () => {
    const rows = values(byId(charts, 'final-vs-alpha'));
    const finals = rows.filter((r) => r.kind === 'final');
    expect(finals.map((r) => r.run).sort()).toEqual(
      DATA.runs
        .filter((r) => r !== diverged)
        .map((r) => r.id)
        .sort(),
    );
    expect(rows.filter((r) => r.kind === 'diverged').map((r) => r.run)).toEqual([diverged.id]);
    // α spans two decades and includes 0: a symlog α axis, with 0 among its ticks.
    const text = json(byId(charts, 'final-vs-alpha'));
    expect(text).toContain('"type":"symlog","constant":0.001');
    expect(text).toMatch(/"values":\[0,0\.01,1\]/);
    // Median and min–max over seeds.
    expect(text).toContain('"aggregate":"median"');
    expect(text).toContain('"aggregate":"min"');
    expect(text).toContain('"aggregate":"max"');
  });

  it('tradeoff: one point per run with a final loss, and the median of each α labelled by α', () => {
    const rows = values(byId(charts, 'tradeoff'));
    expect(rows.filter((r) => r.kind === 'run')).toHaveLength(DATA.runs.length - 1);
    const medians = rows.filter((r) => r.kind === 'median');
    expect(medians.map((r) => r.label)).toEqual(['α=0', 'α=0.01', 'α=1']);
    expect(byId(charts, 'tradeoff').description).toContain('not shown: 1 run without a final loss');
  });

  it('verdicts-by-alpha: one row per run, stacked by verdict', () => {
    const chart = byId(charts, 'verdicts-by-alpha');
    expect(values(chart)).toHaveLength(DATA.runs.length);
    expect((chart.spec as any).encoding.y.aggregate).toBe('count');
    expect((chart.spec as any).encoding.color.field).toBe('verdict');
  });

  it('is static by default and interactive on request: tooltips with run, α, seed, step, losses, verdict; a legend-bound verdict selection', () => {
    for (const chart of charts) {
      expect(json(chart)).not.toContain('"params"');
      expect(json(chart)).not.toContain('"tooltip"');
    }
    const interactive = buildCharts(DATA, { interactive: true });
    for (const chart of interactive) {
      const text = json(chart);
      expect(text, chart.id).toContain('"bind":"legend"');
      expect(text, chart.id).toContain('"tooltip"');
      expect(() => compile(chart.spec)).not.toThrow();
    }
    const tooltipFields = JSON.stringify((byId(interactive, 'loss-curves').spec as any).spec.layer[1].encoding.tooltip.map((t: { field: string }) => t.field));
    expect(tooltipFields).toBe(JSON.stringify(['run', 'alpha', 'seed', 'step', 'loss1', 'loss2', 'verdict']));
  });

  it('--log-y: symlog loss axes where values reach 0 or below, each loss of the curves with its own constant', () => {
    const log = buildCharts(DATA, { lossScale: 'log' });
    const curves = byId(log, 'loss-curves').spec as any;
    const y = curves.spec.layer[0].encoding.y;
    expect(y.scale.type).toBe('symlog');
    // Looked up per cell (row α, column loss): loss1 of α = 0 goes down to its smallest value, loss2 of α = 1 is linear up to 1.
    const constants = JSON.parse(/^(\{.*\})\[parent\.panel \+ '\|' \+ parent\.loss\]$/.exec(y.scale.constant.expr)![1]!) as Record<string, number>;
    expect(Object.keys(constants).sort()).toEqual(['0.01|loss1', '0.01|loss2', '0|loss1', '0|loss2', '1|loss1', '1|loss2']);
    expect(constants['0|loss1']).toBeCloseTo(Math.exp(-49 / 5), 15);
    expect(constants['1|loss2']).toBe(1);
    expect(json(byId(log, 'final-vs-alpha'))).toContain('"type":"symlog"');
    expect(json(byId(charts, 'final-vs-alpha'))).not.toMatch(/"field":"loss\d"[^}]*"type":"symlog"/);
  });
});

describe('loss axes by default: log when a loss spans more than 3 decades', () => {
  const yOfCurves = (charts: Chart[]) => (byId(charts, 'loss-curves').spec as any).spec.layer[0].encoding.y;
  // loss1 of DATA falls from 2 to 1e-4 (4.3 decades); here from 1.5 to 0.9, loss2 from 0 to 4.9.
  const flat = { ...DATA, runs: [run(0, 0, 'converged', { points: curve(50, (i) => [1.5 - i / 80, i / 10]) })] };

  it('loss curves of a loss spanning decades: symlog, without any flag (plot and report)', () => {
    expect(yOfCurves(buildCharts(DATA)).scale.type).toBe('symlog');
    expect(yOfCurves(buildReportCharts(DATA)).scale.type).toBe('symlog');
    expect(byId(buildCharts(DATA), 'loss-curves').spec.title).toMatchObject({ subtitle: expect.stringContaining('log scale') });
  });

  it('loss curves spanning less: linear', () => {
    expect(yOfCurves(buildCharts(flat)).scale).toEqual({ type: 'linear', zero: false });
    expect(yOfCurves(buildReportCharts(flat)).scale).toEqual({ type: 'linear', zero: false });
  });

  it('--linear-y forces linear, --log-y log, whatever the span', () => {
    expect(yOfCurves(buildCharts(DATA, { lossScale: 'linear' })).scale).toEqual({ type: 'linear', zero: false });
    expect(yOfCurves(buildCharts(flat, { lossScale: 'log' })).scale.type).toBe('symlog');
  });

  it('final losses and the trade-off: each loss axis by its own span', () => {
    // Finals of loss1: 1e-6 and 1 (6 decades); of loss2: 2 and 3.
    const spread = { ...DATA, runs: [run(0, 0, 'converged', { final: { loss1: 1e-6, loss2: 2 } }), run(1, 0, 'converged', { final: { loss1: 1, loss2: 3 } })] };
    const tradeoff = byId(buildCharts(spread), 'tradeoff').spec as any;
    const encoding = tradeoff.layer[1].encoding;
    expect(encoding.y.scale.type).toBe('log');
    expect(encoding.x.scale.type).toBe('linear');
  });

  it.each([
    [[0, 1e-7, 30], 8.477],
    [[2, 3], 0.176],
    [[0, 0], 0],
    [[-0.9, 0.001, 480, NaN], 5.681],
  ])('computeDecadeSpan(%j) ≈ %f', (values, span) => {
    expect(computeDecadeSpan(values)).toBeCloseTo(span, 2);
  });
});

describe('scales', () => {
  it.each([
    ['0,0.01,0.1,1 spans decades: symlog, 0 one decade left of 0.01', [0, 0.01, 0.1, 1], 'symlog', [0, 0.01, 0.1, 1]],
    ['linspace(0,1,5): linear', [0, 0.25, 0.5, 0.75, 1], 'linear', [0, 0.25, 0.5, 0.75, 1]],
    ['one α', [0.1], 'linear', [0.1]],
  ])('α axis: %s', (_name, alphas, type, ticks) => {
    const axis = computeAlphaAxis(alphas);
    expect(axis.scale.type).toBe(type);
    expect(axis.ticks).toEqual(ticks);
    if (axis.scale.type === 'symlog') expect(axis.scale.constant).toBeCloseTo(0.001, 15);
  });

  it('α axis with many values labels decades instead of every α', () => {
    const alphas = [0, ...Array.from({ length: 13 }, (_, i) => 10 ** (-4 + i / 3))];
    const axis = computeAlphaAxis(alphas);
    expect(axis.scale.type).toBe('symlog');
    expect(axis.ticks).toEqual([0, 1e-4, 1e-3, 1e-2, 1e-1, 1]);
  });

  it('loss axis: linear by default, log for positive values, symlog when 0 or negatives occur', () => {
    expect(computeLossAxis([0, 1, 2], false).scale.type).toBe('linear');
    expect(computeLossAxis([0.1, 1, 20], true).scale.type).toBe('log');
    expect(computeLossAxis([0, 1e-7, 30], true).scale).toEqual({ type: 'symlog', constant: 1e-7 });
  });

  it('symlog constant: the smallest nonzero magnitude for one sign (at most 12 decades down), the smaller side for both signs', () => {
    expect(computeSymlogAxis([0, 1e-300, 10]).scale).toEqual({ type: 'symlog', constant: 10 * 1e-12 });
    expect(computeSymlogAxis([-0.9, 0.001, 480]).scale).toEqual({ type: 'symlog', constant: 0.9 });
    expect(computeSymlogAxis([-0.9, 0.001, 480]).ticks).toEqual([-0.5, -0.2, -0.1, 0, 0.1, 1, 10, 100]);
    expect(computeSymlogAxis([0, 0]).scale.type).toBe('linear');
  });

  it('decades: powers of ten in range, at most six, or 1-2-5 steps over a short range', () => {
    expect(decades(0.5, 150)).toEqual([1, 10, 100]);
    expect(decades(1e-12, 1e3)).toHaveLength(6);
    // Less than two decades: 1-2-5 steps.
    expect(decades(2, 3)).toEqual([2]);
    expect(decades(8, 75)).toEqual([10, 20, 50]);
  });
});
