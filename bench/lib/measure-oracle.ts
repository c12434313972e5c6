/**
 * In-process cost of one training step: `evaluateCombined` (the combined gradient, no per-objective
 * gradients — an unlogged step) followed by an Adam step, on the seed problem. No logging, no
 * monitor, no files: the floor that `mo-train run` adds its bookkeeping to.
 */
import type { GradientOracle, CombinedEvaluation } from '../../src/engine/types.js';
import type * as OptimizersModule from '../../src/train/optimizers.js';
import type * as SettingsModule from '../../src/spec/settings.js';
import type * as FusedModule from '../../src/engine/fused/fused-oracle.js';
import type * as DeclarativeModule from '../../src/experiment/declarative.js';
import type * as TfjsModule from '../../src/engine/tfjs/index.js';
import type * as ParseSpecModule from '../../src/spec/parse-spec.js';
import type * as UserFilesModule from '../../src/io/user-files.js';
import { importDist, REPO_DIR } from './dist-import.js';
import { computeStats, type SampleStats } from './stats.js';

/** The α of every measured run: the seed problem's usual small weight. */
export const BENCH_ALPHA = 0.01;

export interface LoopPlan {
  /** Steps of the warm-up run (JIT, tfjs kernels), not timed. */
  readonly warmupSteps: number;
  /** Steps per timed repeat. */
  readonly steps: number;
  readonly repeats: number;
}

export interface OracleTiming {
  readonly plan: LoopPlan;
  /** µs per step, one sample per repeat. */
  readonly usPerStep: SampleStats;
  /** Losses after the last repeat: a sanity check that real work was done. */
  readonly finalLoss1: number;
  readonly finalLoss2: number;
}

/**
 * Every repeat starts from the oracle's initial parameters with a fresh optimizer, so every repeat
 * times the same trajectory.
 */
export async function timeOracleLoop(oracle: GradientOracle, plan: LoopPlan): Promise<OracleTiming> {
  const { createOptimizer } = await importDist<typeof OptimizersModule>('train/optimizers.js');
  const { defaultOptimizerSettings } = await importDist<typeof SettingsModule>('spec/settings.js');
  const settings = defaultOptimizerSettings('adam');
  const size = oracle.layout.size;
  const out: CombinedEvaluation = { loss1: NaN, loss2: NaN, direction: new Float64Array(size) };
  const runOnce = (steps: number): number => {
    const params = Float64Array.from(oracle.initial);
    const optimizer = createOptimizer(settings, size);
    const t0 = performance.now();
    for (let step = 0; step < steps; step++) {
      oracle.evaluateCombined(params, BENCH_ALPHA, out, step);
      optimizer.step(params, out.direction);
    }
    return performance.now() - t0;
  };
  runOnce(plan.warmupSteps);
  const samples: number[] = [];
  for (let r = 0; r < plan.repeats; r++) samples.push((runOnce(plan.steps) * 1000) / plan.steps);
  if (!Number.isFinite(out.loss1) || !Number.isFinite(out.loss2)) {
    throw new Error(`bench: the ${oracle.engine} loop ended with non-finite losses (${out.loss1}, ${out.loss2})`);
  }
  return { plan, usPerStep: computeStats(samples), finalLoss1: out.loss1, finalLoss2: out.loss2 };
}

/** The fused kernel on the built-in seed experiment (seed 0). */
export async function measureFusedKernel(plan: LoopPlan): Promise<OracleTiming> {
  const { FusedOracle } = await importDist<typeof FusedModule>('engine/fused/fused-oracle.js');
  const { SEED_EXPERIMENT } = await importDist<typeof DeclarativeModule>('experiment/declarative.js');
  const oracle = new FusedOracle(SEED_EXPERIMENT, 0);
  try {
    return await timeOracleLoop(oracle, plan);
  } finally {
    oracle.dispose();
  }
}

/** The tfjs engine (cpu backend) on `experiments/seed.ts`, its RunConfig built as `mo-train run --module` would. */
export async function measureTfjsKernel(plan: LoopPlan, modulePath: string): Promise<OracleTiming> {
  const { parseSweepSpec } = await importDist<typeof ParseSpecModule>('spec/parse-spec.js');
  const { resolveUserFile } = await importDist<typeof UserFilesModule>('io/user-files.js');
  const { createTfjsOracleForRun } = await importDist<typeof TfjsModule>('engine/tfjs/index.js');
  const parsed = parseSweepSpec({ module: modulePath, alpha: String(BENCH_ALPHA), steps: String(plan.steps), backend: 'cpu', engine: 'tfjs' }, undefined, {
    mode: 'run',
    cwd: REPO_DIR,
    resolveFile: resolveUserFile,
  });
  if (!parsed.ok) throw new Error(`bench: cannot build the tfjs run config: ${parsed.errors.join('; ')}`);
  const config = parsed.spec.runs[0]!;
  const oracle = await createTfjsOracleForRun(config);
  try {
    return await timeOracleLoop(oracle, plan);
  } finally {
    oracle.dispose();
  }
}
