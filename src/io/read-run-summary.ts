/**
 * Reading a run's summary.json back while runs go on — apart from io/run-files.ts (which a sweep's
 * worker imports to write a run's files) because its parser is zod's: left out of the worker's
 * imports, zod no longer loads in every worker before its first run (~70–90 ms of a worker's
 * start-up, measured on the 12-run sweep).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJson } from '../results/json.js';
import { runFiles } from '../results/layout.js';
import type { RunSummary } from '../results/summary-file.js';
import { parseRunSummary } from '../results/summary-parse.js';

/**
 * The run's summary.json, if it has a readable one (finished or failed); null otherwise — none yet,
 * or one being replaced. For watching runs other processes do (a queue's workers).
 */
export function readRunSummary(runDir: string): RunSummary | null {
  let text: string;
  try {
    text = readFileSync(join(runDir, runFiles.summary), 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = parseRunSummary(parseJson(text));
    return parsed.ok ? parsed.value : null;
  } catch {
    return null;
  }
}
