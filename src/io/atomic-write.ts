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

const fsyncAsync = promisify(fsync);

/**
 * writeFileAtomic for the file that must appear only after others are durable (a run's
 * summary.json after its steps.csv and final-params.json): the temporary file is written at once
 * and fsynced on the thread pool while `before` (the others' fsyncs) completes; once both are done
 * it is renamed over `path` and the directory is fsynced, also on the thread pool. Two fsync waits
 * one after the other instead of three, and none of them blocks the event loop. If `before`
 * rejects, or the temporary file cannot be made durable, the temporary file is removed, `path` is
 * never created, and the error is thrown (`before`'s first).
 */
export async function writeFileAtomicAfter(path: string, content: string, before: Promise<unknown>): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'w');
  } catch (err) {
    await before.catch(() => {});
    throw err;
  }
  let written: Promise<unknown>;
  try {
    const buf = Buffer.from(content, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    written = fsyncAsync(fd);
  } catch (err) {
    written = Promise.reject(err);
  }
  // Both settled before the descriptor is closed: an fsync still queued on the thread pool must
  // not meet a descriptor number already reused by another file.
  const [first, second] = await Promise.allSettled([before, written]);
  closeSync(fd);
  const failed = first.status === 'rejected' ? first : second.status === 'rejected' ? second : null;
  if (failed !== null) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw failed.reason;
  }
  renameSync(tmp, path);
  const dirFd = openSync(dir, 'r');
  try {
    await fsyncAsync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
