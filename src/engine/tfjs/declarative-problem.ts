/**
 * A declarative experiment (src/experiment/declarative.ts) as a tfjs problem: the same dense stack
 * and loss catalog as the fused engine, in float32. Parameters keep PyTorch's layout (Linear weight
 * [out][in], names fc1.weight, …), so a layer is `h · Wᵀ + b` (matMul with transposeB) and the
 * flat vector needs no transposition.
 *
 * The network and the output losses are tfjs ops differentiated by tfjs's tape (an independent
 * check of the fused engine's hand-derived backward pass). The parameter-only losses (param_sum,
 * l2, l1) have closed-form gradients (1, 2p, sign p) and are computed here without kernels: as
 * tfjs ops over every weight they cost a sum, a saved copy and a two-kernel gradient per weight
 * plus an addN and its gradient — 37 kernels a step for the seed network's 6 weights, more than
 * its whole forward pass.
 */
import { evaluateParamLoss } from '../param-loss.js';
import type * as tfjs from '@tensorflow/tfjs';
import { materializeDeclarative, type Activation, type DeclarativeExperiment, type LossName } from '../../experiment/declarative.js';
import type { Tf } from './load-tf.js';
import type { NetworkProblem, ObjectiveName } from './tfjs-problem.js';

/** Losses of the network output, as opposed to parameter-only ones. */
const OUTPUT_LOSSES: ReadonlySet<LossName> = new Set(['sum_to_target', 'mse', 'cross_entropy', 'entropy']);

export function createDeclarativeProblem(tf: Tf, exp: DeclarativeExperiment, seed: number, initial?: Float64Array): NetworkProblem {
  const start = materializeDeclarative(exp, seed);
  const { layout, data } = start;
  if (initial && initial.length !== layout.size) {
    throw new Error(`experiment ${exp.name}: ${initial.length} initial parameters, the network has ${layout.size}`);
  }
  const params = Float64Array.from(initial ?? start.params);
  const inputs = exp.layers[0]!;
  const outputs = exp.layers[exp.layers.length - 1]!;
  const samples = data.samples;
  for (const loss of [exp.loss1, exp.loss2]) checkLossData(exp, loss, samples, outputs);

  const kept: tfjs.Tensor[] = [];
  const keep = <T extends tfjs.Tensor>(t: T): T => {
    kept.push(t);
    return t;
  };
  const x = keep(tf.tensor2d(Float32Array.from(data.features), [samples, inputs]));
  const targets = data.targets ? keep(tf.tensor2d(Float32Array.from(data.targets), [samples, outputs])) : null;
  // Integer labels as one-hot rows scaled by −1/samples, so mean cross-entropy is one mul and one
  // sum over log-softmax.
  const negOneHot = data.labels ? keep(tf.tidy(() => tf.mul(tf.oneHot(tf.tensor1d(data.labels!, 'int32'), outputs).toFloat(), -1 / samples))) : null;
  const activate = activation(tf, exp.activation, exp.leaky_slope);
  const layers = exp.layers.length - 1;

  const output = (weights: readonly tfjs.Tensor[]): tfjs.Tensor => {
    let h: tfjs.Tensor = x;
    for (let l = 0; l < layers; l++) {
      h = tf.add(tf.matMul(h, weights[2 * l]!, false, true), weights[2 * l + 1]!);
      if (l < layers - 1) h = activate(h);
    }
    return h;
  };

  // Every branch reduces to a scalar; tfjs types reductions as Tensor<Rank>.
  const lossOf = (name: LossName): ((out: tfjs.Tensor) => tfjs.Scalar) => {
    switch (name) {
      case 'sum_to_target': {
        // (Σ out − target)² as one op: 10 kernels with its gradient, against 13 for square(sub(…)).
        const target = tf.scalar(exp.target!);
        kept.push(target);
        return (out) => tf.squaredDifference(tf.sum(out), target) as tfjs.Scalar;
      }
      case 'mse':
        return (out) => tf.mean(tf.squaredDifference(out, targets!)) as tfjs.Scalar;
      case 'cross_entropy':
        return (out) => tf.sum(tf.mul(negOneHot!, tf.logSoftmax(out))) as tfjs.Scalar;
      case 'entropy':
        // H = −Σ p·log p per sample, averaged: Σ over everything of exp(logP)·logP, times −1/samples.
        return (out) => {
          const logP = tf.logSoftmax(out);
          return tf.mul(tf.sum(tf.mul(tf.exp(logP), logP)), -1 / samples) as tfjs.Scalar;
        };
      default:
        throw new Error(`not an output loss: ${name}`);
    }
  };
  const usesOutput = { loss1: OUTPUT_LOSSES.has(exp.loss1), loss2: OUTPUT_LOSSES.has(exp.loss2) };
  const outputLosses = {
    loss1: usesOutput.loss1 ? lossOf(exp.loss1) : null,
    loss2: usesOutput.loss2 ? lossOf(exp.loss2) : null,
  };

  return {
    kind: 'network',
    layout,
    initial: params,
    usesOutput,
    output,
    outputLoss: (name: ObjectiveName, out: tfjs.Tensor) => outputLosses[name]!(out),
    paramLoss: (name: ObjectiveName, values: Float32Array, grad: Float64Array) => evaluateParamLoss(exp[name], values, grad),
    dispose: () => {
      for (const t of kept) if (!t.isDisposed) t.dispose();
    },
  };
}

function activation(tf: Tf, name: Activation, leakySlope: number): (h: tfjs.Tensor) => tfjs.Tensor {
  switch (name) {
    case 'relu':
      return (h) => tf.relu(h);
    case 'tanh':
      return (h) => tf.tanh(h);
    case 'sigmoid':
      return (h) => tf.sigmoid(h);
    case 'leaky_relu':
      return (h) => tf.leakyRelu(h, leakySlope);
    case 'linear':
      return (h) => h;
  }
}

/** The spec validates these; repeated here so a hand-built experiment fails with a clear message. */
function checkLossData(exp: DeclarativeExperiment, loss: LossName, samples: number, outputs: number): void {
  const where = `experiment ${exp.name}: loss ${loss}`;
  if (loss === 'sum_to_target' && (exp.target === undefined || !Number.isFinite(exp.target))) throw new Error(`${where} needs a finite target`);
  if (loss === 'mse' && (exp.targets?.length !== samples || exp.targets.some((r) => r.length !== outputs))) {
    throw new Error(`${where} needs targets of shape [${samples}][${outputs}]`);
  }
  if (loss === 'cross_entropy' && (exp.labels?.length !== samples || exp.labels.some((c) => !Number.isInteger(c) || c < 0 || c >= outputs))) {
    throw new Error(`${where} needs ${samples} labels, integers in [0, ${outputs})`);
  }
}
