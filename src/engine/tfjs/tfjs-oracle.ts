/**
 * The tfjs gradient oracle: writes the flat parameters into tf.Variables, records each objective
 * on a gradient tape and copies the gradients back out as Float64Arrays in layout order. Any model
 * and loss a user can write with TensorFlow.js works here; the price is tfjs's per-op overhead.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { ParamLayout } from '../../experiment/param-layout.js';
import { createEvaluation, type Evaluation, type GradientOracle } from '../types.js';
import type { Tf } from './load-tf.js';

export type ObjectiveName = 'loss1' | 'loss2';

/** One training problem expressed in tfjs: parameters as variables, losses as functions of them. */
export interface TfjsProblem {
  /**
   * Flat order = `variables` order. A variable's data, row-major in its own shape, is its block of
   * the flat vector: a 2-D Dense kernel ([in][out] in tfjs) is an entry with `transposed: true` and
   * state_dict shape [out][in].
   */
  readonly layout: ParamLayout;
  /** The trainable parameters, in layout order. */
  readonly variables: readonly tfjs.Variable[];
  /** The starting parameters, flat in layout order. */
  readonly initial: Float64Array;
  /** Minimized. Called inside a gradient tape; `step` is the 0-based evaluation count. */
  loss1(step: number): tfjs.Scalar;
  /** Maximized. Called inside a gradient tape. */
  loss2(step: number): tfjs.Scalar;
  /** Frees the problem's tensors (variables, data, state). */
  dispose(): void;
}

/** tfjs's `variableGrads` throws this when the loss does not depend on any of the variables. */
const NO_CONNECTION = 'Cannot find a connection between any variable and the result of the loss function';

/** The oracle owns `problem`: its dispose() (or a failure here) disposes the problem. */
export function createTfjsOracle(tf: Tf, problem: TfjsProblem): GradientOracle {
  const { layout, variables } = problem;
  const inconsistency = checkProblem(problem);
  if (inconsistency) {
    problem.dispose();
    throw new Error(`tfjs problem: ${inconsistency}`);
  }
  const shapes = variables.map((v) => [...v.shape]);
  const disconnected: ObjectiveName[] = [];
  let step = 0;
  let disposed = false;
  const scratch = createEvaluation(layout.size);

  /** Value of one objective; its gradient goes into `grad` (zeros when it has no path to the parameters). */
  function objective(name: ObjectiveName, loss: (step: number) => tfjs.Scalar, grad: Float64Array): number {
    if (!disconnected.includes(name)) {
      // Kept so the value can still be read when variableGrads rejects a disconnected loss after
      // running it; the enclosing tidy frees it either way.
      let value: tfjs.Scalar | null = null;
      try {
        const result = tf.variableGrads(() => (value = loss(step)), variables as tfjs.Variable[]);
        for (let i = 0; i < variables.length; i++) {
          const entry = layout.entries[i]!;
          const g = result.grads[variables[i]!.name];
          if (g) grad.set(g.dataSync(), entry.offset);
          else grad.fill(0, entry.offset, entry.offset + entry.size);
        }
        return result.value.dataSync()[0]!;
      } catch (err) {
        if (!(err instanceof Error) || !err.message.startsWith(NO_CONNECTION) || value === null) throw err;
        // Decided once, on the first evaluation: afterwards the loss is only evaluated.
        if (step === 0) disconnected.push(name);
        grad.fill(0);
        return (value as tfjs.Scalar).dataSync()[0]!;
      }
    }
    grad.fill(0);
    return loss(step).dataSync()[0]!;
  }

  return {
    engine: 'tfjs',
    layout,
    initial: problem.initial,
    disconnected,
    evaluate(params: Float64Array, out: Evaluation, _step: number): void {
      if (disposed) throw new Error('tfjs oracle used after dispose()');
      if (params.length !== layout.size) throw new Error(`evaluate: ${params.length} parameters for a layout of ${layout.size}`);
      // A fresh buffer each step (one allocation of 4 bytes per parameter): tfjs's cpu backend keeps
      // the array a tensor is made from as that tensor's storage, so refilling a reused one would
      // silently change any tensor still holding it (e.g. a user's kept clone of a weight).
      const values = new Float32Array(params);
      tf.tidy(() => {
        for (let i = 0; i < variables.length; i++) {
          const e = layout.entries[i]!;
          variables[i]!.assign(tf.tensor(values.subarray(e.offset, e.offset + e.size), shapes[i], 'float32'));
        }
        out.loss1 = objective('loss1', problem.loss1, out.grad1);
        out.loss2 = objective('loss2', problem.loss2, out.grad2);
      });
      step++;
    },
    // Interim: two tapes, combined here. (To be replaced by one tape of loss1 − α·loss2.)
    evaluateCombined(params, alpha, out, stepArg, per): void {
      const ev = per ?? scratch;
      this.evaluate(params, ev, stepArg);
      out.loss1 = ev.loss1;
      out.loss2 = ev.loss2;
      for (let i = 0; i < out.direction.length; i++) out.direction[i] = ev.grad1[i]! - alpha * ev.grad2[i]!;
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      problem.dispose();
    },
  };
}

function checkProblem({ layout, variables, initial }: TfjsProblem): string | null {
  if (variables.length !== layout.entries.length) return `${variables.length} variables for ${layout.entries.length} layout entries`;
  for (const [i, e] of layout.entries.entries()) {
    const v = variables[i]!;
    if (v.size !== e.size) return `variable ${v.name} has ${v.size} values, layout entry ${e.name} ${e.size}`;
  }
  if (initial.length !== layout.size) return `${initial.length} initial parameters for a layout of ${layout.size}`;
  return null;
}
