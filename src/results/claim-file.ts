/**
 * `<out>/claims/<run-id>.claim` — who is doing a run of a plan executed by `mo-train work` (a
 * Slurm task, a Kubernetes pod, a queue worker): host, pid and start, one line of JSON. The file's
 * modification time is its heartbeat, renewed while the run goes; a claim whose heartbeat is older
 * than the staleness limit belongs to a task that is gone (preempted, killed, its node lost) and is
 * taken over. Pure.
 */
import { z } from 'zod';

export const CLAIMS_DIR = 'claims';

/** A claim without a heartbeat for this long belongs to a task that is gone: long enough for a busy shared filesystem. */
export const DEFAULT_STALE_AFTER_S = 120;

export interface ClaimHolder {
  readonly host: string;
  readonly pid: number;
  /** ISO time the run was claimed. */
  readonly started: string;
  /** A random token: two claimants with the same host and pid (a container's pid 1) still differ. */
  readonly token: string;
}

const holderSchema = z.looseObject({ host: z.string(), pid: z.number(), started: z.string(), token: z.string() }) satisfies z.ZodType<ClaimHolder>;

export function serializeClaimHolder(holder: ClaimHolder): string {
  return `${JSON.stringify(holder)}\n`;
}

/** The holder, or null for a claim that cannot be read (a crash while it was written): stale by its age alone. */
export function parseClaimHolder(text: string): ClaimHolder | null {
  try {
    const parsed = holderSchema.safeParse(JSON.parse(text));
    return parsed.success ? { host: parsed.data.host, pid: parsed.data.pid, started: parsed.data.started, token: parsed.data.token } : null;
  } catch {
    return null;
  }
}

export const CLAIM_SUFFIX = '.claim';

/** `claims/<id>.claim`, relative to the results directory. */
export function claimFileName(id: string): string {
  return `${id}${CLAIM_SUFFIX}`;
}
