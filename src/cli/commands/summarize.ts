/**
 * `mo-train summarize DIR`: read the results directory, aggregate per α over seeds, print the
 * tables (or JSON), write summary.csv and by-alpha.csv next to sweep.json. The per-run table has a
 * sparkline of each run's loss1 and loss2; `--plot` adds text charts of the loss curves.
 */
import chalk from 'chalk';
import { UserError } from '../../errors.js';
import { readResults, type ResultsSet } from '../../io/read-results.js';
import { computePlotData, DEFAULT_MAX_POINTS, loadPlotRuns, type PlotData, type PlotRun } from '../../plot/plot-data.js';
import { NUMBER_LIST_FORMS, parseNumberList } from '../../spec/parse-values.js';
import { runDirOf } from '../../results/layout.js';
import { SWEEP_FORMAT_VERSION } from '../../results/sweep-file.js';
import type { RunRecord } from '../../summary/run-record.js';
import type { RunSummary } from '../../results/summary-file.js';
import { writeSummaryTables, type WrittenTables } from '../../io/write-tables.js';
import { computeAggregates } from '../../summary/aggregate.js';
import { computeGroupTable, computeRunTable } from '../../summary/tables.js';
import { renderResultsWarning } from '../render-results-warning.js';
import { renderSummary, renderSummaryJson, type RenderOptions, type RunCurves } from '../render-summary.js';

export interface SummarizeOptions {
  json?: boolean;
  /** Text charts of the loss curves after the tables. */
  plot?: boolean;
  /** With plot: chart only these run ids; each flag one id (ids contain commas), or several separated by ';', as for `plot`. */
  runs?: string[];
  /** With plot: chart only the runs with these α (a value list: `0,0.1`, `logspace(…)`). */
  alpha?: string;
}

/**
 * Rows of steps.csv kept per run for its sparklines: the downsampler keeps up to 7 rows per bucket
 * (first, last, each loss's min and max, a non-finite one), so 400 rows are ~56 buckets, two or
 * more per cell of a 24-cell sparkline. Reading steps.csv costs the same whatever this is; it only
 * bounds memory on a 1000-run sweep (400 points × 1000 runs).
 */
export const SPARKLINE_MAX_POINTS = 400;

/** Where the command writes, so tests can capture it; defaults to the process's streams. */
export interface SummarizeOutput {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly render: RenderOptions;
}

export function processOutput(): SummarizeOutput {
  const tty = process.stdout.isTTY === true;
  // chalk already looks at the TTY, FORCE_COLOR and --no-color; NO_COLOR (no-color.org) it does not.
  const noColor = (process.env.NO_COLOR ?? '') !== '';
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    render: { color: chalk.level > 0 && !noColor, width: tty ? (process.stdout.columns ?? 80) : null },
  };
}

/**
 * Returns the exit code: 0 when it could summarize — failed, missing or corrupt runs are results
 * it reports, not errors — and 2 when DIR is not a results directory, the CSVs cannot be written,
 * or --plot/--runs/--alpha are misused (then before anything is printed or written).
 */
export async function summarizeCommand(dir: string, options: SummarizeOptions, output: SummarizeOutput = processOutput()): Promise<number> {
  try {
    const alpha = parseAlphaFilter(options);
    const runs = options.runs?.flatMap((value) => value.split(';')).map((id) => id.trim()).filter((id) => id !== '');
    const results = await readResults(dir);
    // Loaded before anything is printed or written, so a bad --runs/--alpha is a usage error alone.
    let charts: PlotData | null = null;
    const chartWidth = output.render.width ?? 80;
    if (options.plot) {
      const filters = { ...(runs ? { runs } : {}), ...(alpha ? { alpha } : {}) };
      // Enough rows for two or more downsampling buckets per column of the chart.
      charts = await computePlotData(dir, results, { ...filters, maxPoints: Math.max(DEFAULT_MAX_POINTS, 14 * chartWidth) });
    }
    output.err(renderResultsWarning(results));
    const unfiltered = runs === undefined && alpha === undefined;
    const curves = options.json ? undefined : charts && unfiltered ? curvesById(charts.runs) : await readCurves(results.runs);
    const code = printSummary(dir, results, options, output, curves);
    if (charts) output.out(`\n${await renderCharts(charts, output.render.color, chartWidth)}`);
    return code;
  } catch (err) {
    if (err instanceof UserError) {
      output.err(`mo-train: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

/** --alpha as numbers; UserError for a bad list, or for filters without --plot or --plot with --json. */
function parseAlphaFilter(options: SummarizeOptions): number[] | undefined {
  if (options.plot && options.json) throw new UserError('--plot draws charts for a person at a terminal; it does not go with --json (leave one out)');
  const filters = [options.runs !== undefined && options.runs.length > 0 ? '--runs' : null, options.alpha !== undefined ? '--alpha' : null].filter((f) => f !== null);
  if (filters.length > 0 && !options.plot) throw new UserError(`${filters.join(' and ')} ${filters.length === 1 ? 'chooses' : 'choose'} the runs --plot draws; add --plot`);
  if (options.alpha === undefined) return undefined;
  const parsed = parseNumberList(options.alpha);
  if (!parsed.ok) throw new UserError(`--alpha: ${parsed.error} (allowed: ${NUMBER_LIST_FORMS})`);
  return parsed.values;
}

/**
 * Every run's loss curves for its sparklines, over the records already read (loadPlotData would
 * read the whole directory a second time). A run whose steps.csv is absent or unreadable gets no
 * points, and its cells show "-"; the summary never fails for one.
 */
async function readCurves(runs: readonly RunRecord[]): Promise<RunCurves> {
  return curvesById(await loadPlotRuns(runs, SPARKLINE_MAX_POINTS));
}

function curvesById(runs: readonly PlotRun[]): RunCurves {
  return new Map(runs.map((run) => [run.id, run]));
}

/** asciichart is only loaded when charts are drawn. */
async function renderCharts(data: PlotData, color: boolean, width: number): Promise<string> {
  const { renderLossCharts, CHART_HEIGHT } = await import('../render-loss-charts.js');
  return renderLossCharts(data, { color, width, height: CHART_HEIGHT });
}

/**
 * The end of `run` and `sweep`: the same tables from the summaries the runs just returned, without
 * reading every run back from disk (`summarize DIR` does that, with its cross-checks).
 */
export function summarizeFinishedSweep(dir: string, name: string, summaries: readonly RunSummary[]): number {
  const results: ResultsSet = {
    dir,
    sweep: { format_version: SWEEP_FORMAT_VERSION, name },
    runs: summaries.map((summary) => ({
      id: summary.id,
      path: runDirOf(dir, summary.id),
      state: summary.status,
      coords: summary.coords,
      summary,
      rows: summary.rows_logged,
      problem: null,
    })),
    notes: [],
    sweepIssue: null,
    sweepDocument: null,
  };
  return printSummary(dir, results, {}, processOutput());
}

function printSummary(dir: string, results: ResultsSet, options: SummarizeOptions, output: SummarizeOutput, curves?: RunCurves): number {
  const aggregates = computeAggregates(results.runs);

  let files: WrittenTables | null = null;
  let writeError: string | null = null;
  try {
    files = writeSummaryTables(dir, computeRunTable(results.runs, aggregates.axis_keys), computeGroupTable(aggregates));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    writeError = `mo-train: cannot write summary.csv / by-alpha.csv in ${dir} (${e.code ?? e.message}); the printed summary is complete\n`;
  }

  if (options.json) {
    output.out(renderSummaryJson(results, aggregates, files));
  } else {
    output.out(renderSummary(results, aggregates, output.render, curves));
    if (files) output.out(`\nwrote ${files.summaryCsv} and ${files.byAlphaCsv}\n`);
  }
  if (writeError) {
    output.err(writeError);
    return 2;
  }
  return 0;
}
