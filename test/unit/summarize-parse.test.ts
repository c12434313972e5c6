import { describe, expect, it } from 'vitest';
import { parseJson, stringifyJson } from '../../src/results/json.js';
import { computeStepsMismatch, parseCsvNumber, parseStepsCsv, type StepsTail } from '../../src/results/steps-file.js';
import { parseRunSummary } from '../../src/results/summary-parse.js';
import { parseSweepRecord } from '../../src/results/sweep-file.js';
import { computeWindowStats } from '../../src/train/window-stats.js';
import { makeSummary } from '../fixtures/results/build-results.js';

const H = 'step,loss1,loss2,total,grad_norm1,grad_norm2,param_norm\n';

describe('parseCsvNumber', () => {
  it.each([
    ['0', 0],
    ['-1.5', -1.5],
    ['1e-7', 1e-7],
    ['2.5E+10', 2.5e10],
    ['.5', 0.5],
    ['0.30000000000000004', 0.30000000000000004],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['', null],
    ['abc', null],
    ['1,2', null],
    ['0x10', null],
  ])('%j → %s', (text, expected) => {
    expect(parseCsvNumber(text)).toBe(expected);
  });

  it('reads NaN as NaN, not as "not a number"', () => {
    expect(parseCsvNumber('NaN')).toBeNaN();
  });
});

describe('parseStepsCsv', () => {
  it.each([
    { name: 'empty file', text: '', rows: 0, last: null, partial: false },
    { name: 'header only', text: H, rows: 0, last: null, partial: false },
    { name: 'header cut mid-line', text: 'step,loss1,lo', rows: 0, last: null, partial: true },
    {
      name: 'two rows',
      text: `${H}0,25,0.5,25,1,1,3\n1,24,0.6,23.94,1,1,3\n`,
      rows: 2,
      last: { step: 1, loss1: 24, loss2: 0.6, total: 23.94 },
      partial: false,
    },
    {
      name: 'last line without its newline is ignored',
      text: `${H}0,25,0.5,25,1,1,3\n1,24,0.6,23.9`,
      rows: 1,
      last: { step: 0, loss1: 25, loss2: 0.5, total: 25 },
      partial: true,
    },
    { name: 'CRLF line ends', text: `${H.replace('\n', '\r\n')}0,1,2,3,1,1,3\r\n`, rows: 1, last: { step: 0, loss1: 1, loss2: 2, total: 3 }, partial: false },
    {
      name: 'non-finite values',
      text: `${H}7,Infinity,-Infinity,Infinity,NaN,NaN,NaN\n`,
      rows: 1,
      last: { step: 7, loss1: Infinity, loss2: -Infinity, total: Infinity },
      partial: false,
    },
  ])('$name', ({ text, rows, last, partial }) => {
    const r = parseStepsCsv(text);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.rows).toBe(rows);
    expect(r.value.last).toEqual(last);
    expect(r.value.partial_line).toBe(partial);
  });

  it.each([
    { name: 'wrong header', text: 'loss1,loss2\n1,2\n', issue: 'header is "loss1,loss2", expected it to start with step,loss1,loss2,total' },
    { name: 'garbage in the last row', text: `${H}0,1,2,3,1,1,3\n1,oops,2,3,1,1,3\n`, issue: 'line 3: loss1 is "oops", not a number' },
    { name: 'short last row', text: `${H}0,1,2\n`, issue: 'line 2: total is "", not a number' },
  ])('rejects $name', ({ text, issue }) => {
    expect(parseStepsCsv(text)).toEqual({ ok: false, issue });
  });
});

describe('computeStepsMismatch', () => {
  const summary = makeSummary({ coords: { alpha: 0.5, seed: 0 }, loss1: 0.25, loss2: 2, rows_logged: 3 });
  const last = summary.final!;
  it.each<{ name: string; tail: StepsTail; expected: string | null }>([
    { name: 'matching', tail: { rows: 3, last, partial_line: false }, expected: null },
    { name: 'one row short', tail: { rows: 2, last, partial_line: false }, expected: '2 complete rows, but summary.json says rows_logged 3' },
    {
      name: 'different last loss1',
      tail: { rows: 3, last: { ...last, loss1: 0.5 }, partial_line: false },
      expected: 'last row has loss1 0.5, but summary.json final.loss1 is 0.25',
    },
    {
      name: 'different last step',
      tail: { rows: 3, last: { ...last, step: 98 }, partial_line: false },
      expected: 'last row has step 98, but summary.json final.step is 99',
    },
  ])('$name', ({ tail, expected }) => {
    expect(computeStepsMismatch(summary, tail)).toBe(expected);
  });

  it('treats NaN in both files as equal', () => {
    const diverged = makeSummary({ coords: { alpha: 1, seed: 0 }, verdict: 'diverged', loss1: NaN, loss2: 3, rows_logged: 2 });
    expect(computeStepsMismatch(diverged, { rows: 2, last: diverged.final, partial_line: false })).toBeNull();
    expect(computeStepsMismatch(diverged, { rows: 2, last: { ...diverged.final!, loss1: 1 }, partial_line: false })).toMatch(
      /loss1 1, but summary.json final.loss1 is NaN/,
    );
  });

  it('accepts no steps rows for a run that logged none', () => {
    const failed = makeSummary({ coords: { alpha: 1, seed: 0 }, verdict: 'failed', loss1: 0, loss2: 0, rows_logged: 0 });
    expect(computeStepsMismatch(failed, { rows: 0, last: null, partial_line: false })).toBeNull();
  });
});

describe('parseRunSummary', () => {
  const good = makeSummary({ coords: { alpha: 0.1, seed: 1 }, verdict: 'diverged', loss1: NaN, loss2: Infinity });

  it('accepts a summary as the runner writes it, non-finite values included', () => {
    const r = parseRunSummary(parseJson(stringifyJson(good)));
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.final!.loss1).toBeNaN();
      expect(r.value.final!.loss2).toBe(Infinity);
      expect(r.value.coords).toEqual({ alpha: 0.1, seed: 1 });
    }
  });

  it('accepts the window statistics the verdict code computes', () => {
    const window = computeWindowStats([90, 95, 99], [1, 0.9, 0.95], [2, 2.5, 3]);
    const r = parseRunSummary(parseJson(stringifyJson({ ...good, window })));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value.window).toEqual(window);
  });

  it('skips keys a newer mo-train may add', () => {
    expect(parseRunSummary({ ...good, gpu: 'none' }).ok).toBe(true);
  });

  it.each([
    { name: 'a missing field', value: { ...good, rows_logged: undefined }, path: 'rows_logged' },
    { name: 'an unknown verdict', value: { ...good, verdict: 'exploded' }, path: 'verdict' },
    { name: 'a string loss', value: { ...good, final: { ...good.final, loss2: 'big' } }, path: 'final.loss2' },
    { name: 'not an object', value: [], path: '(top level)' },
  ])('names the path of $name', ({ value, path }) => {
    const r = parseRunSummary(value);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issue.startsWith(`${path}: `)).toBe(true);
  });
});

describe('parseSweepRecord', () => {
  const run = (id: string) => ({ id, coords: { alpha: 0, seed: 0 } });
  it.each([
    { name: 'duplicate ids', runs: [run('a'), run('a')], issue: /runs\.1\.id: "a" appears twice/ },
    { name: 'an id that leaves runs/', runs: [run('../../etc')], issue: /runs\.0\.id: not a safe directory name/ },
    { name: 'an empty id', runs: [run('')], issue: /runs\.0\.id/ },
  ])('rejects $name', ({ runs, issue }) => {
    const r = parseSweepRecord({ format_version: 1, name: 'x', runs });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issue).toMatch(issue);
  });

  it('keeps sweep order and coords', () => {
    const r = parseSweepRecord({ format_version: 1, name: 'seed', runs: [run('b'), run('a')], grid: {}, extra: true });
    expect(r).toEqual({ ok: true, value: { format_version: 1, name: 'seed', runs: [run('b'), run('a')] } });
  });
});
