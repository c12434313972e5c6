/**
 * writeFileAtomicAfter (io/atomic-write.ts): a run's summary.json appears only once its other files
 * are durable, and never when making them durable failed.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomicAfter } from '../../src/io/atomic-write.js';

const dir = mkdtempSync(join(tmpdir(), 'mo-train-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomicAfter', () => {
  it('puts the file in place only after `before` resolved, whole', async () => {
    const path = join(dir, 'summary.json');
    let release = (): void => {};
    const before = new Promise<void>((resolve) => (release = resolve));
    const written = writeFileAtomicAfter(path, '{"status":"finished"}', before);
    // The temporary file is written and synced meanwhile; the target is not there yet.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(existsSync(path)).toBe(false);
    release();
    await written;
    expect(readFileSync(path, 'utf8')).toBe('{"status":"finished"}');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('when `before` rejects: throws its error, writes nothing, leaves no temporary file', async () => {
    const path = join(dir, 'failed.json');
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    await expect(writeFileAtomicAfter(path, '{}', Promise.reject(enospc))).rejects.toThrow(/ENOSPC/);
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('.failed.json'))).toEqual([]);
  });

  it('a directory that does not exist: throws, after waiting for `before`', async () => {
    let settled = false;
    const before = new Promise<void>((resolve) => setTimeout(resolve, 30)).then(() => {
      settled = true;
    });
    await expect(writeFileAtomicAfter(join(dir, 'missing', 'x.json'), '{}', before)).rejects.toThrow(/ENOENT/);
    expect(settled).toBe(true);
  });
});
