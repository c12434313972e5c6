/**
 * One color per run outcome, the same in every chart (and the report): a reader learns once that
 * green is converged and red diverged. Verdicts get distinct hues; the outcomes that carry no
 * verdict (failed, missing, unfinished, corrupt) are greys, since they say nothing about α.
 */
import { OUTCOMES, type Outcome } from '../summary/aggregate.js';

export const OUTCOME_COLORS: Readonly<Record<Outcome, string>> = {
  converged: '#2ca02c',
  oscillating: '#ff7f0e',
  drifting: '#7e57c2',
  diverged: '#d62728',
  failed: '#7f7f7f',
  unfinished: '#a9a9a9',
  missing: '#c7c7c7',
  corrupt: '#5b5b5b',
};

/** The outcomes present, in OUTCOMES order (best first), with their colors: a color scale's domain and range. */
export function computeOutcomePalette(outcomes: Iterable<string>): { readonly domain: string[]; readonly range: string[] } {
  const present = new Set(outcomes);
  const domain = OUTCOMES.filter((o) => present.has(o));
  return { domain, range: domain.map((o) => OUTCOME_COLORS[o]) };
}
