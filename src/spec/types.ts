/**
 * The typed values the spec is validated into. Everything past `spec/` trusts these types.
 */
import type { DeclarativeExperiment } from '../experiment/declarative.js';
import type { BackendName } from '../engine/types.js';
import type { CombineSettings } from '../train/combiner.js';
import type { MonitorSettings } from '../train/monitor.js';
import type { OptimizerSettings } from '../train/optimizers.js';
import type { VerdictSettings } from '../summary/verdict.js';

export type EngineChoice = 'auto' | 'tfjs' | 'fused';

/** Which command reads the spec: `run` trains one grid point, `sweep` a grid. */
export type SpecMode = 'run' | 'sweep';

export type ExperimentSource =
  | { readonly kind: 'declarative'; readonly definition: DeclarativeExperiment }
  /** A user module; `path` is absolute, `sha256` the hash of its file's bytes. */
  | { readonly kind: 'module'; readonly path: string; readonly sha256: string }
  /**
   * An external command (a training script) that prints protocol lines (engine/command/protocol.ts):
   * `argv` with its `{key}` placeholders still in, run in `cwd`; `script` is the first file its
   * arguments name (the script), hashed so that editing it changes the config.
   */
  | {
      readonly kind: 'command';
      readonly argv: readonly string[];
      readonly cwd: string;
      readonly script: { readonly path: string; readonly sha256: string } | null;
    };

/** A value a grid axis can take. */
export type AxisValue = number | string | boolean;

/** Everything one run needs, JSON-serializable (it is written as the run's config.json). */
export interface RunConfig {
  /** Readable, stable and safe as a directory name: `alpha=0.01,seed=2[,key=value…]`. */
  readonly id: string;
  /** Weight of loss2 in loss1 − α·loss2. */
  readonly alpha: number;
  /** Seeds every random draw of the run (initial weights, random data). */
  readonly seed: number;
  /** Number of updates. */
  readonly steps: number;
  readonly log_every: number;
  readonly experiment: ExperimentSource;
  readonly optimizer: OptimizerSettings;
  /** How the two gradients become one direction (see train/combiner.ts). */
  readonly combine: CombineSettings;
  readonly monitor: MonitorSettings;
  readonly verdict: VerdictSettings;
  readonly engine: EngineChoice;
  readonly backend: BackendName;
  /** Initial parameters from a PyTorch state_dict dumped to JSON (absolute path), instead of the seeded init. */
  readonly init: { readonly path: string; readonly sha256: string } | null;
  /** This run's coordinates on the grid: alpha, seed, and every other swept key (dotted path). */
  readonly coords: Readonly<Record<string, AxisValue>>;
}

/** A swept setting other than alpha and seed: a dotted key path and its values in order. */
export interface Axis {
  readonly key: string;
  readonly values: readonly AxisValue[];
}

/** A validated sweep, before expansion into runs. */
export interface SweepSpec {
  /** Used to name the default output directory. */
  readonly name: string;
  /** Whether the spec named the sweep (`name`); else a module's own `name`, once it is loaded, replaces the default. */
  readonly nameGiven: boolean;
  readonly alphas: readonly number[];
  readonly seeds: readonly number[];
  readonly axes: readonly Axis[];
  /** The merged spec (file, then flags) as the user gave it, lists normalized; recorded in sweep.json. */
  readonly document: Readonly<Record<string, unknown>>;
  /** Every grid point resolved into a run: alpha outermost, then each axis in order, seed innermost. */
  readonly runs: readonly RunConfig[];
}
