/**
 * `mo-train summarize DIR`: read the results directory, aggregate per α over seeds, print the
 * tables (or JSON), write summary.csv and by-alpha.csv next to sweep.json.
 */
import chalk from 'chalk';
import { UserError } from '../../errors.js';
import { readResults, type ResultsSet } from '../../io/read-results.js';
import { runDirOf } from '../../io/run-files.js';
import { SWEEP_FORMAT_VERSION } from '../../io/sweep-files.js';
import type { RunSummary } from '../../summary/run-summary.js';
import { writeSummaryTables, type WrittenTables } from '../../io/write-tables.js';
import { computeAggregates } from '../../summary/aggregate.js';
import { computeGroupTable, computeRunTable } from '../../summary/tables.js';
import { renderSummary, renderSummaryJson, type RenderOptions } from '../render-summary.js';

export interface SummarizeOptions {
  json?: boolean;
}

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
 * it reports, not errors — and 2 when DIR is not a results directory or the CSVs cannot be written.
 */
export async function summarizeCommand(dir: string, options: SummarizeOptions, output: SummarizeOutput = processOutput()): Promise<number> {
  let results;
  try {
    results = await readResults(dir);
  } catch (err) {
    if (err instanceof UserError) {
      output.err(`mo-train: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  return printSummary(dir, results, options, output);
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
  };
  return printSummary(dir, results, {}, processOutput());
}

function printSummary(dir: string, results: ResultsSet, options: SummarizeOptions, output: SummarizeOutput): number {
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
    output.out(renderSummary(results, aggregates, output.render));
    if (files) output.out(`\nwrote ${files.summaryCsv} and ${files.byAlphaCsv}\n`);
  }
  if (writeError) {
    output.err(writeError);
    return 2;
  }
  return 0;
}
