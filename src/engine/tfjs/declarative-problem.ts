/**
 * A declarative experiment (src/experiment/declarative.ts) as a tfjs problem: the same dense stack
 * and loss catalog as the fused engine, in float32. Parameters keep PyTorch's layout (Linear weight
 * [out][in], names fc1.weight, …), so a layer is `h · Wᵀ + b` (matMul with transposeB) and the
 * flat vector needs no transposition.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { materializeDeclarative, type Activation, type DeclarativeExperiment, type LossName } from '../../experiment/declarative.js';
import type { Tf } from './load-tf.js';
import type { TfjsProblem } from './tfjs-oracle.js';

export function createDeclarativeProblem(tf: Tf, exp: DeclarativeExperiment, seed: number, initial?: Float64Array): TfjsProblem {
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
  // tidy frees the temporary the variable is made from (tidy never disposes variables).
  const variables = layout.entries.map((e) =>
    keep(tf.tidy(() => tf.variable(tf.tensor(Float32Array.from(params.subarray(e.offset, e.offset + e.size)), [...e.shape], 'float32'), true))),
  );
  const x = keep(tf.tensor2d(Float32Array.from(data.features), [samples, inputs]));
  const targets = data.targets ? keep(tf.tensor2d(Float32Array.from(data.targets), [samples, outputs])) : null;
  // Integer labels as one-hot rows, so cross-entropy is a mask over log-softmax.
  const oneHot = data.labels ? keep(tf.tidy(() => tf.oneHot(tf.tensor1d(data.labels!, 'int32'), outputs).toFloat())) : null;
  const activate = activation(tf, exp.activation, exp.leaky_slope);

  const forward = (): tfjs.Tensor2D => {
    let h: tfjs.Tensor2D = x;
    const layers = exp.layers.length - 1;
    for (let l = 0; l < layers; l++) {
      const w = variables[2 * l]! as tfjs.Tensor2D;
      const b = variables[2 * l + 1]!;
      h = tf.add(tf.matMul(h, w, false, true), b);
      if (l < layers - 1) h = activate(h);
    }
    return h;
  };

  const lossOf = (name: LossName): (() => tfjs.Scalar) => {
    switch (name) {
      case 'sum_to_target': {
        const target = exp.target!;
        return () => tf.square(tf.sub(tf.scalar(target), tf.sum(forward()))) as tfjs.Scalar;
      }
      case 'mse':
        return () => tf.mean(tf.squaredDifference(forward(), targets!)) as tfjs.Scalar;
      case 'cross_entropy':
        return () => tf.neg(tf.mean(tf.sum(tf.mul(oneHot!, tf.logSoftmax(forward())), 1))) as tfjs.Scalar;
      case 'entropy':
        return () => {
          const logP = tf.logSoftmax(forward());
          return tf.neg(tf.mean(tf.sum(tf.mul(tf.exp(logP), logP), 1))) as tfjs.Scalar;
        };
      case 'param_sum':
        return () => tf.addN(variables.map((v) => tf.sum(v))) as tfjs.Scalar;
      case 'l2':
        return () => tf.addN(variables.map((v) => tf.sum(tf.square(v)))) as tfjs.Scalar;
      case 'l1':
        return () => tf.addN(variables.map((v) => tf.sum(tf.abs(v)))) as tfjs.Scalar;
    }
  };
  const loss1 = lossOf(exp.loss1);
  const loss2 = lossOf(exp.loss2);

  return {
    layout,
    variables,
    initial: params,
    loss1: () => loss1(),
    loss2: () => loss2(),
    dispose: () => {
      for (const t of kept) if (!t.isDisposed) t.dispose();
    },
  };
}

function activation(tf: Tf, name: Activation, leakySlope: number): (h: tfjs.Tensor2D) => tfjs.Tensor2D {
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
