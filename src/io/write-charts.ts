/**
 * Chart files (`mo-train plot`): into their own directory, each written atomically, so a reader —
 * or a README that embeds one — never sees half a PNG.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';

/** Creates `dir` (and its parents) unless it exists; a file in its place is a UserError. */
export function makeChartDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UserError(`--out ${dir}: cannot create it as a directory (${e.code ?? e.message}); pass a directory to write the charts into`);
  }
}

/** Writes `dir/name` atomically and returns its path. */
export function writeChartFile(dir: string, name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  try {
    writeFileAtomic(path, content);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UserError(`cannot write ${path} (${e.code ?? e.message})`);
  }
  return path;
}
