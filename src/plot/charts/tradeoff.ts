/**
 * Trade-off: final loss1 against final loss2 of every run, the frontier α is picked from, with
 * the median of each α joined in order of α.
 */
import type { TopLevelSpec } from 'vega-lite';
import { computeLossAxis, isLogChosen } from '../scales.js';
import type { Chart, ChartContext, Layer, Row } from './chart-context.js';
import { axisOf, axisScale, colorByVerdict, CONFIG, isSettled, runTooltip, SCHEMA, selectedOpacity, SELECTIONS } from './chart-parts.js';

export function buildTradeoff(ctx: ChartContext): Chart {
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
      medians.push({
        kind: 'median',
        panel: panel.label,
        alpha: panel.alpha,
        variant: panel.variant,
        label: `α=${panel.label}`,
        loss1: median(settled.map((r) => r.final.loss1)),
        loss2: median(settled.map((r) => r.final.loss2)),
      });
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
      encoding: {
        x,
        y,
        order: { field: 'alpha', type: 'quantitative' },
        ...(ctx.panels.some((p) => p.variant !== '') ? { detail: { field: 'variant' } } : {}),
      },
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
        subtitle: [
          'one point per run, colored by verdict · dashed path: the median of each α, in order of α',
          `best is bottom right: loss1 low, loss2 high${hiddenNote}`,
        ],
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
