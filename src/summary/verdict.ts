/**
 * Stability verdicts, judged from the logged rows of the last window of a run (so anyone can
 * recompute them from steps.csv). Pure.
 *
 * - `diverged`: the monitor saw a non-finite value or a threshold crossed (decided during the run).
 * - `oscillating`: loss1 keeps swinging in the last window instead of settling or trending.
 * - `drifting`: still moving one way at the end — loss2 growing without bound (the maximized
 *   objective has no maximum) or loss1 still trending (not settled yet: train longer).
 * - `converged`: loss1 settled (its range over the window within `settle_tol` of its scale) and
 *   loss2 not growing.
 * - `failed`: the run itself errored (decided by the runner).
 */
export const VERDICTS = ['converged', 'oscillating', 'drifting', 'diverged', 'failed'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface VerdictSettings {
  /** The last window is this fraction of the requested steps (0.1 = the last 10%). */
  readonly window: number;
  /** loss1 is settled when its range over the window ≤ settle_tol × max(|loss1 at step 0|, |window mean|). */
  readonly settle_tol: number;
  /** loss2 is growing when its fitted rise over the window > drift_tol × max(|loss2 at step 0|, |window mean|, 1). */
  readonly drift_tol: number;
}

/** 10% window: long enough to see a swing, recent enough to ignore the transient. 1%: a band a person would call flat. */
export const DEFAULT_VERDICT: VerdictSettings = { window: 0.1, settle_tol: 0.01, drift_tol: 0.01 };

/** First step of the last window for a run of `steps` steps. */
export function windowStart(steps: number, settings: VerdictSettings): number {
  return Math.max(0, steps - Math.max(1, Math.ceil(steps * settings.window)));
}

export type Loss1Behaviour = 'settled' | 'oscillating' | 'falling' | 'rising';
export type Loss2Behaviour = 'steady' | 'growing' | 'falling' | 'swinging';

export interface WindowStats {
  readonly from_step: number;
  readonly to_step: number;
  readonly rows: number;
  readonly loss1_mean: number;
  readonly loss1_min: number;
  readonly loss1_max: number;
  /** Least-squares rise over the window (slope × span); negative when falling. */
  readonly loss1_trend: number;
  readonly loss2_last: number;
  readonly loss2_mean: number;
  readonly loss2_min: number;
  readonly loss2_max: number;
  readonly loss2_trend: number;
  /** loss2_trend per step. */
  readonly loss2_rate: number;
}

export interface Judgement {
  readonly verdict: Exclude<Verdict, 'failed'>;
  readonly loss1: Loss1Behaviour | null;
  readonly loss2: Loss2Behaviour | null;
  /** One sentence for a person: why this verdict. */
  readonly explanation: string;
  readonly window: WindowStats | null;
}

export interface JudgeInput {
  readonly start: { readonly loss1: number; readonly loss2: number };
  readonly step: ArrayLike<number>;
  readonly loss1: ArrayLike<number>;
  readonly loss2: ArrayLike<number>;
  readonly divergence: { readonly step: number; readonly detail: string } | null;
}

export function judgeStability(input: JudgeInput, settings: VerdictSettings): Judgement {
  const stats = input.step.length > 0 ? computeWindowStats(input) : null;
  if (input.divergence) {
    return { verdict: 'diverged', loss1: null, loss2: null, explanation: `diverged: ${input.divergence.detail}`, window: stats };
  }
  if (!stats) return { verdict: 'converged', loss1: null, loss2: null, explanation: 'no logged rows in the last window', window: null };

  const span = `the last ${stats.to_step - stats.from_step + 1} steps`;
  const scale1 = Math.max(Math.abs(input.start.loss1), Math.abs(stats.loss1_mean), Number.MIN_VALUE);
  const range1 = stats.loss1_max - stats.loss1_min;
  const loss1 = behaviourOfLoss1(input, stats, range1 <= settings.settle_tol * scale1);

  const scale2 = Math.max(Math.abs(input.start.loss2), Math.abs(stats.loss2_mean), 1);
  const range2 = stats.loss2_max - stats.loss2_min;
  const moved2 = Math.abs(stats.loss2_trend) > settings.drift_tol * scale2;
  const loss2: Loss2Behaviour = !moved2
    ? range2 > 2 * settings.drift_tol * scale2
      ? 'swinging'
      : 'steady'
    : stats.loss2_trend > 0
      ? 'growing'
      : 'falling';

  const l1 = `loss1 ${describeLoss1(loss1, stats)}`;
  const l2 = `loss2 ${describeLoss2(loss2, stats)}`;
  if (loss1 === 'oscillating') return { verdict: 'oscillating', loss1, loss2, explanation: `${l1} over ${span}; ${l2}`, window: stats };
  if (loss2 === 'growing') {
    return {
      verdict: 'drifting',
      loss1,
      loss2,
      explanation: `${l2} over ${span} — the maximized objective has no maximum here; ${l1}`,
      window: stats,
    };
  }
  if (loss1 === 'falling' || loss1 === 'rising') {
    return { verdict: 'drifting', loss1, loss2, explanation: `${l1} over ${span} — not settled yet; ${l2}`, window: stats };
  }
  return { verdict: 'converged', loss1, loss2, explanation: `${l1} over ${span}; ${l2}`, window: stats };
}

function behaviourOfLoss1(input: JudgeInput, stats: WindowStats, settled: boolean): Loss1Behaviour {
  if (settled) return 'settled';
  const range = stats.loss1_max - stats.loss1_min;
  // A trend explains the window when the straight-line fit accounts for most of the range and
  // what is left around it is small: a loss still sliding down, not one bouncing.
  const residual = residualRange(input.step, input.loss1);
  if (Math.abs(stats.loss1_trend) >= 0.5 * range && residual <= 0.5 * range) return stats.loss1_trend < 0 ? 'falling' : 'rising';
  return 'oscillating';
}

function describeLoss1(b: Loss1Behaviour, s: WindowStats): string {
  switch (b) {
    case 'settled':
      return `settled at ${fmt(s.loss1_mean)} (range ${fmt(s.loss1_max - s.loss1_min)})`;
    case 'oscillating':
      return `swings between ${fmt(s.loss1_min)} and ${fmt(s.loss1_max)}`;
    case 'falling':
      return `still falling (${fmt(s.loss1_trend)})`;
    case 'rising':
      return `rising (+${fmt(s.loss1_trend)})`;
  }
}

function describeLoss2(b: Loss2Behaviour, s: WindowStats): string {
  switch (b) {
    case 'steady':
      return `steady near ${fmt(s.loss2_mean)}`;
    case 'swinging':
      return `swings between ${fmt(s.loss2_min)} and ${fmt(s.loss2_max)}`;
    case 'growing':
      return `keeps growing (+${fmt(s.loss2_trend)}, ${fmt(s.loss2_rate)}/step, now ${fmt(s.loss2_last)})`;
    case 'falling':
      return `falling (${fmt(s.loss2_trend)})`;
  }
}

export function computeWindowStats(input: Pick<JudgeInput, 'step' | 'loss1' | 'loss2'>): WindowStats {
  const { step, loss1, loss2 } = input;
  const n = step.length;
  const from = step[0]!;
  const to = step[n - 1]!;
  const slope1 = slope(step, loss1);
  const slope2 = slope(step, loss2);
  return {
    from_step: from,
    to_step: to,
    rows: n,
    loss1_mean: mean(loss1),
    loss1_min: min(loss1),
    loss1_max: max(loss1),
    loss1_trend: slope1 * (to - from),
    loss2_last: loss2[n - 1]!,
    loss2_mean: mean(loss2),
    loss2_min: min(loss2),
    loss2_max: max(loss2),
    loss2_trend: slope2 * (to - from),
    loss2_rate: slope2,
  };
}

// Loops, not Math.min(...v): a window can hold more rows than a call's argument limit. Like
// Math.min, a NaN anywhere gives NaN (a window of NaN losses must not read as "min = Infinity").
function min(v: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (Number.isNaN(x)) return NaN;
    if (x < m) m = x;
  }
  return m;
}

function max(v: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (Number.isNaN(x)) return NaN;
    if (x > m) m = x;
  }
  return m;
}

function mean(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  return s / v.length;
}

/** Least-squares slope of y against x (0 for fewer than two points). */
function slope(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n < 2) return 0;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
  }
  return sxx === 0 ? 0 : sxy / sxx;
}

function residualRange(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const b = slope(x, y);
  const mx = mean(x);
  const my = mean(y);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const r = y[i]! - (my + b * (x[i]! - mx));
    if (r < lo) lo = r;
    if (r > hi) hi = r;
  }
  return hi - lo;
}

/** Short human number: 4 significant digits, exponent form when tiny or huge. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e5 || a < 1e-3 ? x.toExponential(2) : String(Number(x.toPrecision(4)));
}
