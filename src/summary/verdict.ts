/**
 * Stability verdicts, judged from the statistics of the last window of a run, accumulated from
 * every step it took there (train/window-stats.ts) — so a verdict does not depend on how much of
 * the run was written to steps.csv. Pure.
 *
 * - `diverged`: the monitor saw a non-finite value or a threshold crossed (decided during the run).
 * - `oscillating`: loss1 keeps swinging in the last window instead of settling or trending.
 * - `drifting`: still moving one way at the end — loss2 growing without bound (the maximized
 *   objective has no maximum) or loss1 still trending (not settled yet: train longer).
 * - `converged`: loss1 settled (its range over the window within `settle_tol` of its scale) and
 *   loss2 not growing.
 * - `failed`: the run itself errored (decided by the runner).
 *
 * When nothing maximized loss2 in the window (α = 0, or a combiner that gave it weight 0), its
 * movement is a side effect of training loss1 and the run is judged by loss1 alone.
 */
import type { WindowStats } from '../train/window-stats.js';

export type { WindowStats };

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

/** First step of the last window for a run of `steps` steps. */
export function windowStart(steps: number, settings: VerdictSettings): number {
  return Math.max(0, steps - Math.max(1, Math.ceil(steps * settings.window)));
}

export type Loss1Behaviour = 'settled' | 'oscillating' | 'falling' | 'rising';
export type Loss2Behaviour = 'steady' | 'growing' | 'falling' | 'swinging';

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
  /** The last window's statistics, from every step the run took in it (null: it took none). */
  readonly window: WindowStats | null;
  readonly divergence: { readonly step: number; readonly detail: string } | null;
}

export function judgeStability(input: JudgeInput, settings: VerdictSettings): Judgement {
  const stats = input.window;
  if (input.divergence) {
    return { verdict: 'diverged', loss1: null, loss2: null, explanation: `diverged: ${input.divergence.detail}`, window: stats };
  }
  if (!stats) return { verdict: 'converged', loss1: null, loss2: null, explanation: 'no steps in the last window', window: null };

  const span = `the last ${stats.steps} ${stats.steps === 1 ? 'step' : 'steps'}`;
  const scale1 = Math.max(Math.abs(input.start.loss1), Math.abs(stats.loss1_mean), Number.MIN_VALUE);
  const range1 = stats.loss1_max - stats.loss1_min;
  const loss1 = behaviourOfLoss1(stats, range1 <= settings.settle_tol * scale1);

  const scale2 = Math.max(Math.abs(input.start.loss2), Math.abs(stats.loss2_mean), 1);
  const range2 = stats.loss2_max - stats.loss2_min;
  const moved2 = Math.abs(stats.loss2_trend) > settings.drift_tol * scale2;
  const loss2: Loss2Behaviour = !moved2 ? (range2 > 2 * settings.drift_tol * scale2 ? 'swinging' : 'steady') : stats.loss2_trend > 0 ? 'growing' : 'falling';

  const l1 = `loss1 ${describeLoss1(loss1, stats)}`;
  // Nothing maximized loss2 in the window (α = 0, or a combiner that gave it weight 0): whatever it
  // did was a side effect of training loss1, so the run is judged by loss1 alone.
  const maximized = stats.loss2_weight_max > 0;
  const sideEffect = !maximized && loss2 !== 'steady' ? ' as a side effect (nothing maximized it: its weight was 0)' : '';
  const l2 = `loss2 ${describeLoss2(loss2, stats)}${sideEffect}`;
  if (loss1 === 'oscillating') return { verdict: 'oscillating', loss1, loss2, explanation: `${l1} over ${span}; ${l2}`, window: stats };
  if (loss2 === 'growing' && maximized) {
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

/**
 * A straight line explains loss1's window when its fitted rise is at least half the range and the
 * scatter around it is small: RMS ≤ 15% of the range, which for evenly spread scatter is a band of
 * half the range (RMS of a uniform band = width/√12). Then the loss is still sliding, not bouncing.
 */
const TREND_SHARE = 0.5;
const RESIDUAL_SHARE = 0.15;

function behaviourOfLoss1(stats: WindowStats, settled: boolean): Loss1Behaviour {
  if (settled) return 'settled';
  const range = stats.loss1_max - stats.loss1_min;
  if (Math.abs(stats.loss1_trend) >= TREND_SHARE * range && stats.loss1_residual <= RESIDUAL_SHARE * range) {
    return stats.loss1_trend < 0 ? 'falling' : 'rising';
  }
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

/** Short human number: 4 significant digits, exponent form when tiny or huge. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e5 || a < 1e-3 ? x.toExponential(2) : String(Number(x.toPrecision(4)));
}
