import { describe, expect, it } from 'vitest';
import { computeParamLayout, fromStateDict, toStateDict } from '../../src/experiment/param-layout.js';

const layout = computeParamLayout([
  { name: 'fc1.weight', shape: [2, 3] },
  { name: 'fc1.bias', shape: [2] },
  { name: 'k', shape: [2, 3], transposed: true },
]);

describe('state_dict ↔ flat vector', () => {
  it('nests row-major, and transposes entries stored transposed', () => {
    const flat = Float64Array.from({ length: layout.size }, (_, i) => i);
    const dict = toStateDict(layout, flat);
    expect(dict['fc1.weight']).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(dict['fc1.bias']).toEqual([6, 7]);
    // Stored [in=3][out=2] row-major: 8 9 / 10 11 / 12 13 → state_dict [out][in].
    expect(dict['k']).toEqual([
      [8, 10, 12],
      [9, 11, 13],
    ]);
    const back = fromStateDict(layout, dict);
    expect('params' in back && Array.from(back.params)).toEqual(Array.from(flat));
  });

  it('matches by order when names differ but count and shapes agree', () => {
    const flat = Float64Array.from({ length: layout.size }, (_, i) => i * 0.5);
    const named = toStateDict(layout, flat);
    const renamed = { '0.weight': named['fc1.weight'], '0.bias': named['fc1.bias'], '1.weight': named['k'] };
    const back = fromStateDict(layout, renamed);
    expect('params' in back && Array.from(back.params)).toEqual(Array.from(flat));
  });

  it.each([
    [
      {
        'fc1.weight': [[1, 2, 3]],
        'fc1.bias': [1, 2],
        k: [
          [1, 2, 3],
          [1, 2, 3],
        ],
      },
      'must have shape [2,3]',
    ],
    [
      {
        'fc1.weight': [
          [1, 2, 3],
          [1, 2, 'x'],
        ],
        'fc1.bias': [1, 2],
        k: [
          [1, 2, 3],
          [1, 2, 3],
        ],
      },
      'fc1.weight[1][2] is a string ("x"), not a number',
    ],
    [
      {
        'fc1.weight': [
          [1, 2, 3],
          [1, 2, 3],
        ],
        'fc1.bias': [1, null],
        k: [
          [1, 2, 3],
          [1, 2, 3],
        ],
      },
      'fc1.bias[1] is null, not a number',
    ],
    [
      {
        'fc1.weight': [
          [1, 2, 3],
          [NaN, 2, 3],
        ],
        'fc1.bias': [1, 2],
        k: [
          [1, 2, 3],
          [1, 2, 3],
        ],
      },
      'fc1.weight[1][0] is NaN; initial weights must be finite',
    ],
    [
      {
        'fc1.weight': [
          [1, 2, 3],
          [1, 2, 3],
        ],
        'fc1.bias': [1, 2],
        k: [
          [1, 2, 3],
          [1, -Infinity, 3],
        ],
      },
      'k[1][1] is -Infinity; initial weights must be finite',
    ],
    [
      {
        'fc1.weight': [
          [1, 2, 3],
          [1, 2, 3],
        ],
      },
      'missing "fc1.bias" [2], "k" [2,3]',
    ],
    [
      {
        'fc1.weight': [
          [1, 2, 3],
          [1, 2, 3],
        ],
        'fc1.bias': [1, 2],
        k: [
          [1, 2, 3],
          [1, 2, 3],
        ],
        extra: [1],
      },
      'unexpected tensor "extra"',
    ],
  ])('reports what is wrong (%#)', (dict, message) => {
    const r = fromStateDict(layout, dict);
    expect('problems' in r && r.problems.join('; ')).toContain(message);
  });
});
