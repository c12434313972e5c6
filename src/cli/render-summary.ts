/**
 * What `mo-train summarize` prints: a per-run table, a per-α table and notes, or one JSON
 * document. Every function returns a string; printing is the command's job.
 */
import { sep } from 'node:path';
import chalk, { Chalk, type ChalkInstance } from 'chalk';
import { stringifyJson } from '../results/json.js';
import type { ResultsSet } from '../io/read-results.js';
import type { WrittenTables } from '../io/write-tables.js';
import type { PlotRun } from '../plot/plot-data.js';
import { OUTCOMES, type Aggregates, type Outcome, type Spread } from '../summary/aggregate.js';
import { renderFailure, renderFailureAdvice } from '../summary/failure.js';
import { isSummarized, type RunRecord } from '../summary/run-record.js';
import { computeShortTexts } from '../summary/short-values.js';
import { fmt } from '../summary/verdict.js';
import { NON_FINITE_MARK, renderSparkline } from './sparkline.js';

export interface RenderOptions {
  /** Color the verdicts; off when stdout is not a terminal or NO_COLOR is set. */
  readonly color: boolean;
  /** Terminal width the explanation column is cut to; null (not a terminal) prints it whole. */
  readonly width: number | null;
}

/** A run's loss curves (downsampled steps.csv) and where it diverged, for its sparklines. */
export type RunCurve = Pick<PlotRun, 'points' | 'divergence'>;
/** By run id. */
export type RunCurves = ReadonlyMap<string, RunCurve>;

/** The explanation column keeps at least this many characters, even on a narrow terminal. */
const MIN_EXPLANATION = 20;
const GAP = '  ';

/** With `curves`, the per-run table has a sparkline of loss1 and of loss2 beside each verdict. */
export function renderSummary(results: ResultsSet, aggregates: Aggregates, options: RenderOptions, curves?: RunCurves): string {
  const c = chalkFor(options);
  const parts = [
    renderHeadline(results, c),
    renderRunTable(results.runs, options, curves),
    renderGroupTable(aggregates, options),
    renderNotes(results, options),
  ];
  return parts.filter((p) => p !== '').join('\n');
}

function renderHeadline(results: ResultsSet, c: ChalkInstance): string {
  const byState = new Map<string, number>();
  for (const run of results.runs) byState.set(run.state, (byState.get(run.state) ?? 0) + 1);
  const states = [...byState].map(([s, n]) => `${n} ${s}`).join(', ');
  const name = results.sweep?.name ? ` (sweep ${results.sweep.name})` : '';
  const total = results.runs.length;
  return `${c.bold(results.dir)}${name}: ${total} ${total === 1 ? 'run' : 'runs'}${states ? ` — ${states}` : ''}\n`;
}

export function renderRunTable(runs: readonly RunRecord[], options: RenderOptions, curves?: RunCurves): string {
  if (runs.length === 0) return '';
  const c = chalkFor(options);
  const outcomes = runs.map((run): Outcome | RunRecord['state'] => (!isSummarized(run) ? run.state : run.state === 'failed' ? 'failed' : run.summary.verdict));
  const rows = runs.map((run, i): Cell[] => {
    const outcome = outcomes[i]!;
    if (!isSummarized(run)) {
      return [{ text: run.id }, { text: run.state, style: outcomeStyle(outcome, c) }, DASH, DASH, DASH, DASH, { text: shortProblem(run) }];
    }
    const s = run.summary;
    const steps = s.steps_run < s.steps_requested ? `${s.steps_run}/${s.steps_requested}` : String(s.steps_run);
    return [
      { text: run.id },
      { text: outcome, style: outcomeStyle(outcome, c) },
      numberCell(s.final?.loss1),
      numberCell(s.final?.loss2),
      numberCell(s.min_loss1?.value),
      { text: steps },
      { text: run.state === 'failed' ? renderFailure(run) : s.explanation },
    ];
  });
  const columns: Column[] = [
    { header: 'run' },
    { header: 'verdict' },
    { header: 'final loss1', right: true },
    { header: 'final loss2', right: true },
    { header: 'min loss1', right: true },
    { header: 'steps', right: true },
    { header: 'explanation', fit: true },
  ];
  if (!curves) return renderTable(columns, rows, options);

  // Beside the verdict, colored like it: the run's shape and its verdict read together.
  const width = sparklineWidth(options.width, columns, rows);
  const withSparks = rows.map((row, i) => {
    const style = outcomeStyle(outcomes[i]!, c);
    const sparks = renderRunSparklines(runs[i]!, curves.get(runs[i]!.id), width).map((text): Cell => (text === null ? DASH : { text, style }));
    return [...row.slice(0, 2), ...sparks, ...row.slice(2)];
  });
  const table = renderTable([...columns.slice(0, 2), { header: 'loss1' }, { header: 'loss2' }, ...columns.slice(2)], withSparks, options);
  const legend = `loss1, loss2: each run's losses over its requested steps, each on its own scale (log when it spans decades); ${NON_FINITE_MARK} non-finite or diverged`;
  return `${table}${c.dim(legend)}\n`;
}

/** Sparkline cells: at most 24, at least 8; 16 off a terminal. */
const SPARK_MAX = 24;
const SPARK_MIN = 8;
const SPARK_DEFAULT = 16;

/**
 * As wide as the terminal leaves room for beside the other columns and MIN_EXPLANATION characters
 * of explanation, between SPARK_MIN and SPARK_MAX cells. Below SPARK_MIN the lines wrap, as the
 * table's do anyway on a terminal too narrow for its numbers.
 */
function sparklineWidth(terminalWidth: number | null, columns: readonly Column[], rows: readonly (readonly Cell[])[]): number {
  if (terminalWidth === null) return SPARK_DEFAULT;
  const used = columns.reduce((sum, col, i) => (col.fit ? sum : sum + Math.max(col.header.length, ...rows.map((r) => r[i]?.text.length ?? 0)) + GAP.length), 0);
  const room = Math.floor((terminalWidth - used - MIN_EXPLANATION) / 2) - GAP.length;
  return Math.min(SPARK_MAX, Math.max(SPARK_MIN, room));
}

/**
 * The loss1 and loss2 sparklines of a run, null where there is nothing to draw (no steps.csv,
 * unreadable, no rows). They span the steps the run was asked for, so a run that stopped early
 * (diverged) ends in blank cells, with ✕ at its divergence step.
 */
function renderRunSparklines(run: RunRecord, curve: RunCurve | undefined, width: number): [string | null, string | null] {
  if (!curve || curve.points.length === 0) return [null, null];
  const points = curve.points;
  const lastStep = points[points.length - 1]!.step;
  const requested = run.summary ? run.summary.steps_requested - 1 : lastStep;
  const domain = { from: points[0]!.step, to: Math.max(requested, lastStep) };
  const markStep = curve.divergence?.step ?? null;
  const line = (loss: 'loss1' | 'loss2') =>
    renderSparkline(
      points.map((p) => ({ step: p.step, value: p[loss] })),
      { width, domain, markStep },
    );
  return [line('loss1'), line('loss2')];
}

export function renderGroupTable(aggregates: Aggregates, options: RenderOptions): string {
  if (aggregates.groups.length === 0) return '';
  const c = chalkFor(options);
  const keys = ['alpha', ...aggregates.axis_keys];
  const hasConflict = aggregates.groups.some((g) => g.conflict !== null);
  const hasFailed = aggregates.groups.some((g) => g.counts.failed > 0);
  // The weight column only says something when a combiner chose its own (with fixed it is α).
  const hasWeight = aggregates.groups.some((g) => g.weight !== null && (g.weight.min !== g.coords['alpha'] || g.weight.max !== g.coords['alpha']));
  // Short, as a person reads them (3.162e-4); the run ids and the CSVs keep them exact.
  const short = keys.map((k) => computeShortTexts(aggregates.groups.map((g) => g.coords[k])));
  const rows = aggregates.groups.map((g): Cell[] => [
    ...keys.map((k, i) => ({ text: short[i]!(g.coords[k]), right: true })),
    { text: String(g.runs) },
    renderCounts(g.counts, c),
    spreadCell(g.loss1, g.runs),
    spreadCell(g.loss2, g.runs),
    ...(hasConflict ? [g.conflict ? { text: `${Math.round(g.conflict.median * 100)}%`, right: true } : DASH] : []),
    ...(hasWeight ? [spreadCell(g.weight, g.runs)] : []),
  ]);
  const table = renderTable(
    [
      ...keys.map((k) => ({ header: k === 'alpha' ? 'α' : k, right: true })),
      { header: 'runs', right: true },
      { header: 'verdicts' },
      { header: 'loss1 median [min – max]' },
      { header: 'loss2 median [min – max]' },
      ...(hasConflict ? [{ header: 'conflict', right: true }] : []),
      ...(hasWeight ? [{ header: 'weight given loss2' }] : []),
    ],
    rows,
    options,
  );
  const notes = [
    'loss columns: the final logged loss over the runs that finished without diverging; diverged, failed, missing, unfinished and corrupt runs are left out.',
    ...(hasFailed ? ['failed: the run stopped with an error (see the notes), which says nothing about α.'] : []),
    ...(hasConflict ? ['conflict: median share of steps where ∇loss1 and ∇loss2 pointed against each other (cos12 < 0).'] : []),
    ...(hasWeight ? ["weight given loss2: each run's median over its steps (the α fixed would need; λ for constraint)."] : []),
  ];
  return `${table}${notes.map((n) => `${c.dim(n)}\n`).join('')}`;
}

/** e.g. `3 converged, 1 drifting`, each colored like its verdict. */
function renderCounts(counts: Readonly<Record<Outcome, number>>, c: ChalkInstance): Cell {
  const parts = OUTCOMES.filter((o) => counts[o] > 0).map((o) => ({ text: `${counts[o]} ${o}`, style: outcomeStyle(o, c) }));
  const text = parts.map((p) => p.text).join(', ');
  return { text, style: () => parts.map((p) => p.style(p.text)).join(', ') };
}

function spreadCell(s: Spread | null, runs: number): Cell {
  if (!s) return DASH;
  const range = s.n === 1 ? fmt(s.median) : `${fmt(s.median)} [${fmt(s.min)} – ${fmt(s.max)}]`;
  return { text: s.n < runs ? `${range} (${s.n} of ${runs})` : range };
}

/** Runs that need a person's attention, and the directory-level notes. Never truncated: paths matter. */
export function renderNotes(results: ResultsSet, options: RenderOptions): string {
  const c = chalkFor(options);
  const lines: string[] = [...results.notes];
  for (const run of results.runs) if (!isSummarized(run)) lines.push(`${run.state}: ${run.problem}`);
  const failed = results.runs.filter((r) => r.state === 'failed');
  for (const run of results.runs) {
    if (!isSummarized(run)) continue;
    if (run.state === 'failed') lines.push(`run ${run.id} ${renderFailure(run)}`);
    for (const loss of run.summary.no_gradient) lines.push(`${loss} has no gradient in run ${run.id}: it was never optimized`);
    for (const warning of run.summary.warnings) lines.push(`run ${run.id}: ${warning}`);
  }
  if (failed.length > 0) lines.push(renderFailureAdvice(failed.length, results.dir));
  if (lines.length === 0) return '';
  return `${c.bold('notes')}\n${lines.map((l) => `  - ${l}\n`).join('')}`;
}

/** One JSON document for scripts: every run with its state and summary, the groups, the notes. */
export function renderSummaryJson(results: ResultsSet, aggregates: Aggregates, files: WrittenTables | null): string {
  return stringifyJson({
    format_version: 1,
    dir: results.dir,
    sweep: results.sweep,
    axis_keys: aggregates.axis_keys,
    runs: results.runs.map((r) => ({ id: r.id, path: r.path, state: r.state, coords: r.coords, rows: r.rows, problem: r.problem, summary: r.summary })),
    groups: aggregates.groups,
    notes: results.notes,
    files: files ? { summary_csv: files.summaryCsv, by_alpha_csv: files.byAlphaCsv } : null,
  });
}

// ---------------------------------------------------------------------------------------------

interface Cell {
  readonly text: string;
  /** Applied to the text only, after its width is measured, so color codes never skew the columns. */
  readonly style?: (text: string) => string;
  readonly right?: boolean;
}

interface Column {
  readonly header: string;
  readonly right?: boolean;
  /** The last column: cut to what is left of the terminal width. */
  readonly fit?: boolean;
}

const DASH: Cell = { text: '-' };

function renderTable(columns: readonly Column[], rows: readonly (readonly Cell[])[], options: RenderOptions): string {
  const c = chalkFor(options);
  const widths = columns.map((col, i) => Math.max(col.header.length, ...rows.map((r) => r[i]?.text.length ?? 0)));
  const fitIndex = columns.findIndex((col) => col.fit);
  let cells = rows;
  if (fitIndex >= 0 && options.width !== null) {
    const used = widths.reduce((sum, w, i) => (i === fitIndex ? sum : sum + w + GAP.length), 0);
    const room = Math.max(MIN_EXPLANATION, options.width - used);
    cells = rows.map((r) => r.map((cell, i) => (i === fitIndex ? { ...cell, text: truncate(cell.text, room) } : cell)));
    widths[fitIndex] = Math.min(widths[fitIndex]!, room);
  }
  const line = (texts: readonly Cell[], head: boolean): string =>
    texts
      .map((cell, i) => {
        const col = columns[i]!;
        const last = i === texts.length - 1;
        const pad = ' '.repeat(Math.max(0, widths[i]! - cell.text.length));
        const body = head ? c.bold(cell.text) : (cell.style ?? identity)(cell.text);
        if (cell.right ?? col.right) return pad + body;
        return last ? body : body + pad;
      })
      .join(GAP)
      .trimEnd();
  const header = line(
    columns.map((col) => ({ text: col.header, right: col.right })),
    true,
  );
  return `${header}\n${cells.map((r) => `${line(r, false)}\n`).join('')}`;
}

function truncate(text: string, room: number): string {
  return text.length <= room ? text : `${text.slice(0, room - 1)}…`;
}

function numberCell(x: number | undefined): Cell {
  return x === undefined ? DASH : { text: fmt(x), right: true };
}

/** The problem without the run's own path in front: the table row already names the run. */
function shortProblem(run: RunRecord): string {
  const p = run.problem ?? '';
  if (p.startsWith(`${run.path}${sep}`)) return p.slice(run.path.length + 1);
  if (p.startsWith(`${run.path}: `)) return p.slice(run.path.length + 2);
  return p;
}

function outcomeStyle(o: Outcome | RunRecord['state'], c: ChalkInstance): (text: string) => string {
  switch (o) {
    case 'converged':
      return c.green;
    case 'drifting':
      return c.yellow;
    case 'oscillating':
      return c.magenta;
    case 'diverged':
      return c.red;
    case 'failed':
      return c.red.bold;
    case 'corrupt':
      return c.red.underline;
    case 'missing':
    case 'unfinished':
    case 'finished':
      return c.dim;
  }
}

function identity(text: string): string {
  return text;
}

function chalkFor(options: RenderOptions): ChalkInstance {
  return new Chalk({ level: options.color ? chalk.level || 1 : 0 });
}
