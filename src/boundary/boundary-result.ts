/**
 * The search's outcome as boundary.json spells it (results/boundary-file.ts): per track its
 * bracket, estimate, monotonicity and probes; across seeds the quantiles, and with `--across` the
 * curve of them. Pure.
 */
import { BOUNDARY_FORMAT_VERSION, type BoundaryFile, type BoundaryProbe, type BoundarySeed } from '../results/boundary-file.js';
import type { Verdict } from '../summary/verdict.js';
import type { AxisValue } from '../spec/types.js';
import { computeQuantiles } from './quantiles.js';
import { assessTrack, type SearchRange, type SearchResult, type SearchTrack } from './search.js';

/** What a probe's run said: its verdict, its id, and the error of a failed one. */
export interface ProbeRecord {
  readonly verdict: Verdict;
  readonly runId: string;
  readonly error: string | null;
}

export interface BoundaryMeta {
  readonly param: string;
  readonly range: SearchRange;
  readonly unstableVerdicts: readonly Verdict[];
  readonly across: { readonly key: string; readonly values: readonly AxisValue[] } | null;
  readonly jobs: number;
  readonly wallTimeS: number;
}

export function buildBoundaryFile(
  meta: BoundaryMeta,
  tracks: readonly SearchTrack[],
  search: SearchResult,
  recordOf: (track: number, value: number) => ProbeRecord,
): BoundaryFile {
  const { range } = meta;
  const seeds: BoundarySeed[] = tracks.map((track, i) => {
    const known = search.probes[i] ?? [];
    const at = assessTrack(range, known);
    const probes: BoundaryProbe[] = known.map((p) => {
      const r = recordOf(i, p.value);
      return { value: p.value, verdict: r.verdict, run_id: r.runId, round: p.round };
    });
    const failed = known.find((p) => p.outcome === 'failed');
    return {
      seed: track.seed,
      across: track.across,
      status: at.status,
      stable: at.stable,
      unstable: at.unstable,
      estimate: at.estimate,
      monotone: at.monotone,
      stable_above: at.stableAbove,
      error: failed ? recordOf(i, failed.value).error : null,
      probes,
    };
  });
  const sameAcross = (a: AxisValue | null, b: AxisValue) => a === b;
  return {
    format_version: BOUNDARY_FORMAT_VERSION,
    param: meta.param,
    scale: range.scale,
    range: [range.lo, range.hi],
    rel_tol: range.relTol,
    unstable_verdicts: meta.unstableVerdicts,
    across_key: meta.across?.key ?? null,
    complete: search.complete,
    jobs: meta.jobs,
    rounds: search.rounds,
    runs_used: seeds.reduce((n, s) => n + s.probes.length, 0),
    wall_time_s: meta.wallTimeS,
    seeds,
    quantiles: computeQuantiles(seeds, range.scale),
    curve: (meta.across?.values ?? []).map((a) => ({
      across: a,
      ...computeQuantiles(
        seeds.filter((s) => sameAcross(s.across, a)),
        range.scale,
      ),
    })),
  };
}
