/**
 * The report's opening paragraph: the sweep read as an answer to "which α minimizes loss1 while
 * maximizing loss2, stably?" — computed from the per-α aggregates, in plain sentences. Pure.
 */
import type { BoundaryFile } from '../results/boundary-file.js';
import type { AxisValue } from '../spec/types.js';
import {
  compareCoords,
  computeSpread,
  isSettledFinish,
  OUTCOMES,
  type Aggregates,
  type GroupAggregate,
  type Outcome,
  type Spread,
} from '../summary/aggregate.js';
import { renderFailure, renderFailureAdvice } from '../summary/failure.js';
import { computeShortTexts } from '../summary/short-values.js';
import type { RunRecord, SummarizedRun } from '../summary/run-record.js';
import { fmt } from '../summary/verdict.js';
import { describeBoundary } from './compute-boundary-reading.js';
import { joinAnd, MAX_LISTED } from './word-lists.js';

/**
 * loss1 counts as kept low when its median final value is at most this fraction of its median at
 * step 0: a 99% reduction is what a person would call fitted, whatever the loss's scale.
 */
export const LOSS1_LOW_FRACTION = 0.01;

/** How a group (one α, and one value of every other swept key) did, in the reading's terms. */
export type GroupClass =
  /** α = 0: loss2 is not optimized at all, the reference point. */
  | 'baseline'
  /** Some run diverged or oscillates. */
  | 'unstable'
  /** Some run failed with an error, none diverged or oscillates: a bug to fix, no reading of α. */
  | 'failed'
  /** No run diverged, oscillated or failed; loss1 kept low and loss2 grew: what was asked for. */
  | 'traded'
  /** No run diverged, oscillated or failed, but loss1 did not get low. */
  | 'loss1-high'
  /** No run diverged, oscillated or failed; loss1 low, but loss2 did not grow. */
  | 'loss2-flat'
  /** No run of the group finished. */
  | 'no-result';

export interface GroupReading {
  readonly group: GroupAggregate;
  /** e.g. `α = 0.01` or `α = 0.01, optimizer.lr = 0.001`. */
  readonly label: string;
  readonly kind: GroupClass;
  /** Medians over the group's runs at step 0 (null when none logged a step). */
  readonly start: { readonly loss1: number | null; readonly loss2: number | null };
  /** Runs whose loss2 was still growing over the last window: loss2 has no maximum there. */
  readonly loss2Growing: number;
}

export interface Reading {
  /** One paragraph, sentence by sentence; `answer` is the one to emphasize. */
  readonly sentences: readonly string[];
  readonly answer: string;
  /** The group the answer recommends, if any. */
  readonly best: GroupReading | null;
  readonly groups: readonly GroupReading[];
}

// A failed run is not unstable: it errored (the experiment's code, a killed worker), and says
// nothing about α; it gets its own sentence and advice.
const UNSTABLE = ['oscillating', 'diverged'] as const satisfies readonly Outcome[];
const UNSTABLE_TEXT: Readonly<Record<(typeof UNSTABLE)[number], string>> = { oscillating: 'loss1 oscillates', diverged: 'it diverged' };
/** Distinct failure messages quoted in the reading; the rest are counted. */
const MAX_FAILURES_QUOTED = 3;
const UNFINISHED: readonly Outcome[] = ['missing', 'unfinished', 'corrupt'];

/**
 * @param dir the results directory as the user gave it, for the command that resumes it
 * @param boundary the directory's boundary.json, if any: its critical value follows the sweep's sentence
 */
export function computeReading(runs: readonly RunRecord[], aggregates: Aggregates, dir: string, boundary: BoundaryFile | null = null): Reading {
  const keys = ['alpha', ...aggregates.axis_keys];
  // Each key's values short (3.162e-4) and still distinct, as in the tables.
  const short: Formatters = Object.fromEntries(keys.map((k) => [k, computeShortTexts(aggregates.groups.map((g) => g.coords[k]))]));
  const groups = aggregates.groups.map((g) =>
    readGroup(
      g,
      runs.filter((r) => compareCoords(r.coords, g.coords, keys) === 0 && keys.every((k) => (r.coords[k] === undefined) === (g.coords[k] === undefined))),
      keys,
      short,
    ),
  );
  if (groups.length === 0)
    return {
      sentences: [`${runs.length} ${runs.length === 1 ? 'run' : 'runs'}, none placed on the α grid (see the stability table).`],
      answer: 'No run here has a result to read.',
      best: null,
      groups,
    };
  const sentences = [describeSweep(runs, aggregates, short.alpha!), ...(boundary ? describeBoundary(boundary) : [])];
  const failed = runs.filter((r): r is SummarizedRun => r.state === 'failed');
  if (failed.length > 0) sentences.push(describeFailures(failed, runs.length));
  // The original question's bug (loss2 cut off the graph): every α then trains the same thing.
  const detached = runs.filter((r) => r.summary?.no_gradient.includes('loss2')).length;
  if (detached > 0) sentences.push(`loss2 has no gradient in ${detached} of ${runs.length} runs: it was never maximized there, whatever α (see the notes).`);
  for (const kind of ['baseline', 'traded', 'loss2-flat', 'loss1-high', 'unstable', 'failed', 'no-result'] as const) {
    const members = groups.filter((g) => g.kind === kind);
    if (members.length > 0) sentences.push(describeClass(kind, members));
  }
  return { sentences, ...computeAnswer(groups, failed.length, dir), groups };
}

/** e.g. `2 of 6 runs failed with an error: failed at step 50: boom (alpha=0.1,seed=0 and alpha=0.1,seed=1).` */
function describeFailures(failed: readonly SummarizedRun[], total: number): string {
  const byText = new Map<string, string[]>();
  for (const run of failed) {
    const text = renderFailure(run);
    byText.set(text, [...(byText.get(text) ?? []), run.id]);
  }
  const quoted = [...byText]
    .slice(0, MAX_FAILURES_QUOTED)
    .map(([text, ids]) => `${text} (${ids.length > 2 ? `${ids[0]} and ${ids.length - 1} more` : ids.join(' and ')})`);
  const more = byText.size > MAX_FAILURES_QUOTED ? `; and ${byText.size - MAX_FAILURES_QUOTED} other errors` : '';
  return `${failed.length} of ${total} ${total === 1 ? 'run' : 'runs'} failed with an error — ${quoted.join('; ')}${more}.`;
}

type Formatters = Readonly<Record<string, (v: AxisValue | undefined) => string>>;

function readGroup(group: GroupAggregate, members: readonly RunRecord[], keys: readonly string[], short: Formatters): GroupReading {
  const starts = members.flatMap((r) => (r.summary?.start ? [r.summary.start] : []));
  const start = { loss1: computeSpread(starts.map((s) => s.loss1))?.median ?? null, loss2: computeSpread(starts.map((s) => s.loss2))?.median ?? null };
  const loss2Growing = members.filter((r) => isSettledFinish(r) && r.summary.loss2_behaviour === 'growing').length;
  return { group, label: labelOf(group.coords, keys, short), kind: classify(group, start), start, loss2Growing };
}

function classify(g: GroupAggregate, start: GroupReading['start']): GroupClass {
  if (g.coords.alpha === 0) return 'baseline';
  if (UNSTABLE.some((o) => g.counts[o] > 0)) return 'unstable';
  if (g.counts.failed > 0) return 'failed';
  if (g.loss1 === null || g.loss2 === null) return 'no-result';
  if (start.loss1 === null || g.loss1.median > LOSS1_LOW_FRACTION * Math.abs(start.loss1)) return 'loss1-high';
  if (start.loss2 === null || !(g.loss2.median > start.loss2)) return 'loss2-flat';
  return 'traded';
}

/** e.g. `12 runs (α ∈ {0, 0.01, 0.1, 1} × 3 seeds): 3 converged, 3 drifting, 6 oscillating.` */
function describeSweep(runs: readonly RunRecord[], aggregates: Aggregates, formatAlpha: (v: AxisValue | undefined) => string): string {
  const alphas = distinct(aggregates.groups.map((g) => g.coords.alpha));
  const seeds = distinct(runs.map((r) => r.coords.seed)).length;
  const axes = aggregates.axis_keys.map((k) => ` × ${distinct(aggregates.groups.map((g) => g.coords[k])).length} values of ${k}`).join('');
  const counts = new Map<Outcome, number>();
  for (const g of aggregates.groups) for (const o of OUTCOMES) counts.set(o, (counts.get(o) ?? 0) + g.counts[o]);
  const tally = OUTCOMES.filter((o) => (counts.get(o) ?? 0) > 0).map((o) => `${counts.get(o)} ${o}`);
  const alphaList =
    alphas.length > MAX_LISTED
      ? `${alphas.length} values of α from ${formatAlpha(alphas[0])} to ${formatAlpha(alphas.at(-1))}`
      : `α ∈ {${alphas.map(formatAlpha).join(', ')}}`;
  const grid = `${alphaList}${axes} × ${seeds} ${seeds === 1 ? 'seed' : 'seeds'}`;
  return `${runs.length} ${runs.length === 1 ? 'run' : 'runs'} (${grid})${tally.length > 0 ? `: ${tally.join(', ')}` : ''}.`;
}

function describeClass(kind: GroupClass, members: readonly GroupReading[]): string {
  const who = listLabels(members);
  const loss1 = medianRange(members.map((m) => m.group.loss1));
  const loss2 = medianRange(members.map((m) => m.group.loss2));
  const start1 = startRange(members.map((m) => m.start.loss1));
  const start2 = startRange(members.map((m) => m.start.loss2));
  switch (kind) {
    case 'baseline':
      return `${who} leaves loss2 alone: loss1 ends at ${loss1}, loss2 at ${loss2} (${start2} at step 0).`;
    case 'traded': {
      const growing = members.reduce((n, m) => n + m.loss2Growing, 0);
      const total = members.reduce((n, m) => n + m.group.runs, 0);
      const still =
        growing > 0
          ? ` In ${growing} of ${total} runs loss2 was still growing when training stopped: it has no maximum there, so its final value depends on the number of steps.`
          : '';
      return `${who} kept loss1 low (median final ${loss1}, from ${start1} at step 0) while loss2 grew (median final ${loss2}, from ${start2}), and no run diverged or oscillated.${still}`;
    }
    case 'loss2-flat':
      return `${who} kept loss1 low (median final ${loss1}) but loss2 did not grow (median final ${loss2}, ${start2} at step 0).`;
    case 'loss1-high':
      return `${who} did not keep loss1 low (median final ${loss1}, ${start1} at step 0; low means below ${LOSS1_LOW_FRACTION * 100}% of that).`;
    case 'unstable': {
      const total = members.reduce((n, m) => n + m.group.runs, 0);
      const what = UNSTABLE.map((o) => [o, members.reduce((n, m) => n + m.group.counts[o], 0)] as const)
        .filter(([, n]) => n > 0)
        .map(([o, n]) => `${UNSTABLE_TEXT[o]} in ${n} of ${total} runs`);
      const pushed = members.some((m) => m.group.loss2 !== null) ? ` loss2 reached ${loss2} (median final of the runs that did not diverge or fail), but` : '';
      return `${who}:${pushed} training is unstable — ${joinAnd(what)}.`;
    }
    case 'failed': {
      const total = members.reduce((n, m) => n + m.group.runs, 0);
      const failed = members.reduce((n, m) => n + m.group.counts.failed, 0);
      return `${who}: no reading yet — ${failed} of ${total} runs failed with an error (above), and none diverged or oscillated.`;
    }
    case 'no-result': {
      const open = UNFINISHED.map((o) => [o, members.reduce((n, m) => n + m.group.counts[o], 0)] as const).filter(([, n]) => n > 0);
      return `${who}: no finished run yet (${open.map(([o, n]) => `${n} ${o}`).join(', ')}).`;
    }
  }
}

/**
 * The α to pick — of the groups that did what was asked, the one with the highest loss2 — or why
 * there is none.
 */
function computeAnswer(groups: readonly GroupReading[], failed: number, dir: string): { answer: string; best: GroupReading | null } {
  const traded = groups.filter((g) => g.kind === 'traded');
  // Failures first: until they are fixed, part of the grid has no result, and no α advice could say why.
  const fix = failed > 0 ? `${renderFailureAdvice(failed, dir)}.` : null;
  if (traded.length === 0 && fix !== null) return { answer: fix, best: null };
  if (traded.length === 0) {
    const stable = groups.filter((g) => g.kind !== 'unstable' && g.kind !== 'no-result' && g.kind !== 'baseline');
    const unstable = groups.filter((g) => g.kind === 'unstable');
    if (stable.length > 0 || unstable.length === 0)
      return { answer: 'No α here keeps loss1 low while loss2 grows: see the per-α table for the closest ones.', best: null };
    // The group with the fewest unstable runs (by share), the smallest α on a tie: where to look next.
    const share = (g: GroupReading) => UNSTABLE.reduce((n, o) => n + g.group.counts[o], 0) / g.group.runs;
    const closest = unstable.reduce((a, b) => (share(b) < share(a) ? b : a));
    const bad = UNSTABLE.reduce((n, o) => n + closest.group.counts[o], 0);
    return {
      answer: `At every α > 0 here some run diverged or oscillated (the closest: ${closest.label}, ${bad} of ${closest.group.runs} runs unstable): try smaller values of α, or a smaller learning rate.`,
      best: null,
    };
  }
  const best = traded.reduce((a, b) => (b.group.loss2!.median > a.group.loss2!.median ? b : a));
  const others = traded.length > 1 ? ` (of ${listLabels(traded)}, which all keep loss1 low with no run diverging or oscillating)` : '';
  const answer = `Pick ${best.label}: it gives the highest loss2 (median final ${fmt(best.group.loss2!.median)}) while keeping loss1 low (median final ${fmt(best.group.loss1!.median)}), and no run diverged or oscillated${others}.`;
  return { answer: fix === null ? answer : `${answer} But ${fix}`, best };
}

function labelOf(coords: Readonly<Record<string, AxisValue>>, keys: readonly string[], short: Formatters): string {
  return keys
    .filter((k) => coords[k] !== undefined)
    .map((k) => `${k === 'alpha' ? 'α' : k} = ${short[k]!(coords[k])}`)
    .join(', ');
}

/** `α = 0.01`, `α = 0.1 and 1`, or `α = 0.1, 0.2, … and 1` (one axis); full labels with more axes. */
function listLabels(members: readonly GroupReading[]): string {
  const labels = members.map((m) => m.label);
  if (labels.every((l) => l.startsWith('α = ') && !l.includes(', '))) return `α = ${joinAnd(labels.map((l) => l.slice(4)))}`;
  return joinAnd(labels.map((l) => `(${l})`));
}

/** `0.003` or `1e-4 to 0.003` across groups (each a median over seeds); `–` when none is known. */
function medianRange(spreads: readonly (Spread | null)[]): string {
  return range(spreads.flatMap((s) => (s ? [s.median] : [])));
}

function startRange(values: readonly (number | null)[]): string {
  return range(values.flatMap((v) => (v === null ? [] : [v])));
}

function range(values: readonly number[]): string {
  const s = computeSpread(values);
  if (!s) return '–';
  return s.min === s.max ? fmt(s.min) : `${fmt(s.min)} to ${fmt(s.max)}`;
}

function distinct(values: readonly (AxisValue | undefined)[]): AxisValue[] {
  const out: AxisValue[] = [];
  for (const v of values) if (v !== undefined && !out.some((o) => Object.is(o, v))) out.push(v);
  return out;
}
