/**
 * One grid point's merged settings (file, flags, and that point's swept values) into the settings
 * of its runs: schema first, then the rules that tie fields together, then defaults that depend on
 * other values (an optimizer's own defaults). Pure apart from the injected `resolveFile`.
 */
import { BUILTIN_EXPERIMENTS, type DeclarativeExperiment, type LossName } from '../experiment/declarative.js';
import { MODULE_EXTENSIONS } from '../experiment/module-extensions.js';
import type { CombineSettings } from '../train/combiner.js';
import type { OptimizerSettings } from '../train/optimizers.js';
import { computePlaceholderValues, findAmbiguousPlaceholders, listMisspelledPlaceholders, listPlaceholders, splitCommand } from './command-template.js';
import { NAME_FIELDS } from './document-path.js';
import { renderSuggestion } from './nearest-name.js';
import { describeValue, renderKeyError, renderZodIssues, type OriginMap } from './spec-errors.js';
import {
  DEFAULT_COMBINE,
  DEFAULT_MONITOR,
  DEFAULT_VERDICT,
  DEFAULTS,
  defaultOptimizerSettings,
  pointSchema,
  type CombineDocument,
  type ExperimentDocument,
  type OptimizerDocument,
} from './settings.js';
import type { ExperimentSource, RunConfig } from './types.js';

export interface ResolvedFile {
  absPath: string;
  sha256: string;
}

export type ResolveFile = (path: string, baseDir: string) => ResolvedFile | { error: string };

export interface PointContext {
  readonly origins: OriginMap;
  readonly cwd: string;
  /** Absolute directory of the spec file, when there is one. */
  readonly fileDir: string | null;
  readonly resolveFile: ResolveFile;
  /** `--set`/`sweep:` keys that are a command's own settings (placeholders besides mo-train's). */
  readonly scriptKeys: readonly string[];
}

/** What every run of one grid point shares: all of RunConfig but its place on the grid. */
export type PointSettings = Omit<RunConfig, 'id' | 'alpha' | 'seed' | 'coords'>;

export type PointResult = { ok: true; settings: PointSettings } | { ok: false; errors: string[] };

const builtinList = Object.keys(BUILTIN_EXPERIMENTS).join(', ');

export function parsePointSettings(doc: Readonly<Record<string, unknown>>, pc: PointContext): PointResult {
  // `experiment: seed` / `optimizer: adam` are read as their mappings; messages keep the user's key.
  const named = new Set<string>();
  const normalized: Record<string, unknown> = { ...doc };
  for (const [key, field] of Object.entries(NAME_FIELDS)) {
    if (typeof normalized[key] === 'string') {
      normalized[key] = { [field]: normalized[key] };
      named.add(`${key}.${field}`);
    }
  }
  const relabel = (path: string) => (named.has(path) ? path.slice(0, path.indexOf('.')) : path);

  // `command` is a string or a list of strings: said in those words (the generic union message is about matrices).
  const commandProblem = describeCommandType(normalized.command);
  if (commandProblem !== null) return { ok: false, errors: [renderKeyError(pc.origins, commandProblem.key, commandProblem.what)] };
  const parsed = pointSchema.safeParse(normalized);
  if (!parsed.success) return { ok: false, errors: renderZodIssues(parsed.error.issues, normalized, pc.origins, relabel) };
  const d = parsed.data;
  const { origins } = pc;
  const errors: string[] = [];

  let experiment: ExperimentSource | undefined;
  if (d.command !== undefined && (d.module !== undefined || d.experiment !== undefined)) {
    const other = d.module !== undefined ? `module ${d.module}` : 'a declarative experiment';
    errors.push(renderKeyError(origins, 'command', `set together with ${other}; a spec runs one of them`, 'one of experiment, module or command'));
  } else if (d.command !== undefined) {
    experiment = computeCommand(d.command, pc, errors);
  } else if (d.module !== undefined && d.experiment !== undefined) {
    // Name the flag that brought the second one in, if a flag did (the file alone is one source).
    const fromFlag = [...origins.listUnder('experiment'), ...origins.listUnder('module')].find((e) => !e.origin.fromFile);
    const key = fromFlag?.key ?? 'module';
    const other = key === 'module' ? 'a declarative experiment' : `module ${d.module}`;
    errors.push(
      renderKeyError(origins, key, `set together with ${other}; a spec runs one or the other`, 'either experiment (and experiment.* settings) or module'),
    );
  } else if (d.module !== undefined) {
    const file = resolveUserFile(pc, 'module', d.module, MODULE_EXTENSIONS, errors);
    if (file) experiment = { kind: 'module', path: file.absPath, sha256: file.sha256 };
  } else {
    const definition = computeDeclarative(d.experiment ?? { base: DEFAULTS.experiment }, named.has('experiment.base'), origins, errors);
    if (definition) experiment = { kind: 'declarative', definition };
  }

  const engine = d.engine ?? DEFAULTS.engine;
  if (engine === 'fused' && d.module !== undefined) {
    errors.push(
      renderKeyError(origins, 'engine', `fused serves declarative experiments only, and this spec runs the module ${d.module}`, 'auto or tfjs with a module'),
    );
  }

  if (d.command !== undefined) {
    // A command trains itself: mo-train's engines, gradient combiners and --init do not reach it.
    const mismatch = (key: string, what: string, allowed: string) => errors.push(renderKeyError(origins, key, what, allowed));
    if (engine !== 'auto') mismatch('engine', `${engine} cannot run a command; the command is its own engine`, 'auto (or leave engine out) with command');
    const combiner = d.combine?.name ?? DEFAULT_COMBINE.name;
    if (combiner !== DEFAULT_COMBINE.name) {
      mismatch(
        'combine.name',
        `${combiner} needs each loss's gradient, which a command's script keeps to itself`,
        `${DEFAULT_COMBINE.name} with command (the script minimizes loss1 − α·loss2 itself)`,
      );
    }
    if (d.init !== undefined && d.init !== null) {
      mismatch('init', 'mo-train cannot load weights into a command', 'null with command; pass the file to your script in the command instead');
    }
  }
  const initGiven = d.init !== undefined && d.init !== null && d.command === undefined;

  const optimizer = computeOptimizer(d.optimizer ?? {}, origins, errors);
  const combine = computeCombine(d.combine ?? {}, origins, errors);

  let init: RunConfig['init'] = null;
  if (initGiven && d.init) {
    const file = resolveUserFile(pc, 'init', d.init, ['.json'], errors);
    if (file) init = { path: file.absPath, sha256: file.sha256 };
  }

  if (errors.length > 0 || !experiment) return { ok: false, errors };
  return {
    ok: true,
    settings: {
      steps: d.steps ?? DEFAULTS.steps,
      log_every: d.log_every ?? DEFAULTS.log_every,
      experiment,
      optimizer,
      combine,
      monitor: { ...DEFAULT_MONITOR, ...d.monitor },
      verdict: { ...DEFAULT_VERDICT, ...d.verdict },
      engine,
      backend: d.backend ?? DEFAULTS.backend,
      init,
    },
  };
}

/**
 * A command: split into argv (without a shell), its placeholders checked against the settings
 * they can name, run in the directory its relative paths are written against (the spec file's,
 * or the working directory for a flag), and the first file its arguments name — the script —
 * hashed, so that editing the script makes a resumed sweep see a changed config.
 */
function computeCommand(command: string | readonly string[], pc: PointContext, errors: string[]): ExperimentSource | undefined {
  const origin = pc.origins.lookup('command');
  const split = splitCommand(command);
  if (!split.ok) {
    errors.push(renderKeyError(pc.origins, 'command', split.error));
    return undefined;
  }
  const { argv } = split;
  const ambiguous = findAmbiguousPlaceholders(argv);
  if (ambiguous !== null) {
    errors.push(
      renderKeyError(
        pc.origins,
        'command',
        `${ambiguous}: two placeholders with nothing between them make a value that cannot be read back`,
        'placeholders separated by other text, e.g. {alpha}_{seed}, or in arguments of their own',
      ),
    );
    return undefined;
  }
  const known = [
    ...Object.keys(computePlaceholderValues({ ...SAMPLE_POINT, optimizer: defaultOptimizerSettings(DEFAULTS.optimizer) }, { dir: '', id: '' })),
    ...pc.scriptKeys,
  ];
  for (const key of [...listPlaceholders(argv), ...listMisspelledPlaceholders(argv)]) {
    if (known.includes(key)) continue;
    errors.push(
      renderKeyError(
        pc.origins,
        'command',
        `unknown placeholder {${key}}${renderSuggestion(key, known)}`,
        'placeholders {alpha}, {seed}, {steps}, {log_every}, {lr}, {optimizer}, {run_dir}, {run_id}, any optimizer.*, monitor.* or verdict.* setting (e.g. {optimizer.lr}), or a setting of your own given with --set name=values',
      ),
    );
    return undefined;
  }
  const cwd = origin.fromFile && pc.fileDir !== null ? pc.fileDir : pc.cwd;
  // The script: the first argument that names a file (`python3 train.py`, `/usr/bin/python3 -u
  // train.py`), else the program itself when given as a path (`./train.sh`) — never a program
  // looked up on PATH, nor an interpreter given by its path when a file follows it.
  const named = (word: string): ResolvedFile | null => {
    if (word.startsWith('-') || listPlaceholders([word]).length > 0) return null;
    const file = pc.resolveFile(word, cwd);
    return 'error' in file ? null : file;
  };
  let script: ResolvedFile | null = null;
  for (const word of argv.slice(1)) if ((script = named(word)) !== null) break;
  if (script === null && argv[0]!.includes('/')) script = named(argv[0]!);
  return { kind: 'command', argv, cwd, script: script && { path: script.absPath, sha256: script.sha256 } };
}

function describeCommandType(command: unknown): { key: string; what: string } | null {
  if (command === undefined || typeof command === 'string') return null;
  if (!Array.isArray(command)) return { key: 'command', what: `expected a string or a list of strings, got ${describeValue(command)}` };
  const bad = command.findIndex((a) => typeof a !== 'string');
  return bad < 0 ? null : { key: `command[${bad}]`, what: `expected a string, got ${describeValue(command[bad])}` };
}

/** Any values: only which placeholders exist is read from it. */
const SAMPLE_POINT = { alpha: 0, seed: 0, steps: 1, log_every: 1, monitor: DEFAULT_MONITOR, verdict: DEFAULT_VERDICT } as const;

/** A module or init path: extension checked, resolved against the directory of the file it came from, hashed. */
function resolveUserFile(pc: PointContext, key: 'module' | 'init', path: string, extensions: readonly string[], errors: string[]): ResolvedFile | null {
  const origin = pc.origins.lookup(key);
  const baseDir = origin.fromFile && pc.fileDir !== null ? pc.fileDir : pc.cwd;
  const allowed =
    key === 'module'
      ? `an existing ${extensions.join('/')} file (a relative path resolves against ${origin.fromFile ? "the spec file's directory" : 'the working directory'})`
      : `an existing state_dict .json file (a relative path resolves against ${origin.fromFile ? "the spec file's directory" : 'the working directory'})`;
  if (!extensions.some((ext) => path.toLowerCase().endsWith(ext))) {
    errors.push(renderKeyError(pc.origins, key, `"${path}" does not end in ${extensions.join(', ')}`, allowed));
    return null;
  }
  const resolved = pc.resolveFile(path, baseDir);
  if ('error' in resolved) {
    errors.push(renderKeyError(pc.origins, key, resolved.error, allowed));
    return null;
  }
  return resolved;
}

function computeOptimizer(o: OptimizerDocument, origins: OriginMap, errors: string[]): OptimizerSettings {
  // Per grid point: `--set optimizer=adam,rmsprop` gives rmsprop its own default lr.
  const defaults = defaultOptimizerSettings(o.name ?? DEFAULTS.optimizer);
  const settings: OptimizerSettings = { ...defaults, ...o, betas: o.betas ? [o.betas[0], o.betas[1]] : defaults.betas };
  // PyTorch's rule (torch.optim.SGD): Nesterov momentum requires a momentum and zero dampening.
  if (settings.nesterov && (settings.momentum <= 0 || settings.dampening !== 0)) {
    errors.push(
      renderKeyError(
        origins,
        'optimizer.nesterov',
        `true needs momentum > 0 and dampening = 0, but ${settings.name} has momentum ${settings.momentum} and dampening ${settings.dampening}`,
        'nesterov: true with optimizer.momentum > 0 and optimizer.dampening = 0 (e.g. optimizer momentum), or false',
      ),
    );
  }
  return settings;
}

/** The combiner's settings over its defaults (`fixed`, the plain loss1 − α·loss2), and the rule tying them together. */
function computeCombine(c: CombineDocument, origins: OriginMap, errors: string[]): CombineSettings {
  const settings: CombineSettings = { ...DEFAULT_COMBINE, ...c };
  if (settings.name === 'constraint' && (settings.tau === null) === (settings.epsilon === null)) {
    const both = settings.tau !== null;
    errors.push(
      renderKeyError(
        origins,
        both ? 'combine.epsilon' : 'combine.name',
        both ? 'set together with combine.tau; a constraint bounds one loss' : 'constraint needs a threshold: neither combine.tau nor combine.epsilon is set',
        'exactly one of combine.tau (keep loss2 ≥ tau) and combine.epsilon (keep loss1 ≤ epsilon)',
      ),
    );
  }
  return settings;
}

/**
 * A built-in experiment with the spec's overrides, checked as a whole: data shapes against the
 * layer widths, and every loss's inputs present and shaped.
 */
function computeDeclarative(exp: ExperimentDocument, givenAsName: boolean, origins: OriginMap, errors: string[]): DeclarativeExperiment | null {
  const baseName = exp.base ?? DEFAULTS.experiment;
  const base = Object.hasOwn(BUILTIN_EXPERIMENTS, baseName) ? BUILTIN_EXPERIMENTS[baseName] : undefined;
  if (!base) {
    const key = givenAsName ? 'experiment' : 'experiment.base';
    const known = Object.keys(BUILTIN_EXPERIMENTS);
    errors.push(
      renderKeyError(
        origins,
        key,
        `unknown experiment "${baseName}"${renderSuggestion(baseName, known)}`,
        `a built-in experiment (${builtinList}), or --module for one of your own`,
      ),
    );
    return null;
  }
  const def: DeclarativeExperiment = {
    name: exp.name ?? base.name,
    layers: exp.layers ?? base.layers,
    activation: exp.activation ?? base.activation,
    leaky_slope: exp.leaky_slope ?? base.leaky_slope,
    features: exp.features ?? base.features,
    ...((exp.target ?? base.target) !== undefined ? { target: exp.target ?? base.target } : {}),
    ...((exp.targets ?? base.targets) !== undefined ? { targets: exp.targets ?? base.targets } : {}),
    ...((exp.labels ?? base.labels) !== undefined ? { labels: exp.labels ?? base.labels } : {}),
    loss1: exp.loss1 ?? base.loss1,
    loss2: exp.loss2 ?? base.loss2,
  };
  const before = errors.length;
  const inputs = def.layers[0]!;
  const outputs = def.layers[def.layers.length - 1]!;
  const featuresGiven = exp.features !== undefined;
  const shape = `samples × layers[0] = ${inputs}`;

  let samples: number;
  if ('uniform' in def.features) {
    const [n, columns] = def.features.uniform;
    samples = n;
    if (columns !== inputs) {
      errors.push(
        featuresGiven
          ? renderKeyError(
              origins,
              'experiment.features.uniform',
              `[${n}, ${columns}] draws ${columns} columns but layers[0] is ${inputs}`,
              `[samples, ${inputs}] (${shape})`,
            )
          : renderKeyError(
              origins,
              'experiment.layers',
              `layers[0] is ${inputs} but the features have ${columns} columns`,
              `layers starting with ${columns}, or features to match`,
            ),
      );
    }
  } else {
    const rows = def.features;
    samples = rows.length;
    const width = rows[0]!.length;
    const ragged = rows.findIndex((r) => r.length !== width);
    if (ragged >= 0) {
      errors.push(
        renderKeyError(
          origins,
          `experiment.features[${ragged}]`,
          `a row of ${rows[ragged]!.length} numbers after rows of ${width}`,
          `rows of equal length (${shape})`,
        ),
      );
    } else if (width !== inputs) {
      errors.push(
        featuresGiven
          ? renderKeyError(origins, 'experiment.features', `${width} columns but layers[0] is ${inputs}`, `a matrix of ${shape} numbers`)
          : renderKeyError(
              origins,
              'experiment.layers',
              `layers[0] is ${inputs} but the features have ${width} columns`,
              `layers starting with ${width}, or features to match`,
            ),
      );
    }
  }

  const checked = new Set<LossName>();
  for (const lossKey of ['loss1', 'loss2'] as const) {
    const loss = def[lossKey];
    if (checked.has(loss)) continue;
    checked.add(loss);
    const needs = `${lossKey} ${loss} needs`;
    const cause = `experiment.${lossKey}`;
    if (loss === 'sum_to_target' && def.target === undefined) {
      errors.push(renderKeyError(origins, 'experiment.target', `missing: ${needs} a target`, 'a finite number', cause));
    }
    if (loss === 'mse') {
      const want = `a matrix of ${samples} rows × ${outputs} numbers (samples × layers[-1])`;
      if (def.targets === undefined) {
        errors.push(renderKeyError(origins, 'experiment.targets', `missing: ${needs} targets`, want, cause));
      } else if (def.targets.length !== samples || def.targets.some((r) => r.length !== outputs)) {
        const bad = def.targets.find((r) => r.length !== outputs);
        const got = bad ? `a row of ${bad.length} numbers` : `${def.targets.length} rows`;
        errors.push(renderKeyError(origins, 'experiment.targets', `${got}, but ${needs} ${samples} rows of ${outputs}`, want));
      }
    }
    if (loss === 'cross_entropy') {
      const want = `${samples} integers in [0, ${outputs}) (one class per sample, layers[-1] = ${outputs} classes)`;
      if (def.labels === undefined) {
        errors.push(renderKeyError(origins, 'experiment.labels', `missing: ${needs} labels`, want, cause));
      } else if (def.labels.length !== samples) {
        errors.push(renderKeyError(origins, 'experiment.labels', `${def.labels.length} labels for ${samples} samples`, want));
      } else {
        const i = def.labels.findIndex((l) => l >= outputs);
        if (i >= 0) errors.push(renderKeyError(origins, `experiment.labels[${i}]`, `${def.labels[i]} is not a class of a ${outputs}-output network`, want));
      }
    }
  }
  return errors.length === before ? def : null;
}
