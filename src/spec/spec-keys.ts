/**
 * Every setting a spec knows, by dotted key: how a command-line value for it is read, whether it
 * can be swept, and what is allowed (the tail of every error message about it). Pure.
 */
import { ACTIVATIONS, BUILTIN_EXPERIMENTS, LOSSES } from '../experiment/declarative.js';
import { MODULE_EXTENSIONS } from '../experiment/module-extensions.js';
import { COMBINERS } from '../train/combiner.js';
import { OPTIMIZERS } from '../train/optimizers.js';
import { NUMBER_LIST_FORMS } from './parse-values.js';
import { BACKENDS, ENGINE_CHOICES, MAPPING_KEYS, MAX_NAME_LENGTH, MAX_SEED, MAX_STEPS } from './spec-schema.js';

/**
 * How a `--set` value is read:
 * - `number`: a parseNumberList expression (`1e-3`, `0-4`, `logspace(-4,-2,3)`)
 * - `boolean`: `true`/`false` (anything else is kept as a string and rejected with its key)
 * - `string`: bare strings, comma-separated
 * - `json`: one JSON value (a list or mapping), never swept
 * - `numbers`: alpha and seeds, which are lists themselves
 */
export type SettingKind = 'number' | 'boolean' | 'string' | 'json' | 'numbers';

export interface SettingInfo {
  readonly kind: SettingKind;
  /** Can take several values on the grid. Experiment identity and name cannot: one sweep, one experiment. */
  readonly sweepable: boolean;
  readonly allowed: string;
}

const list = (xs: readonly string[]) => xs.join(', ');
const builtins = list(Object.keys(BUILTIN_EXPERIMENTS));
const finite = 'a finite number';

/** Leaf settings, settable with `--set` and in a file's `sweep:` mapping. */
export const SETTINGS: Readonly<Record<string, SettingInfo>> = {
  name: {
    kind: 'string',
    sweepable: false,
    allowed: `1 to ${MAX_NAME_LENGTH} characters from A-Z a-z 0-9 . _ + - (not "." or "..")`,
  },
  experiment: {
    kind: 'json',
    sweepable: false,
    allowed: `a built-in experiment (${builtins}) or a mapping overriding one: {${list(MAPPING_KEYS.experiment!)}}`,
  },
  'experiment.base': { kind: 'string', sweepable: false, allowed: `a built-in experiment: ${builtins}` },
  'experiment.name': { kind: 'string', sweepable: false, allowed: 'a non-empty string' },
  'experiment.layers': { kind: 'json', sweepable: false, allowed: 'a list of at least 2 positive integers, input width first, e.g. [1, 8, 1]' },
  'experiment.activation': { kind: 'string', sweepable: true, allowed: list(ACTIVATIONS) },
  'experiment.leaky_slope': { kind: 'number', sweepable: true, allowed: finite },
  'experiment.features': {
    kind: 'json',
    sweepable: false,
    allowed: 'a matrix of finite numbers (samples × layers[0]), or {uniform: [samples, layers[0]]} drawn from the seed',
  },
  'experiment.features.uniform': { kind: 'json', sweepable: false, allowed: '[samples, columns]: two positive integers' },
  'experiment.target': { kind: 'number', sweepable: true, allowed: finite },
  'experiment.targets': { kind: 'json', sweepable: false, allowed: 'a matrix of finite numbers, samples × layers[-1]' },
  'experiment.labels': { kind: 'json', sweepable: false, allowed: 'a list of integers in [0, layers[-1]), one per sample' },
  'experiment.loss1': { kind: 'string', sweepable: true, allowed: list(LOSSES) },
  'experiment.loss2': { kind: 'string', sweepable: true, allowed: list(LOSSES) },
  module: {
    kind: 'string',
    sweepable: false,
    allowed: `a ${MODULE_EXTENSIONS.slice(0, -1).join(', ')} or ${MODULE_EXTENSIONS.at(-1)} file (relative to the spec file, or to the working directory for flags)`,
  },
  alpha: { kind: 'numbers', sweepable: true, allowed: `finite numbers ≥ 0, no duplicates: ${NUMBER_LIST_FORMS}` },
  seeds: {
    kind: 'numbers',
    sweepable: true,
    allowed: `integers in [0, ${MAX_SEED}] (below 2³²), no duplicates: a number, a list "0,1,2", a range "0-4" or "0-10:2"`,
  },
  steps: { kind: 'number', sweepable: true, allowed: `an integer from 1 to ${MAX_STEPS}` },
  log_every: { kind: 'number', sweepable: true, allowed: `an integer from 1 to ${MAX_STEPS}` },
  optimizer: {
    kind: 'json',
    sweepable: false,
    allowed: `a name (${list(OPTIMIZERS)}) or a mapping {${list(MAPPING_KEYS.optimizer!)}}`,
  },
  'optimizer.name': { kind: 'string', sweepable: true, allowed: list(OPTIMIZERS) },
  'optimizer.lr': { kind: 'number', sweepable: true, allowed: 'a finite number > 0' },
  'optimizer.betas': { kind: 'json', sweepable: false, allowed: 'two numbers in [0, 1), e.g. [0.9, 0.999]' },
  'optimizer.eps': { kind: 'number', sweepable: true, allowed: 'a finite number ≥ 0' },
  'optimizer.weight_decay': { kind: 'number', sweepable: true, allowed: 'a finite number ≥ 0' },
  'optimizer.momentum': { kind: 'number', sweepable: true, allowed: 'a finite number ≥ 0' },
  'optimizer.dampening': { kind: 'number', sweepable: true, allowed: 'a number in [0, 1]' },
  'optimizer.nesterov': { kind: 'boolean', sweepable: true, allowed: 'true or false; true needs momentum > 0 and dampening = 0' },
  'optimizer.amsgrad': { kind: 'boolean', sweepable: true, allowed: 'true or false' },
  'optimizer.rms_alpha': { kind: 'number', sweepable: true, allowed: 'a number in [0, 1)' },
  'optimizer.centered': { kind: 'boolean', sweepable: true, allowed: 'true or false' },
  combine: { kind: 'json', sweepable: false, allowed: `a name (${list(COMBINERS)}) or a mapping {${list(MAPPING_KEYS.combine!)}}` },
  'combine.name': { kind: 'string', sweepable: true, allowed: list(COMBINERS) },
  'combine.beta': { kind: 'number', sweepable: true, allowed: 'a number in [0, 1): the decay of the running gradient norms (normalized)' },
  'combine.tau': { kind: 'number', sweepable: true, allowed: 'a finite number: constraint keeps loss2 ≥ tau' },
  'combine.epsilon': { kind: 'number', sweepable: true, allowed: 'a finite number: constraint keeps loss1 ≤ epsilon' },
  'combine.dual_lr': { kind: 'number', sweepable: true, allowed: "a finite number > 0: the learning rate of constraint's multiplier" },
  'combine.dual_restarts': { kind: 'boolean', sweepable: true, allowed: 'true or false: constraint resets its multiplier to 0 once the constraint holds' },
  engine: { kind: 'string', sweepable: true, allowed: `${list(ENGINE_CHOICES)} (fused: declarative experiments only)` },
  backend: { kind: 'string', sweepable: true, allowed: list(BACKENDS) },
  init: {
    kind: 'string',
    sweepable: true,
    allowed: 'a PyTorch state_dict saved as .json (relative to the spec file, or to the working directory for flags), or null',
  },
  monitor: { kind: 'json', sweepable: false, allowed: `a mapping {${list(MAPPING_KEYS.monitor!)}}` },
  'monitor.max_loss': { kind: 'number', sweepable: true, allowed: 'a finite number > 0' },
  'monitor.max_param_norm': { kind: 'number', sweepable: true, allowed: 'a finite number > 0' },
  'monitor.stop_on_diverge': { kind: 'boolean', sweepable: true, allowed: 'true or false' },
  verdict: { kind: 'json', sweepable: false, allowed: `a mapping {${list(MAPPING_KEYS.verdict!)}}` },
  'verdict.window': { kind: 'number', sweepable: true, allowed: 'a number in (0, 1]: the fraction of steps judged' },
  'verdict.settle_tol': { kind: 'number', sweepable: true, allowed: 'a finite number > 0' },
  'verdict.drift_tol': { kind: 'number', sweepable: true, allowed: 'a finite number > 0' },
};

/** Allowed text of mapping-valued keys that are not settings themselves. */
const GROUP_ALLOWED: Readonly<Record<string, string>> = {
  '': `a mapping of spec keys: ${list(MAPPING_KEYS['']!)}`,
  sweep: 'a mapping of setting keys (e.g. optimizer.lr) to lists of values',
};

/** Shorthands accepted by `--set` and in `sweep:`. */
export const KEY_ALIASES: Readonly<Record<string, string>> = {
  lr: 'optimizer.lr',
  optimizer: 'optimizer.name',
  combine: 'combine.name',
  seed: 'seeds',
};

/** Keys a `--set` or `sweep:` entry may name (a whole `optimizer`/`monitor`/`verdict` mapping cannot). */
export const SETTABLE_KEYS: readonly string[] = Object.keys(SETTINGS).filter(
  (k) => k !== 'optimizer' && k !== 'combine' && k !== 'monitor' && k !== 'verdict' && k !== 'experiment.features.uniform',
);

export function canonicalSettingKey(key: string): string {
  return KEY_ALIASES[key] ?? key;
}

/**
 * What is allowed at a (dotted, index-free) key: its own entry, else the closest enclosing
 * setting's (an element of `experiment.features` is judged by the rule of the matrix).
 */
export function describeAllowed(key: string): string {
  for (let k = key; ; k = k.slice(0, Math.max(0, k.lastIndexOf('.')))) {
    const info = SETTINGS[k];
    if (info) return info.allowed;
    const group = GROUP_ALLOWED[k];
    if (group) return group;
    if (k === '') return GROUP_ALLOWED['']!;
  }
}

/** The keys a misspelled `--set` key is compared with, and the `allowed:` text listing them. */
export function describeSettableKeys(key: string): { candidates: string[]; allowed: string } {
  const candidates = [...SETTABLE_KEYS, ...Object.keys(KEY_ALIASES)];
  const group = key.split('.')[0]!;
  const inGroup = SETTABLE_KEYS.filter((k) => k.startsWith(`${group}.`));
  if (inGroup.length > 0) return { candidates, allowed: list(inGroup) };
  const tops = [...new Set(SETTABLE_KEYS.map((k) => (k.includes('.') ? `${k.split('.')[0]}.<field>` : k)))];
  return { candidates, allowed: `${list(tops)} (aliases: ${list(Object.keys(KEY_ALIASES))})` };
}
