/**
 * What every chart of a results directory is built from: the runs grouped into panels (one per α
 * and value of every other swept key), the verdict colors and the α axis, computed once for all
 * charts.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Field } from 'vega-lite/types_unstable/channeldef.js';
import type { LayerSpec, UnitSpec } from 'vega-lite/types_unstable/spec/index.js';
import type { PlotData, PlotRun } from '../plot-data.js';
import { computeAlphaAxis, type ComputedAxis, type LossScaleChoice } from '../scales.js';
import { computeOutcomePalette } from '../verdict-colors.js';
import { computeShortTexts } from '../../summary/short-values.js';

export type ChartId = 'loss-curves' | 'final-vs-alpha' | 'tradeoff' | 'verdicts-by-alpha' | 'boundary';

/** Every chart there can be; `boundary` is built only for a directory with a boundary.json. */
export const CHART_IDS: readonly ChartId[] = ['loss-curves', 'final-vs-alpha', 'tradeoff', 'verdicts-by-alpha', 'boundary'];

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

export type Layer = LayerSpec<Field> | UnitSpec<Field>;
export type Row = Record<string, string | number | null>;

/** Runs of one α (and one value of every other swept key): a row of loss-curves, a bar of verdicts-by-alpha. */
export interface Panel {
  /** "0.1", or "0.1, optimizer.lr=0.001" when other keys are swept. */
  readonly label: string;
  readonly alpha: number;
  readonly variant: string;
  readonly runs: readonly PlotRun[];
}

export interface ChartContext {
  readonly data: PlotData;
  readonly panels: readonly Panel[];
  readonly interactive: boolean;
  readonly lossScale: LossScaleChoice;
  readonly palette: { readonly domain: string[]; readonly range: string[] };
  readonly alphaAxis: ComputedAxis;
}

export function computeChartContext(data: PlotData, options: ChartOptions): ChartContext {
  return {
    data,
    panels: computePanels(data.runs),
    interactive: options.interactive ?? false,
    lossScale: options.lossScale ?? 'auto',
    palette: computeOutcomePalette(data.runs.map((r) => r.outcome)),
    alphaAxis: computeAlphaAxis(data.runs.flatMap((r) => (r.alpha === null ? [] : [r.alpha]))),
  };
}

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
