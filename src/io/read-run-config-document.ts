/**
 * A run's config.json as it is, for showing the settings a sweep's runs share (the report):
 * parsed, not validated. readResults checks the part that places the run on the grid.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseJson } from './json.js';
import { runFiles } from './run-files.js';

/** The parsed config.json in `runPath`, or null when it is absent or not JSON. */
export async function readRunConfigDocument(runPath: string): Promise<unknown> {
  try {
    return parseJson(await readFile(join(runPath, runFiles.config), 'utf8'));
  } catch {
    return null;
  }
}
