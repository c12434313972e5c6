import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsvNumberBytes, streamStepsRows } from '../../src/io/stream-steps.js';
import { parseCsvNumber } from '../../src/results/steps-file.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');
const parse = (text: string) => parseCsvNumberBytes(bytes(`,${text},`), 1, text.length + 1);

describe('parseCsvNumberBytes', () => {
  it.each([
    '0',
    '-0',
    '1',
    '42',
    '0.1',
    '-2.5',
    '1e-7',
    '2.64e-13',
    '6.271622466354156',
    '34.73774652694453',
    '1.5E+10',
    '+3',
    '.5',
    '1.',
    'NaN',
    'Infinity',
    '-Infinity',
    '1e300',
    '5e-324',
  ])('reads %s exactly as parseCsvNumber does', (text) => {
    expect(Object.is(parse(text), parseCsvNumber(text))).toBe(true);
  });

  it.each(['', '-', '.', 'e5', '1e', '1e+', 'abc', '1,5', '0x10', ' 1', '1 ', 'nan', '--1', '1.2.3'])('rejects %j like parseCsvNumber', (text) => {
    expect(parse(text)).toBeNull();
    expect(parseCsvNumber(text)).toBeNull();
  });

  it('reads the shortest round-trip form of random doubles within a few units in the last place', () => {
    // A seeded generator (xorshift), so a failure is reproducible.
    let state = 0x9e3779b9;
    const next = () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 2 ** 32;
    };
    let exact = 0;
    const n = 20_000;
    for (let k = 0; k < n; k++) {
      const x = (next() - 0.3) * 10 ** Math.floor(next() * 40 - 20);
      const text = String(x);
      const got = parse(text)!;
      if (got === x) exact += 1;
      else expect(Math.abs(got - x) / Math.abs(x), text).toBeLessThan(1e-15);
    }
    // Most values take the exact path; the rest are off by an ulp or two at most.
    expect(exact / n).toBeGreaterThan(0.5);
  });
});

describe('streamStepsRows', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mo-train-stream-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let count = 0;
  const file = (text: string) => {
    const path = join(dir, `steps-${count++}.csv`);
    writeFileSync(path, text);
    return path;
  };
  const collect = async (path: string) => {
    const rows: Array<[number, number, number]> = [];
    const result = await streamStepsRows(path, (s, a, b) => rows.push([s, a, b]));
    return { result, rows };
  };

  it('finds the columns by name, reads non-finite values and ignores a last line without its newline', async () => {
    const path = file('total,loss2,step,extra,loss1\r\n1,2,0,x,3\r\n1,NaN,1,y,-Infinity\r\n9,9,2,z,9');
    const { result, rows } = await collect(path);
    expect(result).toEqual({ kind: 'read', rows: 2 });
    expect(rows).toEqual([
      [0, 3, 2],
      [1, -Infinity, NaN],
    ]);
  });

  it('reads a file much larger than its buffer, rows split across reads, in order', async () => {
    const n = 60_000;
    const lines = ['step,loss1,loss2,total,grad_norm1,grad_norm2,param_norm'];
    for (let i = 0; i < n; i++) lines.push(`${i},${Math.exp(-i / 7000)},${i * 0.001 - 3},0,1,2,3`);
    const { result, rows } = await collect(file(`${lines.join('\n')}\n`));
    expect(result).toEqual({ kind: 'read', rows: n });
    expect(rows).toHaveLength(n);
    expect(rows.every(([s], i) => s === i)).toBe(true);
    expect(rows[54_321]![1]).toBeCloseTo(Math.exp(-54_321 / 7000), 14);
    expect(rows[54_321]![2]).toBeCloseTo(54_321 * 0.001 - 3, 12);
  });

  it.each([
    ['no loss2 column', 'step,loss1\n0,1\n', /header "step,loss1" has no loss2 column/],
    ['a cell that is not a number', 'step,loss1,loss2\n0,1,2\n1,oops,2\n', /line 3: loss1 is "oops", not a number/],
    ['a short row', 'step,loss1,loss2\n0,1\n', /line 2: 2 cells, expected at least 3/],
  ])('reports %s, naming the line', async (_name, text, reason) => {
    const { result } = await collect(file(text));
    expect(result.kind).toBe('unreadable');
    expect(result.kind === 'unreadable' && result.reason).toMatch(reason);
  });

  it('says absent for no file, and reads an empty one as no rows', async () => {
    expect((await collect(join(dir, 'nope.csv'))).result).toEqual({ kind: 'absent' });
    expect((await collect(file(''))).result).toEqual({ kind: 'read', rows: 0 });
    expect((await collect(file('step,loss1,loss2\n'))).result).toEqual({ kind: 'read', rows: 0 });
  });
});
