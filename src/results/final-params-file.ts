/**
 * `runs/<id>/final-params.json` — the final parameters as a PyTorch-style state_dict (name →
 * nested arrays of numbers), the same shape `--init` reads. No version: its shape is PyTorch's.
 * Only the top level is checked here; whether the tensors fit a model is the parameter layout's
 * business (experiment/param-layout.ts), which names the parameter that does not.
 */
import type { Parsed } from './parsed.js';

export type StateDict = Readonly<Record<string, unknown>>;

// A plain check, not zod: the worker reads --init files, and zod would cost every worker its
// load time for a one-line test.
export function parseStateDict(value: unknown): Parsed<StateDict> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, issue: '(top level): expected an object of tensors' };
  return { ok: true, value: value as StateDict };
}
