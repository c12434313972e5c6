/**
 * The files of one run directory (see DESIGN.md, "Results layout").
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunConfig } from '../spec/types.js';
import type { RunSummary } from '../summary/run-summary.js';
import { writeFileAtomic, writeFileDurable } from './atomic-write.js';
import { parsePythonJson, stringifyJson } from './json.js';
import { UserError } from '../errors.js';

export const RUNS_DIR = 'runs';

export function runDirOf(outDir: string, id: string): string {
  return join(outDir, RUNS_DIR, id);
}

export const runFiles = {
  config: 'config.json',
  steps: 'steps.csv',
  summary: 'summary.json',
  finalParams: 'final-params.json',
  /** Left by a run stopped by an interruption (it has no summary.json): where it stopped. */
  interrupted: 'interrupted.json',
} as const;

/** Creates the run's directory (it must not exist yet: an existing run is never overwritten). */
export function createRunDir(runDir: string): void {
  mkdirSync(runDir, { recursive: false });
}

export function writeRunConfig(runDir: string, config: RunConfig): void {
  writeFileSync(join(runDir, runFiles.config), stringifyJson(config), { flag: 'wx' });
}

/** Written last and atomically: its presence means the run finished (or was recorded as failed). */
export function writeRunSummary(runDir: string, summary: RunSummary): void {
  writeFileAtomic(join(runDir, runFiles.summary), stringifyJson(summary));
}

/** Written (and fsynced) before summary.json, whose directory fsync also makes its entry durable. */
export function writeFinalParams(runDir: string, stateDict: Record<string, unknown>): Promise<void> {
  return writeFileDurable(join(runDir, runFiles.finalParams), stringifyJson(stateDict));
}

export function writeInterruptedMarker(runDir: string, marker: { status: 'interrupted'; id: string; steps_run: number }): void {
  writeFileAtomic(join(runDir, runFiles.interrupted), stringifyJson(marker));
}

/**
 * Clears a run directory so the run can be done again from the start (resume). Refuses to follow
 * a symbolic link: only a real directory under runs/ is removed.
 */
export function clearRunDir(runDir: string): void {
  let stat;
  try {
    stat = lstatSync(runDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (stat.isSymbolicLink() || !stat.isDirectory()) {
    throw new UserError(`${runDir}: is ${stat.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}; mo-train only clears run directories it made — move it away to resume`);
  }
  rmSync(runDir, { recursive: true });
}

/**
 * A state_dict dumped to JSON (`--init`), also as Python writes it (bare NaN/Infinity, refused
 * later by name as non-finite weights); a user error names the file and what is wrong.
 */
export function readStateDictFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(`--init ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let value: unknown;
  try {
    value = parsePythonJson(text);
  } catch (err) {
    throw new UserError(`--init ${path}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UserError(`--init ${path}: expected a JSON object of tensors like {"fc1.weight": [[…]], "fc1.bias": […]}`);
  }
  return value as Record<string, unknown>;
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
