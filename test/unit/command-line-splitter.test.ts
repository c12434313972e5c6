import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/engine/command/line-splitter.js';

function collect(maxLineBytes: number) {
  const lines: string[] = [];
  const overlong: [string, number][] = [];
  const splitter = new LineSplitter(maxLineBytes, { line: (t) => lines.push(t), overlong: (s, n) => overlong.push([s, n]) });
  return { splitter, lines, overlong };
}

describe('LineSplitter', () => {
  it.each([
    ['whole lines in one chunk', ['a\nbb\nccc\n'], ['a', 'bb', 'ccc']],
    ['a line split across chunks', ['{"loss1": 1, ', '"loss2"', ': 2}\nnext\n'], ['{"loss1": 1, "loss2": 2}', 'next']],
    ['CRLF line ends', ['one\r\ntwo\r\n'], ['one', 'two']],
    ['empty lines', ['\n\nx\n'], ['', '', 'x']],
    ['a last line without a newline', ['a\nlast'], ['a', 'last']],
    ['a multi-byte character cut between chunks', [Buffer.from('α=1\n').subarray(0, 1), Buffer.from('α=1\n').subarray(1)], ['α=1']],
  ])('%s', (_name, chunks, expected) => {
    const { splitter, lines, overlong } = collect(100);
    for (const c of chunks) splitter.push(typeof c === 'string' ? Buffer.from(c) : c);
    splitter.end();
    expect(lines).toEqual(expected);
    expect(overlong).toEqual([]);
  });

  it('passes on the start of a line past the limit and the bytes left out, and the lines around it intact', () => {
    const { splitter, lines, overlong } = collect(16);
    splitter.push(Buffer.from('before\n0123456789'));
    splitter.push(Buffer.from('abcdefghij'.repeat(3)));
    splitter.push(Buffer.from('XYZ\nafter\n'));
    splitter.end();
    expect(lines).toEqual(['before', 'after']);
    expect(overlong).toEqual([['0123456789abcdef', 10 + 30 + 3 - 16]]);
  });

  it('holds no more than the limit of a 100 MB line fed in 64 KiB chunks', () => {
    const { splitter, lines, overlong } = collect(1 << 20);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const before = process.memoryUsage().arrayBuffers;
    let peak = 0;
    for (let i = 0; i < 1600; i++) {
      splitter.push(chunk);
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
    }
    splitter.push(Buffer.from('\n{"loss1": 1, "loss2": 2}\n'));
    splitter.end();
    expect(overlong).toHaveLength(1);
    expect(overlong[0]![0]).toHaveLength(1 << 20);
    expect(overlong[0]![1]).toBe(1600 * 64 * 1024 - (1 << 20));
    expect(lines).toEqual(['{"loss1": 1, "loss2": 2}']);
    // The kept start (1 MiB) plus slack for the allocator; the whole line would be 100 MiB.
    expect(peak).toBeLessThan(8 << 20);
  });

  it('a line of exactly the limit within one chunk is whole; one byte more is cut', () => {
    const { splitter, lines, overlong } = collect(8);
    splitter.push(Buffer.from('12345678\n123456789\n\r\nαβγδ\n'));
    splitter.end();
    expect(lines).toEqual(['12345678', '', 'αβγδ']);
    expect(overlong).toEqual([['12345678', 1]]);
  });

  it('cuts the same lines wherever the chunks end', () => {
    const text = '{"step": 0, "loss1": 1, "loss2": 2}\r\nα log\n\n0123456789abcdef-too-long\n{"loss1": 3, "loss2": 4}\nlast';
    const bytes = Buffer.from(text);
    const whole = collect(16);
    whole.splitter.push(bytes);
    whole.splitter.end();
    expect(whole.lines).toEqual(['α log', '', 'last']);
    expect(whole.overlong).toEqual([
      ['{"step": 0, "los', 20],
      ['0123456789abcdef', 9],
      ['{"loss1": 3, "lo', 8],
    ]);
    for (let a = 0; a <= bytes.length; a++) {
      for (let b = a; b <= bytes.length; b += 7) {
        const cut = collect(16);
        for (const chunk of [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)]) cut.splitter.push(chunk);
        cut.splitter.end();
        expect([cut.lines, cut.overlong]).toEqual([whole.lines, whole.overlong]);
      }
    }
  });
});
