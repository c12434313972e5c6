/**
 * `mo-train plot DIR`: the charts of a results directory as SVG and PNG files, by default in
 * DIR/plots/. Read → build the specs → render → write; it writes nowhere but the output directory,
 * each file atomically, so the results themselves are never touched.
 */
import { join } from 'node:path';
import { UserError } from '../../errors.js';
import { readBoundary } from '../../io/read-boundary.js';
import { readResults } from '../../io/read-results.js';
import { makeChartDir, writeChartFile } from '../../io/write-charts.js';
import { buildCharts } from '../../plot/chart-specs.js';
import { computePlotData } from '../../plot/plot-data.js';
import { chartFonts, PNG_SCALE, renderPng, renderSvg } from '../../plot/render.js';
import { AUTO_LOG_DECADES, type LossScaleChoice } from '../../plot/scales.js';
import { NUMBER_LIST_FORMS, parseNumberList } from '../../spec/parse-values.js';
import { renderResultsWarning } from '../render-results-warning.js';

export interface PlotOptions {
  out?: string;
  /** Run ids; each flag one id (ids contain commas), or several separated by ';'. */
  runs?: string[];
  alpha?: string;
  /** Force the loss axes logarithmic or linear; by default log for a loss spanning decades. */
  logY?: boolean;
  linearY?: boolean;
  format?: string;
}

export interface PlotOutput {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export const PLOT_FORMATS = ['svg', 'png'] as const;

/**
 * Points per run curve: a loss-curve panel is 300 px wide, 600 px in the PNG, so 600 points are one
 * per pixel there — finer would not show, and the SVG of 100 runs stays a few megabytes.
 */
export const PLOT_MAX_POINTS = 600;
type PlotFormat = (typeof PLOT_FORMATS)[number];

/** Returns the exit code: 0 written; 2 for bad input (not a results directory, unknown run, bad α or format) or an output that cannot be written. */
export async function plotCommand(
  dir: string,
  options: PlotOptions,
  output: PlotOutput = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) },
): Promise<number> {
  try {
    const formats = parseFormats(options.format);
    const lossScale = parseLossScale(options);
    const alpha = options.alpha === undefined ? undefined : parseAlphas(options.alpha);
    const runs = options.runs
      ?.flatMap((value) => value.split(';'))
      .map((id) => id.trim())
      .filter((id) => id !== '');
    const results = await readResults(dir);
    const { boundary, issue: boundaryIssue } = await readBoundary(dir);
    const data = await computePlotData(dir, results, { maxPoints: PLOT_MAX_POINTS, boundary, ...(runs ? { runs } : {}), ...(alpha ? { alpha } : {}) });
    output.err(renderResultsWarning(results, boundaryIssue));
    for (const run of data.runs) if (run.stepsProblem) output.err(`mo-train: ${run.stepsProblem}; ${run.id} has no loss curve\n`);
    if (formats.includes('png') && chartFonts().source === 'none') {
      output.err(
        'mo-train: no DejaVu Sans font found (apt-get install fonts-dejavu-core, or npm install dejavu-fonts-ttf); PNG text uses whatever fonts the system has\n',
      );
    }
    const outDir = options.out ?? join(dir, 'plots');
    makeChartDir(outDir);
    for (const chart of buildCharts(data, { lossScale })) {
      const svg = await renderSvg(chart.spec);
      if (formats.includes('svg')) output.out(`wrote ${writeChartFile(outDir, `${chart.id}.svg`, svg)}\n`);
      if (formats.includes('png')) output.out(`wrote ${writeChartFile(outDir, `${chart.id}.png`, renderPng(svg))} (${PNG_SCALE}× the SVG's size)\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof UserError) {
      output.err(`mo-train: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

function parseLossScale(options: PlotOptions): LossScaleChoice {
  if (options.logY && options.linearY) {
    throw new UserError(
      `--log-y and --linear-y contradict each other; pass one of them, or neither (log axes for a loss spanning more than ${AUTO_LOG_DECADES} decades)`,
    );
  }
  return options.logY ? 'log' : options.linearY ? 'linear' : 'auto';
}

function parseFormats(text: string | undefined): PlotFormat[] {
  if (text === undefined) return [...PLOT_FORMATS];
  const formats = text.split(',').map((f) => f.trim().toLowerCase());
  const bad = formats.filter((f) => !(PLOT_FORMATS as readonly string[]).includes(f));
  if (bad.length > 0 || formats.length === 0) throw new UserError(`--format: "${bad[0] ?? text}" is not a format; allowed: svg, png, or svg,png`);
  return [...new Set(formats)] as PlotFormat[];
}

function parseAlphas(text: string): number[] {
  const parsed = parseNumberList(text);
  if (!parsed.ok) throw new UserError(`--alpha: ${parsed.error}; allowed: ${NUMBER_LIST_FORMS}`);
  return parsed.values;
}
