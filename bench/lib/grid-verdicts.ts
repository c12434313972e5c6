/**
 * A grid sweep's verdicts per seed along one setting, read from its runs' summary.json (the
 * public results contract), for compareBoundaryToGrid (boundary-vs-grid.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '../../src/results/summary-file.js';
import type { GridPoint } from './boundary-vs-grid.js';

export interface GridVerdicts {
  /** Seed → its runs along `param`, in no particular order. */
  readonly bySeed: Map<number, GridPoint[]>;
  /** Every run of the sweep (failed ones included). */
  readonly runs: number;
}

/** `param`: `alpha` or a setting key as in the run ids (`optimizer.lr`). A failed run's verdict is `failed`. */
export function readGridVerdicts(sweepDir: string, param: string): GridVerdicts {
  const runsDir = join(sweepDir, 'runs');
  const bySeed = new Map<number, GridPoint[]>();
  let runs = 0;
  for (const id of readdirSync(runsDir)) {
    const s = JSON.parse(readFileSync(join(runsDir, id, 'summary.json'), 'utf8')) as RunSummary;
    const value = param === 'alpha' ? s.alpha : s.coords[param];
    if (typeof value !== 'number') throw new Error(`${join(runsDir, id)}: no numeric ${param} in its summary.json coords`);
    const list = bySeed.get(s.seed) ?? [];
    list.push({ value, verdict: s.status === 'failed' ? 'failed' : s.verdict });
    bySeed.set(s.seed, list);
    runs++;
  }
  return { bySeed, runs };
}
