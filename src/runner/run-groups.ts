/**
 * Which runs a sweep hands to a worker at once. Two consecutive runs that can share the SIMD lanes
 * of the fused engine (train/train-lanes.ts: same experiment and steps, the fixed combiner, Adam)
 * go together and are trained at once. Such pairs go in batches: a pair's files are made durable
 * while the worker trains the next pair, and each run is reported as soon as its files are
 * written. Short runs of the fused engine go in batches too, as their hand-over costs more than
 * their training (a run of the seed problem's 10 steps costs ~4–5 ms, of which the steps take
 * ~0.02 ms). Each run of a batch is still its own run with its own files, summary and verdict.
 * Everything else goes one run at a time: a user module's or a command's run keeps a worker of its
 * own (crash isolation per run: a worker that dies takes only the run it was doing — both runs of
 * a pair — and the runs of its batch it had not started, or had not finished writing, go back to
 * the queue).
 *
 * `MO_TRAIN_LANES=off` in the environment keeps every run on the scalar path (the bench measures
 * both; the outputs are the same bytes either way).
 */
import { resolveEngine } from '../engine/create-oracle.js';
import type { RunConfig } from '../spec/types.js';
import { canTrainInLanes } from '../train/train-lanes.js';

/** False when MO_TRAIN_LANES=off: the lanes are the default where they apply. */
export function lanesEnabled(): boolean {
  return (process.env.MO_TRAIN_LANES ?? '').toLowerCase() !== 'off';
}

/** Runs at most this long (steps) count as short. */
export const SHORT_RUN_STEPS = 2_000;
/** The largest batch: a worker killed in the middle of one hands its unstarted runs back, so a batch stays small. */
export const MAX_BATCH = 16;

/**
 * Groups of run indices, in order. First the units a worker trains at once: two consecutive runs
 * that can share the lanes, else one run. Then consecutive units that gain from going together —
 * a pair (its files are written while the next pair trains: runner/worker.ts), or a short fused
 * run (its hand-over costs more than its steps) — are batched, up to a size small enough that
 * every worker gets several batches (the last ones finish together); a pair is never split.
 * Everything else goes alone.
 */
export function planRunGroups(runs: readonly RunConfig[], jobs: number): number[][] {
  const lanes = lanesEnabled();
  const units: number[][] = [];
  runs.forEach((r, i) => {
    const previous = units.at(-1);
    if (lanes && previous?.length === 1 && canTrainInLanes(runs[previous[0]!]!, r)) previous.push(i);
    else units.push([i]);
  });
  const short = (r: RunConfig) => r.experiment.kind === 'declarative' && r.steps <= SHORT_RUN_STEPS && resolveEngine(r) === 'fused';
  const batchable = (u: readonly number[]) => u.length === 2 || short(runs[u[0]!]!);
  const batchableRuns = units.filter(batchable).reduce((n, u) => n + u.length, 0);
  const size = Math.max(1, Math.min(MAX_BATCH, Math.floor(batchableRuns / (4 * jobs))));
  const groups: number[][] = [];
  let batch: number[] = [];
  const close = () => {
    if (batch.length > 0) groups.push(batch);
    batch = [];
  };
  for (const u of units) {
    if (!batchable(u) || size <= u.length) {
      close();
      groups.push(u);
      continue;
    }
    if (batch.length + u.length > size) close();
    batch.push(...u);
  }
  close();
  return groups;
}
