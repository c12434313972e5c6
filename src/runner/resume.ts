/**
 * Resuming a sweep in an existing results directory: is it the same sweep (same runs, same
 * resolved settings, same module or command script)? And which runs are left to do?
 */
import type { SweepManifest, StoredManifest } from '../results/sweep-file.js';
import type { RunRecord } from '../summary/run-record.js';
import type { RunSummary } from '../results/summary-file.js';

/** Most differences shown in a refusal; the rest are counted. */
const SHOWN = 12;

/**
 * What differs between the sweep recorded in sweep.json and the one asked for now, one line per
 * difference, for a person; empty when they are the same sweep. "Same" means the same run ids,
 * each with the same resolved settings (config hash), and the same module bytes — spelling the
 * spec differently (`0.1` vs `1e-1`) is the same sweep.
 */
export function compareSweeps(old: StoredManifest, fresh: SweepManifest): string[] {
  const lines: string[] = [];
  if (old.module?.sha256 !== fresh.module?.sha256) {
    if (old.module && fresh.module && old.module.path === fresh.module.path) {
      lines.push(
        `module ${fresh.module.path} changed since the sweep started (sha256 ${old.module.sha256.slice(0, 12)}… → ${fresh.module.sha256.slice(0, 12)}…)`,
      );
    } else {
      lines.push(`module: ${old.module?.path ?? 'none'} → ${fresh.module?.path ?? 'none'}`);
    }
  }
  const [was, now] = [old.script ?? null, fresh.script ?? null];
  if (was !== null && now !== null && was.path === now.path && was.sha256 !== now.sha256) {
    lines.push(`script ${now.path} changed since the sweep started (sha256 ${was.sha256.slice(0, 12)}… → ${now.sha256.slice(0, 12)}…)`);
  }
  lines.push(...diffValues(old.document, fresh.document, ''));
  const oldRuns = new Map(old.runs.map((r) => [r.id, r.config_sha256]));
  const freshIds = new Set(fresh.runs.map((r) => r.id));
  const added = fresh.runs.filter((r) => !oldRuns.has(r.id)).map((r) => r.id);
  const removed = old.runs.filter((r) => !freshIds.has(r.id)).map((r) => r.id);
  if (added.length > 0) lines.push(`${added.length} run${added.length === 1 ? '' : 's'} not in the sweep: ${examples(added)}`);
  if (removed.length > 0) lines.push(`${removed.length} run${removed.length === 1 ? '' : 's'} of the sweep no longer asked for: ${examples(removed)}`);
  const changed = fresh.runs.filter((r) => oldRuns.has(r.id) && oldRuns.get(r.id) !== r.config_sha256).map((r) => r.id);
  if (changed.length > 0 && lines.length === 0) {
    // Same spec, same ids, different resolved settings: defaults changed under it.
    const version = old.mo_train_version !== fresh.mo_train_version ? ` (mo-train ${old.mo_train_version} → ${fresh.mo_train_version})` : '';
    lines.push(`the resolved settings of ${changed.length} run${changed.length === 1 ? '' : 's'} differ${version}: ${examples(changed)}`);
  }
  if (lines.length > SHOWN) return [...lines.slice(0, SHOWN), `… and ${lines.length - SHOWN} more differences`];
  return lines;
}

function examples(ids: string[]): string {
  return ids.length <= 3 ? ids.join('; ') : `${ids.slice(0, 3).join('; ')}; …`;
}

/** `key: old → new` for every leaf that differs between two JSON values. */
function diffValues(a: unknown, b: unknown, path: string): string[] {
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => diffValues(a[k], b[k], path ? `${path}.${k}` : k));
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  return [`${path || '(spec)'}: ${show(a)} → ${show(b)}`];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  if (v === undefined) return '(not set)';
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

export interface ResumePlan {
  /** Runs already finished: kept as they are, their summaries reused. */
  readonly done: readonly RunSummary[];
  /** Runs to (re)do, with what happens to what is there now. */
  readonly todo: ReadonlyArray<{ readonly id: string; readonly was: 'failed' | 'unfinished' | 'corrupt' | 'missing' }>;
}

/**
 * Finished runs are kept; failed, unfinished (interrupted, killed) and corrupt ones are done again
 * from the start — their directories are cleared first — and missing ones are started.
 */
export function planResume(records: readonly RunRecord[]): ResumePlan {
  const done: RunSummary[] = [];
  const todo: { id: string; was: 'failed' | 'unfinished' | 'corrupt' | 'missing' }[] = [];
  for (const r of records) {
    if (r.state === 'finished') done.push(r.summary);
    else todo.push({ id: r.id, was: r.state });
  }
  return { done, todo };
}
