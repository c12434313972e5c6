/**
 * The interface of a user module (`--module path.ts|.js`): its default export (or a named export
 * `experiment`). `tf` is handed in, so a module uses the same TensorFlow.js instance and backend
 * as mo-train and needs no tfjs install of its own (type-only imports are fine).
 *
 * A module comes in one of two forms; it has exactly one of `params` or `model`.
 *
 * **Functional** (`params`) — the fast path, and the one that maps 1:1 to PyTorch. `params()`
 * returns the run's initial parameters by name, as a PyTorch `state_dict` would name and shape
 * them (nn.Linear weight [out][in]); the losses get the current values under the same names and
 * compute the network themselves with tfjs ops. Those names are the names in `--init` files and
 * final-params.json, so a PyTorch state_dict dumped to JSON starts a run as is. mo-train hands the
 * losses tensors over its own parameter buffer (no variables, no copies, no kernels), so a step
 * costs exactly the kernels of the module's own two losses.
 *
 * ```ts
 * type Param = 'fc.weight' | 'fc.bias';   // so that params['fc.weight'] is a tensor, not possibly undefined
 * export default {
 *   name: 'my-experiment',
 *   params: ({ tf, seed }) => ({ 'fc.weight': tf.randomUniform([3, 2], -0.7, 0.7, 'float32', seed), 'fc.bias': tf.zeros([3]) }),
 *   data: ({ tf, seed }) => ({ x: tf.tensor2d(...), y: tf.tensor2d(...) }),
 *   loss1: ({ tf, params: p, data }) => tf.losses.meanSquaredError(data.y, tf.add(tf.matMul(data.x, p['fc.weight'], false, true), p['fc.bias'])),
 *   loss2: ({ tf, flatParams }) => tf.sum(tf.square(flatParams)),
 * } satisfies ExperimentModule<MyData, Param>;
 * ```
 *
 * **LayersModel** (`model`) — when you want tf.layers (its layer zoo, `tf.sequential`,
 * `model.apply`). The model's trainable weights are the parameters, named like PyTorch's
 * nn.Sequential (`0.weight`, `0.bias`, …, Dense kernels written [out][in]). tfjs-layers costs
 * kernels of its own on every call (the seed network: about twice the functional form's, and
 * slower than PyTorch), so prefer the functional form when speed matters.
 *
 * ```ts
 * export default {
 *   model: ({ tf, seed }) => tf.sequential({ layers: [...] }),   // every initializer seeded from `seed`
 *   data: ({ tf, seed }) => ({ x: tf.tensor2d(...), y: tf.tensor1d(...) }),
 *   loss1: ({ tf, model, data }) => tf.losses.softmaxCrossEntropy(...),   // minimized
 *   loss2: ({ tf, model, data }) => ...,                                  // maximized
 * } satisfies ExperimentModule;
 * ```
 */
import type * as tfjs from '@tensorflow/tfjs';

export type Tf = typeof tfjs;

/** A module's data: tensors by name. */
export type TensorRecord = Record<string, tfjs.Tensor>;

export interface ModuleSetupArgs {
  readonly tf: Tf;
  /** The run's seed: draw every random number (initial parameters, data) from it. */
  readonly seed: number;
}

/** What the losses of both forms are given. */
export interface ModuleLossArgs<D extends TensorRecord = TensorRecord> {
  readonly tf: Tf;
  readonly data: D;
  /** The training step being evaluated (0-based). */
  readonly step: number;
  /**
   * A fresh object per run, for state a loss keeps across steps (e.g. an inner adversary). Keep
   * tensors stored here with `tf.keep` and dispose the ones they replace; tensors still in it
   * (directly, or in an array or object one level down) are disposed when the run ends.
   */
  readonly state: Record<string, unknown>;
}

/** The losses' arguments in the functional form. */
export interface FunctionalLossArgs<D extends TensorRecord = TensorRecord, P extends string = string> extends ModuleLossArgs<D> {
  /**
   * The current parameters, by the names params() gave, in its shapes. New tensors on every
   * step: read them inside the loss (a tensor kept from an earlier step holds old values and has
   * no gradient).
   */
  readonly params: Readonly<Record<P, tfjs.Tensor>>;
  /**
   * The same values as one 1-D tensor, every parameter in params()'s order, each row-major
   * (PyTorch's `parameters_to_vector`). For a loss over all parameters at once — Σθ, ‖θ‖² — it is
   * one op where going through `params` is one per tensor and an addN (the seed network's
   * Σ params: 4 kernels with its gradient instead of 37). Its gradient is added to the
   * parameters' own, so mixing it with `params` in one loss is fine.
   */
  readonly flatParams: tfjs.Tensor1D;
}

/** The losses' arguments in the LayersModel form. */
export interface LayersModelLossArgs<D extends TensorRecord = TensorRecord> extends ModuleLossArgs<D> {
  /** The model; its weights read (`model.apply`, `w.read()`) inside a loss are the current parameters. */
  readonly model: tfjs.LayersModel;
}

interface ModuleBase<D extends TensorRecord> {
  readonly name?: string;
  readonly description?: string;
  /**
   * Names of the parameters (as `params()` or the state_dict names them) that form an adversary:
   * a head that predicts something from a shared representation and is trained to *minimize*
   * loss2 while the shared parameters maximize it (`--combine reversal`, a gradient-reversal layer).
   */
  readonly adversary?: readonly string[];
  /** The run's data, built once per run. */
  data(args: ModuleSetupArgs): D;
}

/** The functional form: parameters by name, losses written with tfjs ops on them. */
export interface FunctionalModule<D extends TensorRecord = TensorRecord, P extends string = string> extends ModuleBase<D> {
  /**
   * The initial parameters of one run, by name: PyTorch state_dict names and shapes (nn.Linear
   * weight [out][in]), float32 tensors, every random draw seeded from `seed`. The order given is
   * the parameters' order (layout, `flatParams`, final-params.json). mo-train copies the values;
   * the losses get new tensors every step (a loss that uses these instead is reported).
   */
  params(args: ModuleSetupArgs): Record<P, tfjs.Tensor>;
  readonly model?: never;
  /** Minimized. A scalar computed from `params` (or `flatParams`) with tfjs ops. */
  loss1(args: FunctionalLossArgs<D, P>): tfjs.Scalar;
  /** Maximized (its weight is α). A scalar computed from `params` (or `flatParams`) with tfjs ops. */
  loss2(args: FunctionalLossArgs<D, P>): tfjs.Scalar;
}

/** The LayersModel form: a tf.layers model whose trainable weights are the parameters. */
export interface LayersModelModule<D extends TensorRecord = TensorRecord> extends ModuleBase<D> {
  /** Builds the model of one run (every initializer seeded from `seed`); its trainable weights are the parameters. */
  model(args: ModuleSetupArgs): tfjs.LayersModel;
  readonly params?: never;
  /** Minimized. Must return a scalar computed from the model's weights with tfjs ops. */
  loss1(args: LayersModelLossArgs<D>): tfjs.Scalar;
  /** Maximized (its weight is α). Must return a scalar computed from the model's weights with tfjs ops. */
  loss2(args: LayersModelLossArgs<D>): tfjs.Scalar;
}

/**
 * A user module: exactly one of the two forms. `satisfies ExperimentModule` type-checks either
 * (TypeScript picks the form from `params` or `model`); `P` names the parameters of a functional
 * module, so `params['fc1.weight']` is a tensor rather than possibly undefined.
 */
export type ExperimentModule<D extends TensorRecord = TensorRecord, P extends string = string> = FunctionalModule<D, P> | LayersModelModule<D>;

export function isFunctionalModule<D extends TensorRecord, P extends string>(mod: ExperimentModule<D, P>): mod is FunctionalModule<D, P> {
  return typeof (mod as { params?: unknown }).params === 'function';
}
