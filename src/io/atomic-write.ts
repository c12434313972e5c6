/**
 * Files that are rewritten (sweep.json, summary.json, summary.csv, …) are written whole or not at
 * all: a temporary file in the same directory, fsync, rename over the target, fsync the directory.
 * A reader never sees half a file, even after a crash or power loss.
 */
import { closeSync, fsync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /**
   * fsync the directory after the rename (default true). A caller that writes several files into
   * one directory and then an atomic file last (a run: final-params.json, then summary.json) can
   * skip it for the first ones: the last directory fsync makes every rename before it durable.
   */
  readonly syncDir?: boolean;
}

export function writeFileAtomic(path: string, content: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  let fd = openSync(tmp, 'w');
  try {
    const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
  if (options.syncDir === false) return;
  fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * A file written once, never rewritten (a run's final-params.json): created exclusively, written,
 * and fsynced on the thread pool, so the caller can overlap it with other work. No rename: a run
 * whose summary.json does not exist yet is unfinished whatever its other files hold, and is
 * cleared whole on resume.
 */
export async function writeFileDurable(path: string, content: string): Promise<void> {
  const fd = openSync(path, 'wx');
  try {
    const buf = Buffer.from(content, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    await promisify(fsync)(fd);
  } finally {
    closeSync(fd);
  }
}
