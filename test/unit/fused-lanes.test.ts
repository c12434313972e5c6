/**
 * The f64x2 lane kernel (src/engine/fused/wasm/lane-codegen.ts) gives, in each lane, exactly the
 * trajectory of the scalar path the training loop takes for the `fixed` combiner with Adam —
 * FusedOracle.evaluateCombined, then optimizer.step — bit for bit: every parameter every 100 steps,
 * loss1 and loss2 at every step, over 2,000 steps (45,000 on the seed model, past the point where
 * Adam's bias corrections become exactly 1), with a different seed, α, lr and β per lane.
 */
import { describe, expect, it } from 'vitest';
import { FusedOracle } from '../../src/engine/fused/fused-oracle.js';
import { AdamLanes, compileLaneKernel, type LaneRun, type LaneShape } from '../../src/engine/fused/wasm/lane-codegen.js';
import { createEvaluation, type CombinedEvaluation } from '../../src/engine/types.js';
import { materializeDeclarative, SEED_EXPERIMENT, type DeclarativeExperiment } from '../../src/experiment/declarative.js';
import { defaultOptimizerSettings } from '../../src/spec/settings.js';
import { createOptimizer, type OptimizerSettings } from '../../src/train/optimizers.js';

const STEPS = 2000;
const CHECK_EVERY = 100;

function laneShape(exp: DeclarativeExperiment): LaneShape {
  const start = materializeDeclarative(exp, 0);
  const wOff: number[] = [];
  const bOff: number[] = [];
  for (const e of start.layout.entries) (e.name.endsWith('.weight') ? wOff : bOff).push(e.offset);
  return {
    widths: exp.layers,
    samples: start.data.samples,
    activation: exp.activation,
    leakySlope: exp.leaky_slope,
    weightOffsets: wOff,
    biasOffsets: bOff,
    loss1: exp.loss1,
    loss2: exp.loss2,
  };
}

interface Trajectory {
  /** Parameters after every CHECK_EVERY updates. */
  readonly params: Float64Array[];
  readonly loss1: Float64Array;
  readonly loss2: Float64Array;
}

/** The training loop's calls for the fixed combiner (train-loop.ts), per-objective gradients on "logged" steps. */
function scalarTrajectory(exp: DeclarativeExperiment, seed: number, alpha: number, settings: OptimizerSettings, steps: number): Trajectory {
  const oracle = new FusedOracle(exp, seed);
  expect(oracle.compiled).toBe(true);
  const params = Float64Array.from(oracle.initial);
  const n = params.length;
  const optimizer = createOptimizer(settings, n);
  const combined: CombinedEvaluation = { loss1: NaN, loss2: NaN, direction: new Float64Array(n) };
  const ev = createEvaluation(n);
  const out: Trajectory = { params: [], loss1: new Float64Array(steps), loss2: new Float64Array(steps) };
  for (let step = 0; step < steps; step++) {
    oracle.evaluateCombined(params, alpha, combined, step, step % 7 === 0 ? ev : undefined);
    out.loss1[step] = combined.loss1;
    out.loss2[step] = combined.loss2;
    optimizer.step(params, combined.direction);
    if ((step + 1) % CHECK_EVERY === 0) out.params.push(Float64Array.from(params));
  }
  return out;
}

function laneTrajectories(lanes: AdamLanes, size: number, steps: number): [Trajectory, Trajectory] {
  const out: [Trajectory, Trajectory] = [0, 1].map(() => ({ params: [], loss1: new Float64Array(steps), loss2: new Float64Array(steps) })) as never;
  for (let done = 0; done < steps; done += CHECK_EVERY) {
    lanes.run(CHECK_EVERY);
    for (const lane of [0, 1] as const) {
      for (let k = 0; k < CHECK_EVERY; k++) {
        out[lane].loss1[done + k] = lanes.loss1(lane, k);
        out[lane].loss2[done + k] = lanes.loss2(lane, k);
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
}

const adam = defaultOptimizerSettings('adam');

function checkBitIdentical(exp: DeclarativeExperiment, cases: readonly [LaneCase, LaneCase], steps = STEPS): void {
  const compiled = compileLaneKernel(laneShape(exp));
  expect(compiled).not.toBeNull();
  const runs = cases.map(({ seed, alpha, optimizer }): LaneRun => {
    const start = materializeDeclarative(exp, seed);
    return {
      params: start.params,
      features: start.data.features,
      ...(start.data.targets ? { targets: start.data.targets } : {}),
      target: exp.target ?? 0,
      alpha,
      optimizer,
    };
  });
  const lanes = new AdamLanes(compiled!, runs as [LaneRun, LaneRun]);
  const got = laneTrajectories(lanes, compiled!.layout.size, steps);
  cases.forEach(({ seed, alpha, optimizer }, lane) => {
    const want = scalarTrajectory(exp, seed, alpha, optimizer, steps);
    // Sanity: the run moved, and stayed finite.
    expect(want.loss1[steps - 1]).not.toBe(want.loss1[0]);
    expect(Number.isFinite(want.loss1[steps - 1]!)).toBe(true);
    expect(firstBitDifference(got[lane]!.loss1, want.loss1)).toBe(-1);
    expect(firstBitDifference(got[lane]!.loss2, want.loss2)).toBe(-1);
    want.params.forEach((p, i) => {
      const at = firstBitDifference(got[lane]!.params[i]!, p);
      expect(at === -1 ? 'identical' : `lane ${lane}, after ${(i + 1) * CHECK_EVERY} steps, parameter ${at}: ${got[lane]!.params[i]![at]} vs ${p[at]}`).toBe(
        'identical',
      );
    });
  });
}

/** Two samples' features per lane drawn from the seed; targets inline (mse). */
function smallExperiment(over: Partial<DeclarativeExperiment>): DeclarativeExperiment {
  return {
    name: 'lanes',
    layers: [2, 8, 3],
    activation: 'leaky_relu',
    leaky_slope: 0.07,
    features: { uniform: [5, 2] },
    target: 1.5,
    targets: [
      [0.5, -1, 2],
      [1, 0.25, -0.5],
      [-2, 1, 0],
      [0.75, 0.5, 1],
      [0, -0.25, 1.25],
    ],
    loss1: 'mse',
    loss2: 'l2',
    ...over,
  };
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

describe('shapes the lane kernel does not generate', () => {
  it.each([[{ activation: 'tanh' }], [{ activation: 'sigmoid' }], [{ loss1: 'cross_entropy', labels: [0, 1, 2, 0, 1] }], [{ loss2: 'entropy' }]] as const)(
    '%o → null (the caller keeps the scalar path)',
    (over) => {
      expect(compileLaneKernel(laneShape(smallExperiment(over)))).toBeNull();
    },
  );
});
