/**
 * Combiners turn the two gradients into the one direction the optimizer follows. Engine-independent.
 */
import type { Evaluation } from '../engine/types.js';

export const COMBINERS = ['fixed'] as const;
export type CombinerName = (typeof COMBINERS)[number];

export interface Combiner {
  /** Writes the update direction into `out` and returns the weight it gave loss2 this step. */
  combine(ev: Evaluation, out: Float64Array): number;
}

/** `fixed`: descend on loss1 − α·loss2, i.e. direction = ∇loss1 − α∇loss2. */
export function createCombiner(name: CombinerName, alpha: number): Combiner {
  switch (name) {
    case 'fixed':
      return {
        combine(ev, out) {
          const { grad1, grad2 } = ev;
          for (let i = 0; i < out.length; i++) out[i] = grad1[i]! - alpha * grad2[i]!;
          return alpha;
        },
      };
  }
}
