/**
 * A functional user module (src/experiment/module-types.ts) as a tfjs problem: the parameters are
 * what params() returned — its names, its shapes (PyTorch's state_dict layout, nothing
 * transposed), its order — and the module's losses the objectives.
 *
 * params() is called once per run, for the names, shapes and (without `--init`) the initial
 * values. Every loss call gets the tensors the oracle made for that
 * step over its float32 copy of the parameters (no variables, no copies, no kernels; see
 * tapes.ts), by name in `params` and all at once in `flatParams`. So a step runs exactly the
 * kernels of the module's own two losses.
 *
 * The tensors params() returned are kept until the run ends: a loss that uses one of them
 * (kept in a closure) would see the initial values forever and get no gradient, which the first
 * evaluation reports (ObjectivesProblem.frozen).
 */
import type * as tfjs from '@tensorflow/tfjs';
import { UserError } from '../../errors.js';
import { computeParamLayout, type ParamLayout } from '../../experiment/param-layout.js';
import { renderSuggestion } from '../../spec/nearest-name.js';
import type { FunctionalModule, TensorRecord } from '../../experiment/module-types.js';
import type { Tf } from './load-tf.js';
import { aDtype, callUser, checkData, checkLoss, checkRecord, describe, disposeTensorsIn, explainingDisposed } from './module-calls.js';
import type { ObjectiveName, ObjectivesProblem } from './tfjs-problem.js';

/**
 * Builds the parameters and data of one run (seeded with `seed`) and wraps the losses. `file`,
 * when given, lets an error thrown inside the module point at its line.
 * Errors the module's author can fix are UserErrors (one line, no file name: callers add it).
 */
export function createFunctionalProblem(tf: Tf, mod: FunctionalModule, seed: number, initial?: Float64Array, file?: string): ObjectivesProblem {
  const state: Record<string, unknown> = {};
  /** What params() returned (kept: see ObjectivesProblem.frozen) and data(), disposed with the problem. */
  let made: TensorRecord | null = null;
  let data: TensorRecord | null = null;
  const disposeAll = (): void => {
    disposeTensorsIn(tf, state);
    if (made) disposeTensorsIn(tf, made);
    if (data) disposeTensorsIn(tf, data);
    made = null;
    data = null;
  };
  try {
    const returned: unknown = callUser(file, 'params()', () => mod.params({ tf, seed }));
    // Owned from here, good or not: a rejected record's tensors are freed too.
    if (returned instanceof tf.Tensor) returned.dispose();
    else if (returned !== null && typeof returned === 'object' && !Array.isArray(returned)) made = returned as TensorRecord;
    const params = checkParams(tf, returned);
    const names = Object.keys(params);
    const layout: ParamLayout = computeParamLayout(names.map((name) => ({ name, shape: params[name]!.shape })));
    let start: Float64Array;
    if (initial) {
      if (initial.length !== layout.size) throw new Error(`${initial.length} initial parameters, params() has ${layout.size}`);
      start = Float64Array.from(initial);
    } else {
      start = new Float64Array(layout.size);
      layout.entries.forEach((e, i) => start.set(params[names[i]!]!.dataSync(), e.offset));
    }
    const frozen = names.map((name) => params[name]!);

    const loaded: unknown = callUser(file, 'data()', () => mod.data({ tf, seed }));
    if (loaded !== null && typeof loaded === 'object' && !(loaded instanceof tf.Tensor)) data = loaded as TensorRecord;
    checkData(tf, loaded);
    const theData: TensorRecord = loaded;

    const unknownName = createUnknownNameGuard(names);
    const objective = (which: ObjectiveName, weights: readonly tfjs.Tensor[], flat: tfjs.Tensor1D | null, step: number): tfjs.Scalar => {
      const current = Object.create(unknownName) as Record<string, tfjs.Tensor>;
      for (let i = 0; i < names.length; i++) current[names[i]!] = weights[i]!;
      const value = callUser(file, which, () => explainingDisposed(() => mod[which]({ tf, params: current, flatParams: flat!, data: theData, step, state })));
      return checkLoss(tf, which, value);
    };
    return {
      kind: 'objectives',
      layout,
      initial: start,
      usesFlat: true,
      objective,
      frozen,
      frozenError: (name, weight) =>
        `${name} uses parameter "${weight}" as params() returned it (kept in a closure), which never changes; read it from the loss's own \`params\``,
      dispose: disposeAll,
    };
  } catch (err) {
    disposeAll();
    throw err;
  }
}

/**
 * The prototype of the `params` record a loss gets: a name params() did not return (a typo,
 * `params['fc1.weigth']`) would be `undefined` and fail deep inside a tfjs op ("Argument 'b' passed
 * to 'matMul' … got 'null'"); here it throws, naming it, the nearest name and the known ones.
 * Only a lookup that misses the record's own properties reaches this proxy, so the per-step cost
 * of the names that exist is that of a plain object (the seed module's step time did not change).
 * Symbols and Object.prototype's members (toString, hasOwnProperty, …) behave as on any object.
 */
function createUnknownNameGuard(names: readonly string[]): object {
  return new Proxy(Object.prototype, {
    get(target, key, receiver) {
      if (typeof key === 'symbol' || key in target) return Reflect.get(target, key, receiver) as unknown;
      throw new Error(`unknown parameter "${key}"${renderSuggestion(key, names)}; known: ${listNames(names)}`);
    },
  });
}

/** At most 12 names, then how many more: one readable line for a large network. */
function listNames(names: readonly string[]): string {
  return names.length <= 12 ? names.join(', ') : `${names.slice(0, 12).join(', ')} and ${names.length - 12} more`;
}

const PARAMS_EXPECTED = "a record of float32 tensors by name, e.g. { 'fc1.weight': tf.randomUniform([5, 1], -1, 1, 'float32', seed), … }";

function checkParams(tf: Tf, value: unknown): TensorRecord {
  checkRecord(tf, 'params()', value, PARAMS_EXPECTED);
  const entries = Object.entries(value);
  if (entries.length === 0) throw new UserError(`params() returned an empty record; it must return ${PARAMS_EXPECTED}`);
  for (const [name, t] of entries) {
    if (!(t instanceof tf.Tensor)) throw new UserError(`params() returned a record whose "${name}" is ${describe(t)}; every value must be a float32 tf.Tensor`);
    if (t.isDisposed) throw new UserError(`params() returned a disposed tensor as "${name}"`);
    if (t.dtype !== 'float32') {
      throw new UserError(
        `params() returned "${name}" as ${aDtype(t.dtype)} tensor; parameters must be float32 (e.g. tf.randomUniform(…, 'float32') or .toFloat())`,
      );
    }
    if (t.size === 0) throw new UserError(`params() returned "${name}" with shape [${t.shape.join(',')}], which holds no values`);
  }
  return value as TensorRecord;
}
