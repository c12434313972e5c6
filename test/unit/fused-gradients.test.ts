/**
 * The fused engine's hand-derived gradients against central finite differences, for every
 * activation and every loss of the catalog, on small random networks (float64: tight tolerance).
 */
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, LOSSES, type Activation, type DeclarativeExperiment, type LossName } from '../../src/experiment/declarative.js';
import { FusedOracle } from '../../src/engine/fused/fused-oracle.js';
import { createEvaluation } from '../../src/engine/types.js';
import { TorchGenerator } from '../../src/experiment/torch-rng.js';

function experiment(activation: Activation, loss1: LossName, loss2: LossName): DeclarativeExperiment {
  const g = new TorchGenerator(99);
  const samples = 4;
  const layers = [3, 4, 5, 3];
  const u = () => g.uniformFloat32(-1, 1);
  return {
    name: 'fd',
    layers,
    activation,
    leaky_slope: 0.1,
    features: Array.from({ length: samples }, () => [u(), u(), u()]),
    target: 2,
    targets: Array.from({ length: samples }, () => [u(), u(), u()]),
    labels: [0, 2, 1, 2],
    loss1,
    loss2,
  };
}

const cases = ACTIVATIONS.flatMap((act) => LOSSES.map((loss) => [act, loss] as const));

describe('fused gradients match finite differences', () => {
  it.each(cases)('%s network, loss %s', (act, loss) => {
    // The loss under test fills both slots, so both gradient buffers are checked.
    const exp = experiment(act, loss, loss);
    const oracle = new FusedOracle(exp, 5);
    const p = Float64Array.from(oracle.initial);
    const ev = createEvaluation(p.length);
    oracle.evaluate(p, ev, 0);
    const g1 = Float64Array.from(ev.grad1);
    const g2 = Float64Array.from(ev.grad2);
    expect(ev.loss1).toBe(ev.loss2);
    const h = 1e-6;
    let worst = 0;
    for (let i = 0; i < p.length; i++) {
      const keep = p[i]!;
      p[i] = keep + h;
      oracle.evaluate(p, ev, 0);
      const up = ev.loss1;
      p[i] = keep - h;
      oracle.evaluate(p, ev, 0);
      const down = ev.loss1;
      p[i] = keep;
      const fd = (up - down) / (2 * h);
      // Kinks of relu/leaky_relu/l1 at exactly 0 do not occur with these random values.
      worst = Math.max(worst, Math.abs(fd - g1[i]!) / Math.max(1, Math.abs(fd)));
      expect(g2[i]).toBe(g1[i]);
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it('values of the catalog losses on a known network', () => {
    // One linear layer 2→2 with weight I and zero bias: the output equals the features.
    const exp: DeclarativeExperiment = {
      name: 'known',
      layers: [2, 2],
      activation: 'relu',
      leaky_slope: 0.01,
      features: [
        [1, 2],
        [0, 0],
      ],
      target: 5,
      targets: [
        [1, 1],
        [1, 1],
      ],
      labels: [1, 0],
      loss1: 'sum_to_target',
      loss2: 'param_sum',
    };
    const params = Float64Array.from([1, 0, 0, 1, 0, 0]);
    const value = (loss1: LossName) => {
      const o = new FusedOracle({ ...exp, loss1 }, 0);
      const ev = createEvaluation(6);
      o.evaluate(params, ev, 0);
      return ev.loss1;
    };
    expect(value('sum_to_target')).toBeCloseTo((5 - 3) ** 2, 12);
    expect(value('mse')).toBeCloseTo((0 + 1 + 1 + 1) / 4, 12);
    const lse = Math.log(Math.exp(1) + Math.exp(2));
    expect(value('cross_entropy')).toBeCloseTo((lse - 2 + Math.log(2)) / 2, 12);
    const p = Math.exp(1) / (Math.exp(1) + Math.exp(2));
    expect(value('entropy')).toBeCloseTo((-(p * Math.log(p) + (1 - p) * Math.log(1 - p)) + Math.log(2)) / 2, 12);
    expect(value('param_sum')).toBe(2);
    expect(value('l2')).toBe(2);
    expect(value('l1')).toBe(2);
  });
});
