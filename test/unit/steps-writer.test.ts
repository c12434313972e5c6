import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { openReportedStepsWriter, openStepsWriter } from '../../src/io/steps-writer.js';
import { STEP_COLUMNS } from '../../src/results/steps-file.js';
import type { StepRow } from '../../src/train/train-loop.js';
import type { ReportedRow } from '../../src/train/watch-steps.js';

const dir = mkdtempSync(join(tmpdir(), 'mo-train-steps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const awkward = [
  0,
  -0,
  1,
  -1,
  0.1,
  1 / 3,
  -2.5e-310,
  5e-324,
  1.7976931348623157e308,
  1e21,
  1e-7,
  123456789012345680000,
  NaN,
  Infinity,
  -Infinity,
  2 ** 53 + 2,
  -1e-300,
];

function rows(count: number): StepRow[] {
  return Array.from({ length: count }, (_, i) => {
    const v = (k: number) => awkward[(i * 7 + k) % awkward.length]! * (i % 3 === 0 ? 1 : Math.PI ** (i % 11));
    const row = { step: i, loss1: v(0), loss2: v(1), total: v(2), grad_norm1: v(3), grad_norm2: v(4), param_norm: v(5), cos12: v(6), weight: v(7) };
    // Every fifth row: all finite but the cosine (NaN: a zero gradient), a path of its own.
    return i % 5 === 4
      ? { step: i, loss1: i / 7, loss2: -i / 3, total: 1 / (i + 1), grad_norm1: 0, grad_norm2: 9, param_norm: Math.PI * i, cos12: NaN, weight: 0.01 }
      : row;
  });
}

describe('steps.csv writer', () => {
  it('writes exactly what csv-stringify writes, across chunk boundaries', async () => {
    const data = rows(5000);
    const path = join(dir, 'steps.csv');
    const w = openStepsWriter(path);
    for (const r of data) expect(w.write(r)).toBe(true);
    await w.close();
    const expected = stringify(data, { header: true, columns: [...STEP_COLUMNS] });
    const written = readFileSync(path, 'utf8');
    expect(written.length).toBeGreaterThan(1 << 16);
    expect(written).toBe(expected);
  });

  it('reads back exactly, non-finite values included', async () => {
    const data = rows(200);
    const path = join(dir, 'back.csv');
    const w = openStepsWriter(path);
    data.forEach((r) => w.write(r));
    await w.close();
    const back = (parse(readFileSync(path, 'utf8'), { columns: true }) as Record<string, string>[]).map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)])),
    );
    expect(back).toHaveLength(200);
    back.forEach((r, i) => {
      for (const c of STEP_COLUMNS) expect(Object.is(r[c], data[i]![c]) || (r[c] === 0 && data[i]![c] === 0)).toBe(true);
    });
  });

  it('never overwrites an existing file', async () => {
    const path = join(dir, 'once.csv');
    await openStepsWriter(path).close();
    expect(() => openStepsWriter(path)).toThrow(/EEXIST/);
  });
});

describe('steps.csv of a command run (ReportedCsvWriter)', () => {
  const HEADER = STEP_COLUMNS.join(',');
  let n = 0;

  /** A reported row: losses and step, every optional measurement absent unless given. */
  function row(step: number, more: Partial<ReportedRow> = {}): ReportedRow {
    return { step, loss1: 1, loss2: 2, total: 0.8, weight: 0.1, grad_norm1: null, grad_norm2: null, param_norm: null, cos12: null, extra: {}, ...more };
  }

  async function writeRows(data: readonly ReportedRow[]): Promise<{ lines: string[]; droppedKeys: ReadonlyMap<string, number>; text: string }> {
    const path = join(dir, `reported-${n++}.csv`);
    const w = openReportedStepsWriter(path);
    for (const r of data) expect(w.write(r)).toBe(true);
    await w.close();
    const text = readFileSync(path, 'utf8');
    return { lines: text.split('\n'), droppedKeys: w.droppedKeys, text };
  }

  it("writes the standard columns, then the first row's extra keys in its order", async () => {
    const { lines } = await writeRows([row(0, { extra: { lr: 0.01, acc: 0.5 } }), row(1, { extra: { acc: 0.75, lr: 0.02 } })]);
    expect(lines).toEqual([`${HEADER},lr,acc`, '0,1,2,0.8,,,,0.1,,0.01,0.5', '1,1,2,0.8,,,,0.1,,0.02,0.75', '']);
  });

  it('leaves a cell empty for a measurement or extra key a row did not report', async () => {
    const { lines } = await writeRows([
      row(0, { grad_norm1: 3, grad_norm2: 4, param_norm: 5, cos12: -0.5, extra: { lr: 0.1, acc: 0.5 } }),
      row(1, { grad_norm2: 0, extra: { acc: 0.25 } }),
    ]);
    expect(lines.slice(1, 3)).toEqual(['0,1,2,0.8,3,4,5,0.1,-0.5,0.1,0.5', '1,1,2,0.8,,0,,0.1,,,0.25']);
  });

  it('spells non-finite values NaN, Infinity and -Infinity, and reads back: a reported NaN apart from an absent value', async () => {
    const { lines, text } = await writeRows([
      row(0, { loss1: NaN, loss2: Infinity, total: -Infinity, grad_norm1: NaN, cos12: NaN, extra: { acc: -Infinity } }),
      row(1, { extra: {} }),
    ]);
    expect(lines[1]).toBe('0,NaN,Infinity,-Infinity,NaN,,,0.1,NaN,-Infinity');
    const back = parse(text, { columns: true }) as Record<string, string>[];
    expect(back[0]).toMatchObject({ loss1: 'NaN', grad_norm1: 'NaN', grad_norm2: '', acc: '-Infinity' });
    expect(back[1]).toMatchObject({ grad_norm1: '', acc: '' });
  });

  it('drops a key first seen after the first row, and lists it once with the step it first came at', async () => {
    const { lines, droppedKeys } = await writeRows([
      row(0, { extra: { lr: 0.1 } }),
      row(5, { extra: { lr: 0.2, late: 1 } }),
      row(6, { extra: { late: 2, later: 3 } }),
    ]);
    expect(lines[0]).toBe(`${HEADER},lr`);
    expect(lines.slice(1, 4)).toEqual(['0,1,2,0.8,,,,0.1,,0.1', '5,1,2,0.8,,,,0.1,,0.2', '6,1,2,0.8,,,,0.1,,']);
    expect([...droppedKeys]).toEqual([
      ['late', 5],
      ['later', 6],
    ]);
  });

  it("does not duplicate a column of mo-train's own (total, weight): the script's key is dropped and listed", async () => {
    const { lines, droppedKeys } = await writeRows([row(3, { extra: { total: 99, lr: 0.5, weight: 7 } })]);
    expect(lines[0]).toBe(`${HEADER},lr`);
    expect(lines[1]).toBe('3,1,2,0.8,,,,0.1,,0.5');
    expect([...droppedKeys]).toEqual([
      ['total', 3],
      ['weight', 3],
    ]);
  });

  it('quotes a header key that needs it (a comma, a quote, a newline), and it reads back as the key', async () => {
    const keys = ['a,b', 'say "hi"', 'two\nlines', 'plain_key'];
    const { lines, text } = await writeRows([row(0, { extra: Object.fromEntries(keys.map((k, i) => [k, i])) })]);
    expect(text.startsWith(`${HEADER},"a,b","say ""hi""","two\nlines",plain_key\n`)).toBe(true);
    expect(lines.at(-2)).toBe('0,1,2,0.8,,,,0.1,,0,1,2,3');
    const [back] = parse(text, { columns: true }) as Record<string, string>[];
    expect(Object.keys(back!)).toEqual([...STEP_COLUMNS, ...keys]);
  });

  it('writes every row across chunk boundaries, read back exactly', async () => {
    const data = Array.from({ length: 5000 }, (_, i) =>
      row(i, { loss1: 1 / (i + 1), loss2: i * Math.PI, total: -(i + 1) / 7, grad_norm1: i % 3 === 0 ? null : i, extra: i % 2 === 0 ? { lr: 1e-3 * i } : {} }),
    );
    const { text } = await writeRows(data);
    expect(text.length).toBeGreaterThan(1 << 16);
    const back = parse(text, { columns: true }) as Record<string, string>[];
    expect(back).toHaveLength(5000);
    back.forEach((r, i) => {
      const d = data[i]!;
      expect([Number(r.step), Number(r.loss1), Number(r.loss2), Number(r.total)]).toEqual([d.step, d.loss1, d.loss2, d.total]);
      expect(r.grad_norm1).toBe(d.grad_norm1 === null ? '' : String(d.grad_norm1));
      expect(r.lr).toBe(i % 2 === 0 ? String(1e-3 * i) : '');
    });
  });

  it('writes the header even when no row came', async () => {
    const { text, droppedKeys } = await writeRows([]);
    expect(text).toBe(`${HEADER}\n`);
    expect(droppedKeys.size).toBe(0);
  });

  it('never overwrites an existing file', async () => {
    const path = join(dir, 'reported-once.csv');
    await openReportedStepsWriter(path).close();
    expect(() => openReportedStepsWriter(path)).toThrow(/EEXIST/);
  });
});

describe('steps.csv of a command run: not yet as it should be', () => {
  it('leaves the cell empty when a row lacks an extra key named like an Object method (constructor, toString)', async () => {
    const path = join(dir, 'reported-proto.csv');
    const w = openReportedStepsWriter(path);
    const base = { loss1: 1, loss2: 2, total: 0.8, weight: 0.1, grad_norm1: null, grad_norm2: null, param_norm: null, cos12: null };
    w.write({ ...base, step: 0, extra: { constructor: 1, toString: 2 } });
    w.write({ ...base, step: 1, extra: {} });
    await w.close();
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines[0]).toBe(`${STEP_COLUMNS.join(',')},constructor,toString`);
    expect(lines[2]).toBe('1,1,2,0.8,,,,0.1,,,');
  });
});

describe('steps.csv of a command run: the tuned write() against the plain template', () => {
  /** The rows a script's steps become, with every awkward number in every column, absent measurements and extra keys. */
  function reportedRows(count: number): ReportedRow[] {
    return Array.from({ length: count }, (_, i) => {
      const v = (k: number) => awkward[(i * 7 + k) % awkward.length]! * (i % 3 === 0 ? 1 : Math.PI ** (i % 11));
      const maybe = (k: number) => (i % (k + 2) === 0 ? null : v(k));
      // The weight (α) is the same for long stretches, as in a run, and sometimes NaN, -0 or awkward.
      const weight = i < 2000 ? 0.01 : i < 3000 ? v(7) : i < 3500 ? -0 : i < 4000 ? NaN : 0.1;
      const extra: Record<string, number> = i % 4 === 0 ? { lr: v(8) } : { acc: v(9), lr: v(10), later: 1 };
      return {
        step: i < 4500 ? i : 2 ** 53 + 2 * i,
        loss1: v(0),
        loss2: v(1),
        total: v(2),
        grad_norm1: maybe(3),
        grad_norm2: maybe(4),
        param_norm: maybe(5),
        cos12: maybe(6),
        weight,
        extra,
      };
    });
  }

  /** ReportedCsvWriter's rows as first written, before its hot path was tuned: one template literal. */
  function plainCsv(rows: readonly ReportedRow[], extraKeys: readonly string[]): string {
    const cell = (x: number | null | undefined) => (x === null || x === undefined ? '' : String(x));
    let text = `${[...STEP_COLUMNS, ...extraKeys].join(',')}\n`;
    for (const r of rows) {
      let line = `${r.step},${r.loss1},${r.loss2},${r.total},${cell(r.grad_norm1)},${cell(r.grad_norm2)},${cell(r.param_norm)},${r.weight},${cell(r.cos12)}`;
      for (const k of extraKeys) line += `,${Object.hasOwn(r.extra, k) ? cell(r.extra[k]) : ''}`;
      text += `${line}\n`;
    }
    return text;
  }

  it('writes exactly what the plain template writes, across chunk boundaries', async () => {
    const data = reportedRows(5000);
    const path = join(dir, 'reported.csv');
    const w = openReportedStepsWriter(path);
    for (const r of data) expect(w.write(r)).toBe(true);
    await w.close();
    const written = readFileSync(path, 'utf8');
    expect(written.length).toBeGreaterThan(1 << 16);
    // The first row's keys fix the columns: here only lr; acc and later are dropped, and said so.
    expect(written).toBe(plainCsv(data, ['lr']));
    expect([...w.droppedKeys]).toEqual([
      ['acc', 1],
      ['later', 1],
    ]);
  });
});
