/**
 * Fair representation learning: a case where maximizing loss2 means something.
 *
 * An encoder maps features x to a small representation z, and a task head predicts a label y
 * from z. Each sample also has a sensitive attribute s (think: a protected group) that is
 * correlated with y and leaks through some features (proxies). We want z to be good for y and
 * useless for recovering s.
 *
 *   loss1 = task cross-entropy of y from z                          (minimized)
 *   loss2 = cross-entropy of the BEST adversary predicting s from z  (maximized, weight α)
 *
 * "Best adversary": inside loss2 a logistic regression is fitted to predict s from a detached copy
 * of z, for a few gradient steps per training step, warm-started from the previous step's
 * adversary (kept in `state`), so it tracks the encoder as the encoder changes. loss2 is then its
 * cross-entropy on the live z with the adversary's weights held constant. By Danskin's theorem
 * the gradient of min_adversary CE(adversary, z) with respect to the encoder is the gradient of
 * CE at the minimizing adversary, with the adversary fixed, which is exactly this. So descending
 * loss1 − α·loss2 trains the encoder against the strongest linear adversary.
 *
 * What α trades off: task accuracy against hiding s. At α = 0 nothing hides s and z keeps part of
 * the proxies, so the adversary's loss stays low (s is recoverable from z). As α grows the encoder
 * drops what gives s away and loss2 climbs toward ln 2 ≈ 0.693 (chance for a balanced s). It
 * cannot quite reach it without also dropping y, because y itself predicts s (P(s = y) = 0.7);
 * pushing α further trades task loss for the last bit of hiding. Unlike the seed problem's
 * Σ params, loss2 here is bounded (≤ ln 2), so large α does not drift to infinity.
 *
 * Measured (2,000 steps, Adam lr 1e-2, cpu backend, seeds 0 and 1; final loss1 / loss2):
 *   α = 0    0.18–0.20 / 0.46–0.50     s recoverable
 *   α = 0.5  0.18–0.21 / 0.63–0.64
 *   α = 1    0.24–0.26 / 0.67
 *   α = 2    0.27–0.30 / 0.69          near chance (ln 2 = 0.693), task loss higher
 *
 * Written in the functional form (see experiments/seed.ts): the parameters are PyTorch Linear
 * layers by name (encoder1.weight [8][6], …) and the losses compute the network with tfjs ops. A
 * step (about 360 kernels) takes about 4 ms on the cpu backend and 2.5–3 ms with --backend wasm;
 * it is dominated by the ops on 512 samples and the adversary's refit, not by the module's form
 * (the same module written with tf.layers ran 405 kernels, about 10% slower on cpu and 20% on wasm).
 *
 * Run:  mo-train sweep --module experiments/adversarial.ts --alpha 0,0.5,1,2 --seeds 0-2 --steps 2000 --lr 1e-2
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { ExperimentModule, FunctionalLossArgs, TensorRecord } from 'mo-train';

/** Samples in the (full-batch) training set. */
const SAMPLES = 512;
/** The features, the width of the encoder's hidden layer, and of the representation z. */
const FEATURES = 6;
const HIDDEN = 8;
export const REPRESENTATION = 2;
/**
 * The network, as PyTorch Linear layers (weight [out][in]): encoder1 and encoder2 (tanh after
 * each) map x to z, the task head maps z to one logit for y.
 */
const LAYERS = [
  { name: 'encoder1', inputs: FEATURES, outputs: HIDDEN },
  { name: 'encoder2', inputs: HIDDEN, outputs: REPRESENTATION },
  { name: 'head', inputs: REPRESENTATION, outputs: 1 },
] as const;
type Layer = (typeof LAYERS)[number]['name'];
export type Param = `${Layer}.${'weight' | 'bias'}`;
type Params = FunctionalLossArgs<FairData, Param>['params'];
/** P(s = y): how much the label itself gives s away. */
const S_AGREES_WITH_Y = 0.7;
/** Mean shift (in noise standard deviations) of the 4 task features by y and the 2 proxies by s. */
const TASK_SHIFT = [0.6, 0.5, 0.4, 0.3];
const PROXY_SHIFT = [2.0, 1.5];

/**
 * Adversary fitting: plain gradient descent on its logistic loss. z ∈ (−1, 1)² (tanh), so the
 * loss's curvature is at most ¼·(2 + 1) = 0.75 (two inputs and the bias) and a step of 1 is
 * stable (below 2/0.75). 200 steps from zero get it near its optimum on the first training step;
 * 5 per training step then keep it there, since the encoder moves little per step.
 */
const ADV_LR = 1;
const ADV_FIRST_STEPS = 200;
const ADV_STEPS = 5;
/** L2 penalty on the adversary's weights: keeps them finite if z ever separates s perfectly. */
const ADV_L2 = 1e-3;

export interface FairData extends TensorRecord {
  /** SAMPLES × 6 features: 4 driven by y, 2 proxies driven by s. */
  readonly x: tfjs.Tensor2D;
  /** SAMPLES × 1 task label in {0, 1}. */
  readonly y: tfjs.Tensor2D;
  /** SAMPLES × 1 sensitive attribute in {0, 1}. */
  readonly s: tfjs.Tensor2D;
}

/** The adversary kept across steps: logistic regression s ≈ σ(z·w + b). */
interface AdversaryState {
  w?: tfjs.Tensor2D;
  b?: tfjs.Scalar;
}

type Tf = FunctionalLossArgs['tf'];

/** One tfjs seed per random draw, derived from the run's seed (equal seeds give equal draws). */
export function drawSeed(seed: number, draw: number): number {
  return seed * 1000 + draw;
}

/** A Linear layer as PyTorch computes it: h·Wᵀ + b (matMul's transposeB reads the [out][in] weight as is). */
export function linear<L extends string>(tf: Tf, params: Readonly<Record<`${L}.weight` | `${L}.bias`, tfjs.Tensor>>, layer: L, h: tfjs.Tensor): tfjs.Tensor2D {
  return tf.add(tf.matMul(h, params[`${layer}.weight`], false, true), params[`${layer}.bias`]) as tfjs.Tensor2D;
}

/** The representation z of the features x. */
export function encode(tf: Tf, params: Params, x: tfjs.Tensor): tfjs.Tensor2D {
  return tf.tanh(linear(tf, params, 'encoder2', tf.tanh(linear(tf, params, 'encoder1', x))));
}

/** Mean logistic cross-entropy of labels t ∈ {0,1} given logits. */
export function logisticLoss(tf: Tf, t: tfjs.Tensor, logits: tfjs.Tensor): tfjs.Scalar {
  return tf.losses.sigmoidCrossEntropy(t, logits) as tfjs.Scalar;
}

const experiment = {
  name: 'fair-representation',
  description: 'Encoder + task head; loss2 = cross-entropy of a best-response adversary predicting a sensitive attribute from z.',

  params({ tf, seed }) {
    const params = {} as Record<Param, tfjs.Tensor>;
    LAYERS.forEach(({ name, inputs, outputs }, l) => {
      // Glorot-uniform weights and zero biases (tf.layers.dense's defaults).
      const limit = Math.sqrt(6 / (inputs + outputs));
      params[`${name}.weight`] = tf.randomUniform([outputs, inputs], -limit, limit, 'float32', drawSeed(seed, l + 1));
      params[`${name}.bias`] = tf.zeros([outputs]);
    });
    return params;
  },

  data({ tf, seed }) {
    return tf.tidy(() => {
      const y = tf.less(tf.randomUniform([SAMPLES, 1], 0, 1, 'float32', drawSeed(seed, 10)), 0.5).toFloat();
      const agree = tf.less(tf.randomUniform([SAMPLES, 1], 0, 1, 'float32', drawSeed(seed, 11)), S_AGREES_WITH_Y).toFloat();
      // s = y where agree, 1 − y elsewhere.
      const s = tf.add(tf.mul(agree, y), tf.mul(tf.sub(1, agree), tf.sub(1, y)));
      const noise = tf.randomNormal([SAMPLES, FEATURES], 0, 1, 'float32', drawSeed(seed, 12));
      const signY = tf.sub(tf.mul(y, 2), 1);
      const signS = tf.sub(tf.mul(s, 2), 1);
      const shifts = tf.concat([tf.mul(signY, tf.tensor2d([TASK_SHIFT])), tf.mul(signS, tf.tensor2d([PROXY_SHIFT]))], 1);
      return { x: tf.add(noise, shifts) as tfjs.Tensor2D, y: y as tfjs.Tensor2D, s: s as tfjs.Tensor2D };
    });
  },

  loss1({ tf, params, data }) {
    return logisticLoss(tf, data.y, linear(tf, params, 'head', encode(tf, params, data.x)));
  },

  loss2({ tf, params, data, state }) {
    const z = encode(tf, params, data.x);
    // A detached copy: the adversary is fitted on z's values, with no gradient path back into the
    // encoder (tfjs has no stop_gradient; a copy of the numbers has none).
    const zFixed = tf.tensor2d(z.dataSync(), z.shape);
    const adversary = state as AdversaryState;
    const first = adversary.w === undefined;
    const fitted = tf.tidy(() => {
      let w: tfjs.Tensor2D = adversary.w ?? tf.zeros([REPRESENTATION, 1]);
      let b: tfjs.Scalar = adversary.b ?? tf.scalar(0);
      const n = zFixed.shape[0];
      for (let k = 0; k < (first ? ADV_FIRST_STEPS : ADV_STEPS); k++) {
        // ∂/∂w of mean logistic loss = zᵀ(σ(zw + b) − s)/n; ∂/∂b = mean(σ − s).
        const residual = tf.sub(tf.sigmoid(tf.add(tf.matMul(zFixed, w), b)), data.s);
        const gradW = tf.add(tf.div(tf.matMul(zFixed, residual, true, false), n), tf.mul(ADV_L2, w));
        w = tf.sub(w, tf.mul(ADV_LR, gradW));
        b = tf.sub(b, tf.mul(ADV_LR, tf.mean(residual)));
      }
      return { w, b };
    });
    // The new adversary outlives this step (tf.keep: no enclosing tidy frees it); the old one is freed.
    adversary.w?.dispose();
    adversary.b?.dispose();
    adversary.w = tf.keep(fitted.w);
    adversary.b = tf.keep(fitted.b);
    zFixed.dispose();
    // The adversary's loss on the live z, its weights constants: the Danskin gradient.
    return logisticLoss(tf, data.s, tf.add(tf.matMul(z, adversary.w), adversary.b));
  },
} satisfies ExperimentModule<FairData, Param>;

export default experiment;
