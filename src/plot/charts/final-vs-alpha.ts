/**
 * Final losses against α: where each loss ends up as α grows, per run and as the median over
 * seeds; diverged runs marked along the top.
 */
import type { TopLevelSpec } from 'vega-lite';
import { computeLossAxis, isLogChosen } from '../scales.js';
import type { Chart, ChartContext, Layer, Row } from './chart-context.js';
import { axisOf, axisScale, colorByVerdict, CONFIG, isSettled, runTooltip, SCHEMA, selectedOpacity, SELECTIONS } from './chart-parts.js';

export function buildFinalVsAlpha(ctx: ChartContext): Chart {
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
    rows.push({
      kind: 'diverged',
      run: run.id,
      alpha: panel.alpha,
      variant: panel.variant,
      seed: run.seed,
      verdict: run.outcome,
      reason,
      label: `${run.id} diverged ${reason}`.trim(),
    });
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
    return {
      width: 330,
      height: 260,
      title: { text: `final ${loss} (${loss === 'loss1' ? 'minimized' : 'maximized'})`, anchor: 'middle', fontSize: 13, fontWeight: 'normal' },
      layer: layers,
    } as const;
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
