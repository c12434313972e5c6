/**
 * Combiners turn the two gradients into the one direction the optimizer follows. Engine-independent.
 */
import type { Evaluation } from '../engine/types.js';

export const COMBINERS = ['fixed'] as const;
export type CombinerName = (typeof COMBINERS)[number];

export interface Combiner {
  /**
   * When the direction is always exactly ∇loss1 − w·∇loss2 with this fixed w, the training loop
   * may ask the engine for that combined gradient directly (one backward pass) on steps it does
   * not log; null for combiners that need both gradients every step.
   */
  readonly linearWeight: number | null;
  /** Writes the update direction into `out` and returns the weight it gave loss2 this step. */
  combine(ev: Evaluation, out: Float64Array): number;
}

/** `fixed`: descend on loss1 − α·loss2, i.e. direction = ∇loss1 − α∇loss2. */
export function createCombiner(name: CombinerName, alpha: number): Combiner {
  switch (name) {
    case 'fixed':
      return {
        linearWeight: alpha,
        combine(ev, out) {
          const { grad1, grad2 } = ev;
          for (let i = 0; i < out.length; i++) out[i] = grad1[i]! - alpha * grad2[i]!;
          return alpha;
        },
      };
  }
}
