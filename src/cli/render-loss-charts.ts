/**
 * `mo-train summarize DIR --plot`: the loss curves as text charts (asciichart), for a person on a
 * remote shell. One chart of loss1 and one of loss2 per group of runs — the runs that differ only
 * in their seed, i.e. one group per α (per α and other swept setting) — with the seeds as several
 * series; the two losses get separate charts because their scales differ. Returns the string.
 */
import * as asciichart from 'asciichart';
import { Chalk, type ChalkInstance } from 'chalk';
import type { PlotData, PlotRun } from '../plot/plot-data.js';
import { fmt } from '../summary/verdict.js';
import { columnOf, computeColumns, computeEnvelopePicks, computeScale, type Scale, type StepDomain } from '../plot/series-columns.js';

export interface ChartOptions {
  /** Color the series (a color per seed) and the legend. */
  readonly color: boolean;
  /** Characters per line: the terminal's width. */
  readonly width: number;
  /** Rows of the plot area, axis labels included, minus one. */
  readonly height: number;
}

/** Rows of a chart: enough to tell a swing from a ramp, small enough for two charts on a screen. */
export const CHART_HEIGHT = 10;
/** Below this many columns of plot a chart shows nothing useful; a narrower terminal wraps it. */
const MIN_PLOT_WIDTH = 20;

/** One color per series, in seed order; red is left out (it means "diverged" everywhere else). */
const SERIES_COLORS = [asciichart.cyan, asciichart.yellow, asciichart.magenta, asciichart.green, asciichart.blue, asciichart.lightgray] as const;

type Loss = 'loss1' | 'loss2';

interface RunGroup {
  /** The coordinates the runs share (all but seed), as in a run id: `alpha=0.1` or `alpha=0.1,optimizer.lr=0.001`. */
  readonly label: string;
  readonly runs: readonly PlotRun[];
}

export function renderLossCharts(data: PlotData, options: ChartOptions): string {
  const groups = groupBySeed(data.runs);
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const charts = groups.flatMap((g) => (['loss1', 'loss2'] as const).map((loss) => renderChart(g, loss, options, c)));
  const what = groups.length === 1 ? 'one group of runs' : `${groups.length} groups of runs`;
  return `${c.bold(`loss curves of ${data.dir}`)} (${what})\n\n${charts.join('\n')}`;
}

/** Runs that differ only in their seed, in the order of their first run. */
function groupBySeed(runs: readonly PlotRun[]): RunGroup[] {
  const groups = new Map<string, PlotRun[]>();
  for (const run of runs) {
    const label = Object.entries(run.coords)
      .filter(([k]) => k !== 'seed')
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(',');
    const list = groups.get(label);
    if (list) list.push(run);
    else groups.set(label, [run]);
  }
  return [...groups].map(([label, list]) => ({ label, runs: list }));
}

function seriesOf(run: PlotRun, loss: Loss): { step: number; value: number }[] {
  return run.points.map((p) => ({ step: p.step, value: p[loss] }));
}

/** What a series is called in the legend and the notes: its seed, or its id when it has none. */
function seriesName(run: PlotRun, group: RunGroup): string {
  if (group.runs.length === 1) return run.id;
  return run.seed !== null ? `seed ${run.seed}` : run.id;
}

function renderChart(group: RunGroup, loss: Loss, options: ChartOptions, c: ChalkInstance): string {
  const drawn = group.runs.filter((r) => r.points.length > 0);
  const title = group.runs.length === 1 ? `${group.runs[0]!.id} (${group.runs[0]!.outcome})` : `${group.label || 'all runs'} (${describeSeeds(group.runs)})`;
  const notes = renderNotes(group, loss);
  const values = drawn.flatMap((r) => r.points.map((p) => p[loss]));
  const scale = computeScale(values);
  if (drawn.length === 0 || scale === null) {
    const why = drawn.length === 0 ? 'no logged steps to draw' : `no finite ${loss} to draw`;
    return `${c.bold(title)} — ${loss}: ${why}\n${notes}`;
  }
  const domain: StepDomain = {
    from: Math.min(...drawn.map((r) => r.points[0]!.step)),
    to: Math.max(...drawn.map((r) => r.points[r.points.length - 1]!.step)),
  };
  const height = options.height;
  // Rows are labelled top (y = 0) to bottom (y = height), at positions 1 - y/height of the scale;
  // on a log scale the bottom row also holds everything below its value (zeros, float noise).
  const clipped = scale.kind === 'log' && values.some((v) => Number.isFinite(v) && v < scale.lo);
  const labelOf = (y: number) => `${y === height && clipped ? '≤' : ''}${fmt(scale.valueAt(1 - y / height))}`;
  const labels = Array.from({ length: height + 1 }, (_, y) => labelOf(y));
  const labelWidth = Math.max(...labels.map((l) => l.length));
  // A line is the label, a space, then one column per value, the first on the axis; two to spare.
  const plotWidth = Math.max(MIN_PLOT_WIDTH, options.width - labelWidth - 3);

  const sameRow = (a: number, b: number) => Math.round(a * height) === Math.round(b * height);
  const series = drawn.map((run) => columnValues(seriesOf(run, loss), scale, domain, plotWidth, sameRow));
  const colors = options.color ? drawn.map((_, i) => SERIES_COLORS[i % SERIES_COLORS.length]) : undefined;
  const plot = asciichart.plot(
    series.filter((s) => s.length > 0),
    {
      height,
      min: 0,
      max: 1,
      // The label and a space fill the columns before the axis (asciichart puts a whole label in
      // the first cell of the row, and the axis in cell offset - 1).
      offset: 2,
      // asciichart's first symbol marks a series' first value and, misplaced, a "zero" row at the
      // top; a plain axis tick there says nothing wrong.
      symbols: ['┤', '┤', '╶', '╴', '─', '╰', '╭', '╮', '╯', '│'],
      format: (_x, y) => `${labelOf(y).padStart(labelWidth)} `,
      ...(colors ? { colors: colors.filter((_, i) => series[i]!.length > 0) } : {}),
    },
  );

  const scaleNote = scale.kind === 'log' ? ', log scale' : scale.kind === 'constant' ? ', constant' : '';
  const header = `${c.bold(title)} — y: ${loss}${scaleNote}; x: step ${domain.from} → ${domain.to}`;
  return `${header}\n${plot
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')}\n${renderXAxis(domain, plotWidth, labelWidth)}${renderLegend(group, drawn, colors, options.width, c)}${notes}`;
}

/**
 * One value per column, as a position in [0, 1] of the scale: the envelope-following pick of
 * plot/series-columns.ts, so an oscillating loss zig-zags over its full range instead of averaging to
 * a flat line. Non-finite values are not drawn (asciichart cannot: a NaN breaks the whole chart);
 * a column with none between two with values is bridged by a straight line; the series ends at its
 * last column with a finite value.
 */
function columnValues(
  series: readonly { step: number; value: number }[],
  scale: Scale,
  domain: StepDomain,
  width: number,
  same: (a: number, b: number) => boolean,
): number[] {
  const columns = computeColumns(series, width, { domain });
  const first = series.find((p) => Number.isFinite(p.value));
  if (first === undefined) return [];
  const picks = computeEnvelopePicks(
    columns.map((col) => (col.min === null || col.max === null ? null : { min: scale.position(col.min), max: scale.position(col.max) })),
    scale.position(first.value),
    same,
  );
  let last = picks.length - 1;
  while (last >= 0 && picks[last] === null) last -= 1;
  const out: number[] = [];
  for (let i = 0; i <= last; i += 1) {
    const v = picks[i];
    if (v !== null && v !== undefined) {
      out.push(v);
      continue;
    }
    const before = out.length > 0 ? out[out.length - 1]! : null;
    let j = i + 1;
    while (picks[j] === null) j += 1;
    const after = picks[j]!;
    out.push(before === null ? after : before + (after - before) / (j - i + 1));
  }
  return out;
}

/**
 * `└` under the axis, ticks at the first and last column and at a round step in between (5000 of
 * 0 → 9999: the column holding that step), and their steps under them (the header says x is the step).
 */
function renderXAxis(domain: StepDomain, width: number, labelWidth: number): string {
  const indent = ' '.repeat(labelWidth + 1);
  const ticks: { col: number; step: number }[] = [{ col: 0, step: domain.from }];
  const middle = roundStep((domain.from + domain.to) / 2);
  const middleCol = columnOf(middle, domain, width);
  if (middleCol !== null && middleCol > 0 && middleCol < width - 1) ticks.push({ col: middleCol, step: middle });
  if (width > 1) ticks.push({ col: width - 1, step: domain.to });
  const line = Array.from({ length: width }, (_, i) => (i === 0 ? '└' : ticks.some((t) => t.col === i) ? '┬' : '─')).join('');
  const labels = Array.from({ length: width }, () => ' ');
  let end = 0;
  ticks.forEach(({ col, step }, k) => {
    const label = String(step);
    // First left-aligned, last right-aligned, the middle one centred; one dropped rather than overlapping.
    const at = k === 0 ? 0 : k === ticks.length - 1 ? width - label.length : col - Math.floor(label.length / 2);
    if (k > 0 && at <= end) return;
    for (let i = 0; i < label.length && at + i < width; i += 1) labels[at + i] = label[i]!;
    end = at + label.length;
  });
  return `${indent}${line}\n${indent}${labels.join('').trimEnd()}\n`;
}

/** `x` to one significant digit: a step a person would pick for a tick (4999.5 → 5000, 1234 → 1000). */
function roundStep(x: number): number {
  if (x < 10) return Math.round(x);
  const unit = 10 ** Math.floor(Math.log10(x));
  return Math.round(x / unit) * unit;
}

/** Each series' color (or plain line), name and outcome, as many to a line as fit the width. */
function renderLegend(
  group: RunGroup,
  drawn: readonly PlotRun[],
  colors: readonly (string | undefined)[] | undefined,
  width: number,
  c: ChalkInstance,
): string {
  if (group.runs.length === 1) return '';
  const entries = drawn.map((run, i) => {
    const name = `${seriesName(run, group)} ${run.outcome}`;
    const mark = colors ? asciichart.colored('──', colors[i]) : '──';
    return { text: `── ${name}`, styled: `${mark} ${seriesName(run, group)} ${c.dim(run.outcome)}` };
  });
  if (!colors) entries.push({ text: '(no color: the series are drawn alike)', styled: c.dim('(no color: the series are drawn alike)') });
  const lines: string[] = [];
  let line = '';
  let length = 0;
  for (const e of entries) {
    if (length > 0 && length + 2 + e.text.length > width - 2) {
      lines.push(line);
      line = '';
      length = 0;
    }
    line += length > 0 ? `  ${e.styled}` : e.styled;
    length += (length > 0 ? 2 : 0) + e.text.length;
  }
  if (length > 0) lines.push(line);
  return lines.map((l) => `  ${l}\n`).join('');
}

/** Under the chart: where a run diverged, and the runs with nothing to draw and why. */
function renderNotes(group: RunGroup, loss: Loss): string {
  const lines: string[] = [];
  for (const run of group.runs) {
    const name = seriesName(run, group);
    if (run.divergence) {
      const at = run.points.find((p) => !Number.isFinite(p[loss]));
      const nonFinite = at ? `; ${loss} is ${String(at[loss])} from step ${at.step}, not drawn` : '';
      // The verdict's explanation says what crossed which limit ("diverged: |loss1| = 7.68e+13 > max_loss … at step 190").
      const what = run.explanation?.startsWith('diverged') ? run.explanation : `diverged at step ${run.divergence.step} (${run.divergence.reason})`;
      lines.push(`✕ ${name} ${what}${nonFinite}`);
    } else if (run.points.length === 0) {
      lines.push(
        `${name}: nothing to draw — ${run.stepsProblem ?? (run.outcome === 'missing' || run.outcome === 'unfinished' || run.outcome === 'corrupt' ? (run.explanation ?? run.outcome) : 'no steps.csv')}`,
      );
    } else {
      const at = run.points.find((p) => !Number.isFinite(p[loss]));
      if (at) lines.push(`✕ ${name}: ${loss} is ${String(at[loss])} at step ${at.step}, not drawn`);
    }
  }
  return lines.map((l) => `  ${l}\n`).join('');
}

/** `seeds 0, 1, 2` or `3 runs`. */
function describeSeeds(runs: readonly PlotRun[]): string {
  const seeds = runs.map((r) => r.seed);
  if (seeds.every((s): s is number => s !== null)) return `${seeds.length === 1 ? 'seed' : 'seeds'} ${seeds.join(', ')}`;
  return `${runs.length} runs`;
}
