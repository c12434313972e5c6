/**
 * `mo-train boundary` against brute force: a boundary.json and a dense grid sweep over the same
 * range and seeds, compared per seed. Pure (types only from src/): the bench
 * (bench/boundary-vs-grid.ts), its end-to-end test (test/e2e/boundary-vs-grid.test.ts) and the
 * unit tests (test/unit/boundary-vs-grid.test.ts) all call it on what they read.
 *
 * Per seed:
 * - the grid is **monotone** when every stable grid value lies below every unstable one ("unstable"
 *   = a verdict in boundary.json's `unstable_verdicts`; failed grid runs are left out and listed);
 * - the grid's **flip**: its last stable value below its first unstable one (null where it has none);
 * - **consistent** (judged only where the grid is monotone and the search ended): the boundary's
 *   interval (stable, unstable] — (−∞, LO] for `unstable_at_lo`, (HI, ∞) for `stable_throughout` —
 *   meets the grid's (last stable, first unstable], with a missing end open;
 * - **at a grid flip**: the boundary's interval meets one of the grid's stable→unstable steps
 *   (adjacent grid values): for a non-monotone grid, whether the bracket sits at one of its flips;
 * - **contradictions**: where the boundary's own probes and the grid disagree on the order —
 *   an unstable probe at or below a stable grid value, or a stable probe at or above an unstable
 *   one. An inconsistent bracket always comes with one (the verdicts along the setting are not
 *   monotone between the grid's values); without any, a disagreement would be the search's bug;
 * - **same-value mismatches**: a value both probed and on the grid (the range's ends at least) with
 *   different verdicts: the same run giving two answers — never expected (runs are deterministic).
 */
import type { BoundaryFile, BoundarySeed, TrackStatus } from '../../src/results/boundary-file.js';
import type { Verdict } from '../../src/summary/verdict.js';

/** One run of the grid: the searched setting's value and the run's verdict (`failed` for a failed run). */
export interface GridPoint {
  readonly value: number;
  readonly verdict: Verdict;
}

export interface GridFlip {
  /** The largest stable grid value below the first unstable one; null: the grid is unstable from its first value. */
  readonly lastStable: number | null;
  /** The smallest unstable grid value; null: stable at every grid value. */
  readonly firstUnstable: number | null;
}

export interface Contradiction {
  readonly probe: { readonly value: number; readonly verdict: Verdict };
  readonly grid: { readonly value: number; readonly verdict: Verdict };
}

export interface SeedComparison {
  readonly seed: number;
  readonly status: TrackStatus;
  readonly stable: number | null;
  readonly unstable: number | null;
  /** Grid values judged (failed runs left out). */
  readonly gridValues: number;
  /** Values whose grid run failed: left out of everything below. */
  readonly gridFailed: readonly number[];
  readonly gridMonotone: boolean;
  readonly gridFlip: GridFlip;
  /** Every stable→unstable step between adjacent judged grid values, going up (one for a monotone grid with a flip). */
  readonly gridFlips: readonly { readonly stable: number; readonly unstable: number }[];
  /** Null: not judged (the grid is not monotone, or the search of this seed failed or is open). */
  readonly consistent: boolean | null;
  readonly atGridFlip: boolean;
  /** The boundary's bracket ends against the grid: the nearest offending grid value per end (at most two). */
  readonly contradictions: readonly Contradiction[];
  readonly sameValueMismatches: readonly { readonly value: number; readonly boundary: Verdict; readonly grid: Verdict }[];
}

export interface BoundaryVsGrid {
  readonly param: string;
  readonly runsUsed: number;
  readonly gridRuns: number;
  /** runsUsed / gridRuns. */
  readonly ratio: number;
  readonly rounds: number;
  readonly seeds: readonly SeedComparison[];
  /** Seeds whose grid is monotone and whose bracket agrees with it, of those judged. */
  readonly consistentSeeds: number;
  readonly judgedSeeds: number;
}

/** Two values the same run: equal up to float formatting (a grid's 10^-4 and a --range's 1e-4). */
function sameValue(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
}

/** (a, b] ∩ (c, d] is not empty (an end may be ±∞). */
function meets(a: number, b: number, c: number, d: number): boolean {
  return Math.max(a, c) < Math.min(b, d);
}

/** The boundary's interval on the axis: (stable, unstable], open at a missing end. */
function boundaryInterval(s: BoundarySeed): [number, number] {
  return [s.stable ?? -Infinity, s.unstable ?? Infinity];
}

/**
 * Compares one seed's search with that seed's grid. `unstableVerdicts` from the boundary.json
 * (the grid's verdicts are classified the same way).
 */
export function compareSeed(seed: BoundarySeed, grid: readonly GridPoint[], unstableVerdicts: readonly Verdict[]): SeedComparison {
  const isUnstable = (v: Verdict) => unstableVerdicts.includes(v);
  const judged = grid.filter((p) => p.verdict !== 'failed').sort((a, b) => a.value - b.value);
  const gridFailed = grid.filter((p) => p.verdict === 'failed').map((p) => p.value);
  const stableVals = judged.filter((p) => !isUnstable(p.verdict)).map((p) => p.value);
  const unstableVals = judged.filter((p) => isUnstable(p.verdict)).map((p) => p.value);
  const firstUnstable = unstableVals.length > 0 ? unstableVals[0]! : null;
  const below = firstUnstable === null ? stableVals : stableVals.filter((v) => v < firstUnstable);
  const gridFlip: GridFlip = { lastStable: below.length > 0 ? below.at(-1)! : null, firstUnstable };
  const gridMonotone = stableVals.length === 0 || unstableVals.length === 0 || stableVals.at(-1)! < unstableVals[0]!;

  const gridFlips: { stable: number; unstable: number }[] = [];
  for (let i = 1; i < judged.length; i++) {
    if (!isUnstable(judged[i - 1]!.verdict) && isUnstable(judged[i]!.verdict)) gridFlips.push({ stable: judged[i - 1]!.value, unstable: judged[i]!.value });
  }

  const [s, u] = boundaryInterval(seed);
  const searched = seed.status === 'bracketed' || seed.status === 'stable_throughout' || seed.status === 'unstable_at_lo';
  const consistent = gridMonotone && searched ? meets(s, u, gridFlip.lastStable ?? -Infinity, gridFlip.firstUnstable ?? Infinity) : null;
  // A grid that never flips: "at a flip" means the search, too, found none on the same side.
  const atGridFlip =
    gridFlips.length > 0
      ? searched && gridFlips.some((f) => meets(s, u, f.stable, f.unstable))
      : searched && meets(s, u, gridFlip.lastStable ?? -Infinity, gridFlip.firstUnstable ?? Infinity);

  const verdictAt = (value: number | null) => (value === null ? undefined : seed.probes.find((p) => p.value === value)?.verdict);
  const contradictions: Contradiction[] = [];
  // The bracket's unstable end at or below a stable grid value: the nearest such grid value.
  const uVerdict = verdictAt(seed.unstable);
  if (seed.unstable !== null && uVerdict !== undefined) {
    const g = judged.find((p) => !isUnstable(p.verdict) && p.value >= seed.unstable! && !sameValue(p.value, seed.unstable!));
    if (g) contradictions.push({ probe: { value: seed.unstable, verdict: uVerdict }, grid: { value: g.value, verdict: g.verdict } });
  }
  // Its stable end at or above an unstable grid value: the nearest one below it.
  const sVerdict = verdictAt(seed.stable);
  if (seed.stable !== null && sVerdict !== undefined) {
    const g = [...judged].reverse().find((p) => isUnstable(p.verdict) && p.value <= seed.stable! && !sameValue(p.value, seed.stable!));
    if (g) contradictions.push({ probe: { value: seed.stable, verdict: sVerdict }, grid: { value: g.value, verdict: g.verdict } });
  }

  const sameValueMismatches = seed.probes.flatMap((p) => {
    const g = grid.find((q) => sameValue(q.value, p.value));
    return g !== undefined && g.verdict !== p.verdict ? [{ value: p.value, boundary: p.verdict, grid: g.verdict }] : [];
  });

  return {
    seed: seed.seed,
    status: seed.status,
    stable: seed.stable,
    unstable: seed.unstable,
    gridValues: judged.length,
    gridFailed,
    gridMonotone,
    gridFlip,
    gridFlips,
    consistent,
    atGridFlip,
    contradictions,
    sameValueMismatches,
  };
}

/**
 * Every seed of `boundary` against its grid (`grid.get(seed)`); `gridRuns` is the grid sweep's
 * run count (every seed, failed runs included). A search with --across is not compared (one grid
 * per seed cannot stand for several across values).
 */
export function compareBoundaryToGrid(boundary: BoundaryFile, grid: ReadonlyMap<number, readonly GridPoint[]>, gridRuns: number): BoundaryVsGrid {
  if (boundary.across_key !== null) throw new Error(`compareBoundaryToGrid: a search across ${boundary.across_key} is not compared with one grid per seed`);
  const seeds = boundary.seeds.map((s) => {
    const points = grid.get(s.seed);
    if (points === undefined) throw new Error(`compareBoundaryToGrid: the grid has no runs of seed ${s.seed}`);
    return compareSeed(s, points, boundary.unstable_verdicts);
  });
  const judged = seeds.filter((s) => s.consistent !== null);
  return {
    param: boundary.param,
    runsUsed: boundary.runs_used,
    gridRuns,
    ratio: gridRuns > 0 ? boundary.runs_used / gridRuns : Infinity,
    rounds: boundary.rounds,
    seeds,
    consistentSeeds: judged.filter((s) => s.consistent === true).length,
    judgedSeeds: judged.length,
  };
}

/** A value as the table prints it: 3 significant digits. */
export function shortValue(x: number | null): string {
  if (x === null) return '–';
  return String(Number(x.toPrecision(3)));
}

/** The boundary's bracket as the table prints it: `(0.46, 0.481]`, `(10, ∞)`, `(−∞, 0.0001]`. */
export function bracketText(c: Pick<SeedComparison, 'stable' | 'unstable' | 'status'>): string {
  if (c.status === 'failed' || c.status === 'open') return c.status;
  return `(${c.stable === null ? '−∞' : shortValue(c.stable)}, ${c.unstable === null ? '∞)' : `${shortValue(c.unstable)}]`}`;
}

/** The grid's flip as the table prints it, with every flip of a non-monotone grid. */
export function gridFlipText(c: SeedComparison): string {
  const first = `(${c.gridFlip.lastStable === null ? '−∞' : shortValue(c.gridFlip.lastStable)}, ${c.gridFlip.firstUnstable === null ? '∞)' : `${shortValue(c.gridFlip.firstUnstable)}]`}`;
  if (c.gridMonotone) return first;
  return `${c.gridFlips.length} flips: ${c.gridFlips.map((f) => `(${shortValue(f.stable)}, ${shortValue(f.unstable)}]`).join(' ')}`;
}

/** Why a bracket disagrees, in words: `probe 0.55 oscillating < grid 0.562 drifting`. */
export function contradictionText(c: SeedComparison): string {
  return c.contradictions
    .map(
      (x) =>
        `probe ${shortValue(x.probe.value)} ${x.probe.verdict} ${x.probe.value <= x.grid.value ? '≤' : '≥'} grid ${shortValue(x.grid.value)} ${x.grid.verdict}`,
    )
    .join('; ');
}
