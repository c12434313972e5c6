/**
 * Swept values as a person reads them in a table: logspace(-4,0,9) gives α = 0.000316227766016838,
 * which a table shows as 3.162e-4. Run ids and the CSVs keep the exact value; this is only for
 * text on a screen. Pure.
 */
import type { AxisValue } from '../spec/types.js';

/** Significant digits shown by default: enough to tell the points of any usual grid apart. */
const SHORT_DIGITS = 4;
/** Enough for any double to read back exactly. */
const MAX_DIGITS = 17;

/**
 * A number to `digits` significant digits: exponent form below 1e-3 and from 1e5 (`3.162e-4`,
 * like the tables' losses), plain otherwise (`0.03162`). Integers stay whole: seeds and step
 * counts are read exactly.
 */
export function formatShortNumber(x: number, digits: number = SHORT_DIGITS): string {
  if (!Number.isFinite(x) || Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) {
    const [mantissa, exponent] = x.toExponential(digits - 1).split('e') as [string, string];
    return `${Number(mantissa)}e${Number(exponent)}`;
  }
  return String(Number(x.toPrecision(digits)));
}

/**
 * A formatter for the values of one table column: short, with as many more digits as it takes for
 * distinct values to have distinct texts (0.1 and 0.10001 would both be 0.1 at four digits).
 * Strings and booleans are shown as they are.
 */
export function computeShortTexts(values: readonly (AxisValue | undefined)[]): (value: AxisValue | undefined) => string {
  const numbers = [...new Set(values.filter((v): v is number => typeof v === 'number'))];
  let digits = SHORT_DIGITS;
  while (digits < MAX_DIGITS && new Set(numbers.map((x) => formatShortNumber(x, digits))).size < numbers.length) digits += 1;
  return (value) => (typeof value === 'number' ? formatShortNumber(value, digits) : String(value ?? '-'));
}
