/**
 * sweep.json as it is, for showing a sweep's settings (plots, the report): parsed, not validated.
 * readResults validates the part that says which runs exist; the rest is informational.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseJson } from './json.js';
import { SWEEP_FILE } from './read-results.js';

/** The parsed sweep.json of `dir`, or null when it is absent or not JSON (readResults reports why). */
export async function readSweepDocument(dir: string): Promise<unknown> {
  try {
    return parseJson(await readFile(join(dir, SWEEP_FILE), 'utf8'));
  } catch {
    return null;
  }
}
