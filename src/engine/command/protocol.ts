/**
 * The protocol of the `command` engine (issue 12): a training script reports a step by printing one
 * line to stdout that is a JSON object with numeric `loss1` and `loss2`, e.g.
 *
 *   print(json.dumps({"step": step, "loss1": loss1.item(), "loss2": loss2.item()}), flush=True)
 *
 * Optional: `step` (a whole number ≥ 0), `grad_norm1`, `grad_norm2`, `param_norm`, `cos12`, and any
 * other numeric keys (kept as extra columns). NaN and ±Infinity may come as Python's bare tokens
 * or as JSON strings. Every other line is the script's own output, not a step. Pure.
 */
import { parsePythonJson } from '../../results/json.js';
import type { ReportedStep } from '../../train/watch-steps.js';

/** Keys with a meaning of their own; any other numeric key is an extra column. */
const KNOWN_KEYS = ['step', 'loss1', 'loss2', 'grad_norm1', 'grad_norm2', 'param_norm', 'cos12'] as const;

/** One step a line reports: the monitor's input (train/watch-steps.ts), `step` null when the line gives none. */
export type ProtocolStep = ReportedStep;

/**
 * A step, or null when the line is not one (log output, a malformed object, an object without
 * numeric loss1 and loss2). Never throws: a script's output is not validated, only recognized.
 *
 * The hot path of a command run: every line a script prints comes here. Measured (CPU time per
 * line on the 2-core VM, 300k lines as bench/protocol_printer.mjs prints them,
 * `{"step": 123, "loss1": 0.41…, "loss2": 1.73…}`; `npm run bench` measure 8 for the whole run):
 *
 * - parsePythonJson, then Object.entries: ~1.5 µs a line. parseJson's reviver calls back into
 *   JS for every key.
 * - So plain JSON.parse first, ~0.5 µs a line with the rest of this function, and parsePythonJson
 *   only for a line JSON.parse rejects (Python's bare NaN and Infinity). Non-finite numbers
 *   spelled as JSON strings ("NaN", "Infinity", "-Infinity"), which the reviver turned into
 *   numbers at every depth, are read by `numeric` instead: only top-level values are ever read,
 *   so the result is the same. The keys are walked with for…in (no array of pairs per line).
 * - A hand-written one-pass reader of flat `{"key": number, …}` lines was tried and not kept: no
 *   faster than JSON.parse (~0.5 µs a line either way: converting the numbers' text is most of it).
 *
 * test/unit/command-protocol.test.ts holds the result against the plain version on every kind of line.
 */
export function parseProtocolLine(line: string): ProtocolStep | null {
  const text = line.trim();
  // Most non-protocol lines end here, without a JSON parse.
  if (text.length < 2 || text.charCodeAt(0) !== 123 /* { */ || text.charCodeAt(text.length - 1) !== 125 /* } */) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    try {
      value = parsePythonJson(text);
    } catch {
      return null;
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  const loss1 = numeric(record['loss1']);
  const loss2 = numeric(record['loss2']);
  if (loss1 === undefined || loss2 === undefined) return null;
  const rawStep = record['step'];
  const step = rawStep === undefined ? null : numeric(rawStep);
  if (step === undefined || (step !== null && !(Number.isInteger(step) && step >= 0))) return null;
  const extra: Record<string, number> = {};
  for (const key in record) {
    if (!Object.hasOwn(record, key) || isKnownKey(key)) continue;
    const v = numeric(record[key]);
    if (v !== undefined) extra[key] = v;
  }
  return {
    step,
    loss1,
    loss2,
    grad_norm1: numeric(record['grad_norm1']) ?? null,
    grad_norm2: numeric(record['grad_norm2']) ?? null,
    param_norm: numeric(record['param_norm']) ?? null,
    cos12: numeric(record['cos12']) ?? null,
    extra,
  };
}

/** A number, or a non-finite one spelled as a JSON string (as results/json.ts's parseJson reads it); else undefined. */
function numeric(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  return v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : undefined;
}

function isKnownKey(key: string): boolean {
  return (KNOWN_KEYS as readonly string[]).includes(key);
}
