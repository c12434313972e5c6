import { describe, expect, it } from 'vitest';
import { expandCommand, listPlaceholders, splitCommand } from '../../src/spec/command-template.js';

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
