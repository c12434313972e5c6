import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readStepsExcerpt } from '../../src/io/read-results.js';
import { computeStepsExcerpt } from '../../src/results/steps-file.js';

const dir = mkdtempSync(join(tmpdir(), 'mo-train-excerpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const header = 'step,loss1,loss2,total,grad_norm1,grad_norm2,param_norm';
const row = (i: number) => `${i},${1 / (i + 1)},${i * 0.1},${i},1,2,3`;

describe('readStepsExcerpt (streamed) agrees with the whole-text excerpt', () => {
  it.each([
    ['empty file', ''],
    ['header only, no newline', header],
    ['header only', `${header}\n`],
    ['one row', `${header}\n${row(0)}\n`],
    ['a cut-off last line', `${header}\n${row(0)}\n${row(1)}\n12,0.5`],
    ['rows across 1 MiB chunks', `${header}\n${Array.from({ length: 60000 }, (_, i) => row(i)).join('\n')}\n`],
    ['a long cut-off line after the last newline', `${header}\n${row(0)}\n${row(1)}\n${'9'.repeat(10000)}`],
    ['a header longer than a chunk', `${'x'.repeat(1_200_000)}\n${row(0)}\n`],
  ])('%s', async (_name, text) => {
    const path = join(dir, `${_name.replace(/\W+/g, '-')}.csv`);
    writeFileSync(path, text);
    const got = await readStepsExcerpt(path);
    expect(got).toEqual({ kind: 'excerpt', excerpt: computeStepsExcerpt(text) });
  });

  it('a missing file is absent', async () => {
    expect(await readStepsExcerpt(join(dir, 'nope.csv'))).toEqual({ kind: 'absent' });
  });
});
