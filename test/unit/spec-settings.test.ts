/**
 * The settings registry (spec/settings.ts) is the one home of every setting: the README's spec
 * table is rendered from it, the help of run/sweep shows its defaults, the named flags set its
 * keys, and a run with nothing set gets exactly its defaults.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { parseSpecFlags, type SpecFlags } from '../../src/spec/parse-flags.js';
import { parseSweepSpec, type SpecMode } from '../../src/spec/parse-spec.js';
import {
  DEFAULT_COMBINE,
  DEFAULT_MONITOR,
  DEFAULT_VERDICT,
  SETTINGS,
  defaultOptimizerSettings,
  renderHelpDefault,
  renderSettingsTable,
} from '../../src/spec/settings.js';
import type { RunConfig } from '../../src/spec/types.js';
import { OPTIMIZERS } from '../../src/train/optimizers.js';

/** The repository's root: the nearest directory above this file with a package.json (wherever the tests live). */
function findRoot(): string {
  for (let dir = join(dirname(fileURLToPath(import.meta.url)), '..'); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error('no package.json above the tests');
  }
}

/** The Markdown table that starts with the spec table's header line, up to the first blank line. */
function readReadmeTable(): string {
  const lines = readFileSync(join(findRoot(), 'README.md'), 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith('| key (file) |'));
  expect(start, 'README.md has no spec table').toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'));
  return lines.slice(start, end).join('\n') + '\n';
}

function defaultRun(mode: SpecMode): RunConfig {
  const r = parseSweepSpec({}, undefined, { mode, cwd: '/work', resolveFile: () => ({ error: 'no files here' }) });
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.spec.runs[0]!;
}

/** A row of the rendered table, by its key. */
function row(key: string): string {
  const line = renderSettingsTable()
    .split('\n')
    .find((l) => l.startsWith(`| \`${key}\` |`));
  if (!line) throw new Error(`no row for ${key}`);
  return line;
}

describe('the README spec table', () => {
  it('is the table the registry renders (regenerate it from renderSettingsTable() after changing a setting)', () => {
    expect(readReadmeTable()).toBe(renderSettingsTable());
  });

  it('has one row per top-level key of a spec', () => {
    const keys = renderSettingsTable()
      .split('\n')
      .slice(2)
      .filter((l) => l !== '')
      .map((l) => /^\| `([^`]+)` \|/.exec(l)?.[1]);
    expect(keys).toEqual(Object.keys(SETTINGS).filter((k) => !k.includes('.')));
  });

  // The default column says what a run with nothing set gets (values as the parser produces them).
  it.each([
    ['steps', (r: RunConfig) => `| \`${r.steps}\` |`],
    ['log_every', (r: RunConfig) => `| \`${r.log_every}\` |`],
    ['engine', (r: RunConfig) => `| \`${r.engine}\` |`],
    ['backend', (r: RunConfig) => `| \`${r.backend}\` |`],
    ['optimizer', (r: RunConfig) => `| \`${r.optimizer.name}\` |`],
    ['combine', (r: RunConfig) => `| \`${r.combine.name}\` |`],
    ['experiment', (r: RunConfig) => `| \`${r.experiment.kind === 'declarative' ? r.experiment.definition.name : '?'}\` |`],
    ['seeds', (r: RunConfig) => `| \`${r.seed}\` |`],
    [
      'monitor',
      (r: RunConfig) =>
        `| \`{max_loss: ${r.monitor.max_loss.toExponential().replace('e+', 'e')}, max_param_norm: ${r.monitor.max_param_norm.toExponential().replace('e+', 'e')}, stop_on_diverge: ${r.monitor.stop_on_diverge}}\` |`,
    ],
    ['verdict', (r: RunConfig) => `| \`{window: ${r.verdict.window}, settle_tol: ${r.verdict.settle_tol}, drift_tol: ${r.verdict.drift_tol}}\` |`],
  ])('shows the default of %s that a run gets', (key, cell) => {
    expect(row(key)).toContain(cell(defaultRun('run')));
  });

  it('shows the α of each command', () => {
    const alphas = (mode: SpecMode) => {
      const r = parseSweepSpec({}, undefined, { mode, cwd: '/work', resolveFile: () => ({ error: 'no files here' }) });
      return r.ok ? r.spec.alphas.join(',') : '?';
    };
    expect(row('alpha')).toContain(`| sweep: \`${alphas('sweep')}\`; run: \`${alphas('run')}\` |`);
  });
});

describe('the registry defaults', () => {
  // PyTorch 1.13's defaults (torch/optim/*.py); momentum is SGD with momentum 0.9, and SGD's lr the seed problem's 1e-3.
  const adam = {
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
  };
  it.each([
    ['sgd', {}],
    ['momentum', { momentum: 0.9 }],
    ['adam', {}],
    ['adamw', { weight_decay: 1e-2 }],
    ['rmsprop', { lr: 1e-2 }],
  ] as const)('of optimizer %s are PyTorch’s', (name, own) => {
    expect(defaultOptimizerSettings(name)).toEqual({ name, ...adam, ...own });
  });

  it('cover every optimizer', () => {
    expect(OPTIMIZERS.map((n) => defaultOptimizerSettings(n).name)).toEqual([...OPTIMIZERS]);
  });

  it.each([
    ['combine', DEFAULT_COMBINE, { name: 'fixed', beta: 0.9, tau: null, epsilon: null, dual_lr: 0.01, dual_restarts: true }],
    ['monitor', DEFAULT_MONITOR, { max_loss: 1e10, max_param_norm: 1e8, stop_on_diverge: true }],
    ['verdict', DEFAULT_VERDICT, { window: 0.1, settle_tol: 0.01, drift_tol: 0.01 }],
  ])('of %s, in the order config.json writes them', (_, actual, expected) => {
    expect(actual).toEqual(expected);
    expect(Object.keys(actual)).toEqual(Object.keys(expected));
  });

  it('are what a run with nothing set gets', () => {
    const run = defaultRun('sweep');
    expect(run.optimizer).toEqual(defaultOptimizerSettings('adam'));
    expect(run.combine).toEqual(DEFAULT_COMBINE);
    expect(run.monitor).toEqual(DEFAULT_MONITOR);
    expect(run.verdict).toEqual(DEFAULT_VERDICT);
  });
});

describe('the flags in the registry', () => {
  const flags = Object.entries(SETTINGS).flatMap(([key, s]) => (s.flags ?? []).map((flag) => [flag, key] as const));

  it('are every flag of run and sweep that sets a setting', () => {
    const program = buildProgram([]);
    const own = new Set([
      '--spec',
      '--set',
      '--out',
      '--strict',
      '--help',
      '--jobs',
      '--resume',
      '--run-timeout',
      '--worker-memory',
      '--preflight-timeout',
      '--no-preflight',
      '--queue',
    ]);
    const declared = ['run', 'sweep'].flatMap((name) =>
      program.commands
        .find((c) => c.name() === name)!
        .options.map((o) => o.long!)
        .filter((f) => !own.has(f)),
    );
    expect(new Set(declared)).toEqual(new Set(flags.map(([flag]) => flag)));
  });

  // A value each key takes alone (--alpha, --seeds and --seed make lists, the rest one setting).
  const sample: Record<string, string> = {
    name: 'x',
    experiment: 'seed',
    module: 'm.ts',
    init: 'i.json',
    'optimizer.name': 'sgd',
    'combine.name': 'pcgrad',
    engine: 'tfjs',
    backend: 'wasm',
  };
  it.each(flags)('%s sets %s', (flag, key) => {
    const field = flag.slice(2).replace(/-(.)/g, (_, c: string) => c.toUpperCase()) as keyof SpecFlags;
    const parsed = parseSpecFlags({ [field]: sample[key] ?? '3' });
    expect(parsed.errors).toEqual([]);
    const set = [...parsed.settings.map((s) => s.key), ...parsed.lists.map((l) => l.key)];
    expect(set).toEqual([key]);
  });
});

describe('run and sweep --help', () => {
  it.each([
    ['run', '--steps', 'steps', '(default: 10000)'],
    ['run', '--alpha', 'alpha', '(default: 0)'],
    ['sweep', '--alpha', 'alpha', '(default: 0,0.01,0.1,1)'],
    ['sweep', '--seeds', 'seeds', '(default: 0)'],
    ['run', '--seed', 'seeds', '(default: 0)'],
    ['run', '--log-every', 'log_every', '(default: 1)'],
    ['run', '--optimizer', 'optimizer', '(default: adam)'],
    ['run', '--lr', 'optimizer.lr', '(default: 0.001; rmsprop: 0.01)'],
    ['run', '--engine', 'engine', '(default: auto)'],
    ['run', '--backend', 'backend', '(default: cpu)'],
    ['run', '--combine', 'combine', '(default: fixed)'],
    ['run', '--experiment', 'experiment', '(default: seed)'],
    ['run', '--name', 'name', '(default: the experiment name)'],
  ] as const)('%s %s shows the registry default %s %s', (command, flag, key, text) => {
    expect(renderHelpDefault(key, command)).toBe(text);
    const option = buildProgram([])
      .commands.find((c) => c.name() === command)!
      .options.find((o) => o.long === flag)!;
    expect(option.description).toContain(text);
  });
});
