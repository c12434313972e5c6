/**
 * `mo-train plan`: a sweep's runs checked and frozen into a results directory (its sweep.json,
 * an empty runs/), for `mo-train work`, `export slurm`, `export k8s` or a queue to execute on
 * other machines. Runs nothing. Prints the number of runs on stdout, for scripts.
 */
import { relative } from 'node:path';
import { buildManifest, ensureRunsDir } from '../../io/sweep-files.js';
import { preflight } from '../../runner/preflight.js';
import { createResultsDir } from '../../runner/results-dir.js';
import type { SweepOptions } from '../spec-options.js';
import { describeGrid, nameAfterModule, pickSpecFlags, readPreflightOptions, specFromOptions } from '../spec-from-options.js';

export async function planCommand(opts: SweepOptions, argv: readonly string[]): Promise<number> {
  const cwd = process.cwd();
  let spec = specFromOptions(opts, 'sweep', cwd);
  const checked = await preflight(spec.runs, readPreflightOptions(opts));
  spec = nameAfterModule(spec, checked.moduleName);
  const now = new Date();
  const dir = createResultsDir(opts.out, spec.name, buildManifest(spec, { argv, cwd, flags: pickSpecFlags(opts) }, now), now, cwd);
  try {
    ensureRunsDir(dir.path);
  } finally {
    dir.lock.release();
  }
  const shown = relative(cwd, dir.path) || '.';
  const n = spec.runs.length;
  for (const w of [...checked.warnings, ...dir.warnings]) process.stderr.write(`warning: ${w}\n`);
  process.stderr.write(
    `mo-train plan: ${n} run${n === 1 ? '' : 's'} (${describeGrid(spec)}) → ${shown}\n` +
      `run #i with: mo-train work ${shown} --index i   (i = 0…${n - 1}), or: mo-train export slurm ${shown}\n`,
  );
  process.stdout.write(`${n}\n`);
  return 0;
}
