/**
 * Combiners: each against its formula on hand-computed 2-D/3-D gradient pairs (conflicting,
 * aligned, orthogonal, one zero), then the properties they are for, on the seed problem.
 */
import { describe, expect, it } from 'vitest';
import { FusedOracle } from '../../src/engine/fused/fused-oracle.js';
import type { CombinedEvaluation, Evaluation, GradientOracle } from '../../src/engine/types.js';
import { SEED_EXPERIMENT } from '../../src/experiment/declarative.js';
import { computeDiagnostics } from '../../src/summary/diagnostics.js';
import { DEFAULT_COMBINE, DEFAULT_MONITOR, defaultOptimizerSettings } from '../../src/spec/settings.js';
import { createCombiner, type CombineSettings, type CombinerName } from '../../src/train/combiner.js';
import { StrideSample } from '../../src/train/stride-sample.js';
import { train, type StepRow, type TrainSettings } from '../../src/train/train-loop.js';

function ev(g1: number[], g2: number[], loss1 = 1, loss2 = 1): Evaluation {
  return { loss1, loss2, grad1: Float64Array.from(g1), grad2: Float64Array.from(g2) };
}

function combineOnce(name: CombinerName, alpha: number, e: Evaluation, over: Partial<CombineSettings> = {}) {
  const c = createCombiner({ ...DEFAULT_COMBINE, ...over, name }, alpha);
  const out = new Float64Array(e.grad1.length);
  const weight = c.combine(e, out);
  return { dir: Array.from(out), weight };
}

const close = (actual: number[], expected: number[]) => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
};
const dot = (u: number[], v: number[]) => u.reduce((s, x, i) => s + x * v[i]!, 0);

describe('fixed', () => {
  it('∇1 − α∇2, weight α; the training loop may ask the engine for it directly', () => {
    const { dir, weight } = combineOnce('fixed', 0.5, ev([1, 0], [0, 1]));
    close(dir, [1, -0.5]);
    expect(weight).toBe(0.5);
    expect(createCombiner(DEFAULT_COMBINE, 0.5).linearWeight).toBe(0.5);
  });
});

describe('normalized', () => {
  it('each gradient scaled to unit norm before α weighs them; weight = α‖∇1‖/‖∇2‖', () => {
    const { dir, weight } = combineOnce('normalized', 0.5, ev([3, 4], [0, 2]));
    close(dir, [0.6, 0.8 - 0.5]);
    expect(weight).toBeCloseTo(0.5 * (5 / 2), 12);
    expect(createCombiner({ ...DEFAULT_COMBINE, name: 'normalized' }, 0.5).linearWeight).toBeNull();
  });

  it('the same direction whatever the scale of either loss', () => {
    const a = combineOnce('normalized', 0.3, ev([1, 2, -1], [0.5, -1, 2]));
    const b = combineOnce('normalized', 0.3, ev([1e-3, 2e-3, -1e-3], [500, -1000, 2000]));
    close(b.dir, a.dir);
  });

  it('uses a running estimate: one step with a 10× gradient moves the norm estimate only part way', () => {
    const c = createCombiner({ ...DEFAULT_COMBINE, name: 'normalized', beta: 0.9 }, 1);
    const out = new Float64Array(2);
    c.combine(ev([3, 4], [0, 1]), out); // ‖∇1‖ = 5
    c.combine(ev([30, 40], [0, 1]), out); // ‖∇1‖ = 50 on one step
    // EMA 0.9·0.5 + 0.1·50 = 5.45, bias-corrected by 1 − 0.9² = 0.19 → 28.68…, not 50.
    const n1 = (0.9 * 0.5 + 0.1 * 50) / (1 - 0.81);
    close(Array.from(out), [30 / n1, 40 / n1 - 1]);
  });

  it('a gradient that has been zero so far contributes nothing (no division by zero)', () => {
    const { dir, weight } = combineOnce('normalized', 1, ev([0, 2], [0, 0]));
    close(dir, [0, 1]);
    expect(weight).toBe(0);
  });
});

describe('pcgrad', () => {
  it('conflicting: each projected onto the normal plane of the other, then summed', () => {
    // d1 = (1,0), d2 = −(1,1); d1·d2 = −1. d1' = d1 + ½d2 = (½,−½); d2' = d2 + d1 = (0,−1).
    const { dir, weight } = combineOnce('pcgrad', 1, ev([1, 0], [1, 1]));
    close(dir, [0.5, -1.5]);
    expect(weight).toBeCloseTo(1.5 / 2, 12);
    // The result no longer opposes either objective.
    expect(dot(dir, [1, 0])).toBeGreaterThanOrEqual(0);
    expect(dot(dir, [-1, -1])).toBeGreaterThanOrEqual(0);
  });

  it('in 3-D with α ≠ 1: matches the two projections computed directly', () => {
    const g1 = [1, -2, 0.5];
    const g2 = [2, -1, 1];
    const alpha = 0.7;
    const d1 = g1;
    const d2 = g2.map((x) => -alpha * x);
    const c = dot(d1, d2);
    expect(c).toBeLessThan(0);
    const p1 = d1.map((x, i) => x - (c / dot(d2, d2)) * d2[i]!);
    const p2 = d2.map((x, i) => x - (c / dot(d1, d1)) * d1[i]!);
    close(
      combineOnce('pcgrad', alpha, ev(g1, g2)).dir,
      p1.map((x, i) => x + p2[i]!),
    );
  });

  it('aligned or orthogonal or one zero: the plain sum, like fixed', () => {
    close(combineOnce('pcgrad', 1, ev([1, 0], [-1, 0])).dir, [2, 0]);
    close(combineOnce('pcgrad', 2, ev([1, 0], [0, 1])).dir, [1, -2]);
    close(combineOnce('pcgrad', 2, ev([1, 3], [0, 0])).dir, [1, 3]);
    expect(combineOnce('pcgrad', 2, ev([1, 3], [0, 0])).weight).toBe(2);
  });
});

describe('mgda', () => {
  it('orthogonal: the min-norm point of the segment between d1 and d2 is its midpoint', () => {
    const { dir, weight } = combineOnce('mgda', 1, ev([1, 0], [0, 1]));
    close(dir, [0.5, -0.5]);
    expect(weight).toBeCloseTo(1, 12);
  });

  it('directly opposed: zero — no direction improves both (Pareto-stationary)', () => {
    close(combineOnce('mgda', 1, ev([1, 0], [1, 0])).dir, [0, 0]);
  });

  it('when one direction already improves both, it is chosen (γ clipped to [0, 1])', () => {
    // d1 = (1,0), d2 = (2,0): the min-norm point is d1.
    const { dir, weight } = combineOnce('mgda', 1, ev([1, 0], [-2, 0]));
    close(dir, [1, 0]);
    expect(weight).toBe(0);
  });

  it('in 3-D: no convex combination of d1 and d2 is shorter', () => {
    const g1 = [0.3, -1, 2];
    const g2 = [1, 0.5, 1.5];
    const alpha = 0.6;
    const { dir } = combineOnce('mgda', alpha, ev(g1, g2));
    const norm = Math.hypot(...dir);
    for (let k = 0; k <= 100; k++) {
      const t = k / 100;
      const v = g1.map((x, i) => t * x - (1 - t) * alpha * g2[i]!);
      expect(norm).toBeLessThanOrEqual(Math.hypot(...v) + 1e-12);
    }
  });

  it('α = 0 is loss1 alone', () => {
    close(combineOnce('mgda', 0, ev([1, 2], [5, 5])).dir, [1, 2]);
  });
});

describe('constraint', () => {
  it('loss2 ≥ τ: direction ∇1 − λ∇2 with λ starting at α, then projected dual ascent on the violation', () => {
    const c = createCombiner({ ...DEFAULT_COMBINE, name: 'constraint', tau: 1, dual_lr: 0.5, dual_restarts: false }, 0.2);
    const out = new Float64Array(2);
    expect(c.combine(ev([1, 0], [0, 1], 3, 0), out)).toBeCloseTo(0.2, 12); // violated by 1
    close(Array.from(out), [1, -0.2]);
    expect(c.combine(ev([1, 0], [0, 1], 3, 0), out)).toBeCloseTo(0.7, 12); // λ = 0.2 + 0.5·1
    close(Array.from(out), [1, -0.7]);
    expect(c.combine(ev([1, 0], [0, 1], 3, 4), out)).toBeCloseTo(1.2, 12); // λ = 0.7 + 0.5·1
    expect(c.combine(ev([1, 0], [0, 1], 3, 4), out)).toBe(0); // λ = max(0, 1.2 − 0.5·3)
  });

  it('with dual restarts (the default) λ drops to 0 as soon as the constraint holds', () => {
    const c = createCombiner({ ...DEFAULT_COMBINE, name: 'constraint', tau: 1, dual_lr: 0.5 }, 0.2);
    const out = new Float64Array(2);
    c.combine(ev([1, 0], [0, 1], 3, 0), out);
    expect(c.combine(ev([1, 0], [0, 1], 3, 1.5), out)).toBeCloseTo(0.7, 12);
    expect(c.combine(ev([1, 0], [0, 1], 3, 1.5), out)).toBe(0);
  });

  it('loss1 ≤ ε: direction λ∇1 − ∇2, λ grows while loss1 exceeds ε', () => {
    const c = createCombiner({ ...DEFAULT_COMBINE, name: 'constraint', epsilon: 0.5, dual_lr: 0.1 }, 1);
    const out = new Float64Array(2);
    expect(c.combine(ev([2, 0], [0, 1], 1.5, 0), out)).toBe(1);
    close(Array.from(out), [2, -1]);
    expect(c.combine(ev([2, 0], [0, 1], 1.5, 0), out)).toBeCloseTo(1.1, 12);
    close(Array.from(out), [2.2, -1]);
  });
});

describe('reversal', () => {
  it('adversary parameters descend loss2; the shared ones get ∇1 − α∇2', () => {
    const c = createCombiner({ ...DEFAULT_COMBINE, name: 'reversal' }, 0.5, Uint8Array.from([0, 0, 1]));
    const out = new Float64Array(3);
    expect(c.combine(ev([1, 2, 0], [4, -2, 3]), out)).toBe(0.5);
    close(Array.from(out), [1 - 2, 2 + 1, 3]);
  });

  it('needs adversary parameters, and is the only combiner that accepts them', () => {
    expect(() => createCombiner({ ...DEFAULT_COMBINE, name: 'reversal' }, 1)).toThrow(/needs an experiment that declares adversary parameters/);
    expect(() => createCombiner({ ...DEFAULT_COMBINE, name: 'pcgrad' }, 1, Uint8Array.from([1]))).toThrow(/only combine reversal trains/);
  });
});

describe('StrideSample', () => {
  it('keeps every value while they fit, then evenly spaced ones, never more than its capacity', () => {
    const small = new StrideSample(8);
    for (let i = 0; i < 5; i++) small.push(i);
    expect(Array.from(small.values())).toEqual([0, 1, 2, 3, 4]);
    const long = new StrideSample(8);
    for (let i = 0; i < 1000; i++) long.push(i);
    // 1000 values: the stride doubled to 128 — every 128th value, from the first.
    expect(Array.from(long.values())).toEqual([0, 128, 256, 384, 512, 640, 768, 896]);
  });
});

describe('diagnostics', () => {
  it('conflict fraction from the counts, medians from the samples (non-finite values left out)', () => {
    const d = computeDiagnostics({
      rowsWithCosine: 4,
      conflicts: 2,
      measuredEvery: 1,
      cos12: Float64Array.from([-0.5, 0.2, -0.1, 0.9]),
      weight: Float64Array.from([1, 2, 3, 4, Infinity]),
      weightFinal: Infinity,
    });
    expect(d.rows_with_cosine).toBe(4);
    expect(d.conflict_fraction).toBeCloseTo(0.5, 12);
    expect(d.cos12_median).toBeCloseTo(0.05, 12);
    expect(d.weight_median).toBeCloseTo(2.5, 12);
    expect(d.weight_final).toBe(Infinity);
  });
});

// On the seed problem, with the fused engine.

function settings(over: Partial<TrainSettings>): TrainSettings {
  return { alpha: 0.1, steps: 2000, log_every: 1, optimizer: defaultOptimizerSettings('adam'), combine: DEFAULT_COMBINE, monitor: DEFAULT_MONITOR, ...over };
}

/** The seed experiment with loss2 multiplied by `scale` (and so its gradient). */
class ScaledLoss2 implements GradientOracle {
  readonly engine;
  readonly layout;
  readonly initial;
  readonly disconnected;
  readonly bothGradientsEveryStep = false;
  constructor(
    private readonly inner: GradientOracle,
    private readonly scale: number,
  ) {
    this.engine = inner.engine;
    this.layout = inner.layout;
    this.initial = inner.initial;
    this.disconnected = inner.disconnected;
  }
  evaluate(params: Float64Array, out: Evaluation, step: number): void {
    this.inner.evaluate(params, out, step);
    out.loss2 *= this.scale;
    for (let i = 0; i < out.grad2.length; i++) out.grad2[i]! *= this.scale;
  }
  evaluateCombined(params: Float64Array, alpha: number, out: CombinedEvaluation, step: number, perObjective?: Evaluation): void {
    this.inner.evaluateCombined(params, alpha * this.scale, out, step, perObjective);
    out.loss2 *= this.scale;
    if (perObjective) {
      perObjective.loss2 *= this.scale;
      for (let i = 0; i < perObjective.grad2.length; i++) perObjective.grad2[i]! *= this.scale;
    }
  }
  dispose(): void {}
}

async function run(s: TrainSettings, scale = 1, seed = 0) {
  const oracle = new ScaledLoss2(new FusedOracle(SEED_EXPERIMENT, seed), scale);
  const rows: StepRow[] = [];
  const outcome = await train(oracle, Float64Array.from(oracle.initial), s, { write: (r) => (rows.push(r), true), drain: async () => {} }, 0);
  return { rows, outcome };
}

describe('on the seed problem', () => {
  it('normalized: multiplying loss2 by 1000 leaves the trajectory unchanged, while fixed changes', async () => {
    const s = settings({ combine: { ...DEFAULT_COMBINE, name: 'normalized' }, optimizer: { ...defaultOptimizerSettings('sgd'), lr: 1e-3 } });
    const a = await run(s, 1);
    const b = await run(s, 1000);
    // Identical in exact arithmetic; in floating point the last bits differ and 2000 steps of a
    // chaotic trajectory amplify them, to ~1e-4 relative on loss1 near its minimum and ~5e-7 on loss2.
    const rel = (x: number, y: number) => Math.abs(x - y) / Math.max(Math.abs(y), 1e-12);
    for (let i = 0; i < a.rows.length; i += 50) {
      expect(rel(b.rows[i]!.loss1, a.rows[i]!.loss1)).toBeLessThan(1e-3);
      expect(rel(b.rows[i]!.loss2 / 1000, a.rows[i]!.loss2)).toBeLessThan(1e-5);
    }
    const f = settings({ optimizer: { ...defaultOptimizerSettings('sgd'), lr: 1e-3 } });
    const fa = await run(f, 1);
    const fb = await run(f, 1000);
    expect(Math.abs(fb.rows.at(-1)!.loss2 / 1000 - fa.rows.at(-1)!.loss2)).toBeGreaterThan(1);
  });

  it('constraint: loss2 ends at its threshold τ (τ ≤ loss2 ≤ τ + 1) while loss1 stays low, for several τ', async () => {
    for (const tau of [20, 50, 100]) {
      const { rows } = await run(settings({ alpha: 0, steps: 10_000, log_every: 10, combine: { ...DEFAULT_COMBINE, name: 'constraint', tau } }));
      const last = rows.at(-1)!;
      expect(last.loss2).toBeGreaterThanOrEqual(tau);
      expect(last.loss2).toBeLessThanOrEqual(tau + 1);
      expect(last.loss1).toBeLessThan(1e-2);
    }
  });

  it('the rows carry cos12 (the cosine between the two gradients) and the weight applied; a constraint logs its λ', async () => {
    const { rows, outcome } = await run(settings({ alpha: 0.5, steps: 200, combine: { ...DEFAULT_COMBINE, name: 'constraint', tau: 1e6 } }));
    // Step 0's cosine, computed here from the engine's gradients at the initial parameters.
    const oracle = new FusedOracle(SEED_EXPERIMENT, 0);
    const e: Evaluation = { loss1: NaN, loss2: NaN, grad1: new Float64Array(oracle.layout.size), grad2: new Float64Array(oracle.layout.size) };
    oracle.evaluate(Float64Array.from(oracle.initial), e, 0);
    const g1 = Array.from(e.grad1);
    const g2 = Array.from(e.grad2);
    expect(rows[0]!.cos12).toBeCloseTo(dot(g1, g2) / Math.sqrt(dot(g1, g1) * dot(g2, g2)), 12);
    expect(rows[0]!.weight).toBe(0.5);
    // The constraint is violated throughout: λ grows every step by dual_lr·(τ − loss2).
    expect(rows[1]!.weight).toBeCloseTo(0.5 + 0.01 * (1e6 - rows[0]!.loss2), 6);
    expect(outcome.diagnostics.weight).toHaveLength(200);
    expect(outcome.diagnostics.weightFinal).toBe(rows.at(-1)!.weight);
    expect(outcome.diagnostics.conflicts).toBe(rows.filter((r) => r.cos12 < 0).length);
  });
});
