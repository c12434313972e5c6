/**
 * Per-α (and per value of every other swept key) aggregates over seeds. Pure.
 */
import type { AxisValue } from '../spec/types.js';
import type { RunRecord, SummarizedRun } from './run-record.js';
import type { RunSummary } from '../results/summary-file.js';
import { VERDICTS } from './verdict.js';

/** What a run counts as in a group: its verdict when it has a summary, else its state. */
export const OUTCOMES = [...VERDICTS, 'missing', 'unfinished', 'corrupt'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export function outcomeOf(run: RunRecord): Outcome {
  if (run.state === 'failed') return 'failed';
  return run.state === 'finished' ? run.summary.verdict : run.state;
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** How many values it is over. */
  readonly n: number;
}

export interface GroupAggregate {
  /** alpha and every other swept key, without seed. */
  readonly coords: Readonly<Record<string, AxisValue>>;
  readonly runs: number;
  readonly counts: Readonly<Record<Outcome, number>>;
  /**
   * Final (last logged) loss1 / loss2 over the group's runs that finished without diverging —
   * a diverged run's last values say how it blew up, not where it settled. Null when there are none.
   */
  readonly loss1: Spread | null;
  readonly loss2: Spread | null;
  /**
   * Over the group's finished runs with gradient diagnostics: the fraction of measured steps whose
   * gradients conflicted (cos12 < 0), and the median weight the combiner gave loss2.
   */
  readonly conflict: Spread | null;
  readonly weight: Spread | null;
}

export interface Aggregates {
  /** Swept keys other than alpha and seed, in the order they first appear in the runs' coords. */
  readonly axis_keys: readonly string[];
  readonly groups: readonly GroupAggregate[];
}

/**
 * Groups every run that knows its α by its coords minus seed, sorted by α then each axis value.
 * A run without an α in its coords (a corrupt run of a directory without sweep.json) has no group;
 * its problem is reported with the run.
 */
export function computeAggregates(runs: readonly RunRecord[]): Aggregates {
  const axisKeys = computeAxisKeys(runs);
  const groupKeys = ['alpha', ...axisKeys];
  const byKey = new Map<string, RunRecord[]>();
  for (const run of runs) {
    if (run.coords.alpha === undefined) continue;
    const key = groupKeys.map((k) => encodeValue(run.coords[k])).join('\u0000');
    const members = byKey.get(key);
    if (members) members.push(run);
    else byKey.set(key, [run]);
  }
  const groups = [...byKey.values()].map((members) => computeGroup(members, groupKeys));
  groups.sort((a, b) => compareCoords(a.coords, b.coords, groupKeys));
  return { axis_keys: axisKeys, groups };
}

function computeGroup(members: readonly RunRecord[], groupKeys: readonly string[]): GroupAggregate {
  const first = members[0]!;
  const coords: Record<string, AxisValue> = {};
  for (const k of groupKeys) {
    const v = first.coords[k];
    if (v !== undefined) coords[k] = v;
  }
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const run of members) counts[outcomeOf(run)] += 1;
  const settled = members.filter(isSettledFinish);
  const diagnosed = members.flatMap((r) => (r.state === 'finished' && r.summary.diagnostics ? [r.summary.diagnostics] : []));
  return {
    coords,
    runs: members.length,
    counts,
    loss1: computeSpread(settled.map((r) => r.summary.final.loss1)),
    loss2: computeSpread(settled.map((r) => r.summary.final.loss2)),
    conflict: computeSpread(diagnosed.map((d) => d.conflict_fraction ?? NaN)),
    weight: computeSpread(diagnosed.map((d) => d.weight_median ?? NaN)),
  };
}

/** Finished, not diverged, with a logged final row: the runs whose final losses are aggregated. */
export type SettledRun = SummarizedRun & { readonly summary: RunSummary & { readonly final: NonNullable<RunSummary['final']> } };

export function isSettledFinish(run: RunRecord): run is SettledRun {
  return run.state === 'finished' && run.summary.verdict !== 'diverged' && run.summary.verdict !== 'failed' && run.summary.final !== null;
}

/**
 * Median, min and max over the finite values (a run that did not diverge has finite losses; a NaN
 * here would only poison the median). Null when no value is finite.
 */
export function computeSpread(values: readonly number[]): Spread | null {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  const n = v.length;
  if (n === 0) return null;
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { median, min: v[0]!, max: v[n - 1]!, n };
}

export function computeAxisKeys(runs: readonly RunRecord[]): string[] {
  const keys = new Set<string>();
  for (const run of runs) for (const k of Object.keys(run.coords)) if (k !== 'alpha' && k !== 'seed') keys.add(k);
  return [...keys];
}

/** Runs in grid order — α, then each axis, then seed, then id — for a directory without sweep.json. */
export function sortRunsByCoords<T extends RunRecord>(runs: readonly T[]): T[] {
  const keys = ['alpha', ...computeAxisKeys(runs), 'seed'];
  return [...runs].sort((a, b) => compareCoords(a.coords, b.coords, keys) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function compareCoords(a: Readonly<Record<string, AxisValue>>, b: Readonly<Record<string, AxisValue>>, keys: readonly string[]): number {
  for (const k of keys) {
    const c = compareAxisValues(a[k], b[k]);
    if (c !== 0) return c;
  }
  return 0;
}

const TYPE_RANK = { number: 0, boolean: 1, string: 2, undefined: 3 } as const;

/** Numbers numerically (NaN after every number), then booleans, then strings; absent values last. */
export function compareAxisValues(a: AxisValue | undefined, b: AxisValue | undefined): number {
  const ta = TYPE_RANK[typeof a as keyof typeof TYPE_RANK];
  const tb = TYPE_RANK[typeof b as keyof typeof TYPE_RANK];
  if (ta !== tb) return ta - tb;
  if (a === b) return 0;
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number(Number.isNaN(a)) - Number(Number.isNaN(b));
    return a - b;
  }
  if (a === undefined || b === undefined) return 0;
  return a < b ? -1 : 1;
}

// Typed so that 1 and "1" are different groups.
function encodeValue(v: AxisValue | undefined): string {
  return v === undefined ? 'u' : `${typeof v}:${String(v)}`;
}
