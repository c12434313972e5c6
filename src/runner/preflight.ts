/**
 * Checks made once, in the coordinator, before any run starts or anything is written: a module
 * that fails to load or has the wrong shape, and an --init file that does not fit the model, are
 * reported once instead of failing every run.
 */
import { declarativeLayout } from '../experiment/declarative.js';
import { displayPath } from '../experiment/load-module.js';
import { fromStateDict, type ParamLayout } from '../experiment/param-layout.js';
import { UserError } from '../errors.js';
import { readStateDictFile } from '../io/run-files.js';
import type { RunConfig } from '../spec/types.js';
import { createOracle, resolveEngine } from '../engine/create-oracle.js';
import { createEvaluation, type OracleEngineName } from '../engine/types.js';
import { checkAdversary } from '../train/combiner.js';
import { checkCommandStarts, checkProgram } from './preflight-command.js';

export interface PreflightReport {
  /** Things the user should know before the runs start (e.g. an objective without gradient). */
  readonly warnings: string[];
  /** The module's `name` (else its file name), once loaded; null for a declarative experiment. */
  readonly moduleName: string | null;
}

export interface PreflightOptions {
  /** Ms the first command run's script has to print a step; null: its start is not tried (--no-preflight). */
  readonly commandStartMs: number | null;
}

export async function preflight(runs: readonly RunConfig[], options: PreflightOptions = { commandStartMs: null }): Promise<PreflightReport> {
  const warnings: string[] = [];
  // A command's program is looked up always (it costs nothing); its start is tried unless skipped.
  const commands = runs.filter((r) => r.experiment.kind === 'command');
  if (commands.length > 0) {
    checkProgram(commands[0]!);
    if (options.commandStartMs !== null) await checkCommandStarts(commands[0]!, options.commandStartMs);
  }
  // A tfjs backend that cannot load (tfjs-node not installed) is a usage error, not N failed runs.
  const backends = new Set(runs.filter((r) => resolveEngine(r) === 'tfjs' && r.backend !== 'cpu').map((r) => r.backend));
  for (const backend of backends) {
    const { loadTf } = await import('../engine/tfjs/load-tf.js');
    await loadTf(backend);
  }
  let moduleName: string | null = null;
  const moduleLayouts = new Map<string, ParamLayout>();
  const moduleAdversaries = new Map<string, boolean>();
  for (const run of runs) {
    if (run.experiment.kind !== 'module' || moduleLayouts.has(run.experiment.path)) continue;
    const { checkModule } = await import('../engine/tfjs/index.js');
    const check = await checkModule(run.experiment.path, run.backend);
    moduleName ??= check.name;
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
  const checked = new Map<string, Float64Array>();
  const initialOf = new Map<RunConfig, Float64Array>();
  for (const run of runs) {
    if (!run.init || run.experiment.kind === 'command') continue;
    const layout = run.experiment.kind === 'module' ? moduleLayouts.get(run.experiment.path)! : declarativeLayout(run.experiment.definition);
    const key = `${run.init.path}\u0000${layout.entries.map((e) => `${e.name}:${e.shape.join('x')}`).join(',')}`;
    let params = checked.get(key);
    if (!params) {
      const result = fromStateDict(layout, readStateDictFile(run.init.path));
      if ('problems' in result) throw new UserError(`--init ${run.init.path}: ${result.problems.join('; ')}`);
      params = result.params;
      checked.set(key, params);
    }
    initialOf.set(run, params);
  }
  await checkStartingLosses(
    runs.filter((r) => r.experiment.kind !== 'command'),
    initialOf,
  );
  return { warnings, moduleName };
}

/**
 * Distinct starting points evaluated per engine. The start depends on the experiment, the seed
 * (weights, random data), --init and the engine's precision — never on α, the optimizer or the
 * combiner — so a 1,000-run sweep over α has only as many starts as seeds. A fused start costs
 * ~0.35 ms (the network's kernels compiled, one evaluation); a tfjs one a module's params() and
 * data() and a tfjs evaluation, a few ms. Past these, the rest are left to the runs (which then
 * report divergence at step 0): a loss that is not finite at the start almost always is so for
 * every seed (a target or feature too large, a log of 0, bad --init weights), and seed 0 is first.
 */
const MAX_START_CHECKS: Readonly<Record<OracleEngineName, number>> = { fused: 1000, tfjs: 16 };

/**
 * A loss that is NaN or ±Infinity before the first step would make every run from there
 * "diverged at step 0", which says nothing about α: refused once, naming the loss and its value.
 */
async function checkStartingLosses(runs: readonly RunConfig[], initialOf: ReadonlyMap<RunConfig, Float64Array>): Promise<void> {
  const seen = new Set<string>();
  const counts: Record<OracleEngineName, number> = { fused: 0, tfjs: 0 };
  for (const run of runs) {
    const engine = resolveEngine(run);
    if (engine === 'command' || run.experiment.kind === 'command') continue;
    const source = run.experiment.kind === 'module' ? `${run.experiment.path}\u0000${run.experiment.sha256}` : JSON.stringify(run.experiment.definition);
    const key = [engine, engine === 'tfjs' ? run.backend : '', source, run.seed, run.init?.sha256 ?? ''].join('\u0000');
    if (seen.has(key) || counts[engine] >= MAX_START_CHECKS[engine]) continue;
    seen.add(key);
    counts[engine]++;
    const oracle = await createOracle(run);
    const ev = createEvaluation(oracle.layout.size);
    try {
      oracle.evaluate(Float64Array.from(initialOf.get(run) ?? oracle.initial), ev, 0);
    } finally {
      oracle.dispose();
    }
    const bad = (['loss1', 'loss2'] as const).find((k) => !Number.isFinite(ev[k]));
    if (bad === undefined) continue;
    const what =
      run.init !== null
        ? `--init ${run.init.path}`
        : run.experiment.kind === 'module'
          ? displayPath(run.experiment.path)
          : `experiment ${run.experiment.definition.name}`;
    throw new UserError(
      `${what}: ${bad} is ${ev[bad]} at the starting parameters of seed ${run.seed} (engine ${engine}), so every run would diverge at step 0; ` +
        `the losses must be finite before the first step (check the data, targets and initial weights${engine === 'tfjs' ? ', and float32 range' : ''})`,
    );
  }
}
