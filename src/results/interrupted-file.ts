/**
 * `runs/<id>/interrupted.json` — left instead of summary.json by a run stopped by Ctrl-C or
 * SIGTERM: where it stopped. A marker for people and for summarize's message; a resume does the
 * run again whatever it says. No version: it has never changed, and nothing but this message reads it.
 */
import { z } from 'zod';
import { count, toParsed, type Parsed } from './parsed.js';

export interface InterruptedMarker {
  readonly status: 'interrupted';
  readonly id: string;
  readonly steps_run: number;
}

const markerSchema = z.looseObject({ status: z.literal('interrupted'), id: z.string(), steps_run: count }) satisfies z.ZodType<InterruptedMarker>;

export function parseInterruptedMarker(value: unknown): Parsed<InterruptedMarker> {
  return toParsed(markerSchema.safeParse(value));
}
