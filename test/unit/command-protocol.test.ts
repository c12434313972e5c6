import { describe, expect, it } from 'vitest';
import { parseProtocolLine, type ProtocolStep } from '../../src/engine/command/protocol.js';
import { parsePythonJson } from '../../src/results/json.js';

describe('parseProtocolLine', () => {
  it.each([
    ['the minimal line', '{"loss1": 1.5, "loss2": -2}', { step: null, loss1: 1.5, loss2: -2, grad_norm1: null, extra: {} }],
    ['with a step and surrounding spaces', '  {"step": 7, "loss1": 0.25, "loss2": 3}\r', { step: 7, loss1: 0.25, loss2: 3 }],
    [
      'the optional columns',
      '{"loss1": 1, "loss2": 2, "grad_norm1": 3, "grad_norm2": 4, "param_norm": 5, "cos12": -0.5}',
      { grad_norm1: 3, grad_norm2: 4, param_norm: 5, cos12: -0.5 },
    ],
    [
      'other numeric keys as extra columns, strings and booleans left out',
      '{"loss1": 1, "loss2": 2, "acc": 0.9, "lr": 1e-3, "tag": "x", "ok": true}',
      { extra: { acc: 0.9, lr: 1e-3 } },
    ],
  ])('%s', (_name, line, expected) => {
    expect(parseProtocolLine(line)).toMatchObject(expected);
  });

  it.each([
    ["Python's bare NaN", '{"loss1": NaN, "loss2": 1}', 'loss1', NaN],
    ["Python's bare -Infinity", '{"loss1": 1, "loss2": -Infinity}', 'loss2', -Infinity],
    ['a JSON string "Infinity"', '{"loss1": "Infinity", "loss2": 1}', 'loss1', Infinity],
  ] as const)('non-finite values: %s', (_name, line, key, value) => {
    expect(parseProtocolLine(line)?.[key]).toBe(value);
  });

  it.each([
    ['a log line', 'epoch 3: loss 0.25'],
    ['an empty line', ''],
    ['malformed JSON', '{"loss1": 1, "loss2": }'],
    ['an object without loss2', '{"loss1": 1}'],
    ['a loss given as text', '{"loss1": "0.5", "loss2": 1}'],
    ['a list', '[1, 2]'],
    ['a negative step', '{"step": -1, "loss1": 1, "loss2": 2}'],
    ['a fractional step', '{"step": 1.5, "loss1": 1, "loss2": 2}'],
    ['JSON inside a longer line', 'step {"loss1": 1, "loss2": 2}'],
  ])('not a step: %s', (_name, line) => {
    expect(parseProtocolLine(line)).toBeNull();
  });
});

/**
 * parseProtocolLine as first written, before its hot path was tuned (JSON.parse first, `numeric`,
 * for…in; see protocol.ts): the tuned version must read every line exactly as this one does.
 */
function plainParseProtocolLine(line: string): ProtocolStep | null {
  const known = ['step', 'loss1', 'loss2', 'grad_norm1', 'grad_norm2', 'param_norm', 'cos12'];
  const text = line.trim();
  if (text.length < 2 || text[0] !== '{' || text[text.length - 1] !== '}') return null;
  let value: unknown;
  try {
    value = parsePythonJson(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  const { loss1, loss2, step } = record;
  if (typeof loss1 !== 'number' || typeof loss2 !== 'number') return null;
  if (step !== undefined && !(typeof step === 'number' && Number.isInteger(step) && step >= 0)) return null;
  const optional = (key: string): number | null => (typeof record[key] === 'number' ? (record[key] as number) : null);
  const extra: Record<string, number> = {};
  for (const [key, v] of Object.entries(record)) if (typeof v === 'number' && !known.includes(key)) extra[key] = v;
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

describe('parseProtocolLine reads every line as the plain version does', () => {
  it.each([
    '{"step": 123, "loss1": 0.41378851211629814, "loss2": 1.7336475537158549}',
    '{"loss1":1,"loss2":2}',
    ' \t{ "loss1" : -0 , "loss2" : 1E+2 }\r',
    '{"loss1": 1e400, "loss2": -1e-400, "step": 0}',
    '{"step": 7, "loss1": 1, "loss2": 2, "grad_norm1": 3, "grad_norm2": 0, "param_norm": 5.5, "cos12": -0.25}',
    '{"loss1": 1, "loss2": 2, "acc": 0.9, "lr": 1e-3, "tag": "x", "ok": true, "none": null, "list": [1], "obj": {"a": 1}}',
    '{"b": 1, "loss1": 1, "2": 5, "loss2": 2, "a": 3, "1": 4}',
    '{"loss1": 1, "loss1": 5, "loss2": 2, "acc": 1, "acc": 2}',
    '{"loss1": 1, "loss2": 2, "__proto__": 3, "constructor": 4}',
    '{"lo\\u0073s1": 1, "loss2": 2, "\\"q\\"": 3, "α": 4}',
    // Non-finite numbers: Python's bare tokens, JSON strings, nested ones.
    '{"step": 1, "loss1": NaN, "loss2": Infinity, "x": -Infinity}',
    '{"loss1": "NaN", "loss2": "-Infinity", "x": "Infinity", "y": "nan"}',
    '{"loss1": 1, "loss2": 2, "grad_norm1": "NaN", "cos12": "Infinity"}',
    '{"loss1": 1, "loss2": 2, "nested": {"a": "NaN", "b": NaN}}',
    '{"loss1": "text", "loss2": 1}',
    '{"loss1": null, "loss2": 1}',
    // Steps.
    '{"step": "3", "loss1": 1, "loss2": 2}',
    '{"step": "NaN", "loss1": 1, "loss2": 2}',
    '{"step": "Infinity", "loss1": 1, "loss2": 2}',
    '{"step": -0, "loss1": 1, "loss2": 2}',
    '{"step": 1e3, "loss1": 1, "loss2": 2}',
    '{"step": null, "loss1": 1, "loss2": 2}',
    '{"step": 2.5, "loss1": 1, "loss2": 2}',
    // Not steps at all.
    '{}',
    '{"loss1": 1, "loss2": 2}}',
    "{'loss1': 1, 'loss2': 2}",
    '{"loss1": 1, "loss2": 2,}',
    '{"loss1": nan, "loss2": 2}',
    '{"loss1": 01, "loss2": 2}',
    '{"loss1": 1, "loss2": 2} {"loss1": 1, "loss2": 2}',
  ])('%s', (line) => {
    const tuned = parseProtocolLine(line);
    const plain = plainParseProtocolLine(line);
    // toEqual tells -0 from 0 and takes NaN as NaN; the extra columns' order is the CSV's.
    expect(tuned).toEqual(plain);
    if (tuned !== null && plain !== null) expect(Object.keys(tuned.extra)).toEqual(Object.keys(plain.extra));
  });
});
