/**
 * The gradient oracle: the only thing that knows how losses and gradients are computed. Everything
 * after it (combiner, optimizer, monitor, sink) works on flat Float64Arrays and is shared by every
 * engine.
 */
import type { ParamLayout } from '../experiment/param-layout.js';

/** The engines that compute gradients here, as gradient oracles. */
export type OracleEngineName = 'tfjs' | 'fused';
/** A run's engine: an oracle's, or `command` — an external script trains and reports its losses (engine/command/). */
export type EngineName = OracleEngineName | 'command';
export type BackendName = 'cpu' | 'wasm' | 'tensorflow';

/** What one evaluation fills in. Buffers are owned by the caller and reused every step. */
export interface Evaluation {
  loss1: number;
  loss2: number;
  /** ∇loss1 and ∇loss2 with respect to every parameter, in layout order. */
  readonly grad1: Float64Array;
  readonly grad2: Float64Array;
}

export interface GradientOracle {
  readonly engine: OracleEngineName;
  readonly layout: ParamLayout;
  /** The run's starting parameters, flat in layout order (seeded init, or `--init`). */
  readonly initial: Float64Array;
  /**
   * Objectives with no gradient path to any parameter (found on the first evaluation): their
   * gradient is reported as zeros. The seed question's bug — loss2 rebuilt with
   * `torch.tensor([w.sum() for w in params])` — looks exactly like this.
   */
  readonly disconnected: ReadonlyArray<'loss1' | 'loss2'>;
  /**
   * Whether evaluateCombined computes ∇loss1 and ∇loss2 anyway (one tape per loss): the training
   * loop then passes `perObjective` on every step — free — and never evaluates a step twice, which
   * a loss with state (an inner adversary refitted on every call) would notice.
   */
  readonly bothGradientsEveryStep: boolean;
  /**
   * 1 at the parameters of the experiment's adversary (a module's `adversary`), which the
   * `reversal` combiner trains to minimize loss2; absent or null when it declares none.
   */
  readonly adversary?: Uint8Array | null;
  /**
   * Losses and both gradients at `params`. `step` is the training step being evaluated (user
   * modules see it). For combiners that need both gradients every step.
   */
  evaluate(params: Float64Array, out: Evaluation, step: number): void;
  /**
   * Losses and the gradient of loss1 − α·loss2 computed as one objective (one backward pass),
   * into `out.direction`. With `perObjective` (the logged and measured steps), also ∇loss1 and ∇loss2 for the
   * gradient norms — while `direction` is computed exactly as without, so a run's trajectory does
   * not depend on which steps are logged.
   */
  evaluateCombined(params: Float64Array, alpha: number, out: CombinedEvaluation, step: number, perObjective?: Evaluation): void;
  /** Frees engine memory (tfjs tensors); the oracle is unusable afterwards. */
  dispose(): void;
}

/** What a combined evaluation fills in. */
export interface CombinedEvaluation {
  loss1: number;
  loss2: number;
  /** ∇loss1 − α∇loss2, in layout order. */
  readonly direction: Float64Array;
}

export function createEvaluation(size: number): Evaluation {
  return { loss1: NaN, loss2: NaN, grad1: new Float64Array(size), grad2: new Float64Array(size) };
}
