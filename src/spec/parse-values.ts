/**
 * Value-list expressions, as typed on the command line or written as a string in a spec file:
 * `0,0.01,0.1,1`, `0-4`, `0-10:2`, `logspace(-4,0,9)`, `linspace(0,1,5)`, a single number, or
 * any comma-separated mix of those (`0,logspace(-3,0,4)`). Pure.
 */

/** The forms parseNumberList accepts, for "allowed:" parts of error messages. */
export const NUMBER_LIST_FORMS = 'a number, a list "0,0.01,0.1", a range "0-4" or "0-10:2", "logspace(-4,0,9)" or "linspace(0,1,5)"';

/** One expression may expand to at most this many values: far beyond any sane sweep, small enough to never exhaust memory. */
export const MAX_LIST_LENGTH = 100_000;

/** A decimal number as JSON/JavaScript write it; no hex, no `Infinity`, no `NaN`, no `_`. */
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
/** An inclusive integer range with an optional positive step: `0-4`, `-2-2`, `0-10:2`. */
const RANGE = /^([+-]?\d+)\s*-\s*([+-]?\d+)(?:\s*:\s*(\S+))?$/;
const SPACE_FN = /^(logspace|linspace)\s*\((.*)\)$/s;

export type NumberListResult = { ok: true; values: number[] } | { ok: false; error: string };

export function parseNumberList(text: string): NumberListResult {
  if (text.trim() === '') return { ok: false, error: 'empty value' };
  const terms = splitTopLevelCommas(text);
  if (terms === null) return { ok: false, error: `unbalanced brackets in "${text.trim()}"` };
  const values: number[] = [];
  for (const raw of terms) {
    const term = raw.trim();
    if (term === '') return { ok: false, error: `empty entry in "${text.trim()}"` };
    const parsed = parseTerm(term);
    if (!parsed.ok) return parsed;
    values.push(...parsed.values);
    if (values.length > MAX_LIST_LENGTH) {
      return { ok: false, error: `"${text.trim()}" expands to more than ${MAX_LIST_LENGTH} values` };
    }
  }
  return { ok: true, values };
}

function parseTerm(term: string): NumberListResult {
  if (NUMBER.test(term)) {
    const x = parseFiniteNumber(term);
    return typeof x === 'number' ? { ok: true, values: [x] } : { ok: false, error: x.error };
  }
  const range = RANGE.exec(term);
  if (range) return expandRange(term, range[1]!, range[2]!, range[3]);
  const fn = SPACE_FN.exec(term);
  if (fn) return expandSpace(term, fn[1] as 'logspace' | 'linspace', fn[2]!);
  return { ok: false, error: `"${term}" is not a number, a range or a logspace/linspace(...)` };
}

function parseFiniteNumber(text: string): number | { error: string } {
  const x = Number(text);
  if (x === 0 && underflowsToZero(text)) return { error: describeUnderflow(text) };
  // -0 would print as "0" in run ids and look like a duplicate of 0; it is the same α anyway.
  if (Number.isFinite(x)) return x === 0 ? 0 : x;
  return { error: `${text} is not a finite number` };
}

/** Whether a decimal numeral that reads as 0 was written as something else (`1e-400`, below the smallest double). */
export function underflowsToZero(numeral: string): boolean {
  return Number(numeral) === 0 && /[1-9]/.test(numeral.replace(/[eE][+-]?\d+$/, ''));
}

/** Why a numeral is refused when it reads as 0: a silent 0 would be a different setting (or a duplicate of α = 0). */
export function describeUnderflow(numeral: string): string {
  return `${numeral} underflows to 0 in double precision (write 0, or a magnitude of at least 5e-324)`;
}

function expandRange(term: string, fromText: string, toText: string, stepText: string | undefined): NumberListResult {
  const from = Number(fromText);
  const to = Number(toText);
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to)) {
    return { ok: false, error: `range "${term}" has bounds beyond ±${Number.MAX_SAFE_INTEGER}` };
  }
  let step = 1;
  if (stepText !== undefined) {
    step = Number(stepText);
    if (!/^\d+$/.test(stepText) || !Number.isSafeInteger(step) || step < 1) {
      return { ok: false, error: `range "${term}" has step "${stepText}", not a positive integer` };
    }
  }
  if (from > to) return { ok: false, error: `range "${term}" runs backwards (${from} > ${to})` };
  const count = Math.floor((to - from) / step) + 1;
  if (count > MAX_LIST_LENGTH) return { ok: false, error: `range "${term}" has ${count} values, more than ${MAX_LIST_LENGTH}` };
  const values: number[] = [];
  for (let i = 0; i < count; i++) values.push(from + i * step === 0 ? 0 : from + i * step);
  return { ok: true, values };
}

function expandSpace(term: string, fn: 'logspace' | 'linspace', argText: string): NumberListResult {
  const args = argText.split(',').map((a) => a.trim());
  if (args.length !== 3) return { ok: false, error: `${fn} takes 3 arguments (start, stop, count), got "${term}"` };
  const [startText, stopText, countText] = args as [string, string, string];
  const ends: number[] = [];
  for (const t of [startText, stopText]) {
    if (!NUMBER.test(t)) return { ok: false, error: `"${t}" in "${term}" is not a number` };
    const x = parseFiniteNumber(t);
    if (typeof x !== 'number') return { ok: false, error: `${x.error} (in "${term}")` };
    ends.push(x);
  }
  const count = Number(countText);
  if (!/^\d+$/.test(countText) || count < 1) {
    return { ok: false, error: `count "${countText}" in "${term}" is not a positive integer` };
  }
  if (count > MAX_LIST_LENGTH) return { ok: false, error: `"${term}" asks for ${count} values, more than ${MAX_LIST_LENGTH}` };
  const [start, stop] = ends as [number, number];
  const values: number[] = [];
  for (let i = 0; i < count; i++) {
    // The last point is `stop` exactly, as in numpy; with one point, numpy gives `start`.
    const exponent = count === 1 ? start : i === count - 1 ? stop : start + (i * (stop - start)) / (count - 1);
    const raw = fn === 'logspace' ? 10 ** exponent : exponent;
    if (!Number.isFinite(raw)) return { ok: false, error: `"${term}" reaches ${raw}, not a finite number` };
    if (raw === 0 && fn === 'logspace') {
      const power = Number.isInteger(exponent) ? `1e${exponent}` : `10^${exponent}`;
      return { ok: false, error: `"${term}" reaches ${power}, which underflows to 0 in double precision` };
    }
    values.push(roundGenerated(raw));
  }
  return { ok: true, values };
}

/**
 * Generated values are rounded to 15 significant digits (below float64's 15.95), so that
 * `logspace(-4,0,5)` yields 0.0001 rather than 0.00009999999999999999 and `linspace(0,1,11)`
 * yields 0.3 rather than 0.30000000000000004: these values name runs and must read cleanly.
 */
function roundGenerated(x: number): number {
  const r = Number(x.toPrecision(15));
  return r === 0 ? 0 : r;
}

/**
 * Splits at commas outside (), [] and {} and outside double-quoted JSON strings, so
 * `0,logspace(-3,0,4)` is two terms and `[0.9,0.99],[0.8,0.9]` two JSON lists. Returns null when
 * brackets do not balance.
 */
export function splitTopLevelCommas(text: string): string[] | null {
  const parts: string[] = [];
  const closers: string[] = [];
  let inString = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '(') closers.push(')');
    else if (c === '[') closers.push(']');
    else if (c === '{') closers.push('}');
    else if (c === ')' || c === ']' || c === '}') {
      if (closers.pop() !== c) return null;
    } else if (c === ',' && closers.length === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (inString || closers.length > 0) return null;
  parts.push(text.slice(start));
  return parts;
}
