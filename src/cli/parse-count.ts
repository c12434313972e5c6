/**
 * A whole-number flag (`--jobs`, `--run-timeout`, `--parallel`…): its value, or a one-line usage
 * error naming the flag, the range allowed and, when given, what it counts and where the maximum
 * comes from.
 */
import { UserError } from '../errors.js';

export function parseCount(flag: string, text: string | undefined, min: number, max: number, unit?: string, maxReason?: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UserError(
      `${flag}: "${text}" is not valid; allowed: a whole number${unit !== undefined ? ` of ${unit}` : ''} from ${min} to ${max}${maxReason !== undefined ? ` (${maxReason})` : ''}`,
    );
  }
  return n;
}
