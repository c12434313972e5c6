/**
 * The declarative catalog's parameter-only losses (param_sum, l2, l1) and their gradients, on the
 * flat parameters, summed in float64: shared by the fused engine (float64 parameters) and the tfjs
 * engine (the float32 parameters the network sees), which need no kernels for them.
 */
import type { LossName } from '../experiment/declarative.js';

/** The loss at `p`, its gradient into `grad`. |p| has PyTorch's subgradient 0 at p = 0 (Math.sign). */
export function evaluateParamLoss(loss: LossName, p: Float32Array | Float64Array, grad: Float64Array): number {
  let v = 0;
  switch (loss) {
    case 'param_sum':
      for (let i = 0; i < p.length; i++) v += p[i]!;
      grad.fill(1);
      return v;
    case 'l2':
      for (let i = 0; i < p.length; i++) {
        v += p[i]! * p[i]!;
        grad[i] = 2 * p[i]!;
      }
      return v;
    case 'l1':
      for (let i = 0; i < p.length; i++) {
        v += Math.abs(p[i]!);
        grad[i] = Math.sign(p[i]!);
      }
      return v;
    default:
      throw new Error(`not a parameter loss: ${loss}`);
  }
}
