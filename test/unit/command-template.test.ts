import { describe, expect, it } from 'vitest';
import {
  computeCommandEnv,
  computePlaceholderValues,
  expandCommand,
  findAmbiguousPlaceholders,
  listPlaceholders,
  splitCommand,
} from '../../src/spec/command-template.js';
import { DEFAULT_MONITOR, DEFAULT_VERDICT, defaultOptimizerSettings } from '../../src/spec/settings.js';

describe('splitCommand', () => {
  it.each([
    ['plain words', 'python3 train.py --alpha {alpha}', ['python3', 'train.py', '--alpha', '{alpha}']],
    ['quotes and backslashes as a shell reads them', `python3 'my train.py' --name="a b" c\\ d`, ['python3', 'my train.py', '--name=a b', 'c d']],
    ['a glob is kept as it is (no shell expands it)', 'ls *.py', ['ls', '*.py']],
    ['a list is taken as it is', ['python3', 'a b.py', '{seed}'], ['python3', 'a b.py', '{seed}']],
  ] as const)('%s', (_name, command, argv) => {
    expect(splitCommand(command)).toEqual({ ok: true, argv });
  });

  it.each([
    ['an empty string', '   ', /the command is empty/],
    ['an empty list', [], /the command is empty/],
    ['a pipe', 'python3 train.py | tee log', /"\|": the command runs without a shell.*sh -c/],
    ['a redirection', 'python3 train.py > out.txt', /">": the command runs without a shell/],
    ['a command list', 'cd x && python3 train.py', /"&&"/],
    ['a variable', 'python3 $HOME/train.py', /\$HOME: the command runs without a shell, so variables are not expanded/],
    ['a comment', 'python3 train.py # fast', /cannot have a comment/],
  ] as const)('refuses %s', (_name, command, error) => {
    const r = splitCommand(command);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(error);
  });
});

describe('expandCommand', () => {
  const values = { alpha: '0.01', seed: '2', 'optimizer.lr': '0.001', run_dir: '/tmp/r u n' };

  it('fills every placeholder, several in one argument too, and keeps an argument whole', () => {
    const argv = ['python3', 'train.py', '--alpha={alpha}', '--tag', 'a{seed}b{seed}', '--lr', '{optimizer.lr}', '--out', '{run_dir}'];
    expect(expandCommand(argv, values)).toEqual({
      ok: true,
      argv: ['python3', 'train.py', '--alpha=0.01', '--tag', 'a2b2', '--lr', '0.001', '--out', '/tmp/r u n'],
    });
  });

  it('leaves braces that are no placeholder alone', () => {
    expect(expandCommand(['python3', '-c', 'print({1: 2})', '{}'], values)).toEqual({ ok: true, argv: ['python3', '-c', 'print({1: 2})', '{}'] });
  });

  it('names an unknown placeholder and the allowed ones', () => {
    const r = expandCommand(['python3', 'train.py', '--beta', '{beta}'], values);
    expect(r).toEqual({ ok: false, error: 'unknown placeholder {beta}; allowed: {alpha}, {seed}, {optimizer.lr}, {run_dir}' });
  });

  it('lists the placeholders in order of appearance, each once', () => {
    expect(listPlaceholders(['{seed}', 'x{alpha}y{seed}', '{optimizer.lr}'])).toEqual(['seed', 'alpha', 'optimizer.lr']);
  });
});

describe('findAmbiguousPlaceholders', () => {
  it('finds two placeholders with nothing between them, and nothing else', () => {
    expect(findAmbiguousPlaceholders(['train.py', '--tag={alpha}{seed}'])).toBe('{alpha}{seed}');
    expect(findAmbiguousPlaceholders(['train.py', '--tag={alpha}_{seed}', '{alpha}', '{seed}'])).toBeNull();
    expect(findAmbiguousPlaceholders(['{}{seed}'])).toBeNull();
  });
});

describe('computePlaceholderValues', () => {
  const run = {
    alpha: 1e-7,
    seed: 3,
    steps: 500,
    log_every: 10,
    optimizer: defaultOptimizerSettings('adam'),
    monitor: DEFAULT_MONITOR,
    verdict: DEFAULT_VERDICT,
    coords: { alpha: 1e-7, seed: 3, width: 32, tag: 'a b' },
  };

  it("gives every setting in shortest round-trip form, the aliases, the command's own settings and the run", () => {
    const v = computePlaceholderValues(run, { dir: '/r/runs/x', id: 'x' });
    expect(v['alpha']).toBe('1e-7');
    expect(Number(v['alpha'])).toBe(1e-7);
    expect(v['seed']).toBe('3');
    expect(v['steps']).toBe('500');
    expect(v['log_every']).toBe('10');
    expect(v['optimizer.lr']).toBe('0.001');
    expect(v['lr']).toBe('0.001');
    expect(v['optimizer']).toBe('adam');
    expect(v['optimizer.betas']).toBe('0.9,0.999');
    expect(v['monitor.max_loss']).toBe('10000000000');
    expect(v['monitor.stop_on_diverge']).toBe('true');
    expect(v['width']).toBe('32');
    expect(v['tag']).toBe('a b');
    expect(v['run_dir']).toBe('/r/runs/x');
    expect(v['run_id']).toBe('x');
    expect(expandCommand(['t.py', '--alpha={alpha}', '{tag}'], v)).toEqual({ ok: true, argv: ['t.py', '--alpha=1e-7', 'a b'] });
  });

  it('and the environment the command gets', () => {
    expect(computeCommandEnv(run, { dir: '/r/runs/x', id: 'x', configPath: '/r/runs/x/config.json' })).toEqual({
      MO_TRAIN_ALPHA: '1e-7',
      MO_TRAIN_SEED: '3',
      MO_TRAIN_STEPS: '500',
      MO_TRAIN_RUN_DIR: '/r/runs/x',
      MO_TRAIN_RUN_ID: 'x',
      MO_TRAIN_CONFIG: '/r/runs/x/config.json',
    });
  });
});
