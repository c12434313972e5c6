/**
 * One run of a results directory as `summarize` sees it: what state it is in, and its summary when
 * it has a trustworthy one. Built by io/read-results.ts; everything after that is pure.
 */
import type { AxisValue } from '../spec/types.js';
import type { RunSummary } from '../results/summary-file.js';

/**
 * - `finished` / `failed`: summary.json says so, and it agrees with steps.csv.
 * - `unfinished`: the run directory exists but has no summary.json (running, or interrupted).
 * - `missing`: sweep.json lists the run but it has no directory (not started, or another shard's).
 * - `corrupt`: summary.json is empty, unparsable or the wrong shape, or disagrees with steps.csv.
 */
export const RUN_STATES = ['finished', 'failed', 'unfinished', 'missing', 'corrupt'] as const;
export type RunState = (typeof RUN_STATES)[number];

interface RunRecordBase {
  readonly id: string;
  /** The run's directory, `<dir>/runs/<id>` spelled from the directory the user gave. */
  readonly path: string;
  /** alpha, seed and every other swept key; from sweep.json, else summary.json, else config.json. */
  readonly coords: Readonly<Record<string, AxisValue>>;
  /** Complete data rows in steps.csv (a last line without its newline is not counted); null without a steps.csv. */
  readonly rows: number | null;
}

export interface SummarizedRun extends RunRecordBase {
  readonly state: 'finished' | 'failed';
  readonly summary: RunSummary;
  readonly problem: null;
}

export interface UnsummarizedRun extends RunRecordBase {
  readonly state: 'unfinished' | 'missing' | 'corrupt';
  /** A summary that is not trusted is not carried: these runs have no values. */
  readonly summary: null;
  /** What is wrong, naming the file: e.g. `results/x/runs/alpha=0,seed=0/summary.json: empty file`. */
  readonly problem: string;
}

export type RunRecord = SummarizedRun | UnsummarizedRun;

export function isSummarized(run: RunRecord): run is SummarizedRun {
  return run.state === 'finished' || run.state === 'failed';
}
