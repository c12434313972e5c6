/**
 * The flags of `boundary` as commander hands them over, and their defaults: declared in main.ts,
 * read in commands/boundary.ts (its own file, so that main.ts loads the command only when it runs).
 */
import type { Verdict } from '../summary/verdict.js';
import type { SweepOptions } from './spec-options.js';

export interface BoundaryOptions extends SweepOptions {
  param?: string;
  range?: string;
  scale?: string;
  unstable?: string;
  relTol?: string;
  across?: string;
}

/** Verdicts that count as unstable unless --unstable says otherwise: drifting is loss2 having no maximum, a property of the objective, not a training instability. */
export const DEFAULT_UNSTABLE: readonly Verdict[] = ['oscillating', 'diverged'];
/** Brackets within 5%: finer than seeds usually agree with each other. */
export const DEFAULT_REL_TOL = 0.05;
