/**
 * Opening a results directory for `run` and `sweep`, which then hold it until they release its
 * lock: a new one created, locked and given its sweep.json; or an existing sweep locked, refused
 * if it holds a different one, and its runs that did not finish cleared to be done again.
 */
import { readResults } from '../io/read-results.js';
import { clearRunDir } from '../io/run-files.js';
import { readClaims } from '../io/run-claim.js';
import { ensureRunsDir, prepareOutDir, removeStaleTempFiles, writeSweepManifest } from '../io/sweep-files.js';
import { acquireSweepLock, type SweepLock } from '../io/sweep-lock.js';
import { UserError } from '../errors.js';
import { runDirOf } from '../results/layout.js';
import { DEFAULT_STALE_AFTER_S } from '../results/claim-file.js';
import type { LockHolder } from '../results/lock-file.js';
import type { StoredManifest, SweepManifest } from '../results/sweep-file.js';
import type { RunSummary } from '../results/summary-file.js';
import { compareSweeps, planResume } from './resume.js';

/** A claim whose heartbeat is younger than this is a live `mo-train work` (its default staleness limit). */
const LIVE_CLAIM_MS = DEFAULT_STALE_AFTER_S * 1000;

export interface OpenResultsDir {
  /** Absolute. */
  readonly path: string;
  readonly lock: SweepLock;
  /** For the user: a lock taken over from a process that is gone. */
  readonly warnings: readonly string[];
}

/**
 * A new results directory: `out` (new, or empty), else results/<name>-<time>; locked, rid of the
 * temporary files of an attempt killed before it wrote sweep.json, and given `manifest`.
 */
export function createResultsDir(out: string | undefined, name: string, manifest: SweepManifest, now: Date, cwd: string): OpenResultsDir {
  const path = prepareOutDir(out, name, now, cwd);
  const lock = acquireSweepLock(path, now);
  return holding(lock, () => {
    const warnings = lock.reclaimed ? [renderReclaimed(out ?? path, lock.reclaimed)] : [];
    removeStaleTempFiles(path);
    writeSweepManifest(path, manifest);
    return { path, lock, warnings };
  });
}

/**
 * The first half of resuming the sweep `stored` in `path` (shown as `shownAs`): the directory is
 * locked first (a busy one is refused with its holder's name), then refused if it holds a
 * different sweep than `manifest` — before the module is even loaded. (`claimsAllowed`: for a sweep
 * through a queue, which runs nothing itself and leaves claimed runs to their claimants.)
 */
export function lockSweepToResume(
  path: string,
  shownAs: string,
  stored: StoredManifest,
  manifest: SweepManifest,
  now: Date,
  options: { readonly claimsAllowed?: boolean; readonly boundarySearch?: boolean } = {},
): OpenResultsDir {
  const lock = acquireSweepLock(path, now);
  return holding(lock, () => {
    const warnings = lock.reclaimed ? [renderReclaimed(shownAs, lock.reclaimed)] : [];
    // Runs that `mo-train work` tasks are doing (live claims): a sweep here would do them a second time.
    const live = options.claimsAllowed === true ? [] : [...readClaims(path)].filter(([, c]) => c.ageMs < LIVE_CLAIM_MS);
    if (live.length > 0) {
      const [id, c] = live[0]!;
      const who = c.holder ? `pid ${c.holder.pid} on ${c.holder.host}` : 'a task';
      throw new UserError(
        `${shownAs}: ${live.length} run${live.length === 1 ? ' is' : 's are'} being done by mo-train work (e.g. ${id}, by ${who}); ` +
          `let those tasks finish the plan (mo-train status ${shownAs}), or stop them and resume then`,
      );
    }
    const diff = compareSweeps(stored, manifest);
    if (diff.length > 0) {
      const advice = options.boundarySearch
        ? `holds a different boundary search; run it with its own settings to resume it, or pass a new --out for this one`
        : `holds a different sweep; resume it with its own settings (or --resume ${shownAs} alone), or pass a new --out for a new sweep`;
      // A sweep lists its differences a line each (a grid can differ in many places); a boundary search says them in its one line.
      throw new UserError(`${shownAs} ${advice}. What differs: ${options.boundarySearch ? diff.join('; ') : `\n  ${diff.join('\n  ')}`}`);
    }
    return { path, lock, warnings };
  });
}

export interface ResumeState {
  /** Runs finished before: kept as they are, their summaries reused. */
  readonly done: readonly RunSummary[];
  /** The ids of the runs left to do. */
  readonly todo: ReadonlySet<string>;
  /** How many of them had started and are done again from the start. */
  readonly again: number;
}

/**
 * The second half, once the runs are checked: which runs of the locked sweep in `path` are left to
 * do; those that had started are cleared, as are temporary files their writers left. (Not with
 * `clear: false`, for runs done by others — a queue's workers — which may be doing them now: their
 * claims decide, and each clears its run when it starts it.)
 */
export async function prepareResume(path: string, options: { readonly clear?: boolean } = {}): Promise<ResumeState> {
  ensureRunsDir(path);
  removeStaleTempFiles(path);
  const plan = planResume((await readResults(path)).runs);
  if (options.clear !== false) for (const t of plan.todo) if (t.was !== 'missing') clearRunDir(runDirOf(path, t.id));
  return { done: plan.done, todo: new Set(plan.todo.map((t) => t.id)), again: plan.todo.filter((t) => t.was !== 'missing').length };
}

function renderReclaimed(shownAs: string, holder: LockHolder): string {
  return `took over ${shownAs}/.lock from pid ${holder.pid} (${holder.host}), which is no longer running`;
}

/** `f()`, with `lock` released if it throws: the caller gets the lock only with a directory ready to use. */
function holding<T>(lock: SweepLock, f: () => T): T {
  try {
    return f();
  } catch (err) {
    lock.release();
    throw err;
  }
}
