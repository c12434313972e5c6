/**
 * The training scripts that ship in experiments/ speak the command engine's protocol (issue 12):
 * every step a line that parseProtocolLine reads, and seed_torch.py — the seed question in PyTorch
 * — follows the same trajectory as the built-in seed experiment on the fused engine, to float32
 * tolerance, run by `mo-train sweep --command` (mo-train's --seed reproduces PyTorch's initial
 * weights and features).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProtocolLine, type ProtocolStep } from '../../src/engine/command/protocol.js';
import { cli, killStartedClis, makeTempDir, readJson, removeTempDirs, requireBuilt } from '../fixtures/e2e-harness.js';

beforeAll(() => {
  requireBuilt();
});

afterAll(() => {
  killStartedClis();
  removeTempDirs();
});

function readSteps(dir: string, id: string): Record<string, number>[] {
  return parse(readFileSync(join(dir, 'runs', id, 'steps.csv'), 'utf8'), {
    columns: true,
    cast: (v, ctx) => (ctx.header || v === '' ? v : Number(v)),
  }) as Record<string, number>[];
}

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

describe('experiments/seed_torch.py (PyTorch) under mo-train sweep --command', () => {
  it("gives the fused seed experiment's trajectories at every α and seed of the grid, to float32 tolerance, for 300 steps", async () => {
    const python = pythonWithTorch();
    if (python === null) throw new Error('PyTorch is not installed: apt-get install python3-torch (.ci/run does)');
    const tmp = makeTempDir('seed-torch-');
    const grid = ['--alpha', '0,0.01,1', '--seeds', '0-1', '--steps', '300', '--jobs', '2'];
    const script = join(experiments, 'seed_torch.py');
    const torchOut = join(tmp, 'torch');
    const fusedOut = join(tmp, 'fused');
    const torchRun = await cli(['sweep', '--command', `${python} ${script} --alpha {alpha} --seed {seed} --steps {steps}`, ...grid, '--out', torchOut], {
      cwd: tmp,
      timeoutMs: 120_000,
    });
    expect(torchRun.stderr).not.toMatch(/failed/);
    expect(torchRun.code).toBe(0);
    expect((await cli(['sweep', '--engine', 'fused', ...grid, '--out', fusedOut], { cwd: tmp })).code).toBe(0);
    const ids = ['alpha=0,seed=0', 'alpha=0,seed=1', 'alpha=0.01,seed=0', 'alpha=0.01,seed=1', 'alpha=1,seed=0', 'alpha=1,seed=1'];
    for (const id of ids) {
      const torch = readSteps(torchOut, id);
      const fused = readSteps(fusedOut, id);
      expect(torch.map((r) => r['step'])).toEqual(fused.map((r) => r['step']));
      expect(torch).toHaveLength(300);
      // float32 (PyTorch) against float64 (fused) from the same weights and features: rounding only.
      for (let i = 0; i < fused.length; i++) {
        for (const key of ['loss1', 'loss2', 'total']) {
          const want = fused[i]![key]!;
          expect(Math.abs(torch[i]![key]! - want), `${id} step ${i} ${key}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(want)));
        }
      }
      const summary = readJson(join(torchOut, 'runs', id, 'summary.json'));
      expect(summary.engine).toBe('command');
      expect(summary.rows_logged).toBe(300);
      expect(summary.verdict).toBe(readJson(join(fusedOut, 'runs', id, 'summary.json')).verdict);
    }
  });

  it('differs from the fused trajectory at another α (the comparison can fail)', async () => {
    const python = pythonWithTorch();
    if (python === null) throw new Error('PyTorch is not installed: apt-get install python3-torch (.ci/run does)');
    const torch = runScript(python, 'seed_torch.py', ['--alpha', '1', '--seed', '1', '--steps', '100']);
    const tmp = makeTempDir('seed-torch-other-');
    expect((await cli(['run', '--engine', 'fused', '--alpha', '0.01', '--seed', '1', '--steps', '100', '--out', join(tmp, 'o')], { cwd: tmp })).code).toBe(0);
    const fused = readSteps(join(tmp, 'o'), 'alpha=0.01,seed=1');
    expect(Math.abs(torch[99]!.loss2 - fused[99]!['loss2']!)).toBeGreaterThan(1e-3);
  });
});
