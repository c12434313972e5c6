/**
 * The f64x2 lane kernel (src/engine/fused/wasm/lane-codegen.ts) gives, in each lane, exactly the
 * trajectory of the scalar path the training loop takes for the `fixed` combiner with Adam —
 * FusedOracle.evaluateCombined, then optimizer.step — bit for bit: every parameter every 100 steps,
 * loss1 and loss2 at every step, over 2,000 steps (45,000 on the seed model, past the point where
 * Adam's bias corrections become exactly 1), with a different seed, α, lr and β per lane; and
 * what the training loop needs besides: the parameter norm at every step, computeGram's sums of the
 * per-objective gradients on the steps that ask for them, the divergence check, and a lane that
 * stops at its diverging step while the other goes on.
 */
import { describe, expect, it } from 'vitest';
import { FusedOracle } from '../../src/engine/fused/fused-oracle.js';
import { AdamLanes, compileLaneKernel, type LaneRun, type LaneShape } from '../../src/engine/fused/wasm/lane-codegen.js';
import { createEvaluation, type CombinedEvaluation } from '../../src/engine/types.js';
import { materializeDeclarative, SEED_EXPERIMENT, type DeclarativeExperiment } from '../../src/experiment/declarative.js';
import { defaultOptimizerSettings } from '../../src/spec/settings.js';
import { computeGram } from '../../src/train/combiner.js';
import { checkDivergence, type MonitorSettings } from '../../src/train/monitor.js';
import { createOptimizer, type OptimizerSettings } from '../../src/train/optimizers.js';
import { laneShapeOf } from '../../src/train/train-lanes.js';
import { smallExperiment } from '../fixtures/lane-experiments.js';

const STEPS = 2000;
const CHECK_EVERY = 100;
/** Steps that ask for the gradient sums (the scalar path passes `per` there). */
const GRAM_EVERY = 7;
const GRAM_FLAGS = Array.from({ length: CHECK_EVERY }, () => 0);

/** The kernel's shape for `exp` (its samples do not depend on the seed). */
function laneShape(exp: DeclarativeExperiment): LaneShape {
  return laneShapeOf(exp, materializeDeclarative(exp, 0).data.samples);
}

interface Trajectory {
  /** Parameters after every CHECK_EVERY updates. */
  readonly params: Float64Array[];
  readonly loss1: Float64Array;
  readonly loss2: Float64Array;
  readonly norm: Float64Array;
  /** computeGram's three sums at every GRAM_EVERY-th step (NaN elsewhere), and the step's divergence. */
  readonly gram: Float64Array;
  readonly diverged: Uint8Array;
}

function emptyTrajectory(steps: number): Trajectory {
  return {
    params: [],
    loss1: new Float64Array(steps),
    loss2: new Float64Array(steps),
    norm: new Float64Array(steps),
    gram: new Float64Array(3 * steps).fill(NaN),
    diverged: new Uint8Array(steps),
  };
}

function norm(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

/**
 * The training loop's calls for the fixed combiner (train-loop.ts), per-objective gradients on
 * "logged" steps; with stop_on_diverge, no update from the first diverging step on (the
 * parameters stay as they were, as the loop's `break` leaves them).
 */
function scalarTrajectory(
  exp: DeclarativeExperiment,
  seed: number,
  alpha: number,
  settings: OptimizerSettings,
  steps: number,
  monitor: MonitorSettings = NO_STOP,
): Trajectory {
  const oracle = new FusedOracle(exp, seed);
  expect(oracle.compiled).toBe(true);
  const params = Float64Array.from(oracle.initial);
  const n = params.length;
  const optimizer = createOptimizer(settings, n);
  const combined: CombinedEvaluation = { loss1: NaN, loss2: NaN, direction: new Float64Array(n) };
  const ev = createEvaluation(n);
  const out = emptyTrajectory(steps);
  const products = new Float64Array(3);
  let stopped = false;
  let seen = false;
  for (let step = 0; step < steps; step++) {
    if (!stopped) {
      const wanted = step % GRAM_EVERY === 0;
      oracle.evaluateCombined(params, alpha, combined, step, wanted ? ev : undefined);
      out.loss1[step] = combined.loss1;
      out.loss2[step] = combined.loss2;
      out.norm[step] = norm(params);
      const diverged = checkDivergence(monitor, step, combined.loss1, combined.loss2, out.norm[step]!) !== null;
      out.diverged[step] = diverged ? 1 : 0;
      if (diverged && !seen && !wanted) oracle.evaluateCombined(params, alpha, combined, step, ev);
      if (wanted || (diverged && !seen)) out.gram.set(computeGram(ev.grad1, ev.grad2, products), 3 * step);
      seen ||= diverged;
      if (diverged && monitor.stop_on_diverge) stopped = true;
      else optimizer.step(params, combined.direction);
    }
    if ((step + 1) % CHECK_EVERY === 0) out.params.push(Float64Array.from(params));
  }
  return out;
}

/** The lanes' trajectories; entries after a lane stopped are left as the scalar loop leaves them (0, NaN). */
function laneTrajectories(lanes: AdamLanes, size: number, steps: number): [Trajectory, Trajectory] {
  const out: [Trajectory, Trajectory] = [emptyTrajectory(steps), emptyTrajectory(steps)];
  const stoppedAt = [Infinity, Infinity];
  const seen = [false, false];
  const products = new Float64Array(3);
  for (let done = 0; done < steps; done += CHECK_EVERY) {
    for (let k = 0; k < CHECK_EVERY; k++) GRAM_FLAGS[k] = (done + k) % GRAM_EVERY === 0 ? 1 : 0;
    lanes.run(CHECK_EVERY, GRAM_FLAGS);
    for (const lane of [0, 1] as const) {
      for (let k = 0; k < CHECK_EVERY; k++) {
        const step = done + k;
        if (step > stoppedAt[lane]!) break;
        const o = out[lane];
        o.loss1[step] = lanes.loss1(lane, k);
        o.loss2[step] = lanes.loss2(lane, k);
        o.norm[step] = lanes.paramNorm(lane, k);
        const diverged = lanes.diverged(lane, k);
        o.diverged[step] = diverged ? 1 : 0;
        if (GRAM_FLAGS[k] || (diverged && !seen[lane])) o.gram.set(lanes.gram(lane, k, products), 3 * step);
        seen[lane] ||= diverged;
        if (diverged && lanes.stopped(lane) && stoppedAt[lane] === Infinity) stoppedAt[lane] = step;
      }
      out[lane].params.push(lanes.params(lane, new Float64Array(size)));
    }
  }
  return out;
}

/** The first index where two float64 arrays differ in any bit, or -1. */
function firstBitDifference(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return 0;
  const x = new BigUint64Array(a.buffer, a.byteOffset, a.length);
  const y = new BigUint64Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

interface LaneCase {
  readonly seed: number;
  readonly alpha: number;
  readonly optimizer: OptimizerSettings;
  readonly monitor?: MonitorSettings;
}

const NO_STOP: MonitorSettings = { max_loss: Infinity, max_param_norm: Infinity, stop_on_diverge: false };

const adam = defaultOptimizerSettings('adam');

function checkBitIdentical(exp: DeclarativeExperiment, cases: readonly [LaneCase, LaneCase], steps = STEPS): void {
  const compiled = compileLaneKernel(laneShape(exp));
  expect(compiled).not.toBeNull();
  const runs = cases.map(({ seed, alpha, optimizer, monitor }): LaneRun => {
    const start = materializeDeclarative(exp, seed);
    return {
      params: start.params,
      features: start.data.features,
      ...(start.data.targets ? { targets: start.data.targets } : {}),
      target: exp.target ?? 0,
      alpha,
      optimizer,
      ...(monitor ? { monitor } : {}),
    };
  });
  const lanes = new AdamLanes(compiled!, runs as [LaneRun, LaneRun]);
  const got = laneTrajectories(lanes, compiled!.layout.size, steps);
  // Given back, as trainLanes does: the next check of this shape runs on the same instance.
  lanes.release();
  cases.forEach(({ seed, alpha, optimizer, monitor }, lane) => {
    const want = scalarTrajectory(exp, seed, alpha, optimizer, steps, monitor);
    if (!monitor?.stop_on_diverge) {
      // Sanity: the run moved, and stayed finite.
      expect(want.loss1[steps - 1]).not.toBe(want.loss1[0]);
      expect(Number.isFinite(want.loss1[steps - 1]!)).toBe(true);
    }
    expect(firstBitDifference(got[lane]!.loss1, want.loss1)).toBe(-1);
    expect(firstBitDifference(got[lane]!.loss2, want.loss2)).toBe(-1);
    expect(firstBitDifference(got[lane]!.norm, want.norm)).toBe(-1);
    expect(firstBitDifference(got[lane]!.gram, want.gram)).toBe(-1);
    expect(Array.from(got[lane]!.diverged)).toEqual(Array.from(want.diverged));
    want.params.forEach((p, i) => {
      const at = firstBitDifference(got[lane]!.params[i]!, p);
      expect(at === -1 ? 'identical' : `lane ${lane}, after ${(i + 1) * CHECK_EVERY} steps, parameter ${at}: ${got[lane]!.params[i]![at]} vs ${p[at]}`).toBe(
        'identical',
      );
    });
  });
}

describe('the f64x2 lane kernel equals the scalar fused path bit for bit', () => {
  it('the seed model (relu, sum_to_target − α·param_sum), two seeds, α and lr', () => {
    checkBitIdentical(SEED_EXPERIMENT, [
      { seed: 0, alpha: 0.01, optimizer: { ...adam, lr: 1e-3 } },
      { seed: 7, alpha: 0.3, optimizer: { ...adam, lr: 3e-3, betas: [0.8, 0.99], eps: 1e-6 } },
    ]);
  });

  it('[2, 8, 3] leaky_relu, mse − α·l2', () => {
    checkBitIdentical(smallExperiment({}), [
      { seed: 1, alpha: 0.05, optimizer: { ...adam, lr: 1e-2 } },
      { seed: 2, alpha: 0.2, optimizer: { ...adam, lr: 2e-3 } },
    ]);
  });

  it.each([
    ['linear', 'sum_to_target', 'l1'],
    ['relu', 'sum_to_target', 'mse'],
    ['leaky_relu', 'l2', 'mse'],
    ['relu', 'l1', 'param_sum'],
    ['relu', 'mse', 'mse'],
  ] as const)('[2, 8, 3] %s, %s − α·%s', (activation, loss1, loss2) => {
    checkBitIdentical(smallExperiment({ activation, loss1, loss2 }), [
      { seed: 3, alpha: 0.1, optimizer: { ...adam, lr: 5e-3 } },
      { seed: 4, alpha: 0.02, optimizer: { ...adam, lr: 1e-3 } },
    ]);
  });

  it('past the step where the bias corrections become exactly 1 (the table is then filled without `**`)', () => {
    // β = (0.5, 0.9): both powers fall below 2⁻⁶⁰ at t = 395; lane 1 with the defaults at t ≈ 41,600.
    checkBitIdentical(
      SEED_EXPERIMENT,
      [
        { seed: 3, alpha: 0.05, optimizer: { ...adam, lr: 2e-3, betas: [0.5, 0.9] } },
        { seed: 4, alpha: 0.01, optimizer: { ...adam, lr: 1e-3 } },
      ],
      45_000,
    );
  });

  it('a deeper network, several runs of the compiled module', () => {
    const exp = smallExperiment({ layers: [2, 6, 5, 4, 3], activation: 'relu', loss1: 'mse', loss2: 'l1' });
    checkBitIdentical(exp, [
      { seed: 5, alpha: 0.01, optimizer: { ...adam, lr: 1e-2 } },
      { seed: 6, alpha: 0.5, optimizer: { ...adam, lr: 4e-3 } },
    ]);
    checkBitIdentical(exp, [
      { seed: 8, alpha: 0.0, optimizer: { ...adam, lr: 1e-3 } },
      { seed: 9, alpha: -0.2, optimizer: { ...adam, lr: 2e-2 } },
    ]);
  });
});

describe('a kernel instance given back (release) and used again', () => {
  it('is as a new one: after a pair with a stopped lane, the next pair is bit-identical to the scalar path', () => {
    const compiled = compileLaneKernel(laneShape(SEED_EXPERIMENT))!;
    const stopping: [LaneCase, LaneCase] = [
      { seed: 0, alpha: 1, optimizer: { ...adam, lr: 0.05 }, monitor: { max_loss: 40, max_param_norm: 1e6, stop_on_diverge: true } },
      { seed: 1, alpha: 0.1, optimizer: { ...adam, lr: 0.05 }, monitor: { max_loss: 40, max_param_norm: 1e6, stop_on_diverge: true } },
    ];
    checkBitIdentical(SEED_EXPERIMENT, stopping);
    const reused = compiled.spare.at(-1);
    expect(reused).toBeDefined();
    checkBitIdentical(SEED_EXPERIMENT, [
      { seed: 2, alpha: 0.01, optimizer: { ...adam, lr: 1e-3 } },
      { seed: 3, alpha: 0.3, optimizer: { ...adam, lr: 2e-3 } },
    ]);
    // The second pair took that instance (and gave it back).
    expect(compiled.spare.at(-1)).toBe(reused);
  });
});

describe('shapes the lane kernel does not generate', () => {
  it.each([[{ activation: 'tanh' }], [{ activation: 'sigmoid' }], [{ loss1: 'cross_entropy', labels: [0, 1, 2, 0, 1] }], [{ loss2: 'entropy' }]] as const)(
    '%o → null (the caller keeps the scalar path)',
    (over) => {
      expect(compileLaneKernel(laneShape(smallExperiment(over)))).toBeNull();
    },
  );
});

describe('the divergence monitor in the lanes', () => {
  it('a lane with stop_on_diverge stops at its diverging step (no update there) while the other goes on', () => {
    // Lane 0 crosses max_loss after some steps (its loss1 grows past 40 as α·param_sum pulls); lane 1 never diverges.
    const cases: [LaneCase, LaneCase] = [
      { seed: 0, alpha: 1, optimizer: { ...adam, lr: 0.05 }, monitor: { max_loss: 40, max_param_norm: 1e6, stop_on_diverge: true } },
      { seed: 7, alpha: 0.01, optimizer: { ...adam, lr: 1e-3 }, monitor: { max_loss: 1e9, max_param_norm: 1e6, stop_on_diverge: true } },
    ];
    const want = scalarTrajectory(SEED_EXPERIMENT, 0, 1, cases[0].optimizer, STEPS, cases[0].monitor);
    const at = want.diverged.indexOf(1);
    expect(at).toBeGreaterThan(10);
    expect(at).toBeLessThan(STEPS - 200);
    checkBitIdentical(SEED_EXPERIMENT, cases);
  });

  it('without stop_on_diverge both go on; the first diverging step gets the gradient sums, later ones do not need them', () => {
    const cases: [LaneCase, LaneCase] = [
      { seed: 0, alpha: 1, optimizer: { ...adam, lr: 0.05 }, monitor: { max_loss: 1e9, max_param_norm: 100, stop_on_diverge: false } },
      { seed: 3, alpha: 0.5, optimizer: { ...adam, lr: 0.02 }, monitor: { max_loss: 1e9, max_param_norm: 50, stop_on_diverge: false } },
    ];
    for (const c of cases) {
      const first = scalarTrajectory(SEED_EXPERIMENT, c.seed, c.alpha, c.optimizer, STEPS, c.monitor).diverged.indexOf(1);
      // Diverging first at a step that does not ask for the sums.
      expect(first).toBeGreaterThan(0);
      expect(first % GRAM_EVERY).not.toBe(0);
    }
    checkBitIdentical(SEED_EXPERIMENT, cases);
  });
});
