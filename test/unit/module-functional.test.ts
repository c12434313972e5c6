/**
 * Functional user modules (params() by name, losses on the step's tensors): the layout is the
 * module's names and shapes in its order, gradients through `params` and `flatParams` (alone and
 * mixed) match central differences, each loss is called once per step whatever is logged, the
 * errors a module author can make are one line, and a PyTorch state_dict is a valid `--init` by
 * name: a run of experiments/seed.ts from a reference's init and features is the reference run.
 * Cross-engine conformance of experiments/seed.ts: engine-conformance.test.ts; kernels per step:
 * tfjs-kernels.test.ts; loading and checkModule errors of fixture files: module-load.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as tfjs from '@tensorflow/tfjs';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTf, type Tf } from '../../src/engine/tfjs/load-tf.js';
import { createModuleProblem } from '../../src/engine/tfjs/module-problem.js';
import { createTfjsOracle } from '../../src/engine/tfjs/tfjs-oracle.js';
import { createEvaluation } from '../../src/engine/types.js';
import { UserError } from '../../src/errors.js';
import { loadExperimentModule } from '../../src/experiment/load-module.js';
import { isFunctionalModule, type FunctionalModule } from '../../src/experiment/module-types.js';
import { runFiles } from '../../src/results/layout.js';
import { executeRun } from '../../src/runner/execute-run.js';
import { preflight } from '../../src/runner/preflight.js';
import type { RunConfig } from '../../src/spec/types.js';
import { defaultOptimizerSettings } from '../../src/spec/settings.js';
import { expectGradientsMatchCentralDifferences } from '../fixtures/oracle-checks.js';
import { makeRunConfig } from '../fixtures/run-config.js';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixture = (name: string): string => join(here, 'fixtures', 'modules', name);
const example = (name: string): string => join(here, '..', 'experiments', name);
const referenceFile = join(here, 'fixtures', 'torch', 'seed0-adam-a0.01.json');

let tf: Tf;
beforeAll(async () => {
  tf = await loadTf('cpu');
});

async function functional(path: string): Promise<FunctionalModule> {
  const mod = await loadExperimentModule(path);
  if (!isFunctionalModule(mod)) throw new Error(`${path} is not a functional module`);
  return mod;
}

/** A one-parameter-set module: w [2][3], b [2]; loss1 = Σ (x·wᵀ + b)², loss2 = Σ w (both through `params`). */
function tinyModule(overrides: Partial<FunctionalModule> = {}): FunctionalModule {
  return {
    params: ({ tf, seed }) => ({ w: tf.randomUniform([2, 3], -1, 1, 'float32', seed), b: tf.randomUniform([2], -1, 1, 'float32', seed + 1) }),
    data: ({ tf }) => ({ x: tf.tensor2d([[1, -2, 0.5]]) }),
    loss1: ({ tf, params, data }) => tf.sum(tf.square(tf.add(tf.matMul(data['x']!, params['w']!, false, true), params['b']!))) as tfjs.Scalar,
    loss2: ({ tf, params }) => tf.sum(params['w']!) as tfjs.Scalar,
    ...overrides,
  } as FunctionalModule;
}

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`threw a non-Error: ${String(err)}`, { cause: err });
  }
  throw new Error('expected an error');
}

describe('the layout of a functional module', () => {
  it('is the names and shapes params() returned, in its order, nothing transposed; the initial values are its values', async () => {
    const mod = await functional(fixture('functional.mjs'));
    const problem = createModuleProblem(tf, mod, 4);
    const own = mod.params({ tf, seed: 4 });
    try {
      expect(problem.layout.entries.map((e) => [e.name, e.shape, e.offset, e.transposed])).toEqual([
        ['encoder.weight', [3, 2], 0, false],
        ['encoder.bias', [3], 6, false],
        ['head.weight', [1, 3], 9, false],
      ]);
      expect(problem.layout.size).toBe(12);
      const values = Object.values(own).flatMap((t) => Array.from(t.dataSync()));
      expect(Array.from(problem.initial)).toEqual(values);
    } finally {
      problem.dispose();
      tf.dispose(Object.values(own));
    }
  });

  it('follows the order params() gives, not alphabetical or any other', () => {
    const mod = tinyModule({
      params: ({ tf }) => ({ 'z.last': tf.zeros([1]), 'a.first': tf.ones([2, 2]), 'm.middle': tf.fill([3], 2) }),
      loss1: ({ tf, params }) => tf.sum(params['a.first']!) as tfjs.Scalar,
      loss2: ({ tf, flatParams }) => tf.sum(flatParams) as tfjs.Scalar,
    });
    const problem = createModuleProblem(tf, mod, 0);
    try {
      expect(problem.layout.entries.map((e) => e.name)).toEqual(['z.last', 'a.first', 'm.middle']);
      expect(Array.from(problem.initial)).toEqual([0, 1, 1, 1, 1, 2, 2, 2]);
    } finally {
      problem.dispose();
    }
  });

  it('is the same for every run of a seed, and the seed changes the values', async () => {
    const mod = await functional(example('seed.ts'));
    const [a, b, c] = [createModuleProblem(tf, mod, 5), createModuleProblem(tf, mod, 5), createModuleProblem(tf, mod, 6)];
    try {
      expect(b.layout).toEqual(a.layout);
      expect(Array.from(b.initial)).toEqual(Array.from(a.initial));
      expect(Array.from(c.initial)).not.toEqual(Array.from(a.initial));
    } finally {
      [a, b, c].forEach((p) => p.dispose());
    }
  });
});

describe('gradients of a functional module', () => {
  // Central differences of float32 losses, h = 1e-2 (the error budget of tfjs-oracle.test.ts).
  it.each([
    { what: 'functional.mjs (loss2 mixes params and flatParams: their gradients add up)', module: () => functional(fixture('functional.mjs')) },
    { what: 'experiments/seed.ts (loss2 = Σ flatParams)', module: () => functional(example('seed.ts')) },
  ])('$what: match central differences', async ({ module }) => {
    const oracle = createTfjsOracle(tf, createModuleProblem(tf, await module(), 3));
    try {
      expectGradientsMatchCentralDifferences(oracle);
    } finally {
      oracle.dispose();
    }
  });

  it('∇ of a loss of flatParams reaches every parameter exactly (Σθ²/2 has gradient θ, in float32)', () => {
    const oracle = createTfjsOracle(
      tf,
      createModuleProblem(tf, tinyModule({ loss2: ({ tf, flatParams }) => tf.mul(0.5, tf.sum(tf.square(flatParams))) as tfjs.Scalar }), 1),
    );
    try {
      const p = Float64Array.from(oracle.initial, (v, i) => v + i / 7);
      const ev = createEvaluation(p.length);
      oracle.evaluate(p, ev, 0);
      expect(Array.from(ev.grad2)).toEqual(Array.from(p, (v) => Math.fround(v)));
    } finally {
      oracle.dispose();
    }
  });

  it('reports a loss rebuilt from detached numbers as disconnected: zero gradient, true value, a preflight warning', async () => {
    const path = fixture('functional-detached-loss2.ts');
    const oracle = createTfjsOracle(tf, createModuleProblem(tf, await functional(path), 0));
    try {
      const params = Float64Array.from(oracle.initial);
      const ev = createEvaluation(params.length);
      oracle.evaluate(params, ev, 0);
      expect(oracle.disconnected).toEqual(['loss2']);
      expect(ev.grad2.every((g) => g === 0)).toBe(true);
      expect(ev.grad1.some((g) => g !== 0)).toBe(true);
      expect(ev.loss2).toBeCloseTo(
        params.reduce((a, b) => a + b, 0),
        5,
      );
    } finally {
      oracle.dispose();
    }
    const report = await preflight([runConfig({ kind: 'module', path, sha256: 'not-checked-here' }, 0)]);
    expect(report.warnings).toEqual([expect.stringMatching(/^loss2 of functional-detached-loss2 has no gradient with respect to any parameter/)]);
  });
});

describe('functional module losses', () => {
  it('are called once per step with the step, the parameters by name and flatParams, logged or not; the direction is the same bit for bit', () => {
    const calls: { loss: string; step: number; names: string[]; flat: number[] }[] = [];
    const record =
      (loss: 'loss1' | 'loss2', value: FunctionalModule['loss1']): FunctionalModule['loss1'] =>
      (args) => {
        calls.push({ loss, step: args.step, names: Object.keys(args.params), flat: Array.from(args.flatParams.dataSync()) });
        return value(args);
      };
    const base = tinyModule();
    const oracle = createTfjsOracle(tf, createModuleProblem(tf, { ...base, loss1: record('loss1', base.loss1), loss2: record('loss2', base.loss2) }, 0));
    try {
      expect(oracle.bothGradientsEveryStep).toBe(true);
      const params = Float64Array.from(oracle.initial, (v) => v + 0.25);
      const n = params.length;
      const per = createEvaluation(n);
      const plain = { loss1: NaN, loss2: NaN, direction: new Float64Array(n) };
      const logged = { loss1: NaN, loss2: NaN, direction: new Float64Array(n) };
      oracle.evaluateCombined(params, 0.3, plain, 7);
      oracle.evaluateCombined(params, 0.3, logged, 8, per);
      expect(calls.map((c) => [c.loss, c.step])).toEqual([
        ['loss1', 7],
        ['loss2', 7],
        ['loss1', 8],
        ['loss2', 8],
      ]);
      for (const c of calls) {
        expect(c.names).toEqual(['w', 'b']);
        expect(c.flat).toEqual(Array.from(params, (v) => Math.fround(v)));
      }
      expect(Array.from(logged.direction)).toEqual(Array.from(plain.direction));
      expect(Array.from(plain.direction)).toEqual(Array.from(per.grad1, (g, i) => g - 0.3 * per.grad2[i]!));
    } finally {
      oracle.dispose();
    }
  });

  it.each([
    {
      what: 'params() throws',
      mod: tinyModule({
        params: () => {
          throw new Error('no such layer: fc4');
        },
      }),
      message: 'params() threw: no such layer: fc4',
    },
    {
      what: 'params() returns an empty record',
      mod: tinyModule({ params: () => ({}) }),
      message: 'params() returned an empty record; it must return a record of float32 tensors by name',
    },
    {
      what: 'params() returns null',
      mod: tinyModule({ params: () => null as never }),
      message: 'params() returned null; it must return a record of float32 tensors by name',
    },
    {
      what: 'params() is async',
      mod: tinyModule({ params: (async () => ({})) as never }),
      message: 'params() returned a Promise (it must not be async); it must return a record of float32 tensors by name',
    },
    {
      what: 'a parameter holds no values',
      mod: tinyModule({ params: ({ tf }) => ({ w: tf.zeros([2, 3]), b: tf.zeros([0]) }) }),
      message: 'params() returned "b" with shape [0], which holds no values',
    },
    {
      what: 'data() has a value that is not a tensor (its tensors are freed too)',
      mod: tinyModule({ data: (({ tf }: { tf: Tf }) => ({ x: tf.ones([1, 3]), y: [1, 2] })) as never }),
      message: 'data() returned a record whose "y" is an array; every value must be a tf.Tensor',
    },
    {
      what: 'data() returns an array',
      mod: tinyModule({ data: (() => []) as never }),
      message: 'data() returned an array; it must return a record of tensors',
    },
  ])('$what: a one-line UserError', ({ mod, message }) => {
    const before = tf.memory().numTensors;
    const err = errorOf(() => createModuleProblem(tf, mod, 0));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).not.toContain('\n');
    expect(err.message.startsWith(message)).toBe(true);
    // What the module had made is freed.
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each([
    {
      what: 'a loss that returns a vector',
      mod: tinyModule({ loss1: ({ tf, params }) => tf.mul(params['w']!, 2) as never }),
      message: 'loss1 returned a tensor of shape [2,3]; it must return a scalar (reduce it, e.g. with tf.sum or tf.mean)',
    },
    {
      what: 'a loss that returns a number',
      mod: tinyModule({ loss2: () => 3 as never }),
      message: 'loss2 returned a number; it must return a scalar tf.Tensor',
    },
    {
      what: 'a loss that returns an int32 scalar',
      mod: tinyModule({ loss2: ({ tf }) => tf.scalar(1, 'int32') as never }),
      message: 'loss2 returned an int32 tensor; it must return a float32 scalar',
    },
  ])('$what: a one-line UserError', ({ mod, message }) => {
    const oracle = createTfjsOracle(tf, createModuleProblem(tf, mod, 0));
    try {
      const err = errorOf(() => oracle.evaluate(Float64Array.from(oracle.initial), createEvaluation(oracle.layout.size), 0));
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toBe(message);
    } finally {
      oracle.dispose();
    }
  });

  it('a parameter kept from an earlier step (disposed since) fails with an explanation', () => {
    const mod = tinyModule({
      loss2: ({ tf, params, state }) => {
        // The bug: keeping the step's tensor instead of its values.
        state['previous'] ??= params['w'];
        return tf.sum(tf.mul(params['w']!, state['previous'] as tfjs.Tensor)) as tfjs.Scalar;
      },
    });
    const oracle = createTfjsOracle(tf, createModuleProblem(tf, mod, 0));
    try {
      const params = Float64Array.from(oracle.initial);
      const ev = createEvaluation(params.length);
      oracle.evaluate(params, ev, 0);
      const err = errorOf(() => oracle.evaluate(params, ev, 1));
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).not.toContain('\n');
      expect(err.message).toMatch(/^loss2 threw: .+ \(a disposed tensor: one kept from an earlier step\? the parameters are new tensors every step/);
    } finally {
      oracle.dispose();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// `--init` by name: a PyTorch state_dict dumped to JSON.

function runConfig(experiment: RunConfig['experiment'], seed: number, init: RunConfig['init'] = null, overrides: Partial<RunConfig> = {}): RunConfig {
  return makeRunConfig({ seed, experiment, engine: 'tfjs', init, ...overrides });
}

describe('--init of a functional module by name', () => {
  const work = mkdtempSync(join(tmpdir(), 'mo-train-functional-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const ref = JSON.parse(readFileSync(referenceFile, 'utf8')) as {
    init: Record<string, unknown>;
    alpha: number;
    optimizer: { lr: number };
    steps: number;
    loss1: number[];
    loss2: number[];
  };

  it('a PyTorch reference’s state_dict and features reproduce its run in steps.csv; final-params.json has the same names', async () => {
    // A state_dict in an order of its own: matched by name, not position.
    const init = join(work, 'init.json');
    const names = Object.keys(ref.init);
    writeFileSync(init, JSON.stringify(Object.fromEntries([...names].reverse().map((k) => [k, ref.init[k]]))));
    const config = runConfig(
      { kind: 'module', path: fixture('seed-reference-features.ts'), sha256: 'not-checked-here' },
      9,
      { path: init, sha256: 'not-checked-here' },
      {
        id: 'reference',
        alpha: ref.alpha,
        steps: ref.steps,
        optimizer: { ...defaultOptimizerSettings('adam'), lr: ref.optimizer.lr },
      },
    );
    expect((await preflight([config])).warnings).toEqual([]);
    const runDir = join(work, 'reference');
    const summary = await executeRun(config, runDir);
    expect(summary.status).toBe('finished');
    const rows = parseCsv(readFileSync(join(runDir, runFiles.steps), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(ref.steps);
    // float32 against PyTorch's float64 run (the seed's 9 plays no part: every value comes from the init and the features).
    let worst = 0;
    rows.forEach((row, s) => {
      worst = Math.max(worst, Math.abs(Number(row['loss1']) - ref.loss1[s]!) / Math.max(1, Math.abs(ref.loss1[s]!)));
      worst = Math.max(worst, Math.abs(Number(row['loss2']) - ref.loss2[s]!) / Math.max(1, Math.abs(ref.loss2[s]!)));
    });
    expect(worst).toBeLessThan(3e-5);
    const final = JSON.parse(readFileSync(join(runDir, runFiles.finalParams), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(final)).toEqual(names);
    expect((final['fc2.weight'] as number[][]).map((row) => row.length)).toEqual(Array(10).fill(5));
  });

  it('a state_dict that does not fit is one error before any run, naming the tensor and the shape params() gave', async () => {
    const bad = join(work, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...ref.init, 'fc2.weight': [[1, 2, 3]] }));
    const config = runConfig({ kind: 'module', path: example('seed.ts'), sha256: 'not-checked-here' }, 0, { path: bad, sha256: 'not-checked-here' });
    const err = await preflight([config]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(`--init ${bad}: tensor "fc2.weight" must have shape [10,5] (nested arrays of finite numbers)`);
  });
});
