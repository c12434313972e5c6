/**
 * The tfjs gradient oracle. On networks this small tfjs spends its time in per-kernel overhead,
 * so a step is built to run as few kernels as possible (tapes.ts says how). One oracle per kind of
 * problem (tfjs-problem.ts), sharing tfjs-oracle-base.ts:
 *
 * - `network` (declarative experiments, network-oracle.ts): output losses on tapes, parameter-only
 *   losses in closed form, and one combined tape of loss1 − α·loss2 when both use the output.
 * - `objectives` (user modules, objectives-oracle.ts): two opaque loss functions, each called once
 *   per step on its own tape.
 */
import type { GradientOracle } from '../types.js';
import type { Tf } from './load-tf.js';
import { NetworkOracle } from './network-oracle.js';
import { ObjectivesOracle } from './objectives-oracle.js';
import type { TfjsProblem } from './tfjs-problem.js';

/** The oracle owns `problem`: its dispose() (or a failure here) disposes the problem. */
export function createTfjsOracle(tf: Tf, problem: TfjsProblem): GradientOracle {
  return problem.kind === 'network' ? new NetworkOracle(tf, problem) : new ObjectivesOracle(tf, problem);
}
