/**
 * The tfjs engine: gradients against finite differences and against the fused engine for the
 * whole declarative catalog, PyTorch reference trajectories through the real train loop (cpu and
 * wasm backends), divergence, tensor leaks (evaluate, and evaluateCombined with and without the
 * per-objective gradients), disconnected objectives (also in the combined direction), module
 * losses (called once per step with its step, whatever is logged; nested and shared weights; a
 * weight kept from outside the losses), module parameter naming, and that loading tfjs prints
 * nothing. Cross-engine conformance on random networks: engine-conformance.test.ts; kernels per
 * step: tfjs-kernels.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as tfjs from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeclarativeProblem } from '../../src/engine/tfjs/declarative-problem.js';
import { createTfjsOracleForRun } from '../../src/engine/tfjs/index.js';
import { loadTf, type Tf } from '../../src/engine/tfjs/load-tf.js';
import { createModuleProblem } from '../../src/engine/tfjs/module-problem.js';
import { createTfjsOracle } from '../../src/engine/tfjs/tfjs-oracle.js';
import { FusedOracle } from '../../src/engine/fused/fused-oracle.js';
import { createEvaluation, type BackendName, type GradientOracle } from '../../src/engine/types.js';
import { UserError } from '../../src/errors.js';
import type { LayersModelModule } from '../../src/experiment/module-types.js';
import { ACTIVATIONS, LOSSES, SEED_EXPERIMENT, type DeclarativeExperiment } from '../../src/experiment/declarative.js';
import { loadExperimentModule } from '../../src/experiment/load-module.js';
import { fromStateDict, toStateDict, type StateDict } from '../../src/experiment/param-layout.js';
import { TorchGenerator } from '../../src/experiment/torch-rng.js';
import type { RunConfig } from '../../src/spec/types.js';
import { DEFAULT_COMBINE, DEFAULT_MONITOR, defaultOptimizerSettings } from '../../src/spec/settings.js';
import type { MonitorSettings } from '../../src/train/monitor.js';
import type { OptimizerName } from '../../src/train/optimizers.js';
import { train, type StepRow, type TrainOutcome } from '../../src/train/train-loop.js';
import { expectGradientsMatchCentralDifferences, recordingOracle } from '../fixtures/oracle-checks.js';
import { makeRunConfig } from '../fixtures/run-config.js';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const refDir = join(here, 'fixtures', 'torch');
const fixture = (name: string): string => join(here, 'fixtures', 'modules', name);
const example = (name: string): string => join(here, '..', 'experiments', name);

let tf: Tf;
beforeAll(async () => {
  tf = await loadTf('cpu');
});

// ---------------------------------------------------------------------------------------------
// Small random networks covering every activation and loss of the catalog.

const SAMPLES = 5;
const INPUTS = 3;
const OUTPUTS = 3;

function catalogExperiment(activation: (typeof ACTIVATIONS)[number], loss1: (typeof LOSSES)[number], loss2: (typeof LOSSES)[number]): DeclarativeExperiment {
  const gen = new TorchGenerator(123);
  const rows = (n: number, width: number): number[][] =>
    Array.from({ length: n }, () => {
      const row = new Float64Array(width);
      gen.fillUniformFloat32(row, -1, 1);
      return Array.from(row);
    });
  return {
    name: `catalog-${activation}`,
    layers: [INPUTS, 4, OUTPUTS],
    activation,
    // Not PyTorch's 0.01, so a wrong slope would show in the gradients.
    leaky_slope: 0.1,
    features: rows(SAMPLES, INPUTS),
    target: 2,
    targets: rows(SAMPLES, OUTPUTS),
    labels: [0, 2, 1, 1, 0],
    loss1,
    loss2,
  };
}

/** Every (activation, loss) pair once as loss1; loss2 is another catalog loss, so both gradients are covered. */
const CATALOG = ACTIVATIONS.flatMap((activation) => LOSSES.map((loss1, i) => ({ activation, loss1, loss2: LOSSES[(i + 3) % LOSSES.length]! })));

describe('declarative problem gradients', () => {
  // Central differences of the float32 losses with h = 1e-2: rounding noise ≈ ulp(loss)/(2h) and
  // truncation ≈ h²·f'''/6 are both ~1e-5 here. Measured worst |fd − g| / max(1, |g|) over the
  // table: 9.6e-5 (sigmoid, sum_to_target). A wrong sign, transpose or slope gives O(0.1–1).
  const H = 1e-2;
  const FD_TOL = 3e-4;

  it.each(CATALOG)('$activation: ∇$loss1 and ∇$loss2 match central differences', ({ activation, loss1, loss2 }) => {
    const oracle = createTfjsOracle(tf, createDeclarativeProblem(tf, catalogExperiment(activation, loss1, loss2), 7));
    try {
      const p = Float64Array.from(oracle.initial);
      const ev = createEvaluation(p.length);
      const plus = createEvaluation(p.length);
      const minus = createEvaluation(p.length);
      oracle.evaluate(p, ev, 0);
      expect(Number.isFinite(ev.loss1) && Number.isFinite(ev.loss2)).toBe(true);
      let worst = 0;
      for (let k = 0; k < p.length; k++) {
        const q = Float64Array.from(p);
        q[k] = p[k]! + H;
        oracle.evaluate(q, plus, 0);
        q[k] = p[k]! - H;
        oracle.evaluate(q, minus, 0);
        const fd1 = (plus.loss1 - minus.loss1) / (2 * H);
        const fd2 = (plus.loss2 - minus.loss2) / (2 * H);
        worst = Math.max(worst, Math.abs(fd1 - ev.grad1[k]!) / Math.max(1, Math.abs(ev.grad1[k]!)));
        worst = Math.max(worst, Math.abs(fd2 - ev.grad2[k]!) / Math.max(1, Math.abs(ev.grad2[k]!)));
      }
      expect(worst).toBeLessThan(FD_TOL);
      // Guard against a vacuous pass: both gradients actually carry signal.
      expect(Math.max(...ev.grad1.map(Math.abs))).toBeGreaterThan(1e-3);
      expect(Math.max(...ev.grad2.map(Math.abs))).toBeGreaterThan(1e-3);
    } finally {
      oracle.dispose();
    }
  });

  // The fused engine computes the same problem in float64; tfjs differs by float32 rounding only.
  // Measured worst difference over the table (losses and gradients, relative to max(1, |fused|)): 3.4e-7.
  it.each(CATALOG)('$activation/$loss1/$loss2 agrees with the fused engine', ({ activation, loss1, loss2 }) => {
    const exp = catalogExperiment(activation, loss1, loss2);
    const tfjsOracle = createTfjsOracle(tf, createDeclarativeProblem(tf, exp, 11));
    const fused = new FusedOracle(exp, 11);
    try {
      expect(tfjsOracle.layout).toEqual(fused.layout);
      expect(Array.from(tfjsOracle.initial)).toEqual(Array.from(fused.initial));
      const a = createEvaluation(fused.layout.size);
      const b = createEvaluation(fused.layout.size);
      tfjsOracle.evaluate(Float64Array.from(fused.initial), a, 0);
      fused.evaluate(Float64Array.from(fused.initial), b, 0);
      const rel = (x: number, y: number): number => Math.abs(x - y) / Math.max(1, Math.abs(y));
      const TOL = 1e-6;
      expect(rel(a.loss1, b.loss1)).toBeLessThan(TOL);
      expect(rel(a.loss2, b.loss2)).toBeLessThan(TOL);
      for (let k = 0; k < b.grad1.length; k++) {
        expect(rel(a.grad1[k]!, b.grad1[k]!)).toBeLessThan(TOL);
        expect(rel(a.grad2[k]!, b.grad2[k]!)).toBeLessThan(TOL);
      }
    } finally {
      tfjsOracle.dispose();
      fused.dispose();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// PyTorch reference trajectories (float64) of the seed problem.

interface Reference {
  seed: number;
  alpha: number;
  target: number;
  steps: number;
  optimizer: { name: OptimizerName; lr: number };
  init: StateDict;
  features: number[][];
  loss1: number[];
  loss2: number[];
}

const references = readdirSync(refDir)
  .filter((f) => f.endsWith('.json'))
  .map((file) => ({ file, ref: JSON.parse(readFileSync(join(refDir, file), 'utf8')) as Reference }));
const converging = references.filter(({ file }) => !file.includes('diverges'));
const diverging = references.find(({ file }) => file.includes('diverges'))!;

function referenceExperiment(ref: Reference): DeclarativeExperiment {
  return { ...SEED_EXPERIMENT, features: ref.features, target: ref.target };
}

async function runReference(ref: Reference, monitor: MonitorSettings): Promise<{ rows: StepRow[]; outcome: TrainOutcome }> {
  const exp = referenceExperiment(ref);
  const layout = createDeclarativeProblem(tf, exp, ref.seed);
  const parsed = fromStateDict(layout.layout, ref.init);
  layout.dispose();
  if (!('params' in parsed)) throw new Error(parsed.problems.join('; '));
  const oracle = createTfjsOracle(tf, createDeclarativeProblem(tf, exp, ref.seed, parsed.params));
  const rows: StepRow[] = [];
  try {
    const outcome = await train(
      oracle,
      Float64Array.from(oracle.initial),
      {
        alpha: ref.alpha,
        steps: ref.steps,
        log_every: 1,
        // `momentum` in the references is SGD with momentum 0.9; everything else is PyTorch's default but lr.
        optimizer: { ...defaultOptimizerSettings(ref.optimizer.name), lr: ref.optimizer.lr },
        combine: DEFAULT_COMBINE,
        monitor,
      },
      { write: (row) => (rows.push({ ...row }), true), drain: async () => {} },
      ref.steps,
    );
    return { rows, outcome };
  } finally {
    oracle.dispose();
  }
}

/** |a − b| relative to max(|b|, 1): loss2 (a parameter sum) crosses zero, where a pure relative error is meaningless. */
const relErr = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1);

describe.each<BackendName>(['cpu', 'wasm'])('PyTorch reference trajectories on the %s backend', (backend) => {
  beforeAll(async () => {
    tf = await loadTf(backend);
    expect(tf.getBackend()).toBe(backend);
  });
  afterAll(async () => {
    tf = await loadTf('cpu');
  });

  it.each(converging)('seeded init equals PyTorch’s for $file', ({ ref }) => {
    const problem = createDeclarativeProblem(tf, SEED_EXPERIMENT, ref.seed);
    try {
      const parsed = fromStateDict(problem.layout, ref.init);
      if (!('params' in parsed)) throw new Error(parsed.problems.join('; '));
      // PyTorch's init is float32, exactly representable here.
      expect(Array.from(problem.initial)).toEqual(Array.from(parsed.params));
    } finally {
      problem.dispose();
    }
  });

  // Every step of loss1 and loss2. float32 forward/backward against a float64 reference, with the
  // optimizer in float64. Measured worst error over all references: 7.3e-7 (cpu), 1.07e-6 (wasm).
  const TRAJECTORY_TOL = 2e-6;

  it.each(converging)('reproduces $file', async ({ ref }) => {
    const { rows, outcome } = await runReference(ref, DEFAULT_MONITOR);
    expect(outcome.divergence).toBeNull();
    expect(rows).toHaveLength(ref.steps);
    let worst = 0;
    for (const row of rows) {
      expect(row.step).toBe(rows.indexOf(row));
      worst = Math.max(worst, relErr(row.loss1, ref.loss1[row.step]!), relErr(row.loss2, ref.loss2[row.step]!));
    }
    expect(worst).toBeLessThan(TRAJECTORY_TOL);
  });

  it(`stops ${diverging.file} as diverged where PyTorch's losses first pass max_loss`, async () => {
    const { ref } = diverging;
    const max = DEFAULT_MONITOR.max_loss;
    const firstBad = ref.loss1.findIndex(
      (l1, i) => !Number.isFinite(l1) || !Number.isFinite(ref.loss2[i]!) || Math.abs(l1) > max || Math.abs(ref.loss2[i]!) > max,
    );
    expect(firstBad).toBeGreaterThan(0);
    const expectedReason = Math.abs(ref.loss1[firstBad]!) > max ? 'loss1-threshold' : 'loss2-threshold';
    const { rows, outcome } = await runReference(ref, DEFAULT_MONITOR);
    expect(outcome.divergence).toMatchObject({ step: firstBad, reason: expectedReason });
    expect(outcome.divergence!.detail).toContain(`step ${firstBad}`);
    expect(outcome.stepsRun).toBe(firstBad);
    expect(rows.at(-1)!.step).toBe(firstBad);
    for (const row of rows.slice(0, firstBad)) expect(relErr(row.loss1, ref.loss1[row.step]!)).toBeLessThan(TRAJECTORY_TOL);
  });
});

// ---------------------------------------------------------------------------------------------

describe('tensor leaks', () => {
  type Mode = 'evaluate' | 'evaluateCombined' | 'evaluateCombined with perObjective';
  const MODES: Mode[] = ['evaluate', 'evaluateCombined', 'evaluateCombined with perObjective'];

  /** tf.memory().numTensors after the first and after the last of `evaluations` steps, parameters moving. */
  function numTensorsAfter(oracle: GradientOracle, mode: Mode, evaluations: number): [number, number] {
    const params = Float64Array.from(oracle.initial);
    const ev = createEvaluation(params.length);
    const combined = { loss1: NaN, loss2: NaN, direction: new Float64Array(params.length) };
    const step = (i: number): void => {
      if (mode === 'evaluate') oracle.evaluate(params, ev, i);
      else oracle.evaluateCombined(params, 0.5, combined, i, mode === 'evaluateCombined' ? undefined : ev);
    };
    step(0);
    const first = tf.memory().numTensors;
    for (let i = 1; i < evaluations; i++) {
      // Moving parameters, so every step really recomputes.
      params[i % params.length] = params[i % params.length]! + 1e-4;
      step(i);
    }
    return [first, tf.memory().numTensors];
  }

  const problems = [
    { what: 'the declarative seed problem', evaluations: 1000, make: async () => createTfjsOracle(tf, createDeclarativeProblem(tf, SEED_EXPERIMENT, 0)) },
    {
      // Both losses use the output: the combined tape, and the split tape on logged steps.
      what: 'a declarative mse/entropy problem',
      evaluations: 1000,
      make: async () => createTfjsOracle(tf, createDeclarativeProblem(tf, catalogExperiment('tanh', 'mse', 'entropy'), 0)),
    },
    {
      what: 'experiments/seed.ts',
      evaluations: 1000,
      make: async () => createTfjsOracle(tf, createModuleProblem(tf, await loadExperimentModule(example('seed.ts')), 0)),
    },
    {
      what: 'the disconnected fixture (values read from detached tensors)',
      evaluations: 1000,
      make: async () => createTfjsOracle(tf, createModuleProblem(tf, await loadExperimentModule(fixture('detached-loss2.ts')), 0)),
    },
    {
      // Keeps its adversary in `state` across steps; 200 steps are enough to see a per-step leak.
      what: 'experiments/adversarial.ts',
      evaluations: 200,
      make: async () => createTfjsOracle(tf, createModuleProblem(tf, await loadExperimentModule(example('adversarial.ts')), 0)),
    },
  ];

  it.each(problems.flatMap((p) => MODES.map((mode) => ({ ...p, mode }))))(
    '$what, $mode: as many tensors after the last of $evaluations steps as after the first, none after dispose',
    async ({ make, mode, evaluations }) => {
      const before = tf.memory().numTensors;
      const oracle = await make();
      const [first, last] = numTensorsAfter(oracle, mode, evaluations);
      expect(last).toBe(first);
      oracle.dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});

describe('disconnected objectives', () => {
  it('reports loss2 of the seed question’s bug as disconnected, with a zero gradient and its true value', async () => {
    const oracle = createTfjsOracle(tf, createModuleProblem(tf, await loadExperimentModule(fixture('detached-loss2.ts')), 0));
    try {
      const params = Float64Array.from(oracle.initial);
      const ev = createEvaluation(params.length);
      for (let step = 0; step < 3; step++) {
        oracle.evaluate(params, ev, 0);
        expect(oracle.disconnected).toEqual(['loss2']);
        expect(ev.grad2.every((g) => g === 0)).toBe(true);
        expect(ev.grad1.some((g) => g !== 0)).toBe(true);
        // loss2 is still the sum of all parameters (float32).
        expect(ev.loss2).toBeCloseTo(
          params.reduce((a, b) => a + b, 0),
          5,
        );
        params[0] = params[0]! + 0.1;
      }
    } finally {
      oracle.dispose();
    }
  });

  it('gives zeros to the weights a connected loss does not use, without calling it disconnected', async () => {
    const oracle = createTfjsOracle(tf, createModuleProblem(tf, await loadExperimentModule(fixture('partly-connected.ts')), 0));
    try {
      const ev = createEvaluation(oracle.layout.size);
      oracle.evaluate(Float64Array.from(oracle.initial), ev, 0);
      expect(oracle.disconnected).toEqual([]);
      for (const e of oracle.layout.entries) {
        const block = ev.grad2.subarray(e.offset, e.offset + e.size);
        // loss2 = Σ (first kernel)²: gradient 2·w on that kernel, 0 elsewhere.
        if (e.name === '0.weight') block.forEach((g, j) => expect(g).toBeCloseTo(2 * oracle.initial[e.offset + j]!, 5));
        else expect(block.every((g) => g === 0)).toBe(true);
      }
    } finally {
      oracle.dispose();
    }
  });

  // The direction is ∇loss1 − α∇loss2 with the disconnected gradient taken as zero, on logged and
  // unlogged steps alike.
  it.each([
    { what: 'loss2 (the seed question’s bug)', module: async () => loadExperimentModule(fixture('detached-loss2.ts')), cut: 'loss2' as const },
    { what: 'loss1 (a value rebuilt from detached numbers)', module: async () => detachedLoss1Module(), cut: 'loss1' as const },
  ])('the combined direction with a disconnected $what is the other objective’s term alone', async ({ module, cut }) => {
    const oracle = createTfjsOracle(tf, createModuleProblem(tf, await module(), 0));
    try {
      const params = Float64Array.from(oracle.initial);
      const n = params.length;
      const ev = createEvaluation(n);
      const per = createEvaluation(n);
      const plain = { loss1: NaN, loss2: NaN, direction: new Float64Array(n) };
      const logged = { loss1: NaN, loss2: NaN, direction: new Float64Array(n) };
      const alpha = 0.7;
      for (let step = 0; step < 3; step++) {
        oracle.evaluate(params, ev, step);
        oracle.evaluateCombined(params, alpha, plain, step);
        oracle.evaluateCombined(params, alpha, logged, step, per);
        expect(oracle.disconnected).toEqual([cut]);
        const expected = cut === 'loss2' ? ev.grad1 : ev.grad2.map((g) => -alpha * g);
        expect(Array.from(plain.direction)).toEqual(Array.from(expected));
        expect(Array.from(logged.direction)).toEqual(Array.from(expected));
        expect(expected.some((g) => g !== 0)).toBe(true);
        expect((cut === 'loss2' ? per.grad2 : per.grad1).every((g) => g === 0)).toBe(true);
        expect([plain.loss1, plain.loss2]).toEqual([ev.loss1, ev.loss2]);
        params[0] = params[0]! + 0.1;
      }
    } finally {
      oracle.dispose();
    }
  });
});

/** Dense 2 → 2 (tanh) → 1; loss1 = mean(out²), loss2 = Σ (first kernel)². Calls are logged with their step. */
function loggingModule(calls: { loss: 'loss1' | 'loss2'; step: number }[]): LayersModelModule {
  return {
    model: ({ tf, seed }) =>
      tf.sequential({
        layers: [
          tf.layers.dense({ units: 2, inputShape: [2], activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
          tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
        ],
      }),
    data: ({ tf }) => ({
      x: tf.tensor2d([
        [0.1, 0.2],
        [0.5, -0.3],
      ]),
    }),
    loss1: ({ tf, model, data, step }) => {
      calls.push({ loss: 'loss1', step });
      return tf.mean(tf.square(model.apply(data['x']!) as tfjs.Tensor)) as tfjs.Scalar;
    },
    loss2: ({ tf, model, step }) => {
      calls.push({ loss: 'loss2', step });
      return tf.sum(tf.square(model.layers[0]!.trainableWeights[0]!.read())) as tfjs.Scalar;
    },
  };
}

/** loss1 rebuilt from the output's numbers (no gradient path); loss2 = Σ every weight. */
function detachedLoss1Module(): LayersModelModule {
  return {
    model: ({ tf, seed }) =>
      tf.sequential({
        layers: [tf.layers.dense({ units: 2, inputShape: [1], kernelInitializer: tf.initializers.randomUniform({ minval: -1, maxval: 1, seed }) })],
      }),
    data: ({ tf }) => ({ x: tf.tensor2d([[0.1], [0.5]]) }),
    loss1: ({ tf, model, data }) => tf.scalar((model.apply(data['x']!) as tfjs.Tensor).sum().dataSync()[0]!),
    loss2: ({ tf, model }) => tf.addN(model.trainableWeights.map((w) => tf.sum(w.read()))) as tfjs.Scalar,
  };
}

/**
 * The same Dense layer applied twice (a shared weight), after a LayerNormalization: one weight,
 * read through two calls. loss1 = Σ out², loss2 = Σ tanh(every weight).
 */
function sharedLayerModule(): LayersModelModule {
  return {
    model: ({ tf, seed }) => {
      const input = tf.input({ shape: [3] });
      const shared = tf.layers.dense({ units: 3, activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed }) });
      const normed = tf.layers.layerNormalization().apply(input) as tfjs.SymbolicTensor;
      const twice = shared.apply(shared.apply(normed)) as tfjs.SymbolicTensor;
      // Every initializer seeded: an unseeded one draws from Math.random and made this test flaky
      // (its worst central difference sat right at the tolerance for some draws).
      const head = tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) });
      return tf.model({ inputs: input, outputs: head.apply(twice) as tfjs.SymbolicTensor });
    },
    data: ({ tf }) => ({
      x: tf.tensor2d([
        [1, -2, 0.5],
        [0.3, 0.1, -1],
      ]),
    }),
    loss1: ({ tf, model, data }) => tf.sum(tf.square(model.apply(data['x']!) as tfjs.Tensor)) as tfjs.Scalar,
    loss2: ({ tf, model }) => tf.addN(model.trainableWeights.map((w) => tf.sum(tf.tanh(w.read())))) as tfjs.Scalar,
  };
}

describe('module losses', () => {
  it('calls each loss once per step, with the step given, whether or not the per-objective gradients are asked for', async () => {
    const calls: { loss: 'loss1' | 'loss2'; step: number }[] = [];
    const oracle = createTfjsOracle(tf, createModuleProblem(tf, loggingModule(calls), 0));
    try {
      const params = Float64Array.from(oracle.initial);
      const ev = createEvaluation(params.length);
      const combined = { loss1: NaN, loss2: NaN, direction: new Float64Array(params.length) };
      oracle.evaluate(params, ev, 4);
      oracle.evaluateCombined(params, 0.3, combined, 7);
      oracle.evaluateCombined(params, 0.3, combined, 9, ev);
      expect(calls).toEqual([
        { loss: 'loss1', step: 4 },
        { loss: 'loss2', step: 4 },
        { loss: 'loss1', step: 7 },
        { loss: 'loss2', step: 7 },
        { loss: 'loss1', step: 9 },
        { loss: 'loss2', step: 9 },
      ]);
    } finally {
      oracle.dispose();
    }
  });

  it('gives the direction ∇loss1 − α∇loss2 bit for bit alike with and without per-objective gradients', async () => {
    const oracle = createTfjsOracle(tf, createModuleProblem(tf, await loadExperimentModule(example('seed.ts')), 2));
    try {
      const params = Float64Array.from(oracle.initial);
      const n = params.length;
      const ev = createEvaluation(n);
      const per = createEvaluation(n);
      const plain = { loss1: NaN, loss2: NaN, direction: new Float64Array(n) };
      const logged = { loss1: NaN, loss2: NaN, direction: new Float64Array(n) };
      for (const alpha of [0, 0.1, 3]) {
        oracle.evaluate(params, ev, 0);
        oracle.evaluateCombined(params, alpha, plain, 0);
        oracle.evaluateCombined(params, alpha, logged, 0, per);
        expect(Array.from(logged.direction)).toEqual(Array.from(plain.direction));
        expect(Array.from(plain.direction)).toEqual(Array.from(ev.grad1, (g, i) => g - alpha * ev.grad2[i]!));
        expect([per.loss1, per.loss2, Array.from(per.grad1), Array.from(per.grad2)]).toEqual([ev.loss1, ev.loss2, Array.from(ev.grad1), Array.from(ev.grad2)]);
      }
    } finally {
      oracle.dispose();
    }
  });

  // Central differences of float32 losses, h = 1e-2 (see the catalog test above for the error budget).
  it.each([
    { what: 'nested.mts (a nested Sequential after a LayerNormalization)', module: async () => loadExperimentModule(fixture('nested.mts')) },
    { what: 'a Dense layer applied twice (one shared weight)', module: async () => sharedLayerModule() },
  ])('$what: gradients match central differences', async ({ module }) => {
    const oracle = createTfjsOracle(tf, createModuleProblem(tf, await module(), 3));
    try {
      expectGradientsMatchCentralDifferences(oracle);
    } finally {
      oracle.dispose();
    }
  });

  it('names the shared weight once: one parameter block for both uses', async () => {
    const problem = createModuleProblem(tf, sharedLayerModule(), 0);
    expect(problem.layout.entries.map((e) => e.name)).toEqual(['1.gamma', '1.beta', '2.weight', '2.bias', '3.weight', '3.bias']);
    problem.dispose();
  });

  it('a weight kept from outside the losses (frozen at its initial value, no gradient) is a one-line UserError', async () => {
    let kernel: tfjs.Tensor | null = null;
    const base = loggingModule([]);
    const mod: LayersModelModule = {
      ...base,
      model: (args) => {
        const model = base.model(args);
        kernel = model.trainableWeights[0]!.read();
        return model;
      },
      loss2: ({ tf }) => tf.sum(tf.square(kernel!)) as tfjs.Scalar,
    };
    const oracle = createTfjsOracle(tf, createModuleProblem(tf, mod, 0));
    try {
      const err = ((): unknown => {
        try {
          oracle.evaluate(Float64Array.from(oracle.initial), createEvaluation(oracle.layout.size), 0);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(
        /^loss2 uses weight 0\.weight read outside the loss \(kept from model\(\) or data\(\)\), which never changes; read weights inside the loss/,
      );
      expect((err as Error).message).not.toContain('\n');
    } finally {
      oracle.dispose();
    }
  });

  it('outside a loss the model reads its own variables again', async () => {
    let model: tfjs.LayersModel | null = null;
    const base = loggingModule([]);
    const mod: LayersModelModule = { ...base, model: (args) => (model = base.model(args)) };
    const oracle = createTfjsOracle(tf, createModuleProblem(tf, mod, 0));
    try {
      const ev = createEvaluation(oracle.layout.size);
      oracle.evaluate(
        Float64Array.from(oracle.initial, (v) => v + 1),
        ev,
        0,
      );
      const weight = model!.trainableWeights[0]!;
      expect(weight.read()).toBeInstanceOf(tf.Variable);
      // The variables keep the model's own initial values: the oracle never writes into them.
      expect(Array.from(weight.read().dataSync())).toEqual(Array.from(oracle.initial.subarray(0, weight.read().size), (v) => Math.fround(v)));
    } finally {
      oracle.dispose();
    }
  });

  // experiments/adversarial.ts fits its adversary inside loss2: calling a loss once more on logged
  // steps would move the adversary, and the trajectory with it.
  it('a stateful module follows the same trajectory whatever --log-every is', async () => {
    const mod = await loadExperimentModule(example('adversarial.ts'));
    const losses = async (logEvery: number): Promise<number[][]> => {
      const seen: number[][] = [];
      const oracle = recordingOracle(createTfjsOracle(tf, createModuleProblem(tf, mod, 0)), (step, out) => seen.push([step, out.loss1, out.loss2]));
      try {
        await train(
          oracle,
          Float64Array.from(oracle.initial),
          {
            alpha: 1,
            steps: 40,
            log_every: logEvery,
            optimizer: { ...defaultOptimizerSettings('adam'), lr: 1e-2 },
            combine: DEFAULT_COMBINE,
            monitor: DEFAULT_MONITOR,
          },
          { write: () => true, drain: async () => {} },
          40,
        );
      } finally {
        oracle.dispose();
      }
      return seen;
    };
    const everyStep = await losses(1);
    const rarely = await losses(1000);
    expect(everyStep).toHaveLength(40);
    expect(rarely).toEqual(everyStep);
    // The adversary does move the losses: the trajectory is not trivially constant.
    expect(new Set(everyStep.map((r) => r[2])).size).toBeGreaterThan(30);
  });
});

describe('module problems', () => {
  it('names weights like nn.Sequential (stable across models in one process) and stores Dense kernels transposed', async () => {
    const mod = (await loadExperimentModule(example('seed-layers.ts'))) as LayersModelModule;
    // tfjs's own names differ between two models built alike (global layer counters)…
    const [m1, m2] = [mod.model({ tf, seed: 0 }), mod.model({ tf, seed: 0 })];
    expect(m1.trainableWeights[0]!.name).not.toBe(m2.trainableWeights[0]!.name);
    m1.dispose();
    m2.dispose();
    const a = createModuleProblem(tf, mod, 0);
    const b = createModuleProblem(tf, mod, 0);
    try {
      // …mo-train's do not.
      expect(b.layout).toEqual(a.layout);
      expect(a.layout.entries.map((e) => [e.name, e.shape, e.transposed])).toEqual([
        ['0.weight', [5, 1], true],
        ['0.bias', [5], false],
        ['1.weight', [10, 5], true],
        ['1.bias', [10], false],
        ['2.weight', [1, 10], true],
        ['2.bias', [1], false],
      ]);
      // Same seed, same draw.
      expect(Array.from(b.initial)).toEqual(Array.from(a.initial));
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  // The declarative seed problem, given the module's features and the module's parameters: the
  // same problem, so the same losses and gradients (float32 tolerance). The functional module
  // has the declarative layout itself; the LayersModel one is matched through state_dicts
  // (`<i>.weight` of the Sequential is `fc<i+1>.weight`, its kernels stored transposed).
  it.each([
    { file: 'seed.ts', toFc: (name: string) => name, toModule: (name: string) => name },
    {
      file: 'seed-layers.ts',
      toFc: (name: string) => name.replace(/^(\d+)\./, (_m, i: string) => `fc${Number(i) + 1}.`),
      toModule: (name: string) => name.replace(/^fc(\d+)\./, (_m, i: string) => `${Number(i) - 1}.`),
    },
  ])('experiments/$file computes the same losses and gradients as the declarative seed problem at the same parameters', async ({ file, toFc, toModule }) => {
    const mod = await loadExperimentModule(example(file));
    const moduleOracle = createTfjsOracle(tf, createModuleProblem(tf, mod, 3));
    // The module's features, so both problems see the same data.
    const features = mod.data({ tf, seed: 3 })['features']!;
    const exp: DeclarativeExperiment = { ...SEED_EXPERIMENT, features: features.arraySync() as number[][] };
    features.dispose();
    const declarative = createTfjsOracle(tf, createDeclarativeProblem(tf, exp, 0));
    const rename = (dict: StateDict, to: (name: string) => string): StateDict => Object.fromEntries(Object.entries(dict).map(([k, v]) => [to(k), v]));
    try {
      if (file === 'seed.ts') expect(moduleOracle.layout).toEqual(declarative.layout);
      const parsed = fromStateDict(declarative.layout, rename(toStateDict(moduleOracle.layout, moduleOracle.initial), toFc));
      if (!('params' in parsed)) throw new Error(parsed.problems.join('; '));
      const a = createEvaluation(moduleOracle.layout.size);
      const b = createEvaluation(declarative.layout.size);
      moduleOracle.evaluate(Float64Array.from(moduleOracle.initial), a, 0);
      declarative.evaluate(parsed.params, b, 0);
      expect(a.loss1).toBeCloseTo(b.loss1, 4);
      expect(a.loss2).toBeCloseTo(b.loss2, 5);
      for (const [mine, theirs] of [
        [a.grad1, b.grad1],
        [a.grad2, b.grad2],
      ] as const) {
        const back = fromStateDict(moduleOracle.layout, rename(toStateDict(declarative.layout, theirs), toModule));
        if (!('params' in back)) throw new Error(back.problems.join('; '));
        back.params.forEach((g, k) => expect(mine[k]!).toBeCloseTo(g, 4));
      }
      expect(a.grad1.some((g) => g !== 0)).toBe(true);
      expect(a.grad2.every((g) => g === 1)).toBe(true);
    } finally {
      moduleOracle.dispose();
      declarative.dispose();
    }
  });

  it('names nested and non-Dense weights by index path and short name', async () => {
    const problem = createModuleProblem(tf, await loadExperimentModule(fixture('nested.mts')), 0);
    try {
      expect(problem.layout.entries.map((e) => [e.name, e.shape, e.transposed])).toEqual([
        ['1.gamma', [4], false],
        ['1.beta', [4], false],
        ['2.0.weight', [3, 4], true],
        ['2.0.bias', [3], false],
        ['2.1.weight', [2, 3], true],
      ]);
    } finally {
      problem.dispose();
    }
  });
});

describe('createTfjsOracleForRun', () => {
  const config = (experiment: RunConfig['experiment'], seed: number): RunConfig => makeRunConfig({ seed, experiment, engine: 'tfjs' });

  it('builds the declarative problem from the run’s seed, and `initial` overrides it', async () => {
    const seeded = await createTfjsOracleForRun(config({ kind: 'declarative', definition: SEED_EXPERIMENT }, 2));
    const fused = new FusedOracle(SEED_EXPERIMENT, 2);
    const given = Float64Array.from(fused.initial, (_v, i) => i / 100);
    const overridden = await createTfjsOracleForRun(config({ kind: 'declarative', definition: SEED_EXPERIMENT }, 2), given);
    try {
      expect(seeded.engine).toBe('tfjs');
      expect(Array.from(seeded.initial)).toEqual(Array.from(fused.initial));
      expect(Array.from(overridden.initial)).toEqual(Array.from(given));
    } finally {
      seeded.dispose();
      overridden.dispose();
    }
  });

  it('loads a module run and starts from `initial` when given', async () => {
    const source = { kind: 'module', path: example('seed.ts'), sha256: 'not-checked-here' } as const;
    const seeded = await createTfjsOracleForRun(config(source, 1));
    const given = Float64Array.from(seeded.initial, (v) => v * 2);
    const overridden = await createTfjsOracleForRun(config(source, 1), given);
    try {
      expect(seeded.layout.entries[0]!.name).toBe('fc1.weight');
      expect(Array.from(overridden.initial)).toEqual(Array.from(given));
      const a = createEvaluation(given.length);
      const b = createEvaluation(given.length);
      seeded.evaluate(given, a, 0);
      overridden.evaluate(given, b, 0);
      expect(b.loss1).toBe(a.loss1);
      expect(b.loss2).toBeCloseTo(
        given.reduce((s, v) => s + v, 0),
        4,
      );
    } finally {
      seeded.dispose();
      overridden.dispose();
    }
  });
});

describe('loadTf', () => {
  const hasTfjsNode = ((): boolean => {
    try {
      createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(hasTfjsNode)('--backend tensorflow without @tensorflow/tfjs-node is a one-line UserError', async () => {
    const err = await loadTf('tensorflow').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toMatch(/^--backend tensorflow needs @tensorflow\/tfjs-node, which is not installed \(.+\); use --backend cpu or wasm$/);
    // The failed attempt leaves the current backend usable.
    await loadTf('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it.each<BackendName>(['cpu', 'wasm'])('prints nothing on stdout or stderr with the %s backend, from any working directory', (backend) => {
    const script = fixture('print-nothing.ts');
    // tsx by absolute URL: from cwd / a bare `--import tsx` would not resolve.
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const result = spawnSync(process.execPath, ['--import', tsx, script, backend], {
      // A cwd outside the repository: the wasm binaries must be found from the package, not the cwd.
      cwd: '/',
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
      timeout: 60_000,
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });
});
