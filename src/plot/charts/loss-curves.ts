/**
 * Loss curves per α: how training went at each α (settling, swinging, drifting, blowing up). One
 * row per α, loss1 and loss2 side by side, one line per seed; past MAX_SEED_LINES seeds, a band.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Scale } from 'vega-lite/types_unstable/scale.js';
import type { Transform } from 'vega-lite/types_unstable/transform.js';
import type { PlotRun } from '../plot-data.js';
import { AUTO_LOG_DECADES, computeSymlogAxis, isLogChosen } from '../scales.js';
import { computeOutcomePalette } from '../verdict-colors.js';
import type { Chart, ChartContext, Layer, Panel, Row } from './chart-context.js';
import {
  colorByVerdict,
  CONFIG,
  EXPLICIT_TICK_LABEL,
  finiteOrNull,
  LOSS_TICK_LABEL,
  RUN_PICK,
  runTooltip,
  SCHEMA,
  selectedOpacity,
  VERDICT_PICK,
} from './chart-parts.js';

/** Above this many seeds per panel, single lines turn into a tangle: a median line and a min–max band instead. */
export const MAX_SEED_LINES = 8;
/** Steps of a panel are cut into this many bins for the band: ~2 px each at the panel's width. */
const BAND_BINS = 160;

/**
 * A boundary search probes a new value per seed and round: 50–100 α, each a row of curves, a page
 * many metres long. Past this many rows, only the runs at the ends of each seed's bracket are drawn
 * (the curves either side of the flip); the boundary chart has every probe.
 */
export const MAX_BOUNDARY_CURVE_ROWS = 12;

export function buildLossCurves(all: ChartContext): Chart {
  const narrowed = narrowToBrackets(all);
  const ctx = narrowed?.ctx ?? all;
  const band = ctx.panels.some((p) => p.runs.length > MAX_SEED_LINES);
  const rows: Row[] = [];
  for (const panel of ctx.panels) {
    if (band) rows.push(...computeBandRows(panel));
    for (const run of panel.runs) {
      const common = { run: run.id, panel: panel.label, alpha: panel.alpha, seed: run.seed, verdict: run.outcome };
      if (!band) for (const p of run.points) rows.push({ kind: 'curve', ...common, step: p.step, loss1: finiteOrNull(p.loss1), loss2: finiteOrNull(p.loss2) });
      const marker = computeDivergenceMarker(run);
      if (marker) rows.push({ kind: 'diverged', ...common, ...marker });
    }
  }
  // One grid: a row per α, loss1 and loss2 side by side, each cell on its own y scale (loss2 often
  // grows without bound while loss1 goes to 0). The rows are folded into (loss, value) pairs by
  // Vega-Lite, so the inlined data keeps one row per step.
  const x = { field: 'step', type: 'quantitative', title: 'step' } as const;
  const yScale = lossCurveScale(ctx);
  const y = (field: string) => ({ field, type: 'quantitative', title: 'loss', ...yScale }) as const;
  // Folded before faceting (the column facet is `loss`); band rows hold <loss>_lo, _hi and _median instead of values.
  const fold: Transform = { fold: ['loss1', 'loss2'], as: ['loss', 'value'] };
  const curves: Transform[] = [{ filter: "datum.kind === 'curve'" }];
  const bandOf = (column: string): Transform[] => [
    { filter: "datum.kind === 'band'" },
    { calculate: `datum[datum.loss + '_${column}']`, as: 'value' },
    { filter: 'isValid(datum.value)' },
  ];
  const layers: Layer[] = band
    ? [
        {
          transform: [...bandOf('hi'), { calculate: "datum[datum.loss + '_lo']", as: 'lo' }],
          mark: { type: 'area', opacity: 0.3, clip: true },
          encoding: { x, y: y('lo'), y2: { field: 'value' }, color: colorByVerdict(ctx, 'line'), detail: { field: 'verdict' } },
        },
        {
          transform: bandOf('median'),
          mark: { type: 'line', strokeWidth: 1.5, clip: true },
          encoding: { x, y: y('value'), color: colorByVerdict(ctx, 'line'), detail: { field: 'verdict' } },
        },
      ]
    : [
        {
          transform: curves,
          // The legend binding sits on the first layer with the color legend: when the layers'
          // legends merge, Vega-Lite keeps that layer's, and a binding on another is lost.
          ...(ctx.interactive ? { params: [VERDICT_PICK] } : {}),
          mark: { type: 'line', strokeWidth: 1.1, clip: true },
          encoding: {
            x,
            y: y('value'),
            color: colorByVerdict(ctx, 'line'),
            detail: { field: 'run', type: 'nominal' },
            ...(ctx.interactive ? { opacity: selectedOpacity(0.9, 0.08) } : { opacity: { value: 0.85 } }),
          },
        },
      ];
  if (ctx.interactive && !band) {
    // Invisible points under the pointer: a line is one mark, so it cannot say which step is hovered.
    layers.push({
      transform: curves,
      params: [RUN_PICK],
      mark: { type: 'point', opacity: 0, size: 40 },
      encoding: { x, y: y('value'), color: colorByVerdict(ctx, 'line'), tooltip: [...runTooltip(['step', 'loss1', 'loss2'])] },
    } as Layer);
  }
  layers.push({
    transform: [{ filter: "datum.kind === 'diverged' && isValid(datum.value)" }],
    mark: { type: 'point', shape: 'cross', angle: 45, filled: true, size: 140, color: '#d62728', opacity: 1, stroke: 'white', strokeWidth: 0.5 },
    // The marker's accessible name says what it is (SVG readers, and the tests, find it by that).
    encoding: {
      x,
      y: y('value'),
      description: { field: 'label' },
      ...(ctx.interactive ? { tooltip: [...runTooltip(['step', 'loss1', 'loss2', 'reason'])] } : {}),
    },
  } as Layer);
  const seedsNote = `${
    band
      ? `the band spans the seeds' min–max (binned over ${BAND_BINS} step ranges), the line is their median, one per verdict`
      : 'one line per run (seed), colored by its verdict'
  }${narrowed ? `; only the ${narrowed.shown} runs at the ends of the boundary's brackets (of ${narrowed.of})` : ''}`;
  return {
    id: 'loss-curves',
    title: 'Loss curves per α',
    description: `loss1 and loss2 against training step, one row per α, each loss on its own scale${ctx.lossScale === 'auto' ? ` (logarithmic when a loss spans more than ${AUTO_LOG_DECADES} decades)` : ''}; ${seedsNote}; ✕ marks the step where a run diverged.`,
    spec: {
      $schema: SCHEMA,
      title: {
        text: `Loss curves per α — ${ctx.data.name}`,
        subtitle: `${seedsNote}${rows.some((r) => r.kind === 'diverged') ? '; ✕ = diverged' : ''}${yScale.scale.type === 'symlog' ? '; loss axes on a log scale (linear near 0)' : ''}`,
      },
      data: { values: rows },
      transform: [fold],
      facet: {
        row: {
          field: 'panel',
          type: 'nominal',
          sort: ctx.panels.map((p) => p.label),
          title: null,
          header: { labelAngle: 0, labelAlign: 'left', labelExpr: "'α = ' + datum.value" },
        },
        column: {
          field: 'loss',
          type: 'nominal',
          sort: ['loss1', 'loss2'],
          title: null,
          header: { labelFontSize: 13, labelExpr: "datum.value === 'loss1' ? 'loss1 — minimized' : 'loss2 — maximized'" },
        },
      },
      spec: { width: 300, height: ctx.panels.length > 6 ? 70 : 110, layer: layers },
      resolve: { scale: { y: 'independent' } },
      config: CONFIG,
    } as TopLevelSpec,
  };
}

/** The context with only the bracket ends' runs, when a boundary search's many α would make too many rows; null otherwise. */
function narrowToBrackets(ctx: ChartContext): { ctx: ChartContext; shown: number; of: number } | null {
  const boundary = ctx.data.boundary;
  if (!boundary || ctx.panels.length <= MAX_BOUNDARY_CURVE_ROWS) return null;
  const ends = new Set(boundary.seeds.flatMap((seed) => seed.probes.filter((p) => p.value === seed.stable || p.value === seed.unstable).map((p) => p.run_id)));
  const panels = ctx.panels.flatMap((p) => {
    const runs = p.runs.filter((r) => ends.has(r.id));
    return runs.length > 0 ? [{ ...p, runs }] : [];
  });
  // None of the bracket ends among the runs drawn (--runs chose others): every run, as without a boundary.
  if (panels.length === 0) return null;
  const palette = computeOutcomePalette(panels.flatMap((p) => p.runs.map((r) => r.outcome)));
  return { ctx: { ...ctx, panels, palette }, shown: panels.reduce((n, p) => n + p.runs.length, 0), of: ctx.panels.reduce((n, p) => n + p.runs.length, 0) };
}

/**
 * The y scale of the loss-curve cells. All cells share one encoding (one facet), but with --log-y
 * each needs its own symlog constant and ticks — loss1 runs down to 1e-13 or exactly 0, loss2 from
 * a little below 0 up to hundreds, and a run that blew up reaches 1e13 in its row only — so those
 * are expressions that look the cell up by its row and column (`parent.panel`, `parent.loss`).
 */
function lossCurveScale(ctx: ChartContext): { scale: Scale; axis: Record<string, unknown> } {
  // One scale type for every cell (a facet's cells share the encoding): log as soon as one cell's
  // loss spans decades — loss1 of α = 0 falling to ~0, one oscillating between 1e-11 and 1.
  const cells = ctx.panels.flatMap((panel) => (['loss1', 'loss2'] as const).map((loss) => panel.runs.flatMap((r) => r.points.map((p) => p[loss]))));
  const log = ctx.lossScale === 'log' || (ctx.lossScale === 'auto' && cells.some((values) => isLogChosen(values, 'auto')));
  if (!log) return { scale: { type: 'linear', zero: false }, axis: { title: 'loss', labelExpr: LOSS_TICK_LABEL } };
  const constants: Record<string, number> = {};
  const ticks: Record<string, readonly number[]> = {};
  for (const panel of ctx.panels) {
    for (const loss of ['loss1', 'loss2'] as const) {
      const axis = computeSymlogAxis(panel.runs.flatMap((r) => r.points.map((p) => p[loss])));
      const key = `${panel.label}|${loss}`;
      constants[key] = axis.scale.type === 'symlog' ? axis.scale.constant : 1;
      ticks[key] = axis.ticks ?? [0];
    }
  }
  const cell = "[parent.panel + '|' + parent.loss]";
  return {
    scale: { type: 'symlog', constant: { expr: `${JSON.stringify(constants)}${cell}` } },
    axis: { title: 'loss', values: { expr: `${JSON.stringify(ticks)}${cell}` }, labelExpr: EXPLICIT_TICK_LABEL },
  };
}

/** Where a diverged run blew up: its divergence step, at the last finite value of each loss up to it. */
function computeDivergenceMarker(run: PlotRun): Row | null {
  if (!run.divergence) return null;
  let loss1: number | null = null;
  let loss2: number | null = null;
  for (const p of run.points) {
    if (p.step > run.divergence.step) break;
    if (Number.isFinite(p.loss1)) loss1 = p.loss1;
    if (Number.isFinite(p.loss2)) loss2 = p.loss2;
  }
  const reason = `at step ${run.divergence.step}: ${run.divergence.reason}`;
  return { step: run.divergence.step, loss1, loss2, reason, label: `${run.id} diverged ${reason}` };
}

/**
 * The band of one panel, per verdict: steps binned, and in each bin the min and max over the
 * seeds (of each seed's own min and max there, so spikes stay in the band) and the median of the
 * seeds' means.
 */
function computeBandRows(panel: Panel): Row[] {
  const lastStep = Math.max(0, ...panel.runs.map((r) => r.points.at(-1)?.step ?? 0));
  const width = Math.max(1, lastStep / BAND_BINS);
  const rows: Row[] = [];
  const byVerdict = new Map<string, PlotRun[]>();
  for (const run of panel.runs) byVerdict.set(run.outcome, [...(byVerdict.get(run.outcome) ?? []), run]);
  for (const [verdict, runs] of byVerdict) {
    for (const loss of ['loss1', 'loss2'] as const) {
      // Per bin: each run's min, max and mean there.
      const stats = new Map<number, Array<{ min: number; max: number; mean: number }>>();
      for (const run of runs) {
        const perBin = new Map<number, { min: number; max: number; sum: number; n: number }>();
        for (const p of run.points) {
          const v = p[loss];
          if (!Number.isFinite(v)) continue;
          const bin = Math.min(BAND_BINS, Math.floor(p.step / width));
          const s = perBin.get(bin);
          if (s) {
            s.min = Math.min(s.min, v);
            s.max = Math.max(s.max, v);
            s.sum += v;
            s.n += 1;
          } else perBin.set(bin, { min: v, max: v, sum: v, n: 1 });
        }
        for (const [bin, s] of perBin) stats.set(bin, [...(stats.get(bin) ?? []), { min: s.min, max: s.max, mean: s.sum / s.n }]);
      }
      for (const [bin, seeds] of [...stats].sort((a, b) => a[0] - b[0])) {
        const means = seeds.map((s) => s.mean).sort((a, b) => a - b);
        const mid = means.length >> 1;
        rows.push({
          kind: 'band',
          panel: panel.label,
          verdict,
          step: Math.round(bin * width),
          [`${loss}_lo`]: Math.min(...seeds.map((s) => s.min)),
          [`${loss}_hi`]: Math.max(...seeds.map((s) => s.max)),
          [`${loss}_median`]: means.length % 2 === 1 ? means[mid]! : (means[mid - 1]! + means[mid]!) / 2,
        });
      }
    }
  }
  return rows;
}
