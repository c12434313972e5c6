/**
 * The stability-boundary search, pure: per track (a seed, and an `--across` value), bracket the
 * first flip from stable to unstable along one setting and narrow it by k-section until the
 * bracket is within the tolerance. Runs are an injected `evaluate`, so the search is tested on
 * synthetic verdict functions (test/unit/boundary-search.test.ts) and the CLI plugs in the pool.
 *
 * Rounds: every round asks for the next points of every open track at once — the range's two ends
 * first, then k points evenly spaced (on the scale) inside each open bracket, k shared out so that
 * a round has about `jobs` probes; once a bracket is narrow, one more round checks below it (the
 * middles of the widest gaps between the stable probes under it), because verdicts need not be
 * monotone: an unstable probe there is an earlier flip, and the search narrows that one instead. Wall time follows the rounds; a larger --jobs means fewer
 * rounds at the price of more runs. Each round depends only on the outcomes of the rounds before
 * it, so replaying the search over finished runs (a resume) asks for the very same probes.
 *
 * "The flip" is the first one going up the range: the smallest unstable probe and the largest
 * stable probe below it. Stable probes above it (non-monotone verdicts) are kept and reported.
 */
import type { BoundaryScale, TrackStatus } from '../results/boundary-file.js';
import type { AxisValue } from '../spec/types.js';

export type ProbeOutcome = 'stable' | 'unstable' | 'failed';

export interface SearchRange {
  readonly lo: number;
  readonly hi: number;
  readonly scale: BoundaryScale;
  /** Narrow until hi/lo ≤ 1 + relTol (log) or hi − lo ≤ relTol × (HI − LO) (linear). */
  readonly relTol: number;
}

export interface KnownProbe {
  readonly value: number;
  readonly outcome: ProbeOutcome;
  readonly round: number;
}

export interface TrackAssessment {
  readonly status: TrackStatus;
  readonly stable: number | null;
  readonly unstable: number | null;
  readonly estimate: number | null;
  readonly monotone: boolean;
  readonly stableAbove: readonly number[];
}

/** Where a value sits on the search's axis: its logarithm on a log scale. */
function position(range: SearchRange, x: number): number {
  return range.scale === 'log' ? Math.log(x) : x;
}

function fromPosition(range: SearchRange, t: number): number {
  return range.scale === 'log' ? Math.exp(t) : t;
}

/** Whether the bracket (s, u) is narrow enough to stop. */
export function isNarrow(range: SearchRange, s: number, u: number): boolean {
  return range.scale === 'log' ? u / s <= 1 + range.relTol : u - s <= range.relTol * (range.hi - range.lo);
}

/** The middle of a bracket on the scale: its geometric (log) or arithmetic (linear) mean. */
export function midpoint(range: SearchRange, s: number, u: number): number {
  return range.scale === 'log' ? Math.sqrt(s) * Math.sqrt(u) : s + (u - s) / 2;
}

/**
 * Where a track stands after the probes so far. A failed probe ends the track (status `failed`):
 * its bracket is what the other probes say. Until both ends of the range are probed, `open`.
 */
export function assessTrack(range: SearchRange, probes: readonly KnownProbe[]): TrackAssessment {
  const sorted = probes.filter((p) => p.outcome !== 'failed').sort((a, b) => a.value - b.value);
  const failed = probes.some((p) => p.outcome === 'failed');
  const firstUnstable = sorted.findIndex((p) => p.outcome === 'unstable');
  const unstable = firstUnstable >= 0 ? sorted[firstUnstable]!.value : null;
  const stableBelow = firstUnstable > 0 ? sorted[firstUnstable - 1]!.value : firstUnstable < 0 ? (sorted.at(-1)?.value ?? null) : null;
  const stableAbove = unstable === null ? [] : sorted.filter((p) => p.outcome === 'stable' && p.value > unstable).map((p) => p.value);
  const monotone = stableAbove.length === 0;
  const base = { stable: stableBelow, unstable, monotone, stableAbove };
  const hasEnd = (x: number) => sorted.some((p) => p.value === x);
  let status: TrackStatus;
  if (failed) status = 'failed';
  else if (!hasEnd(range.lo) || !hasEnd(range.hi)) status = 'open';
  else if (unstable === null) status = 'stable_throughout';
  else if (unstable === range.lo) status = 'unstable_at_lo';
  else status = isNarrow(range, stableBelow!, unstable) && belowChecked(range, probes, sorted, stableBelow!, unstable) ? 'bracketed' : 'open';
  const estimate = status === 'bracketed' ? midpoint(range, stableBelow!, unstable!) : null;
  return { ...base, status, estimate };
}

/**
 * Whether a narrow bracket (s, u) has been checked from below: a round after the one that set it
 * probed between the stable probes under s (checkBelow) — all stable then, or the bracket would
 * have moved down to the lower flip — or there is no gap there wide enough to probe.
 */
function belowChecked(range: SearchRange, probes: readonly KnownProbe[], sorted: readonly KnownProbe[], s: number, u: number): boolean {
  const roundOf = (x: number) => probes.find((p) => p.value === x)!.round;
  const settled = Math.max(roundOf(s), roundOf(u));
  return probes.some((p) => p.round > settled && p.value < s) || gapsBelow(range, sorted, s).length === 0;
}

/**
 * The gaps between consecutive (stable) probes up to s wider than twice the tolerance, widest
 * first, as [a, b] pairs: where a band of unstable values below the flip found by narrowing could
 * still hide.
 */
function gapsBelow(range: SearchRange, sorted: readonly KnownProbe[], s: number): [number, number][] {
  const below = sorted.filter((p) => p.value <= s).map((p) => p.value);
  const width = (a: number, b: number) => position(range, b) - position(range, a);
  const tol = range.scale === 'log' ? 2 * Math.log1p(range.relTol) : 2 * range.relTol * (range.hi - range.lo);
  const gaps: [number, number][] = [];
  for (let i = 1; i < below.length; i++) if (width(below[i - 1]!, below[i]!) > tol) gaps.push([below[i - 1]!, below[i]!]);
  return gaps.sort((x, y) => width(y[0], y[1]) - width(x[0], x[1]));
}

/** How many points a round may put into (s, u) and still be useful: no more than one round needs to close it. */
function pointsToClose(range: SearchRange, s: number, u: number): number {
  // The points are rounded to short values (niceValue), so each gap may be a little wider than
  // planned: aim a little under the tolerance so one round does close it.
  const gap = range.scale === 'log' ? Math.log(u / s) / Math.log1p(range.relTol * 0.98) : (u - s) / (range.relTol * 0.98 * (range.hi - range.lo));
  return Math.max(1, Math.ceil(gap) - 1);
}

/**
 * The next points of one track: nothing when it is done (bracketed, stable throughout, unstable at
 * LO, failed); the range's ends (and k − 2 points between them) first; then k points inside its
 * open bracket.
 */
export function nextProbes(range: SearchRange, probes: readonly KnownProbe[], k: number): number[] {
  const at = assessTrack(range, probes);
  if (at.status !== 'open') return [];
  const probed = new Set(probes.map((p) => p.value));
  if (!probed.has(range.lo) || !probed.has(range.hi)) {
    const ends = [range.lo, range.hi].filter((x) => !probed.has(x));
    return [...ends, ...spacedPoints(range, range.lo, range.hi, Math.max(0, k - ends.length))].sort((a, b) => a - b);
  }
  const s = at.stable!;
  const u = at.unstable!;
  if (!isNarrow(range, s, u)) return spacedPoints(range, s, u, Math.min(k, pointsToClose(range, s, u)));
  // Narrow, not yet checked from below: the middles of the k widest gaps under it.
  const sorted = probes.filter((p) => p.outcome !== 'failed').sort((a, b) => a.value - b.value);
  return gapsBelow(range, sorted, s)
    .slice(0, k)
    .flatMap(([a, b]) => spacedPoints(range, a, b, 1))
    .sort((a, b) => a - b);
}

/** `n` points strictly inside (a, b), evenly spaced on the scale, each rounded to a short value. */
function spacedPoints(range: SearchRange, a: number, b: number, n: number): number[] {
  if (n <= 0) return [];
  const [ta, tb] = [position(range, a), position(range, b)];
  const step = (tb - ta) / (n + 1);
  const out: number[] = [];
  let below = a;
  for (let i = 1; i <= n; i++) {
    const exact = fromPosition(range, ta + step * i);
    const v = niceValue(range, exact, below, b, step * 0.02);
    if (v > below && v < b) {
      out.push(v);
      below = v;
    }
  }
  return out;
}

/**
 * `x` with as few significant digits as keep it strictly inside (a, b) and within `slack` of it
 * on the scale: run ids read `alpha=0.0316`, not `alpha=0.031622776601683794`.
 */
export function niceValue(range: SearchRange, x: number, a: number, b: number, slack: number): number {
  const tx = position(range, x);
  for (let digits = 1; digits <= 17; digits++) {
    const v = Number(x.toPrecision(digits));
    if (v > a && v < b && Math.abs(position(range, v) - tx) <= slack) return v === 0 ? 0 : v;
  }
  return x;
}

export interface SearchTrack {
  readonly seed: number;
  readonly across: AxisValue | null;
}

export interface ProbeRequest {
  readonly track: number;
  readonly value: number;
}

/** A round's outcomes, in the order asked; null: the round was interrupted and the search stops. */
export type Evaluate = (requests: readonly ProbeRequest[], round: number) => Promise<ProbeOutcome[] | null>;

export interface SearchResult {
  /** Per track, in the order probed. */
  readonly probes: readonly KnownProbe[][];
  readonly rounds: number;
  readonly complete: boolean;
}

/**
 * Runs the search over every track: rounds of probes until every track is done (or `evaluate`
 * says the round was interrupted). `jobs` is how many probes a round should hold: each open track
 * gets ⌊jobs / open⌋ (at least 1) and the first ones one more, so the workers stay busy.
 */
export async function searchBoundary(
  range: SearchRange,
  trackCount: number,
  jobs: number,
  evaluate: Evaluate,
  /** After every round, with the probes so far (complete: false). */
  onRound?: (sofar: SearchResult) => void,
  maxRounds = 200,
): Promise<SearchResult> {
  const probes: KnownProbe[][] = Array.from({ length: trackCount }, () => []);
  let rounds = 0;
  while (rounds < maxRounds) {
    const open = probes.map((p, i) => ({ i, at: assessTrack(range, p) })).filter((t) => t.at.status === 'open');
    if (open.length === 0) return { probes, rounds, complete: true };
    const base = Math.max(1, Math.floor(jobs / open.length));
    const extra = jobs > open.length ? jobs % open.length : 0;
    const requests: ProbeRequest[] = open.flatMap((t, n) =>
      nextProbes(range, probes[t.i]!, base + (n < extra ? 1 : 0)).map((value) => ({ track: t.i, value })),
    );
    if (requests.length === 0) throw new Error('searchBoundary: an open track asked for no probe');
    const round = rounds + 1;
    const outcomes = await evaluate(requests, round);
    if (outcomes === null) return { probes, rounds, complete: false };
    rounds = round;
    requests.forEach((r, i) => probes[r.track]!.push({ value: r.value, outcome: outcomes[i]!, round }));
    onRound?.({ probes, rounds, complete: false });
  }
  throw new Error(`searchBoundary: still open after ${maxRounds} rounds`);
}
