/**
 * A LayersModel user module (src/experiment/module-types.ts) as a tfjs problem: the model's
 * trainable weights are the parameters, the module's losses the objectives.
 *
 * The oracle hands each loss call its own weight tensors (see tapes.ts). The model reads
 * them through its layers' weights: every trainable LayerVariable's `read()` — the one way
 * tfjs-layers (Dense.call, …) and module code (`w.read()`) get a weight's value — is replaced, on
 * that instance, by one returning the tensor of the loss being evaluated (and the variable itself
 * outside a loss). That costs no kernel, where assigning the values into the variables costs one
 * `assign` per weight and a step, and slicing one flat variable inside the tape costs two kernels
 * per weight forward and two more backward. The original `read` is restored on dispose. A weight
 * read outside the losses (kept from model() or data()) is the variable, frozen at its initial
 * value: the oracle reports a loss that uses one (ObjectivesProblem.frozen).
 *
 * Parameter names follow PyTorch's nn.Sequential (`<i>.weight`, `<i>.bias`, `<i>.<j>.weight` in a
 * nested model) with i the layer's index in `model.layers`, because tfjs's own names carry
 * process-wide counters (dense_Dense3/kernel) and would differ between two runs in one worker,
 * which would make `--init` files and final-params.json unreadable across runs.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { UserError } from '../../errors.js';
import { computeParamLayout, type ParamLayout } from '../../experiment/param-layout.js';
import type { LayersModelModule, TensorRecord } from '../../experiment/module-types.js';
import type { Tf } from './load-tf.js';
import { callUser, checkData, checkLoss, describe, disposeTensorsIn, explainingDisposed } from './module-calls.js';
import type { ObjectiveName, ObjectivesProblem } from './tfjs-problem.js';

type LayerVariable = tfjs.LayersModel['trainableWeights'][number];

interface NamedWeight {
  readonly name: string;
  /** state_dict shape ([out][in] for a Dense kernel). */
  readonly shape: number[];
  readonly transposed: boolean;
  readonly variable: tfjs.Variable;
  /** Every LayerVariable backed by `variable` (a shared layer's weight appears once, read through each). */
  readonly readers: LayerVariable[];
}

/**
 * Builds the model and data of one run (seeded with `seed`) and wraps the losses. `file`, when
 * given, lets an error thrown inside a loss point at its line in the module.
 * Errors the module's author can fix are UserErrors (one line, no file name: callers add it).
 */
export function createLayersModelProblem(tf: Tf, mod: LayersModelModule, seed: number, initial?: Float64Array, file?: string): ObjectivesProblem {
  const owned: { model: tfjs.LayersModel | null; data: TensorRecord | null } = { model: null, data: null };
  const state: Record<string, unknown> = {};
  const patched: LayerVariable[] = [];
  const disposeAll = (): void => {
    // The instance's own `read` shadows the prototype's; deleting it restores the original.
    for (const w of patched.splice(0)) delete (w as { read?: unknown }).read;
    disposeTensorsIn(tf, state);
    if (owned.data) disposeTensorsIn(tf, owned.data);
    if (owned.model) owned.model.dispose();
    owned.model = null;
    owned.data = null;
  };
  try {
    const model = callUser(file, 'model()', () => mod.model({ tf, seed }));
    checkModel(tf, model);
    owned.model = model;
    const data: unknown = callUser(file, 'data()', () => mod.data({ tf, seed }));
    // Owned from here, good or not: a rejected record's tensors are freed too.
    if (data !== null && typeof data === 'object' && !(data instanceof tf.Tensor)) owned.data = data as TensorRecord;
    checkData(tf, data);

    const weights = nameWeights(tf, model);
    const layout: ParamLayout = computeParamLayout(weights);
    let start: Float64Array;
    if (initial) {
      if (initial.length !== layout.size) throw new Error(`${initial.length} initial parameters, the model has ${layout.size}`);
      start = Float64Array.from(initial);
    } else {
      start = new Float64Array(layout.size);
      layout.entries.forEach((e, i) => start.set(weights[i]!.variable.dataSync(), e.offset));
    }

    /** The weight tensors of the loss being evaluated; null outside a loss (reads give the variables). */
    let current: readonly tfjs.Tensor[] | null = null;
    weights.forEach((w, i) => {
      for (const reader of w.readers) {
        reader.read = () => (current ? current[i]! : w.variable);
        patched.push(reader);
      }
    });

    const objective = (which: ObjectiveName, tensors: readonly tfjs.Tensor[], _flat: tfjs.Tensor1D | null, step: number): tfjs.Scalar => {
      current = tensors;
      let value: unknown;
      try {
        value = callUser(file, which, () => explainingDisposed(() => mod[which]({ tf, model, data, step, state })));
      } finally {
        current = null;
      }
      return checkLoss(tf, which, value);
    };
    return {
      kind: 'objectives',
      layout,
      initial: start,
      usesFlat: false,
      objective,
      frozen: weights.map((w) => w.variable),
      frozenError: (name, weight) =>
        `${name} uses weight ${weight} read outside the loss (kept from model() or data()), which never changes; read weights inside the loss (w.read(), model.apply(…))`,
      dispose: disposeAll,
    };
  } catch (err) {
    disposeAll();
    throw err;
  }
}

/**
 * Walks `model.layers` (recursing into nested models) and names every trainable weight once:
 * a Dense kernel → `<i>.weight` (stored transposed: tfjs keeps it [in][out], PyTorch [out][in]),
 * a bias → `<i>.bias`, anything else → `<i>.<its tfjs short name>`.
 */
function nameWeights(tf: Tf, model: tfjs.LayersModel): NamedWeight[] {
  const out: NamedWeight[] = [];
  const seen = new Map<tfjs.Variable, NamedWeight>();
  const used = new Set<string>();
  const unique = (name: string): string => {
    let candidate = name;
    for (let k = 2; used.has(candidate); k++) candidate = `${name}_${k}`;
    used.add(candidate);
    return candidate;
  };
  const add = (w: LayerVariable, name: string, isKernel: boolean): void => {
    // A LayerVariable's read() is the tf.Variable itself (typed as a plain Tensor).
    const variable = w.read() as tfjs.Variable;
    if (!(variable instanceof tf.Variable)) throw new Error(`weight ${w.name} is not backed by a tf.Variable`);
    const known = seen.get(variable);
    if (known) {
      if (!known.readers.includes(w)) known.readers.push(w);
      return;
    }
    const shape = [...variable.shape];
    const named: NamedWeight = { name: unique(name), shape: isKernel ? [shape[1]!, shape[0]!] : shape, transposed: isKernel, variable, readers: [w] };
    seen.set(variable, named);
    out.push(named);
  };
  const walk = (layers: readonly tfjs.layers.Layer[], prefix: string): void => {
    layers.forEach((layer, i) => {
      if (layer instanceof tf.LayersModel) {
        walk(layer.layers, `${prefix}${i}.`);
        return;
      }
      for (const w of layer.trainableWeights) {
        const short = shortName(w);
        const isKernel = layer.getClassName() === 'Dense' && short === 'kernel' && w.shape.length === 2;
        add(w, `${prefix}${i}.${isKernel ? 'weight' : short}`, isKernel);
      }
    });
  };
  walk(model.layers, '');
  // Weights no layer reported (a custom layer or model overriding trainableWeights): kept, by short name.
  for (const w of model.trainableWeights) add(w, shortName(w), false);
  return out;
}

function shortName(w: LayerVariable): string {
  const name = w.originalName || w.name;
  return name.slice(name.lastIndexOf('/') + 1);
}

function checkModel(tf: Tf, model: unknown): asserts model is tfjs.LayersModel {
  if (!(model instanceof tf.LayersModel)) {
    throw new UserError(`model() returned ${describe(model)}; it must return a tf.LayersModel (tf.sequential(…) or tf.model(…)) built with the tf it is given`);
  }
  if (model.trainableWeights.length === 0) {
    throw new UserError('model() returned a model with no trainable weights (are all its layers trainable: false?); mo-train trains the trainable weights');
  }
}
