import { describe, expect, it } from 'vitest';
import { SEED_EXPERIMENT, type DeclarativeExperiment } from '../../src/experiment/declarative.js';
import { parseSweepSpec, type SpecContext, type SpecFile, type SpecFlags, type SpecMode } from '../../src/spec/parse-spec.js';
import type { RunConfig, SweepSpec } from '../../src/spec/types.js';
import { DEFAULT_COMBINE, DEFAULT_MONITOR, DEFAULT_VERDICT } from '../../src/spec/settings.js';

const CWD = '/work';

/** A fake file system: every path resolves, except those containing "missing"; calls are recorded. */
function fakeContext(mode: SpecMode = 'sweep') {
  const calls: { path: string; baseDir: string }[] = [];
  const ctx: SpecContext = {
    mode,
    cwd: CWD,
    resolveFile(path, baseDir) {
      calls.push({ path, baseDir });
      const absPath = path.startsWith('/') ? path : `${baseDir}/${path}`;
      if (path.includes('missing')) return { error: `cannot read ${absPath} (no such file)` };
      return { absPath, sha256: `sha-of-${absPath}` };
    },
  };
  return { ctx, calls };
}

function parse(flags: SpecFlags, file?: SpecFile | string, mode: SpecMode = 'sweep') {
  const spec = typeof file === 'string' ? { path: 'specs/x.yaml', text: file } : file;
  return parseSweepSpec(flags, spec, fakeContext(mode).ctx);
}

function parseOk(flags: SpecFlags, file?: SpecFile | string, mode: SpecMode = 'sweep'): SweepSpec {
  const r = parse(flags, file, mode);
  if (!r.ok) throw new Error(`expected a valid spec, got:\n${r.errors.join('\n')}`);
  return r.spec;
}

function definitionOf(run: RunConfig): DeclarativeExperiment {
  if (run.experiment.kind !== 'declarative') throw new Error('expected a declarative experiment');
  return run.experiment.definition;
}

describe('parseSweepSpec: defaults', () => {
  it('sweeps the seed experiment over four α with one seed', () => {
    const spec = parseOk({});
    expect(spec.name).toBe('seed');
    expect(spec.alphas).toEqual([0, 0.01, 0.1, 1]);
    expect(spec.seeds).toEqual([0]);
    expect(spec.axes).toEqual([]);
    expect(spec.runs).toHaveLength(4);
    const run = spec.runs[1]!;
    expect(run).toEqual({
      id: 'alpha=0.01,seed=0',
      alpha: 0.01,
      seed: 0,
      steps: 10000,
      log_every: 1,
      experiment: { kind: 'declarative', definition: SEED_EXPERIMENT },
      optimizer: {
        name: 'adam',
        lr: 1e-3,
        betas: [0.9, 0.999],
        eps: 1e-8,
        weight_decay: 0,
        momentum: 0,
        dampening: 0,
        nesterov: false,
        amsgrad: false,
        rms_alpha: 0.99,
        centered: false,
      },
      combine: DEFAULT_COMBINE,
      monitor: DEFAULT_MONITOR,
      verdict: DEFAULT_VERDICT,
      engine: 'auto',
      backend: 'cpu',
      init: null,
      coords: { alpha: 0.01, seed: 0 },
    });
  });

  it('runs α = 0 in run mode', () => {
    const spec = parseOk({}, undefined, 'run');
    expect(spec.alphas).toEqual([0]);
    expect(spec.runs.map((r) => r.id)).toEqual(['alpha=0,seed=0']);
  });

  it('treats an empty file as an empty spec', () => {
    expect(parseOk({}, '# nothing yet\n').runs).toHaveLength(4);
  });
});

type Check = (spec: SweepSpec) => void;

describe('parseSweepSpec: good specs', () => {
  it.each<[string, SpecFlags, SpecFile | string | undefined, SpecMode, Check]>([
    [
      'a full YAML file',
      {},
      [
        'name: seed-lr',
        'experiment: seed',
        'alpha: [0, 0.5]',
        'seeds: 0-2',
        'steps: 500',
        'log_every: 5',
        'optimizer: {name: sgd, lr: 0.05, momentum: 0.5, nesterov: true}',
        'combine: fixed',
        'engine: fused',
        'backend: wasm',
        'monitor: {max_loss: 1e6, stop_on_diverge: false}',
        'verdict: {window: 0.2, settle_tol: 0.05}',
      ].join('\n'),
      'sweep',
      (spec) => {
        expect(spec.name).toBe('seed-lr');
        expect(spec.alphas).toEqual([0, 0.5]);
        expect(spec.seeds).toEqual([0, 1, 2]);
        expect(spec.runs).toHaveLength(6);
        const run = spec.runs[0]!;
        expect([run.steps, run.log_every, run.engine, run.backend]).toEqual([500, 5, 'fused', 'wasm']);
        expect(run.optimizer).toMatchObject({ name: 'sgd', lr: 0.05, momentum: 0.5, nesterov: true, dampening: 0 });
        expect(run.monitor).toEqual({ max_loss: 1e6, max_param_norm: DEFAULT_MONITOR.max_param_norm, stop_on_diverge: false });
        expect(run.verdict).toEqual({ window: 0.2, settle_tol: 0.05, drift_tol: DEFAULT_VERDICT.drift_tol });
      },
    ],
    [
      'a JSON file',
      {},
      { path: 'x.json', text: '{"alpha": "logspace(-2,0,3)", "seeds": [4, 9], "optimizer": "rmsprop"}' },
      'sweep',
      (spec) => {
        expect(spec.alphas).toHaveLength(3);
        [0.01, 0.1, 1].forEach((a, i) => expect(spec.alphas[i]).toBeCloseTo(a, 12));
        expect(spec.seeds).toEqual([4, 9]);
        expect(spec.runs[0]!.optimizer).toMatchObject({ name: 'rmsprop', lr: 1e-2 });
      },
    ],
    [
      'numbers given as flag strings',
      {
        steps: '100',
        logEvery: '1e1',
        lr: '0.01',
        optimizer: 'sgd',
        alpha: '0,0.5',
        seeds: '0-10:5',
        engine: 'tfjs',
        backend: 'cpu',
        combine: 'fixed',
        name: 'flags',
      },
      undefined,
      'sweep',
      (spec) => {
        expect(spec.name).toBe('flags');
        expect(spec.alphas).toEqual([0, 0.5]);
        expect(spec.seeds).toEqual([0, 5, 10]);
        const run = spec.runs[0]!;
        expect([run.steps, run.log_every, run.optimizer.name, run.optimizer.lr, run.engine]).toEqual([100, 10, 'sgd', 0.01, 'tfjs']);
      },
    ],
    ['a single α and seed as plain numbers', {}, 'alpha: 0.3\nseeds: 7', 'sweep', (spec) => expect(spec.runs.map((r) => r.id)).toEqual(['alpha=0.3,seed=7'])],
    [
      'an expression combining forms',
      { alpha: '0,logspace(-3,-1,3)' },
      undefined,
      'sweep',
      (spec) => {
        expect(spec.alphas).toHaveLength(4);
        [0, 1e-3, 1e-2, 1e-1].forEach((a, i) => expect(spec.alphas[i]).toBeCloseTo(a, 12));
      },
    ],
    [
      'a JSON pair through --set, not a sweep',
      { set: ['optimizer.betas=[0.9,0.99]'] },
      undefined,
      'sweep',
      (spec) => {
        expect(spec.axes).toEqual([]);
        expect(spec.runs[0]!.optimizer.betas).toEqual([0.9, 0.99]);
      },
    ],
    [
      'a whole optimizer mapping as JSON through --set, taken whole (not split at its commas)',
      { set: ['optimizer={"name":"sgd","lr":0.5}'] },
      undefined,
      'sweep',
      (spec) => {
        expect(spec.axes).toEqual([]);
        expect(spec.runs[0]!.optimizer).toMatchObject({ name: 'sgd', lr: 0.5 });
      },
    ],
    [
      'a whole combine mapping as JSON through --set',
      { set: ['combine={"name":"constraint","tau":3,"dual_lr":0.1}'] },
      undefined,
      'sweep',
      (spec) => expect(spec.runs[0]!.combine).toMatchObject({ name: 'constraint', tau: 3, dual_lr: 0.1 }),
    ],
    [
      'a whole optimizer mapping as JSON through --optimizer, then --lr over it',
      { optimizer: '{"name":"momentum","momentum":0.5,"lr":0.5}', lr: '0.25' },
      undefined,
      'sweep',
      (spec) => expect(spec.runs[0]!.optimizer).toMatchObject({ name: 'momentum', momentum: 0.5, lr: 0.25 }),
    ],
    [
      "a JSON optimizer mapping through --set over the file's mapping",
      { set: ['optimizer={"name":"adamw"}'] },
      'optimizer: {name: sgd, lr: 0.5}',
      'sweep',
      // The mapping replaces the file's: adamw's own defaults, not sgd's lr.
      (spec) => expect(spec.runs[0]!.optimizer).toMatchObject({ name: 'adamw', lr: 1e-3 }),
    ],
    [
      'booleans and nested keys through --set',
      { set: ['monitor.stop_on_diverge=false', 'verdict.window=0.25', 'optimizer.amsgrad=true', 'seed=3'] },
      undefined,
      'sweep',
      (spec) => {
        const run = spec.runs[0]!;
        expect([run.monitor.stop_on_diverge, run.verdict.window, run.optimizer.amsgrad, run.seed]).toEqual([false, 0.25, true, 3]);
      },
    ],
    [
      'a swept experiment setting',
      { set: ['experiment.target=3,5'], alpha: '0' },
      'experiment: seed',
      'sweep',
      (spec) => {
        expect(spec.axes).toEqual([{ key: 'experiment.target', values: [3, 5] }]);
        expect(spec.runs.map((r) => definitionOf(r).target)).toEqual([3, 5]);
        expect(spec.runs.map((r) => r.id)).toEqual(['alpha=0,seed=0,experiment.target=3', 'alpha=0,seed=0,experiment.target=5']);
      },
    ],
    [
      'a declarative experiment overriding the seed problem (mse)',
      {},
      [
        'experiment:',
        '  name: fit',
        '  features: [[0.1], [0.5], [0.9]]',
        '  layers: [1, 8, 2]',
        '  activation: tanh',
        '  loss1: mse',
        '  loss2: l2',
        '  targets: [[0, 1], [1, 0], [0.5, 0.5]]',
      ].join('\n'),
      'sweep',
      (spec) => {
        expect(spec.name).toBe('fit');
        expect(definitionOf(spec.runs[0]!)).toEqual({
          ...SEED_EXPERIMENT,
          name: 'fit',
          features: [[0.1], [0.5], [0.9]],
          layers: [1, 8, 2],
          activation: 'tanh',
          loss1: 'mse',
          loss2: 'l2',
          targets: [
            [0, 1],
            [1, 0],
            [0.5, 0.5],
          ],
        });
      },
    ],
    [
      'a classifier with labels and random features',
      {},
      'experiment: {features: {uniform: [4, 2]}, layers: [2, 3], loss1: cross_entropy, loss2: entropy, labels: [0, 2, 1, 0]}',
      'sweep',
      (spec) => {
        const def = definitionOf(spec.runs[0]!);
        expect(def.features).toEqual({ uniform: [4, 2] });
        expect(def.labels).toEqual([0, 2, 1, 0]);
        expect(def.name).toBe('seed');
      },
    ],
    [
      'a module, named after its file',
      {},
      'module: ../mods/adversarial.v2.ts',
      'sweep',
      (spec) => {
        expect(spec.name).toBe('adversarial.v2');
        expect(spec.runs[0]!.experiment).toEqual({
          kind: 'module',
          path: '/work/specs/../mods/adversarial.v2.ts',
          sha256: 'sha-of-/work/specs/../mods/adversarial.v2.ts',
        });
      },
    ],
    [
      'a module with a name that is not a safe directory name',
      { module: 'my experiment.ts' },
      undefined,
      'sweep',
      (spec) => expect(spec.name).toBe('my-experiment'),
    ],
    ...(
      [
        ['α mlp.ts', 'α-mlp'],
        ['--dash  start!.ts', 'dash-start'],
        ['café (v2).mjs', 'café-v2'],
        ['...ts', 'sweep'],
        [`${'λ'.repeat(80)}.ts`, 'λ'.repeat(50)],
      ] as const
    ).map(([file, name]): [string, SpecFlags, undefined, SpecMode, Check] => [
      `a module file named ${JSON.stringify(file)}: the default name keeps letters, collapses separators, has no leading dash`,
      { module: file },
      undefined,
      'sweep',
      (spec) => {
        expect(spec.name).toBe(name);
        expect(spec.nameGiven).toBe(false);
      },
    ]),
    ['a name given', { name: 'mine', module: 'x.ts' }, undefined, 'sweep', (spec) => expect([spec.name, spec.nameGiven]).toEqual(['mine', true])],
    [
      'a file sweep mapping with an expression and an alias',
      {},
      'sweep:\n  lr: "logspace(-3,-2,2)"\n  optimizer.centered: [true, false]\n  engine: tfjs',
      'sweep',
      (spec) => {
        expect(spec.axes).toEqual([
          { key: 'optimizer.lr', values: [0.001, 0.01] },
          { key: 'optimizer.centered', values: [true, false] },
          { key: 'engine', values: ['tfjs'] },
        ]);
        expect(spec.runs).toHaveLength(16);
        expect(spec.runs[0]!.id).toBe('alpha=0,seed=0,optimizer.lr=0.001,optimizer.centered=true,engine=tfjs');
      },
    ],
    [
      'sweep.alpha and sweep.seeds as the α and seed lists',
      {},
      'sweep:\n  alpha: [0.2, 0.4]\n  seeds: 1-2',
      'sweep',
      (spec) => {
        expect(spec.alphas).toEqual([0.2, 0.4]);
        expect(spec.seeds).toEqual([1, 2]);
        expect(spec.axes).toEqual([]);
      },
    ],
    ['run mode with --seed', { seed: '42', alpha: '0.5' }, undefined, 'run', (spec) => expect(spec.runs.map((r) => r.id)).toEqual(['alpha=0.5,seed=42'])],
    ['run mode with a single --seeds', { seeds: '3' }, undefined, 'run', (spec) => expect(spec.seeds).toEqual([3])],
    [
      'run mode with a one-value sweep axis',
      {},
      'sweep:\n  steps: [20]',
      'run',
      (spec) => expect(spec.runs.map((r) => [r.id, r.steps])).toEqual([['alpha=0,seed=0,steps=20', 20]]),
    ],
    ['the largest seed', { seeds: '4294967295' }, undefined, 'sweep', (spec) => expect(spec.seeds).toEqual([4294967295])],
  ])('%s', (_name, flags, file, mode, check) => {
    check(parseOk(flags, file, mode));
  });
});

describe('parseSweepSpec: flags win over the file', () => {
  it.each<[string, SpecFlags, string, Check]>([
    ['--steps over steps', { steps: '200' }, 'steps: 100', (s) => expect(s.runs[0]!.steps).toBe(200)],
    ['--alpha over alpha', { alpha: '0.3' }, 'alpha: [0, 1]', (s) => expect(s.alphas).toEqual([0.3])],
    ['--seeds over seeds', { seeds: '5,6' }, 'seeds: 0-9', (s) => expect(s.seeds).toEqual([5, 6])],
    ['--set alpha over alpha', { set: ['alpha=2'] }, 'alpha: 1', (s) => expect(s.alphas).toEqual([2])],
    [
      '--lr over the optimizer mapping',
      { lr: '0.5' },
      'optimizer: {name: sgd, lr: 0.1}',
      (s) => expect(s.runs[0]!.optimizer).toMatchObject({ name: 'sgd', lr: 0.5 }),
    ],
    [
      '--optimizer keeps the file lr',
      { optimizer: 'adamw' },
      'optimizer: {name: sgd, lr: 0.1}',
      (s) => expect(s.runs[0]!.optimizer).toMatchObject({ name: 'adamw', lr: 0.1, weight_decay: 1e-2 }),
    ],
    [
      '--lr over a file sweep of lr',
      { lr: '0.5' },
      'sweep: {optimizer.lr: [0.1, 0.2]}',
      (s) => {
        expect(s.axes).toEqual([]);
        expect(s.runs[0]!.optimizer.lr).toBe(0.5);
      },
    ],
    [
      'a --set sweep over a file value',
      { set: ['steps=10,20'] },
      'steps: 100',
      (s) => {
        expect(s.axes).toEqual([{ key: 'steps', values: [10, 20] }]);
        expect(s.document.steps).toBeUndefined();
      },
    ],
    [
      'a --set sweep over a file sweep',
      { set: ['steps=10,20'] },
      'sweep: {steps: [1, 2, 3]}',
      (s) => expect(s.axes).toEqual([{ key: 'steps', values: [10, 20] }]),
    ],
    [
      '--module over experiment (and its sweep)',
      { module: 'm.ts' },
      'experiment: {activation: tanh}\nsweep: {experiment.target: [1, 2]}',
      (s) => {
        expect(s.runs[0]!.experiment).toEqual({ kind: 'module', path: '/work/m.ts', sha256: 'sha-of-/work/m.ts' });
        expect(s.axes).toEqual([]);
        expect(s.document.experiment).toBeUndefined();
      },
    ],
    ['--experiment over module', { experiment: 'seed' }, 'module: m.ts', (s) => expect(definitionOf(s.runs[0]!)).toEqual(SEED_EXPERIMENT)],
    ['--experiment over an experiment mapping', { experiment: 'seed' }, 'experiment: {target: 9}', (s) => expect(definitionOf(s.runs[0]!).target).toBe(5)],
    [
      '--set experiment.x refines the file experiment',
      { set: ['experiment.target=9'] },
      'experiment: {activation: tanh}',
      (s) => {
        expect(definitionOf(s.runs[0]!)).toMatchObject({ activation: 'tanh', target: 9 });
      },
    ],
    [
      '--set experiment then experiment.x, in any order',
      { set: ['experiment.target=9', 'experiment=seed'] },
      'experiment: {activation: tanh}',
      (s) => {
        expect(definitionOf(s.runs[0]!)).toMatchObject({ activation: 'relu', target: 9 });
      },
    ],
    ['--set init=null over init', { set: ['init=null'] }, 'init: w.json', (s) => expect(s.runs[0]!.init).toBeNull()],
    ['--name over name', { name: 'b' }, 'name: a', (s) => expect(s.name).toBe('b')],
  ])('%s', (_name, flags, file, check) => {
    check(parseOk(flags, file));
  });
});

describe('parseSweepSpec: optimizer defaults per grid point', () => {
  it.each<[string, SpecFlags, string | undefined, Record<string, number>[]]>([
    ['each optimizer its own lr', { set: ['optimizer=adam,rmsprop'] }, undefined, [{ lr: 1e-3 }, { lr: 1e-2 }]],
    ['an explicit lr applies to all', { set: ['optimizer=adam,rmsprop'] }, 'optimizer: {lr: 0.05}', [{ lr: 0.05 }, { lr: 0.05 }]],
    ['momentum defaults to 0.9 only for momentum', { set: ['optimizer=sgd,momentum'] }, undefined, [{ momentum: 0 }, { momentum: 0.9 }]],
    ['adamw decays by default', { set: ['optimizer=adam,adamw'] }, undefined, [{ weight_decay: 0 }, { weight_decay: 0.01 }]],
    [
      'an explicit field over a swept name',
      { set: ['optimizer=momentum,sgd'] },
      'optimizer: {name: adam, momentum: 0.3}',
      [{ momentum: 0.3 }, { momentum: 0.3 }],
    ],
  ])('%s', (_name, flags, file, expected) => {
    const spec = parseOk({ ...flags, alpha: '0' }, file);
    expect(spec.runs).toHaveLength(expected.length);
    spec.runs.forEach((run, i) => {
      for (const [k, v] of Object.entries(expected[i]!)) expect(run.optimizer[k as 'lr']).toBeCloseTo(v, 15);
    });
  });
});

describe('parseSweepSpec: the grid', () => {
  it('orders runs α, then axes as given (file first), then seed; each run carries its coordinates', () => {
    const spec = parseOk({ alpha: '0,1', seeds: '0-1', set: ['optimizer=sgd,adam'] }, 'sweep: {steps: [10, 20]}');
    expect(spec.axes.map((a) => a.key)).toEqual(['steps', 'optimizer.name']);
    expect(spec.runs.map((r) => r.id)).toEqual(
      [0, 1].flatMap((a) =>
        [10, 20].flatMap((steps) => ['sgd', 'adam'].flatMap((opt) => [0, 1].map((s) => `alpha=${a},seed=${s},steps=${steps},optimizer.name=${opt}`))),
      ),
    );
    const run = spec.runs[5]!;
    expect(run.coords).toEqual({ alpha: 0, seed: 1, steps: 20, 'optimizer.name': 'sgd' });
    expect([run.alpha, run.seed, run.steps, run.optimizer.name]).toEqual([0, 1, 20, 'sgd']);
    expect(new Set(spec.runs.map((r) => r.id)).size).toBe(spec.runs.length);
  });

  it('percent-encodes swept strings in ids and hashes long ids', () => {
    const long = `${'w'.repeat(200)}.json`;
    const spec = parseOk({ alpha: '0', set: [`init=a b.json,${long}`] });
    expect(spec.runs[0]!.id).toBe('alpha=0,seed=0,init=a%20b.json');
    expect(spec.runs[1]!.id).toMatch(/^alpha=0,seed=0,init=w+~[0-9a-f]{10}$/);
    expect(spec.runs[1]!.id).toHaveLength(171);
  });

  it('records the merged document, JSON-safe, with α and seeds as lists and the sweep as key → values', () => {
    const spec = parseOk(
      { lr: '0.01', seeds: '1-2', set: ['optimizer=adam,sgd'] },
      'experiment: seed\nalpha: 0.5\nsweep: {steps: "10,20"}\noptimizer: {name: sgd, eps: 0}',
    );
    expect(spec.document).toEqual({
      experiment: 'seed',
      alpha: [0.5],
      seeds: [1, 2],
      optimizer: { eps: 0, lr: 0.01 },
      sweep: { steps: [10, 20], 'optimizer.name': ['adam', 'sgd'] },
    });
    expect(JSON.parse(JSON.stringify(spec.document))).toEqual(spec.document);
  });
});

describe('parseSweepSpec: module and init resolution', () => {
  it.each<[string, SpecFlags, string | undefined, { path: string; baseDir: string }[]]>([
    [
      'paths in the file resolve against its directory',
      {},
      'module: m.ts\ninit: w/init.json',
      [
        { path: 'm.ts', baseDir: '/work/specs' },
        { path: 'w/init.json', baseDir: '/work/specs' },
      ],
    ],
    [
      'paths in flags resolve against the working directory',
      { module: 'm.ts', init: 'init.json' },
      'steps: 3',
      [
        { path: 'm.ts', baseDir: CWD },
        { path: 'init.json', baseDir: CWD },
      ],
    ],
    [
      'a swept init resolves each file once',
      { set: ['init=a.json,b.json'], alpha: '0,1' },
      undefined,
      [
        { path: 'a.json', baseDir: CWD },
        { path: 'b.json', baseDir: CWD },
      ],
    ],
  ])('%s', (_name, flags, text, expected) => {
    const { ctx, calls } = fakeContext();
    const r = parseSweepSpec(flags, text === undefined ? undefined : { path: 'specs/x.yaml', text }, ctx);
    expect(r.ok).toBe(true);
    expect(calls).toEqual(expected);
  });

  it('stores the absolute path and hash of module and init in every run', () => {
    const spec = parseOk({ init: '/abs/init.json' }, 'module: m.mjs');
    for (const run of spec.runs) {
      expect(run.experiment).toEqual({ kind: 'module', path: '/work/specs/m.mjs', sha256: 'sha-of-/work/specs/m.mjs' });
      expect(run.init).toEqual({ path: '/abs/init.json', sha256: 'sha-of-/abs/init.json' });
    }
  });
});

const ALPHA_FORMS = 'allowed: finite numbers ≥ 0, no duplicates';
const SEED_FORMS = 'allowed: integers in [0, 4294967295]';
const STEPS_RANGE = 'allowed: an integer from 1 to 1000000000';

describe('parseSweepSpec: bad specs', () => {
  it.each<[string, SpecFlags, SpecFile | string | undefined, SpecMode, string[]]>([
    // unknown and misspelled keys, at every level
    [
      'a misspelled top-level key',
      {},
      'optimzer: adam',
      'sweep',
      ['specs/x.yaml: optimzer: unknown key (did you mean "optimizer"?); allowed: name, experiment, module'],
    ],
    ['seed instead of seeds', {}, 'seed: 3', 'sweep', ['specs/x.yaml: seed: unknown key (did you mean "seeds"?)']],
    ['an unknown key with nothing close', {}, 'banana: 1', 'sweep', ['specs/x.yaml: banana: unknown key; allowed: name, experiment']],
    [
      'a misspelled optimizer key',
      {},
      'optimizer: {name: adam, lrr: 1}',
      'sweep',
      ['optimizer.lrr: unknown key (did you mean "lr"?); allowed: name, lr, betas'],
    ],
    [
      'a misspelled monitor key',
      {},
      'monitor: {max_los: 1}',
      'sweep',
      ['monitor.max_los: unknown key (did you mean "max_loss"?); allowed: max_loss, max_param_norm, stop_on_diverge'],
    ],
    ['a misspelled verdict key', {}, 'verdict: {windw: 0.5}', 'sweep', ['verdict.windw: unknown key (did you mean "window"?)']],
    ['a misspelled experiment key', {}, 'experiment: {layer: [1, 1]}', 'sweep', ['experiment.layer: unknown key (did you mean "layers"?)']],
    [
      'an unknown key in uniform features',
      {},
      'experiment: {features: {uniform: [3, 1], n: 2}}',
      'sweep',
      ['experiment.features.n: unknown key; allowed: uniform'],
    ],
    ['a misspelled --set key', { set: ['optimzer.lr=1'] }, undefined, 'sweep', ['--set optimzer.lr: unknown key (did you mean "optimizer.lr"?)']],
    [
      'an unknown --set field',
      { set: ['monitor.max=1'] },
      undefined,
      'sweep',
      ['--set monitor.max: unknown key', 'allowed: monitor.max_loss, monitor.max_param_norm'],
    ],
    ['a --set of a whole mapping', { set: ['monitor=1'] }, undefined, 'sweep', ['--set monitor: unknown key']],
    ['a misspelled sweep key', {}, 'sweep: {optimizer.l: [1]}', 'sweep', ['specs/x.yaml: sweep.optimizer.l: unknown key (did you mean "optimizer.lr"?)']],
    // wrong types
    ['alpha "0.1x"', {}, 'alpha: "0.1x"', 'sweep', ['specs/x.yaml: alpha: "0.1x" is not a number', ALPHA_FORMS]],
    ['alpha ""', {}, 'alpha: ""', 'sweep', ['specs/x.yaml: alpha: empty value', ALPHA_FORMS]],
    ['alpha null', {}, 'alpha: null', 'sweep', ['specs/x.yaml: alpha: expected a number, a list or an expression, got null', ALPHA_FORMS]],
    ['alpha true', {}, 'alpha: true', 'sweep', ['alpha: expected a number, a list or an expression, got true']],
    ['an alpha list of strings', {}, 'alpha: ["0.1", 1]', 'sweep', ['specs/x.yaml: alpha[0]: expected a number, got "0.1" (a string)']],
    ['steps as a string in a file', {}, 'steps: "100"', 'sweep', ['specs/x.yaml: steps: expected a number, got "100" (a string)', STEPS_RANGE]],
    ['steps 2.5', {}, 'steps: 2.5', 'sweep', ['specs/x.yaml: steps: expected an integer, got 2.5', STEPS_RANGE]],
    ['steps 0', {}, 'steps: 0', 'sweep', ['specs/x.yaml: steps: 0 is too small', STEPS_RANGE]],
    ['steps -5', {}, 'steps: -5', 'sweep', ['specs/x.yaml: steps: -5 is too small', STEPS_RANGE]],
    ['steps 1e10', {}, 'steps: 1e10', 'sweep', ['steps: 10000000000 is too large', STEPS_RANGE]],
    ['--steps abc', { steps: 'abc' }, undefined, 'sweep', ['--steps: "abc" is not a number', STEPS_RANGE]],
    ['--steps 2.5', { steps: '2.5' }, undefined, 'sweep', ['--steps: expected an integer, got 2.5']],
    [
      '--steps with several values',
      { steps: '10,20' },
      undefined,
      'sweep',
      ['--steps: "10,20" gives 2 values; allowed: one value (to sweep it: --set steps=10,20)'],
    ],
    ['--log-every 0', { logEvery: '0' }, undefined, 'sweep', ['--log-every: 0 is too small']],
    ['--lr 0', { lr: '0' }, undefined, 'sweep', ['--lr: optimizer.lr: 0 is too small; allowed: a finite number > 0']],
    ['--lr -1e-3', { lr: '-1e-3' }, undefined, 'sweep', ['--lr: optimizer.lr: -0.001 is too small']],
    [
      'a boolean that is not one',
      { set: ['monitor.stop_on_diverge=yes'] },
      undefined,
      'sweep',
      ['--set monitor.stop_on_diverge: expected true or false, got "yes" (a string)'],
    ],
    ['a name with a slash', { name: 'a/b' }, undefined, 'sweep', ['--name: "a/b" is not allowed; allowed: 1 to 100 characters']],
    ['an empty name', {}, 'name: ""', 'sweep', ['specs/x.yaml: name: an empty string is too short']],
    ['a number for a name', {}, 'name: 12', 'sweep', ['name: expected a string, got 12']],
    ['monitor as a number', {}, 'monitor: 5', 'sweep', ['specs/x.yaml: monitor: expected a mapping, got 5; allowed: a mapping {max_loss']],
    ['sweep as a list', {}, 'sweep: [1]', 'sweep', ['specs/x.yaml: sweep: expected a mapping, got a list of 1']],
    ['a newline in a value', { set: ['name=a\nb'] }, undefined, 'sweep', ['--set name: "a\\nb" is not allowed']],
    ['a newline in a key', {}, '"bad\\nkey": 1', 'sweep', ['specs/x.yaml: bad\\nkey: unknown key']],
    // empty lists and missing values
    ['an empty alpha list', {}, 'alpha: []', 'sweep', ['specs/x.yaml: alpha: an empty list has too few entries', ALPHA_FORMS]],
    ['an empty seeds list', {}, 'seeds: []', 'sweep', ['specs/x.yaml: seeds: an empty list has too few entries', SEED_FORMS]],
    ['an empty sweep list', {}, 'sweep: {steps: []}', 'sweep', ['specs/x.yaml: sweep.steps: an empty list']],
    ['an empty --alpha', { alpha: '' }, undefined, 'sweep', ['--alpha: empty value']],
    ['--set with no value', { set: ['steps='] }, undefined, 'sweep', ['--set steps: no value after "="']],
    ['--set with an empty entry', { set: ['optimizer=adam,'] }, undefined, 'sweep', ['--set optimizer: optimizer.name: empty value in "adam,"']],
    // duplicates
    ['a repeated alpha', {}, 'alpha: [0.1, 0.1]', 'sweep', ['specs/x.yaml: alpha: 0.1 appears twice', ALPHA_FORMS]],
    ['alphas equal as numbers', { alpha: '0.001,1e-3' }, undefined, 'sweep', ['--alpha: 0.001 appears twice']],
    ['0 and -0', { alpha: '0,-0' }, undefined, 'sweep', ['--alpha: 0 appears twice']],
    ['a repeated seed', {}, 'seeds: [1, 1]', 'sweep', ['specs/x.yaml: seeds: 1 appears twice', SEED_FORMS]],
    ['a repeated --set value', { set: ['lr=1e-3,0.001'] }, undefined, 'sweep', ['--set lr: optimizer.lr: 0.001 appears twice; allowed: distinct values']],
    ['a repeated file sweep value', {}, 'sweep: {optimizer: [adam, adam]}', 'sweep', ['specs/x.yaml: sweep.optimizer.name: "adam" appears twice']],
    [
      'the same key twice in flags',
      { lr: '0.1', set: ['optimizer.lr=0.2'] },
      undefined,
      'sweep',
      ['--set optimizer.lr: also given as --lr; allowed: one of them'],
    ],
    ['--seed and --seeds', { seed: '1', seeds: '2' }, undefined, 'run', ['--seed: seeds: also given as --seeds']],
    ['the same key twice in --set', { set: ['lr=0.1', 'optimizer.lr=0.2'] }, undefined, 'sweep', ['--set optimizer.lr: also given as --set lr']],
    ['alpha at the top and in sweep', {}, 'alpha: 1\nsweep: {alpha: [2]}', 'sweep', ['specs/x.yaml: sweep.alpha: alpha is also set at the top level']],
    [
      'a key both set and swept in the file',
      {},
      'optimizer: adam\nsweep: {optimizer: [sgd]}',
      'sweep',
      ['specs/x.yaml: sweep.optimizer: optimizer.name is also set elsewhere in the file; allowed: set a key or sweep it, not both'],
    ],
    // non-finite and negative α
    ['alpha .nan', {}, 'alpha: .nan', 'sweep', ['specs/x.yaml: alpha: expected a number, got NaN (not a finite number)', ALPHA_FORMS]],
    ['alpha 1e309 in a file', {}, 'alpha: [0, 1e309]', 'sweep', ['specs/x.yaml: alpha[1]: expected a number, got Infinity (not a finite number)']],
    ['alpha .inf', {}, 'alpha: .inf', 'sweep', ['alpha: expected a number, got Infinity']],
    ['--alpha 1e309', { alpha: '1e309' }, undefined, 'sweep', ['--alpha: 1e309 is not a finite number', ALPHA_FORMS]],
    ['--alpha Infinity', { alpha: 'Infinity' }, undefined, 'sweep', ['--alpha: "Infinity" is not a number']],
    ['--alpha NaN', { alpha: 'NaN' }, undefined, 'sweep', ['--alpha: "NaN" is not a number']],
    ['--alpha -0.1', { alpha: '-0.1' }, undefined, 'sweep', ['--alpha: -0.1 is too small', ALPHA_FORMS]],
    ['a negative alpha in a list', {}, 'alpha: [0, -1]', 'sweep', ['specs/x.yaml: alpha[1]: -1 is too small']],
    // seeds
    ['--seeds -1', { seeds: '-1' }, undefined, 'sweep', ['--seeds: -1 is too small', SEED_FORMS]],
    ['a fractional seed', {}, 'seeds: [0.5]', 'sweep', ['specs/x.yaml: seeds: expected an integer, got 0.5', SEED_FORMS]],
    ['a seed past 2^32 - 1', { seeds: '4294967296' }, undefined, 'sweep', ['--seeds: 4294967296 is too large']],
    ['--seed 1.5', { seed: '1.5' }, undefined, 'run', ['--seed: seeds: expected an integer, got 1.5']],
    [
      '--seed with a range',
      { seed: '0-4' },
      undefined,
      'run',
      ['--seed: seeds: "0-4" gives 5 values; allowed: one integer (for several seeds: mo-train sweep --seeds 0-4)'],
    ],
    // experiment versus module
    [
      'experiment and module in one file',
      {},
      'experiment: seed\nmodule: m.ts',
      'sweep',
      ['specs/x.yaml: module: set together with a declarative experiment; a spec runs one or the other'],
    ],
    ['--experiment and --module', { experiment: 'seed', module: 'm.ts' }, undefined, 'sweep', ['--experiment: set together with module m.ts']],
    ['--set experiment.x with a module', { set: ['experiment.target=3'] }, 'module: m.ts', 'sweep', ['--set experiment.target: set together with module m.ts']],
    [
      'an unknown experiment',
      { experiment: 'sed' },
      undefined,
      'sweep',
      ['--experiment: unknown experiment "sed" (did you mean "seed"?); allowed: a built-in experiment (seed)'],
    ],
    [
      'an unknown base',
      {},
      'experiment: {base: xor}',
      'sweep',
      ['specs/x.yaml: experiment.base: unknown experiment "xor"; allowed: a built-in experiment (seed)'],
    ],
    [
      'engine fused with a module',
      { engine: 'fused' },
      'module: m.ts',
      'sweep',
      ['--engine: fused serves declarative experiments only, and this spec runs the module m.ts; allowed: auto or tfjs with a module'],
    ],
    ['a module that is not JavaScript', { module: 'm.py' }, undefined, 'sweep', ['--module: "m.py" does not end in .ts, .mts, .cts, .js, .mjs']],
    ['an init that is not JSON', {}, 'init: w.pt', 'sweep', ['specs/x.yaml: init: "w.pt" does not end in .json']],
    [
      'an unresolved module',
      {},
      'module: missing.ts',
      'sweep',
      ['specs/x.yaml: module: cannot read /work/specs/missing.ts (no such file)', "relative path resolves against the spec file's directory"],
    ],
    [
      'an unresolved init',
      { init: 'missing.json' },
      undefined,
      'sweep',
      ['--init: cannot read /work/missing.json (no such file)', 'against the working directory'],
    ],
    // declarative experiments
    [
      'features narrower than layers[0]',
      {},
      'experiment: {features: [[0.1], [0.2]], layers: [2, 4, 1]}',
      'sweep',
      ['specs/x.yaml: experiment.features: 1 columns but layers[0] is 2; allowed: a matrix of samples × layers[0] = 2 numbers'],
    ],
    [
      'layers that no longer fit the built-in features',
      { set: ['experiment.layers=[2,4,1]'] },
      undefined,
      'sweep',
      ['--set experiment.layers: layers[0] is 2 but the features have 1 columns'],
    ],
    [
      'uniform features of the wrong width',
      {},
      'experiment: {features: {uniform: [3, 2]}}',
      'sweep',
      ['experiment.features.uniform: [3, 2] draws 2 columns but layers[0] is 1'],
    ],
    ['ragged features', {}, 'experiment: {features: [[0.1], [0.2, 0.3]]}', 'sweep', ['experiment.features[1]: a row of 2 numbers after rows of 1']],
    [
      'a non-number feature',
      {},
      'experiment: {features: [[0.1], [x]]}',
      'sweep',
      ['specs/x.yaml: experiment.features[1][0]: expected a number, got "x" (a string)'],
    ],
    ['features that are neither', {}, 'experiment: {features: 3}', 'sweep', ['experiment.features: expected a matrix or a mapping, got 3']],
    [
      'mse without targets',
      { set: ['experiment.loss1=mse'] },
      undefined,
      'sweep',
      ['--set experiment.loss1: experiment.targets: missing: loss1 mse needs targets; allowed: a matrix of 3 rows × 1 numbers'],
    ],
    [
      'targets of the wrong shape',
      {},
      'experiment: {loss1: mse, targets: [[1], [2]]}',
      'sweep',
      ['specs/x.yaml: experiment.targets: 2 rows, but loss1 mse needs 3 rows of 1'],
    ],
    [
      'targets of the wrong width',
      {},
      'experiment: {loss1: mse, targets: [[1, 2], [2, 1], [0, 0]]}',
      'sweep',
      ['experiment.targets: a row of 2 numbers, but loss1 mse needs 3 rows of 1'],
    ],
    [
      'cross_entropy without labels',
      {},
      'experiment: {loss1: cross_entropy, layers: [1, 3]}',
      'sweep',
      ['experiment.labels: missing: loss1 cross_entropy needs labels; allowed: 3 integers in [0, 3)'],
    ],
    ['too few labels', {}, 'experiment: {loss2: cross_entropy, layers: [1, 3], labels: [0, 1]}', 'sweep', ['experiment.labels: 2 labels for 3 samples']],
    [
      'a label past the outputs',
      {},
      'experiment: {loss1: cross_entropy, layers: [1, 3], labels: [0, 1, 3]}',
      'sweep',
      ['experiment.labels[2]: 3 is not a class of a 3-output network; allowed: 3 integers in [0, 3)'],
    ],
    ['a negative label', {}, 'experiment: {loss1: cross_entropy, layers: [1, 3], labels: [0, -1, 1]}', 'sweep', ['experiment.labels[1]: -1 is too small']],
    [
      'a zero-width layer',
      {},
      'experiment: {layers: [1, 0, 1]}',
      'sweep',
      ['specs/x.yaml: experiment.layers[1]: 0 is too small; allowed: a list of at least 2 positive integers'],
    ],
    ['a fractional layer', {}, 'experiment: {layers: [1, 2.5, 1]}', 'sweep', ['experiment.layers[1]: expected an integer, got 2.5']],
    ['a single layer', {}, 'experiment: {layers: [1]}', 'sweep', ['experiment.layers: a list of 1: [1] has too few entries']],
    [
      'an unknown activation',
      {},
      'experiment: {activation: tanhh}',
      'sweep',
      ['specs/x.yaml: experiment.activation: unknown value "tanhh" (did you mean "tanh"?); allowed: relu, tanh, sigmoid, leaky_relu, linear'],
    ],
    [
      'an unknown loss',
      { set: ['experiment.loss2=l3'] },
      undefined,
      'sweep',
      ['--set experiment.loss2: unknown value "l3" (did you mean "l2"?); allowed: sum_to_target, mse, cross_entropy, entropy, param_sum, l2, l1'],
    ],
    // optimizer rules
    [
      'an unknown optimizer',
      { optimizer: 'adamx' },
      undefined,
      'sweep',
      ['--optimizer: optimizer.name: unknown value "adamx" (did you mean "adam"?); allowed: sgd, momentum, adam, adamw, rmsprop'],
    ],
    ['an unknown optimizer by name in a file', {}, 'optimizer: adamx', 'sweep', ['specs/x.yaml: optimizer: unknown value "adamx"']],
    [
      'two JSON pairs for an unsweepable key',
      { set: ['optimizer.betas=[0.9,0.99],[0.8,0.9]'] },
      undefined,
      'sweep',
      ['--set optimizer.betas: 2 values given; allowed: one value: it cannot be swept'],
    ],
    [
      'two JSON optimizer mappings',
      { set: ['optimizer={"name":"sgd"},{"name":"adam"}'] },
      undefined,
      'sweep',
      ['--set optimizer: 2 values given; allowed: one value: it cannot be swept'],
    ],
    ['a broken JSON optimizer mapping', { set: ['optimizer={"name":"sgd",}'] }, undefined, 'sweep', ['--set optimizer: invalid JSON']],
    [
      'a beta of 1',
      { set: ['optimizer.betas=[0.9,1]'] },
      undefined,
      'sweep',
      ['--set optimizer.betas: optimizer.betas[1]: 1 is too large; allowed: two numbers in [0, 1)'],
    ],
    ['three betas', {}, 'optimizer: {betas: [0.9, 0.9, 0.9]}', 'sweep', ['optimizer.betas: a list of 3: [0.9,0.9,0.9] has too many entries']],
    ['a negative eps', {}, 'optimizer: {eps: -1}', 'sweep', ['optimizer.eps: -1 is too small; allowed: a finite number ≥ 0']],
    ['a negative weight decay', {}, 'optimizer: {weight_decay: -0.1}', 'sweep', ['optimizer.weight_decay: -0.1 is too small']],
    ['a negative momentum', {}, 'optimizer: {momentum: -0.1}', 'sweep', ['optimizer.momentum: -0.1 is too small']],
    ['dampening past 1', {}, 'optimizer: {dampening: 2}', 'sweep', ['optimizer.dampening: 2 is too large; allowed: a number in [0, 1]']],
    ['rms_alpha of 1', {}, 'optimizer: {rms_alpha: 1}', 'sweep', ['optimizer.rms_alpha: 1 is too large; allowed: a number in [0, 1)']],
    [
      'nesterov without momentum',
      { set: ['optimizer.nesterov=true'] },
      undefined,
      'sweep',
      ['--set optimizer.nesterov: true needs momentum > 0 and dampening = 0, but adam has momentum 0'],
    ],
    [
      'nesterov with dampening',
      {},
      'optimizer: {name: momentum, nesterov: true, dampening: 0.1}',
      'sweep',
      ['specs/x.yaml: optimizer.nesterov: true needs momentum > 0 and dampening = 0, but momentum has momentum 0.9 and dampening 0.1'],
    ],
    ['a swept invalid lr', { set: ['optimizer.lr=0.1,-1'] }, undefined, 'sweep', ['--set optimizer.lr: -1 is too small; allowed: a finite number > 0']],
    ['a swept invalid lr in the file', {}, 'sweep: {lr: [0.1, 0]}', 'sweep', ['specs/x.yaml: sweep.optimizer.lr: 0 is too small']],
    [
      'a swept nesterov that fails for one optimizer',
      { set: ['optimizer=momentum,sgd', 'optimizer.nesterov=true'] },
      undefined,
      'sweep',
      ['--set optimizer.nesterov: true needs momentum > 0 and dampening = 0, but sgd has momentum 0'],
    ],
    // other settings
    ['an unknown engine', { engine: 'gpu' }, undefined, 'sweep', ['--engine: unknown value "gpu"; allowed: auto, tfjs, fused']],
    ['an unknown backend', {}, 'backend: webgl', 'sweep', ['specs/x.yaml: backend: unknown value "webgl"; allowed: cpu, wasm, tensorflow']],
    [
      'an unknown combiner',
      { combine: 'pcgard' },
      undefined,
      'sweep',
      ['--combine: combine.name: unknown value "pcgard" (did you mean "pcgrad"?); allowed: fixed, normalized, pcgrad, mgda, constraint'],
    ],
    [
      'a constraint without a threshold',
      { combine: 'constraint' },
      undefined,
      'sweep',
      ['--combine: combine.name: constraint needs a threshold: neither combine.tau nor combine.epsilon is set'],
    ],
    [
      'a constraint with both thresholds',
      {},
      'combine: {name: constraint, tau: 1, epsilon: 2}',
      'sweep',
      ['specs/x.yaml: combine.epsilon: set together with combine.tau; a constraint bounds one loss'],
    ],
    [
      'a swept constraint without a threshold',
      { set: ['combine=fixed,constraint'] },
      undefined,
      'sweep',
      ['--set combine: combine.name: constraint needs a threshold'],
    ],
    ['a beta of 1', {}, 'combine: {name: normalized, beta: 1}', 'sweep', ['specs/x.yaml: combine.beta: 1 is too large; allowed: a number in [0, 1)']],
    ['a zero dual_lr', { set: ['combine.dual_lr=0'] }, undefined, 'sweep', ['--set combine.dual_lr: 0 is too small; allowed: a finite number > 0']],
    [
      'an unknown combine key',
      {},
      'combine: {name: constraint, tau: 1, lr: 2}',
      'sweep',
      ['specs/x.yaml: combine.lr: unknown key; allowed: name, beta, tau, epsilon, dual_lr, dual_restarts'],
    ],
    ['a zero window', {}, 'verdict: {window: 0}', 'sweep', ['verdict.window: 0 is too small; allowed: a number in (0, 1]']],
    ['a window past 1', { set: ['verdict.window=1.5'] }, undefined, 'sweep', ['--set verdict.window: 1.5 is too large']],
    ['a zero tolerance', {}, 'verdict: {drift_tol: 0}', 'sweep', ['verdict.drift_tol: 0 is too small; allowed: a finite number > 0']],
    ['a zero max_loss', {}, 'monitor: {max_loss: 0}', 'sweep', ['monitor.max_loss: 0 is too small']],
    // --set syntax
    ['--set without =', { set: ['lr'] }, undefined, 'sweep', ['--set: lr: missing "="; allowed: key=value or key=v1,v2']],
    ['--set with no key', { set: ['=3'] }, undefined, 'sweep', ['--set: (empty): no key before "="']],
    ['--set with bad JSON', { set: ['experiment.layers=[1,8'] }, undefined, 'sweep', ['--set experiment.layers: invalid JSON "[1,8"']],
    [
      '--set sweeping a list key',
      { set: ['experiment.labels=0,1,2'] },
      undefined,
      'sweep',
      ["--set experiment.labels: 3 values given; allowed: one value; write a list as JSON, e.g. --set 'experiment.labels=[0,1,2]'"],
    ],
    ['--set sweeping the name', { set: ['name=a,b'] }, undefined, 'sweep', ['--set name: 2 values given; allowed: one value: it cannot be swept']],
    ['a file sweep of a non-sweepable key', {}, 'sweep: {module: [a.ts, b.ts]}', 'sweep', ['specs/x.yaml: sweep.module: module cannot be swept']],
    ['a file sweep with a mapping value', {}, 'sweep: {steps: [10, {a: 1}]}', 'sweep', ['specs/x.yaml: sweep.steps[1]: a mapping: {"a":1} cannot be swept']],
    // files
    ['a YAML syntax error', {}, 'steps: [1, 2\nalpha: 3', 'sweep', ['specs/x.yaml:2:1: ', 'allowed: valid YAML']],
    ['a JSON syntax error', {}, { path: 'x.json', text: '{"steps": 1,, }' }, 'sweep', ['x.json:1:13: Unexpected , in flow map', 'allowed: valid JSON']],
    [
      'a duplicate key in JSON',
      {},
      { path: 'x.json', text: '{\n  "steps": 1,\n  "steps": 2\n}' },
      'sweep',
      ['x.json:3:3: duplicate key "steps"; allowed: each key once per mapping'],
    ],
    ['a duplicate key in YAML', {}, 'optimizer:\n  lr: 1\n  lr: 2', 'sweep', ['specs/x.yaml:3:3: duplicate key "lr"']],
    ['two YAML documents', {}, 'steps: 1\n---\nsteps: 2', 'sweep', ['specs/x.yaml:2:1: a second document']],
    ['a top-level list', {}, '- 1\n- 2', 'sweep', ['specs/x.yaml: the top level is a list, not a mapping; allowed: a mapping of spec keys (name, experiment']],
    ['a top-level scalar', {}, { path: 'x.json', text: '42' }, 'sweep', ['x.json: the top level is a number (42), not a mapping']],
    ['an unknown file type', {}, { path: 'x.toml', text: 'steps = 1' }, 'sweep', ['x.toml: unknown spec file type ".toml"; allowed: .yaml, .yml or .json']],
    ['a YAML binary value', {}, 'name: !!binary aGVsbG8=', 'sweep', ['specs/x.yaml: name: a value of type Buffer (from a YAML tag such as !!binary)']],
    // run mode
    [
      'several α in run mode',
      { alpha: '0,1' },
      undefined,
      'run',
      ['--alpha: 2 values, but mo-train run trains one grid point; allowed: one value (use `mo-train sweep` for a grid)'],
    ],
    ['several seeds in run mode', { seeds: '0-4' }, undefined, 'run', ['--seeds: 5 values, but mo-train run trains one grid point']],
    ['a sweep axis in run mode', { set: ['lr=0.1,0.2'] }, undefined, 'run', ['--set lr: optimizer.lr: 2 values, but mo-train run trains one grid point']],
    ['a file α list in run mode', {}, 'alpha: [0, 0.1]', 'run', ['specs/x.yaml: alpha: 2 values, but mo-train run']],
    // size
    [
      'a grid past the limit',
      { seeds: '0-999', alpha: 'linspace(0,1,101)' },
      undefined,
      'sweep',
      ['--seeds: grid: 101 alpha × 1000 seeds = 101000 runs; allowed: at most 100000 runs'],
    ],
  ])('%s', (_name, flags, file, mode, expected) => {
    const r = parse(flags, file, mode);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.errors.join('\n');
    for (const fragment of expected) expect(text).toContain(fragment);
    for (const line of r.errors) {
      expect(line).not.toContain('\n');
      expect(line).toMatch(/^\S[^:]*(:\d+:\d+)?: .+; allowed: .+$/);
    }
    expect(new Set(r.errors).size).toBe(r.errors.length);
  });
});

describe('parseSweepSpec: error reporting', () => {
  it('reports a problem shared by every grid point once', () => {
    const r = parse({ lr: '-1', set: ['steps=10,20,30'] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toEqual(['--lr: optimizer.lr: -1 is too small; allowed: a finite number > 0']);
  });

  it('reports problems from the file and the flags together', () => {
    const r = parse({ alpha: '-1', steps: 'x' }, 'optimzer: adam');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toHaveLength(3);
      expect(r.errors.map((e) => e.split(':')[0])).toEqual(expect.arrayContaining(['specs/x.yaml', '--alpha', '--steps']));
    }
  });

  it('reports a seed range past 2³² in one line, with a hint that fits seeds', () => {
    const r = parse({ seeds: '4294967290-4294967300' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toContain('--seeds: seeds[6]: 4294967296 is too large (and 4 more values not allowed)');
    expect(r.errors[0]).toContain('a range "0-4" or "0-10:2"');
    expect(r.errors[0]).not.toMatch(/logspace|linspace|0\.01/);
  });

  it('reports many negative α in one line', () => {
    const r = parse({ alpha: 'linspace(-1,1,21)' });
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors).toEqual([expect.stringContaining('--alpha: alpha[0]: -1 is too small (and 9 more values not allowed); allowed: finite numbers ≥ 0')]);
  });

  it('names only the swept value that fails', () => {
    const r = parse({ set: ['optimizer.lr=0.1,-1,0.2'] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toEqual(['--set optimizer.lr: -1 is too small; allowed: a finite number > 0']);
  });
});
