/**
 * Picks the engine for a run. `auto` is `fused` whenever the experiment is declarative (it is
 * exact in float64 and hundreds of times faster on small networks) and `tfjs` otherwise. tfjs is
 * imported lazily, so a sweep of declarative runs never loads it.
 */
import type { RunConfig } from '../spec/types.js';
import { FusedOracle } from './fused/fused-oracle.js';
import type { EngineName, GradientOracle } from './types.js';

export function resolveEngine(config: Pick<RunConfig, 'engine' | 'experiment'>): EngineName {
  if (config.experiment.kind === 'command') return 'command';
  if (config.engine === 'tfjs') return 'tfjs';
  if (config.experiment.kind === 'declarative') return 'fused';
  return 'tfjs';
}

export async function createOracle(config: RunConfig): Promise<GradientOracle> {
  if (resolveEngine(config) === 'fused' && config.experiment.kind === 'declarative') {
    return new FusedOracle(config.experiment.definition, config.seed);
  }
  const { createTfjsOracleForRun } = await import('./tfjs/index.js');
  return createTfjsOracleForRun(config);
}
