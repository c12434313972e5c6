/**
 * The fused engine with mo-train's optimizers reproduces PyTorch 1.13 float64 trajectories of the
 * seed problem: same init (the reference's own state_dict, and — separately — our generator's
 * init for the same seed), same features, every step.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SEED_EXPERIMENT, materializeDeclarative, type DeclarativeExperiment } from '../../src/experiment/declarative.js';
import { fromStateDict } from '../../src/experiment/param-layout.js';
import { FusedOracle } from '../../src/engine/fused/fused-oracle.js';
import { DEFAULT_COMBINE, DEFAULT_MONITOR, defaultOptimizerSettings } from '../../src/spec/settings.js';
import type { OptimizerName } from '../../src/train/optimizers.js';
import { train, type StepRow } from '../../src/train/train-loop.js';

const refDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'torch');

interface Reference {
  seed: number;
  alpha: number;
  target: number;
  steps: number;
  optimizer: { name: OptimizerName; lr: number };
  init: Record<string, unknown>;
  features: number[][];
  loss1: number[];
  loss2: number[];
}

const references = readdirSync(refDir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => [f, JSON.parse(readFileSync(join(refDir, f), 'utf8')) as Reference] as const);

function experimentOf(ref: Reference): DeclarativeExperiment {
  return { ...SEED_EXPERIMENT, features: ref.features, target: ref.target };
}

async function runReference(ref: Reference, initial: Float64Array, stopOnDiverge = false): Promise<StepRow[]> {
  const oracle = new FusedOracle(experimentOf(ref), ref.seed, initial);
  const rows: StepRow[] = [];
  await train(
    oracle,
    Float64Array.from(oracle.initial),
    {
      alpha: ref.alpha,
      steps: ref.steps,
      log_every: 1,
      optimizer: { ...defaultOptimizerSettings(ref.optimizer.name), lr: ref.optimizer.lr },
      combine: DEFAULT_COMBINE,
      monitor: { ...DEFAULT_MONITOR, max_loss: Infinity, max_param_norm: Infinity, stop_on_diverge: stopOnDiverge },
    },
    { write: (r) => (rows.push({ ...r }), true), drain: async () => {} },
    ref.steps,
  );
  return rows;
}

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
}

describe('fused engine + optimizers reproduce the PyTorch references', () => {
  it.each(references)('%s: every step within 1e-9 relative', async (_file, ref) => {
    expect(ref.features.length).toBe(3);
    const layout = materializeDeclarative(experimentOf(ref), ref.seed).layout;
    const init = fromStateDict(layout, ref.init);
    if (!('params' in init)) throw new Error(init.problems.join('; '));
    const rows = await runReference(ref, init.params);
    expect(rows).toHaveLength(ref.steps);
    let worst = 0;
    for (let i = 0; i < ref.steps; i++) {
      // Past float64 overflow both sides are non-finite; compare the finite part only.
      if (!Number.isFinite(ref.loss1[i]!) || Math.abs(ref.loss1[i]!) > 1e300) break;
      worst = Math.max(worst, relErr(rows[i]!.loss1, ref.loss1[i]!), relErr(rows[i]!.loss2, ref.loss2[i]!));
    }
    expect(worst).toBeLessThan(1e-9);
  });

  it.each(references)('%s: the seeded init equals the reference state_dict and features', (_file, ref) => {
    const start = materializeDeclarative(SEED_EXPERIMENT, ref.seed);
    const init = fromStateDict(start.layout, ref.init);
    if (!('params' in init)) throw new Error(init.problems.join('; '));
    expect(Array.from(start.params)).toEqual(Array.from(init.params));
    expect(Array.from(start.data.features)).toEqual(ref.features.flat());
  });
});
