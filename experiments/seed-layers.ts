/**
 * The seed problem (see DESIGN.md) as a LayersModel module: the same problem as experiments/seed.ts,
 * written with tf.layers, as a template for a module that wants tf.layers (its layer zoo,
 * tf.sequential, model.apply).
 *
 *   Dense(1→5, relu) → Dense(5→10, relu) → Dense(10→1)
 *   loss1 = (5 − Σ out)²          minimized
 *   loss2 = Σ every weight, bias  maximized with weight α
 *
 * Run:  mo-train sweep --module experiments/seed-layers.ts --alpha 0,0.01,0.1 --seeds 0,1,2
 *
 * tfjs-layers runs kernels of its own on every call: a step here is 100 kernels, against
 * 56 for the functional experiments/seed.ts, and takes about twice as long (see
 * experiments/README.md for the measured numbers). Parameters are named like PyTorch's
 * nn.Sequential (0.weight, 0.bias, …, kernels written [out][in]).
 *
 * The init is PyTorch-like (weights and biases uniform in ±1/√fan_in) but drawn by tfjs's seeded
 * generator, so it is not the built-in experiment's PyTorch-exact starting point.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { ExperimentModule } from 'mo-train';

/** Layer widths, input first. */
const WIDTHS = [1, 5, 10, 1] as const;
/** loss1 pulls the sum of the 3 outputs to this value. */
const TARGET = 5;
const SAMPLES = 3;

/**
 * One seed per random draw, derived from the run's seed: tfjs initializers take a numeric seed
 * each, and two draws with the same seed would be identical.
 */
function drawSeed(seed: number, draw: number): number {
  return seed * 1000 + draw;
}

interface SeedData extends Record<string, tfjs.Tensor> {
  readonly features: tfjs.Tensor2D;
}

const experiment = {
  name: 'seed-layers',
  description: 'The seed problem as a LayersModel module: Dense 1→5→10→1, loss1 = (5 − Σ out)², loss2 = Σ params.',

  model({ tf, seed }) {
    const layers = [];
    for (let l = 1; l < WIDTHS.length; l++) {
      const fanIn = WIDTHS[l - 1]!;
      // PyTorch's nn.Linear default: weight and bias both uniform in ±1/√fan_in.
      const bound = 1 / Math.sqrt(fanIn);
      layers.push(
        tf.layers.dense({
          units: WIDTHS[l]!,
          activation: l < WIDTHS.length - 1 ? 'relu' : 'linear',
          kernelInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: drawSeed(seed, 2 * l) }),
          biasInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: drawSeed(seed, 2 * l + 1) }),
          ...(l === 1 ? { inputShape: [fanIn] } : {}),
        }),
      );
    }
    return tf.sequential({ layers });
  },

  data({ tf, seed }) {
    return { features: tf.randomUniform([SAMPLES, WIDTHS[0]], 0, 1, 'float32', drawSeed(seed, 999)) as tfjs.Tensor2D };
  },

  loss1({ tf, model, data }) {
    const out = model.apply(data.features) as tfjs.Tensor;
    return tf.square(tf.sub(TARGET, tf.sum(out))) as tfjs.Scalar;
  },

  loss2({ tf, model }) {
    // Built from the weights themselves, so it has a gradient (the seed question's bug was to
    // rebuild it from detached numbers, which cuts it off the graph).
    return tf.addN(model.trainableWeights.map((w) => tf.sum(w.read()))) as tfjs.Scalar;
  },
} satisfies ExperimentModule<SeedData>;

export default experiment;
