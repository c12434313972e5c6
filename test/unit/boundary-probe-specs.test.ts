/**
 * The runs of a boundary search (boundary/probe-specs.ts): each probe resolved by the spec parser
 * as a sweep's grid point would be, with an id carrying the probed (and across) value; the base
 * flags checked once, with messages naming the flags the user gave.
 */
import { describe, expect, it } from 'vitest';
import { createProbeSpecs } from '../../src/boundary/probe-specs.js';
import { UserError } from '../../src/errors.js';
import type { SpecContext, SpecFile, SpecFlags } from '../../src/spec/parse-spec.js';

const ctx: SpecContext = { mode: 'sweep', cwd: '/work', resolveFile: (path) => ({ absPath: path, sha256: `sha-${path}` }) };

function specs(flags: SpecFlags, param: string, range: [number, number], across: { key: string; values: (number | string)[] } | null = null, file?: SpecFile) {
  return createProbeSpecs(flags, file, ctx, param, range, across);
}

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected a UserError');
}

describe('probe runs of a boundary search', () => {
  it('gives a probe of α the id and settings of the grid point alpha=<value>,seed=<seed>', () => {
    const s = specs({ seeds: '0-2', steps: '500', lr: '0.01' }, 'alpha', [1e-4, 10]);
    expect(s.tracks).toEqual([0, 1, 2].map((seed) => ({ seed, across: null })));
    const run = s.probe(s.tracks[1]!, 0.0316);
    expect(run).toMatchObject({ id: 'alpha=0.0316,seed=1', alpha: 0.0316, seed: 1, steps: 500, coords: { alpha: 0.0316, seed: 1 } });
    expect(run.optimizer.lr).toBe(0.01);
    // The same probe is the same object: its id and config are computed once.
    expect(s.probe(s.tracks[1]!, 0.0316)).toBe(run);
  });

  it('puts a searched setting other than α into the id and the run, at α = 0 unless given', () => {
    const s = specs({ seeds: '3', optimizer: 'sgd' }, 'optimizer.lr', [1e-3, 1]);
    const run = s.probe(s.tracks[0]!, 0.178);
    expect(run).toMatchObject({ id: 'alpha=0,seed=3,optimizer.lr=0.178', alpha: 0, optimizer: { name: 'sgd', lr: 0.178 } });
    expect(run.coords).toEqual({ alpha: 0, seed: 3, 'optimizer.lr': 0.178 });
    expect(specs({ alpha: '0.5' }, 'optimizer.lr', [1e-3, 1]).probe({ seed: 0, across: null }, 0.01).alpha).toBe(0.5);
  });

  it('makes one search per across value and seed, the across value in each id', () => {
    const s = specs({ seeds: '0-1' }, 'alpha', [1e-3, 10], { key: 'optimizer.lr', values: [1e-4, 1e-2] });
    expect(s.tracks).toEqual([
      { seed: 0, across: 1e-4 },
      { seed: 1, across: 1e-4 },
      { seed: 0, across: 1e-2 },
      { seed: 1, across: 1e-2 },
    ]);
    const run = s.probe(s.tracks[2]!, 0.05);
    expect(run).toMatchObject({ id: 'alpha=0.05,seed=0,optimizer.lr=0.01', optimizer: { lr: 0.01 } });
    const acrossAlpha = specs({}, 'optimizer.lr', [1e-3, 1], { key: 'alpha', values: [0, 0.1] });
    expect(acrossAlpha.probe(acrossAlpha.tracks[1]!, 0.2)).toMatchObject({ id: 'alpha=0.1,seed=0,optimizer.lr=0.2', alpha: 0.1 });
  });

  it('refuses the searched or across setting given as a flag too, naming that flag', () => {
    expect(errorOf(() => specs({ lr: '0.1' }, 'optimizer.lr', [1e-3, 1]))).toBe(
      '--param optimizer.lr: also given as --lr; the search sets optimizer.lr itself (drop --lr)',
    );
    expect(errorOf(() => specs({ alpha: '0,1' }, 'alpha', [1e-3, 1]))).toMatch(/^--param alpha: also given as --alpha/);
    expect(errorOf(() => specs({ set: ['optimizer.lr=0.1'] }, 'alpha', [1e-3, 1], { key: 'optimizer.lr', values: [1] }))).toMatch(
      /^--across optimizer.lr: also given as --set optimizer.lr/,
    );
  });

  it('refuses another setting with several values, and several α when α is not searched', () => {
    expect(errorOf(() => specs({ set: ['optimizer.eps=1e-8,1e-7'] }, 'alpha', [1e-3, 1]))).toMatch(
      /^optimizer.eps: 2 values given; a boundary search varies only --param \(and --across\)/,
    );
    expect(errorOf(() => specs({ alpha: '0,0.1' }, 'optimizer.lr', [1e-3, 1]))).toMatch(/^alpha: 2 values given/);
  });

  it('reports a range the setting does not allow as --range', () => {
    // SGD's lr must be > 0: the linear range's LO is checked by the spec parser with the rest.
    expect(errorOf(() => specs({ optimizer: 'sgd' }, 'optimizer.lr', [-1, 1]))).toMatch(/^--range \(optimizer.lr\): /);
  });

  it('takes α from a spec file when the file sets it, else 0', () => {
    const file: SpecFile = { path: 'spec.yaml', text: 'alpha: 0.25\nsteps: 100\n' };
    expect(specs({}, 'optimizer.lr', [1e-3, 1], null, file).probe({ seed: 0, across: null }, 0.1)).toMatchObject({ alpha: 0.25, steps: 100 });
  });
});
