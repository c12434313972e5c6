/**
 * The statistics of a run's last window, accumulated from every step the training loop takes —
 * logged or not — in constant memory, so a stability verdict does not depend on `log_every` and a
 * 10^9-step run needs no more memory than a short one. Pure.
 *
 * Mean, least-squares line and the scatter around it come from Welford-style running moments
 * (mean, Σ(x − x̄)², Σ(x − x̄)(y − ȳ), Σ(y − ȳ)²): numerically stable where raw sums of y² would
 * cancel (a loss steady near 444 with swings of 1e-9).
 */

export interface WindowStats {
  readonly from_step: number;
  readonly to_step: number;
  /** Steps judged: every step of the window that the run took. */
  readonly steps: number;
  /** Of those, the rows written to steps.csv (fewer when `log_every` > 1). */
  readonly rows: number;
  readonly loss1_mean: number;
  readonly loss1_min: number;
  readonly loss1_max: number;
  /** Least-squares rise over the window (slope × span); negative when falling. */
  readonly loss1_trend: number;
  /** Root-mean-square distance of loss1 from that line: how much a straight line leaves unexplained. */
  readonly loss1_residual: number;
  readonly loss2_last: number;
  readonly loss2_mean: number;
  readonly loss2_min: number;
  readonly loss2_max: number;
  readonly loss2_trend: number;
  /** loss2_trend per step. */
  readonly loss2_rate: number;
  /** The largest weight the combiner gave loss2 in the window (0: nothing maximized loss2 there). */
  readonly loss2_weight_max: number;
}

/** Running moments of one loss against the step. */
class LossMoments {
  mean = 0;
  /** Σ(y − ȳ)². */
  m2 = 0;
  /** Σ(x − x̄)(y − ȳ). */
  cxy = 0;
  min = Infinity;
  max = -Infinity;
  /** A NaN anywhere makes min and max NaN, as Math.min would (a window of NaN is not "min = Infinity"). */
  nan = false;
  last = NaN;

  /** `dx` = x − x̄ before the update, `n` the count including this value, `xNew` = x − x̄ after. */
  add(y: number, n: number, dx: number): void {
    const dy = y - this.mean;
    this.mean += dy / n;
    const dyNew = y - this.mean;
    this.m2 += dy * dyNew;
    this.cxy += dx * dyNew;
    if (y < this.min) this.min = y;
    if (y > this.max) this.max = y;
    if (y !== y) this.nan = true;
    this.last = y;
  }
}

export class WindowAccumulator {
  private n = 0;
  private rows = 0;
  private from = NaN;
  private to = NaN;
  private meanX = 0;
  /** Σ(x − x̄)². */
  private m2x = 0;
  private weightMax = -Infinity;
  private readonly l1 = new LossMoments();
  private readonly l2 = new LossMoments();

  /** One step of the window; `logged` when it was also written to steps.csv. */
  add(step: number, loss1: number, loss2: number, weight: number, logged: boolean): void {
    const n = ++this.n;
    if (n === 1) this.from = step;
    this.to = step;
    if (logged) this.rows++;
    const dx = step - this.meanX;
    this.meanX += dx / n;
    this.m2x += dx * (step - this.meanX);
    this.l1.add(loss1, n, dx);
    this.l2.add(loss2, n, dx);
    if (weight > this.weightMax) this.weightMax = weight;
  }

  /** The window's statistics; null when no step of the window was taken. */
  result(): WindowStats | null {
    const { n, l1, l2 } = this;
    if (n === 0) return null;
    const span = this.to - this.from;
    const slope1 = this.m2x === 0 ? 0 : l1.cxy / this.m2x;
    const slope2 = this.m2x === 0 ? 0 : l2.cxy / this.m2x;
    // Residual sum of squares of the least-squares line: Σ(y − ȳ)² − slope·Σ(x − x̄)(y − ȳ).
    const ssr = Math.max(0, l1.m2 - slope1 * l1.cxy);
    return {
      from_step: this.from,
      to_step: this.to,
      steps: n,
      rows: this.rows,
      loss1_mean: l1.mean,
      loss1_min: l1.nan ? NaN : l1.min,
      loss1_max: l1.nan ? NaN : l1.max,
      loss1_trend: slope1 * span,
      loss1_residual: Math.sqrt(ssr / n),
      loss2_last: l2.last,
      loss2_mean: l2.mean,
      loss2_min: l2.nan ? NaN : l2.min,
      loss2_max: l2.nan ? NaN : l2.max,
      loss2_trend: slope2 * span,
      loss2_rate: slope2,
      loss2_weight_max: this.weightMax === -Infinity ? 0 : this.weightMax,
    };
  }
}

/** The statistics of a series given whole (tests, or a steps.csv read back); every row counts as logged. */
export function computeWindowStats(
  step: ArrayLike<number>,
  loss1: ArrayLike<number>,
  loss2: ArrayLike<number>,
  weight: number | ArrayLike<number> = 0,
): WindowStats | null {
  const acc = new WindowAccumulator();
  for (let i = 0; i < step.length; i++) acc.add(step[i]!, loss1[i]!, loss2[i]!, typeof weight === 'number' ? weight : weight[i]!, true);
  return acc.result();
}
