/**
 * A user module as a tfjs problem, in either of its forms (src/experiment/module-types.ts):
 * functional (functional-problem.ts) or LayersModel (layers-problem.ts).
 */
import { UserError } from '../../errors.js';
import { isFunctionalModule, type ExperimentModule } from '../../experiment/module-types.js';
import { computeParamMask } from '../../experiment/param-layout.js';
import { createFunctionalProblem } from './functional-problem.js';
import { createLayersModelProblem } from './layers-problem.js';
import type { Tf } from './load-tf.js';
import type { ObjectivesProblem } from './tfjs-problem.js';

/**
 * Builds the parameters (or model) and data of one run, seeded with `seed`; `initial` (from
 * `--init`) replaces the seeded starting values. `file`, when given, lets an error thrown inside
 * the module point at its line. Errors the module's author can fix are one-line UserErrors
 * without the file name (callers add it).
 */
export function createModuleProblem(tf: Tf, mod: ExperimentModule, seed: number, initial?: Float64Array, file?: string): ObjectivesProblem {
  const problem = isFunctionalModule(mod) ? createFunctionalProblem(tf, mod, seed, initial, file) : createLayersModelProblem(tf, mod, seed, initial, file);
  if (!mod.adversary) return problem;
  // The module's `adversary` names as a mask over the flat parameters (see GradientOracle.adversary).
  const result = computeParamMask(problem.layout, mod.adversary);
  if ('unknown' in result) {
    problem.dispose();
    throw new UserError(
      `adversary names ${result.unknown.map((n) => `"${n}"`).join(', ')}, which are not parameters; allowed: ${problem.layout.entries.map((e) => e.name).join(', ')}`,
    );
  }
  return { ...problem, adversary: result.mask };
}
