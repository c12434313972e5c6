/**
 * Verdicts by α: how many seeds of each α converged, drifted, oscillated or diverged, as stacked
 * bars.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Chart, ChartContext, Row } from './chart-context.js';
import { colorByVerdict, CONFIG, SCHEMA, VERDICT_PICK } from './chart-parts.js';

/** Past this many bars (a boundary search's 50–100 α) their slanted labels run into each other: every other one, or fewer, is left out. */
const MAX_ALL_LABELS = 40;

export function buildVerdictsByAlpha(ctx: ChartContext): Chart {
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
        x: {
          field: 'panel',
          type: 'nominal',
          sort: ctx.panels.map((p) => p.label),
          title: 'α',
          axis: { labelAngle: n > 12 ? -45 : 0, ...(n > MAX_ALL_LABELS ? { labelOverlap: 'greedy' } : {}) },
        },
        y: { aggregate: 'count', type: 'quantitative', title: 'runs', axis: { tickMinStep: 1, format: 'd' } },
        color: colorByVerdict(ctx),
        order: { field: 'rank', type: 'quantitative', sort: 'ascending' },
        ...(ctx.interactive ? { opacity: { condition: { param: 'verdictPick', value: 1 }, value: 0.2 } } : {}),
      },
      config: CONFIG,
    } as TopLevelSpec,
  };
}
