/**
 * What executing a run returns, and the hooks its caller (`run`, a sweep's worker) gives it.
 */
import type { RunSummary } from '../results/summary-file.js';

export interface ExecuteHooks {
  /** A command run's script is stopped after this many ms and the run fails (--run-timeout); other runs are timed by the sweep. */
  readonly timeoutMs?: number;
  /** Steps done so far; called at most every `progressIntervalMs`. */
  readonly onProgress?: (stepsDone: number) => void;
  readonly progressIntervalMs?: number;
  /**
   * Asked between steps (every 64) and once more before the result is written: true stops the run
   * as interrupted — its steps.csv flushed, an interrupted.json marker, and no summary.json, so a
   * resume does it again.
   */
  readonly shouldStop?: () => boolean | Promise<boolean>;
  /**
   * Training is over and only the run's files remain to be written (their fsyncs wait on the thread
   * pool): a caller with more runs to do may start the next one. Not called when the run failed.
   */
  readonly onTrained?: () => void;
}

/** A run stopped before its end by an interruption; it has no summary.json and is not finished. */
export interface InterruptedRun {
  readonly status: 'interrupted';
  readonly id: string;
  readonly steps_run: number;
}

export type RunResult = RunSummary | InterruptedRun;
