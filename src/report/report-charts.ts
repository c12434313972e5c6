/**
 * Which charts the report shows, on which scales. Pure.
 *
 * Final loss1 spans decades across α (the seed sweep: 0 at α = 0, 1e-4 at 0.01, 0.08 at 0.1): on a
 * linear axis every low value sits on zero and one swinging run sets the scale, so the trade-off
 * and the final losses are always drawn on log axes. The loss curves are chosen by their data, as
 * in `plot`: log when a loss spans more than a few decades (a loss1 swinging between 1e-11 and 1
 * would look flat on a linear axis), else linear, where a swing between 0 and 8 reads best.
 */
import { buildCharts, type Chart, type ChartId } from '../plot/chart-specs.js';
import type { PlotData } from '../plot/plot-data.js';

const LOG_CHARTS: ReadonlySet<ChartId> = new Set(['tradeoff', 'final-vs-alpha']);

/**
 * The order the charts are shown in: the boundary when there is one (a boundary search asked where
 * training turns unstable), then the two that answer the sweep's question (which α keeps loss1
 * low while loss2 grows, and is it stable), then the per-α finals, then every curve.
 */
const ORDER: readonly ChartId[] = ['boundary', 'tradeoff', 'verdicts-by-alpha', 'final-vs-alpha', 'loss-curves'];

export function buildReportCharts(data: PlotData): Chart[] {
  const log = new Map(buildCharts(data, { interactive: true, lossScale: 'log' }).map((c) => [c.id, c]));
  const charts = buildCharts(data, { interactive: true }).map((c) => (LOG_CHARTS.has(c.id) ? (log.get(c.id) ?? c) : c));
  return charts.sort((a, b) => ORDER.indexOf(a.id) - ORDER.indexOf(b.id));
}
