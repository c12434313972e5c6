/**
 * `mo-train summarize DIR`: read the results directory, aggregate per α over seeds, print the
 * tables (or JSON), write summary.csv and by-alpha.csv next to sweep.json. The per-run table has a
 * sparkline of each run's loss1 and loss2; `--plot` adds text charts of the loss curves; a boundary
 * search's directory gets its brackets after the tables (as `mo-train boundary` printed them).
 */
import { UserError } from '../../errors.js';
import { readBoundary } from '../../io/read-boundary.js';
import { readResults } from '../../io/read-results.js';
import { computePlotData, DEFAULT_MAX_POINTS, type PlotData } from '../../plot/plot-data.js';
import { NUMBER_LIST_FORMS, parseNumberList } from '../../spec/parse-values.js';
import { curvesById, printSummary, processOutput, readCurves, type SummarizeOutput } from '../print-summary.js';
import { renderBoundary } from '../render-boundary.js';
import { renderResultsWarning } from '../render-results-warning.js';

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
 * Returns the exit code: 0 when it could summarize — failed, missing or corrupt runs are results
 * it reports, not errors — and 2 when DIR is not a results directory, the CSVs cannot be written,
 * or --plot/--runs/--alpha are misused (then before anything is printed or written).
 */
export async function summarizeCommand(dir: string, options: SummarizeOptions, output: SummarizeOutput = processOutput()): Promise<number> {
  try {
    const alpha = parseAlphaFilter(options);
    const runs = options.runs
      ?.flatMap((value) => value.split(';'))
      .map((id) => id.trim())
      .filter((id) => id !== '');
    const results = await readResults(dir);
    // Loaded before anything is printed or written, so a bad --runs/--alpha is a usage error alone.
    let charts: PlotData | null = null;
    const chartWidth = output.render.width ?? 80;
    if (options.plot) {
      const filters = { ...(runs ? { runs } : {}), ...(alpha ? { alpha } : {}) };
      // Enough rows for two or more downsampling buckets per column of the chart.
      charts = await computePlotData(dir, results, { ...filters, maxPoints: Math.max(DEFAULT_MAX_POINTS, 14 * chartWidth) });
    }
    // A boundary search's directory: its brackets after the tables (boundary.json itself is the JSON form).
    const boundary = await readBoundary(dir);
    output.err(renderResultsWarning(results, boundary.issue));
    const unfiltered = runs === undefined && alpha === undefined;
    const curves = options.json ? undefined : charts && unfiltered ? curvesById(charts.runs) : await readCurves(results.runs);
    const code = printSummary(dir, results, options, output, curves);
    if (boundary.boundary && !options.json) output.out(`\n${renderBoundary(boundary.boundary, output.render.width)}`);
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
  const filters = [options.runs !== undefined && options.runs.length > 0 ? '--runs' : null, options.alpha !== undefined ? '--alpha' : null].filter(
    (f) => f !== null,
  );
  if (filters.length > 0 && !options.plot)
    throw new UserError(`${filters.join(' and ')} ${filters.length === 1 ? 'chooses' : 'choose'} the runs --plot draws; add --plot`);
  if (options.alpha === undefined) return undefined;
  const parsed = parseNumberList(options.alpha);
  if (!parsed.ok) throw new UserError(`--alpha: ${parsed.error} (allowed: ${NUMBER_LIST_FORMS})`);
  return parsed.values;
}

/** asciichart is only loaded when charts are drawn. */
async function renderCharts(data: PlotData, color: boolean, width: number): Promise<string> {
  const { renderLossCharts, CHART_HEIGHT } = await import('../render-loss-charts.js');
  return renderLossCharts(data, { color, width, height: CHART_HEIGHT });
}
