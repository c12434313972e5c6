/**
 * A loss curve as a one-line Unicode sparkline (▁▂▃▄▅▆▇█), for the per-run table of `summarize`.
 * Pure: returns the string; coloring it is the table's job.
 *
 * How each cell is chosen (see plot/series-columns.ts): the cell's steps are bucketed from the
 * downsampled points, scaled linearly or — for a loss spanning decades, most of it near zero — a
 * level per decade, and each cell draws the end of its [min, max] range farther from the cell
 * before. The seed experiment, 10,000 steps (loss1, then loss2):
 *
 *   converged    █▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁  ▁███████████████   loss1 falls to 0 and stays; loss2 levels off
 *   drifting     █▁▃▁▄▁▄▁▅▁▅▁▅▁▆▁  ▁▂▂▃▃▄▄▅▅▆▆▇▇███   loss2 a ramp to the end; loss1's small swings
 *   oscillating  █▄▁▆▁▇▁▇▁▇▁█▁█▁█  ▁▂▂▃▄▄▅▆▆▆▇▇████   loss1 zig-zags nearly the full height
 *   diverged     ▁✕                ▅✕                  ✕ where it blew up, blank for the steps never run
 *
 * When loss1 gets within 1e-7 of zero, the log scale spans its full eight decades under the
 * largest value (usually the start), a level each: a zig-zag up to ▇ or █ then swings to within
 * two decades of where loss1 started, about where the verdict's 1% settle tolerance stops calling
 * it settled.
 */
import { computeColumns, computeEnvelopePicks, computeScale, type SeriesPoint, type StepDomain } from '../plot/series-columns.js';

/** Bottom to top. */
export const SPARK_LEVELS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;
/** A cell where the loss was NaN or ±Infinity, or the run diverged. */
export const NON_FINITE_MARK = '✕';

export interface SparklineOptions {
  /** Cells. */
  readonly width: number;
  /**
   * The steps the cells span (default: the series' first to last step). A run that stopped
   * early, given its requested steps here, leaves the cells after its last row blank.
   */
  readonly domain?: StepDomain;
  /** A step drawn as NON_FINITE_MARK whatever its value: the divergence step. */
  readonly markStep?: number | null;
}

/** `width` characters; null for an empty series (no steps.csv, or no rows in it). */
export function renderSparkline(series: readonly SeriesPoint[], options: SparklineOptions): string | null {
  if (series.length === 0) return null;
  const columns = computeColumns(series, options.width, { ...(options.domain ? { domain: options.domain } : {}), markStep: options.markStep ?? null });
  const scale = computeScale(series.map((p) => p.value));
  const top = SPARK_LEVELS.length - 1;
  // A constant series is a flat line along the bottom, like a chart of it would be.
  const level = (v: number) => (scale === null || scale.kind === 'constant' ? 0 : Math.min(top, Math.floor(scale.position(v) * SPARK_LEVELS.length)));
  const firstFinite = series.find((p) => Number.isFinite(p.value));
  const picks = computeEnvelopePicks(
    columns.map((c) => (c.min === null || c.max === null ? null : { min: level(c.min), max: level(c.max) })),
    firstFinite ? level(firstFinite.value) : 0,
  );

  let lastWithPoints = -1;
  columns.forEach((c, i) => {
    if (c.points > 0) lastWithPoints = i;
  });
  let previous = ' ';
  return columns
    .map((c, i) => {
      const pick = picks[i];
      let cell: string;
      if (c.nonFinite) cell = NON_FINITE_MARK;
      else if (pick !== null && pick !== undefined) cell = SPARK_LEVELS[pick]!;
      // No row in this cell: logged more sparsely than there are cells — the curve goes on as it
      // was — or past the run's last row, where there is nothing to draw.
      else cell = i < lastWithPoints ? previous : ' ';
      previous = cell;
      return cell;
    })
    .join('');
}
