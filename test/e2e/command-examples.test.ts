/**
 * The training scripts that ship in experiments/ speak the command engine's protocol (issue 12):
 * every step a line that parseProtocolLine reads, and seed_torch.py — the seed question in PyTorch
 * — follows the same trajectory as the built-in seed experiment on the fused engine, to float32
 * tolerance (mo-train's --seed reproduces PyTorch's initial weights and features).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseProtocolLine, type ProtocolStep } from '../../src/engine/command/protocol.js';
import { FusedOracle } from '../../src/engine/fused/fused-oracle.js';
import { SEED_EXPERIMENT } from '../../src/experiment/declarative.js';
import { DEFAULT_COMBINE, DEFAULT_MONITOR, defaultOptimizerSettings } from '../../src/spec/settings.js';
import { train, type StepRow } from '../../src/train/train-loop.js';

const experiments = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'experiments');

function runScript(python: string, script: string, args: readonly string[]): ProtocolStep[] {
  const out = execFileSync(python, [join(experiments, script), ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const lines = out.split('\n').filter((l) => l !== '');
  const steps = lines.map(parseProtocolLine);
  expect(steps.every((s) => s !== null)).toBe(true);
  return steps as ProtocolStep[];
}

/** The first of these interpreters that can import torch (Debian's python3-torch is for /usr/bin/python3). */
function pythonWithTorch(): string | null {
  for (const python of ['python3', '/usr/bin/python3']) {
    if (spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) return python;
  }
  return null;
}

describe('experiments/toy_protocol.py (plain Python)', () => {
  it('prints one protocol line per step: loss1 fitted at α = 0, loss2 pushed up at α = 0.1', () => {
    const fit = runScript('python3', 'toy_protocol.py', ['--alpha', '0', '--seed', '0', '--steps', '400']);
    expect(fit.map((s) => s.step)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    expect(fit.at(-1)!.loss1).toBeLessThan(1e-6 * fit[0]!.loss1);
    const pushed = runScript('python3', 'toy_protocol.py', ['--alpha', '0.1', '--seed', '0', '--steps', '400']);
    expect(pushed.at(-1)!.loss2).toBeGreaterThan(pushed[0]!.loss2 + 1);
  });
});

describe('experiments/seed_torch.py (PyTorch)', () => {
  it('follows the fused seed experiment from the same seed, to float32 tolerance, for 300 steps', async () => {
    const python = pythonWithTorch();
    if (python === null) throw new Error('PyTorch is not installed: apt-get install python3-torch (.ci/run does)');
    const steps = 300;
    const torch = runScript(python, 'seed_torch.py', ['--alpha', '0.01', '--seed', '1', '--steps', String(steps)]);
    expect(torch).toHaveLength(steps);

    const oracle = new FusedOracle(SEED_EXPERIMENT, 1);
    const rows: StepRow[] = [];
    const settings = { alpha: 0.01, steps, log_every: 1, optimizer: defaultOptimizerSettings('adam'), combine: DEFAULT_COMBINE, monitor: DEFAULT_MONITOR };
    await train(oracle, Float64Array.from(oracle.initial), settings, { write: (r) => (rows.push(r), true), drain: async () => {} }, steps);
    expect(rows).toHaveLength(steps);
    // The same start, bit for bit up to float32 rounding of the forward pass…
    expect(torch[0]!.loss1).toBeCloseTo(rows[0]!.loss1, 4);
    expect(torch[0]!.loss2).toBeCloseTo(rows[0]!.loss2, 5);
    // …and the same trajectory: float32 against float64 drifts by rounding only.
    for (let i = 0; i < steps; i++) {
      expect(Math.abs(torch[i]!.loss1 - rows[i]!.loss1)).toBeLessThan(1e-4 * Math.max(1, Math.abs(rows[i]!.loss1)));
      expect(Math.abs(torch[i]!.loss2 - rows[i]!.loss2)).toBeLessThan(1e-4 * Math.max(1, Math.abs(rows[i]!.loss2)));
    }
  });
});
