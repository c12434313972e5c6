/**
 * Combiners turn the two gradients into the one direction the optimizer follows. Engine-independent:
 * they see flat Float64Arrays (∇loss1, ∇loss2) and the two losses, nothing else.
 *
 * loss1 is minimized and loss2 maximized, so every combiner descends on loss1 and ascends on
 * loss2. Each returns the weight it gave loss2 this step, logged as `weight` in steps.csv:
 * - `fixed`: α;
 * - `normalized`, `pcgrad`, `mgda`: the α that `fixed` would need for a direction pointing the
 *   same way (the ratio of the coefficients of −∇loss2 and ∇loss1 in the direction);
 * - `constraint`: the Lagrange multiplier λ;
 * - `reversal`: α (the weight the shared parameters give loss2).
 * None of them takes a logarithm or a ratio of the losses themselves (several multi-task methods
 * do, and break on a maximized, possibly negative, loss).
 */
import type { Evaluation } from '../engine/types.js';

export const COMBINERS = ['fixed', 'normalized', 'pcgrad', 'mgda', 'constraint', 'reversal'] as const;
export type CombinerName = (typeof COMBINERS)[number];

export interface CombineSettings {
  readonly name: CombinerName;
  /** `normalized`: decay of the running estimate of each gradient's norm (an exponential moving average). */
  readonly beta: number;
  /** `constraint`: minimize loss1 subject to loss2 ≥ tau. */
  readonly tau: number | null;
  /** `constraint`: maximize loss2 subject to loss1 ≤ epsilon. */
  readonly epsilon: number | null;
  /** `constraint`: the learning rate of the multiplier's projected dual ascent. */
  readonly dual_lr: number;
  /** `constraint`: reset λ to 0 as soon as the constraint holds (Cooper's "dual restarts"). */
  readonly dual_restarts: boolean;
}

export interface Combiner {
  /**
   * When the direction is always exactly ∇loss1 − w·∇loss2 with this fixed w, the training loop
   * may ask the engine for that combined gradient directly (one backward pass) on steps it does
   * not log; null for combiners that need both gradients every step.
   */
  readonly linearWeight: number | null;
  /**
   * True when loss2 is ascended at every step whatever the logged weight says (constraint's ε
   * form logs λ, the weight of loss1); otherwise loss2 is ascended exactly when the weight is > 0.
   */
  readonly ascendsLoss2Always?: boolean;
  /** Writes the update direction into `out` and returns the weight it gave loss2 this step. */
  combine(ev: Evaluation, out: Float64Array): number;
}

/**
 * Why `settings` cannot train an experiment with (or without) adversary parameters, or null.
 * Only `reversal` trains an adversary to minimize loss2; any other combiner would push it up its
 * own loss like every other parameter.
 */
export function checkAdversary(name: CombinerName, hasAdversary: boolean): string | null {
  if (name === 'reversal' && !hasAdversary) {
    return "combine reversal needs an experiment that declares adversary parameters (a module's `adversary: ['head.weight', …]`)";
  }
  if (name !== 'reversal' && hasAdversary) {
    return `the experiment declares adversary parameters, which only combine reversal trains (to minimize loss2); ${name} would make them maximize it — use --combine reversal`;
  }
  return null;
}

/** `adversary`: 1 at the parameters of the experiment's adversary (see checkAdversary). */
export function createCombiner(settings: CombineSettings, alpha: number, adversary: Uint8Array | null = null): Combiner {
  const problem = checkAdversary(settings.name, adversary !== null);
  if (problem) throw new Error(problem);
  switch (settings.name) {
    case 'fixed':
      return new FixedCombiner(alpha);
    case 'normalized':
      return new NormalizedCombiner(alpha, settings.beta);
    case 'pcgrad':
      return new PCGradCombiner(alpha);
    case 'mgda':
      return new MgdaCombiner(alpha);
    case 'constraint':
      return new ConstraintCombiner(alpha, settings);
    case 'reversal':
      return new ReversalCombiner(alpha, adversary!);
  }
}

/** `fixed`: descend on loss1 − α·loss2, i.e. direction = ∇loss1 − α∇loss2. */
class FixedCombiner implements Combiner {
  readonly linearWeight: number;
  constructor(private readonly alpha: number) {
    this.linearWeight = alpha;
  }
  combine(ev: Evaluation, out: Float64Array): number {
    return writeDirection(ev, 1, this.alpha, out);
  }
}

/**
 * `normalized`: direction = ∇loss1/n̂1 − α·∇loss2/n̂2, where n̂k is a running (bias-corrected
 * exponential moving) average of ‖∇lossk‖ with decay `beta` — a running estimate, so one noisy
 * step does not flip the balance. α is then the relative weight of the two *directions*, whatever
 * the scales of the losses: multiplying loss2 by 1000 leaves the trajectory unchanged. The
 * direction has norm between |1 − α| and 1 + α (as the gradients point), so with sgd the learning
 * rate is a step length. An objective whose gradient has been zero so far (n̂ = 0) contributes
 * nothing.
 */
class NormalizedCombiner implements Combiner {
  readonly linearWeight = null;
  private m1 = 0;
  private m2 = 0;
  private decayPower = 1;
  constructor(
    private readonly alpha: number,
    private readonly beta: number,
  ) {}
  combine(ev: Evaluation, out: Float64Array): number {
    const { grad1, grad2 } = ev;
    const b = this.beta;
    this.m1 = b * this.m1 + (1 - b) * norm(grad1);
    this.m2 = b * this.m2 + (1 - b) * norm(grad2);
    this.decayPower *= b;
    const correction = 1 - this.decayPower;
    const n1 = this.m1 / correction;
    const n2 = this.m2 / correction;
    return writeDirection(ev, n1 > 0 ? 1 / n1 : 0, n2 > 0 ? this.alpha / n2 : 0, out);
  }
}

/**
 * `pcgrad` (Yu et al., 2020, for two objectives): d1 = ∇loss1 and d2 = −α∇loss2. When they
 * conflict (d1·d2 < 0), each is projected onto the normal plane of the other — both projections
 * from the original vectors — before they are summed; otherwise direction = d1 + d2 (= `fixed`).
 */
class PCGradCombiner implements Combiner {
  readonly linearWeight = null;
  private readonly gram = new Float64Array(3);
  constructor(private readonly alpha: number) {}
  combine(ev: Evaluation, out: Float64Array): number {
    const alpha = this.alpha;
    const gram = computeGram(ev.grad1, ev.grad2, this.gram);
    const g11 = gram[0]!;
    const g22 = gram[1]!;
    const g12 = gram[2]!;
    // d1·d2 = −α g1·g2; ‖d2‖² = α²‖g2‖².
    const c = -alpha * g12;
    let a = 1; // coefficient of ∇loss1
    let b = alpha; // coefficient of −∇loss2
    if (c < 0) {
      // d1 − (c/‖d2‖²) d2 + d2 − (c/‖d1‖²) d1 = (1 − c/‖d1‖²) d1 + (1 − c/‖d2‖²) d2
      a = 1 - c / g11;
      b = alpha * (1 - c / (alpha * alpha * g22));
    }
    return writeDirection(ev, a, b, out);
  }
}

/**
 * `mgda` (Désidéri 2012; Sener & Koltun 2018, closed form for two objectives): the minimum-norm
 * convex combination γ·d1 + (1 − γ)·d2 of d1 = ∇loss1 and d2 = −α∇loss2, γ ∈ [0, 1]. When a
 * direction improving both objectives exists, this is one; when none does (Pareto-stationary),
 * it is zero and training stops moving. α is the preference weight of loss2 (the objectives are
 * loss1 and α·(−loss2)); like MGDA itself it is scale-sensitive — as α → 0 the small d2 is the
 * minimum-norm point and progress stalls — so α = 0 is taken to mean "loss1 alone" (direction
 * ∇loss1), and `normalized` is the combiner for losses of different scales.
 */
class MgdaCombiner implements Combiner {
  readonly linearWeight = null;
  private readonly gram = new Float64Array(3);
  constructor(private readonly alpha: number) {}
  combine(ev: Evaluation, out: Float64Array): number {
    const alpha = this.alpha;
    if (alpha === 0) {
      out.set(ev.grad1);
      return 0;
    }
    // With d1 = g1, d2 = −α g2: γ* = d2·(d2 − d1) / ‖d1 − d2‖², clipped to [0, 1].
    const gram = computeGram(ev.grad1, ev.grad2, this.gram);
    const g11 = gram[0]!;
    const g22 = gram[1]!;
    const g12 = gram[2]!;
    const d22 = alpha * alpha * g22;
    const d12 = -alpha * g12;
    const diff = g11 - 2 * d12 + d22;
    const gamma = diff > 0 ? Math.min(1, Math.max(0, (d22 - d12) / diff)) : 0.5;
    return writeDirection(ev, gamma, (1 - gamma) * alpha, out);
  }
}

/**
 * `constraint`: a Lagrangian with a multiplier λ ≥ 0 learned by projected dual ascent (its own
 * learning rate `dual_lr`), starting at λ = α.
 * - `tau`: minimize loss1 subject to loss2 ≥ τ. Direction ∇loss1 − λ∇loss2; then
 *   λ ← max(0, λ + dual_lr·(τ − loss2)): λ grows while the constraint is violated, shrinks to 0
 *   once it holds with room to spare.
 * - `epsilon`: maximize loss2 subject to loss1 ≤ ε. Direction λ∇loss1 − ∇loss2; then
 *   λ ← max(0, λ + dual_lr·(loss1 − ε)).
 * With `dual_restarts` (the default), λ is reset to 0 as soon as the constraint holds (Cooper's
 * dual restarts). Without them λ only decays at dual_lr·(slack) per step once the constraint is
 * met, and under Adam — whose steps have the same size whatever λ's — a still-positive λ keeps
 * pushing: on the seed problem (seed 0, 10,000 steps) loss2 overshot τ = 20 and 50 to 32–34 and
 * 85–91 for dual_lr from 1e-2 to 1e-4; with restarts it ended at 20.0 and 50.6.
 * The user sweeps τ (or ε) instead of α; λ is the `weight` logged at every step.
 */
class ConstraintCombiner implements Combiner {
  readonly linearWeight = null;
  private lambda: number;
  private readonly dualLr: number;
  private readonly tau: number | null;
  private readonly epsilon: number | null;
  private readonly restarts: boolean;
  readonly ascendsLoss2Always: boolean;
  constructor(alpha: number, settings: CombineSettings) {
    this.lambda = alpha;
    this.dualLr = settings.dual_lr;
    this.tau = settings.tau;
    this.epsilon = settings.epsilon;
    this.restarts = settings.dual_restarts;
    this.ascendsLoss2Always = settings.epsilon !== null;
    if ((this.tau === null) === (this.epsilon === null)) throw new Error('combine constraint needs exactly one of combine.tau and combine.epsilon');
  }
  combine(ev: Evaluation, out: Float64Array): number {
    const lambda = this.lambda;
    if (this.tau !== null) {
      writeDirection(ev, 1, lambda, out);
      this.lambda = this.restarts && ev.loss2 >= this.tau ? 0 : Math.max(0, lambda + this.dualLr * (this.tau - ev.loss2));
    } else {
      writeDirection(ev, lambda, 1, out);
      this.lambda = this.restarts && ev.loss1 <= this.epsilon! ? 0 : Math.max(0, lambda + this.dualLr * (ev.loss1 - this.epsilon!));
    }
    return lambda;
  }
}

/**
 * `reversal`, for experiments with an adversary (domain-adversarial training, adversarial
 * debiasing): the adversary's parameters descend loss2 — it keeps getting better at its task —
 * while the shared parameters get ∇loss1 − α∇loss2, i.e. they learn to defeat the adversary. This
 * is a gradient-reversal layer (Ganin & Lempitsky, 2015) placed between the shared part and the
 * adversary, without the adversary itself being pushed to fail. ∇loss1 does not move the
 * adversary (in such experiments loss1 does not depend on it).
 */
class ReversalCombiner implements Combiner {
  readonly linearWeight = null;
  constructor(
    private readonly alpha: number,
    private readonly adversary: Uint8Array,
  ) {}
  combine(ev: Evaluation, out: Float64Array): number {
    const { grad1, grad2 } = ev;
    const alpha = this.alpha;
    const adversary = this.adversary;
    for (let i = 0; i < out.length; i++) out[i] = adversary[i] === 1 ? grad2[i]! : grad1[i]! - alpha * grad2[i]!;
    return alpha;
  }
}

/** b/a with 0/0 = 0 and b/0 = Infinity: the weight of −∇loss2 relative to ∇loss1. */
function ratio(b: number, a: number): number {
  if (a !== 0) return b / a;
  return b === 0 ? 0 : Infinity;
}

/** out = a·∇loss1 − b·∇loss2; returns b/a, the weight this direction gives loss2 relative to loss1. */
function writeDirection(ev: Evaluation, a: number, b: number, out: Float64Array): number {
  const { grad1, grad2 } = ev;
  for (let i = 0; i < out.length; i++) out[i] = a * grad1[i]! - b * grad2[i]!;
  return ratio(b, a);
}

/**
 * [‖g1‖², ‖g2‖², g1·g2] in one pass, written into and returned as `out`. A small function of its
 * own (also used by the training loop for its logged rows): it is optimized after a few calls,
 * where the same loop inside train() ran unoptimized until all of train() was — measured, that
 * cost a fresh worker's first runs ~15 ms each.
 */
export function computeGram(g1: Float64Array, g2: Float64Array, out: Float64Array): Float64Array {
  let s11 = 0;
  let s22 = 0;
  let s12 = 0;
  for (let i = 0; i < g1.length; i++) {
    const a = g1[i]!;
    const b = g2[i]!;
    s11 += a * a;
    s22 += b * b;
    s12 += a * b;
  }
  out[0] = s11;
  out[1] = s22;
  out[2] = s12;
  return out;
}

function norm(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}
