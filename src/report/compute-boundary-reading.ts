/**
 * The reading's sentences about boundary.json: where, per seed, training turns unstable, and the
 * value at which 10%, 50% and 90% of the seeds are — the critical value a person came for. Pure.
 */
import type { BoundaryFile, BoundaryQuantiles, BoundarySeed } from '../results/boundary-file.js';
import type { AxisValue } from '../spec/types.js';
import { computeShortTexts, formatShortNumber } from '../summary/short-values.js';
import { joinAnd, joinOr, MAX_LISTED } from './word-lists.js';

export function describeBoundary(b: BoundaryFile): string[] {
  const name = b.param === 'alpha' ? 'α' : b.param;
  const [lo, hi] = b.range.map((v) => formatShortNumber(v));
  const acrossText = computeShortTexts(b.seeds.map((s) => s.across ?? undefined));
  const seedLabel = (s: BoundarySeed) => (s.across === null ? `seed ${s.seed}` : `seed ${s.seed} (${b.across_key} = ${acrossText(s.across)})`);
  const sentences: string[] = [];
  if (!b.complete) {
    sentences.push(
      `The boundary search was interrupted after ${b.rounds} ${b.rounds === 1 ? 'round' : 'rounds'}: the brackets below are as far as it got (run mo-train boundary again to resume it).`,
    );
  }
  const unstable = `unstable (${joinOr(b.unstable_verdicts)})`;
  if (b.across_key === null) {
    const bracketed = b.seeds.filter((s) => s.stable !== null && s.unstable !== null && s.status !== 'failed');
    if (bracketed.length > 0 && bracketed.length <= MAX_LISTED) {
      const each = bracketed.map((s, i) => `between ${i === 0 ? `${name} = ` : ''}${renderBracket(s.stable!, s.unstable!)} for ${seedLabel(s)}`);
      sentences.push(`Training turns ${unstable} ${joinAnd(each)}.`);
    } else if (bracketed.length > MAX_LISTED) {
      const byEstimate = [...bracketed].sort((x, y) => (x.estimate ?? x.unstable!) - (y.estimate ?? y.unstable!));
      const [first, last] = [byEstimate[0]!, byEstimate.at(-1)!];
      sentences.push(
        `Training turns ${unstable} at ${name} from ≈ ${formatShortNumber(first.estimate ?? first.unstable!)} (${seedLabel(first)}) to ≈ ${formatShortNumber(last.estimate ?? last.unstable!)} (${seedLabel(last)}), depending on the seed (each seed's bracket in the boundary table).`,
      );
    }
    const spread = describeQuantiles(b.quantiles, name, hi!);
    if (spread !== null) sentences.push(`Across ${spread}.`);
  } else if (b.curve.length <= MAX_LISTED) {
    for (const point of b.curve) {
      const spread = describeQuantiles(point, name, hi!);
      if (spread !== null) sentences.push(`With ${b.across_key} = ${acrossText(point.across)}, across ${spread}.`);
    }
  } else {
    sentences.push(describeCurve(b, name, acrossText));
  }

  const withStatus = (status: BoundarySeed['status']) => b.seeds.filter((s) => s.status === status);
  const stableThroughout = withStatus('stable_throughout');
  if (stableThroughout.length > 0) {
    const many = stableThroughout.length > 1;
    sentences.push(
      `${capitalize(listSeeds(stableThroughout, seedLabel))} ${many ? 'are' : 'is'} stable up to ${name} = ${hi}, the top of the range: ${many ? 'their flips lie' : 'its flip lies'} higher.`,
    );
  }
  const unstableAtLo = withStatus('unstable_at_lo');
  if (unstableAtLo.length > 0) {
    const many = unstableAtLo.length > 1;
    sentences.push(
      `${capitalize(listSeeds(unstableAtLo, seedLabel))} ${many ? 'are' : 'is'} ${unstable} already at ${name} = ${lo}, the bottom of the range: ${many ? 'their flips lie' : 'its flip lies'} lower.`,
    );
  }
  for (const s of withStatus('failed').slice(0, MAX_LISTED)) {
    const failed = [...s.probes].reverse().find((p) => p.verdict === 'failed') ?? s.probes.at(-1);
    const where = failed ? ` at ${name} = ${formatShortNumber(failed.value)}` : '';
    sentences.push(`The search of ${seedLabel(s)} stopped${where}: its run failed${s.error ? ` (${s.error})` : ''}, so that seed is not counted.`);
  }
  if (withStatus('failed').length > MAX_LISTED)
    sentences.push(`The searches of ${withStatus('failed').length - MAX_LISTED} more seeds stopped at a failed run.`);
  for (const s of b.seeds.filter((x) => !x.monotone && x.unstable !== null).slice(0, MAX_LISTED)) {
    const above = joinAnd(s.stable_above.map((v) => formatShortNumber(v)));
    sentences.push(
      `${capitalize(seedLabel(s))} is not monotone: it first turns ${unstable} at ${name} = ${formatShortNumber(s.unstable!)}, yet is stable again at ${above} above it; its bracket is around that first flip.`,
    );
  }
  return sentences;
}

/**
 * `the 5 seeds, half are unstable from α ≈ 0.03 (10%: 0.02, 90%: 0.05)` — the sentence's tail,
 * after "Across"; null when no seed is counted (the seeds' own sentences say why).
 */
function describeQuantiles(q: BoundaryQuantiles, name: string, hi: string): string | null {
  if (q.counted === 0) return null;
  const seeds = q.counted === 1 ? 'the one seed counted' : `the ${q.counted} seeds`;
  const notCounted = q.failed > 0 ? `; ${q.failed} failed ${q.failed === 1 ? 'seed is' : 'seeds are'} not counted` : '';
  const at = (v: number | null) => (v === null ? `not reached up to ${hi}` : formatShortNumber(v));
  if (q.p50 === null) {
    return `${seeds}, fewer than half turn unstable inside the range (up to ${name} = ${hi})${q.p10 !== null ? `; 10% are from ${name} ≈ ${at(q.p10)}` : ''}${notCounted}`;
  }
  return `${seeds}, half are unstable from ${name} ≈ ${at(q.p50)} (10%: ${at(q.p10)}, 90%: ${at(q.p90)})${notCounted}`;
}

/** Many across values: where half the seeds are unstable, from the first across value to the last. */
function describeCurve(b: BoundaryFile, name: string, acrossText: (v: AxisValue | undefined) => string): string {
  const known = b.curve.filter((c) => c.p50 !== null);
  const first = known[0];
  const last = known.at(-1);
  if (!first || !last) return `For none of the ${b.curve.length} values of ${b.across_key} do half the seeds turn unstable inside the range.`;
  return `Half the seeds are unstable from ${name} ≈ ${formatShortNumber(first.p50!)} at ${b.across_key} = ${acrossText(first.across)} to ${name} ≈ ${formatShortNumber(last.p50!)} at ${b.across_key} = ${acrossText(last.across)} (${known.length} of ${b.curve.length} values of ${b.across_key} reach half inside the range; each in the boundary table).`;
}

/** A bracket's two ends, each with as many digits as it takes for them to differ (a 0.1% tolerance needs more than four). */
export function renderBracket(stable: number, unstable: number): string {
  const short = computeShortTexts([stable, unstable]);
  return `${short(stable)} and ${short(unstable)}`;
}

function listSeeds(seeds: readonly BoundarySeed[], label: (s: BoundarySeed) => string): string {
  if (seeds.every((s) => s.across === null)) return `${seeds.length === 1 ? 'seed' : 'seeds'} ${joinAnd(seeds.map((s) => String(s.seed)))}`;
  return joinAnd(seeds.map(label));
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
