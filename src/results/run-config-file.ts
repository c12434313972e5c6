/**
 * `runs/<id>/config.json` — the run's resolved settings (RunConfig, spec/types.ts), written before
 * the run starts. It carries no version of its own: it is the resolved settings of the mo-train
 * named in sweep.json, and readers take from it only where the run sits on the grid (summarize,
 * when sweep.json is missing) and the settings to show (the report): run-config-parse.ts, apart
 * so that a worker, which only writes this file, does not load zod at startup.
 */
import { createHash } from 'node:crypto';
import type { RunConfig } from '../spec/types.js';
import { stringifyJson } from './json.js';

/** The text of config.json; also what the run's config hash in sweep.json is taken over. */
export function serializeRunConfig(config: RunConfig): string {
  return stringifyJson(config);
}

/** The hash of a run's resolved settings, exactly as its config.json spells them. */
export function hashRunConfig(config: RunConfig): string {
  return createHash('sha256').update(serializeRunConfig(config)).digest('hex');
}
