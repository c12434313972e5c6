/**
 * compareSweeps: what keeps a results directory from being resumed by a different sweep, said per
 * difference — here the script of a command sweep, edited since the sweep started.
 */
import { describe, expect, it } from 'vitest';
import type { SweepManifest } from '../../src/results/sweep-file.js';
import { compareSweeps } from '../../src/runner/resume.js';

function manifest(scriptSha: string | null, configSha: string): SweepManifest {
  return {
    format_version: 1,
    name: 'train',
    created: '2026-12-05T00:00:00.000Z',
    mo_train_version: '0.1.0',
    node: 'v20',
    argv: [],
    cwd: '/work',
    flags: {},
    document: { command: 'python3 train.py --alpha {alpha}', alpha: [0, 0.1], seeds: [0] },
    grid: { alpha: [0, 0.1], seeds: [0], axes: [] },
    runs: [{ id: 'alpha=0,seed=0', coords: { alpha: 0, seed: 0 }, config_sha256: configSha }],
    module: null,
    ...(scriptSha === null ? {} : { script: { path: '/work/train.py', sha256: scriptSha } }),
  };
}

describe('compareSweeps of command sweeps', () => {
  it('says the script changed, with both hashes, when it was edited', () => {
    const lines = compareSweeps(manifest('a'.repeat(64), 'c1'), manifest('b'.repeat(64), 'c2'));
    expect(lines).toEqual([`script /work/train.py changed since the sweep started (sha256 ${'a'.repeat(12)}… → ${'b'.repeat(12)}…)`]);
  });

  it('finds nothing when the script and the configs are the same', () => {
    expect(compareSweeps(manifest('a'.repeat(64), 'c1'), manifest('a'.repeat(64), 'c1'))).toEqual([]);
  });

  it('still finds changed configs in a sweep.json written before scripts were recorded', () => {
    expect(compareSweeps(manifest(null, 'c1'), manifest('a'.repeat(64), 'c2'))).toEqual(['the resolved settings of 1 run differ: alpha=0,seed=0']);
  });
});
