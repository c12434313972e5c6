import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { openStepsWriter } from '../../src/io/steps-writer.js';
import { STEP_COLUMNS } from '../../src/results/steps-file.js';
import type { StepRow } from '../../src/train/train-loop.js';

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
