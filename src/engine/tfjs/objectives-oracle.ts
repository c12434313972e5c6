/**
 * The tfjs oracle of a user module (module-problem.ts): two opaque loss functions. Each is called
 * exactly once per step, on its own tape, and the direction is ∇loss1 − α∇loss2 formed from the
 * two gradients, on every step alike; the per-objective gradients come for free.
 *
 * A module's two losses share no forward pass (each is its own function call), so a single tape
 * of loss1 − α·loss2 would do the same backward work plus an add per weight where the two
 * gradients meet (107 kernels a step on the LayersModel seed module, experiments/seed-layers.ts,
 * against 100), and measured slower than one tape per loss. And it could not give the
 * per-objective gradients of logged steps without calling the losses again: a loss with state
 * (experiments/adversarial.ts fits its adversary inside loss2) would then advance differently on
 * logged steps, and the trajectory would depend on --log-every.
 *
 * A functional module's losses may also read every parameter as one 1-D tensor (`flatParams`):
 * one more tensor over the same float32 values, differentiated alongside the per-weight ones, its
 * gradient added to theirs.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { UserError } from '../../errors.js';
import type { Evaluation } from '../types.js';
import { valueOf } from './tapes.js';
import { gradOf, TfjsOracle } from './tfjs-oracle-base.js';
import type { ObjectiveName, ObjectivesProblem } from './tfjs-problem.js';

export class ObjectivesOracle extends TfjsOracle<ObjectivesProblem> {
  readonly bothGradientsEveryStep = true;

  /**
   * Each loss called once, in order, on its own tape (an objective found disconnected on the
   * first evaluation is afterwards only evaluated, off the tape).
   */
  protected override evaluateEach(values: Float32Array, out: Evaluation, step: number): void {
    const p = this.problem;
    // One set of weight tensors serves both tapes: each tape differentiates with respect to them
    // only through its own loss.
    const w = this.tapes.weightsOver(values);
    const flat = p.usesFlat ? (this.tf.tensor(values, [values.length], 'float32') as tfjs.Tensor1D) : null;
    const xs = flat ? [...w, flat] : w;
    // On the first evaluation the frozen copies are watched too (see ObjectivesProblem.frozen).
    const watched = this.evaluated ? xs : [...xs, ...p.frozen];
    const grads: (tfjs.Tensor | undefined)[] = [];
    const taped: ObjectiveName[] = [];
    for (const name of ['loss1', 'loss2'] as const) {
      if (this.disconnected.includes(name)) {
        out[name] = valueOf(p.objective(name, w, flat, step));
        gradOf(out, name).fill(0);
        continue;
      }
      const t = this.tapes.tape(() => p.objective(name, w, flat, step), watched);
      const stale = t.grads.findIndex((g, i) => i >= xs.length && g !== undefined);
      if (stale >= 0) throw new UserError(p.frozenError(name, this.layout.entries[stale - xs.length]!.name));
      out[name] = t.value;
      grads.push(...t.grads.slice(0, xs.length));
      taped.push(name);
    }
    const reaches = this.tapes.readGradients(
      grads,
      taped.map((name) => gradOf(out, name)),
      flat !== null,
    );
    // Decided once, on the first evaluation.
    if (!this.evaluated) {
      taped.forEach((name, j) => {
        if (!reaches[j]) this.disconnected.push(name);
      });
    }
  }
}
