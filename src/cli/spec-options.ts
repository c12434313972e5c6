/**
 * The flags of `run` and `sweep` as commander hands them to the commands: declared in main.ts,
 * read in commands/. Their own file so that neither imports the other.
 */
import type { SpecFlags } from '../spec/parse-spec.js';

/** The flags of `run` and `sweep`: the spec's flags plus where and how to run. */
export interface SpecOptions extends SpecFlags {
  spec?: string;
  /** Every --set given, in order (undefined when none: no default, so --help shows none). */
  set?: string[];
  out?: string;
  strict?: boolean;
}

/** Seconds a command has in the preflight to print its first step: enough for Python to import torch and build a model. */
export const DEFAULT_PREFLIGHT_TIMEOUT_S = 60;

export interface SweepOptions extends SpecOptions {
  jobs?: string;
  resume?: string;
  runTimeout?: string;
  workerMemory?: string;
  /** With --command: seconds the first grid point's command has to print a step in the preflight. */
  preflightTimeout?: string;
  /** `--no-preflight` sets it false. */
  preflight?: boolean;
  /** `sweep --queue redis://HOST:PORT`: the runs go to a BullMQ queue for `mo-train worker`s (commands/sweep-queue.ts). */
  queue?: string;
}

/** The most workers `sweep --jobs` allows per core (the reason is where it is checked, in commands/sweep.ts). */
export const MAX_JOBS_PER_CORE = 4;
