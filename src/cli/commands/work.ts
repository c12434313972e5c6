/**
 * `mo-train work DIR --index I | --shard K/N`: runs run #I of the plan in DIR (or every run of
 * shard K of N), in this process — what a Slurm array task, a Kubernetes Indexed Job's pod or a
 * shell loop runs. The index defaults to $SLURM_ARRAY_TASK_ID, else $JOB_COMPLETION_INDEX.
 *
 * Exit codes: 0 every run it was given finished (or was finished, or is being done by another
 * task); 1 a run failed (so the engine's own retry applies); 2 bad usage; 130/143 interrupted —
 * the run is left unfinished and its claim released, so a requeued task does it again.
 */
import { resolve } from 'node:path';
import { UserError } from '../../errors.js';
import { DEFAULT_STALE_AFTER_S } from '../../results/claim-file.js';
import { loadPlanRuns } from '../../runner/plan-runs.js';
import { workOnRun, type WorkOutcome } from '../../runner/work-runs.js';
import { exitCodeOf, listenForInterrupts } from '../interrupts.js';

export interface WorkOptions {
  index?: string;
  shard?: string;
  staleAfter?: string;
}

export async function workCommand(dir: string, opts: WorkOptions): Promise<number> {
  const outDir = resolve(dir);
  const runs = loadPlanRuns(outDir, dir);
  const staleS = parseSeconds('--stale-after', opts.staleAfter, DEFAULT_STALE_AFTER_S);
  const indices = selectIndices(opts, runs.length, process.env);
  const err = process.stderr;
  const interrupts = listenForInterrupts();
  const outcomes: WorkOutcome[] = [];
  try {
    for (const i of indices) {
      if (interrupts.first !== null) break;
      outcomes.push(
        await workOnRun(outDir, runs[i]!, {
          staleMs: staleS * 1000,
          heartbeatMs: Math.max(1000, (staleS * 1000) / 6),
          shouldStop: () => interrupts.first !== null,
          log: (line) => err.write(`mo-train work: [${i}] ${line}\n`),
          onClaimLost: (id) => {
            // Declared dead by another task, which now owns the run's directory: write nothing more.
            err.write(`mo-train work: [${i}] ${id}: its claim was taken over (no heartbeat for ${staleS} s); stopping without writing\n`);
            process.exit(75);
          },
        }),
      );
    }
  } finally {
    interrupts.stop();
  }
  if (interrupts.first !== null) return exitCodeOf(interrupts.first);
  const failed = outcomes.filter((o) => o.kind === 'ran' && o.result.status === 'failed');
  return failed.length > 0 ? 1 : 0;
}

/** The indices this task does: --index, --shard, or the array index the engine set. */
export function selectIndices(opts: WorkOptions, total: number, env: NodeJS.ProcessEnv): number[] {
  if (opts.index !== undefined && opts.shard !== undefined) throw new UserError('--index and --shard: give one of them');
  if (opts.shard !== undefined) {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(opts.shard);
    const k = m ? Number(m[1]) : NaN;
    const n = m ? Number(m[2]) : NaN;
    if (!m || !(n >= 1) || !(k < n)) throw new UserError(`--shard: "${opts.shard}" is not valid; allowed: K/N with 0 ≤ K < N, e.g. 0/4 (runs K, K+N, K+2N, …)`);
    const out: number[] = [];
    for (let i = k; i < total; i += n) out.push(i);
    return out;
  }
  const [source, text] =
    opts.index !== undefined
      ? ['--index', opts.index]
      : env['SLURM_ARRAY_TASK_ID'] !== undefined
        ? ['$SLURM_ARRAY_TASK_ID', env['SLURM_ARRAY_TASK_ID']]
        : env['JOB_COMPLETION_INDEX'] !== undefined
          ? ['$JOB_COMPLETION_INDEX', env['JOB_COMPLETION_INDEX']]
          : [null, null];
  if (source === null || text === null) {
    throw new UserError(
      'no run index: pass --index I (or --shard K/N), or run under a Slurm array ($SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job ($JOB_COMPLETION_INDEX)',
    );
  }
  const i = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || i >= total) {
    throw new UserError(
      `${source}: "${text}" is not a run of this plan; allowed: an index from 0 to ${total - 1} (the plan has ${total} run${total === 1 ? '' : 's'})`,
    );
  }
  return [i];
}

/** A number of seconds from 5 to 86400 given as `flag` (`fallback` when not given); a one-line error otherwise. */
export function parseSeconds(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const s = Number(text);
  if (text.trim() === '' || !Number.isFinite(s) || s < 5 || s > 86_400) {
    throw new UserError(`${flag}: "${text}" is not valid; allowed: seconds from 5 to 86400 (default ${fallback})`);
  }
  return s;
}
