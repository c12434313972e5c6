/**
 * A loss curve cut into a fixed number of columns (the cells of a sparkline, the columns of a
 * text chart), the scale its values are drawn on, and which value each column draws. Pure.
 *
 * The curves come downsampled (src/plot/downsample.ts keeps each bucket's lowest and highest
 * rows), so a column still knows the whole range its steps went through; what it cannot do is
 * draw that range, having one glyph. Which one value to draw is what makes the verdicts look
 * different — see `computeEnvelopePicks`.
 */

export interface SeriesPoint {
  readonly step: number;
  readonly value: number;
}

/** What the series did over one column's steps. */
export interface SeriesColumn {
  /** Lowest and highest finite value; null when the column holds no finite value. */
  readonly min: number | null;
  readonly max: number | null;
  /** A value in it was NaN or ±Infinity, or it holds the marked step (the divergence). */
  readonly nonFinite: boolean;
  /** Points that fell in it; 0 for a column the series has no row in. */
  readonly points: number;
}

/** The steps the columns span, both ends included. */
export interface StepDomain {
  readonly from: number;
  readonly to: number;
}

/**
 * Cuts `series` (in step order) into `width` columns of equal step spans over `domain` (default:
 * the series' first to last step). Points outside the domain are left out.
 */
export function computeColumns(series: readonly SeriesPoint[], width: number, options: { domain?: StepDomain; markStep?: number | null } = {}): SeriesColumn[] {
  const columns = Array.from({ length: width }, () => ({ min: null as number | null, max: null as number | null, nonFinite: false, points: 0 }));
  if (series.length === 0 || width <= 0) return columns;
  const domain = options.domain ?? { from: series[0]!.step, to: series[series.length - 1]!.step };
  const markStep = options.markStep ?? null;
  for (const p of series) {
    const i = columnOf(p.step, domain, width);
    if (i === null) continue;
    const col = columns[i]!;
    col.points += 1;
    if (!Number.isFinite(p.value) || p.step === markStep) col.nonFinite = true;
    if (Number.isFinite(p.value)) {
      if (col.min === null || p.value < col.min) col.min = p.value;
      if (col.max === null || p.value > col.max) col.max = p.value;
    }
  }
  return columns;
}

/** Which column `step` falls in; null outside the domain. A one-step domain is all column 0. */
export function columnOf(step: number, domain: StepDomain, width: number): number | null {
  if (!(step >= domain.from && step <= domain.to)) return null;
  const span = domain.to - domain.from + 1;
  return Math.min(width - 1, Math.floor(((step - domain.from) * width) / span));
}

/** Values drawn on a log scale cover at most this many decades below the largest one. */
export const LOG_DECADES = 8;

/**
 * How values map to [0, 1] (bottom to top). Log when every finite value is ≥ 0, the positive ones
 * span more than two decades, and a linear scale would draw at least half of them in its bottom
 * eighth (one sparkline level): loss1 falls from ~10 to 1e-12 and then swings up to 1e-1, and only
 * a log scale shows that swing next to the fall. The last condition keeps a loss2 growing steadily
 * from 1.4 to 260 linear — on a log scale a straight ramp would look like a curve levelling off,
 * the opposite of what it does. On the log scale, zeros (an exact fit) and anything more than
 * LOG_DECADES below the largest value (float noise around zero: 1e-30 is as zero as 1e-12) sit at
 * the bottom. Otherwise linear, from the smallest value to the largest (loss2 can be negative).
 */
export interface Scale {
  readonly kind: 'linear' | 'log' | 'constant';
  /** The values drawn at the bottom and at the top; values below lo are drawn at the bottom. */
  readonly lo: number;
  readonly hi: number;
  /** Position in [0, 1] of a finite value. */
  position(value: number): number;
  /** The value at a position in [0, 1]: an axis label. */
  valueAt(position: number): number;
}

export function computeScale(values: readonly number[]): Scale | null {
  let lo = Infinity;
  let hi = -Infinity;
  let minPositive = Infinity;
  const finite: number[] = [];
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    finite.push(v);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    if (v > 0 && v < minPositive) minPositive = v;
  }
  if (lo > hi) return null;
  // Equal to the last few bits: float noise on a flat line is no curve worth scaling up.
  if (hi - lo <= 1e-12 * Math.max(Math.abs(lo), Math.abs(hi))) return { kind: 'constant', lo, hi, position: () => 0, valueAt: () => lo };
  if (lo >= 0 && hi / minPositive > 100 && median(finite) - lo < (hi - lo) / 8) {
    const floor = Math.max(minPositive, hi * 10 ** -LOG_DECADES);
    const bottom = Math.log10(floor);
    const span = Math.log10(hi) - bottom;
    return {
      kind: 'log',
      lo: floor,
      hi,
      position: (v) => (v <= floor ? 0 : Math.min(1, (Math.log10(v) - bottom) / span)),
      valueAt: (p) => 10 ** (bottom + p * span),
    };
  }
  return { kind: 'linear', lo, hi, position: (v) => Math.min(1, Math.max(0, (v - lo) / (hi - lo))), valueAt: (p) => lo + p * (hi - lo) };
}

/**
 * One value per column out of its [min, max] range: the one farther from what the column before
 * drew (the higher on a tie); the first column draws the end of its range nearer the series'
 * first value, so a curve is seen to start where it starts. Columns without a range give null.
 *
 * Why not the mean or the last value: a loss swinging between 1e-11 and 0.7 has the same mean in
 * every column, and would draw as a flat line at an arbitrary height — exactly what a settled loss
 * looks like. Following the envelope instead, a column whose range reaches past both sides of the
 * previous value jumps to the far side, so an oscillating loss zig-zags between its lowest and
 * highest values (▁█▁█), and the height of the zig-zag is the size of the swings; a loss that
 * moves one way keeps taking the leading edge, so a fall or a drift is a smooth ramp (█▆▄▂▁,
 * ▁▂▃▄▅); a settled one has min ≈ max and is a flat line. `same` says when two values draw the
 * same (the same sparkline level): then there is no zig-zag to draw.
 */
export function computeEnvelopePicks(
  ranges: readonly ({ readonly min: number; readonly max: number } | null)[],
  first: number,
  same: (a: number, b: number) => boolean = (a, b) => a === b,
): (number | null)[] {
  let previous: number | null = null;
  return ranges.map((r) => {
    if (r === null) return null;
    let pick: number;
    if (same(r.min, r.max)) pick = r.max;
    else if (previous === null) pick = Math.abs(first - r.min) < Math.abs(first - r.max) ? r.min : r.max;
    else pick = Math.abs(previous - r.min) > Math.abs(previous - r.max) ? r.min : r.max;
    previous = pick;
    return pick;
  });
}

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}
