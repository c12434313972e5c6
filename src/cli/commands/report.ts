/**
 * `mo-train report DIR [--out FILE]`: one self-contained report.html of a results directory —
 * the reading, interactive charts, the stability tables, the settings. Read → compute → write.
 */
import { dirname, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../../errors.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { readBoundary } from '../../io/read-boundary.js';
import { readResults, readRunConfigDocument } from '../../io/read-results.js';
import { readVegaBundles } from '../../io/read-vega-bundles.js';
import { MIN_MAX_POINTS } from '../../plot/downsample.js';
import { computePlotData } from '../../plot/plot-data.js';
import { buildReportCharts } from '../../report/report-charts.js';
import { renderReport } from '../../report/render-report.js';
import { renderResultsWarning } from '../render-results-warning.js';

export interface ReportOptions {
  out?: string;
}

export interface ReportOutput {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/**
 * Points drawn in the loss curves, over all runs: about 50,000 keep a browser responsive (for 100
 * runs, ~3 s to draw them, then hovers answer in tens of milliseconds). Each run gets its share,
 * at most 1,000 (two points per pixel of a curve) and at least the downsampler's minimum; the
 * downsampler keeps each bucket's extremes, so a swing of a 10,000-step run still shows at 500.
 */
const POINT_BUDGET = 50_000;
const MAX_POINTS_PER_RUN = 1000;

function computeMaxPoints(runs: number): number {
  return Math.min(MAX_POINTS_PER_RUN, Math.max(MIN_MAX_POINTS, Math.floor(POINT_BUDGET / Math.max(1, runs))));
}

/** Returns the exit code: 0 written, 2 when DIR is not a results directory or the file cannot be written. */
export async function reportCommand(
  dir: string,
  options: ReportOptions,
  output: ReportOutput = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) },
): Promise<number> {
  const outFile = options.out ?? join(dir, 'report.html');
  let page: string;
  let warning: string;
  try {
    const results = await readResults(dir);
    const boundary = await readBoundary(dir);
    warning = renderResultsWarning(results, boundary.issue);
    const plot = await computePlotData(dir, results, { maxPoints: computeMaxPoints(results.runs.length), boundary: boundary.boundary });
    const firstRun = results.runs.find((r) => r.state !== 'missing');
    page = renderReport({
      results,
      name: plot.name,
      sweepDocument: results.sweepDocument,
      runConfig: firstRun ? await readRunConfigDocument(firstRun.path) : null,
      charts: buildReportCharts(plot),
      bundles: readVegaBundles(),
      resultsHref: hrefFrom(dirname(resolve(outFile)), resolve(dir)),
      boundary,
    });
  } catch (err) {
    if (err instanceof UserError) {
      output.err(`mo-train: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  try {
    writeFileAtomic(outFile, page);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    output.err(`mo-train: cannot write ${outFile} (${e.code ?? e.message})\n`);
    return 2;
  }
  output.err(warning);
  output.out(`${outFile}\n`);
  return 0;
}

/** `to` as a URL relative to `from`: '' when they are the same directory, else ending in '/'. */
function hrefFrom(from: string, to: string): string {
  const rel = relative(from, to);
  return rel === '' ? '' : `${rel.split(sep).map(encodeURIComponent).join('/')}/`;
}
