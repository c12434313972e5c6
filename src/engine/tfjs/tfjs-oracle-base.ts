/**
 * What the two tfjs oracles (network-oracle.ts, objectives-oracle.ts) share: ownership of the
 * problem, the checks on every call, and the direction of a step formed from the two gradients of
 * one tape per loss (which a network with two output losses replaces by one combined tape).
 */
import type { ParamLayout } from '../../experiment/param-layout.js';
import { createEvaluation, type CombinedEvaluation, type Evaluation, type GradientOracle } from '../types.js';
import type { Tf } from './load-tf.js';
import { Tapes } from './tapes.js';
import type { ObjectiveName, TfjsProblem } from './tfjs-problem.js';

export const gradOf = (ev: Evaluation, name: ObjectiveName): Float64Array => (name === 'loss1' ? ev.grad1 : ev.grad2);

/** The oracle owns `problem`: its dispose() (or a failure in the constructor) disposes the problem. */
export abstract class TfjsOracle<P extends TfjsProblem> implements GradientOracle {
  readonly engine = 'tfjs' as const;
  readonly layout: ParamLayout;
  readonly initial: Float64Array;
  readonly adversary: Uint8Array | null;
  readonly disconnected: ObjectiveName[] = [];
  abstract readonly bothGradientsEveryStep: boolean;
  protected readonly tapes: Tapes;
  /** Whether an evaluation has completed (what is decided on the first one is decided once). */
  protected evaluated = false;
  private disposed = false;
  /** The per-objective evaluation of steps whose caller asks only for the direction. */
  private readonly scratch: Evaluation;

  constructor(
    protected readonly tf: Tf,
    protected readonly problem: P,
  ) {
    const { layout } = problem;
    if (problem.initial.length !== layout.size) {
      problem.dispose();
      throw new Error(`tfjs problem: ${problem.initial.length} initial parameters for a layout of ${layout.size}`);
    }
    this.layout = layout;
    this.initial = problem.initial;
    this.adversary = problem.adversary ?? null;
    this.tapes = new Tapes(tf, layout);
    this.scratch = createEvaluation(layout.size);
  }

  /** Both losses and their gradients at the step's float32 parameters `values`, inside the caller's tidy. */
  protected abstract evaluateEach(values: Float32Array, out: Evaluation, step: number): void;

  protected evaluateInto(values: Float32Array, out: Evaluation, step: number): void {
    this.evaluateEach(values, out, step);
    this.evaluated = true;
  }

  /**
   * The losses and ∇loss1 − α∇loss2 at `values`, inside the caller's tidy. Here the tapes the
   * direction needs give both gradients anyway: the direction is formed from them on every step
   * alike, per-objective gradients asked for or not.
   */
  protected combineInto(values: Float32Array, alpha: number, out: CombinedEvaluation, step: number, perObjective?: Evaluation): void {
    const dir = out.direction;
    const ev = perObjective ?? this.scratch;
    this.evaluateInto(values, ev, step);
    out.loss1 = ev.loss1;
    out.loss2 = ev.loss2;
    for (let i = 0; i < dir.length; i++) dir[i] = ev.grad1[i]! - alpha * ev.grad2[i]!;
  }

  evaluate(params: Float64Array, out: Evaluation, step: number): void {
    this.check(params, 'evaluate');
    const values = new Float32Array(params);
    this.tf.tidy(() => this.evaluateInto(values, out, step));
  }

  evaluateCombined(params: Float64Array, alpha: number, out: CombinedEvaluation, step: number, perObjective?: Evaluation): void {
    this.check(params, 'evaluateCombined');
    const values = new Float32Array(params);
    this.tf.tidy(() => this.combineInto(values, alpha, out, step, perObjective));
    if (perObjective) {
      perObjective.loss1 = out.loss1;
      perObjective.loss2 = out.loss2;
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.problem.dispose();
  }

  private check(params: Float64Array, what: string): void {
    if (this.disposed) throw new Error('tfjs oracle used after dispose()');
    if (params.length !== this.layout.size) throw new Error(`${what}: ${params.length} parameters for a layout of ${this.layout.size}`);
  }
}
