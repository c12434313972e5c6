/**
 * The tfjs oracle of a declarative network (declarative-problem.ts): a dense stack whose output
 * feeds the output losses, and parameter-only losses (Σp, Σp², Σ|p|) in closed form on the same
 * float32 parameters, with no kernels.
 *
 * When both losses use the output, evaluateCombined records ONE forward pass and backpropagates
 * loss1 − α·loss2 through it once, joined at the root by a custom op whose gradient is the
 * constants (1, −α) (no kernel, where a mul and a sub as tfjs ops cost ~10 with their saved inputs
 * and gradients). ∇loss1 and ∇loss2 (logged steps, `evaluate`) come from separate tapes, so the
 * direction is computed the same way whether or not they are asked for. With one output loss the
 * tape of that loss is the only one, and the direction is formed from its gradient and the
 * closed-form one, on every step alike.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { CombinedEvaluation, Evaluation } from '../types.js';
import type { Tf } from './load-tf.js';
import { valueOf } from './tapes.js';
import { gradOf, TfjsOracle } from './tfjs-oracle-base.js';
import type { NetworkProblem, ObjectiveName } from './tfjs-problem.js';

export class NetworkOracle extends TfjsOracle<NetworkProblem> {
  readonly bothGradientsEveryStep: boolean;
  /** Both objectives use the output: the direction comes from one combined tape. */
  private readonly combined: boolean;

  constructor(tf: Tf, problem: NetworkProblem) {
    super(tf, problem);
    this.combined = problem.usesOutput.loss1 && problem.usesOutput.loss2;
    this.bothGradientsEveryStep = !this.combined;
  }

  /** Each output objective on its own tape, the others in closed form. */
  protected override evaluateEach(values: Float32Array, out: Evaluation): void {
    const p = this.problem;
    const w = this.tapes.weightsOver(values);
    const grads: (tfjs.Tensor | undefined)[] = [];
    const taped: ObjectiveName[] = [];
    for (const name of ['loss1', 'loss2'] as const) {
      if (!p.usesOutput[name]) {
        out[name] = p.paramLoss(name, values, gradOf(out, name));
        continue;
      }
      const t = this.tapes.tape(() => p.outputLoss(name, p.output(w)), w);
      out[name] = t.value;
      grads.push(...t.grads);
      taped.push(name);
    }
    this.tapes.readGradients(
      grads,
      taped.map((name) => gradOf(out, name)),
    );
  }

  /** With two output losses, loss1 − α·loss2 on one tape: one forward pass, one backward pass. */
  protected override combineInto(values: Float32Array, alpha: number, out: CombinedEvaluation, step: number, perObjective?: Evaluation): void {
    if (!this.combined) {
      super.combineInto(values, alpha, out, step, perObjective);
      return;
    }
    const p = this.problem;
    const tapes = this.tapes;
    const w = tapes.weightsOver(values);
    const grads = tapes.gradients(() => {
      const y = p.output(w);
      const l1 = p.outputLoss('loss1', y);
      const l2 = p.outputLoss('loss2', y);
      out.loss1 = valueOf(l1);
      out.loss2 = valueOf(l2);
      return tapes.root(l1, l2, out.loss1 - alpha * out.loss2, 1, -alpha);
    }, w);
    tapes.readGradients(grads, [out.direction]);
    if (perObjective) this.evaluateInto(values, perObjective, step);
    this.evaluated = true;
  }
}
