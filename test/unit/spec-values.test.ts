import { describe, expect, it } from 'vitest';
import { MAX_LIST_LENGTH, parseNumberList, splitTopLevelCommas } from '../../src/spec/parse-values.js';

const logspace = (a: number, b: number, n: number) => Array.from({ length: n }, (_, i) => 10 ** (a + (i * (b - a)) / (n - 1)));
const linspace = (a: number, b: number, n: number) => Array.from({ length: n }, (_, i) => a + (i * (b - a)) / (n - 1));

describe('parseNumberList: good input', () => {
  it.each<[string, number[]]>([
    ['0', [0]],
    ['0.5', [0.5]],
    ['  1e-3  ', [0.001]],
    ['-2', [-2]],
    ['+3', [3]],
    ['.25', [0.25]],
    ['0,0.01,0.1,1', [0, 0.01, 0.1, 1]],
    [' 0 , 0.01 ,0.1, 1 ', [0, 0.01, 0.1, 1]],
    ['0-4', [0, 1, 2, 3, 4]],
    ['3 - 5', [3, 4, 5]],
    ['0-10:2', [0, 2, 4, 6, 8, 10]],
    ['0-9:4', [0, 4, 8]],
    ['-2-2', [-2, -1, 0, 1, 2]],
    ['7-7', [7]],
    ['logspace(-4,0,9)', logspace(-4, 0, 9)],
    ['logspace( -3 , 0 , 4 )', [1e-3, 1e-2, 1e-1, 1]],
    ['logspace(2,2,1)', [100]],
    ['linspace(0,1,5)', [0, 0.25, 0.5, 0.75, 1]],
    ['linspace(1,0,3)', [1, 0.5, 0]],
    ['linspace(0.5,9,1)', [0.5]],
    ['0,logspace(-3,0,4)', [0, 1e-3, 1e-2, 1e-1, 1]],
    ['linspace(0,1,3),5-6,1e2', [0, 0.5, 1, 5, 6, 100]],
  ])('%s', (text, expected) => {
    const r = parseNumberList(text);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.values).toHaveLength(expected.length);
    r.values.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
  });

  it('rounds generated values to read cleanly (they name runs)', () => {
    const r = parseNumberList('logspace(-4,0,5),linspace(0,1,11)');
    expect(r.ok && r.values).toEqual([0.0001, 0.001, 0.01, 0.1, 1, 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
  });

  it('keeps logspace relative precision for values far from 1', () => {
    const r = parseNumberList('logspace(-12,-11,3)');
    if (!r.ok) throw new Error(r.error);
    expect(r.values).toHaveLength(3);
    r.values.forEach((v, i) => expect(v / logspace(-12, -11, 3)[i]!).toBeCloseTo(1, 12));
  });

  it('reads -0 as 0', () => {
    const r = parseNumberList('-0');
    expect(r.ok && Object.is(r.values[0], 0)).toBe(true);
  });

  it('matches linspace with the closed-form values', () => {
    const r = parseNumberList('linspace(-1,3,7)');
    if (!r.ok) throw new Error(r.error);
    expect(r.values).toHaveLength(7);
    r.values.forEach((v, i) => expect(v).toBeCloseTo(linspace(-1, 3, 7)[i]!, 12));
  });
});

describe('parseNumberList: bad input', () => {
  it.each<[string, string]>([
    ['', 'empty value'],
    ['   ', 'empty value'],
    ['0.1x', '"0.1x" is not a number'],
    ['abc', '"abc" is not a number'],
    ['1,,2', 'empty entry in "1,,2"'],
    ['1,', 'empty entry'],
    ['Infinity', '"Infinity" is not a number'],
    ['NaN', '"NaN" is not a number'],
    ['1e309', '1e309 is not a finite number'],
    ['4-0', 'runs backwards'],
    ['0-10:0', 'not a positive integer'],
    ['0-10:1.5', 'not a positive integer'],
    ['0.5-2', '"0.5-2" is not a number'],
    ['0x10', '"0x10" is not a number'],
    ['logspace(1,2)', 'logspace takes 3 arguments'],
    ['linspace(1,2,3,4)', 'linspace takes 3 arguments'],
    ['logspace(a,1,3)', '"a" in "logspace(a,1,3)" is not a number'],
    ['linspace(0,1,0)', 'count "0" in "linspace(0,1,0)" is not a positive integer'],
    ['linspace(0,1,2.5)', 'count "2.5"'],
    ['logspace(0,400,2)', 'not a finite number'],
    ['logspace(0,1e309,2)', '1e309 is not a finite number'],
    ['1e-400', '1e-400 underflows to 0 in double precision'],
    ['0,-2e-324', '-2e-324 underflows to 0'],
    ['logspace(-400,0,3)', '"logspace(-400,0,3)" reaches 1e-400, which underflows to 0'],
    ['(1', 'unbalanced brackets'],
    ['1)', 'unbalanced brackets'],
    ['powspace(1,2,3)', 'is not a number'],
    [`0-${MAX_LIST_LENGTH}`, `more than ${MAX_LIST_LENGTH}`],
    [`linspace(0,1,${MAX_LIST_LENGTH + 1})`, `more than ${MAX_LIST_LENGTH}`],
    [`0-${MAX_LIST_LENGTH - 1},1`, `more than ${MAX_LIST_LENGTH}`],
  ])('%j', (text, message) => {
    const r = parseNumberList(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });
});

describe('splitTopLevelCommas', () => {
  it.each<[string, string[] | null]>([
    ['a,b', ['a', 'b']],
    ['0,logspace(-3,0,4)', ['0', 'logspace(-3,0,4)']],
    ['[0.9,0.99],[0.8,0.9]', ['[0.9,0.99]', '[0.8,0.9]']],
    ['{"a":[1,2]},3', ['{"a":[1,2]}', '3']],
    ['"x,y",z', ['"x,y"', 'z']],
    ['"a\\",b"', ['"a\\",b"']],
    ['', ['']],
    ['[1,2', null],
    ['(]', null],
    ['"open', null],
  ])('%j', (text, parts) => {
    expect(splitTopLevelCommas(text)).toEqual(parts);
  });
});
