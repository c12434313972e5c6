/**
 * The stability boundary (boundary.json): every run the search probed, at its value of the setting
 * and its seed, colored by verdict; each seed's bracket around the flip from stable to unstable;
 * and where 10%, 50% and 90% of the seeds are unstable. With `--across`, one panel per across
 * value: each has its own quantiles (the file's `curve`), which one shared set of rules could not show.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { BoundaryFile, BoundarySeed } from '../../results/boundary-file.js';
import type { AxisValue } from '../../spec/types.js';
import { computeShortTexts, formatShortNumber } from '../../summary/short-values.js';
import { decades, type ComputedAxis } from '../scales.js';
import { computeOutcomePalette } from '../verdict-colors.js';
import type { Chart, ChartContext, Layer, Row } from './chart-context.js';
import { axisOf, axisScale, colorByVerdict, CONFIG, SCHEMA, VERDICT_PICK } from './chart-parts.js';

/** Pixels per seed row: room for a probe dot, the bracket bar under it and a quantile label. */
const ROW_STEP = 26;
/** Values listed in a note; the rings on the row show them all. */
const MAX_NOTE_VALUES = 3;
/** Pixels between a range end's dot and the triangle saying the flip lies past it. */
const BEYOND_OFFSET = 11;
/** Longer failure messages are cut in the note beside the row (the report's table has them whole). */
const MAX_NOTE_CHARS = 48;

export function buildBoundary(ctx: ChartContext, boundary: BoundaryFile): Chart {
  const param = boundary.param === 'alpha' ? 'α' : boundary.param;
  const values = boundary.seeds.flatMap((s) => s.probes.map((p) => p.value));
  const [lo, hi] = boundary.range;
  const domain = [Math.min(lo, ...values), Math.max(hi, ...values)];
  const log = boundary.scale === 'log' && domain[0]! > 0;
  const axis: ComputedAxis = log ? { scale: { type: 'log' }, ticks: decades(domain[0]!, domain[1]!) } : { scale: { type: 'linear', zero: false }, ticks: null };
  const faceted = boundary.across_key !== null;
  const acrossShort = computeShortTexts(boundary.seeds.map((s) => s.across ?? undefined));
  const acrossLabel = (a: AxisValue | null) => (a === null ? '' : `${boundary.across_key} = ${acrossShort(a)}`);

  const rows: Row[] = [];
  for (const seed of boundary.seeds) {
    const at = { seed: seed.seed, across: acrossLabel(seed.across) };
    for (const p of seed.probes) rows.push({ kind: 'probe', ...at, run: p.run_id, value: p.value, verdict: p.verdict, round: p.round });
    if (seed.stable !== null && seed.unstable !== null) rows.push({ kind: 'bracket', ...at, stable: seed.stable, unstable: seed.unstable });
    if (seed.estimate !== null) rows.push({ kind: 'estimate', ...at, value: seed.estimate });
    // The flip lies beyond the range: a triangle at the end it lies past.
    if (seed.status === 'stable_throughout') rows.push({ kind: 'beyond', ...at, value: hi, shape: 'triangle-right' });
    if (seed.status === 'unstable_at_lo') rows.push({ kind: 'beyond', ...at, value: lo, shape: 'triangle-left' });
    for (const v of seed.stable_above) rows.push({ kind: 'stable-above', ...at, value: v });
    const note = noteOf(seed);
    if (note !== '') rows.push({ kind: 'note', ...at, note });
  }
  const quantileSets = faceted ? boundary.curve.map((c) => ({ across: acrossLabel(c.across), q: c })) : [{ across: '', q: boundary.quantiles }];
  for (const { across, q } of quantileSets) {
    // Quantiles at the same value (two seeds: p10 = p50) share one rule and one label.
    const byValue = new Map<number, string[]>();
    for (const [name, v] of [
      ['10%', q.p10],
      ['50%', q.p50],
      ['90%', q.p90],
    ] as const) {
      if (v !== null) byValue.set(v, [...(byValue.get(v) ?? []), name]);
    }
    for (const [value, names] of byValue) rows.push({ kind: 'quantile', across, value, label: names.join(', ') });
  }

  const palette = computeOutcomePalette(rows.filter((r) => r.kind === 'probe').map((r) => r.verdict as string));
  const x = {
    field: 'value',
    type: 'quantitative',
    scale: { ...axisScale(axis), domain },
    axis: axisOf(axis, `${param}${log ? ' (log scale)' : ''}`),
  } as const;
  const y = {
    field: 'seed',
    type: 'ordinal',
    title: 'seed',
    axis: { labelExpr: "'seed ' + datum.label", ticks: false, labelPadding: BEYOND_OFFSET + 8 },
  } as const;
  const only = (kind: string) => [{ filter: `datum.kind === '${kind}'` }];
  const layers: Layer[] = [
    {
      transform: only('bracket'),
      mark: { type: 'rule', strokeWidth: 10, color: '#d0d0d0', strokeCap: 'round' },
      encoding: { x: { ...x, field: 'stable' }, x2: { field: 'unstable' }, y },
    },
    {
      transform: only('quantile'),
      mark: { type: 'rule', color: '#444', strokeDash: [5, 4], strokeWidth: 1.2 },
      encoding: { x },
    },
    {
      transform: only('quantile'),
      mark: { type: 'text', baseline: 'bottom', dy: -3, fontSize: 10, color: '#444' },
      // Pixels from the top of the panel: the label sits just above it.
      encoding: { x, y: { value: 0 }, text: { field: 'label' } },
    },
    {
      transform: only('estimate'),
      mark: { type: 'tick', color: '#333', thickness: 2, size: 16 },
      encoding: { x, y },
    },
    // Just outside the range's end, pointing past it: the probe at the end keeps its dot.
    ...(['triangle-right', 'triangle-left'] as const).map((shape): Layer => ({
      transform: [{ filter: `datum.kind === 'beyond' && datum.shape === '${shape}'` }],
      mark: { type: 'point', shape, filled: true, size: 70, color: '#666', xOffset: shape === 'triangle-right' ? BEYOND_OFFSET : -BEYOND_OFFSET },
      encoding: { x, y },
    })),
    {
      transform: only('probe'),
      ...(ctx.interactive ? { params: [VERDICT_PICK] } : {}),
      mark: { type: 'point', filled: true, size: 60 },
      encoding: {
        x,
        y,
        color: colorByVerdict({ ...ctx, palette }),
        // The accessible name says which run a dot is (SVG readers, and the tests, find it by that).
        description: { field: 'run' },
        ...(ctx.interactive
          ? {
              opacity: { condition: { param: 'verdictPick', value: 0.95 }, value: 0.15 },
              tooltip: [
                { field: 'run', type: 'nominal', title: 'run' },
                { field: 'value', type: 'quantitative', title: param, format: '.4~g' },
                { field: 'seed', type: 'ordinal', title: 'seed' },
                { field: 'verdict', type: 'nominal', title: 'verdict' },
                { field: 'round', type: 'quantitative', title: 'round' },
              ],
            }
          : { opacity: { value: 0.95 } }),
      },
    } as Layer,
    {
      transform: only('stable-above'),
      mark: { type: 'point', filled: false, size: 220, color: '#111', strokeWidth: 1.5 },
      encoding: { x, y },
    },
    {
      transform: only('note'),
      // Right of the panel (x in pixels), so a note never covers a probe.
      mark: { type: 'text', align: 'left', dx: BEYOND_OFFSET + 10, fontSize: 11, color: '#333' },
      encoding: { x: { value: PANEL_WIDTH }, y, text: { field: 'note' } },
    },
  ];
  const nonMonotone = boundary.seeds.some((s) => !s.monotone);
  const beyond = boundary.seeds.some((s) => s.status === 'stable_throughout' || s.status === 'unstable_at_lo');
  const legend = [
    'dots: probes by verdict',
    'grey bar: each seed’s bracket, last stable to first unstable (| its estimate)',
    'dashed: where 10% / 50% / 90% of seeds are unstable',
    ...(beyond ? ['▸ / ◂: the flip lies beyond the range'] : []),
    ...(nonMonotone ? ['○: stable above the first flip (not monotone)'] : []),
  ];
  const unstable = boundary.unstable_verdicts.join(' or ');
  const interrupted = boundary.complete ? [] : ['search interrupted: the brackets are as far as it got'];
  const description = `Every run the boundary search probed, at its ${param} (x${log ? ', log scale' : ''}) and its seed (a row each${faceted ? `; a panel per ${boundary.across_key}` : ''}), colored by its verdict. The grey bar spans each seed's bracket, from the largest stable ${param} to the smallest unstable (${unstable}) one, with | at its estimate; the dashed lines are where 10%, 50% and 90% of the seeds are unstable${beyond ? '; ▸ at the right end: stable up to the top of the range, ◂ at the left: unstable already at its bottom' : ''}${nonMonotone ? '; ○ rings a stable probe above the seed’s first flip (not monotone)' : ''}.${boundary.complete ? '' : ' The search was interrupted: the brackets are as far as it got.'}`;
  const view = { width: PANEL_WIDTH, height: { step: ROW_STEP }, layer: layers };
  return {
    id: 'boundary',
    title: `Stability boundary in ${param}`,
    description,
    spec: {
      $schema: SCHEMA,
      title: { text: `Stability boundary in ${param} — ${ctx.data.name}`, subtitle: [legend.slice(0, 3).join(' · '), ...legend.slice(3), ...interrupted] },
      data: { values: rows },
      ...(faceted
        ? {
            facet: {
              row: {
                field: 'across',
                type: 'nominal',
                sort: distinctInOrder(rows.map((r) => r.across as string)),
                title: null,
                header: { labelAngle: 0, labelAlign: 'left' },
              },
            },
            spec: view,
            spacing: 24,
          }
        : view),
      config: CONFIG,
    } as TopLevelSpec,
  };
}

const PANEL_WIDTH = 560;

/** What a row's dots do not say: the flip beyond the range, a failure, a search cut short, a second flip. */
function noteOf(seed: BoundarySeed): string {
  const parts: string[] = [];
  if (seed.status === 'stable_throughout') parts.push('stable up to the top');
  if (seed.status === 'unstable_at_lo') parts.push('unstable from the bottom');
  if (seed.status === 'failed') {
    const error = seed.error ?? 'a run failed';
    parts.push(`failed: ${error.length > MAX_NOTE_CHARS ? `${error.slice(0, MAX_NOTE_CHARS - 1)}…` : error}`);
  }
  if (seed.status === 'open') parts.push('open (search interrupted)');
  if (!seed.monotone && seed.stable_above.length > 0) {
    const listed = seed.stable_above.slice(0, MAX_NOTE_VALUES).map((v) => formatShortNumber(v));
    const more = seed.stable_above.length - listed.length;
    parts.push(`not monotone: stable again at ${listed.join(', ')}${more > 0 ? ` and ${more} more` : ''}`);
  }
  return parts.join('; ');
}

function distinctInOrder(items: readonly string[]): string[] {
  return [...new Set(items)];
}
