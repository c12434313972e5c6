/**
 * What every chart of a results directory is drawn from: each run's place on the grid, its outcome,
 * its final losses and its loss curves downsampled for plotting. Shared by `plot`, `report` and the
 * terminal sparklines of `summarize`.
 */
import { basename, join } from 'node:path';
import { UserError } from '../errors.js';
import { readResults, type ResultsSet } from '../io/read-results.js';
import type { BoundaryFile } from '../results/boundary-file.js';
import { runFiles, RUNS_DIR } from '../results/layout.js';
import { streamStepsRows } from '../io/stream-steps.js';
import { outcomeOf } from '../summary/aggregate.js';
import type { RunRecord } from '../summary/run-record.js';
import { Downsampler, type PlotPoint } from './downsample.js';

export interface PlotRun {
  /** The run id, e.g. "alpha=0.1,seed=2". */
  readonly id: string;
  readonly alpha: number | null;
  readonly seed: number | null;
  /** The run's sweep coordinates: alpha, seed and every other swept key. */
  readonly coords: Readonly<Record<string, string | number | boolean>>;
  /** Its verdict (converged | oscillating | drifting | diverged | failed), or missing | unfinished | corrupt (outcomeOf). */
  readonly outcome: string;
  /** The verdict's explanation, or for a run without a summary what is wrong with it. */
  readonly explanation: string | null;
  /** The last logged losses, from summary.json. */
  readonly final: { readonly loss1: number; readonly loss2: number } | null;
  readonly divergence: { readonly step: number; readonly reason: string } | null;
  /** steps.csv downsampled to at most maxPoints rows (non-finite values kept as they are); [] if absent or unreadable. */
  readonly points: readonly PlotPoint[];
  /** Rows in steps.csv before downsampling. */
  readonly stepsRows: number;
  /** Why steps.csv could not be plotted (naming the file), or null when it was read or is simply absent. */
  readonly stepsProblem: string | null;
}

export interface PlotData {
  /** The directory as given. */
  readonly dir: string;
  /** The sweep's name (sweep.json), else the directory's name. */
  readonly name: string;
  /** In sweep order (α, other axes, seed). */
  readonly runs: readonly PlotRun[];
  /** The parsed sweep.json (readResults'), for showing settings; null when absent or not JSON. */
  readonly sweep: unknown;
  /** boundary.json (readBoundary), when the directory is a boundary search's: the boundary chart draws it. */
  readonly boundary?: BoundaryFile | null;
}

export interface PlotDataOptions {
  /** Only these run ids; each must be a run of the directory. */
  readonly runs?: readonly string[];
  /** Only runs with one of these α; each must be an α of the directory. */
  readonly alpha?: readonly number[];
  /** Rows per run after downsampling (default DEFAULT_MAX_POINTS). */
  readonly maxPoints?: number;
  /** boundary.json as read by readBoundary, kept whole whatever --runs and --alpha select (it is the search's record, not a run's). */
  readonly boundary?: BoundaryFile | null;
}

/** About two points per horizontal pixel of a facet in an 800 px chart: finer detail cannot show. */
export const DEFAULT_MAX_POINTS = 1000;

/** steps.csv files read at once: enough to overlap reading one with parsing another. */
const CONCURRENT_READS = 4;

/** Throws UserError when `dir` is not a results directory or a filter names what is not in it. */
export async function loadPlotData(dir: string, options: PlotDataOptions = {}): Promise<PlotData> {
  return computePlotData(dir, await readResults(dir), options);
}

/** loadPlotData for a caller that has already read the directory (the report needs both). */
export async function computePlotData(dir: string, results: ResultsSet, options: PlotDataOptions = {}): Promise<PlotData> {
  const runs = await loadPlotRuns(selectRuns(dir, results.runs, options), options.maxPoints ?? DEFAULT_MAX_POINTS);
  return { dir, name: results.sweep?.name ?? basename(dir), runs, sweep: results.sweepDocument, boundary: options.boundary ?? null };
}

/**
 * The runs of records already read (readResults): each steps.csv streamed and downsampled, a few
 * files at once. For a caller that has the records (summarize's sparklines), so that the
 * directory is not read a second time.
 */
export async function loadPlotRuns(records: readonly RunRecord[], maxPoints: number): Promise<PlotRun[]> {
  const runs: PlotRun[] = new Array<PlotRun>(records.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < records.length; i = next++) runs[i] = await loadRun(records[i]!, maxPoints);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENT_READS, records.length) }, worker));
  return runs;
}

function selectRuns(dir: string, runs: readonly RunRecord[], options: PlotDataOptions): RunRecord[] {
  // Before the filters: with no run at all, any filter would be "wrong", and that is not the problem.
  if (runs.length === 0) {
    throw new UserError(
      `${dir} has no runs yet (${join(dir, RUNS_DIR)}/ holds none): nothing to draw; pass it again once mo-train sweep or run has trained runs in it`,
    );
  }
  let selected = [...runs];
  if (options.runs !== undefined) {
    const ids = new Set(runs.map((r) => r.id));
    const unknown = options.runs.filter((id) => !ids.has(id));
    if (unknown.length > 0) {
      throw new UserError(
        `--runs: no run ${unknown.map((id) => `"${id}"`).join(', ')} in this directory (runs: ${listSome(
          runs.map((r) => r.id),
          '; ',
        )})`,
      );
    }
    const wanted = new Set(options.runs);
    selected = selected.filter((r) => wanted.has(r.id));
  }
  if (options.alpha !== undefined) {
    const alphas = [...new Set(runs.map((r) => r.coords.alpha).filter((a): a is number => typeof a === 'number'))].sort((a, b) => a - b);
    const unknown = options.alpha.filter((a) => !alphas.some((b) => sameAlpha(a, b)));
    if (unknown.length > 0) {
      throw new UserError(`--alpha: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not an α of this sweep (α: ${listSome(alphas.map(String))})`);
    }
    selected = selected.filter((r) => typeof r.coords.alpha === 'number' && options.alpha!.some((a) => sameAlpha(a, r.coords.alpha as number)));
  }
  if (selected.length === 0) throw new UserError('--runs and --alpha together select no run (pass runs with one of the given α, or only one of the two)');
  return selected;
}

/**
 * α as typed matches α as swept: `linspace(0,1,7)` gives 0.16666666666666666, which a person types
 * as 0.1666666666666667 (what the run id shows) or reads off a table; equal to 12 significant digits.
 */
function sameAlpha(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
}

/** A list for an error message: all of it when short, else its start and how many in all. Run ids hold commas, so they are listed with '; '. */
function listSome(items: readonly string[], separator = ', '): string {
  const shown = 8;
  return items.length <= shown ? items.join(separator) : `${items.slice(0, shown).join(separator)}${separator}… (${items.length} in all)`;
}

async function loadRun(run: RunRecord, maxPoints: number): Promise<PlotRun> {
  const summary = run.summary;
  const divergence = summary?.divergence ? { step: summary.divergence.step, reason: summary.divergence.reason } : null;
  const downsampler = new Downsampler({
    maxPoints,
    ...(run.rows !== null ? { expectedRows: run.rows } : {}),
    ...(divergence ? { keepSteps: [divergence.step] } : {}),
  });
  const stepsPath = join(run.path, runFiles.steps);
  // A missing run has no directory; reading nothing is quicker than finding that out.
  const streamed = run.state === 'missing' ? ({ kind: 'absent' } as const) : await streamStepsRows(stepsPath, (s, l1, l2) => downsampler.push(s, l1, l2));
  const readable = streamed.kind === 'read';
  const { alpha, seed } = run.coords;
  return {
    id: run.id,
    alpha: typeof alpha === 'number' ? alpha : null,
    seed: typeof seed === 'number' ? seed : null,
    coords: run.coords,
    outcome: outcomeOf(run),
    explanation: summary?.explanation ?? run.problem,
    final: summary?.final ? { loss1: summary.final.loss1, loss2: summary.final.loss2 } : null,
    divergence,
    points: readable ? downsampler.finish() : [],
    stepsRows: readable ? streamed.rows : 0,
    stepsProblem: streamed.kind === 'unreadable' ? `${stepsPath}: ${streamed.reason}` : null,
  };
}
