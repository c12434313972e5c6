/**
 * The tfjs engine's entry points: an oracle for one run, and the up-front check of a user module
 * that the coordinator does before any run starts (so a broken module is one clear error, not a
 * sweep of failed runs).
 */
import { basename, extname } from 'node:path';
import { UserError } from '../../errors.js';
import { displayPath, loadExperimentModule } from '../../experiment/load-module.js';
import type { ParamLayout } from '../../experiment/param-layout.js';
import type { RunConfig } from '../../spec/types.js';
import { createEvaluation, type BackendName, type GradientOracle } from '../types.js';
import { createDeclarativeProblem } from './declarative-problem.js';
import { loadTf } from './load-tf.js';
import { createModuleProblem } from './module-problem.js';
import { createTfjsOracle } from './tfjs-oracle.js';
import type { ObjectiveName, TfjsProblem } from './tfjs-problem.js';

export { loadTf, type Tf } from './load-tf.js';
export { createTfjsOracle } from './tfjs-oracle.js';
export { shapeOf, type NetworkProblem, type ObjectiveName, type ObjectivesProblem, type TfjsProblem } from './tfjs-problem.js';
export { createDeclarativeProblem } from './declarative-problem.js';
export { createModuleProblem } from './module-problem.js';
export { createFunctionalProblem } from './functional-problem.js';
export { createLayersModelProblem } from './layers-problem.js';

/** `initial` (from `--init`) replaces the seeded starting parameters. */
export async function createTfjsOracleForRun(config: RunConfig, initial?: Float64Array): Promise<GradientOracle> {
  const tf = await loadTf(config.backend);
  const source = config.experiment;
  let problem: TfjsProblem;
  if (source.kind === 'declarative') {
    problem = createDeclarativeProblem(tf, source.definition, config.seed, initial);
  } else if (source.kind === 'module') {
    const mod = await loadExperimentModule(source.path);
    problem = inModule(source.path, () => createModuleProblem(tf, mod, config.seed, initial, source.path));
  } else {
    throw new Error('a command run has no gradient oracle: its script trains itself (runner/execute-command-run.ts)');
  }
  return createTfjsOracle(tf, problem);
}

export interface ModuleCheck {
  /** The module's `name`, else its file name without extension. */
  readonly name: string;
  readonly layout: ParamLayout;
  /** Objectives without a gradient path to any weight (see GradientOracle.disconnected). */
  readonly disconnected: ObjectiveName[];
  /** The module's adversary parameters (checked against the layout), if it declares them. */
  readonly adversary: readonly string[] | null;
}

/**
 * Loads the module, builds its parameters (or model) and data with seed 0, and evaluates both
 * losses and their gradients once. Any problem is a one-line UserError naming the file.
 */
export async function checkModule(path: string, backend: BackendName): Promise<ModuleCheck> {
  const mod = await loadExperimentModule(path);
  const tf = await loadTf(backend);
  let oracle: GradientOracle | null = null;
  try {
    return inModule(path, () => {
      oracle = createTfjsOracle(tf, createModuleProblem(tf, mod, 0, undefined, path));
      const ev = createEvaluation(oracle.layout.size);
      oracle.evaluate(Float64Array.from(oracle.initial), ev, 0);
      return {
        name: mod.name ?? basename(path, extname(path)),
        layout: oracle.layout,
        disconnected: [...oracle.disconnected],
        adversary: oracle.adversary ? [...mod.adversary!] : null,
      };
    });
  } finally {
    (oracle as GradientOracle | null)?.dispose();
  }
}

/** Prefixes errors from building or evaluating a module's problem with the module's file. */
function inModule<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new UserError(`${displayPath(path)}: ${message.split('\n')[0]}`, { cause: err });
  }
}
