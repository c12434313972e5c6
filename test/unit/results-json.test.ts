/**
 * stringifyJson: the spelling of every results file — non-finite numbers kept as "NaN",
 * "Infinity" and "-Infinity" wherever they are, everything else exactly JSON.stringify's.
 */
import { describe, expect, it } from 'vitest';
import { parseJson, stringifyJson } from '../../src/results/json.js';

describe('stringifyJson', () => {
  it('writes what JSON.stringify writes (indented, with a final newline) when every number is finite', () => {
    const value = { a: 1, b: [0.1, 1e-7, null, 'NaN'], c: { d: true, e: null }, f: new Date(0) };
    expect(stringifyJson(value)).toBe(`${JSON.stringify(value, null, 2)}\n`);
  });

  it('keeps non-finite numbers anywhere — nested in objects, arrays, typed arrays — and reads them back', () => {
    const value = { x: { y: [1, [2, NaN]] }, z: -Infinity, t: Float64Array.of(1, Infinity) };
    const text = stringifyJson(value);
    expect(text).toContain('"NaN"');
    expect(text).toContain('"-Infinity"');
    expect(text).toContain('"Infinity"');
    expect(parseJson(text)).toEqual({ x: { y: [1, [2, NaN]] }, z: -Infinity, t: { 0: 1, 1: Infinity } });
  });
});
