/**
 * The charts of a results directory as Vega-Lite specs, data inlined. Pure: PlotData in, specs out.
 * `plot` renders them to SVG/PNG; the HTML report embeds them with `interactive: true`.
 *
 * They answer "how do I minimize loss1 while maximizing loss2, and with which α?":
 * - loss-curves: how training went at each α (settling, swinging, drifting, blowing up);
 * - final-vs-alpha: where each loss ends up as α grows;
 * - tradeoff: final loss1 against final loss2, the frontier α is picked from;
 * - verdicts-by-alpha: how many seeds of each α converged, drifted, oscillated or diverged.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Field } from 'vega-lite/types_unstable/channeldef.js';
import type { Scale } from 'vega-lite/types_unstable/scale.js';
import type { SelectionParameter } from 'vega-lite/types_unstable/selection.js';
import type { Transform } from 'vega-lite/types_unstable/transform.js';
import type { LayerSpec, UnitSpec } from 'vega-lite/types_unstable/spec/index.js';
import type { PlotData, PlotRun } from './plot-data.js';
import { AUTO_LOG_DECADES, computeAlphaAxis, computeLossAxis, computeSymlogAxis, isLogChosen, type ComputedAxis, type LossScaleChoice } from './scales.js';
import { computeOutcomePalette } from './verdict-colors.js';
import { computeShortTexts } from '../summary/short-values.js';

export type ChartId = 'loss-curves' | 'final-vs-alpha' | 'tradeoff' | 'verdicts-by-alpha';

export const CHART_IDS: readonly ChartId[] = ['loss-curves', 'final-vs-alpha', 'tradeoff', 'verdicts-by-alpha'];

export interface ChartOptions {
  /**
   * Loss axes: `auto` (the default) logarithmic — symlog where values reach 0 or below — for a loss
   * spanning more than AUTO_LOG_DECADES, else linear; `log` and `linear` force one.
   */
  readonly lossScale?: LossScaleChoice;
  /** Tooltips, and a verdict legend and run clicks that highlight runs (the HTML report); else static. */
  readonly interactive?: boolean;
}

export interface Chart {
  readonly id: ChartId;
  readonly title: string;
  /** What the chart shows and how to read it, a sentence or two. */
  readonly description: string;
  readonly spec: TopLevelSpec;
}

type Layer = LayerSpec<Field> | UnitSpec<Field>;
type Row = Record<string, string | number | null>;

/** Above this many seeds per panel, single lines turn into a tangle: a median line and a min–max band instead. */
export const MAX_SEED_LINES = 8;
/** Steps of a panel are cut into this many bins for the band: ~2 px each at the panel's width. */
const BAND_BINS = 160;

/** Runs of one α (and one value of every other swept key): a row of loss-curves, a bar of verdicts-by-alpha. */
interface Panel {
  /** "0.1", or "0.1, optimizer.lr=0.001" when other keys are swept. */
  readonly label: string;
  readonly alpha: number;
  readonly variant: string;
  readonly runs: readonly PlotRun[];
}

interface Context {
  readonly data: PlotData;
  readonly panels: readonly Panel[];
  readonly interactive: boolean;
  readonly lossScale: LossScaleChoice;
  readonly palette: { readonly domain: string[]; readonly range: string[] };
  readonly alphaAxis: ComputedAxis;
}

export function buildCharts(data: PlotData, options: ChartOptions = {}): Chart[] {
  const ctx: Context = {
    data,
    panels: computePanels(data.runs),
    interactive: options.interactive ?? false,
    lossScale: options.lossScale ?? 'auto',
    palette: computeOutcomePalette(data.runs.map((r) => r.outcome)),
    alphaAxis: computeAlphaAxis(data.runs.flatMap((r) => (r.alpha === null ? [] : [r.alpha]))),
  };
  return [buildLossCurves(ctx), buildFinalVsAlpha(ctx), buildTradeoff(ctx), buildVerdictsByAlpha(ctx)];
}

// ——— Shared pieces ———

function computePanels(runs: readonly PlotRun[]): Panel[] {
  const panels = new Map<string, { label: string; alpha: number; variant: string; runs: PlotRun[] }>();
  // Short labels (linspace gives 0.041666666666666664, a label wants 0.04167) that still tell
  // every α apart: panels are keyed by them.
  const formatAlpha = computeShortTexts(runs.map((r) => r.alpha ?? undefined));
  // A run without an α (a corrupt run of a directory without sweep.json) cannot be placed on an α axis.
  for (const run of runs) {
    if (run.alpha === null) continue;
    const variant = variantOf(run);
    const label = variant === '' ? formatAlpha(run.alpha) : `${formatAlpha(run.alpha)}, ${variant}`;
    const panel = panels.get(label);
    if (panel) panel.runs.push(run);
    else panels.set(label, { label, alpha: run.alpha, variant, runs: [run] });
  }
  // Runs come in sweep order (α first), so panels do too.
  return [...panels.values()];
}

/** The run's other swept keys (not α, not seed), e.g. "optimizer.lr=0.001"; '' when only α and seeds are swept. */
function variantOf(run: PlotRun): string {
  return Object.entries(run.coords)
    .filter(([k]) => k !== 'alpha' && k !== 'seed')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
}

/** JSON has no NaN or Infinity (JSON.stringify writes null); say so explicitly, so Vega-Lite leaves the value out of lines and scales. */
const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

function isSettled(run: PlotRun): run is PlotRun & { final: NonNullable<PlotRun['final']> } {
  return run.outcome !== 'diverged' && run.outcome !== 'failed' && run.final !== null && Number.isFinite(run.final.loss1) && Number.isFinite(run.final.loss2);
}

/** Color by verdict; the legend keys are strokes for lines, dots for points. */
function colorByVerdict(ctx: Context, key: 'line' | 'dot' = 'dot') {
  return {
    field: 'verdict',
    type: 'nominal',
    title: 'verdict',
    scale: { domain: ctx.palette.domain, range: ctx.palette.range },
    legend: { orient: 'top', direction: 'horizontal', title: 'verdict', ...(key === 'line' ? { symbolType: 'stroke', symbolStrokeWidth: 3 } : { symbolType: 'circle' }) },
  } as const;
}

/** The tooltip fields of a run's point: run, α, seed, step, loss1, loss2, verdict. */
function runTooltip(fields: readonly ('step' | 'loss1' | 'loss2' | 'reason')[]) {
  return [
    { field: 'run', type: 'nominal', title: 'run' },
    { field: 'alpha', type: 'quantitative', title: 'α', format: '.4~g' },
    { field: 'seed', type: 'quantitative', title: 'seed' },
    ...fields.map((f) => (f === 'reason' ? ({ field: f, type: 'nominal', title: 'diverged' } as const) : ({ field: f, type: 'quantitative', title: f, format: f === 'step' ? 'd' : '.5~g' } as const))),
    { field: 'verdict', type: 'nominal', title: 'verdict' },
  ] as const;
}

/**
 * The interactive selections, on the layer that gets the pointer: the verdict legend toggles the
 * runs of a verdict (shift-click for several), a click on a run picks it. Everything else fades.
 */
const VERDICT_PICK: SelectionParameter = { name: 'verdictPick', select: { type: 'point', fields: ['verdict'] }, bind: 'legend' };
const RUN_PICK: SelectionParameter = { name: 'runPick', select: { type: 'point', fields: ['run'], on: 'click' } };
const SELECTIONS: SelectionParameter[] = [VERDICT_PICK, RUN_PICK];
const selectedOpacity = (on: number, off: number) => ({
  condition: { test: { and: [{ param: 'verdictPick' }, { param: 'runPick' }] }, value: on },
  value: off,
});

function axisScale(axis: ComputedAxis): Scale {
  const s = axis.scale;
  return s.type === 'symlog' ? { type: 'symlog', constant: s.constant } : s.type === 'log' ? { type: 'log' } : { type: 'linear', zero: s.zero };
}

/**
 * An axis with the computed ticks. Explicit ticks are labelled by format() itself: Vega's tick
 * formatting would cut them to the precision of a regular tick step, and print 30 as "3e+1".
 */
function axisOf(axis: ComputedAxis, title: string) {
  return { title, ...(axis.ticks ? { values: [...axis.ticks], labelExpr: EXPLICIT_TICK_LABEL } : { labelExpr: LOSS_TICK_LABEL }) };
}

const EXPLICIT_TICK_LABEL = "format(datum.value, '.4~g')";
/** Vega's own label, except in exponent form when it would be very long (a run blowing up to 7e13). */
const LOSS_TICK_LABEL = "abs(datum.value) >= 1e6 ? format(datum.value, '.2~e') : datum.label";

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const CONFIG = {
  title: { fontSize: 16, subtitleFontSize: 12, subtitleColor: '#555', anchor: 'start', offset: 10 },
  axis: { titleFontSize: 12, labelFontSize: 11, titleFontWeight: 'normal', gridColor: '#e8e8e8' },
  header: { labelFontSize: 12, titleFontSize: 12 },
  legend: { labelFontSize: 12, titleFontSize: 12 },
  view: { stroke: '#ccc' },
} as const;

// ——— (a) loss curves ———

function buildLossCurves(ctx: Context): Chart {
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
    encoding: { x, y: y('value'), description: { field: 'label' }, ...(ctx.interactive ? { tooltip: [...runTooltip(['step', 'loss1', 'loss2', 'reason'])] } : {}) },
  } as Layer);
  const seedsNote = band
    ? `the band spans the seeds' min–max (binned over ${BAND_BINS} step ranges), the line is their median, one per verdict`
    : 'one line per run (seed), colored by its verdict';
  return {
    id: 'loss-curves',
    title: 'Loss curves per α',
    description: `loss1 and loss2 against training step, one row per α, each loss on its own scale${ctx.lossScale === 'auto' ? ` (logarithmic when a loss spans more than ${AUTO_LOG_DECADES} decades)` : ''}; ${seedsNote}; ✕ marks the step where a run diverged.`,
    spec: {
      $schema: SCHEMA,
      title: { text: `Loss curves per α — ${ctx.data.name}`, subtitle: `${seedsNote}${rows.some((r) => r.kind === 'diverged') ? '; ✕ = diverged' : ''}${yScale.scale.type === 'symlog' ? '; loss axes on a log scale (linear near 0)' : ''}` },
      data: { values: rows },
      transform: [fold],
      facet: {
        row: { field: 'panel', type: 'nominal', sort: ctx.panels.map((p) => p.label), title: null, header: { labelAngle: 0, labelAlign: 'left', labelExpr: "'α = ' + datum.value" } },
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

/**
 * The y scale of the loss-curve cells. All cells share one encoding (one facet), but with --log-y
 * each needs its own symlog constant and ticks — loss1 runs down to 1e-13 or exactly 0, loss2 from
 * a little below 0 up to hundreds, and a run that blew up reaches 1e13 in its row only — so those
 * are expressions that look the cell up by its row and column (`parent.panel`, `parent.loss`).
 */
function lossCurveScale(ctx: Context): { scale: Scale; axis: Record<string, unknown> } {
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

// ——— (b) final losses against α ———

function buildFinalVsAlpha(ctx: Context): Chart {
  const runs = ctx.panels.flatMap((p) => p.runs.map((run) => ({ run, panel: p })));
  const settled = runs.filter(({ run }) => isSettled(run));
  const rows: Row[] = settled.map(({ run, panel }) => ({
    kind: 'final',
    run: run.id,
    alpha: panel.alpha,
    variant: panel.variant,
    seed: run.seed,
    verdict: run.outcome,
    loss1: run.final!.loss1,
    loss2: run.final!.loss2,
  }));
  // Diverged runs have no final loss worth plotting (NaN, or 1e13 that would flatten the rest):
  // they are marked along the top edge of each panel instead.
  for (const { run, panel } of runs) {
    if (run.outcome !== 'diverged') continue;
    const reason = run.divergence ? `at step ${run.divergence.step}: ${run.divergence.reason}` : '';
    rows.push({ kind: 'diverged', run: run.id, alpha: panel.alpha, variant: panel.variant, seed: run.seed, verdict: run.outcome, reason, label: `${run.id} diverged ${reason}`.trim() });
  }
  const x = { field: 'alpha', type: 'quantitative', scale: axisScale(ctx.alphaAxis), axis: axisOf(ctx.alphaAxis, 'α (weight of loss2)') } as const;
  const multiVariant = ctx.panels.some((p) => p.variant !== '');
  const view = (loss: 'loss1' | 'loss2') => {
    const finals = settled.map(({ run }) => run.final![loss]);
    const axis = computeLossAxis(finals, isLogChosen(finals, ctx.lossScale));
    const y = { field: loss, type: 'quantitative', scale: axisScale(axis), axis: axisOf(axis, `final ${loss}`) } as const;
    const onlyFinals = [{ filter: "datum.kind === 'final'" }];
    const variant = multiVariant ? ({ strokeDash: { field: 'variant', type: 'nominal', title: 'setting' } } as const) : {};
    const layers: Layer[] = [
      {
        transform: onlyFinals,
        mark: { type: 'rule', color: '#888', strokeWidth: 1.5 },
        encoding: { x, y: { ...y, aggregate: 'min' }, y2: { field: loss, aggregate: 'max' }, ...(multiVariant ? { detail: { field: 'variant' } } : {}) },
      },
      {
        transform: onlyFinals,
        mark: { type: 'line', color: '#333', strokeWidth: 1.5, point: { filled: false, color: '#333', size: 60, shape: 'diamond' } },
        encoding: { x, y: { ...y, aggregate: 'median' }, ...variant },
      },
      {
        transform: onlyFinals,
        ...(ctx.interactive && loss === 'loss1' ? { params: SELECTIONS } : {}),
        mark: { type: 'point', filled: true, size: 45 },
        encoding: {
          x,
          y,
          color: colorByVerdict(ctx),
          ...(ctx.interactive ? { opacity: selectedOpacity(0.9, 0.1), tooltip: [...runTooltip(['loss1', 'loss2'])] } : { opacity: { value: 0.85 } }),
        },
      } as Layer,
      {
        transform: [{ filter: "datum.kind === 'diverged'" }],
        mark: { type: 'point', shape: 'triangle-down', filled: true, size: 90, color: '#d62728', yOffset: -8 },
        // y in pixels from the top of the panel, not a loss value.
        encoding: { x, y: { value: 0 }, description: { field: 'label' }, ...(ctx.interactive ? { tooltip: [...runTooltip(['reason'])] } : {}) },
      } as Layer,
    ];
    return { width: 330, height: 260, title: { text: `final ${loss} (${loss === 'loss1' ? 'minimized' : 'maximized'})`, anchor: 'middle', fontSize: 13, fontWeight: 'normal' }, layer: layers } as const;
  };
  const divergedNote = rows.some((r) => r.kind === 'diverged') ? '; ▼ above the panel: a run that diverged (no final loss)' : '';
  const description = `The last logged loss1 and loss2 of every run against α: dots are runs colored by verdict, the line joins the median over seeds (◇), the grey bar spans their min–max${divergedNote}.`;
  return {
    id: 'final-vs-alpha',
    title: 'Final losses against α',
    description,
    spec: {
      $schema: SCHEMA,
      title: {
        text: `Final losses against α — ${ctx.data.name}`,
        subtitle: [
          `dots: runs by verdict · ◇ line: median over seeds · bar: min–max${divergedNote ? ' · ▼: diverged' : ''}`,
          ...(ctx.alphaAxis.scale.type === 'symlog' ? ['α axis logarithmic beyond the smallest α, linear down to 0'] : []),
        ],
      },
      data: { values: rows },
      hconcat: [view('loss1'), view('loss2')],
      spacing: 30,
      config: CONFIG,
    } as TopLevelSpec,
  };
}

// ——— (c) trade-off ———

function buildTradeoff(ctx: Context): Chart {
  const rows: Row[] = [];
  let hidden = 0;
  const medians: Row[] = [];
  for (const panel of ctx.panels) {
    const settled = panel.runs.filter(isSettled);
    hidden += panel.runs.length - settled.length;
    for (const run of settled) {
      rows.push({ kind: 'run', run: run.id, alpha: panel.alpha, seed: run.seed, verdict: run.outcome, loss1: run.final.loss1, loss2: run.final.loss2 });
    }
    if (settled.length > 0) {
      medians.push({ kind: 'median', panel: panel.label, alpha: panel.alpha, variant: panel.variant, label: `α=${panel.label}`, loss1: median(settled.map((r) => r.final.loss1)), loss2: median(settled.map((r) => r.final.loss2)) });
    }
  }
  // Label every α when there are few, else a spread of them, so labels do not pile up.
  const every = Math.max(1, Math.ceil(medians.length / 10));
  medians.forEach((m, i) => (m.labelled = i % every === 0 || i === medians.length - 1 ? 1 : 0));
  rows.push(...medians);
  const finals1 = rows.map((r) => r.loss1 as number);
  const finals2 = rows.map((r) => r.loss2 as number);
  const axis1 = computeLossAxis(finals1, isLogChosen(finals1, ctx.lossScale));
  const axis2 = computeLossAxis(finals2, isLogChosen(finals2, ctx.lossScale));
  const x = { field: 'loss2', type: 'quantitative', scale: axisScale(axis2), axis: axisOf(axis2, 'final loss2 — maximized, higher is better →') } as const;
  const y = { field: 'loss1', type: 'quantitative', scale: axisScale(axis1), axis: axisOf(axis1, 'final loss1 — minimized, lower is better ↓') } as const;
  const hiddenNote = hidden > 0 ? ` · not shown: ${hidden} ${hidden === 1 ? 'run' : 'runs'} without a final loss (diverged, failed, unfinished)` : '';
  const layers: Layer[] = [
    {
      transform: [{ filter: "datum.kind === 'median'" }],
      mark: { type: 'line', color: '#999', strokeWidth: 1.5, strokeDash: [4, 3] },
      encoding: { x, y, order: { field: 'alpha', type: 'quantitative' }, ...(ctx.panels.some((p) => p.variant !== '') ? { detail: { field: 'variant' } } : {}) },
    },
    {
      transform: [{ filter: "datum.kind === 'run'" }],
      ...(ctx.interactive ? { params: SELECTIONS } : {}),
      mark: { type: 'point', filled: true, size: 70 },
      encoding: {
        x,
        y,
        color: colorByVerdict(ctx),
        ...(ctx.interactive ? { opacity: selectedOpacity(0.9, 0.1), tooltip: [...runTooltip(['loss1', 'loss2'])] } : { opacity: { value: 0.85 } }),
      },
    } as Layer,
    {
      transform: [{ filter: "datum.kind === 'median' && datum.labelled" }],
      mark: { type: 'text', align: 'left', dx: 7, dy: -7, fontSize: 12, color: '#222' },
      encoding: { x, y, text: { field: 'label' } },
    },
  ];
  return {
    id: 'tradeoff',
    title: 'Trade-off: final loss1 against final loss2',
    description: `One point per run: its final loss2 (maximized, right is better) against its final loss1 (minimized, down is better), colored by verdict; the dashed path joins the median of each α in order, labelled by α${hiddenNote}. Pick α where the path reaches far right while staying low and no run diverged or oscillated.`,
    spec: {
      $schema: SCHEMA,
      title: {
        text: `Trade-off: final loss1 vs final loss2 — ${ctx.data.name}`,
        subtitle: ['one point per run, colored by verdict · dashed path: the median of each α, in order of α', `best is bottom right: loss1 low, loss2 high${hiddenNote}`],
      },
      width: 640,
      height: 420,
      data: { values: rows },
      layer: layers,
      config: CONFIG,
    } as TopLevelSpec,
  };
}

function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

// ——— (d) verdicts by α ———

function buildVerdictsByAlpha(ctx: Context): Chart {
  const rank = new Map(ctx.palette.domain.map((o, i) => [o, i]));
  const rows: Row[] = ctx.panels.flatMap((panel) =>
    panel.runs.map((run) => ({ run: run.id, panel: panel.label, alpha: panel.alpha, seed: run.seed, verdict: run.outcome, rank: rank.get(run.outcome) ?? 0 })),
  );
  const n = ctx.panels.length;
  return {
    id: 'verdicts-by-alpha',
    title: 'Verdicts by α',
    description: 'How many runs (seeds) of each α converged, oscillated, drifted or diverged: stacked bars, one per α.',
    spec: {
      $schema: SCHEMA,
      title: { text: `Verdicts by α — ${ctx.data.name}`, subtitle: 'runs (seeds) of each α by stability verdict' },
      width: Math.min(700, Math.max(320, 34 * n)),
      height: 240,
      data: { values: rows },
      mark: { type: 'bar', ...(ctx.interactive ? { tooltip: true } : {}) },
      ...(ctx.interactive ? { params: [VERDICT_PICK] } : {}),
      encoding: {
        x: { field: 'panel', type: 'nominal', sort: ctx.panels.map((p) => p.label), title: 'α', axis: { labelAngle: n > 12 ? -45 : 0 } },
        y: { aggregate: 'count', type: 'quantitative', title: 'runs', axis: { tickMinStep: 1, format: 'd' } },
        color: colorByVerdict(ctx),
        order: { field: 'rank', type: 'quantitative', sort: 'ascending' },
        ...(ctx.interactive ? { opacity: { condition: { param: 'verdictPick', value: 1 }, value: 0.2 } } : {}),
      },
      config: CONFIG,
    } as TopLevelSpec,
  };
}
