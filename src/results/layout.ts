/**
 * The names of the results layout (README "Results layout", DESIGN.md): where each file sits in
 * `<out>/`. Users' scripts read these paths, so a name here is a public contract.
 */
import { join } from 'node:path';

export const SWEEP_FILE = 'sweep.json';
export const RUNS_DIR = 'runs';
/** While a sweep works in the directory: the process that owns it (lock-file.ts). */
export const LOCK_FILE = '.lock';
/** Written by summarize (and at the end of run/sweep), next to sweep.json. */
export const SUMMARY_CSV = 'summary.csv';
export const BY_ALPHA_CSV = 'by-alpha.csv';
/** Written by `mo-train boundary` next to sweep.json: the brackets it found (boundary-file.ts). */
export const BOUNDARY_FILE = 'boundary.json';

/** The files of `runs/<id>/`. */
export const runFiles = {
  config: 'config.json',
  steps: 'steps.csv',
  summary: 'summary.json',
  finalParams: 'final-params.json',
  /** Left by a run stopped by an interruption (it has no summary.json): where it stopped. */
  interrupted: 'interrupted.json',
  /** A command run's script output besides its steps: stdout's other lines and all of stderr (bounded: head and tail). */
  output: 'output.log',
} as const;

export function runDirOf(outDir: string, id: string): string {
  return join(outDir, RUNS_DIR, id);
}
