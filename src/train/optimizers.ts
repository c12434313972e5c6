/**
 * Optimizers with PyTorch 1.13's update rules and defaults (torch/optim/*.py, single-tensor path),
 * so a trajectory here matches the same script in PyTorch: L2 weight decay added to the gradient
 * for sgd/adam/rmsprop, decoupled decay for adamw, Adam's bias corrections with eps added after
 * dividing by √(bias_correction2), RMSprop's eps added outside the square root, and SGD momentum's
 * first buffer taken as the raw gradient (no dampening on step 1).
 *
 * Each `step` updates params in place and allocates nothing: it runs once per training step.
 * PyTorch's defaults per optimizer are in the settings registry (spec/settings.ts).
 */
import { betaPowers, type PowerTable } from './beta-powers.js';

export const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'adamw', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export interface OptimizerSettings {
  readonly name: OptimizerName;
  /** Learning rate. */
  readonly lr: number;
  /** Adam/AdamW (β1, β2). */
  readonly betas: readonly [number, number];
  /** Added to the denominator of Adam/AdamW/RMSprop. */
  readonly eps: number;
  /** L2 penalty (sgd, momentum, adam, rmsprop) or decoupled decay (adamw). */
  readonly weight_decay: number;
  /** SGD/RMSprop momentum factor. */
  readonly momentum: number;
  /** SGD dampening for momentum. */
  readonly dampening: number;
  readonly nesterov: boolean;
  /** Adam/AdamW AMSGrad variant. */
  readonly amsgrad: boolean;
  /** RMSprop smoothing constant (PyTorch calls it alpha; not the loss weight α). */
  readonly rms_alpha: number;
  /** RMSprop: normalize by the centered second moment. */
  readonly centered: boolean;
}

export interface Optimizer {
  /** params ← params − update(direction); `direction` plays the role of `.grad` in PyTorch. */
  step(params: Float64Array, direction: Float64Array): void;
}

export function createOptimizer(settings: OptimizerSettings, size: number): Optimizer {
  switch (settings.name) {
    case 'sgd':
    case 'momentum':
      return new Sgd(settings, size);
    case 'adam':
    case 'adamw':
      return new Adam(settings, size);
    case 'rmsprop':
      return new RmsProp(settings, size);
  }
}

class Sgd implements Optimizer {
  private readonly buf: Float64Array;
  private started = false;
  constructor(
    private readonly s: OptimizerSettings,
    size: number,
  ) {
    this.buf = new Float64Array(s.momentum !== 0 ? size : 0);
  }

  step(p: Float64Array, g: Float64Array): void {
    const { lr, weight_decay: wd, momentum: mu, dampening, nesterov } = this.s;
    const buf = this.buf;
    for (let i = 0; i < p.length; i++) {
      let d = g[i]!;
      if (wd !== 0) d += wd * p[i]!;
      if (mu !== 0) {
        const b = this.started ? mu * buf[i]! + (1 - dampening) * d : d;
        buf[i] = b;
        d = nesterov ? d + mu * b : b;
      }
      p[i] = p[i]! - lr * d;
    }
    this.started = true;
  }
}

class Adam implements Optimizer {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private readonly vMax: Float64Array;
  private t = 0;
  private readonly decoupled: boolean;
  /** b1 ** t and b2 ** t, computed once per process (train/beta-powers.ts). */
  private readonly b1Powers: PowerTable;
  private readonly b2Powers: PowerTable;
  constructor(
    private readonly s: OptimizerSettings,
    size: number,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
    this.vMax = new Float64Array(s.amsgrad ? size : 0);
    this.decoupled = s.name === 'adamw';
    this.b1Powers = betaPowers(s.betas[0]);
    this.b2Powers = betaPowers(s.betas[1]);
  }

  step(p: Float64Array, g: Float64Array): void {
    const { lr, eps, weight_decay: wd, amsgrad } = this.s;
    const [b1, b2] = this.s.betas;
    this.t += 1;
    const bc1 = 1 - this.b1Powers.at(this.t);
    const bc2Sqrt = Math.sqrt(1 - this.b2Powers.at(this.t));
    const stepSize = lr / bc1;
    const { m, v, vMax } = this;
    const c1 = 1 - b1;
    const c2 = 1 - b2;
    // The hot loop of every Adam run: branches hoisted out of it (measured ~30% faster on the seed model).
    const decay = this.decoupled ? 1 - lr * wd : 1;
    const l2 = this.decoupled ? 0 : wd;
    const n = p.length;
    if (!amsgrad && decay === 1 && l2 === 0) {
      for (let i = 0; i < n; i++) {
        const gi = g[i]!;
        const mi = m[i]! * b1 + gi * c1;
        const vi = v[i]! * b2 + gi * gi * c2;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i]! - stepSize * (mi / (Math.sqrt(vi) / bc2Sqrt + eps));
      }
      return;
    }
    for (let i = 0; i < n; i++) {
      const pi = p[i]! * decay;
      const gi = l2 !== 0 ? g[i]! + l2 * p[i]! : g[i]!;
      const mi = m[i]! * b1 + gi * c1;
      const vi = v[i]! * b2 + gi * gi * c2;
      m[i] = mi;
      v[i] = vi;
      let vUse = vi;
      if (amsgrad) {
        vUse = Math.max(vMax[i]!, vi);
        vMax[i] = vUse;
      }
      p[i] = pi - stepSize * (mi / (Math.sqrt(vUse) / bc2Sqrt + eps));
    }
  }
}

class RmsProp implements Optimizer {
  private readonly sq: Float64Array;
  private readonly avg: Float64Array;
  private readonly buf: Float64Array;
  constructor(
    private readonly s: OptimizerSettings,
    size: number,
  ) {
    this.sq = new Float64Array(size);
    this.avg = new Float64Array(s.centered ? size : 0);
    this.buf = new Float64Array(s.momentum > 0 ? size : 0);
  }

  step(p: Float64Array, g: Float64Array): void {
    const { lr, eps, weight_decay: wd, momentum: mu, centered, rms_alpha: a } = this.s;
    const { sq, avg, buf } = this;
    for (let i = 0; i < p.length; i++) {
      let gi = g[i]!;
      if (wd !== 0) gi += wd * p[i]!;
      const si = sq[i]! * a + gi * gi * (1 - a);
      sq[i] = si;
      let denom: number;
      if (centered) {
        const ai = avg[i]! * a + gi * (1 - a);
        avg[i] = ai;
        denom = Math.sqrt(si - ai * ai) + eps;
      } else {
        denom = Math.sqrt(si) + eps;
      }
      if (mu > 0) {
        const b = buf[i]! * mu + gi / denom;
        buf[i] = b;
        p[i] = p[i]! - lr * b;
      } else {
        p[i] = p[i]! - lr * (gi / denom);
      }
    }
  }
}
