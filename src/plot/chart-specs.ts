/**
 * The charts of a results directory as Vega-Lite specs, data inlined. Pure: PlotData in, specs out.
 * `plot` renders them to SVG/PNG; the HTML report embeds them with `interactive: true`.
 *
 * They answer "how do I minimize loss1 while maximizing loss2, and with which α?", one file each
 * in charts/:
 * - loss-curves: how training went at each α (settling, swinging, drifting, blowing up);
 * - final-vs-alpha: where each loss ends up as α grows;
 * - tradeoff: final loss1 against final loss2, the frontier α is picked from;
 * - verdicts-by-alpha: how many seeds of each α converged, drifted, oscillated or diverged;
 * - boundary (only with a boundary.json): where, per seed, training flips from stable to unstable.
 */
import type { PlotData } from './plot-data.js';
import { computeChartContext, type Chart, type ChartOptions } from './charts/chart-context.js';
import { buildBoundary } from './charts/boundary.js';
import { buildFinalVsAlpha } from './charts/final-vs-alpha.js';
import { buildLossCurves } from './charts/loss-curves.js';
import { buildTradeoff } from './charts/tradeoff.js';
import { buildVerdictsByAlpha } from './charts/verdicts-by-alpha.js';

export { CHART_IDS, type Chart, type ChartId, type ChartOptions } from './charts/chart-context.js';
export { MAX_SEED_LINES } from './charts/loss-curves.js';

export function buildCharts(data: PlotData, options: ChartOptions = {}): Chart[] {
  const ctx = computeChartContext(data, options);
  const boundary = data.boundary ? [buildBoundary(ctx, data.boundary)] : [];
  return [buildLossCurves(ctx), buildFinalVsAlpha(ctx), buildTradeoff(ctx), buildVerdictsByAlpha(ctx), ...boundary];
}
