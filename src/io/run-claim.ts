/**
 * Claiming one run of a plan for `mo-train work`, safe under at-least-once delivery (Slurm
 * requeues, Kubernetes retries, BullMQ re-deliveries): the claim file is created with O_EXCL, so
 * of two claimants of a free run exactly one wins; a live claim (fresh heartbeat) is left alone;
 * a stale one is taken over by one taker at a time (an O_EXCL takeover file), which checks that
 * the claim it removes is still the stale one it saw. The heartbeat renews the file's
 * modification time; a claimant that finds its claim gone or replaced has been declared dead and
 * must stop writing at once.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CLAIM_SUFFIX, CLAIMS_DIR, claimFileName, parseClaimHolder, serializeClaimHolder, type ClaimHolder } from '../results/claim-file.js';

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

/** While another taker replaces a stale claim: how long to wait between looks, and how many looks (2 s in all). */
const TURN_WAIT_MS = 5;
const MAX_TURN_WAITS = 400;
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

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
  let waited = 0;
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
    let existing = readClaim(path);
    if (existing === null) continue; // gone meanwhile: try again
    const ageMs = now() - existing.mtimeMs;
    if (ageMs < staleMs) {
      // A claim created (O_EXCL) and not written yet reads as unreadable: give its claimant a
      // moment to write it, so that the busy answer names the holder (seen under load in the
      // 8-process race of test/unit/run-claim.test.ts).
      for (let w = 0; existing?.holder === null && w < MAX_TURN_WAITS; w++) {
        Atomics.wait(PAUSE, 0, 0, TURN_WAIT_MS);
        existing = readClaim(path) ?? existing;
      }
      return { kind: 'busy', holder: existing.holder, ageMs };
    }
    // Stale: takers take turns through an O_EXCL takeover file; the one holding it checks that the
    // claim is still the stale one it saw, removes it and claims afresh (with O_EXCL again: a
    // claimant that found the run free meanwhile may still win, and then this one is busy).
    const turn = takeTurn(`${path}.takeover`, staleMs, now);
    if (turn === null) {
      // Another taker is replacing it right now: wait for its turn to end, then look again (the
      // run is then its, and this claimant is told so with the right holder).
      if (waited++ < MAX_TURN_WAITS) {
        Atomics.wait(PAUSE, 0, 0, TURN_WAIT_MS);
        attempt--;
        continue;
      }
      return { kind: 'busy', holder: existing.holder, ageMs };
    }
    try {
      const still = readClaim(path);
      if (still !== null && still.holder?.token === existing.holder?.token && still.mtimeMs === existing.mtimeMs) {
        unlinkSync(path);
        tookOver = existing.holder ?? 'unreadable';
      }
    } finally {
      turn.release();
    }
  }
  const existing = readClaim(path);
  return { kind: 'busy', holder: existing?.holder ?? null, ageMs: existing ? now() - existing.mtimeMs : 0 };
}

/**
 * The takeover file of a claim, held while a stale claim is replaced; null when another taker holds
 * it. A takeover file older than the staleness limit was left by a taker that died in its turn.
 */
function takeTurn(path: string, staleMs: number, now: () => number): { release(): void } | null {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      closeSync(openSync(path, 'wx'));
      return {
        release() {
          try {
            unlinkSync(path);
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const left = readClaim(path);
    if (left !== null && now() - left.mtimeMs < staleMs) return null;
    try {
      unlinkSync(path);
    } catch {
      // another taker removed it first
    }
  }
  return null;
}

/** Every claim in `<out>/claims/`, by run id, with the age of its heartbeat now. */
export function readClaims(outDir: string, now: () => number = Date.now): Map<string, { holder: ClaimHolder | null; ageMs: number }> {
  const claims = new Map<string, { holder: ClaimHolder | null; ageMs: number }>();
  let names: string[];
  try {
    names = readdirSync(claimsDirOf(outDir));
  } catch {
    return claims;
  }
  const t = now();
  for (const name of names) {
    if (!name.endsWith(CLAIM_SUFFIX)) continue;
    const seen = readClaim(join(claimsDirOf(outDir), name));
    if (seen !== null) claims.set(name.slice(0, -CLAIM_SUFFIX.length), { holder: seen.holder, ageMs: t - seen.mtimeMs });
  }
  return claims;
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
