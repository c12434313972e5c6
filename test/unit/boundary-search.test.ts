import { describe, expect, it } from 'vitest';
import { computeQuantiles } from '../../src/boundary/quantiles.js';
import { assessTrack, niceValue, searchBoundary, type ProbeOutcome, type ProbeRequest, type SearchRange } from '../../src/boundary/search.js';
import type { BoundarySeed } from '../../src/results/boundary-file.js';

const LOG: SearchRange = { lo: 1e-4, hi: 10, scale: 'log', relTol: 0.05 };
const LINEAR: SearchRange = { lo: -1, hi: 1, scale: 'linear', relTol: 0.01 };

/** A synthetic verdict per track; every request recorded, per round. */
function synthetic(verdicts: readonly ((x: number) => ProbeOutcome)[]) {
  const asked: ProbeRequest[][] = [];
  const evaluate = async (requests: readonly ProbeRequest[]) => {
    asked.push([...requests]);
    return requests.map((r) => verdicts[r.track]!(r.value));
  };
  return { asked, evaluate };
}

const flipAt =
  (c: number) =>
  (x: number): ProbeOutcome =>
    x >= c ? 'unstable' : 'stable';

async function search(range: SearchRange, verdicts: ((x: number) => ProbeOutcome)[], jobs: number) {
  const s = synthetic(verdicts);
  const result = await searchBoundary(range, verdicts.length, jobs, s.evaluate);
  return { ...result, asked: s.asked, at: result.probes.map((p) => assessTrack(range, p)) };
}

describe('the boundary search on synthetic verdicts', () => {
  it('brackets a monotone flip on a log scale to the tolerance, for every track, with every job count', async () => {
    const flips = [0.0437, 0.0012, 3.3];
    for (const jobs of [1, 2, 3, 8]) {
      const r = await search(LOG, flips.map(flipAt), jobs);
      expect(r.complete).toBe(true);
      r.at.forEach((at, i) => {
        expect(at.status).toBe('bracketed');
        expect(at.stable!).toBeLessThan(flips[i]!);
        expect(at.unstable!).toBeGreaterThanOrEqual(flips[i]!);
        expect(at.unstable! / at.stable!).toBeLessThanOrEqual(1.05);
        expect(at.estimate!).toBeGreaterThan(at.stable!);
        expect(at.estimate!).toBeLessThan(at.unstable!);
        expect(at.monotone).toBe(true);
      });
      // Every round but the first holds at most `jobs` probes (the first: both ends of each track).
      for (const round of r.asked.slice(1)) expect(round.length).toBeLessThanOrEqual(Math.max(jobs, flips.length));
    }
  });

  it('bisects with one job: the two ends, one probe a round, then one check below (11 runs over 5 decades at 5%)', async () => {
    const r = await search(LOG, [flipAt(0.0437)], 1);
    expect(r.asked[0]!.map((q) => q.value)).toEqual([1e-4, 10]);
    expect(r.asked.slice(1).every((round) => round.length === 1)).toBe(true);
    // ln(1e5)/ln(1.05) = 236 gaps of 5% → ⌈log2 236⌉ = 8 halvings, then the check below the bracket.
    expect(r.probes[0]!.length).toBe(11);
    expect(r.rounds).toBe(10);
    const check = r.probes[0]!.at(-1)!;
    expect(check.value).toBeLessThan(r.at[0]!.stable!);
    expect(check.outcome).toBe('stable');
  });

  it('finds an unstable band below the flip bisection found, by the check below, and narrows that earlier flip', async () => {
    // Unstable on [0.0015, 0.0025] and from 0.0437 on: bisection alone brackets 0.0437.
    const band = (x: number): ProbeOutcome => ((x >= 0.0015 && x <= 0.0025) || x >= 0.0437 ? 'unstable' : 'stable');
    const r = await search(LOG, [band], 1);
    const at = r.at[0]!;
    expect(at.status).toBe('bracketed');
    expect(at.stable!).toBeLessThan(0.0015);
    expect(at.unstable!).toBeGreaterThanOrEqual(0.0015);
    expect(at.unstable! / at.stable!).toBeLessThanOrEqual(1.05);
    expect(at.monotone).toBe(false);
    expect(at.stableAbove.some((v) => v > 0.0025 && v < 0.0437)).toBe(true);
  });

  it('takes fewer rounds with more jobs (k-section), the wall time following rounds', async () => {
    const one = await search(LOG, [flipAt(0.0437)], 1);
    const eight = await search(LOG, [flipAt(0.0437)], 8);
    expect(eight.rounds).toBeLessThanOrEqual(4);
    expect(eight.rounds).toBeLessThan(one.rounds);
    expect(eight.at[0]!.unstable! / eight.at[0]!.stable!).toBeLessThanOrEqual(1.05);
  });

  it('narrows a linear scale to rel-tol × the range, across 0', async () => {
    const r = await search(LINEAR, [flipAt(0.3), flipAt(-0.71)], 2);
    r.at.forEach((at, i) => {
      const c = [0.3, -0.71][i]!;
      expect(at.status).toBe('bracketed');
      expect(at.stable!).toBeLessThan(c);
      expect(at.unstable!).toBeGreaterThanOrEqual(c);
      expect(at.unstable! - at.stable!).toBeLessThanOrEqual(0.01 * 2 + 1e-12);
      expect(at.estimate!).toBeCloseTo((at.stable! + at.unstable!) / 2, 12);
    });
  });

  it('stops after the two ends when stable over the whole range ("stable up to HI")', async () => {
    const r = await search(LOG, [() => 'stable'], 2);
    expect(r.probes[0]!.map((p) => p.value)).toEqual([1e-4, 10]);
    expect(r.at[0]).toMatchObject({ status: 'stable_throughout', stable: 10, unstable: null, estimate: null, monotone: true });
  });

  it('stops after the two ends when unstable already at LO', async () => {
    const r = await search(LOG, [() => 'unstable'], 2);
    expect(r.probes[0]!.length).toBe(2);
    expect(r.at[0]).toMatchObject({ status: 'unstable_at_lo', stable: null, unstable: 1e-4, estimate: null, monotone: true });
  });

  it('finds flips at the very ends of the range', async () => {
    const r = await search(LOG, [flipAt(1e-4 * 1.01), flipAt(10 / 1.01)], 2);
    expect(r.at[0]).toMatchObject({ status: 'bracketed', stable: 1e-4 });
    expect(r.at[0]!.unstable! / 1e-4).toBeLessThanOrEqual(1.05);
    expect(r.at[1]).toMatchObject({ status: 'bracketed', unstable: 10 });
    expect(10 / r.at[1]!.stable!).toBeLessThanOrEqual(1.05);
  });

  it('reports non-monotone verdicts: narrows the first flip and keeps the stable probes above it', async () => {
    // Unstable on [0.01, 0.1] and from 2 on; stable between. Eight jobs: the first round sees both.
    const island = (x: number): ProbeOutcome => ((x >= 0.01 && x <= 0.1) || x >= 2 ? 'unstable' : 'stable');
    const r = await search(LOG, [island], 8);
    const at = r.at[0]!;
    expect(at.status).toBe('bracketed');
    expect(at.monotone).toBe(false);
    expect(at.stable!).toBeLessThan(0.01);
    expect(at.unstable!).toBeGreaterThanOrEqual(0.01);
    expect(at.stableAbove.length).toBeGreaterThan(0);
    for (const v of at.stableAbove) expect(v > 0.1 && v < 2).toBe(true);
  });

  it('stops a track whose probe failed, and goes on with the others', async () => {
    const r = await search(LOG, [(x) => (x > 1 ? 'failed' : 'stable'), flipAt(0.05)], 2);
    expect(r.at[0]!.status).toBe('failed');
    expect(r.probes[0]!.length).toBe(2);
    expect(r.at[1]!.status).toBe('bracketed');
  });

  it('asks for the same probes when run again over the outcomes it had (resume)', async () => {
    const verdicts = [flipAt(0.0437), flipAt(0.2)];
    const whole = await search(LOG, verdicts, 3);
    // Interrupted in round 3, then run again from scratch over the same verdicts.
    const cut = await searchBoundary(LOG, 2, 3, async (req, round) => (round === 3 ? null : req.map((q) => verdicts[q.track]!(q.value))));
    expect(cut.complete).toBe(false);
    expect(cut.rounds).toBe(2);
    const again = await search(LOG, verdicts, 3);
    expect(again.asked).toEqual(whole.asked);
  });

  it('probes short values that stay strictly inside the bracket', async () => {
    const r = await search(LOG, [flipAt(0.0437)], 2);
    for (const p of r.probes[0]!) expect(String(p.value).length).toBeLessThanOrEqual(8);
    expect(niceValue(LOG, Math.sqrt(0.03 * 0.0301), 0.03, 0.0301, 1e-3)).toBeGreaterThan(0.03);
    expect(niceValue(LOG, Math.sqrt(0.03 * 0.0301), 0.03, 0.0301, 1e-3)).toBeLessThan(0.0301);
  });
});

describe('quantiles across seeds', () => {
  const seed = (status: BoundarySeed['status'], stable: number | null, unstable: number | null, estimate: number | null): BoundarySeed => ({
    seed: 0,
    across: null,
    status,
    stable,
    unstable,
    estimate,
    monotone: true,
    stable_above: [],
    error: null,
    probes: [],
  });

  it('gives the smallest values at which 10/50/90% of the seeds are unstable', () => {
    const seeds = [0.01, 0.02, 0.03, 0.04, 0.05].map((e) => seed('bracketed', e * 0.99, e * 1.01, e));
    expect(computeQuantiles(seeds, 'log')).toMatchObject({ p10: 0.01, p50: 0.03, p90: 0.05, spread: 5, counted: 5 });
  });

  it('counts a seed stable up to HI as flipping above the range, one unstable at LO at LO, and leaves failed ones out', () => {
    const seeds = [
      seed('unstable_at_lo', null, 1e-4, null),
      seed('bracketed', 0.02, 0.021, 0.0205),
      seed('stable_throughout', 10, null, null),
      seed('stable_throughout', 10, null, null),
      seed('failed', null, null, null),
    ];
    const q = computeQuantiles(seeds, 'log');
    expect(q).toMatchObject({ p10: 1e-4, p50: 0.0205, p90: null, spread: null, counted: 4, stable_throughout: 2, unstable_at_lo: 1, failed: 1 });
  });

  it('gives a linear spread as a difference, and nothing without counted seeds', () => {
    expect(computeQuantiles([seed('bracketed', 0, 0.2, 0.1), seed('bracketed', 0.4, 0.6, 0.5)], 'linear').spread).toBeCloseTo(0.4, 12);
    expect(computeQuantiles([seed('failed', null, null, null)], 'linear')).toMatchObject({ p10: null, p50: null, p90: null, counted: 0, failed: 1 });
  });
});
