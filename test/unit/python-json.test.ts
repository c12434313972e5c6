import { describe, expect, it } from 'vitest';
import { parsePythonJson } from '../../src/results/json.js';

describe('parsePythonJson: JSON as Python json.dumps writes it', () => {
  it.each<[string, unknown]>([
    ['{"w": [NaN, Infinity, -Infinity, 1]}', { w: [NaN, Infinity, -Infinity, 1] }],
    ['[NaN,-Infinity]', [NaN, -Infinity]],
    // Inside strings nothing changes: the tokens are text there.
    ['{"NaN": "a NaN b", "x": [NaN]}', { NaN: 'a NaN b', x: [NaN] }],
    ['{"s\\"NaN": "\\\\", "t": -Infinity}', { 's"NaN': '\\', t: -Infinity }],
    ['{"w": [0.5, -1e-3]}', { w: [0.5, -1e-3] }],
  ])('%s', (text, expected) => {
    expect(parsePythonJson(text)).toEqual(expected);
  });

  it.each(['{"w": [NaN,]}', '{"w": nan}', "{'w': 1}", '{"w": [1] // comment\n}'])('still refuses what is not JSON: %s', (text) => {
    expect(() => parsePythonJson(text)).toThrow(SyntaxError);
  });
});

it('reports a syntax error at its position in the file, not in the text with the tokens quoted', () => {
  const text = '{"a": [NaN, Infinity, -Infinity], "b": [1 2]}';
  expect(() => parsePythonJson(text)).toThrow(/position 42\b/);
  expect(text[42]).toBe('2');
});
