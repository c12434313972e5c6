/**
 * The tfjs gradient oracle. On networks this small tfjs spends its time in per-kernel overhead
 * (~2–4 µs a kernel whatever its size, plus a copy of every input a gradient needs, itself a
 * kernel), so a step is built to run as few kernels as possible:
 *
 * - Parameters in: one float32 copy of the flat vector per step, and every weight a tensor over
 *   its block of it (`tf.tensor` on a subarray runs no kernel). No tf.Variable, no `assign`, and no
 *   slicing of a flat tensor inside the tape (a slice and a reshape per weight forward, a pad and
 *   an add per weight backward). Gradients are taken with respect to these tensors directly.
 * - Results out: each loss is read as its tape records it, each gradient tensor with one
 *   `dataSync` (cheaper than joining them into one tensor to read once: see readGradients).
 *
 * Two kinds of problem (src/engine/tfjs/*-problem.ts):
 *
 * - `network` (declarative experiments): a dense stack whose output feeds the output losses, and
 *   parameter-only losses (Σp, Σp², Σ|p|) in closed form on the same float32 parameters, with no
 *   kernels. When both losses use the output, evaluateCombined records ONE forward pass and
 *   backpropagates loss1 − α·loss2 through it once, joined at the root by a custom op whose
 *   gradient is the constants (1, −α) (no kernel, where a mul and a sub as tfjs ops cost ~10 with
 *   their saved inputs and gradients). ∇loss1 and ∇loss2 (logged steps, `evaluate`) come from
 *   separate tapes, so the direction is computed the same way whether or not they are asked for.
 *   With one output loss the tape of that loss is the only one, and the direction is formed from
 *   its gradient and the closed-form one, on every step alike.
 * - `objectives` (user modules): two opaque loss functions. Each is called exactly once per step,
 *   on its own tape, and the direction is ∇loss1 − α∇loss2 formed from the two gradients, on every
 *   step alike; the per-objective gradients come for free. A module's two losses share no forward
 *   pass (each is its own function call), so a single tape of loss1 − α·loss2 would do the same
 *   backward work plus an add per weight where the two gradients meet (107 kernels a step on
 *   the LayersModel seed module, experiments/seed-layers.ts, against 100), and measured slower
 *   than one tape per loss. And it could not give the per-objective gradients of logged steps
 *   without calling the losses again: a loss with state (experiments/adversarial.ts fits its
 *   adversary inside loss2) would then advance differently on logged steps, and the trajectory
 *   would depend on --log-every.
 *   A functional module's losses may also read every parameter as one 1-D tensor (`flatParams`):
 *   one more tensor over the same float32 values, differentiated alongside the per-weight ones,
 *   its gradient added to theirs.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { UserError } from '../../errors.js';
import type { ParamLayout } from '../../experiment/param-layout.js';
import { createEvaluation, type CombinedEvaluation, type Evaluation, type GradientOracle } from '../types.js';
import type { Tf } from './load-tf.js';

export type ObjectiveName = 'loss1' | 'loss2';

interface ProblemBase {
  /**
   * The flat parameter order. Each entry's block is its tensor's data, row-major in the tensor's
   * own tfjs shape (`shapeOf`): an entry with `transposed: true` is a tfjs Dense kernel [in][out].
   */
  readonly layout: ParamLayout;
  /** The starting parameters, flat in layout order. */
  readonly initial: Float64Array;
  /** A module's adversary parameters as a mask over the flat parameters (GradientOracle.adversary). */
  readonly adversary?: Uint8Array;
  /** Frees the problem's tensors (data, model, state) and undoes anything it patched. */
  dispose(): void;
}

/** Two loss functions of the weights (a user module). */
export interface ObjectivesProblem extends ProblemBase {
  readonly kind: 'objectives';
  /**
   * Whether the objectives also take the whole parameter vector as one 1-D tensor (`flat`
   * below); otherwise `flat` is null and no such tensor is made.
   */
  readonly usesFlat: boolean;
  /**
   * The objective's value, computed from `weights` (one tensor per layout entry, tfjs shapes)
   * and `flat` (every parameter, layout order, the same values). Called inside a gradient tape
   * (or, for an objective found disconnected, outside one).
   */
  objective(name: ObjectiveName, weights: readonly tfjs.Tensor[], flat: tfjs.Tensor1D | null, step: number): tfjs.Scalar;
  /**
   * Tensors holding the initial parameters that are not the ones the losses are given — a
   * LayersModel's own variables, the tensors a functional module's params() returned — in layout
   * order. A loss never reaches them when it reads its parameters as it should; one that does kept
   * a reference from outside the loss (e.g. `w.read()` in data()), which would see the initial
   * values forever and get no gradient. Watched on the first evaluation.
   */
  readonly frozen: readonly tfjs.Tensor[];
  /** The one-line error for objective `name` reaching the frozen tensor of parameter `weight`. */
  frozenError(name: ObjectiveName, weight: string): string;
}

/** A network and losses of its output or of the parameters (a declarative experiment). */
export interface NetworkProblem extends ProblemBase {
  readonly kind: 'network';
  /** Whether each objective depends on the network output (taped) or only on the parameters (closed form). */
  readonly usesOutput: { readonly loss1: boolean; readonly loss2: boolean };
  /** The network output computed from `weights` (one tensor per layout entry). */
  output(weights: readonly tfjs.Tensor[]): tfjs.Tensor;
  /** An output objective of `out`. */
  outputLoss(name: ObjectiveName, out: tfjs.Tensor): tfjs.Scalar;
  /** A parameter-only objective at `values` (the step's float32 parameters); its gradient into `grad`. */
  paramLoss(name: ObjectiveName, values: Float32Array, grad: Float64Array): number;
}

export type TfjsProblem = ObjectivesProblem | NetworkProblem;

/** tfjs shape of a layout entry's tensor: a transposed entry is stored [in][out], its state_dict shape is [out][in]. */
export function shapeOf(entry: ParamLayout['entries'][number]): number[] {
  return entry.transposed ? [entry.shape[1]!, entry.shape[0]!] : [...entry.shape];
}

/** The oracle owns `problem`: its dispose() (or a failure here) disposes the problem. */
export function createTfjsOracle(tf: Tf, problem: TfjsProblem): GradientOracle {
  const { layout } = problem;
  if (problem.initial.length !== layout.size) {
    problem.dispose();
    throw new Error(`tfjs problem: ${problem.initial.length} initial parameters for a layout of ${layout.size}`);
  }
  const shapes = layout.entries.map(shapeOf);
  const engine = tf.engine();
  const disconnected: ObjectiveName[] = [];
  let evaluated = false;
  let disposed = false;
  const scratch = createEvaluation(layout.size);

  /**
   * One tensor per layout entry over its block of `values`. `values` must be a fresh array each
   * step: tfjs's cpu backend keeps the array a tensor is made from as that tensor's storage, so
   * refilling a reused one would change any tensor still holding it (e.g. a clone a module kept).
   */
  const weightsOver = (values: Float32Array): tfjs.Tensor[] =>
    layout.entries.map((e, i) => tf.tensor(values.subarray(e.offset, e.offset + e.size), shapes[i], 'float32'));

  /**
   * The root of a tape joining two scalar objectives into c1·a + c2·b (`value`, computed by the
   * caller): its gradient is the constants (c1, c2), made without kernels. It is only ever the
   * tape's output, so its incoming gradient is 1.
   */
  const root = (a: tfjs.Scalar, b: tfjs.Scalar, value: number, c1: number, c2: number): tfjs.Scalar =>
    tf.customGrad((_a, _b) => ({
      value: tf.scalar(value),
      gradFunc: () => [tf.scalar(c1), tf.scalar(c2)],
    }))(a, b) as tfjs.Scalar;

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
  const readGradients = (grads: readonly (tfjs.Tensor | undefined)[], dests: readonly Float64Array[], withFlat = false): boolean[] => {
    const count = layout.entries.length + (withFlat ? 1 : 0);
    return dests.map((grad, j) => {
      let reaches = false;
      layout.entries.forEach((e, i) => {
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
  };

  /**
   * Gradients of `f`'s scalar output with respect to `xs`, without tfjs's "no connection" error
   * (a weight, or a whole objective, the output does not reach gets `undefined`).
   */
  const gradients = (f: () => tfjs.Scalar, xs: tfjs.Tensor[]): (tfjs.Tensor | undefined)[] =>
    engine.gradients(f, xs, undefined, true).grads as (tfjs.Tensor | undefined)[];

  const valueOf = (t: tfjs.Scalar): number => t.dataSync()[0]!;
  const gradOf = (ev: Evaluation, name: ObjectiveName): Float64Array => (name === 'loss1' ? ev.grad1 : ev.grad2);

  /** One objective on its own tape: its value, and its gradients with respect to `w`. */
  const tape = (loss: () => tfjs.Scalar, w: tfjs.Tensor[]): { value: number; grads: (tfjs.Tensor | undefined)[] } => {
    let value = NaN;
    const grads = gradients(() => {
      const l = loss();
      value = valueOf(l);
      return l;
    }, w);
    return { value, grads };
  };

  /**
   * ∇loss1 and ∇loss2 of a module: each loss called once, in order, on its own tape (an objective
   * found disconnected on the first evaluation is afterwards only evaluated, off the tape).
   */
  function evaluateObjectives(p: ObjectivesProblem, values: Float32Array, out: Evaluation, step: number): void {
    // One set of weight tensors serves both tapes: each tape differentiates with respect to them
    // only through its own loss.
    const w = weightsOver(values);
    const flat = p.usesFlat ? (tf.tensor(values, [values.length], 'float32') as tfjs.Tensor1D) : null;
    const xs = flat ? [...w, flat] : w;
    // On the first evaluation the frozen copies are watched too (see ObjectivesProblem.frozen).
    const watched = evaluated ? xs : [...xs, ...p.frozen];
    const grads: (tfjs.Tensor | undefined)[] = [];
    const taped: ObjectiveName[] = [];
    for (const name of ['loss1', 'loss2'] as const) {
      if (disconnected.includes(name)) {
        out[name] = valueOf(p.objective(name, w, flat, step));
        gradOf(out, name).fill(0);
        continue;
      }
      const t = tape(() => p.objective(name, w, flat, step), watched);
      const stale = t.grads.findIndex((g, i) => i >= xs.length && g !== undefined);
      if (stale >= 0) throw new UserError(p.frozenError(name, layout.entries[stale - xs.length]!.name));
      out[name] = t.value;
      grads.push(...t.grads.slice(0, xs.length));
      taped.push(name);
    }
    const reaches = readGradients(grads, taped.map((name) => gradOf(out, name)), flat !== null);
    // Decided once, on the first evaluation.
    if (!evaluated) {
      taped.forEach((name, j) => {
        if (!reaches[j]) disconnected.push(name);
      });
    }
  }

  /** ∇loss1 and ∇loss2 of a declarative network: each output objective on its own tape, the others in closed form. */
  function evaluateNetwork(p: NetworkProblem, values: Float32Array, out: Evaluation): void {
    const w = weightsOver(values);
    const grads: (tfjs.Tensor | undefined)[] = [];
    const taped: ObjectiveName[] = [];
    for (const name of ['loss1', 'loss2'] as const) {
      if (!p.usesOutput[name]) {
        out[name] = p.paramLoss(name, values, gradOf(out, name));
        continue;
      }
      const t = tape(() => p.outputLoss(name, p.output(w)), w);
      out[name] = t.value;
      grads.push(...t.grads);
      taped.push(name);
    }
    readGradients(grads, taped.map((name) => gradOf(out, name)));
  }

  /** loss1 − α·loss2 of a network whose two objectives both use the output: one forward pass, one backward pass. */
  function combineNetwork(p: NetworkProblem, values: Float32Array, alpha: number, out: CombinedEvaluation): void {
    const w = weightsOver(values);
    const grads = gradients(() => {
      const y = p.output(w);
      const l1 = p.outputLoss('loss1', y);
      const l2 = p.outputLoss('loss2', y);
      out.loss1 = valueOf(l1);
      out.loss2 = valueOf(l2);
      return root(l1, l2, out.loss1 - alpha * out.loss2, 1, -alpha);
    }, w);
    readGradients(grads, [out.direction]);
  }

  const check = (params: Float64Array, what: string): void => {
    if (disposed) throw new Error('tfjs oracle used after dispose()');
    if (params.length !== layout.size) throw new Error(`${what}: ${params.length} parameters for a layout of ${layout.size}`);
  };

  const evaluateInto = (values: Float32Array, out: Evaluation, step: number): void => {
    if (problem.kind === 'objectives') evaluateObjectives(problem, values, out, step);
    else evaluateNetwork(problem, values, out);
    evaluated = true;
  };

  return {
    engine: 'tfjs',
    layout,
    initial: problem.initial,
    adversary: problem.adversary ?? null,
    disconnected,
    // Only a network with two output losses has a combined tape; everything else runs one tape per loss.
    bothGradientsEveryStep: !(problem.kind === 'network' && problem.usesOutput.loss1 && problem.usesOutput.loss2),
    evaluate(params: Float64Array, out: Evaluation, step: number): void {
      check(params, 'evaluate');
      const values = new Float32Array(params);
      tf.tidy(() => evaluateInto(values, out, step));
    },
    evaluateCombined(params: Float64Array, alpha: number, out: CombinedEvaluation, step: number, perObjective?: Evaluation): void {
      check(params, 'evaluateCombined');
      const values = new Float32Array(params);
      const dir = out.direction;
      tf.tidy(() => {
        if (problem.kind === 'network' && problem.usesOutput.loss1 && problem.usesOutput.loss2) {
          combineNetwork(problem, values, alpha, out);
          if (perObjective) evaluateInto(values, perObjective, step);
          evaluated = true;
          return;
        }
        // Here the tapes the direction needs give both gradients anyway (or none is needed): the
        // direction is formed from them on every step alike, asked for or not.
        const ev = perObjective ?? scratch;
        evaluateInto(values, ev, step);
        out.loss1 = ev.loss1;
        out.loss2 = ev.loss2;
        for (let i = 0; i < dir.length; i++) dir[i] = ev.grad1[i]! - alpha * ev.grad2[i]!;
      });
      if (perObjective) {
        perObjective.loss1 = out.loss1;
        perObjective.loss2 = out.loss2;
      }
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      problem.dispose();
    },
  };
}
