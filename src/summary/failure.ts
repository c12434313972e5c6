/**
 * A failed run in words, the same in every table and in the report: where it failed and the
 * error's message. A failure is the experiment's (or the machine's) problem, not a property of α,
 * so this is all that is said about it. Pure.
 */
import type { SummarizedRun } from './run-record.js';

/**
 * The training step a failed run threw at, from summary.json's `error.step`; null when it failed
 * outside a step (loading, a dead worker) or the summary predates the field.
 */
export function computeFailureStep(run: SummarizedRun): number | null {
  return run.summary.error?.step ?? null;
}

/**
 * `failed at step 50: <message>`, or `failed before training: <message>`. An older summary has no
 * step; its steps.csv rows then tell whether training had started.
 */
export function renderFailure(run: SummarizedRun): string {
  const error = run.summary.error;
  // The first line: a message can carry a stack or a worker's stderr after it.
  const message = error ? (error.message.split('\n')[0] ?? '') : run.summary.explanation.replace(/^failed:\s*/, '');
  const step = computeFailureStep(run);
  if (step !== null) return `failed at step ${step}: ${message}`;
  const rows = run.rows ?? 0;
  return rows > 0 ? `failed during training (${rows} ${rows === 1 ? 'row' : 'rows'} logged): ${message}` : `failed before training: ${message}`;
}

/**
 * What to do about failed runs: they are bugs (or a worker killed), never a sign that α is wrong,
 * and resuming the sweep in `dir` redoes exactly them.
 */
export function renderFailureAdvice(failed: number, dir: string): string {
  const runs = failed === 1 ? '1 run failed' : `${failed} runs failed`;
  return `${runs} with an error in the experiment's code, not because of α: fix it, then \`mo-train sweep --resume ${dir}\` redoes the failed runs`;
}
