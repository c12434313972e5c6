import { describe, expect, it } from 'vitest';
import { BoundedLog } from '../../src/engine/command/output-log.js';

describe('BoundedLog', () => {
  it('keeps everything while it fits', () => {
    const log = new BoundedLog(100, 100);
    for (const line of ['loading data', 'epoch 1']) log.append(line);
    expect(log.render()).toBe('loading data\nepoch 1\n');
    expect(log.omittedBytes).toBe(0);
  });

  it('keeps the head and the tail of a flood, and says how much is left out', () => {
    const log = new BoundedLog(20, 30);
    for (let i = 0; i < 10_000; i++) log.append(`line ${i}`);
    const text = log.render();
    expect(text.startsWith('line 0\nline 1\n[… ')).toBe(true); // a third line would pass 20 bytes
    expect(text.endsWith('line 9997\nline 9998\nline 9999\n')).toBe(true);
    const total = Array.from({ length: 10_000 }, (_, i) => `line ${i}\n`).join('').length;
    const kept = text.replace(/\[… \d+ bytes of output left out …\]\n/, '').length;
    expect(log.omittedBytes).toBe(total - kept);
    expect(text).toContain(`[… ${total - kept} bytes of output left out …]`);
    expect(Buffer.byteLength(text)).toBeLessThan(20 + 30 + 60);
  });

  it("keeps the end of one line longer than the whole tail (the traceback's last words)", () => {
    const log = new BoundedLog(0, 10);
    log.append(`${'x'.repeat(100)}Error: boom`);
    expect(log.render()).toBe('[… 102 bytes of output left out …]\nror: boom\n');
  });
});
