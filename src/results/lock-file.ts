/**
 * `<out>/.lock` — the process that works in a results directory (io/sweep-lock.ts takes and
 * releases it). One line of JSON, compared byte for byte on release; no version: a lock outlives
 * no mo-train, and one that cannot be read is taken over as stale.
 */
import { z } from 'zod';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** ISO time the holder took the lock. */
  readonly started: string;
  /** The holder's process start time from /proc (Linux), so a recycled pid is not mistaken for it. */
  readonly proc_start: string | null;
}

// A lock written without a readable start time still names its holder; only the check for a
// recycled pid is lost.
const holderSchema = z.looseObject({
  pid: z.number(),
  host: z.string(),
  started: z.string(),
  proc_start: z.string().nullable().catch(null),
}) satisfies z.ZodType<LockHolder>;

export function serializeLockHolder(holder: LockHolder): string {
  return JSON.stringify(holder);
}

/** The holder, or null when the text is not one (a crash while writing it): the caller takes it over. */
export function parseLockHolder(text: string): LockHolder | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = holderSchema.safeParse(value);
  return parsed.success ? { pid: parsed.data.pid, host: parsed.data.host, started: parsed.data.started, proc_start: parsed.data.proc_start } : null;
}
