/**
 * The pieces the charts share: verdict colors and tooltips, the interactive selections, axes with
 * computed ticks, and the common Vega-Lite config.
 */
import type { Scale } from 'vega-lite/types_unstable/scale.js';
import type { SelectionParameter } from 'vega-lite/types_unstable/selection.js';
import type { PlotRun } from '../plot-data.js';
import type { ComputedAxis } from '../scales.js';
import type { ChartContext } from './chart-context.js';

/** JSON has no NaN or Infinity (JSON.stringify writes null); say so explicitly, so Vega-Lite leaves the value out of lines and scales. */
export const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

export function isSettled(run: PlotRun): run is PlotRun & { final: NonNullable<PlotRun['final']> } {
  return run.outcome !== 'diverged' && run.outcome !== 'failed' && run.final !== null && Number.isFinite(run.final.loss1) && Number.isFinite(run.final.loss2);
}

/** Color by verdict; the legend keys are strokes for lines, dots for points. */
export function colorByVerdict(ctx: ChartContext, key: 'line' | 'dot' = 'dot') {
  return {
    field: 'verdict',
    type: 'nominal',
    title: 'verdict',
    scale: { domain: ctx.palette.domain, range: ctx.palette.range },
    legend: {
      orient: 'top',
      direction: 'horizontal',
      title: 'verdict',
      ...(key === 'line' ? { symbolType: 'stroke', symbolStrokeWidth: 3 } : { symbolType: 'circle' }),
    },
  } as const;
}

/** The tooltip fields of a run's point: run, α, seed, step, loss1, loss2, verdict. */
export function runTooltip(fields: readonly ('step' | 'loss1' | 'loss2' | 'reason')[]) {
  return [
    { field: 'run', type: 'nominal', title: 'run' },
    { field: 'alpha', type: 'quantitative', title: 'α', format: '.4~g' },
    { field: 'seed', type: 'quantitative', title: 'seed' },
    ...fields.map((f) =>
      f === 'reason'
        ? ({ field: f, type: 'nominal', title: 'diverged' } as const)
        : ({ field: f, type: 'quantitative', title: f, format: f === 'step' ? 'd' : '.5~g' } as const),
    ),
    { field: 'verdict', type: 'nominal', title: 'verdict' },
  ] as const;
}

/**
 * The interactive selections, on the layer that gets the pointer: the verdict legend toggles the
 * runs of a verdict (shift-click for several), a click on a run picks it. Everything else fades.
 */
export const VERDICT_PICK: SelectionParameter = { name: 'verdictPick', select: { type: 'point', fields: ['verdict'] }, bind: 'legend' };
export const RUN_PICK: SelectionParameter = { name: 'runPick', select: { type: 'point', fields: ['run'], on: 'click' } };
export const SELECTIONS: SelectionParameter[] = [VERDICT_PICK, RUN_PICK];
export const selectedOpacity = (on: number, off: number) => ({
  condition: { test: { and: [{ param: 'verdictPick' }, { param: 'runPick' }] }, value: on },
  value: off,
});

export function axisScale(axis: ComputedAxis): Scale {
  const s = axis.scale;
  return s.type === 'symlog' ? { type: 'symlog', constant: s.constant } : s.type === 'log' ? { type: 'log' } : { type: 'linear', zero: s.zero };
}

/**
 * An axis with the computed ticks. Explicit ticks are labelled by format() itself: Vega's tick
 * formatting would cut them to the precision of a regular tick step, and print 30 as "3e+1".
 */
export function axisOf(axis: ComputedAxis, title: string) {
  return { title, ...(axis.ticks ? { values: [...axis.ticks], labelExpr: EXPLICIT_TICK_LABEL } : { labelExpr: LOSS_TICK_LABEL }) };
}

export const EXPLICIT_TICK_LABEL = "format(datum.value, '.4~g')";
/** Vega's own label, except in exponent form when it would be very long (a run blowing up to 7e13). */
export const LOSS_TICK_LABEL = "abs(datum.value) >= 1e6 ? format(datum.value, '.2~e') : datum.label";

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
export const CONFIG = {
  title: { fontSize: 16, subtitleFontSize: 12, subtitleColor: '#555', anchor: 'start', offset: 10 },
  axis: { titleFontSize: 12, labelFontSize: 11, titleFontWeight: 'normal', gridColor: '#e8e8e8' },
  header: { labelFontSize: 12, titleFontSize: 12 },
  legend: { labelFontSize: 12, titleFontSize: 12 },
  view: { stroke: '#ccc' },
} as const;
