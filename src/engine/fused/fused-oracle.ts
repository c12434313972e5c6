/**
 * The `fused` engine: hand-derived forward and backward passes of a declarative MLP in float64,
 * with every buffer allocated once. On networks this small TensorFlow.js spends its time in per-op
 * overhead, so this is the hot path of a sweep; it must agree with the tfjs engine and with the
 * PyTorch references (test/fused-*.test.ts). No tfjs anywhere on this path.
 *
 * Layout (PyTorch state_dict order): fc1.weight [out][in], fc1.bias [out], fc2.weight, …
 */
import { evaluateParamLoss } from '../param-loss.js';
import type { DeclarativeExperiment, LossName } from '../../experiment/declarative.js';
import { materializeDeclarative, type MaterializedData } from '../../experiment/declarative.js';
import type { ParamLayout } from '../../experiment/param-layout.js';
import type { CombinedEvaluation, Evaluation, GradientOracle } from '../types.js';
import { compileMlpKernels, type MlpKernels } from './mlp-codegen.js';

const ACT_LINEAR = 0;
const ACT_RELU = 1;
const ACT_TANH = 2;
const ACT_SIGMOID = 3;
const ACT_LEAKY = 4;

/** Losses that depend on the network output (need a backward pass), as opposed to parameter-only ones. */
function usesOutput(loss: LossName): boolean {
  return loss === 'sum_to_target' || loss === 'mse' || loss === 'cross_entropy' || loss === 'entropy';
}

export class FusedOracle implements GradientOracle {
  readonly engine = 'fused' as const;
  readonly layout: ParamLayout;
  readonly initial: Float64Array;
  readonly disconnected: ReadonlyArray<'loss1' | 'loss2'> = [];
  /** Stateless, and the combined path saves backward passes: per-objective gradients only when asked. */
  readonly bothGradientsEveryStep = false;

  private readonly widths: number[];
  private readonly act: number;
  private readonly slope: number;
  private readonly n: number;
  private readonly data: MaterializedData;
  private readonly target: number;
  private readonly wOff: number[] = [];
  private readonly bOff: number[] = [];
  /** Post-activation values per layer, a[0] = features; samples × width. */
  private readonly a: Float64Array[] = [];
  /** dLoss/d(pre-activation) per layer, reused by both backward passes. */
  private readonly delta: Float64Array[] = [];
  /** Log-softmax of the output (entropy). */
  private readonly prob: Float64Array;
  /** dLoss/d(output) of each objective, when both depend on the output. */
  private readonly outGrad1: Float64Array;
  private readonly outGrad2: Float64Array;
  /** Gradients of parameter-only losses (param_sum, l2, l1). */
  private readonly paramGrad1: Float64Array;
  private readonly paramGrad2: Float64Array;
  private readonly out1: boolean;
  private readonly out2: boolean;
  /** The network's passes compiled for its shape (mlp-codegen.ts); null: the generic loops below. */
  private readonly kernels: MlpKernels | null;

  /** `compile: false` keeps the generic loops (tests hold the two against each other). */
  constructor(
    private readonly exp: DeclarativeExperiment,
    seed: number,
    initial?: Float64Array,
    options: { readonly compile?: boolean } = {},
  ) {
    const start = materializeDeclarative(exp, seed);
    this.layout = start.layout;
    this.initial = initial ?? start.params;
    this.data = start.data;
    this.widths = [...exp.layers];
    this.n = start.data.samples;
    this.target = exp.target ?? 0;
    this.act = { linear: ACT_LINEAR, relu: ACT_RELU, tanh: ACT_TANH, sigmoid: ACT_SIGMOID, leaky_relu: ACT_LEAKY }[exp.activation];
    this.slope = exp.leaky_slope;
    for (const e of this.layout.entries) (e.name.endsWith('.weight') ? this.wOff : this.bOff).push(e.offset);
    this.a.push(start.data.features);
    this.delta.push(new Float64Array(0));
    for (let l = 1; l < this.widths.length; l++) {
      this.a.push(new Float64Array(this.n * this.widths[l]!));
      this.delta.push(new Float64Array(this.n * this.widths[l]!));
    }
    const outputs = this.n * this.widths[this.widths.length - 1]!;
    this.prob = new Float64Array(outputs);
    this.outGrad1 = new Float64Array(outputs);
    this.outGrad2 = new Float64Array(outputs);
    this.paramGrad1 = new Float64Array(this.layout.size);
    this.paramGrad2 = new Float64Array(this.layout.size);
    this.out1 = usesOutput(exp.loss1);
    this.out2 = usesOutput(exp.loss2);
    this.kernels =
      options.compile === false
        ? null
        : compileMlpKernels({
            widths: this.widths,
            samples: this.n,
            activation: exp.activation,
            leakySlope: exp.leaky_slope,
            weightOffsets: this.wOff,
            biasOffsets: this.bOff,
          });
  }

  /** Whether this oracle runs compiled passes (false: generic loops, e.g. for a very wide layer). */
  get compiled(): boolean {
    return this.kernels !== null;
  }

  evaluate(params: Float64Array, out: Evaluation, _step: number): void {
    this.forward(params);
    out.loss1 = this.objective(this.exp.loss1, params, out.grad1);
    out.loss2 = this.objective(this.exp.loss2, params, out.grad2);
  }

  evaluateCombined(p: Float64Array, alpha: number, out: CombinedEvaluation, _step: number, per?: Evaluation): void {
    this.forward(p);
    const { exp, outGrad1, outGrad2, paramGrad1, paramGrad2 } = this;
    const last = this.delta[this.delta.length - 1]!;
    const dir = out.direction;
    // Whatever `per` asks for, `dir` is computed by the same operations in the same order.
    if (this.out1 && this.out2) {
      out.loss1 = this.outputLoss(exp.loss1, outGrad1);
      out.loss2 = this.outputLoss(exp.loss2, outGrad2);
      if (per) {
        last.set(outGrad1);
        this.backward(p, per.grad1);
        last.set(outGrad2);
        this.backward(p, per.grad2);
      }
      for (let i = 0; i < last.length; i++) last[i] = outGrad1[i]! - alpha * outGrad2[i]!;
      this.backward(p, dir);
    } else if (this.out1) {
      out.loss1 = this.outputLoss(exp.loss1, last);
      out.loss2 = evaluateParamLoss(exp.loss2, p, paramGrad2);
      this.backward(p, dir);
      if (per) {
        per.grad1.set(dir);
        per.grad2.set(paramGrad2);
      }
      for (let i = 0; i < dir.length; i++) dir[i] = dir[i]! - alpha * paramGrad2[i]!;
    } else if (this.out2) {
      out.loss1 = evaluateParamLoss(exp.loss1, p, paramGrad1);
      out.loss2 = this.outputLoss(exp.loss2, outGrad2);
      if (per) {
        per.grad1.set(paramGrad1);
        last.set(outGrad2);
        this.backward(p, per.grad2);
      }
      for (let i = 0; i < last.length; i++) last[i] = -alpha * outGrad2[i]!;
      this.backward(p, dir);
      for (let i = 0; i < dir.length; i++) dir[i] = paramGrad1[i]! + dir[i]!;
    } else {
      out.loss1 = evaluateParamLoss(exp.loss1, p, paramGrad1);
      out.loss2 = evaluateParamLoss(exp.loss2, p, paramGrad2);
      if (per) {
        per.grad1.set(paramGrad1);
        per.grad2.set(paramGrad2);
      }
      for (let i = 0; i < dir.length; i++) dir[i] = paramGrad1[i]! - alpha * paramGrad2[i]!;
    }
    if (per) {
      per.loss1 = out.loss1;
      per.loss2 = out.loss2;
    }
  }

  dispose(): void {
    // Plain typed arrays: nothing to free.
  }

  private forward(p: Float64Array): void {
    if (this.kernels) this.kernels.forward(p, this.a);
    else this.forwardLoops(p);
  }

  private backward(p: Float64Array, grad: Float64Array): void {
    if (this.kernels) this.kernels.backward(p, this.a, this.delta, grad);
    else this.backwardLoops(p, grad);
  }

  private forwardLoops(p: Float64Array): void {
    const { widths, n, a } = this;
    const last = widths.length - 1;
    for (let l = 1; l <= last; l++) {
      const din = widths[l - 1]!;
      const dout = widths[l]!;
      const x = a[l - 1]!;
      const y = a[l]!;
      const wo = this.wOff[l - 1]!;
      const bo = this.bOff[l - 1]!;
      for (let s = 0; s < n; s++) {
        const xo = s * din;
        const yo = s * dout;
        for (let j = 0; j < dout; j++) {
          let z = p[bo + j]!;
          const wr = wo + j * din;
          for (let k = 0; k < din; k++) z += p[wr + k]! * x[xo + k]!;
          y[yo + j] = z;
        }
      }
      // The activation as its own pass, its switch outside the loop (the hot path of small sweeps).
      if (l < last) activateInPlace(this.act, y, this.slope);
    }
  }

  /** The loss value; its gradient with respect to every parameter into `grad`. */
  private objective(loss: LossName, p: Float64Array, grad: Float64Array): number {
    if (!usesOutput(loss)) return evaluateParamLoss(loss, p, grad);
    const value = this.outputLoss(loss, this.delta[this.delta.length - 1]!);
    this.backward(p, grad);
    return value;
  }

  /** Loss of the network output; writes dLoss/d(output) into `g` (samples × outputs). */
  private outputLoss(loss: LossName, g: Float64Array): number {
    const { n } = this;
    const d = this.widths[this.widths.length - 1]!;
    const outv = this.a[this.a.length - 1]!;
    const m = n * d;
    switch (loss) {
      case 'sum_to_target': {
        let sum = 0;
        for (let i = 0; i < m; i++) sum += outv[i]!;
        const r = this.target - sum;
        g.fill(-2 * r);
        return r * r;
      }
      case 'mse': {
        const t = this.data.targets!;
        let sse = 0;
        for (let i = 0; i < m; i++) {
          const e = outv[i]! - t[i]!;
          sse += e * e;
          g[i] = (2 * e) / m;
        }
        return sse / m;
      }
      case 'cross_entropy':
      case 'entropy': {
        const prob = this.prob;
        const labels = this.data.labels;
        let total = 0;
        for (let s = 0; s < n; s++) {
          const o = s * d;
          let mx = -Infinity;
          for (let j = 0; j < d; j++) mx = Math.max(mx, outv[o + j]!);
          let z = 0;
          for (let j = 0; j < d; j++) z += Math.exp(outv[o + j]! - mx);
          const logZ = Math.log(z) + mx;
          if (loss === 'cross_entropy') {
            const y = labels![s]!;
            total += logZ - outv[o + y]!;
            for (let j = 0; j < d; j++) g[o + j] = (Math.exp(outv[o + j]! - logZ) - (j === y ? 1 : 0)) / n;
          } else {
            // H = −Σ p log p;  dH/dz_k = −p_k (log p_k + H).
            let h = 0;
            for (let j = 0; j < d; j++) {
              const lp = outv[o + j]! - logZ;
              const pj = Math.exp(lp);
              prob[o + j] = lp;
              h -= pj * lp;
            }
            total += h;
            for (let j = 0; j < d; j++) {
              const lp = prob[o + j]!;
              g[o + j] = (-Math.exp(lp) * (lp + h)) / n;
            }
          }
        }
        return total / n;
      }
      default:
        throw new Error(`not an output loss: ${loss}`);
    }
  }

  /** Backpropagates the last layer's delta (dLoss/d output) to every weight and bias. */
  private backwardLoops(p: Float64Array, grad: Float64Array): void {
    const { widths, n, a, delta } = this;
    for (let l = widths.length - 1; l >= 1; l--) {
      const din = widths[l - 1]!;
      const dout = widths[l]!;
      const x = a[l - 1]!;
      const dz = delta[l]!;
      const wo = this.wOff[l - 1]!;
      const bo = this.bOff[l - 1]!;
      // dW[j][k] = Σ_s dz[s][j]·x[s][k], db[j] = Σ_s dz[s][j]: written once, no zero-fill.
      for (let j = 0; j < dout; j++) {
        let gb = 0;
        for (let s = 0; s < n; s++) gb += dz[s * dout + j]!;
        grad[bo + j] = gb;
        const wr = wo + j * din;
        for (let k = 0; k < din; k++) {
          let gw = 0;
          for (let s = 0; s < n; s++) gw += dz[s * dout + j]! * x[s * din + k]!;
          grad[wr + k] = gw;
        }
      }
      if (l === 1) break;
      // delta of the layer below: (dz · W) ⊙ act'(its pre-activation), from its post-activation value.
      const below = delta[l - 1]!;
      for (let s = 0; s < n; s++) {
        const xo = s * din;
        const zo = s * dout;
        for (let k = 0; k < din; k++) {
          let sum = 0;
          for (let j = 0; j < dout; j++) sum += dz[zo + j]! * p[wo + j * din + k]!;
          below[xo + k] = sum;
        }
      }
      multiplyBySlope(this.act, below, x, this.slope);
    }
  }
}

/** y ← act(y) elementwise. relu keeps NaN as NaN (as PyTorch does), so divergence stays visible. */
function activateInPlace(act: number, y: Float64Array, slope: number): void {
  const m = y.length;
  switch (act) {
    case ACT_RELU:
      for (let i = 0; i < m; i++) if (y[i]! < 0) y[i] = 0;
      return;
    case ACT_TANH:
      for (let i = 0; i < m; i++) y[i] = Math.tanh(y[i]!);
      return;
    case ACT_SIGMOID:
      for (let i = 0; i < m; i++) y[i] = 1 / (1 + Math.exp(-y[i]!));
      return;
    case ACT_LEAKY:
      for (let i = 0; i < m; i++) if (y[i]! < 0) y[i] = slope * y[i]!;
      return;
    default:
      return;
  }
}

/**
 * d ← d ⊙ act'(z), with act' expressed through the activation's output a (what the forward pass
 * kept). For relu and leaky_relu a > 0 ⇔ z > 0 (slope > 0), and z = 0 gets PyTorch's subgradient:
 * 0 (relu), slope (leaky).
 */
function multiplyBySlope(act: number, d: Float64Array, a: Float64Array, slope: number): void {
  const m = d.length;
  switch (act) {
    case ACT_RELU:
      for (let i = 0; i < m; i++) if (!(a[i]! > 0)) d[i] = 0;
      return;
    case ACT_TANH:
      for (let i = 0; i < m; i++) d[i] = d[i]! * (1 - a[i]! * a[i]!);
      return;
    case ACT_SIGMOID:
      for (let i = 0; i < m; i++) d[i] = d[i]! * (a[i]! * (1 - a[i]!));
      return;
    case ACT_LEAKY:
      for (let i = 0; i < m; i++) if (!(a[i]! > 0)) d[i] = d[i]! * slope;
      return;
    default:
      return;
  }
}
