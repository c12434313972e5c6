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

/** Keys with a meaning of their own; any other numeric key is an extra column. */
const KNOWN_KEYS = ['step', 'loss1', 'loss2', 'grad_norm1', 'grad_norm2', 'param_norm', 'cos12'] as const;

export interface ProtocolStep {
  /** The script's own step number, or null when it gives none (the reader then counts lines). */
  readonly step: number | null;
  readonly loss1: number;
  readonly loss2: number;
  readonly grad_norm1: number | null;
  readonly grad_norm2: number | null;
  readonly param_norm: number | null;
  readonly cos12: number | null;
  /** Other numeric keys, in the order the line gave them. */
  readonly extra: Readonly<Record<string, number>>;
}

/**
 * A step, or null when the line is not one (log output, a malformed object, an object without
 * numeric loss1 and loss2). Never throws: a script's output is not validated, only recognized.
 */
export function parseProtocolLine(line: string): ProtocolStep | null {
  const text = line.trim();
  // Most non-protocol lines end here, without a JSON parse.
  if (text.length < 2 || text.charCodeAt(0) !== 123 /* { */ || text.charCodeAt(text.length - 1) !== 125 /* } */) return null;
  let value: unknown;
  try {
    value = parsePythonJson(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  const loss1 = record['loss1'];
  const loss2 = record['loss2'];
  if (typeof loss1 !== 'number' || typeof loss2 !== 'number') return null;
  const step = record['step'];
  if (step !== undefined && !(typeof step === 'number' && Number.isInteger(step) && step >= 0)) return null;
  const optional = (key: string): number | null => {
    const v = record[key];
    return typeof v === 'number' ? v : null;
  };
  const extra: Record<string, number> = {};
  for (const [key, v] of Object.entries(record)) {
    if (typeof v === 'number' && !(KNOWN_KEYS as readonly string[]).includes(key)) extra[key] = v;
  }
  return {
    step: step === undefined ? null : step,
    loss1,
    loss2,
    grad_norm1: optional('grad_norm1'),
    grad_norm2: optional('grad_norm2'),
    param_norm: optional('param_norm'),
    cos12: optional('cos12'),
    extra,
  };
}
