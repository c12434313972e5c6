/**
 * The files of one run directory: creating, writing and clearing them (their names and shapes:
 * results/).
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunConfig } from '../spec/types.js';
import { parseStateDict, type StateDict } from '../results/final-params-file.js';
import type { InterruptedMarker } from '../results/interrupted-file.js';
import { parsePythonJson, stringifyJson } from '../results/json.js';
import { runFiles } from '../results/layout.js';
import { serializeRunConfig } from '../results/run-config-file.js';
import type { RunSummary } from '../results/summary-file.js';
import { writeFileAtomic, writeFileAtomicAfter, writeFileDurable } from './atomic-write.js';
import { UserError } from '../errors.js';

/** Creates the run's directory (it must not exist yet: an existing run is never overwritten). */
export function createRunDir(runDir: string): void {
  mkdirSync(runDir, { recursive: false });
}

export function writeRunConfig(runDir: string, config: RunConfig): void {
  writeFileSync(join(runDir, runFiles.config), serializeRunConfig(config), { flag: 'wx' });
}

/** Written last and atomically: its presence means the run finished (or was recorded as failed). */
export function writeRunSummary(runDir: string, summary: RunSummary): void {
  writeFileAtomic(join(runDir, runFiles.summary), stringifyJson(summary));
}

/**
 * writeRunSummary for a finished run: summary.json appears only once `before` (its steps.csv and
 * final-params.json being made durable) has resolved, its own fsyncs overlapping theirs; nothing
 * is written if `before` rejects (io/atomic-write.ts's writeFileAtomicAfter).
 */
export function writeRunSummaryAfter(runDir: string, summary: RunSummary, before: Promise<unknown>): Promise<void> {
  return writeFileAtomicAfter(join(runDir, runFiles.summary), stringifyJson(summary), before);
}

/** Written (and fsynced) before summary.json, whose directory fsync also makes its entry durable. */
export function writeFinalParams(runDir: string, stateDict: StateDict): Promise<void> {
  return writeFileDurable(join(runDir, runFiles.finalParams), stringifyJson(stateDict));
}

export function writeInterruptedMarker(runDir: string, marker: InterruptedMarker): void {
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
    throw new UserError(
      `${runDir}: is ${stat.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}; mo-train only clears run directories it made — move it away to resume`,
    );
  }
  rmSync(runDir, { recursive: true });
}

/**
 * A state_dict dumped to JSON (`--init`), also as Python writes it (bare NaN/Infinity, refused
 * later by name as non-finite weights); a user error names the file and what is wrong.
 */
export function readStateDictFile(path: string): StateDict {
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
  const parsed = parseStateDict(value);
  if (!parsed.ok) throw new UserError(`--init ${path}: expected a JSON object of tensors like {"fc1.weight": [[…]], "fc1.bias": […]}`);
  return parsed.value;
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
