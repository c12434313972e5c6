/**
 * One directory, one sweep: `<out>/.lock` names the process that owns the directory (pid, host,
 * start time). A second sweep on the same directory is refused with the holder's name; a lock left
 * by a process that no longer exists (kill -9, power loss) is reclaimed with a warning.
 */
import { closeSync, fsyncSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { LOCK_FILE } from '../results/layout.js';
import { parseLockHolder, serializeLockHolder, type LockHolder } from '../results/lock-file.js';

export interface SweepLock {
  /** The stale holder this lock replaced, for a warning; null when the directory was free. */
  readonly reclaimed: LockHolder | null;
  /** Removes the lock if it is still this process's. Safe to call more than once. */
  release(): void;
}

export function acquireSweepLock(outDir: string, now: Date): SweepLock {
  const path = join(outDir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), started: now.toISOString(), proc_start: procStart(process.pid) };
  let reclaimed: LockHolder | null = null;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, `${serializeLockHolder(me)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      const text = serializeLockHolder(me);
      let released = false;
      return {
        reclaimed,
        release() {
          if (released) return;
          released = true;
          try {
            if (readFileSync(path, 'utf8').trim() === text) unlinkSync(path);
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new UserError(`${outDir}: cannot create its lock file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
    }
    const holder = readHolder(path);
    if (holder && isRunning(holder)) {
      throw new UserError(
        `${outDir} is in use by another mo-train (pid ${holder.pid} on ${holder.host}, since ${holder.started}); ` +
          `wait for it to finish, or stop it — if that process is gone, delete ${path}`,
      );
    }
    // Stale (its process is gone) or unreadable (a crash while writing it): take it over.
    try {
      unlinkSync(path);
    } catch {
      // someone else removed it first; the next attempt decides
    }
    reclaimed = holder ?? { pid: 0, host: 'unknown', started: 'unknown', proc_start: null };
  }
  throw new UserError(`${outDir}: another mo-train took the lock at the same moment; try again`);
}

/** The mo-train sweep working in `outDir` now (its .lock held by a live process), or null. */
export function findLiveSweepLock(outDir: string): LockHolder | null {
  const holder = readHolder(join(outDir, LOCK_FILE));
  return holder !== null && isRunning(holder) ? holder : null;
}

function readHolder(path: string): LockHolder | null {
  try {
    return parseLockHolder(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/** Whether the holder's process still runs. A holder on another host cannot be checked: assumed running. */
function isRunning(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  // The pid exists; it is the holder only if it started when the holder did (pids are recycled).
  const start = procStart(holder.pid);
  return holder.proc_start === null || start === null || start === holder.proc_start;
}

/** Field 22 of /proc/<pid>/stat: the process's start time in clock ticks since boot (Linux only). */
function procStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: split after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}
