/**
 * The summary tables of a results directory, printed, with summary.csv and by-alpha.csv written
 * beside sweep.json: the output of `summarize`, and the end of `run` and `sweep`.
 */
import chalk from 'chalk';
import { UserError } from '../errors.js';
import { readResults, type ResultsSet } from '../io/read-results.js';
import { runDirOf } from '../results/layout.js';
import { SWEEP_FORMAT_VERSION } from '../results/sweep-file.js';
import { writeSummaryTables, type WrittenTables } from '../io/write-tables.js';
import { loadPlotRuns, type PlotRun } from '../plot/plot-data.js';
import { computeAggregates } from '../summary/aggregate.js';
import type { RunRecord } from '../summary/run-record.js';
import type { RunSummary } from '../results/summary-file.js';
import { computeGroupTable, computeRunTable } from '../summary/tables.js';
import { renderResultsWarning } from './render-results-warning.js';
import { renderSummary, renderSummaryJson, type RenderOptions, type RunCurves } from './render-summary.js';

/** Where the summary goes, so tests can capture it; defaults to the process's streams. */
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
 * Rows of steps.csv kept per run for its sparklines: the downsampler keeps up to 7 rows per bucket
 * (first, last, each loss's min and max, a non-finite one), so 400 rows are ~56 buckets, two or
 * more per cell of a 24-cell sparkline. Reading steps.csv costs the same whatever this is; it only
 * bounds memory on a 1000-run sweep (400 points × 1000 runs).
 */
const SPARKLINE_MAX_POINTS = 400;

/**
 * A results directory read back from disk and summarized as `summarize DIR` does it: the end of an
 * interrupted sweep, whose unfinished and not-started runs are listed as such. Returns the exit
 * code as `summarize` would.
 */
export async function printResultsDirSummary(dir: string, output: SummarizeOutput = processOutput()): Promise<number> {
  try {
    const results = await readResults(dir);
    output.err(renderResultsWarning(results));
    return printSummary(dir, results, {}, output, await readCurves(results.runs));
  } catch (err) {
    if (err instanceof UserError) {
      output.err(`mo-train: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

/**
 * The end of `run` and `sweep`: the same tables from the summaries the runs just returned, without
 * reading every run back from disk (`summarize DIR` does that, with its cross-checks).
 */
export function summarizeFinishedSweep(dir: string, name: string, summaries: readonly RunSummary[]): number {
  return printSummary(dir, resultsFromSummaries(dir, name, summaries), {}, processOutput());
}

/** Summaries a command just got back from its runs, as a results set read from disk would hold them. */
export function resultsFromSummaries(dir: string, name: string, summaries: readonly RunSummary[]): ResultsSet {
  return {
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
}

/** Returns the exit code: 0, or 2 when the CSVs could not be written (the printed summary is complete either way). */
export function printSummary(dir: string, results: ResultsSet, options: { readonly json?: boolean }, output: SummarizeOutput, curves?: RunCurves): number {
  const aggregates = computeAggregates(results.runs);
  const { files, writeError } = writeTablesOf(dir, results, aggregates);

  if (options.json) {
    output.out(renderSummaryJson(results, aggregates, files));
  } else {
    output.out(renderSummary(results, aggregates, output.render, curves));
    if (files) output.out(`\nwrote ${files.summaryCsv} and ${files.byAlphaCsv}\n`);
  }
  if (writeError) {
    output.err(`mo-train: ${writeError}; the printed summary is complete\n`);
    return 2;
  }
  return 0;
}

/**
 * Every run's loss curves for its sparklines, over the records already read (loadPlotData would
 * read the whole directory a second time). A run whose steps.csv is absent or unreadable gets no
 * points, and its cells show "-"; the summary never fails for one.
 */
export async function readCurves(runs: readonly RunRecord[]): Promise<RunCurves> {
  return curvesById(await loadPlotRuns(runs, SPARKLINE_MAX_POINTS));
}

export function curvesById(runs: readonly PlotRun[]): RunCurves {
  return new Map(runs.map((run) => [run.id, run]));
}

/**
 * summary.csv and by-alpha.csv of `results` beside sweep.json; what went wrong (one line, no
 * prefix) instead of an exception: the tables are a by-product, never worth losing the rest for.
 */
export function writeTablesOf(
  dir: string,
  results: ResultsSet,
  aggregates = computeAggregates(results.runs),
): { readonly files: WrittenTables | null; readonly writeError: string | null } {
  try {
    return { files: writeSummaryTables(dir, computeRunTable(results.runs, aggregates.axis_keys), computeGroupTable(aggregates)), writeError: null };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { files: null, writeError: `cannot write summary.csv / by-alpha.csv in ${dir} (${e.code ?? e.message})` };
  }
}
