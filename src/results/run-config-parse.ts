/**
 * Reading `runs/<id>/config.json` (its writing: run-config-file.ts): the grid coordinates that
 * summarize needs, and the settings document the report shows.
 */
import { z } from 'zod';
import type { RunConfig } from '../spec/types.js';
import { coords, toParsed, type Parsed } from './parsed.js';

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
