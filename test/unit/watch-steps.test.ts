/**
 * StepWatcher (train/watch-steps.ts): the monitor of a command run, fed the steps its script
 * reports — numbering, divergence, the stability window, diagnostics and gradient reports.
 */
import { describe, expect, it } from 'vitest';
import { parseProtocolLine } from '../../src/engine/command/protocol.js';
import { DEFAULT_MONITOR, DEFAULT_VERDICT } from '../../src/spec/settings.js';
import { computeDiagnostics } from '../../src/summary/diagnostics.js';
import { windowStart } from '../../src/summary/verdict.js';
import type { MonitorSettings } from '../../src/train/monitor.js';
import { StepWatcher, WATCH_TAIL_ROWS, type ReportedRow, type ReportedStep } from '../../src/train/watch-steps.js';

/** A reported step: the losses, everything else absent unless given. */
function reported(loss1: number, loss2: number, more: Partial<ReportedStep> = {}): ReportedStep {
  return { step: null, loss1, loss2, grad_norm1: null, grad_norm2: null, param_norm: null, cos12: null, extra: {}, ...more };
}

function watch(alpha = 0.1, monitor: Partial<MonitorSettings> = {}) {
  const rows: ReportedRow[] = [];
  const watcher = new StepWatcher(alpha, { ...DEFAULT_MONITOR, ...monitor }, { write: (r) => void rows.push(r) });
  return { watcher, rows };
}

const windowOf = (fraction: number) => (taken: number) => windowStart(taken, { ...DEFAULT_VERDICT, window: fraction });

describe('StepWatcher: step numbers', () => {
  it('numbers the rows 0, 1, 2, … when the script gives no step', () => {
    const { watcher, rows } = watch();
    for (let i = 0; i < 5; i++) watcher.add(reported(1, 1));
    expect(rows.map((r) => r.step)).toEqual([0, 1, 2, 3, 4]);
    expect(watcher.lastStep).toBe(4);
    expect(watcher.rowsLogged).toBe(5);
    expect(watcher.outcome(windowOf(0.1)).warnings).toEqual([]);
  });

  it("keeps the script's own numbers, gaps included, and counts on from the last one when a row has none", () => {
    const { watcher, rows } = watch();
    for (const step of [0, 10, 20, null, 40]) watcher.add(reported(1, 1, { step }));
    expect(rows.map((r) => r.step)).toEqual([0, 10, 20, 21, 40]);
  });

  it('renumbers steps that go back (or repeat) in order of arrival, with one warning naming the first', () => {
    const { watcher, rows } = watch();
    for (const step of [0, 1, 2, 0, 1, 1, 9]) watcher.add(reported(1, 1, { step }));
    expect(rows.map((r) => r.step)).toEqual([0, 1, 2, 3, 4, 5, 9]);
    const { warnings } = watcher.outcome(windowOf(0.1));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('went back (0 after 2)');
  });

  it('fills total = loss1 − α·loss2 and weight = α on every row, and passes the rest through', () => {
    const { watcher, rows } = watch(0.5);
    watcher.add(reported(3, 4, { grad_norm1: 1, cos12: -0.25, extra: { lr: 0.01 } }));
    expect(rows[0]).toEqual({
      step: 0,
      loss1: 3,
      loss2: 4,
      total: 1,
      weight: 0.5,
      grad_norm1: 1,
      grad_norm2: null,
      param_norm: null,
      cos12: -0.25,
      extra: { lr: 0.01 },
    });
  });
});

describe('StepWatcher: divergence', () => {
  it('diverges at the first non-finite row, once; later rows are still logged', () => {
    const { watcher, rows } = watch();
    expect(watcher.add(reported(1, 1))).toBeNull();
    expect(watcher.add(reported(2, 1))).toBeNull();
    const d = watcher.add(reported(NaN, 1));
    expect(d).toEqual({ step: 2, reason: 'non-finite', detail: 'loss1 = NaN at step 2' });
    expect(watcher.add(reported(1, Infinity))).toBeNull();
    expect(watcher.add(reported(NaN, NaN))).toBeNull();
    expect(rows).toHaveLength(5);
    expect(watcher.outcome(windowOf(0.1)).divergence).toEqual(d);
  });

  it('diverges at the first row over max_loss (loss1 or loss2), by its own step number', () => {
    const one = watch(0.1, { max_loss: 100 });
    expect(one.watcher.add(reported(99, -100, { step: 5 }))).toBeNull();
    expect(one.watcher.add(reported(101, 0, { step: 7 }))).toMatchObject({ step: 7, reason: 'loss1-threshold' });
    expect(one.watcher.add(reported(1e9, 1e9, { step: 8 }))).toBeNull();
    expect(one.watcher.outcome(windowOf(0.1)).divergence).toMatchObject({ step: 7, reason: 'loss1-threshold' });

    const two = watch(0.1, { max_loss: 100 });
    expect(two.watcher.add(reported(0, -101))).toMatchObject({ step: 0, reason: 'loss2-threshold' });
  });

  it('never trips the parameter-norm threshold when the script reports no param_norm', () => {
    const { watcher } = watch(0.1, { max_param_norm: 1e-12 });
    for (let i = 0; i < 20; i++) expect(watcher.add(reported(1e6, 1e6))).toBeNull();
    expect(watcher.outcome(windowOf(0.1)).divergence).toBeNull();
  });

  it('trips it when the script reports a param_norm over it, or a non-finite one', () => {
    const over = watch(0.1, { max_param_norm: 10 });
    expect(over.watcher.add(reported(1, 1, { param_norm: 10 }))).toBeNull();
    expect(over.watcher.add(reported(1, 1, { param_norm: 11 }))).toMatchObject({ step: 1, reason: 'param-norm-threshold' });
    const nan = watch(0.1, { max_param_norm: 10 });
    expect(nan.watcher.add(reported(1, 1, { param_norm: NaN }))).toMatchObject({ step: 0, reason: 'non-finite' });
  });
});

describe('StepWatcher: the window', () => {
  it('is cut from the last verdict.window of the steps taken: 100 rows, window 0.1 → steps 90–99', () => {
    const { watcher } = watch(0);
    for (let i = 0; i < 100; i++) watcher.add(reported(i, 2 * i));
    const w = watcher.outcome(windowOf(0.1)).window!;
    expect(w).toMatchObject({ from_step: 90, to_step: 99, steps: 10, rows: 10, loss1_min: 90, loss1_max: 99, loss2_last: 198 });
    expect(w.loss1_mean).toBeCloseTo(94.5, 12);
  });

  it('counts steps, not rows: a script logging every 10th of 1,000 steps is judged on steps ≥ 891, 10 rows of 100 steps', () => {
    const { watcher } = watch(0);
    for (let step = 0; step < 1000; step += 10) watcher.add(reported(step, 0, { step }));
    // Steps taken = last step + 1 = 991; its last 10% starts at 991 − ⌈99.1⌉ = 891, and holds
    // the 100 steps 891–990, of which the script logged 10 (900, 910, …, 990).
    const w = watcher.outcome(windowOf(0.1)).window!;
    expect(w).toMatchObject({ from_step: 900, to_step: 990, steps: 100, rows: 10 });
  });

  it(`keeps the last ${WATCH_TAIL_ROWS} rows: a longer window is judged on those`, () => {
    const { watcher } = watch(0);
    const n = WATCH_TAIL_ROWS + 1000;
    for (let i = 0; i < n; i++) watcher.add(reported(i, 0));
    // The window still spans every step the script took in it; its statistics come from the rows kept.
    expect(watcher.outcome(windowOf(1)).window).toMatchObject({ from_step: 1000, to_step: n - 1, steps: n, rows: WATCH_TAIL_ROWS });
    const tenth = Math.ceil(n * 0.1);
    expect(watcher.outcome(windowOf(0.1)).window).toMatchObject({ from_step: n - tenth, to_step: n - 1, steps: tenth, rows: tenth });
  });

  it('reports first, last and the minimum of loss1; nothing when no step came', () => {
    const { watcher } = watch(0.5);
    for (const [l1, step] of [
      [5, 0],
      [2, 3],
      [NaN, 4],
      [3, 6],
    ] as const)
      watcher.add(reported(l1, 1, { step }));
    const o = watcher.outcome(windowOf(0.1));
    expect(o.rowsLogged).toBe(4);
    expect(o.first).toMatchObject({ step: 0, loss1: 5 });
    expect(o.last).toMatchObject({ step: 6, loss1: 3, total: 2.5 });
    expect(o.minLoss1).toBe(2);
    expect(o.minLoss1Step).toBe(3);

    const empty = watch().watcher;
    const e = empty.outcome(windowOf(0.1));
    expect(empty.lastStep).toBe(-1);
    expect(e).toMatchObject({ rowsLogged: 0, first: null, last: null, minLoss1Step: -1, window: null, divergence: null, diagnostics: null });
  });
});

describe('StepWatcher: diagnostics and gradients', () => {
  it('counts conflicts over the rows with a finite cos12 (conflict fraction)', () => {
    const { watcher } = watch(0.2);
    for (const cos12 of [0.5, -0.5, null, -0.2, NaN, 0.1]) watcher.add(reported(1, 1, { cos12 }));
    const rows = watcher.outcome(windowOf(0.1)).diagnostics!;
    expect(rows).toMatchObject({ rowsWithCosine: 4, conflicts: 2, measuredEvery: 1, weightFinal: 0.2 });
    expect([...rows.cos12]).toEqual([0.5, -0.5, -0.2, 0.1]);
    const d = computeDiagnostics(rows);
    expect(d.conflict_fraction).toBe(0.5);
    expect(d.cos12_median).toBeCloseTo(-0.05, 15);
    expect(d.weight_median).toBe(0.2);
  });

  it('has no diagnostics when no row reported a cosine', () => {
    const { watcher } = watch();
    watcher.add(reported(1, 1));
    watcher.add(reported(1, 1, { cos12: NaN }));
    expect(watcher.outcome(windowOf(0.1)).diagnostics).toBeNull();
  });

  it('says per loss whether a gradient norm was reported, and whether it was ever non-zero', () => {
    const { watcher } = watch();
    watcher.add(reported(1, 1, { grad_norm2: 0 }));
    watcher.add(reported(1, 1, { grad_norm2: 0 }));
    expect(watcher.outcome(windowOf(0.1)).gradients).toEqual({ loss1: { reported: false, nonzero: false }, loss2: { reported: true, nonzero: false } });
    watcher.add(reported(1, 1, { grad_norm1: 0, grad_norm2: 0 }));
    watcher.add(reported(1, 1, { grad_norm1: 0.3 }));
    expect(watcher.outcome(windowOf(0.1)).gradients).toEqual({ loss1: { reported: true, nonzero: true }, loss2: { reported: true, nonzero: false } });
  });
});

describe('StepWatcher: the row it hands the sink', () => {
  it('is what `{ ...reported, step, total, weight }` made, keys in the same order (add() builds it field by field, for speed)', () => {
    const lines = [
      '{"step": 0, "loss1": 0.5, "loss2": 2}',
      '{"loss1": 0.25, "loss2": 3, "grad_norm1": 1, "grad_norm2": 0, "param_norm": 4, "cos12": -0.5, "acc": 0.75}',
      '{"step": 10, "loss1": -0, "loss2": NaN}',
      '{"step": 3, "loss1": 1e400, "loss2": 1}',
    ];
    const alpha = 0.1;
    const { watcher, rows } = watch(alpha, { max_loss: 1e6 });
    const steps = lines.map((l) => parseProtocolLine(l)!);
    for (const s of steps) watcher.add(s);
    const expected = (s: ReportedStep, step: number) => ({ ...s, step, total: s.loss1 - alpha * s.loss2, weight: alpha });
    const want = [expected(steps[0]!, 0), expected(steps[1]!, 1), expected(steps[2]!, 10), expected(steps[3]!, 11)];
    expect(rows).toEqual(want);
    rows.forEach((r, i) => expect(Object.keys(r)).toEqual(Object.keys(want[i]!)));
  });
});
