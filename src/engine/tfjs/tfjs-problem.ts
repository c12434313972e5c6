/**
 * What the tfjs oracle (tfjs-oracle.ts) asks of a problem: its parameters, and its objectives as
 * tfjs computations over one weight tensor per layout entry. Two kinds: `network` (a declarative
 * experiment, declarative-problem.ts) and `objectives` (a user module, module-problem.ts).
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { ParamLayout } from '../../experiment/param-layout.js';

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
