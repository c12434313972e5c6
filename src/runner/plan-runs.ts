/**
 * The runs of a frozen plan (a results directory holding sweep.json, made by `mo-train plan` or a
 * sweep), as its sweep.json's own flags make them in its own working directory — what `mo-train
 * work`, `export` and a queue worker execute. Refused when they no longer make the same runs (a
 * module or script edited, mo-train's defaults changed): the directory would mix two sweeps.
 */
import { UserError } from '../errors.js';
import { buildManifest, readSweepManifest } from '../io/sweep-files.js';
import { readSpecFile, resolveUserFile } from '../io/user-files.js';
import { parseSweepSpec, type SpecFlags } from '../spec/parse-spec.js';
import type { RunConfig, SweepSpec } from '../spec/types.js';
import { compareSweeps } from './resume.js';

export function loadPlanRuns(outDir: string, shownAs: string): readonly RunConfig[] {
  const stored = readSweepManifest(outDir, shownAs);
  if (stored === null) throw new UserError(`${shownAs}: has no sweep.json; make a plan first: mo-train plan [sweep options] --out ${shownAs}`);
  const spec = specFromStoredFlags(stored.flags, stored.cwd);
  const fresh = buildManifest(spec, { argv: [], cwd: stored.cwd, flags: stored.flags }, new Date(stored.created));
  const diff = compareSweeps(stored, fresh);
  if (diff.length > 0) {
    throw new UserError(
      `${shownAs}: its spec no longer makes the planned runs (${diff.join('; ')}); restore what changed, or make a new plan with --out elsewhere`,
    );
  }
  return spec.runs;
}

/** The spec the flags recorded in sweep.json make, read as `sweep` reads its flags (cli/spec-from-options.ts). */
function specFromStoredFlags(flags: Readonly<Record<string, unknown>>, cwd: string): SweepSpec {
  const opts = { set: [], ...flags } as SpecFlags & { spec?: string };
  const file = opts.spec !== undefined ? readSpecFile(opts.spec, cwd) : undefined;
  const result = parseSweepSpec(opts, file, { mode: 'sweep', cwd, resolveFile: resolveUserFile });
  if (!result.ok) throw new UserError(result.errors.join('\nmo-train: '));
  return result.spec;
}
