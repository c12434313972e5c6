import { describe, expect, it } from 'vitest';
import { parseProtocolLine } from '../../src/engine/command/protocol.js';

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
