/**
 * The warnings summarize, plot and report print on stderr when a results directory's sweep.json is
 * there but unusable: they go on with the runs found in runs/, which may not be the sweep's (runs
 * never started are not listed, strays are), so a person must hear of it even when stdout is a
 * file or --json.
 */
import type { ResultsSet } from '../io/read-results.js';

/**
 * One line, or '' when sweep.json was usable or absent (an absent one is only a note); and one more
 * when boundary.json is there but unusable (readBoundary's issue): plot and report then show no boundary.
 */
export function renderResultsWarning(results: Pick<ResultsSet, 'sweepIssue'>, boundaryIssue: string | null = null): string {
  return [results.sweepIssue, boundaryIssue].map((issue) => (issue === null ? '' : `mo-train: warning: ${issue}\n`)).join('');
}
