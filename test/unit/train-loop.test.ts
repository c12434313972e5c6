import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FusedOracle } from '../../src/engine/fused/fused-oracle.js';
import { SEED_EXPERIMENT } from '../../src/experiment/declarative.js';
import { DEFAULT_COMBINE, DEFAULT_MONITOR, defaultOptimizerSettings } from '../../src/spec/settings.js';
import { DIAGNOSTIC_STEPS, diagnosticStride, train, TrainingFailure, type StepRow, type TrainSettings } from '../../src/train/train-loop.js';
import type { CombinedEvaluation, Evaluation } from '../../src/engine/types.js';

const refDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'torch');

function settings(over: Partial<TrainSettings> = {}): TrainSettings {
  return { alpha: 0.01, steps: 50, log_every: 1, optimizer: defaultOptimizerSettings('adam'), combine: DEFAULT_COMBINE, monitor: DEFAULT_MONITOR, ...over };
}

async function collect(s: TrainSettings, seed = 0) {
  const oracle = new FusedOracle(SEED_EXPERIMENT, seed);
  const rows: StepRow[] = [];
  const outcome = await train(oracle, Float64Array.from(oracle.initial), s, { write: (r) => (rows.push(r), true), drain: async () => {} }, 0);
  return { rows, outcome };
}

describe('train', () => {
  it('logs every k-th step plus the last one, steps counted from 0', async () => {
    const { rows, outcome } = await collect(settings({ steps: 23, log_every: 5 }));
    expect(rows.map((r) => r.step)).toEqual([0, 5, 10, 15, 20, 22]);
    expect(outcome.stepsRun).toBe(23);
    expect(outcome.rowsLogged).toBe(6);
    expect(outcome.last?.step).toBe(22);
  });

  it('row values: total = loss1 − α·loss2, norms non-negative, loss2 = Σθ', async () => {
    const { rows } = await collect(settings({ steps: 3, alpha: 0.5 }));
    const oracle = new FusedOracle(SEED_EXPERIMENT, 0);
    const sum = oracle.initial.reduce((a, b) => a + b, 0);
    expect(rows[0]!.loss2).toBeCloseTo(sum, 12);
    for (const r of rows) {
      expect(r.total).toBeCloseTo(r.loss1 - 0.5 * r.loss2, 12);
      expect(r.grad_norm2).toBeCloseTo(Math.sqrt(81), 12); // ∇Σθ = 1 for each of the 81 parameters
      expect(r.param_norm).toBeGreaterThan(0);
    }
  });

  it('stops at the first step past max_loss on the diverging reference (seed3-sgd-diverges.json) and logs that row', async () => {
    const ref = JSON.parse(readFileSync(join(refDir, 'seed3-sgd-diverges.json'), 'utf8')) as {
      loss1: number[];
      alpha: number;
      steps: number;
      optimizer: { lr: number };
    };
    const expected = ref.loss1.findIndex((v) => Math.abs(v) > DEFAULT_MONITOR.max_loss);
    expect(expected).toBeGreaterThan(0);
    const { rows, outcome } = await collect(
      settings({ steps: ref.steps, alpha: ref.alpha, log_every: 10, optimizer: { ...defaultOptimizerSettings('sgd'), lr: ref.optimizer.lr } }),
      3,
    );
    expect(outcome.divergence?.step).toBe(expected);
    expect(outcome.divergence?.reason).toBe('loss1-threshold');
    expect(outcome.stepsRun).toBe(expected);
    expect(rows.at(-1)!.step).toBe(expected);
    expect(rows.at(-1)!.loss1).toBeCloseTo(ref.loss1[expected]!, -2);
  });

  it('with stop_on_diverge false the run goes on and records the first divergence', async () => {
    const { outcome } = await collect(
      settings({ steps: 60, alpha: 0, optimizer: { ...defaultOptimizerSettings('sgd'), lr: 0.2 }, monitor: { ...DEFAULT_MONITOR, stop_on_diverge: false } }),
      3,
    );
    expect(outcome.stepsRun).toBe(60);
    expect(outcome.divergence?.reason).toBe('loss1-threshold');
  });

  it('a non-finite loss is a divergence with reason non-finite', async () => {
    const { outcome, rows } = await collect(
      settings({
        steps: 2000,
        alpha: 0,
        optimizer: { ...defaultOptimizerSettings('sgd'), lr: 0.2 },
        monitor: { ...DEFAULT_MONITOR, max_loss: Infinity, max_param_norm: Infinity },
      }),
      3,
    );
    expect(outcome.divergence?.reason).toBe('non-finite');
    expect(Number.isFinite(rows.at(-1)!.loss1)).toBe(false);
  });

  it('tracks the minimum loss1, and the window over every step whatever is logged', async () => {
    const oracle = new FusedOracle(SEED_EXPERIMENT, 0);
    const rows: StepRow[] = [];
    const outcome = await train(
      oracle,
      Float64Array.from(oracle.initial),
      settings({ steps: 100, log_every: 7 }),
      { write: (r) => (rows.push(r), true), drain: async () => {} },
      90,
    );
    expect(outcome.window).toMatchObject({ from_step: 90, to_step: 99, steps: 10, rows: 3 }); // rows at 91, 98 and 99
    const logged = Math.min(...rows.map((r) => r.loss1));
    expect(outcome.minLoss1).toBeLessThanOrEqual(logged);
    // The same statistics as the window's ten rows written out in full.
    const full: StepRow[] = [];
    await train(oracle, Float64Array.from(oracle.initial), settings({ steps: 100 }), { write: (r) => (full.push(r), true), drain: async () => {} }, 90);
    const tail = full.filter((r) => r.step >= 90);
    expect(tail).toHaveLength(10);
    const mean = tail.reduce((a, r) => a + r.loss1, 0) / tail.length;
    expect(outcome.window!.loss1_mean).toBeCloseTo(mean, 12);
    expect(outcome.window!.loss1_min).toBe(Math.min(...tail.map((r) => r.loss1)));
    expect(outcome.window!.loss2_last).toBe(tail.at(-1)!.loss2);
  });

  it.each([
    [10_000, 1],
    [19_999, 1],
    [20_000, 2],
    [10_000_000, 1000],
  ])('a run of %i steps measures its diagnostics every %i steps, whatever it logs', (steps, every) => {
    expect(diagnosticStride(steps)).toBe(every);
    expect(Math.ceil(steps / every)).toBeGreaterThanOrEqual(Math.min(steps, DIAGNOSTIC_STEPS));
  });

  it('a throw at a step fails the run with that step and the rows written before it', async () => {
    const oracle = new FusedOracle(SEED_EXPERIMENT, 0);
    const evaluate = oracle.evaluateCombined.bind(oracle);
    oracle.evaluateCombined = (p, a, out, step, per) => {
      if (step === 50) throw new Error('boom in the loss');
      evaluate(p, a, out, step, per);
    };
    const failure = await train(
      oracle,
      Float64Array.from(oracle.initial),
      settings({ steps: 100, log_every: 7 }),
      { write: () => true, drain: async () => {} },
      90,
    ).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TrainingFailure);
    expect(failure).toMatchObject({ step: 50, rowsLogged: 8, message: 'boom in the loss' }); // rows 0, 7, …, 49
    expect((failure as TrainingFailure).cause).toBeInstanceOf(Error);
  });

  it('waits for the sink to drain when it asks to', async () => {
    const oracle = new FusedOracle(SEED_EXPERIMENT, 0);
    let drains = 0;
    await train(oracle, Float64Array.from(oracle.initial), settings({ steps: 10 }), { write: (r) => r.step % 2 === 0, drain: async () => void drains++ }, 0);
    expect(drains).toBe(5);
  });

  it.each([
    ['seed (output loss + parameter loss)', SEED_EXPERIMENT],
    [
      'classifier (two output losses)',
      {
        ...SEED_EXPERIMENT,
        layers: [2, 6, 3],
        activation: 'tanh',
        features: { uniform: [8, 2] },
        labels: [0, 1, 2, 0, 1, 2, 0, 1],
        loss1: 'cross_entropy',
        loss2: 'entropy',
      } as const,
    ],
  ])('the trajectory does not depend on which steps are logged: %s', async (_name, exp) => {
    const run = async (logEvery: number) => {
      const oracle = new FusedOracle(exp, 1);
      const rows: StepRow[] = [];
      await train(
        oracle,
        Float64Array.from(oracle.initial),
        settings({ steps: 400, log_every: logEvery, alpha: 0.3 }),
        { write: (r) => (rows.push(r), true), drain: async () => {} },
        0,
      );
      return rows;
    };
    const every = await run(1);
    const some = await run(7);
    expect(some.map((r) => r.step)).toEqual(Array.from({ length: 58 }, (_, i) => i * 7)); // 399 = 57·7 is the last step
    for (const row of some) expect(row).toEqual(every[row.step]);
  });

  it.each([
    [false, 2],
    [true, 1],
  ])('a diverging step between logged steps is evaluated again only for a stateless engine (bothGradientsEveryStep %s → %i calls)', async (both, calls) => {
    const fused = new FusedOracle(SEED_EXPERIMENT, 3);
    const perStep = new Map<number, number>();
    const oracle = {
      ...fused,
      engine: fused.engine,
      layout: fused.layout,
      initial: fused.initial,
      disconnected: fused.disconnected,
      bothGradientsEveryStep: both,
      evaluate: fused.evaluate.bind(fused),
      evaluateCombined: (p: Float64Array, a: number, out: CombinedEvaluation, step: number, per?: Evaluation) => {
        perStep.set(step, (perStep.get(step) ?? 0) + 1);
        fused.evaluateCombined(p, a, out, step, per);
      },
      dispose: () => fused.dispose(),
    };
    const rows: StepRow[] = [];
    const outcome = await train(
      oracle,
      Float64Array.from(fused.initial),
      // So long a run that the diagnostics too are measured only every 1000th step (it stops at the divergence).
      settings({ steps: 1000 * DIAGNOSTIC_STEPS, alpha: 0, log_every: 1000, optimizer: { ...defaultOptimizerSettings('sgd'), lr: 0.2 } }),
      { write: (r) => (rows.push(r), true), drain: async () => {} },
      0,
    );
    const at = outcome.divergence!.step;
    expect(at % 1000).not.toBe(0);
    expect(perStep.get(at)).toBe(calls);
    expect(rows.at(-1)!.step).toBe(at);
    expect(rows.at(-1)!.grad_norm1).toBeGreaterThan(0);
  });
});
