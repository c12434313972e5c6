/**
 * The seed problem (see DESIGN.md) as a functional module: what the built-in declarative `seed`
 * experiment does, written in TensorFlow.js — the template for your own experiment.
 *
 *   Linear(1→5) → ReLU → Linear(5→10) → ReLU → Linear(10→1)
 *   loss1 = (5 − Σ out)²          minimized
 *   loss2 = Σ every weight, bias  maximized with weight α
 *
 * Run:  mo-train sweep --module experiments/seed.ts --alpha 0,0.01,0.1 --seeds 0,1,2
 *
 * Functional: params() gives the initial parameters by PyTorch state_dict names and shapes
 * (fc1.weight [5][1], fc1.bias [5], …), and the losses compute the network from them with plain
 * tfjs ops, as nn.Linear does (x·Wᵀ + b). So the state_dict of a PyTorch model with Linear
 * layers fc1, fc2, fc3, dumped to JSON, is a valid `--init`, and final-params.json loads back
 * into that model with `load_state_dict`. A step runs only these two
 * losses' kernels (56 with their gradients), which is what makes this form fast; the same
 * problem written with tf.layers is experiments/seed-layers.ts.
 *
 * The init is PyTorch-like (weights and biases uniform in ±1/√fan_in) but drawn by tfjs's seeded
 * generator, so it is not the built-in experiment's PyTorch-exact starting point (`--init` a
 * PyTorch state_dict for that).
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { ExperimentModule, TensorRecord } from 'mo-train';

/** The layers, named as nn.Linear attributes fc1, fc2, fc3 would be in a PyTorch state_dict. */
const LAYERS = [
  { name: 'fc1', inputs: 1, outputs: 5 },
  { name: 'fc2', inputs: 5, outputs: 10 },
  { name: 'fc3', inputs: 10, outputs: 1 },
] as const;
type Layer = (typeof LAYERS)[number]['name'];
/** The parameters' names: fc1.weight, fc1.bias, …. */
type Param = `${Layer}.${'weight' | 'bias'}`;

/** loss1 pulls the sum of the 3 outputs to this value. */
const TARGET = 5;
const SAMPLES = 3;

/**
 * One seed per random draw, derived from the run's seed: tfjs's random ops take a numeric seed
 * each, and two draws with the same seed would be identical.
 */
function drawSeed(seed: number, draw: number): number {
  return seed * 1000 + draw;
}

interface SeedData extends TensorRecord {
  readonly features: tfjs.Tensor2D;
}

const experiment = {
  name: 'seed-module',
  description: 'The seed problem as a functional module: Linear 1→5→10→1, loss1 = (5 − Σ out)², loss2 = Σ params.',

  params({ tf, seed }) {
    const params = {} as Record<Param, tfjs.Tensor>;
    LAYERS.forEach(({ name, inputs, outputs }, l) => {
      // nn.Linear's default init: weight [out][in] and bias both uniform in ±1/√fan_in.
      const bound = 1 / Math.sqrt(inputs);
      params[`${name}.weight`] = tf.randomUniform([outputs, inputs], -bound, bound, 'float32', drawSeed(seed, 2 * l));
      params[`${name}.bias`] = tf.randomUniform([outputs], -bound, bound, 'float32', drawSeed(seed, 2 * l + 1));
    });
    return params;
  },

  data({ tf, seed }) {
    return { features: tf.randomUniform([SAMPLES, LAYERS[0].inputs], 0, 1, 'float32', drawSeed(seed, 999)) as tfjs.Tensor2D };
  },

  loss1({ tf, params, data }) {
    // nn.Linear: h·Wᵀ + b (matMul's transposeB reads the [out][in] weight as is).
    const linear = (h: tfjs.Tensor, layer: Layer): tfjs.Tensor => tf.add(tf.matMul(h, params[`${layer}.weight`], false, true), params[`${layer}.bias`]);
    const h1 = tf.relu(linear(data.features, 'fc1'));
    const h2 = tf.relu(linear(h1, 'fc2'));
    const out = linear(h2, 'fc3');
    // (Σ out − 5)² as one op: 4 kernels fewer, with its gradient, than tf.square(tf.sub(…)).
    return tf.squaredDifference(tf.sum(out), TARGET) as tfjs.Scalar;
  },

  loss2({ tf, flatParams }) {
    // Every parameter at once (the same values as `params`, as one vector): 4 kernels with its
    // gradient, against 37 for tf.addN(Object.values(params).map((p) => tf.sum(p))) and 30 for a
    // tf.concat of them then one sum. Built from the parameters themselves, so it has a gradient
    // (the seed question's bug was to rebuild it from detached numbers, which cuts it off the graph).
    return tf.sum(flatParams) as tfjs.Scalar;
  },
} satisfies ExperimentModule<SeedData, Param>;

export default experiment;
