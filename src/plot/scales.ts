/**
 * Scale choices for the charts' α and loss axes, computed from the data. Pure.
 */

export type AxisScale = { readonly type: 'linear'; readonly zero: boolean } | { readonly type: 'log' } | { readonly type: 'symlog'; readonly constant: number };

export interface ComputedAxis {
  readonly scale: AxisScale;
  /** Explicit tick values, when the scale's own would be poor (symlog's are linear ticks, bunched at one end); null for the defaults. */
  readonly ticks: readonly number[] | null;
}

/** α values a person can still read as tick labels, one per swept value. */
const MAX_LABELLED_ALPHAS = 10;

/**
 * The α axis. When the positive α span two decades or more (`0,logspace(-4,0,9)`), a linear axis
 * crams all but the largest into one corner, and a log axis cannot show α = 0 — the reference run
 * that only minimizes loss1. A symlog axis does both: it is linear within `constant` of 0 and
 * logarithmic beyond, so with constant = (smallest positive α) / 10, α = 0 sits about one decade
 * left of the smallest α, as if the axis were broken there, and the decades after it are evenly
 * spaced. Otherwise (e.g. linspace(0,1,25)) a plain linear axis from 0 is the clearest.
 */
export function computeAlphaAxis(alphas: readonly number[]): ComputedAxis {
  const distinct = [...new Set(alphas.filter(Number.isFinite))].sort((a, b) => a - b);
  const positive = distinct.filter((a) => a > 0);
  const minPositive = positive[0];
  const maxPositive = positive[positive.length - 1];
  const spansDecades = minPositive !== undefined && maxPositive !== undefined && maxPositive / minPositive >= 100;
  const few = distinct.length <= MAX_LABELLED_ALPHAS;
  if (!spansDecades) return { scale: { type: 'linear', zero: true }, ticks: few ? distinct : null };
  return {
    scale: { type: 'symlog', constant: minPositive / 10 },
    ticks: few ? distinct : [...(distinct[0] === 0 ? [0] : []), ...decades(minPositive, maxPositive)],
  };
}

/** How the loss axes are chosen: by the data (`auto`), or forced (`--log-y`, `--linear-y`). */
export type LossScaleChoice = 'auto' | 'log' | 'linear';

/**
 * Above this many decades between a loss's smallest nonzero and largest magnitude, `auto` draws it
 * on a log axis: on a linear one everything below a thousandth of the largest value sits on the
 * zero line, and a loss1 swinging between 1e-11 and 0.7 under a start at 25 looks settled.
 */
export const AUTO_LOG_DECADES = 3;

/** Decades between the smallest nonzero and the largest |value| (finite values only); 0 when there are none. */
export function computeDecadeSpan(values: readonly number[]): number {
  let lo = Infinity;
  let hi = 0;
  for (const v of values) {
    const a = Math.abs(v);
    if (!Number.isFinite(a) || a === 0) continue;
    if (a < lo) lo = a;
    if (a > hi) hi = a;
  }
  return hi > 0 ? Math.log10(hi / lo) : 0;
}

/** Whether values get a log (or symlog) axis under `choice`. */
export function isLogChosen(values: readonly number[], choice: LossScaleChoice): boolean {
  return choice === 'log' || (choice === 'auto' && computeDecadeSpan(values) > AUTO_LOG_DECADES);
}

/**
 * A loss axis. Linear unless `log`; then log when every value is positive, else symlog (loss1 is
 * often exactly 0 at the end, and loss2 can be negative, which a log axis cannot place).
 */
export function computeLossAxis(values: readonly number[], log: boolean): ComputedAxis {
  if (!log) return { scale: { type: 'linear', zero: false }, ticks: null };
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { scale: { type: 'log' }, ticks: null };
  // Vega's own log ticks draw a grid line at every 2…9 × 10^k: labelled decades read cleaner.
  // Over the whole decades, as Vega rounds ("nices") a log domain out to them.
  if (finite.every((v) => v > 0)) {
    const lo = 10 ** Math.floor(Math.log10(Math.min(...finite)));
    const hi = 10 ** Math.ceil(Math.log10(Math.max(...finite)));
    return { scale: { type: 'log' }, ticks: decades(lo, hi) };
  }
  return computeSymlogAxis(finite);
}

/**
 * A symlog axis: linear within `constant` of 0, logarithmic beyond. For values of one sign (loss1
 * going to 0) the constant is the smallest nonzero |value|, so every decade the data reaches is
 * shown — but at most 12 below the largest, or a stray 1e-300 would spend the axis on nothing.
 * For values of both signs (loss2 starting slightly negative, then growing to hundreds) it is the
 * magnitude of the smaller side, which then sits compact and linear near 0 while the larger side
 * gets the decades.
 */
export function computeSymlogAxis(values: readonly number[]): ComputedAxis {
  const finite = values.filter(Number.isFinite);
  const largestPositive = Math.max(0, ...finite);
  const largestNegative = Math.max(0, ...finite.map((v) => -v));
  const largest = Math.max(largestPositive, largestNegative);
  if (largest === 0) return { scale: { type: 'linear', zero: true }, ticks: null };
  let constant: number;
  if (largestPositive > 0 && largestNegative > 0) constant = Math.min(largestPositive, largestNegative);
  else constant = Math.max(Math.min(...finite.map(Math.abs).filter((v) => v > 0)), largest * 1e-12);
  // Ticks from the decade the constant is in: the linear part near 0 gets one too.
  const from = 10 ** Math.floor(Math.log10(constant));
  const positive = largestPositive > 0 ? decades(from, largestPositive) : [];
  const negative =
    largestNegative > 0
      ? decades(from, largestNegative)
          .map((v) => -v)
          .reverse()
      : [];
  return { scale: { type: 'symlog', constant }, ticks: [...negative, 0, ...positive] };
}

/**
 * Tick values for a log-like axis over [lo, hi]: powers of ten, every k-th so there are at most 6;
 * over less than two decades, 1-2-5 steps, so a short range still gets a few ticks.
 */
export function decades(lo: number, hi: number): number[] {
  const from = Math.ceil(Math.log10(lo) - 1e-9);
  const to = Math.floor(Math.log10(hi) + 1e-9);
  if (to - from < 2) {
    const steps: number[] = [];
    for (let e = from - 1; e <= to; e++) for (const m of [1, 2, 5]) steps.push(Number(`${m}e${e}`));
    return steps.filter((v) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9));
  }
  const every = Math.ceil((to - from + 1) / 6);
  const out: number[] = [];
  for (let e = to; e >= from; e -= every) out.unshift(Number(`1e${e}`));
  return out;
}
