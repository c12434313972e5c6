/**
 * Kernels per step of the tfjs oracle, counted with tf.profile on the cpu backend. On networks
 * this small a step's time is ~2–4 µs of tfjs overhead per kernel, so these counts are its cost
 * model: a change that adds kernels to every step (a variable per weight, slicing a flat tensor
 * inside the tape, a second tape on unlogged steps) fails here. Budgets are the counts measured
 * with tfjs 4.22. For modules the oracle must add nothing to the module's own losses: the
 * functional experiments/seed.ts runs 56 kernels a step (the declarative seed's 52, plus 4 for
 * loss2 = Σ flatParams on the tape), the LayersModel experiments/seed-layers.ts 100.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDeclarativeProblem } from '../../src/engine/tfjs/declarative-problem.js';
import { loadTf, type Tf } from '../../src/engine/tfjs/load-tf.js';
import { createModuleProblem } from '../../src/engine/tfjs/module-problem.js';
import { createTfjsOracle } from '../../src/engine/tfjs/tfjs-oracle.js';
import { createEvaluation, type GradientOracle } from '../../src/engine/types.js';
import { SEED_EXPERIMENT, type DeclarativeExperiment } from '../../src/experiment/declarative.js';
import { loadExperimentModule } from '../../src/experiment/load-module.js';
import { isFunctionalModule, type ExperimentModule } from '../../src/experiment/module-types.js';

const experiments = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'experiments');

let tf: Tf;
beforeAll(async () => {
  tf = await loadTf('cpu');
});

type Step = 'evaluate' | 'combined' | 'combined, logged';

/** Kernels of one warm step of each kind (the counts do not change from step to step: checked). */
async function kernelsPerStep(oracle: GradientOracle): Promise<Record<Step, number>> {
  const params = Float64Array.from(oracle.initial);
  const ev = createEvaluation(params.length);
  const out = { loss1: NaN, loss2: NaN, direction: new Float64Array(params.length) };
  const steps: Record<Step, (step: number) => void> = {
    evaluate: (step) => oracle.evaluate(params, ev, step),
    combined: (step) => oracle.evaluateCombined(params, 0.1, out, step),
    'combined, logged': (step) => oracle.evaluateCombined(params, 0.1, out, step, ev),
  };
  const counts = {} as Record<Step, number>;
  for (const [name, run] of Object.entries(steps) as [Step, (step: number) => void][]) {
    run(0);
    const first = (await tf.profile(() => run(1))).kernels.length;
    for (let s = 2; s < 20; s++) run(s);
    expect((await tf.profile(() => run(20))).kernels.length, name).toBe(first);
    counts[name] = first;
  }
  return counts;
}

/** Two output losses: the combined tape shares one forward pass between them. */
const TWO_OUTPUT_LOSSES: DeclarativeExperiment = {
  name: 'two-output-losses',
  layers: [3, 4, 3],
  activation: 'tanh',
  leaky_slope: 0.01,
  features: [
    [1, 2, 3],
    [0, 1, 0],
  ],
  targets: [
    [0, 1, 0],
    [1, 0, 0],
  ],
  loss1: 'mse',
  loss2: 'entropy',
};

describe('kernels per step (cpu backend)', () => {
  it('the declarative seed problem: 52 kernels, logged or not (loss2 = Σ params is closed-form)', async () => {
    const oracle = createTfjsOracle(tf, createDeclarativeProblem(tf, SEED_EXPERIMENT, 0));
    try {
      expect(await kernelsPerStep(oracle)).toEqual({ evaluate: 52, combined: 52, 'combined, logged': 52 });
    } finally {
      oracle.dispose();
    }
  });

  it('two output losses: the unlogged step runs one forward and one backward pass; a logged step adds exactly the per-objective tapes', async () => {
    const oracle = createTfjsOracle(tf, createDeclarativeProblem(tf, TWO_OUTPUT_LOSSES, 0));
    try {
      const counts = await kernelsPerStep(oracle);
      expect(counts).toEqual({ evaluate: 96, combined: 72, 'combined, logged': 168 });
      expect(counts['combined, logged']).toBe(counts.combined + counts.evaluate);
    } finally {
      oracle.dispose();
    }
  });

  // A module's own cost: its two losses recorded on tfjs's tape, as a user would run them.
  async function ownKernels(mod: ExperimentModule): Promise<number> {
    const data = mod.data({ tf, seed: 0 });
    const state = {};
    const tape = (loss: () => tfjs.Scalar, xs: tfjs.Tensor[]): void => tf.tidy(() => void tf.engine().gradients(loss, xs, undefined, true));
    try {
      if (isFunctionalModule(mod)) {
        const params = mod.params({ tf, seed: 0 });
        const flatParams = tf.concat(Object.values(params).map((p) => p.reshape([-1]))) as tfjs.Tensor1D;
        const xs = [...Object.values(params), flatParams];
        const args = { tf, params, flatParams, data, step: 0, state };
        try {
          return (
            await tf.profile(() => {
              tape(() => mod.loss1(args), xs);
              tape(() => mod.loss2(args), xs);
            })
          ).kernels.length;
        } finally {
          tf.dispose([...xs]);
        }
      }
      const model = mod.model({ tf, seed: 0 });
      const weights = model.trainableWeights.map((w) => w.read());
      const args = { tf, model, data, step: 0, state };
      try {
        return (
          await tf.profile(() => {
            tape(() => mod.loss1(args), weights);
            tape(() => mod.loss2(args), weights);
          })
        ).kernels.length;
      } finally {
        model.dispose();
      }
    } finally {
      tf.dispose(Object.values(data));
    }
  }

  it.each([
    // Functional: the two losses' ops on the step's own tensors; loss2 = Σ flatParams is 4 kernels.
    { file: 'seed.ts', kernels: 56 },
    // tfjs-layers' Dense and the per-weight sums of loss2 cost as much again.
    { file: 'seed-layers.ts', kernels: 100 },
  ])('experiments/$file: exactly the module’s own $kernels kernels, logged or not (the oracle adds none)', async ({ file, kernels }) => {
    const mod = await loadExperimentModule(join(experiments, file));
    const own = await ownKernels(mod);
    expect(own).toBe(kernels);
    const oracle = createTfjsOracle(tf, createModuleProblem(tf, mod, 0));
    try {
      expect(await kernelsPerStep(oracle)).toEqual({ evaluate: own, combined: own, 'combined, logged': own });
    } finally {
      oracle.dispose();
    }
  });
});
