/**
 * Checks made once, in the coordinator, before any run starts or anything is written: a module
 * that fails to load or has the wrong shape, and an --init file that does not fit the model, are
 * reported once instead of failing every run.
 */
import { declarativeLayout } from '../experiment/declarative.js';
import { fromStateDict, type ParamLayout } from '../experiment/param-layout.js';
import { UserError } from '../errors.js';
import { readStateDictFile } from '../io/run-files.js';
import type { RunConfig } from '../spec/types.js';
import { resolveEngine } from '../engine/create-oracle.js';
import { checkAdversary } from '../train/combiner.js';

export interface PreflightReport {
  /** Things the user should know before the runs start (e.g. an objective without gradient). */
  readonly warnings: string[];
}

export async function preflight(runs: readonly RunConfig[]): Promise<PreflightReport> {
  const warnings: string[] = [];
  // A tfjs backend that cannot load (tfjs-node not installed) is a usage error, not N failed runs.
  const backends = new Set(runs.filter((r) => resolveEngine(r) === 'tfjs' && r.backend !== 'cpu').map((r) => r.backend));
  for (const backend of backends) {
    const { loadTf } = await import('../engine/tfjs/load-tf.js');
    await loadTf(backend);
  }
  const moduleLayouts = new Map<string, ParamLayout>();
  const moduleAdversaries = new Map<string, boolean>();
  for (const run of runs) {
    if (run.experiment.kind !== 'module' || moduleLayouts.has(run.experiment.path)) continue;
    const { checkModule } = await import('../engine/tfjs/index.js');
    const check = await checkModule(run.experiment.path, run.backend);
    moduleLayouts.set(run.experiment.path, check.layout);
    moduleAdversaries.set(run.experiment.path, check.adversary !== null);
    for (const k of check.disconnected) {
      warnings.push(
        `${k} of ${check.name} has no gradient with respect to any parameter: it will not be optimized whatever α is ` +
          `(usually it is built from detached values, e.g. tf.tensor(x.dataSync()))`,
      );
    }
  }
  // A combiner that cannot train the experiment's parameters (reversal needs an adversary; the
  // others must not be handed one): once, before any run.
  for (const run of runs) {
    const problem = checkAdversary(run.combine.name, run.experiment.kind === 'module' && moduleAdversaries.get(run.experiment.path) === true);
    if (problem) throw new UserError(`run ${run.id}: ${problem}`);
  }
  const checked = new Set<string>();
  for (const run of runs) {
    if (!run.init) continue;
    const layout = run.experiment.kind === 'module' ? moduleLayouts.get(run.experiment.path)! : declarativeLayout(run.experiment.definition);
    const key = `${run.init.path}\u0000${layout.entries.map((e) => `${e.name}:${e.shape.join('x')}`).join(',')}`;
    if (checked.has(key)) continue;
    checked.add(key);
    const result = fromStateDict(layout, readStateDictFile(run.init.path));
    if ('problems' in result) throw new UserError(`--init ${run.init.path}: ${result.problems.join('; ')}`);
  }
  return { warnings };
}
