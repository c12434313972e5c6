/**
 * Declarative experiments: a stack of dense layers, data given inline (or drawn from the seed),
 * and two losses from a small catalog. Everything random (initial weights, random features) comes
 * from PyTorch's generator seeded with the run's seed, in the order a PyTorch script would draw it
 * (layer by layer, weight then bias, then the features), so the starting point depends only on the
 * seed — never on the engine — and equals `torch.manual_seed(seed)` followed by building the
 * `nn.Sequential` and calling `torch.rand`.
 */
import { computeParamLayout, type ParamLayout } from './param-layout.js';
import { TorchGenerator } from './torch-rng.js';

export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'leaky_relu', 'linear'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/**
 * The loss catalog. `out` is the network output (samples × outputs), `p` every parameter.
 * - `sum_to_target`: (target − Σ out)², the seed problem's loss1
 * - `mse`: mean over samples and outputs of (out − targets)²
 * - `cross_entropy`: mean softmax cross-entropy of out against integer `labels`
 * - `entropy`: mean entropy (nats) of softmax(out) — maximize it to make predictions less confident
 * - `param_sum`: Σ p, the seed problem's loss2
 * - `l2`: Σ p²
 * - `l1`: Σ |p|
 */
export const LOSSES = ['sum_to_target', 'mse', 'cross_entropy', 'entropy', 'param_sum', 'l2', 'l1'] as const;
export type LossName = (typeof LOSSES)[number];

/** Features drawn from U[0,1) with the run's generator, after the weights. */
export interface RandomFeatures {
  readonly uniform: readonly [number, number];
}

export interface DeclarativeExperiment {
  readonly name: string;
  /** Layer widths, input first: [1, 5, 10, 1] is Linear(1,5) → act → Linear(5,10) → act → Linear(10,1). */
  readonly layers: readonly number[];
  /** Activation after every layer but the last (the output layer is linear). */
  readonly activation: Activation;
  /** Negative slope of `leaky_relu` (PyTorch's default 0.01). */
  readonly leaky_slope: number;
  readonly features: readonly (readonly number[])[] | RandomFeatures;
  /** For `sum_to_target`. */
  readonly target?: number;
  /** For `mse`: one row per sample, one column per output. */
  readonly targets?: readonly (readonly number[])[];
  /** For `cross_entropy`: one class index per sample, in [0, outputs). */
  readonly labels?: readonly number[];
  readonly loss1: LossName;
  readonly loss2: LossName;
}

/** The experiment of the question that started this project (see DESIGN.md). */
export const SEED_EXPERIMENT: DeclarativeExperiment = {
  name: 'seed',
  layers: [1, 5, 10, 1],
  activation: 'relu',
  leaky_slope: 0.01,
  features: { uniform: [3, 1] },
  target: 5,
  loss1: 'sum_to_target',
  loss2: 'param_sum',
};

export const BUILTIN_EXPERIMENTS: Readonly<Record<string, DeclarativeExperiment>> = {
  seed: SEED_EXPERIMENT,
};

/** PyTorch state_dict naming, as `nn.Sequential` of named Linear layers fc1, fc2, … would give. */
export function declarativeLayout(exp: DeclarativeExperiment): ParamLayout {
  const tensors: { name: string; shape: number[] }[] = [];
  for (let l = 1; l < exp.layers.length; l++) {
    const fanIn = exp.layers[l - 1]!;
    const fanOut = exp.layers[l]!;
    tensors.push({ name: `fc${l}.weight`, shape: [fanOut, fanIn] });
    tensors.push({ name: `fc${l}.bias`, shape: [fanOut] });
  }
  return computeParamLayout(tensors);
}

export interface MaterializedData {
  /** samples × inputs, row-major. */
  readonly features: Float64Array;
  readonly samples: number;
  readonly targets?: Float64Array;
  readonly labels?: Int32Array;
}

export interface DeclarativeStart {
  readonly layout: ParamLayout;
  readonly params: Float64Array;
  readonly data: MaterializedData;
}

/**
 * The initial parameters and the data of one run. nn.Linear's default init: weight and bias
 * uniform in ±1/√fan_in (kaiming_uniform with a = √5 gives exactly that bound for the weight).
 */
export function materializeDeclarative(exp: DeclarativeExperiment, seed: number): DeclarativeStart {
  const layout = declarativeLayout(exp);
  const gen = new TorchGenerator(seed);
  const params = new Float64Array(layout.size);
  for (const e of layout.entries) {
    const fanIn = exp.layers[Number(/^fc(\d+)\./.exec(e.name)![1]) - 1]!;
    // Same float64 arithmetic as torch.nn.init: gain = √(2/(1+a²)), bound = √3·gain/√fan_in.
    const bound = e.name.endsWith('.weight') ? Math.sqrt(3) * (Math.sqrt(2 / (1 + 5)) / Math.sqrt(fanIn)) : 1 / Math.sqrt(fanIn);
    gen.fillUniformFloat32(params, -bound, bound, e.offset, e.size);
  }
  const inputs = exp.layers[0]!;
  let features: Float64Array;
  let samples: number;
  if ('uniform' in exp.features) {
    const [n, d] = exp.features.uniform;
    samples = n;
    features = new Float64Array(n * d);
    gen.fillUniformFloat32(features, 0, 1);
    if (d !== inputs) throw new Error(`features: ${d} columns but the first layer takes ${inputs} inputs`);
  } else {
    samples = exp.features.length;
    features = Float64Array.from(exp.features.flat());
  }
  const data: MaterializedData = {
    features,
    samples,
    ...(exp.targets ? { targets: Float64Array.from(exp.targets.flat()) } : {}),
    ...(exp.labels ? { labels: Int32Array.from(exp.labels) } : {}),
  };
  return { layout, params, data };
}
