/**
 * Which runs a sweep hands to a worker at once. Two consecutive runs that can share the SIMD lanes
 * of the fused engine (train/train-lanes.ts: same experiment and steps, the fixed combiner, Adam)
 * go together and are trained at once. A short run costs more in hand-over than in training (a
 * run of the seed problem's 10 steps costs ~4–5 ms, of which the steps take ~0.02 ms), so short runs of the
 * fused engine go in batches — consecutive runs, done by one worker (in lanes, two by two, where
 * they can), each still its own run with its own files, summary and verdict. Everything else goes
 * one run at a time: a user module's or a command's run keeps a worker of its own (crash isolation
 * per run: a worker that dies takes only the run it was doing — both runs of a pair — and the runs
 * of its batch it had not started go back to the queue).
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
/** The largest batch: its runs are reported when the whole batch ends, so a batch stays short and progress stays live. */
export const MAX_BATCH = 16;

/**
 * Groups of run indices, in order. Short fused runs in batches of up to MAX_BATCH, small enough
 * that every worker gets several batches (the last ones finish together); the rest in pairs where
 * two consecutive runs can share the lanes, else one by one.
 */
export function planRunGroups(runs: readonly RunConfig[], jobs: number): number[][] {
  const short = (r: RunConfig) => r.experiment.kind === 'declarative' && r.steps <= SHORT_RUN_STEPS && resolveEngine(r) === 'fused';
  const shortCount = runs.filter(short).length;
  const size = Math.max(1, Math.min(MAX_BATCH, Math.floor(shortCount / (4 * jobs))));
  const groups: number[][] = [];
  let batch: number[] = [];
  const lanes = lanesEnabled();
  runs.forEach((r, i) => {
    if (!short(r) || size === 1) {
      if (batch.length > 0) {
        groups.push(batch);
        batch = [];
      }
      // A pair for the lanes, or one run.
      const previous = groups.at(-1);
      if (lanes && previous?.length === 1 && canTrainInLanes(runs[previous[0]!]!, r)) previous.push(i);
      else groups.push([i]);
      return;
    }
    batch.push(i);
    if (batch.length === size) {
      groups.push(batch);
      batch = [];
    }
  });
  if (batch.length > 0) groups.push(batch);
  return groups;
}
