/**
 * `runs/<id>/final-params.json` — the final parameters as a PyTorch-style state_dict (name →
 * nested arrays of numbers), the same shape `--init` reads. No version: its shape is PyTorch's.
 * Only the top level is checked here; whether the tensors fit a model is the parameter layout's
 * business (experiment/param-layout.ts), which names the parameter that does not.
 */
import { z } from 'zod';
import { toParsed, type Parsed } from './parsed.js';

export type StateDict = Readonly<Record<string, unknown>>;

const stateDictSchema = z.record(z.string(), z.unknown()) satisfies z.ZodType<StateDict>;

export function parseStateDict(value: unknown): Parsed<StateDict> {
  return toParsed(stateDictSchema.safeParse(value));
}
