/**
 * One-pass downsampling of a run's logged steps for plotting. Pure: rows go in through `push`, at
 * most `maxPoints` rows come out of `finish`.
 *
 * A chart 800 px wide cannot show 100,000 steps, but thinning by taking every k-th row hides what a
 * person looks at a loss curve for: a spike, a swing, the step where it blew up. So the rows are
 * cut into consecutive buckets, and each bucket keeps its first and last row, the rows where loss1
 * and loss2 are lowest and highest, and its first non-finite row (M4-style aggregation, plus the
 * non-finite one). The run's first and last rows are always kept (first of the first bucket, last
 * of the last), and so is every step in `keepSteps` (the divergence step).
 *
 * A bucket keeps 2 rows of a smooth stretch and up to 7 of a noisy one, so there are maxPoints / 2
 * buckets — a smooth curve gets its full resolution — and at the end neighbours are merged until
 * what they keep fits in maxPoints. The row count need not be known in advance (a run may still be
 * writing): when the buckets run out, neighbours are merged pairwise and the bucket size doubles,
 * which keeps every property above.
 */

/** One logged step's losses, as a chart draws it (non-finite values kept as they are). */
export interface PlotPoint {
  readonly step: number;
  readonly loss1: number;
  readonly loss2: number;
}

/** Rows a bucket can keep: first, last, min and max of loss1, min and max of loss2, first non-finite. */
const ROWS_PER_BUCKET = 7;

/** Below this there is no room for even a few buckets; a caller asking for it has a bug. */
export const MIN_MAX_POINTS = 4 * ROWS_PER_BUCKET;

/** What a bucket keeps of a smooth (monotone) stretch: its first and last row, which are its extremes. */
const SMOOTH_ROWS_PER_BUCKET = 2;

export interface DownsampleOptions {
  /** At most this many rows come out. */
  readonly maxPoints: number;
  /** How many rows are expected (steps.csv's row count), to size the buckets from the start; more or fewer is fine. */
  readonly expectedRows?: number;
  /** Steps kept whatever the buckets keep (the divergence step); at most a handful. */
  readonly keepSteps?: readonly number[];
}

/** One kept row, overwritten in place as a bucket fills (no allocation per pushed row). */
class KeptRow {
  has = false;
  step = 0;
  loss1 = 0;
  loss2 = 0;

  set(step: number, loss1: number, loss2: number): void {
    this.has = true;
    this.step = step;
    this.loss1 = loss1;
    this.loss2 = loss2;
  }

  copy(other: KeptRow): void {
    if (other.has) this.set(other.step, other.loss1, other.loss2);
  }
}

class Bucket {
  count = 0;
  readonly first = new KeptRow();
  readonly last = new KeptRow();
  readonly min1 = new KeptRow();
  readonly max1 = new KeptRow();
  readonly min2 = new KeptRow();
  readonly max2 = new KeptRow();
  readonly nonFinite = new KeptRow();

  push(step: number, loss1: number, loss2: number): void {
    if (this.count === 0) this.first.set(step, loss1, loss2);
    this.last.set(step, loss1, loss2);
    // Extremes over finite values only: a NaN compares false anyway, and an Infinity is kept as
    // the non-finite row, where the chart marks it instead of stretching an axis to infinity.
    if (Number.isFinite(loss1)) {
      if (!this.min1.has || loss1 < this.min1.loss1) this.min1.set(step, loss1, loss2);
      if (!this.max1.has || loss1 > this.max1.loss1) this.max1.set(step, loss1, loss2);
    }
    if (Number.isFinite(loss2)) {
      if (!this.min2.has || loss2 < this.min2.loss2) this.min2.set(step, loss1, loss2);
      if (!this.max2.has || loss2 > this.max2.loss2) this.max2.set(step, loss1, loss2);
    }
    if (!this.nonFinite.has && !(Number.isFinite(loss1) && Number.isFinite(loss2))) this.nonFinite.set(step, loss1, loss2);
    this.count += 1;
  }

  /** Absorbs `next`, the bucket right after this one. */
  merge(next: Bucket): void {
    if (next.count === 0) return;
    if (this.count === 0) this.first.copy(next.first);
    this.last.copy(next.last);
    if (next.min1.has && (!this.min1.has || next.min1.loss1 < this.min1.loss1)) this.min1.copy(next.min1);
    if (next.max1.has && (!this.max1.has || next.max1.loss1 > this.max1.loss1)) this.max1.copy(next.max1);
    if (next.min2.has && (!this.min2.has || next.min2.loss2 < this.min2.loss2)) this.min2.copy(next.min2);
    if (next.max2.has && (!this.max2.has || next.max2.loss2 > this.max2.loss2)) this.max2.copy(next.max2);
    if (!this.nonFinite.has) this.nonFinite.copy(next.nonFinite);
    this.count += next.count;
  }

  kept(): KeptRow[] {
    return [this.first, this.last, this.min1, this.max1, this.min2, this.max2, this.nonFinite].filter((r) => r.has);
  }
}

export class Downsampler {
  private readonly maxPoints: number;
  private readonly expectedRows: number;
  private readonly keepSteps: ReadonlySet<number>;
  private readonly maxBuckets: number;
  /** Every row while there are at most maxPoints of them: a short run is plotted as it is. */
  private raw: PlotPoint[] | null = [];
  private readonly buckets: Bucket[] = [];
  private bucketSize = 0;
  private readonly forced: PlotPoint[] = [];
  private rows = 0;

  constructor(options: DownsampleOptions) {
    if (!Number.isInteger(options.maxPoints) || options.maxPoints < MIN_MAX_POINTS) {
      throw new RangeError(`maxPoints must be an integer ≥ ${MIN_MAX_POINTS}, got ${options.maxPoints}`);
    }
    this.maxPoints = options.maxPoints;
    this.expectedRows = options.expectedRows ?? 0;
    this.keepSteps = new Set(options.keepSteps ?? []);
    // Even, so that merging neighbours pairs every bucket.
    const buckets = Math.floor(options.maxPoints / SMOOTH_ROWS_PER_BUCKET);
    this.maxBuckets = buckets - (buckets % 2);
  }

  /** How many rows were pushed. */
  get rowCount(): number {
    return this.rows;
  }

  push(step: number, loss1: number, loss2: number): void {
    this.rows += 1;
    if (this.raw !== null) {
      this.raw.push({ step, loss1, loss2 });
      if (this.raw.length > this.maxPoints) this.startBuckets();
      return;
    }
    if (this.keepSteps.has(step)) this.forced.push({ step, loss1, loss2 });
    this.pushToBucket(step, loss1, loss2);
  }

  /** The kept rows in step order. */
  finish(): PlotPoint[] {
    if (this.raw !== null) return [...this.raw];
    for (;;) {
      const kept = this.keptRows();
      // Terminates: one bucket keeps at most ROWS_PER_BUCKET rows, and MIN_MAX_POINTS leaves room for them and the forced ones.
      if (kept.length <= this.maxPoints || this.buckets.length === 1) return kept;
      this.mergeNeighbours();
    }
  }

  /** The distinct rows the buckets and keepSteps hold, in step order. */
  private keptRows(): PlotPoint[] {
    const byStep = new Map<number, PlotPoint>();
    for (const p of this.forced) byStep.set(p.step, p);
    for (const bucket of this.buckets) {
      for (const r of bucket.kept()) if (!byStep.has(r.step)) byStep.set(r.step, { step: r.step, loss1: r.loss1, loss2: r.loss2 });
    }
    return [...byStep.values()].sort((a, b) => a.step - b.step);
  }

  private startBuckets(): void {
    const rows = this.raw!;
    this.raw = null;
    // Sized to fill the buckets once when the row count is known (else the rows so far fill them,
    // and merging makes room as more come).
    const target = Math.max(this.expectedRows, rows.length);
    this.bucketSize = Math.max(2, Math.ceil(target / this.maxBuckets));
    for (const p of rows) {
      if (this.keepSteps.has(p.step)) this.forced.push(p);
      this.pushToBucket(p.step, p.loss1, p.loss2);
    }
  }

  private pushToBucket(step: number, loss1: number, loss2: number): void {
    let current = this.buckets[this.buckets.length - 1];
    if (current === undefined || current.count >= this.bucketSize) {
      if (this.buckets.length === this.maxBuckets) this.mergeNeighbours();
      current = new Bucket();
      this.buckets.push(current);
    }
    current.push(step, loss1, loss2);
  }

  private mergeNeighbours(): void {
    const merged: Bucket[] = [];
    for (let i = 0; i < this.buckets.length; i += 2) {
      const a = this.buckets[i]!;
      const b = this.buckets[i + 1];
      if (b) a.merge(b);
      merged.push(a);
    }
    this.buckets.splice(0, this.buckets.length, ...merged);
    this.bucketSize *= 2;
  }
}
