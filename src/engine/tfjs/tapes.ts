/**
 * Gradient tapes over one layout's weights, built to run as few tfjs kernels as possible (on
 * networks this small tfjs spends its time in per-kernel overhead, ~2–4 µs a kernel whatever its
 * size, plus a copy of every input a gradient needs, itself a kernel):
 *
 * - Parameters in: one float32 copy of the flat vector per step, and every weight a tensor over
 *   its block of it (`tf.tensor` on a subarray runs no kernel). No tf.Variable, no `assign`, and no
 *   slicing of a flat tensor inside the tape (a slice and a reshape per weight forward, a pad and
 *   an add per weight backward). Gradients are taken with respect to these tensors directly.
 * - Results out: each loss is read as its tape records it, each gradient tensor with one
 *   `dataSync` (cheaper than joining them into one tensor to read once: see readGradients).
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { ParamLayout } from '../../experiment/param-layout.js';
import type { Tf } from './load-tf.js';
import { shapeOf } from './tfjs-problem.js';

/** One objective's value as its tape recorded it, and its gradients (undefined: not reached). */
export interface Taped {
  readonly value: number;
  readonly grads: (tfjs.Tensor | undefined)[];
}

export const valueOf = (t: tfjs.Scalar): number => t.dataSync()[0]!;

export class Tapes {
  private readonly shapes: number[][];
  private readonly engine: ReturnType<Tf['engine']>;

  constructor(
    private readonly tf: Tf,
    private readonly layout: ParamLayout,
  ) {
    this.shapes = layout.entries.map(shapeOf);
    this.engine = tf.engine();
  }

  /**
   * One tensor per layout entry over its block of `values`. `values` must be a fresh array each
   * step: tfjs's cpu backend keeps the array a tensor is made from as that tensor's storage, so
   * refilling a reused one would change any tensor still holding it (e.g. a clone a module kept).
   */
  weightsOver(values: Float32Array): tfjs.Tensor[] {
    return this.layout.entries.map((e, i) => this.tf.tensor(values.subarray(e.offset, e.offset + e.size), this.shapes[i], 'float32'));
  }

  /**
   * The root of a tape joining two scalar objectives into c1·a + c2·b (`value`, computed by the
   * caller): its gradient is the constants (c1, c2), made without kernels. It is only ever the
   * tape's output, so its incoming gradient is 1.
   */
  root(a: tfjs.Scalar, b: tfjs.Scalar, value: number, c1: number, c2: number): tfjs.Scalar {
    const tf = this.tf;
    return tf.customGrad((_a, _b) => ({
      value: tf.scalar(value),
      gradFunc: () => [tf.scalar(c1), tf.scalar(c2)],
    }))(a, b) as tfjs.Scalar;
  }

  /**
   * Gradients of `f`'s scalar output with respect to `xs`, without tfjs's "no connection" error
   * (a weight, or a whole objective, the output does not reach gets `undefined`).
   */
  gradients(f: () => tfjs.Scalar, xs: tfjs.Tensor[]): (tfjs.Tensor | undefined)[] {
    return this.engine.gradients(f, xs, undefined, true).grads as (tfjs.Tensor | undefined)[];
  }

  /** One objective on its own tape: its value, and its gradients with respect to `w`. */
  tape(loss: () => tfjs.Scalar, w: tfjs.Tensor[]): Taped {
    let value = NaN;
    const grads = this.gradients(() => {
      const l = loss();
      value = valueOf(l);
      return l;
    }, w);
    return { value, grads };
  }

  /**
   * Copies gradient tensors into `dests`: the j-th run of `layout.entries.length` tensors (one
   * more with `withFlat`: the gradient with respect to the flat vector, added to the others) goes
   * to dests[j] (a missing tensor is a weight the objective does not reach: zeros). Returns, per
   * destination, whether any gradient reached it.
   *
   * One read per tensor. Joining them first to read once costs more than it saves: on the cpu
   * backend a read hands back the tensor's own array (~0.1 µs) while a concat and a reshape per
   * matrix are kernels; on wasm a read copies a few bytes out of the module's memory (~1–2 µs)
   * and the seed problem's step measured 5–15% slower with the concat.
   */
  readGradients(grads: readonly (tfjs.Tensor | undefined)[], dests: readonly Float64Array[], withFlat = false): boolean[] {
    const entries = this.layout.entries;
    const count = entries.length + (withFlat ? 1 : 0);
    return dests.map((grad, j) => {
      let reaches = false;
      entries.forEach((e, i) => {
        const g = grads[j * count + i];
        if (g) {
          grad.set(g.dataSync() as Float32Array, e.offset);
          reaches = true;
        } else grad.fill(0, e.offset, e.offset + e.size);
      });
      const g = withFlat ? grads[j * count + count - 1] : undefined;
      if (g) {
        const flat = g.dataSync() as Float32Array;
        for (let k = 0; k < flat.length; k++) grad[k] = grad[k]! + flat[k]!;
        reaches = true;
      }
      return reaches;
    });
  }
}
