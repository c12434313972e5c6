/**
 * Claiming one run of a plan for `mo-train work`, safe under at-least-once delivery (Slurm
 * requeues, Kubernetes retries, BullMQ re-deliveries): the claim file is created with O_EXCL, so
 * of two claimants of a free run exactly one wins; a live claim (fresh heartbeat) is left alone;
 * a stale one is taken over by renaming it away first (rename is atomic: of two takers one
 * succeeds, and the other then finds the new claim live). The heartbeat renews the file's
 * modification time; a claimant that finds its claim gone or replaced has been declared dead and
 * must stop writing at once.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CLAIMS_DIR, claimFileName, parseClaimHolder, serializeClaimHolder, type ClaimHolder } from '../results/claim-file.js';

export interface RunClaim {
  readonly path: string;
  readonly holder: ClaimHolder;
  /** The stale claim this one replaced, if any. */
  readonly tookOver: ClaimHolder | 'unreadable' | null;
  /** Whether the claim file is still this one's (not taken over after a missed heartbeat). */
  isHeld(): boolean;
  /** Renews the heartbeat; false when the claim is no longer this one's. */
  beat(): boolean;
  /** Removes the claim if it is still this one's. */
  release(): void;
}

export type ClaimOutcome =
  | { readonly kind: 'claimed'; readonly claim: RunClaim }
  /** Someone else's live claim: left alone. `ageMs`: since its last heartbeat. */
  | { readonly kind: 'busy'; readonly holder: ClaimHolder | null; readonly ageMs: number };

export function claimsDirOf(outDir: string): string {
  return join(outDir, CLAIMS_DIR);
}

export function claimPathOf(outDir: string, id: string): string {
  return join(claimsDirOf(outDir), claimFileName(id));
}

export function claimRun(outDir: string, id: string, staleMs: number, now: () => number = Date.now): ClaimOutcome {
  mkdirSync(claimsDirOf(outDir), { recursive: true });
  const path = claimPathOf(outDir, id);
  let tookOver: ClaimHolder | 'unreadable' | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    const holder: ClaimHolder = { host: hostname(), pid: process.pid, started: new Date(now()).toISOString(), token: randomBytes(8).toString('hex') };
    const text = serializeClaimHolder(holder);
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      return { kind: 'claimed', claim: heldClaim(path, holder, text, tookOver) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const existing = readClaim(path);
    if (existing === null) continue; // gone meanwhile: try again
    const ageMs = now() - existing.mtimeMs;
    if (ageMs < staleMs) return { kind: 'busy', holder: existing.holder, ageMs };
    // Stale: move it aside (one taker wins the rename), then claim afresh.
    const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      renameSync(path, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      continue; // another taker moved it first
    }
    const moved = readClaim(aside);
    if (moved !== null && (moved.holder?.token !== existing.holder?.token || now() - moved.mtimeMs < staleMs)) {
      // Another taker replaced the stale claim between our look and our rename: put its live claim
      // back (link fails rather than overwrite if yet another one exists; that claimant's next
      // heartbeat then finds its claim gone and stops).
      try {
        linkSync(aside, path);
      } catch {
        // a claim is there again: it decides
      }
      unlinkSync(aside);
      continue;
    }
    tookOver = existing.holder ?? 'unreadable';
    unlinkSync(aside);
  }
  const existing = readClaim(path);
  return { kind: 'busy', holder: existing?.holder ?? null, ageMs: existing ? now() - existing.mtimeMs : 0 };
}

/** The claim at `path` and the time of its last heartbeat, or null when there is none. */
export function readClaim(path: string): { holder: ClaimHolder | null; mtimeMs: number } | null {
  try {
    const { mtimeMs } = statSync(path);
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      // removed between the two calls: its age still says what it was
    }
    return { holder: parseClaimHolder(text), mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function heldClaim(path: string, holder: ClaimHolder, text: string, tookOver: ClaimHolder | 'unreadable' | null): RunClaim {
  let released = false;
  const isHeld = (): boolean => {
    if (released) return false;
    try {
      return readFileSync(path, 'utf8') === text;
    } catch {
      return false;
    }
  };
  return {
    path,
    holder,
    tookOver,
    isHeld,
    beat() {
      if (!isHeld()) return false;
      const t = new Date();
      utimesSync(path, t, t);
      return true;
    },
    release() {
      if (released) return;
      if (isHeld()) {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      }
      released = true;
    },
  };
}
