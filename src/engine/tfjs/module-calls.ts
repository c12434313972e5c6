/**
 * Calling into a user module, for both forms (functional-problem.ts, layers-problem.ts): what its
 * code throws becomes a one-line UserError pointing into the module, and what it returns is
 * checked with a message that says what was expected. Messages carry no file name: callers add it.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { UserError } from '../../errors.js';
import type { TensorRecord } from '../../experiment/module-types.js';
import type { Tf } from './load-tf.js';
import type { ObjectiveName } from './tfjs-problem.js';

/** Runs module code; what it throws becomes a one-line UserError pointing into the module when possible. */
export function callUser<T>(file: string | undefined, what: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof UserError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    const at = file && err instanceof Error ? locateIn(err, file) : null;
    throw new UserError(`${what} threw: ${message.split('\n')[0]}${at ? ` (at line ${at})` : ''}`, { cause: err });
  }
}

/**
 * "line:column" of the innermost stack frame inside `file`, if any. tsx source-maps TypeScript
 * frames back to the file's own path; a frame that still carries tsx's `?tsx-namespace=…` query
 * was not mapped (something replaced Node's stack formatting) and its position is in the
 * transpiled code, so it is not reported for TypeScript.
 */
function locateIn(err: Error, file: string): string | null {
  const transpiled = /\.[cm]?ts$/i.test(file);
  for (const line of (err.stack ?? '').split('\n')) {
    const i = line.indexOf(file);
    if (i < 0) continue;
    const m = /^(\?[^:\s)]*)?:(\d+):(\d+)/.exec(line.slice(i + file.length));
    if (!m) continue;
    if (m[1] && transpiled) return null;
    return `${m[2]}:${m[3]}`;
  }
  return null;
}

/**
 * Runs a loss, explaining tfjs's failure on a disposed tensor. Inside ops, in production mode, a
 * disposed input fails as "Cannot read properties of undefined (reading 'backend')" (its data is
 * gone from the engine); reading one fails as "Tensor is disposed". Either is almost always a
 * tensor kept from an earlier step — the step's parameters, or an intermediate value — without
 * tf.keep.
 */
export function explainingDisposed<T>(loss: () => T): T {
  try {
    return loss();
  } catch (err) {
    if (!(err instanceof Error) || !/is disposed|reading 'backend'/.test(err.message)) throw err;
    const explained = new Error(
      `${err.message.split('\n')[0]} (a disposed tensor: one kept from an earlier step? the parameters are new tensors every step, read them from the loss's arguments; keep state with tf.keep)`,
      { cause: err },
    );
    explained.stack = err.stack;
    throw explained;
  }
}

/** A loss's return value, checked: a float32 scalar tensor. */
export function checkLoss(tf: Tf, which: ObjectiveName, value: unknown): tfjs.Scalar {
  if (!(value instanceof tf.Tensor)) throw new UserError(`${which} returned ${describe(value)}; it must return a scalar tf.Tensor`);
  if (value.rank !== 0) {
    throw new UserError(`${which} returned a tensor of shape [${value.shape.join(',')}]; it must return a scalar (reduce it, e.g. with tf.sum or tf.mean)`);
  }
  if (value.dtype !== 'float32') throw new UserError(`${which} returned ${aDtype(value.dtype)} tensor; it must return a float32 scalar`);
  return value as tfjs.Scalar;
}

/** A plain record (not null, an array or a tensor); `what` names the function that returned it. */
export function checkRecord(tf: Tf, what: string, value: unknown, expected: string): asserts value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof tf.Tensor || value instanceof Promise) {
    throw new UserError(`${what} returned ${value instanceof tf.Tensor ? 'a single tf.Tensor' : describe(value)}; it must return ${expected}`);
  }
}

export function checkData(tf: Tf, data: unknown): asserts data is TensorRecord {
  checkRecord(tf, 'data()', data, 'a record of tensors, e.g. { x: tf.tensor2d(…), y: tf.tensor1d(…) }');
  for (const [key, value] of Object.entries(data)) {
    if (!(value instanceof tf.Tensor)) throw new UserError(`data() returned a record whose "${key}" is ${describe(value)}; every value must be a tf.Tensor`);
  }
}

/** "a float32", "an int32": a dtype with its article. */
export function aDtype(dtype: string): string {
  return `${/^[aeiou]/.test(dtype) ? 'an' : 'a'} ${dtype}`;
}

export function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Promise) return 'a Promise (it must not be async)';
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'no prototype'})`;
  return `a ${typeof v}`;
}

/** Frees the tensors a module kept (its data, or what its losses stored in `state`), one level deep. */
export function disposeTensorsIn(tf: Tf, holder: Record<string, unknown>): void {
  const dispose = (v: unknown): void => {
    if (v instanceof tf.Tensor && !v.isDisposed) v.dispose();
  };
  for (const value of Object.values(holder)) {
    if (Array.isArray(value)) value.forEach(dispose);
    else if (value !== null && typeof value === 'object' && !(value instanceof tf.Tensor)) Object.values(value).forEach(dispose);
    else dispose(value);
  }
}
