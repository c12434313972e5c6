/**
 * `runs/<id>/config.json` — the run's resolved settings (RunConfig, spec/types.ts), written before
 * the run starts. It carries no version of its own: it is the resolved settings of the mo-train
 * named in sweep.json, and readers take from it only where the run sits on the grid (summarize,
 * when sweep.json is missing) and the settings to show (the report).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { RunConfig } from '../spec/types.js';
import { stringifyJson } from './json.js';
import { coords, toParsed, type Parsed } from './parsed.js';

/** The text of config.json; also what the run's config hash in sweep.json is taken over. */
export function serializeRunConfig(config: RunConfig): string {
  return stringifyJson(config);
}

/** The hash of a run's resolved settings, exactly as its config.json spells them. */
export function hashRunConfig(config: RunConfig): string {
  return createHash('sha256').update(serializeRunConfig(config)).digest('hex');
}

/** The part of a run's config.json that summarize uses: where the run sits on the grid. */
export type RunConfigCoords = Pick<RunConfig, 'id' | 'coords'>;

const coordsSchema = z.looseObject({ id: z.string(), coords }) satisfies z.ZodType<RunConfigCoords>;

export function parseRunConfigCoords(value: unknown): Parsed<RunConfigCoords> {
  const parsed = coordsSchema.safeParse(value);
  return parsed.success ? { ok: true, value: { id: parsed.data.id, coords: parsed.data.coords } } : toParsed(parsed);
}

const documentSchema = z.record(z.string(), z.unknown());

/**
 * The settings as written, each key's value unchecked: the report shows them as text, and a key
 * that is absent or of another shape is left out there rather than refused. Null when it is not
 * a JSON object.
 */
export function parseRunConfigDocument(value: unknown): Readonly<Record<string, unknown>> | null {
  const parsed = documentSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}
