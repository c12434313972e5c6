/**
 * Memory of live processes from Linux's /proc: VmRSS (resident now) and VmHWM (the kernel's own
 * peak of VmRSS, so a spike between two samples is not missed). Linux only.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcMemory {
  /** Resident set size now, bytes. */
  readonly rss: number;
  /** Peak resident set size so far, bytes. */
  readonly hwm: number;
}

/** null when the process is gone (or not readable). */
export function readProcMemory(pid: number): ProcMemory | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (field: string): number | null => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : null;
  };
  const rss = kb('VmRSS');
  const hwm = kb('VmHWM');
  return rss === null || hwm === null ? null : { rss, hwm };
}

/**
 * The direct children of `pid`: from /proc/<pid>/task/<tid>/children when the kernel provides it
 * (CONFIG_PROC_CHILDREN), else by scanning every /proc/<n>/stat for its parent pid.
 */
export function listChildPids(pid: number): number[] {
  try {
    const pids = new Set<number>();
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      for (const p of text.split(/\s+/)) if (p !== '') pids.add(Number(p));
    }
    return [...pids];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return [];
  }
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name (2nd field) is in parentheses and may contain spaces: read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // The process exited while we looked.
    }
  }
  return children;
}
