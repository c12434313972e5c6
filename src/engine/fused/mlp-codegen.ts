/**
 * Straight-line forward and backward passes for one MLP shape, compiled once per run with
 * `new Function`. On the small networks α-sweeps run, the generic loops of fused-oracle.ts spend
 * most of their time on loop control: the seed model's forward + backward takes ~1.2 µs through
 * them and ~0.15–0.3 µs through this code (measured on the dev VM). Every layer's units are
 * unrolled; only the samples are a loop.
 *
 * The generated code performs exactly the operations of the generic loops, in the same order, so
 * both give bit-identical results (test/unit/fused-codegen.test.ts checks that on random networks of
 * every activation): sums start from the bias (forward) or from 0 (backward) and add terms in
 * index order; activations and their slopes are the same expressions.
 *
 * Nothing from the user reaches the generated text except integers (widths, offsets, sample count)
 * and the leaky_relu slope, a finite number validated by the spec: no injection is possible.
 */
import type { Activation } from '../../experiment/declarative.js';

export interface MlpKernels {
  /** Fills a[1..L] (post-activation values, samples × width, the output layer linear) from a[0]. */
  forward(p: Float64Array, a: readonly Float64Array[]): void;
  /**
   * From delta[L] (dLoss/dOutput, samples × outputs) writes dLoss/dθ into every weight and bias
   * entry of `grad`, using delta[1..L-1] as scratch.
   */
  backward(p: Float64Array, a: readonly Float64Array[], delta: readonly Float64Array[], grad: Float64Array): void;
}

/**
 * Largest layer (inputs × outputs) compiled: beyond it the unrolled code grows faster than it
 * saves (the loops are then long enough to run well), so such networks keep the generic loops.
 */
export const MAX_LAYER_WEIGHTS = 1024;

/** Offsets of each layer's weight and bias blocks in the flat vector (PyTorch state_dict order). */
export interface MlpShape {
  readonly widths: readonly number[];
  readonly samples: number;
  readonly activation: Activation;
  readonly leakySlope: number;
  readonly weightOffsets: readonly number[];
  readonly biasOffsets: readonly number[];
}

/**
 * Compiled kernels by shape, for the life of the process. A worker runs many runs of one shape:
 * handing every run the same function objects lets V8 keep the optimized code of the callers
 * (which inline them) from one run to the next, instead of deoptimizing each run on a new target.
 */
const cache = new Map<string, MlpKernels>();

/** Null when a layer is too large to unroll (see MAX_LAYER_WEIGHTS). */
export function compileMlpKernels(shape: MlpShape): MlpKernels | null {
  const { widths } = shape;
  for (let l = 1; l < widths.length; l++) if (widths[l - 1]! * widths[l]! > MAX_LAYER_WEIGHTS) return null;
  if (!Number.isFinite(shape.leakySlope) || !widths.every((w) => Number.isSafeInteger(w) && w > 0)) return null;
  const key = JSON.stringify(shape);
  let kernels = cache.get(key);
  if (!kernels) {
    const forward = new Function('p', 'a', forwardSource(shape)) as MlpKernels['forward'];
    const backward = new Function('p', 'a', 'delta', 'grad', backwardSource(shape)) as MlpKernels['backward'];
    kernels = { forward, backward };
    cache.set(key, kernels);
  }
  return kernels;
}

/** `y = act(z)` as the generic activateInPlace computes it. */
function activation(act: Activation, z: string, slope: number): string {
  switch (act) {
    case 'relu':
      return `${z} < 0 ? 0 : ${z}`;
    case 'tanh':
      return `Math.tanh(${z})`;
    case 'sigmoid':
      return `1 / (1 + Math.exp(-${z}))`;
    case 'leaky_relu':
      return `${z} < 0 ? ${num(slope)} * ${z} : ${z}`;
    case 'linear':
      return z;
  }
}

/** `d ⊙ act'` through the output `a`, as the generic multiplyBySlope computes it. */
function slopeTimes(act: Activation, d: string, a: string, slope: number): string {
  switch (act) {
    case 'relu':
      return `(${a} > 0 ? ${d} : 0)`;
    case 'tanh':
      return `${d} * (1 - ${a} * ${a})`;
    case 'sigmoid':
      return `${d} * (${a} * (1 - ${a}))`;
    case 'leaky_relu':
      return `(${a} > 0 ? ${d} : ${d} * ${num(slope)})`;
    case 'linear':
      return d;
  }
}

/** A number literal that reads back as the same double. */
function num(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x);
}

function forwardSource(shape: MlpShape): string {
  const { widths, samples: n, activation: act, leakySlope: slope, weightOffsets: wo, biasOffsets: bo } = shape;
  const L = widths.length - 1;
  const out: string[] = ["'use strict';"];
  for (let l = 1; l <= L; l++) {
    const din = widths[l - 1]!;
    const dout = widths[l]!;
    out.push(`{ const x = a[${l - 1}], y = a[${l}];`, `for (let s = 0; s < ${n}; s++) {`, `const xo = s * ${din}, yo = s * ${dout};`);
    for (let k = 0; k < din; k++) out.push(`const x${k} = x[xo + ${k}];`);
    for (let j = 0; j < dout; j++) {
      let z = `p[${bo[l - 1]! + j}]`;
      for (let k = 0; k < din; k++) z += ` + p[${wo[l - 1]! + j * din + k}] * x${k}`;
      if (l < L && act !== 'linear') out.push(`{ const z = ${z}; y[yo + ${j}] = ${activation(act, 'z', slope)}; }`);
      else out.push(`y[yo + ${j}] = ${z};`);
    }
    out.push('} }');
  }
  return out.join('\n');
}

function backwardSource(shape: MlpShape): string {
  const { widths, samples: n, activation: act, leakySlope: slope, weightOffsets: wo, biasOffsets: bo } = shape;
  const L = widths.length - 1;
  const out: string[] = ["'use strict';"];
  for (let l = L; l >= 1; l--) {
    const din = widths[l - 1]!;
    const dout = widths[l]!;
    out.push(`{ const x = a[${l - 1}], dz = delta[${l}];`);
    // dW[j][k] = Σ_s dz[s][j]·x[s][k] and db[j] = Σ_s dz[s][j]: one accumulator each, from 0, s in order.
    for (let j = 0; j < dout; j++) {
      out.push(`let gb${j} = 0;`);
      for (let k = 0; k < din; k++) out.push(`let g${j}_${k} = 0;`);
    }
    out.push(`for (let s = 0; s < ${n}; s++) {`, `const xo = s * ${din}, zo = s * ${dout};`);
    for (let k = 0; k < din; k++) out.push(`const x${k} = x[xo + ${k}];`);
    for (let j = 0; j < dout; j++) {
      out.push(`{ const d = dz[zo + ${j}]; gb${j} += d;`);
      for (let k = 0; k < din; k++) out.push(`g${j}_${k} += d * x${k};`);
      out.push('}');
    }
    out.push('}');
    for (let j = 0; j < dout; j++) {
      out.push(`grad[${bo[l - 1]! + j}] = gb${j};`);
      for (let k = 0; k < din; k++) out.push(`grad[${wo[l - 1]! + j * din + k}] = g${j}_${k};`);
    }
    if (l > 1) {
      // delta of the layer below: (dz · W) ⊙ act'(its pre-activation), through its output x.
      out.push(`const below = delta[${l - 1}];`, `for (let s = 0; s < ${n}; s++) {`, `const xo = s * ${din}, zo = s * ${dout};`);
      for (let j = 0; j < dout; j++) out.push(`const d${j} = dz[zo + ${j}];`);
      for (let k = 0; k < din; k++) {
        let sum = '0';
        for (let j = 0; j < dout; j++) sum += ` + d${j} * p[${wo[l - 1]! + j * din + k}]`;
        out.push(`{ const v = ${sum}; const xa = x[xo + ${k}]; below[xo + ${k}] = ${slopeTimes(act, 'v', 'xa', slope)}; }`);
      }
      out.push('}');
    }
    out.push('}');
  }
  return out.join('\n');
}
