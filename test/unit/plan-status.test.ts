/**
 * Where a plan executed by `mo-train work` stands (summary/plan-status.ts), what `mo-train status`
 * prints: each run finished, failed, running (claimed, heartbeat fresh), stale (claimed, no
 * heartbeat for the limit) or pending (not started, interrupted, missing, corrupt — nobody on it);
 * the counts, and complete only when every run finished.
 */
import { describe, expect, it } from 'vitest';
import type { ClaimHolder } from '../../src/results/claim-file.js';
import { computePlanStatus, formatRanges, PLAN_STATES, type ClaimSeen } from '../../src/summary/plan-status.js';
import type { RunRecord } from '../../src/summary/run-record.js';
import { makeSummary, runIdOf, type Coords } from '../fixtures/results/build-results.js';

const STALE_MS = 120_000;
const holder: ClaimHolder = { host: 'node-7', pid: 3141, started: '2026-03-01T12:00:00.000Z', token: '0123456789abcdef' };
const live = (h: ClaimHolder | null = holder): ClaimSeen => ({ holder: h, ageMs: 4_000 });
const staleFor = (ageMs: number, h: ClaimHolder | null = holder): ClaimSeen => ({ holder: h, ageMs });

const coords = (alpha: number, seed = 0): Coords => ({ alpha, seed });

function finished(c: Coords): RunRecord {
  return {
    id: runIdOf(c),
    path: `/r/runs/${runIdOf(c)}`,
    state: 'finished',
    coords: c,
    rows: 3,
    summary: makeSummary({ coords: c, loss1: 0.1, loss2: 1 }),
    problem: null,
  };
}

function failed(c: Coords, message = 'loss1: simulated failure at step 3\n    at loss1 (module.ts:14:5)'): RunRecord {
  const summary = makeSummary({
    coords: c,
    verdict: 'failed',
    loss1: NaN,
    loss2: NaN,
    rows_logged: 3,
    explanation: 'failed: loss1 threw',
    error: { message, step: 3 },
  });
  return { id: runIdOf(c), path: `/r/runs/${runIdOf(c)}`, state: 'failed', coords: c, rows: 3, summary, problem: null };
}

function unsummarized(c: Coords, state: 'unfinished' | 'missing' | 'corrupt', problem: string): RunRecord {
  return { id: runIdOf(c), path: `/r/runs/${runIdOf(c)}`, state, coords: c, rows: state === 'missing' ? null : 2, summary: null, problem };
}

/** A one-run plan's only run (index 0), its index checked here once and left out of the comparisons. */
const one = (record: RunRecord, claim?: ClaimSeen) => {
  const { index, ...rest } = computePlanStatus([record], new Map(claim ? [[record.id, claim]] : []), STALE_MS).runs[0]!;
  expect(index).toBe(0);
  return rest;
};

describe('the state of each run', () => {
  it('finished: finished, whatever claim is still there (one not yet released, or a dead task’s)', () => {
    expect(one(finished(coords(0)))).toEqual({ id: 'alpha=0,seed=0', state: 'finished', detail: null });
    expect(one(finished(coords(0)), live())).toEqual({ id: 'alpha=0,seed=0', state: 'finished', detail: null });
    expect(one(finished(coords(0)), staleFor(STALE_MS * 10))).toEqual({ id: 'alpha=0,seed=0', state: 'finished', detail: null });
  });

  it('failed, nobody on it: failed, with the first line of its error', () => {
    expect(one(failed(coords(0.1)))).toEqual({ id: 'alpha=0.1,seed=0', state: 'failed', detail: 'loss1: simulated failure at step 3' });
  });

  it('failed without an error message: failed, with its explanation', () => {
    const r = failed(coords(0.1));
    const noError = { ...r, summary: { ...r.summary!, error: null } } as RunRecord;
    expect(one(noError)).toEqual({ id: 'alpha=0.1,seed=0', state: 'failed', detail: 'failed: loss1 threw' });
  });

  it('failed but claimed, heartbeat fresh: running (being done again), naming who and since when', () => {
    expect(one(failed(coords(0.1)), live())).toEqual({ id: 'alpha=0.1,seed=0', state: 'running', detail: 'pid 3141 on node-7 since 2026-03-01T12:00:00.000Z' });
  });

  it('failed and claimed, no heartbeat for the limit: stale', () => {
    expect(one(failed(coords(0.1)), staleFor(STALE_MS + 500))).toEqual({
      id: 'alpha=0.1,seed=0',
      state: 'stale',
      detail: 'pid 3141 on node-7 since 2026-03-01T12:00:00.000Z, no heartbeat for 121 s',
    });
  });

  it('unfinished (started, or interrupted) and claimed: running while the heartbeat is fresh, stale from the limit on', () => {
    const r = unsummarized(coords(1), 'unfinished', '/r/runs/alpha=1,seed=0: no summary.json');
    expect(one(r, live())).toMatchObject({ state: 'running', detail: 'pid 3141 on node-7 since 2026-03-01T12:00:00.000Z' });
    expect(one(r, staleFor(STALE_MS - 1))).toMatchObject({ state: 'running' });
    expect(one(r, staleFor(STALE_MS))).toMatchObject({ state: 'stale', detail: 'pid 3141 on node-7 since 2026-03-01T12:00:00.000Z, no heartbeat for 120 s' });
  });

  it('an unreadable claim says so', () => {
    const r = unsummarized(coords(1), 'unfinished', 'no summary.json');
    expect(one(r, live(null))).toEqual({ id: 'alpha=1,seed=0', state: 'running', detail: 'an unreadable claim' });
    expect(one(r, staleFor(300_000, null))).toEqual({ id: 'alpha=1,seed=0', state: 'stale', detail: 'an unreadable claim, no heartbeat for 300 s' });
  });

  it('unfinished or missing, nobody on it: pending, nothing to say', () => {
    expect(one(unsummarized(coords(1), 'unfinished', 'no summary.json'))).toEqual({ id: 'alpha=1,seed=0', state: 'pending', detail: null });
    expect(one(unsummarized(coords(1), 'missing', 'no directory'))).toEqual({ id: 'alpha=1,seed=0', state: 'pending', detail: null });
  });

  it('corrupt, nobody on it: pending (the next work redoes it), with its problem', () => {
    const problem = 'r/runs/alpha=1,seed=0/summary.json: empty file';
    expect(one(unsummarized(coords(1), 'corrupt', problem))).toEqual({ id: 'alpha=1,seed=0', state: 'pending', detail: problem });
  });

  it('a claim of another run does not count for this one', () => {
    const r = unsummarized(coords(1), 'missing', 'no directory');
    const s = computePlanStatus([r], new Map([['alpha=2,seed=0', live()]]), STALE_MS);
    expect(s.runs[0]).toMatchObject({ state: 'pending' });
  });
});

describe('the plan as a whole', () => {
  it('counts every state, keeps the plan’s order, and is complete only when every run finished', () => {
    const records = [
      finished(coords(0, 0)),
      failed(coords(0, 1)),
      unsummarized(coords(0.1, 0), 'unfinished', 'no summary.json'),
      unsummarized(coords(0.1, 1), 'unfinished', 'no summary.json'),
      unsummarized(coords(1, 0), 'missing', 'no directory'),
      unsummarized(coords(1, 1), 'corrupt', 'summary.json: empty file'),
      finished(coords(2, 0)),
    ];
    const claims = new Map<string, ClaimSeen>([
      ['alpha=0.1,seed=0', live()],
      ['alpha=0.1,seed=1', staleFor(STALE_MS * 2)],
    ]);
    const s = computePlanStatus(records, claims, STALE_MS);
    expect(s.total).toBe(7);
    expect(s.counts).toEqual({ finished: 2, failed: 1, running: 1, stale: 1, pending: 2 });
    expect(Object.keys(s.counts)).toEqual([...PLAN_STATES]);
    expect(s.runs.map((r) => [r.id, r.state])).toEqual([
      ['alpha=0,seed=0', 'finished'],
      ['alpha=0,seed=1', 'failed'],
      ['alpha=0.1,seed=0', 'running'],
      ['alpha=0.1,seed=1', 'stale'],
      ['alpha=1,seed=0', 'pending'],
      ['alpha=1,seed=1', 'pending'],
      ['alpha=2,seed=0', 'finished'],
    ]);
    expect(s.complete).toBe(false);
  });

  it('every run finished: complete', () => {
    const s = computePlanStatus([finished(coords(0)), finished(coords(1))], new Map(), STALE_MS);
    expect(s).toMatchObject({ total: 2, counts: { finished: 2, failed: 0, running: 0, stale: 0, pending: 0 }, complete: true });
  });

  it('one run left running: not complete', () => {
    const r = unsummarized(coords(1), 'unfinished', 'no summary.json');
    const s = computePlanStatus([finished(coords(0)), r], new Map([[r.id, live()]]), STALE_MS);
    expect(s.complete).toBe(false);
    expect(s.counts.running).toBe(1);
  });
});

describe('what is left to do, by index', () => {
  it('failed, stale and pending runs as ranges, in plan order; finished and running ones left out', () => {
    const records = [
      finished(coords(0)),
      failed(coords(0.1)),
      unsummarized(coords(1), 'missing', 'no run directory'),
      unsummarized(coords(2), 'unfinished', 'no summary.json'),
      unsummarized(coords(3), 'unfinished', 'no summary.json'),
      finished(coords(4)),
    ];
    const claims = new Map<string, ClaimSeen>([
      ['alpha=2,seed=0', live()],
      ['alpha=3,seed=0', staleFor(STALE_MS * 2)],
    ]);
    const status = computePlanStatus(records, claims, STALE_MS);
    expect(status.runs.map((r) => [r.index, r.state])).toEqual([
      [0, 'finished'],
      [1, 'failed'],
      [2, 'pending'],
      [3, 'running'],
      [4, 'stale'],
      [5, 'finished'],
    ]);
    expect(status.todo).toBe('1-2,4');
  });

  it('formatRanges', () => {
    expect(formatRanges([])).toBe('');
    expect(formatRanges([5])).toBe('5');
    expect(formatRanges([3, 7, 9, 10, 11, 12, 20, 21])).toBe('3,7,9-12,20-21');
  });
});
