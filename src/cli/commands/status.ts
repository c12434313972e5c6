/**
 * `mo-train status DIR`: how far the plan in DIR has got — finished, failed, running, stale and
 * pending runs, the failed and stale ones listed. Exit 0 when every run finished, else 1.
 */
import { readClaims } from '../../io/run-claim.js';
import { readResults } from '../../io/read-results.js';
import { computePlanStatus, PLAN_STATES } from '../../summary/plan-status.js';
import { DEFAULT_STALE_AFTER_S } from '../../results/claim-file.js';
import { parseSeconds } from './work.js';

/** Failed and stale runs listed by name; past this many, counted. */
const LISTED = 20;

export async function statusCommand(dir: string, opts: { json?: boolean; staleAfter?: string }): Promise<number> {
  const staleS = parseSeconds('--stale-after', opts.staleAfter, DEFAULT_STALE_AFTER_S);
  const results = await readResults(dir);
  const claims = readClaims(dir);
  const status = computePlanStatus(results.runs, claims, staleS * 1000);
  if (opts.json) {
    const listed = status.runs.filter((r) => r.state !== 'finished' && r.state !== 'pending');
    process.stdout.write(
      `${JSON.stringify({ total: status.total, counts: status.counts, complete: status.complete, todo: status.todo, runs: listed }, null, 2)}\n`,
    );
    return status.complete ? 0 : 1;
  }
  const out: string[] = [`${dir}: ${status.total} runs — ${PLAN_STATES.map((s) => `${status.counts[s]} ${s}`).join(', ')}`];
  for (const state of ['failed', 'stale'] as const) {
    const runs = status.runs.filter((r) => r.state === state);
    for (const r of runs.slice(0, LISTED)) out.push(`  ${state} ${r.id}: ${r.detail ?? ''}`);
    if (runs.length > LISTED) out.push(`  … and ${runs.length - LISTED} more ${state}`);
  }
  if (status.todo !== '') out.push(`left to do, by index: ${status.todo}`);
  if (!status.complete) out.push(`what is left: mo-train work ${dir} --index I (for each unfinished run), or mo-train sweep --resume ${dir}`);
  process.stdout.write(`${out.join('\n')}\n`);
  return status.complete ? 0 : 1;
}
