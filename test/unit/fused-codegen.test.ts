/**
 * The fused engine's compiled passes (mlp-codegen.ts) compute exactly what its generic loops
 * compute — bit for bit — on random networks of every activation and loss.
 */
import { describe, expect, it } from 'vitest';
import { FusedOracle } from '../../src/engine/fused/fused-oracle.js';
import { createEvaluation, type CombinedEvaluation } from '../../src/engine/types.js';
import { ACTIVATIONS, LOSSES, type Activation, type DeclarativeExperiment, type LossName } from '../../src/experiment/declarative.js';
import { TorchGenerator } from '../../src/experiment/torch-rng.js';

function experiment(layers: number[], samples: number, activation: Activation, loss1: LossName, loss2: LossName, seed: number): DeclarativeExperiment {
  const g = new TorchGenerator(seed);
  const u = () => g.uniformFloat32(-2, 2);
  const inputs = layers[0]!;
  const outputs = layers.at(-1)!;
  return {
    name: 'codegen',
    layers,
    activation,
    leaky_slope: 0.07,
    features: Array.from({ length: samples }, () => Array.from({ length: inputs }, u)),
    target: 3,
    targets: Array.from({ length: samples }, () => Array.from({ length: outputs }, u)),
    labels: Array.from({ length: samples }, (_, i) => i % outputs),
    loss1,
    loss2,
  };
}

const shapes: [number[], number][] = [
  [[1, 5, 10, 1], 3],
  [[3, 4, 2], 7],
  [[2, 8, 8, 8, 3], 5],
];

const cases = ACTIVATIONS.flatMap((act) => LOSSES.map((loss, i) => [act, loss, LOSSES[(i + 3) % LOSSES.length]!] as const));

describe('compiled passes equal the generic loops bit for bit', () => {
  it.each(cases)('%s network, loss1 %s, loss2 %s', (act, loss1, loss2) => {
    shapes.forEach(([layers, samples], k) => {
      const exp = experiment(layers, samples, act, loss1, loss2, 11 + k);
      const compiled = new FusedOracle(exp, k);
      const loops = new FusedOracle(exp, k, undefined, { compile: false });
      expect(compiled.compiled).toBe(true);
      expect(loops.compiled).toBe(false);
      // A few points along a rough trajectory, not just the init.
      const p = Float64Array.from(compiled.initial);
      for (let step = 0; step < 3; step++) {
        const a = createEvaluation(p.length);
        const b = createEvaluation(p.length);
        compiled.evaluate(p, a, step);
        loops.evaluate(p, b, step);
        expect([a.loss1, a.loss2]).toEqual([b.loss1, b.loss2]);
        expect(a.grad1).toEqual(b.grad1);
        expect(a.grad2).toEqual(b.grad2);
        const ca: CombinedEvaluation = { loss1: 0, loss2: 0, direction: new Float64Array(p.length) };
        const cb: CombinedEvaluation = { loss1: 0, loss2: 0, direction: new Float64Array(p.length) };
        compiled.evaluateCombined(p, 0.3, ca, step, a);
        loops.evaluateCombined(p, 0.3, cb, step, b);
        expect(ca.direction).toEqual(cb.direction);
        expect(a.grad1).toEqual(b.grad1);
        for (let i = 0; i < p.length; i++) p[i] = p[i]! - 0.05 * ca.direction[i]!;
      }
    });
  });

  it('a layer too wide to unroll keeps the generic loops', () => {
    const exp = experiment([40, 40, 2], 3, 'relu', 'mse', 'l2', 1);
    expect(new FusedOracle(exp, 0).compiled).toBe(false);
  });
});
