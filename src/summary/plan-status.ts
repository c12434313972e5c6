/**
 * Where a plan executed by `mo-train work` stands (`mo-train status`): every run finished, failed,
 * running (claimed, its heartbeat fresh), stale (claimed, but no heartbeat for too long: its task
 * is gone and the next `work` takes it over) or pending (not started, interrupted, or corrupt, and
 * nobody on it). Pure.
 */
import type { ClaimHolder } from '../results/claim-file.js';
import type { RunRecord } from './run-record.js';

export const PLAN_STATES = ['finished', 'failed', 'running', 'stale', 'pending'] as const;
export type PlanState = (typeof PLAN_STATES)[number];

export interface ClaimSeen {
  readonly holder: ClaimHolder | null;
  /** Since its last heartbeat. */
  readonly ageMs: number;
}

export interface PlanRunStatus {
  /** Its index in the plan (what `mo-train work --index` takes). */
  readonly index: number;
  readonly id: string;
  readonly state: PlanState;
  /** A failed run's error, a stale claim's holder, a corrupt run's problem. */
  readonly detail: string | null;
}

export interface PlanStatus {
  readonly total: number;
  readonly counts: Readonly<Record<PlanState, number>>;
  readonly runs: readonly PlanRunStatus[];
  /** Every run finished. */
  readonly complete: boolean;
  /** The indices of the runs nobody is doing and that are not finished (failed, stale, pending), as ranges: `3,7,9-12` (what `sbatch --array=` takes). */
  readonly todo: string;
}

export function computePlanStatus(records: readonly RunRecord[], claims: ReadonlyMap<string, ClaimSeen>, staleMs: number): PlanStatus {
  const counts: Record<PlanState, number> = { finished: 0, failed: 0, running: 0, stale: 0, pending: 0 };
  const runs: PlanRunStatus[] = [];
  for (const [index, r] of records.entries()) {
    const status = { index, ...statusOf(r, claims.get(r.id), staleMs) };
    counts[status.state]++;
    runs.push(status);
  }
  const todo = runs.filter((r) => r.state === 'failed' || r.state === 'stale' || r.state === 'pending').map((r) => r.index);
  return { total: records.length, counts, runs, complete: counts.finished === records.length, todo: formatRanges(todo) };
}

/** Sorted whole numbers as ranges: `[3, 7, 9, 10, 11, 12]` → `3,7,9-12`. */
export function formatRanges(sorted: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

function statusOf(r: RunRecord, claim: ClaimSeen | undefined, staleMs: number): Omit<PlanRunStatus, 'index'> {
  if (r.state === 'finished') return { id: r.id, state: 'finished', detail: null };
  // A failed run being done again is running: its claim is newer than its summary.
  if (claim !== undefined) {
    const who = claim.holder ? `pid ${claim.holder.pid} on ${claim.holder.host} since ${claim.holder.started}` : 'an unreadable claim';
    if (claim.ageMs < staleMs) return { id: r.id, state: 'running', detail: who };
    return { id: r.id, state: 'stale', detail: `${who}, no heartbeat for ${Math.round(claim.ageMs / 1000)} s` };
  }
  if (r.state === 'failed') return { id: r.id, state: 'failed', detail: r.summary.error?.message.split('\n')[0] ?? r.summary.explanation };
  return { id: r.id, state: 'pending', detail: r.state === 'corrupt' ? r.problem : null };
}
