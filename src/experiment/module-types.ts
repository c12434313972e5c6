/**
 * The interface of a user module (`--module path.ts|.js`): its default export (or a named export
 * `experiment`). `tf` is handed in, so a module uses the same TensorFlow.js instance and backend
 * as mo-train and needs no tfjs install of its own (type-only imports are fine).
 *
 * ```ts
 * import type { ExperimentModule } from 'mo-train';
 * export default {
 *   name: 'my-experiment',
 *   model: ({ tf, seed }) => tf.sequential({ layers: [...] }),   // every initializer seeded from `seed`
 *   data: ({ tf, seed }) => ({ x: tf.tensor2d(...), y: tf.tensor1d(...) }),
 *   loss1: ({ tf, model, data }) => tf.losses.softmaxCrossEntropy(...),   // minimized
 *   loss2: ({ tf, model, data }) => ...,                                  // maximized
 * } satisfies ExperimentModule;
 * ```
 */
import type * as tfjs from '@tensorflow/tfjs';

export type Tf = typeof tfjs;

export interface ModuleSetupArgs {
  readonly tf: Tf;
  /** The run's seed: draw every random number (initializers, data) from it. */
  readonly seed: number;
}

export interface ModuleLossArgs<D extends Record<string, tfjs.Tensor> = Record<string, tfjs.Tensor>> {
  readonly tf: Tf;
  readonly model: tfjs.LayersModel;
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

export interface ExperimentModule<D extends Record<string, tfjs.Tensor> = Record<string, tfjs.Tensor>> {
  readonly name?: string;
  readonly description?: string;
  /** Builds the model of one run; its trainable weights are the parameters. */
  model(args: ModuleSetupArgs): tfjs.LayersModel;
  /** The run's data, built once per run. */
  data(args: ModuleSetupArgs): D;
  /** Minimized. Must return a scalar computed from the model's weights with tfjs ops. */
  loss1(args: ModuleLossArgs<D>): tfjs.Scalar;
  /** Maximized (its weight is α). Must return a scalar computed from the model's weights with tfjs ops. */
  loss2(args: ModuleLossArgs<D>): tfjs.Scalar;
}
