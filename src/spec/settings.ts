/**
 * The settings registry: every setting of a spec, by its dotted key (as `--set` takes it), with
 * its flags, its schema, its default and the reason for it, what is allowed and whether it can be
 * swept. Everything else reads it: the spec's schema and parser, the `--set` key lookup
 * (spec-keys.ts), the defaults of every run, the `--help` of run/sweep and the README's spec table
 * (renderSettingsTable, checked against README.md by a test). Pure.
 *
 * The names of the optimizers, combiners and losses, and the types a run's settings take, belong
 * to the code that implements them (train/, summary/, experiment/); this file imports them and
 * nothing there imports it, so the registry sits on top of them without a cycle.
 */
import * as z from 'zod';
import { ACTIVATIONS, BUILTIN_EXPERIMENTS, LOSSES } from '../experiment/declarative.js';
import { MODULE_EXTENSIONS } from '../experiment/module-extensions.js';
import type { BackendName } from '../engine/types.js';
import { COMBINERS, type CombineSettings } from '../train/combiner.js';
import type { MonitorSettings } from '../train/monitor.js';
import { OPTIMIZERS, type OptimizerName, type OptimizerSettings } from '../train/optimizers.js';
import type { VerdictSettings } from '../summary/verdict.js';
import { NAME_FIELDS } from './document-path.js';
import { NUMBER_LIST_FORMS } from './parse-values.js';
import type { EngineChoice, SpecMode } from './types.js';

/**
 * How a `--set` value is read:
 * - `number`: a parseNumberList expression (`1e-3`, `0-4`, `logspace(-4,-2,3)`)
 * - `boolean`: `true`/`false` (anything else is kept as a string and rejected with its key)
 * - `string`: bare strings, comma-separated
 * - `json`: one JSON value (a list or mapping), never swept
 * - `numbers`: alpha and seeds, which are lists themselves
 */
export type SettingKind = 'number' | 'boolean' | 'string' | 'json' | 'numbers';

/**
 * A default: a value (an optimizer's field may differ per optimizer), one per command (α), or,
 * when it is worked out from other settings, a phrase saying from what.
 */
export type SettingDefault<V> =
  | { readonly value: V; readonly byOptimizer?: Readonly<Partial<Record<OptimizerName, V>>> }
  | { readonly byMode: Readonly<Record<SpecMode, V>> }
  | { readonly text: string };

export interface Setting<S extends z.ZodType = z.ZodType> {
  readonly kind: SettingKind;
  /** Can take several values on the grid. Experiment identity and name cannot: one sweep, one experiment. */
  readonly sweepable: boolean;
  /** False for keys `--set` and `sweep:` cannot name (a whole monitor mapping, the sweep itself). */
  readonly settable?: false;
  /** What a value must be; a mapping's schema is its fields' schemas, strict. */
  readonly schema: S;
  /** The tail of every error message about this key. */
  readonly allowed: string;
  /** The values a name takes, for `--help`. */
  readonly choices?: readonly string[];
  /** The flags that set exactly this key (`--seeds` and `--seed` both set seeds). */
  readonly flags?: readonly string[];
  /** How to give it on the command line when no flag sets it or a field of it. */
  readonly usage?: string;
  readonly default?: SettingDefault<z.output<S>>;
  /** Why the default is what it is. */
  readonly reason?: string;
  /** The fields of a mapping, in the order a run's config.json writes them. */
  readonly fields?: Readonly<Record<string, Setting>>;
  /** What it is, for the README's spec table (top-level keys only; Markdown). */
  readonly meaning?: string;
}

/** Infers a setting's schema type, so a group's schema and defaults keep their field types. */
function setting<S extends z.ZodType>(s: Setting<S>): Setting<S> {
  return s;
}

type Fields = Readonly<Record<string, Setting>>;

/** A mapping's schema: every field optional, any other key an error. */
function schemaOf<F extends Fields>(fields: F): z.ZodObject<{ -readonly [K in keyof F]: z.ZodOptional<F[K]['schema']> }, z.core.$strict> {
  const shape = Object.fromEntries(Object.entries(fields).map(([k, s]) => [k, s.schema.optional()]));
  return z.strictObject(shape) as unknown as z.ZodObject<{ -readonly [K in keyof F]: z.ZodOptional<F[K]['schema']> }, z.core.$strict>;
}

/** The default of every field of a mapping (for an optimizer's fields: that optimizer's). */
function defaultsOf<F extends Fields>(fields: F, optimizer?: OptimizerName): { -readonly [K in keyof F]: z.output<F[K]['schema']> } {
  // A list is copied: runs built from one default must not share (and so never alter) each other's.
  const copy = (v: unknown) => (Array.isArray(v) ? [...(v as unknown[])] : v);
  return Object.fromEntries(Object.entries(fields).map(([k, s]) => [k, copy(valueOf(k, s.default, optimizer))])) as {
    -readonly [K in keyof F]: z.output<F[K]['schema']>;
  };
}

function valueOf<V>(key: string, d: SettingDefault<V> | undefined, optimizer?: OptimizerName): V {
  if (d === undefined || !('value' in d)) throw new Error(`setting ${key} has no default value`);
  const own = optimizer !== undefined ? d.byOptimizer?.[optimizer] : undefined;
  return own !== undefined ? own : d.value;
}

const list = (xs: readonly string[]) => xs.join(', ');
const code = (xs: readonly string[]) => xs.map((x) => `\`${x}\``).join(', ');
const builtins = list(Object.keys(BUILTIN_EXPERIMENTS));
const finite = 'a finite number';

export const ENGINE_CHOICES = ['auto', 'tfjs', 'fused'] as const satisfies readonly EngineChoice[];
export const BACKENDS = ['cpu', 'wasm', 'tensorflow'] as const satisfies readonly BackendName[];

/** A sweep name becomes a directory name: the same safe characters as run ids. */
export const NAME_PATTERN = /^[A-Za-z0-9._+-]+$/;
export const MAX_NAME_LENGTH = 100;
/** Steps are counted in float64 and logged as integers; 1e9 updates is days even for the smallest net. */
export const MAX_STEPS = 1_000_000_000;
/** Seeds feed PyTorch's generator as unsigned 32-bit integers. */
export const MAX_SEED = 2 ** 32 - 1;

// zod 4's z.number() rejects NaN and ±Infinity, so every number below is finite.
const positiveInt = z.number().int().min(1);
const matrix = z.array(z.array(z.number()).min(1)).min(1);

const FEATURES_FIELDS = {
  uniform: setting({
    kind: 'json',
    sweepable: false,
    settable: false,
    schema: z.tuple([positiveInt, positiveInt]),
    allowed: '[samples, columns]: two positive integers',
  }),
};

/** Overrides of a built-in experiment: each field's default is the base experiment's. */
const EXPERIMENT_FIELDS = {
  base: setting({
    kind: 'string',
    sweepable: false,
    schema: z.string().min(1),
    allowed: `a built-in experiment: ${builtins}`,
    choices: Object.keys(BUILTIN_EXPERIMENTS),
    default: { value: 'seed' },
    reason: 'the problem this project started from (DESIGN.md)',
  }),
  name: setting({ kind: 'string', sweepable: false, schema: z.string().min(1), allowed: 'a non-empty string' }),
  layers: setting({
    kind: 'json',
    sweepable: false,
    schema: z.array(positiveInt).min(2),
    allowed: 'a list of at least 2 positive integers, input width first, e.g. [1, 8, 1]',
  }),
  activation: setting({ kind: 'string', sweepable: true, schema: z.enum(ACTIVATIONS), allowed: list(ACTIVATIONS), choices: ACTIVATIONS }),
  leaky_slope: setting({ kind: 'number', sweepable: true, schema: z.number(), allowed: finite }),
  features: setting({
    kind: 'json',
    sweepable: false,
    schema: z.union([matrix, z.strictObject({ uniform: FEATURES_FIELDS.uniform.schema })]),
    allowed: 'a matrix of finite numbers (samples × layers[0]), or {uniform: [samples, layers[0]]} drawn from the seed',
    fields: FEATURES_FIELDS,
  }),
  target: setting({ kind: 'number', sweepable: true, schema: z.number(), allowed: finite }),
  targets: setting({ kind: 'json', sweepable: false, schema: matrix, allowed: 'a matrix of finite numbers, samples × layers[-1]' }),
  labels: setting({
    kind: 'json',
    sweepable: false,
    schema: z.array(z.number().int().min(0)).min(1),
    allowed: 'a list of integers in [0, layers[-1]), one per sample',
  }),
  loss1: setting({ kind: 'string', sweepable: true, schema: z.enum(LOSSES), allowed: list(LOSSES), choices: LOSSES }),
  loss2: setting({ kind: 'string', sweepable: true, schema: z.enum(LOSSES), allowed: list(LOSSES), choices: LOSSES }),
};

/**
 * PyTorch 1.13's defaults per optimizer (torch/optim/*.py). `momentum` is SGD with momentum 0.9
 * (the usual choice; SGD's own default is 0). PyTorch's SGD has no default lr: 1e-3 here, the
 * seed problem's rate.
 */
const OPTIMIZER_FIELDS = {
  name: setting({
    kind: 'string',
    sweepable: true,
    schema: z.enum(OPTIMIZERS),
    allowed: list(OPTIMIZERS),
    choices: OPTIMIZERS,
    flags: ['--optimizer'],
    default: { value: 'adam' },
    reason: "the seed problem's optimizer",
  }),
  lr: setting({
    kind: 'number',
    sweepable: true,
    schema: z.number().gt(0),
    allowed: 'a finite number > 0',
    flags: ['--lr'],
    default: { value: 1e-3, byOptimizer: { rmsprop: 1e-2 } },
    reason: "PyTorch's Adam/AdamW and RMSprop defaults; SGD has none in PyTorch: the seed problem's rate",
  }),
  betas: setting({
    kind: 'json',
    sweepable: false,
    schema: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]),
    allowed: 'two numbers in [0, 1), e.g. [0.9, 0.999]',
    default: { value: [0.9, 0.999] },
    reason: "PyTorch's Adam",
  }),
  eps: setting({
    kind: 'number',
    sweepable: true,
    schema: z.number().min(0),
    allowed: 'a finite number ≥ 0',
    default: { value: 1e-8 },
    reason: "PyTorch's Adam and RMSprop",
  }),
  weight_decay: setting({
    kind: 'number',
    sweepable: true,
    schema: z.number().min(0),
    allowed: 'a finite number ≥ 0',
    default: { value: 0, byOptimizer: { adamw: 1e-2 } },
    reason: "PyTorch's: none, but AdamW's decoupled 1e-2",
  }),
  momentum: setting({
    kind: 'number',
    sweepable: true,
    schema: z.number().min(0),
    allowed: 'a finite number ≥ 0',
    default: { value: 0, byOptimizer: { momentum: 0.9 } },
    reason: "PyTorch's 0; the momentum optimizer is SGD with the usual 0.9",
  }),
  dampening: setting({
    kind: 'number',
    sweepable: true,
    schema: z.number().min(0).max(1),
    allowed: 'a number in [0, 1]',
    default: { value: 0 },
    reason: "PyTorch's SGD",
  }),
  nesterov: setting({
    kind: 'boolean',
    sweepable: true,
    schema: z.boolean(),
    allowed: 'true or false; true needs momentum > 0 and dampening = 0',
    default: { value: false },
    reason: "PyTorch's SGD",
  }),
  amsgrad: setting({
    kind: 'boolean',
    sweepable: true,
    schema: z.boolean(),
    allowed: 'true or false',
    default: { value: false },
    reason: "PyTorch's Adam",
  }),
  rms_alpha: setting({
    kind: 'number',
    sweepable: true,
    schema: z.number().min(0).lt(1),
    allowed: 'a number in [0, 1)',
    default: { value: 0.99 },
    reason: "PyTorch's RMSprop alpha",
  }),
  centered: setting({
    kind: 'boolean',
    sweepable: true,
    schema: z.boolean(),
    allowed: 'true or false',
    default: { value: false },
    reason: "PyTorch's RMSprop",
  }),
};

const COMBINE_FIELDS = {
  name: setting({
    kind: 'string',
    sweepable: true,
    schema: z.enum(COMBINERS),
    allowed: list(COMBINERS),
    choices: COMBINERS,
    flags: ['--combine'],
    default: { value: 'fixed' },
    reason: 'the plain loss1 − α·loss2 the question asks about',
  }),
  beta: setting({
    kind: 'number',
    sweepable: true,
    schema: z.number().min(0).lt(1),
    allowed: 'a number in [0, 1): the decay of the running gradient norms (normalized)',
    default: { value: 0.9 },
    reason: "Adam's β1: a memory of about 10 steps",
  }),
  tau: setting({
    kind: 'number',
    sweepable: true,
    schema: z.number().nullable(),
    allowed: 'a finite number: constraint keeps loss2 ≥ tau',
    default: { value: null },
    reason: 'no constraint until one is asked for',
  }),
  epsilon: setting({
    kind: 'number',
    sweepable: true,
    schema: z.number().nullable(),
    allowed: 'a finite number: constraint keeps loss1 ≤ epsilon',
    default: { value: null },
    reason: 'no constraint until one is asked for',
  }),
  dual_lr: setting({
    kind: 'number',
    sweepable: true,
    schema: z.number().gt(0),
    allowed: "a finite number > 0: the learning rate of constraint's multiplier",
    default: { value: 0.01 },
  }),
  dual_restarts: setting({
    kind: 'boolean',
    sweepable: true,
    schema: z.boolean(),
    allowed: 'true or false: constraint resets its multiplier to 0 once the constraint holds',
    default: { value: true },
  }),
};

const MONITOR_FIELDS = {
  max_loss: setting({
    kind: 'number',
    sweepable: true,
    schema: z.number().gt(0),
    allowed: 'a finite number > 0',
    default: { value: 1e10 },
    reason: 'far above any loss a sane run reaches, far below float32 overflow (3.4e38)',
  }),
  max_param_norm: setting({
    kind: 'number',
    sweepable: true,
    schema: z.number().gt(0),
    allowed: 'a finite number > 0',
    default: { value: 1e8 },
    reason: '~1e4 per weight for a 1M-parameter model',
  }),
  stop_on_diverge: setting({ kind: 'boolean', sweepable: true, schema: z.boolean(), allowed: 'true or false', default: { value: true } }),
};

const VERDICT_FIELDS = {
  window: setting({
    kind: 'number',
    sweepable: true,
    schema: z.number().gt(0).max(1),
    allowed: 'a number in (0, 1]: the fraction of steps judged',
    default: { value: 0.1 },
    reason: 'the last 10%: long enough to see a swing, recent enough to ignore the transient',
  }),
  settle_tol: setting({
    kind: 'number',
    sweepable: true,
    schema: z.number().gt(0),
    allowed: 'a finite number > 0',
    default: { value: 0.01 },
    reason: '1%: a band a person would call flat',
  }),
  drift_tol: setting({
    kind: 'number',
    sweepable: true,
    schema: z.number().gt(0),
    allowed: 'a finite number > 0',
    default: { value: 0.01 },
    reason: '1%: a band a person would call flat',
  }),
};

export const experimentSchema = schemaOf(EXPERIMENT_FIELDS);
export const optimizerSchema = schemaOf(OPTIMIZER_FIELDS);
export const combineSchema = schemaOf(COMBINE_FIELDS);
export const monitorSchema = schemaOf(MONITOR_FIELDS);
export const verdictSchema = schemaOf(VERDICT_FIELDS);

/** The top level of a spec, in the order sweep.json's document lists it. */
const TOP_FIELDS = {
  name: setting({
    kind: 'string',
    sweepable: false,
    schema: z
      .string()
      .min(1)
      .max(MAX_NAME_LENGTH)
      .regex(NAME_PATTERN)
      .refine((s) => s !== '.' && s !== '..'),
    allowed: `1 to ${MAX_NAME_LENGTH} characters from A-Z a-z 0-9 . _ + - (not "." or "..")`,
    flags: ['--name'],
    default: { text: 'the experiment name' },
    meaning:
      "names the default results directory; the default is the experiment's name (a module's `name`, else its file name) with letters and digits of any script kept, other characters one `-`, no leading `-` or `.`",
  }),
  experiment: setting({
    kind: 'json',
    sweepable: false,
    schema: experimentSchema,
    allowed: `a built-in experiment (${builtins}) or a mapping overriding one: {${list(Object.keys(EXPERIMENT_FIELDS))}}`,
    flags: ['--experiment'],
    fields: EXPERIMENT_FIELDS,
    meaning: 'a built-in declarative experiment, or a mapping overriding one (below)',
  }),
  module: setting({
    kind: 'string',
    sweepable: false,
    schema: z.string().min(1),
    allowed: `a ${MODULE_EXTENSIONS.slice(0, -1).join(', ')} or ${MODULE_EXTENSIONS.at(-1)} file (relative to the spec file, or to the working directory for flags)`,
    flags: ['--module'],
    meaning: `your own experiment, a ${MODULE_EXTENSIONS.map((e) => `\`${e}\``).join('/')} module (instead of \`experiment\`)`,
  }),
  command: setting({
    kind: 'string',
    sweepable: false,
    settable: false,
    schema: z.union([z.string(), z.array(z.string()).min(1)]),
    allowed:
      'a command line such as "python3 train.py --alpha {alpha} --seed {seed}" (split like shell words, run without a shell), or a list of its arguments',
    flags: ['--command'],
    meaning:
      'your own training script, run once per grid point (instead of `experiment`/`module`): `{alpha}`, `{seed}`, `{steps}`, `{optimizer.lr}`, `{run_dir}`… are filled in; it prints `{"loss1": …, "loss2": …}` lines (see "Your own training script")',
  }),
  alpha: setting({
    kind: 'numbers',
    sweepable: true,
    schema: z.array(z.number().min(0)).min(1),
    allowed: `finite numbers ≥ 0, no duplicates: ${NUMBER_LIST_FORMS}`,
    flags: ['--alpha'],
    default: { byMode: { sweep: [0, 0.01, 0.1, 1], run: [0] } },
    reason: 'a sweep: no α, then three decades, to see where loss2 starts to matter; a run: plain loss1',
    meaning: 'weight of loss2; finite, ≥ 0',
  }),
  seeds: setting({
    kind: 'numbers',
    sweepable: true,
    schema: z.array(z.number().int().min(0).max(MAX_SEED)).min(1),
    allowed: `integers in [0, ${MAX_SEED}] (below 2³²), no duplicates: a number, a list "0,1,2", a range "0-4" or "0-10:2"`,
    flags: ['--seeds', '--seed'],
    default: { value: [0] },
    reason: 'one run per α, from the weights torch.manual_seed(0) gives',
    meaning: 'seeds every random draw (weights, random data); integers in [0, 2³²)',
  }),
  steps: setting({
    kind: 'number',
    sweepable: true,
    schema: positiveInt.max(MAX_STEPS),
    allowed: `an integer from 1 to ${MAX_STEPS}`,
    flags: ['--steps'],
    default: { value: 10_000 },
    reason: "the seed problem's 10,000 updates",
    meaning: 'updates per run',
  }),
  log_every: setting({
    kind: 'number',
    sweepable: true,
    schema: positiveInt.max(MAX_STEPS),
    allowed: `an integer from 1 to ${MAX_STEPS}`,
    flags: ['--log-every'],
    default: { value: 1 },
    reason: 'every step: the curves show every swing',
    meaning: 'write every k-th step to steps.csv (step 0, the last step and a diverging step always)',
  }),
  optimizer: setting({
    kind: 'json',
    sweepable: false,
    settable: false,
    schema: optimizerSchema,
    allowed: `a name (${list(OPTIMIZERS)}) or a mapping {${list(Object.keys(OPTIMIZER_FIELDS))}}`,
    fields: OPTIMIZER_FIELDS,
    meaning: `${code(OPTIMIZERS)}, or a mapping \`{${list(Object.keys(OPTIMIZER_FIELDS))}}\``,
  }),
  combine: setting({
    kind: 'json',
    sweepable: false,
    settable: false,
    schema: combineSchema,
    allowed: `a name (${list(COMBINERS)}) or a mapping {${list(Object.keys(COMBINE_FIELDS))}}`,
    fields: COMBINE_FIELDS,
    meaning: `how the two gradients become one direction: ${code(COMBINERS)}, or a mapping \`{${list(Object.keys(COMBINE_FIELDS))}}\` (below)`,
  }),
  engine: setting({
    kind: 'string',
    sweepable: true,
    schema: z.enum(ENGINE_CHOICES),
    allowed: `${list(ENGINE_CHOICES)} (fused: declarative experiments only)`,
    choices: ENGINE_CHOICES,
    flags: ['--engine'],
    default: { value: 'auto' },
    reason: 'fused for declarative experiments, tfjs for modules',
    meaning: '`fused` (declarative experiments), `tfjs` (anything), `auto` = fused when it can',
  }),
  backend: setting({
    kind: 'string',
    sweepable: true,
    schema: z.enum(BACKENDS),
    allowed: list(BACKENDS),
    choices: BACKENDS,
    flags: ['--backend'],
    default: { value: 'cpu' },
    reason: 'always available; wasm/tensorflow are opt-in',
    meaning: `tfjs backend: ${code(BACKENDS)} (needs \`@tensorflow/tfjs-node\`, optional)`,
  }),
  init: setting({
    kind: 'string',
    sweepable: true,
    schema: z.string().min(1).nullable(),
    allowed: 'a PyTorch state_dict saved as .json (relative to the spec file, or to the working directory for flags), or null',
    flags: ['--init'],
    default: { value: null },
    reason: "the experiment's own seeded init",
    meaning:
      "initial parameters from a PyTorch `state_dict` dumped to JSON (`json.dumps`'s bare `NaN`/`Infinity` are read, then refused by name and index: weights must be finite numbers)",
  }),
  monitor: setting({
    kind: 'json',
    sweepable: false,
    settable: false,
    schema: monitorSchema,
    allowed: `a mapping {${list(Object.keys(MONITOR_FIELDS))}}`,
    fields: MONITOR_FIELDS,
    meaning: 'divergence thresholds',
  }),
  verdict: setting({
    kind: 'json',
    sweepable: false,
    settable: false,
    schema: verdictSchema,
    allowed: `a mapping {${list(Object.keys(VERDICT_FIELDS))}}`,
    fields: VERDICT_FIELDS,
    meaning: 'stability thresholds (below)',
  }),
  sweep: setting({
    kind: 'json',
    sweepable: false,
    settable: false,
    schema: z.record(z.string(), z.unknown()),
    allowed: 'a mapping of setting keys (e.g. optimizer.lr) to lists of values',
    usage: '--set key=v1,v2',
    meaning: 'sweep any other setting',
  }),
};

/** α and seeds: checked as lists by parse-spec.ts, before the grid they span exists. */
export const LIST_SCHEMAS = { alpha: TOP_FIELDS.alpha.schema, seeds: TOP_FIELDS.seeds.schema } as const;

/**
 * One grid point's settings: the merged spec (file, then flags, then that point's swept values),
 * with `experiment: NAME` and `optimizer: NAME` already normalized to `{ base: NAME }` and
 * `{ name: NAME }`. Every object is strict: an unknown key is an error. Cross-field rules (shapes
 * against layers, nesterov, fused-with-module…) live in parse-point.ts.
 */
export const pointSchema = schemaOf({
  ...TOP_FIELDS,
  // alpha, seeds and sweep are validated by parse-spec.ts before the grid exists; they are listed
  // here so that a misspelling of them is recognised as one.
  alpha: { ...TOP_FIELDS.alpha, schema: z.unknown() },
  seeds: { ...TOP_FIELDS.seeds, schema: z.unknown() },
  sweep: { ...TOP_FIELDS.sweep, schema: z.unknown() },
});

export type PointDocument = z.infer<typeof pointSchema>;
export type ExperimentDocument = z.infer<typeof experimentSchema>;
export type OptimizerDocument = z.infer<typeof optimizerSchema>;
export type CombineDocument = z.infer<typeof combineSchema>;

function flatten(prefix: string, fields: Fields): [string, Setting][] {
  return Object.entries(fields).flatMap(([name, s]) => {
    const key = prefix === '' ? name : `${prefix}.${name}`;
    return [[key, s] as [string, Setting], ...(s.fields ? flatten(key, s.fields) : [])];
  });
}

/** Every setting by dotted key, each mapping followed by its fields. */
export const SETTINGS: Readonly<Record<string, Setting>> = Object.fromEntries(flatten('', TOP_FIELDS));

/** The known keys of every mapping in a spec, by dotted path ('' is the top level). */
export const MAPPING_KEYS: Readonly<Record<string, readonly string[]>> = {
  '': Object.keys(TOP_FIELDS),
  ...Object.fromEntries(Object.entries(SETTINGS).flatMap(([key, s]) => (s.fields ? [[key, Object.keys(s.fields)]] : []))),
};

/** The top-level defaults a run reads that are one value, whatever the command and the optimizer. */
export const DEFAULTS = {
  experiment: valueOf('experiment.base', EXPERIMENT_FIELDS.base.default),
  steps: valueOf('steps', TOP_FIELDS.steps.default),
  log_every: valueOf('log_every', TOP_FIELDS.log_every.default),
  optimizer: valueOf('optimizer.name', OPTIMIZER_FIELDS.name.default),
  engine: valueOf('engine', TOP_FIELDS.engine.default),
  backend: valueOf('backend', TOP_FIELDS.backend.default),
  seeds: valueOf('seeds', TOP_FIELDS.seeds.default),
};

/** The α list a command trains when none is given. */
export function defaultAlphas(mode: SpecMode): readonly number[] {
  const d = TOP_FIELDS.alpha.default!;
  if (!('byMode' in d)) throw new Error('setting alpha has no default per command');
  return d.byMode[mode];
}

/** An optimizer's settings when the spec sets nothing but its name. */
export function defaultOptimizerSettings(name: OptimizerName): OptimizerSettings {
  return { ...defaultsOf(OPTIMIZER_FIELDS, name), name };
}

export const DEFAULT_COMBINE: CombineSettings = defaultsOf(COMBINE_FIELDS);
export const DEFAULT_MONITOR: MonitorSettings = defaultsOf(MONITOR_FIELDS);
export const DEFAULT_VERDICT: VerdictSettings = defaultsOf(VERDICT_FIELDS);

/** A default value as a person writes it: `10000`, `1e10`, `0.001`, `[0.9, 0.999]`. */
function renderValue(v: unknown): string {
  if (typeof v === 'number') return v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-3) ? v.toExponential().replace('e+', 'e') : String(v);
  if (Array.isArray(v)) return v.map(renderValue).join(',');
  return String(v);
}

/**
 * A setting's default as the README writes it (Markdown), or null when it has none. A mapping's is
 * that of its name field (`optimizer`: `adam`), else the mapping of its fields' defaults.
 */
function renderDefault(key: string, format: (text: string) => string): string | null {
  const s = SETTINGS[key]!;
  const nameField = NAME_FIELDS[key];
  if (nameField !== undefined) return renderDefault(`${key}.${nameField}`, format);
  if (s.fields && s.default === undefined) {
    const parts = Object.entries(s.fields).map(([field, f]) => (f.default && 'value' in f.default ? `${field}: ${renderValue(f.default.value)}` : null));
    return parts.every((p) => p !== null) ? format(`{${parts.join(', ')}}`) : null;
  }
  const d = s.default;
  if (d === undefined) return null;
  if ('text' in d) return d.text;
  if ('byMode' in d)
    return Object.entries(d.byMode)
      .map(([mode, v]) => `${mode}: ${format(renderValue(v))}`)
      .join('; ');
  if (d.value === null) return null;
  const own = Object.entries(d.byOptimizer ?? {}).map(([name, v]) => `${name}: ${format(renderValue(v))}`);
  return format(renderValue(d.value)) + (own.length > 0 ? ` (${own.join(', ')})` : '');
}

/** `(default: 10000)` for a flag's help; the default of `mode`'s command where they differ. */
export function renderHelpDefault(key: string, mode: SpecMode): string {
  const d = SETTINGS[key]?.default;
  const own = d && 'value' in d ? Object.entries(d.byOptimizer ?? {}).map(([name, v]) => `; ${name}: ${renderValue(v)}`) : [];
  const text = d && 'byMode' in d ? renderValue(d.byMode[mode]) : d && 'value' in d ? renderValue(d.value) + own.join('') : renderDefault(key, (t) => t);
  if (text === null) throw new Error(`setting ${key} has no default to show`);
  return `(default: ${text})`;
}

/** `sgd | momentum | adam | adamw | rmsprop`: the names a flag takes, for its help. */
export function renderChoices(key: string): string {
  const choices = SETTINGS[key]?.choices;
  if (!choices) throw new Error(`setting ${key} has no choices`);
  return choices.join(' | ');
}

/** The flags that set a top-level setting or any field of it, as a table cell. */
function renderFlags(key: string): string {
  const byKey = Object.entries(SETTINGS)
    .filter(([k, s]) => (k === key || k.startsWith(`${key}.`)) && s.flags)
    .map(([, s]) => s.flags!.map((f) => `\`${f}\``).join(' / '));
  if (byKey.length > 0) return byKey.join(', ');
  const s = SETTINGS[key]!;
  return `\`${s.usage ?? `--set ${key}.…`}\``;
}

/** The README's table of the spec's top-level settings (Markdown), one row per key. */
export function renderSettingsTable(): string {
  const rows = Object.keys(TOP_FIELDS).map((key) => {
    const s = SETTINGS[key]!;
    return `| \`${key}\` | ${renderFlags(key)} | ${renderDefault(key, (t) => `\`${t}\``) ?? '—'} | ${s.meaning ?? ''} |`;
  });
  return ['| key (file) | flag | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n') + '\n';
}
