/**
 * Two runs trained together in the lanes of the f64x2 kernel (engine/fused/wasm/lane-codegen.ts,
 * issue 15): the kernel takes the steps — forward, losses, parameter norm, divergence check,
 * per-objective gradient sums where wanted, the Adam update — up to MAX_STEPS_PER_CALL at a time,
 * and this file does, per lane and per step from the kernel's table, exactly the bookkeeping
 * train() in train-loop.ts does: min loss1, the divergence record, rows for steps.csv, the
 * window's statistics, the diagnostics' counts and samples, gradNonzero, the final non-finite
 * check. Each lane's TrainOutcome (and the rows its sink receives) equals what train() gives for
 * that run alone with the fused engine, bit for bit (test/unit/train-lanes.test.ts compares the
 * files executeRun writes).
 *
 * Which pairs qualify: lanesRefusal below. Both runs take the same number of steps, so an
 * interruption (`shouldStop`, asked before the first step and every `stopCheckEvery` steps, as
 * train() asks it: calls end on those steps) stops both at the same step; a lane that diverges
 * with stop_on_diverge stops inside the kernel at its diverging step while the other goes on.
 */
import {
  compileLaneKernel,
  AdamLanes,
  laneOptimizerSupported,
  laneUnsupported,
  MAX_STEPS_PER_CALL,
  type LaneShape,
} from '../engine/fused/wasm/lane-codegen.js';
import { MAX_LAYER_WEIGHTS } from '../engine/fused/mlp-codegen.js';
import { resolveEngine } from '../engine/create-oracle.js';
import { declarativeLayout, type DeclarativeExperiment, type MaterializedData } from '../experiment/declarative.js';
import type { RunConfig } from '../spec/types.js';
import { checkDivergence, type Divergence, type MonitorSettings } from './monitor.js';
import { StrideSample } from './stride-sample.js';
import {
  DIAGNOSTIC_SAMPLES,
  diagnosticStride,
  TrainingFailure,
  type StepRow,
  type StepSink,
  type TrainHooks,
  type TrainOutcome,
  type TrainSettings,
} from './train-loop.js';
import { WindowAccumulator } from './window-stats.js';

/** The lane kernel's shape for a declarative experiment with `samples` samples. */
export function laneShapeOf(exp: DeclarativeExperiment, samples: number): LaneShape {
  const wOff: number[] = [];
  const bOff: number[] = [];
  for (const e of declarativeLayout(exp).entries) (e.name.endsWith('.weight') ? wOff : bOff).push(e.offset);
  return {
    widths: exp.layers,
    samples,
    activation: exp.activation,
    leakySlope: exp.leaky_slope,
    weightOffsets: wOff,
    biasOffsets: bOff,
    loss1: exp.loss1,
    loss2: exp.loss2,
  };
}

/**
 * Why runs `a` and `b` cannot share the lanes, or null when they can: both declarative runs of the
 * fused engine with the same experiment (so the same shape and losses; seeds, and so data and
 * initial parameters, may differ) and the same number of steps, the `fixed` combiner, Adam or
 * AdamW without weight decay or amsgrad (the only update generated), an activation and losses the
 * kernel reproduces bit for bit, and layers the scalar engine compiles too (the lanes equal its
 * compiled kernels). α, seed, lr, β, eps, log_every, the monitor's thresholds and the verdict's
 * settings may differ.
 */
export function lanesRefusal(a: RunConfig, b: RunConfig): string | null {
  for (const c of [a, b]) {
    if (c.experiment.kind !== 'declarative' || resolveEngine(c) !== 'fused') return `run ${c.id} is not a declarative run of the fused engine`;
    if (c.combine.name !== 'fixed') return `run ${c.id} uses combine ${c.combine.name} (only fixed is generated)`;
    if (!laneOptimizerSupported(c.optimizer))
      return `run ${c.id}'s optimizer (${c.optimizer.name}, weight decay ${c.optimizer.weight_decay}, amsgrad ${c.optimizer.amsgrad}) is not generated`;
  }
  if (a.experiment.kind !== 'declarative' || b.experiment.kind !== 'declarative') return 'not declarative';
  const exp = a.experiment.definition;
  // The runs of one sweep's grid point share their experiment object: no need to compare its text.
  if (exp !== b.experiment.definition && JSON.stringify(exp) !== JSON.stringify(b.experiment.definition)) return 'the two runs have different experiments';
  if (a.steps !== b.steps) return `the two runs take different numbers of steps (${a.steps}, ${b.steps})`;
  return experimentRefusal(exp);
}

/** What about an experiment keeps it off the lanes (null: nothing), once per experiment object: a sweep asks for every pair of consecutive runs. */
const experimentRefusals = new WeakMap<DeclarativeExperiment, string | null>();

function experimentRefusal(exp: DeclarativeExperiment): string | null {
  if (experimentRefusals.has(exp)) return experimentRefusals.get(exp)!;
  const { layers } = exp;
  let refusal: string | null = null;
  for (let l = 1; l < layers.length; l++) if (layers[l - 1]! * layers[l]! > MAX_LAYER_WEIGHTS) refusal = 'a layer too large for the compiled scalar kernels';
  // The samples a declarative experiment has do not depend on the seed.
  refusal ??= laneUnsupported(laneShapeOf(exp, sampleCount(exp)));
  experimentRefusals.set(exp, refusal);
  return refusal;
}

export function canTrainInLanes(a: RunConfig, b: RunConfig): boolean {
  return lanesRefusal(a, b) === null;
}

function sampleCount(exp: DeclarativeExperiment): number {
  const f = exp.features;
  return 'uniform' in f ? f.uniform[0] : f.length;
}

/** One lane's run: where it starts and what it is trained with. */
export interface LaneInput {
  /** The starting parameters; the final ones are written back into it. */
  readonly params: Float64Array;
  readonly data: MaterializedData;
  readonly target: number;
  readonly settings: TrainSettings;
  readonly windowFrom: number;
  readonly sink: StepSink;
}

/** trainLanes threw: each lane's TrainingFailure (the step it was at, the rows it had written). */
export class LanesFailure extends Error {
  constructor(
    readonly failures: readonly [TrainingFailure, TrainingFailure],
    /** The lane whose own work threw (its steps.csv, say: a full disk), or null when it was the kernel's, both lanes'. */
    readonly lane: 0 | 1 | null = null,
  ) {
    super(failures[0].message);
    this.name = 'LanesFailure';
  }
}

/**
 * Trains two runs at once; each lane's outcome (and its sink's rows) is train()'s for that run.
 * `exp` is both runs' experiment (lanesRefusal). Hooks as train()'s: progress gets the steps done
 * by the lane furthest on. `onLaneDone` is told (and awaited) as soon as a lane stops before the
 * other (it diverged, stop_on_diverge), with its outcome and final parameters already in its
 * `params`: its files can be written then, as they would be when that run ends alone.
 */
export async function trainLanes(
  exp: DeclarativeExperiment,
  lanes: readonly [LaneInput, LaneInput],
  hooks: TrainHooks = {},
  onLaneDone?: (lane: 0 | 1, outcome: TrainOutcome) => Promise<void>,
): Promise<[TrainOutcome, TrainOutcome]> {
  const steps = lanes[0].settings.steps;
  if (lanes[1].settings.steps !== steps) throw new Error('trainLanes: both runs must take the same number of steps');
  const compiled = compileLaneKernel(laneShapeOf(exp, lanes[0].data.samples));
  if (!compiled) throw new Error('trainLanes: no lane kernel for this experiment');
  const books = [new LaneBook(lanes[0]), new LaneBook(lanes[1])] as const;
  const progressEvery = hooks.progressEvery ?? 100;
  const stopCheckEvery = hooks.stopCheckEvery ?? 64;
  const shouldStop = hooks.shouldStop;
  const gramWanted = new Float64Array(MAX_STEPS_PER_CALL);
  let kernel: AdamLanes | null = null;
  let step = 0;
  const outcomes: (TrainOutcome | null)[] = [null, null];
  /** The lane's outcome, its final parameters read from the kernel into its `params` (a stopped lane's stay as they are). */
  const finish = (lane: 0 | 1): TrainOutcome => {
    if (kernel) kernel.params(lane, lanes[lane].params);
    return (outcomes[lane] ??= books[lane].finish(lanes[lane].params));
  };
  // While a lane's own rows are taken and written, the lane a throw belongs to.
  let failingLane: 0 | 1 | null = null;
  try {
    kernel = new AdamLanes(compiled, [laneRun(lanes[0]), laneRun(lanes[1])]);
    while (step < steps && !(books[0].done && books[1].done)) {
      if (shouldStop && step % stopCheckEvery === 0) {
        const stop = shouldStop();
        if (stop === true || (stop !== false && (await stop))) {
          for (const b of books) if (!b.done) b.interrupt();
          break;
        }
      }
      // A call ends where train() would ask shouldStop next, and at the last step.
      let count = Math.min(steps - step, MAX_STEPS_PER_CALL);
      if (shouldStop) count = Math.min(count, stopCheckEvery - (step % stopCheckEvery));
      for (let k = 0; k < count; k++)
        gramWanted[k] = (!books[0].done && books[0].wantsGram(step + k)) || (!books[1].done && books[1].wantsGram(step + k)) ? 1 : 0;
      const before = Math.max(books[0].stepsRun, books[1].stepsRun);
      kernel.run(count, gramWanted);
      for (const lane of [0, 1] as const) {
        const book = books[lane];
        if (book.done) continue;
        failingLane = lane;
        for (let k = 0; k < count; k++) {
          if (book.take(kernel, lane, k, step + k)) break;
        }
        if (book.drainPending) await book.drain();
        if (book.done && onLaneDone && !(books[0].done && books[1].done)) await onLaneDone(lane, finish(lane));
        failingLane = null;
      }
      step += count;
      const after = Math.max(books[0].stepsRun, books[1].stepsRun);
      if (hooks.progress && Math.floor(after / progressEvery) > Math.floor(before / progressEvery)) hooks.progress.report(after - (after % progressEvery));
    }
  } catch (err) {
    kernel?.release();
    throw new LanesFailure(
      [new TrainingFailure(err, books[0].stepsRun, books[0].rows), new TrainingFailure(err, books[1].stepsRun, books[1].rows)],
      failingLane,
    );
  }
  const both: [TrainOutcome, TrainOutcome] = [outcomes[0] ?? finish(0), outcomes[1] ?? finish(1)];
  kernel.release();
  hooks.progress?.report(Math.max(both[0].stepsRun, both[1].stepsRun));
  return both;
}

function laneRun(lane: LaneInput): ConstructorParameters<typeof AdamLanes>[1][0] {
  const { data, settings } = lane;
  return {
    params: lane.params,
    features: data.features,
    ...(data.targets ? { targets: data.targets } : {}),
    target: lane.target,
    alpha: settings.alpha,
    optimizer: settings.optimizer,
    monitor: settings.monitor,
  };
}

/**
 * One lane's side of train(): the same statements on the values the kernel's table gives, in the
 * same order (see train-loop.ts; the engine's calls are the kernel's). A class, so that the
 * per-step method stays one optimized function for both lanes and every run.
 */
class LaneBook {
  private readonly alpha: number;
  private readonly steps: number;
  private readonly logEvery: number;
  private readonly measureEvery: number;
  private readonly monitor: MonitorSettings;
  private readonly windowFrom: number;
  private readonly sink: StepSink;
  private readonly window = new WindowAccumulator();
  private readonly cosSample = new StrideSample(DIAGNOSTIC_SAMPLES);
  private readonly weightSample = new StrideSample(DIAGNOSTIC_SAMPLES);
  private readonly products = new Float64Array(3);
  private rowsWithCosine = 0;
  private conflicts = 0;
  private first: StepRow | null = null;
  private last: StepRow | null = null;
  rows = 0;
  private minLoss1 = Infinity;
  private minLoss1Step = -1;
  private divergence: Divergence | null = null;
  stepsRun = 0;
  private grad1Nonzero = false;
  private grad2Nonzero = false;
  private interrupted = false;
  /** Stopped: diverged with stop_on_diverge, or interrupted. */
  done = false;
  /** The sink asked to wait (write returned false). */
  drainPending = false;

  constructor(lane: LaneInput) {
    const s = lane.settings;
    this.alpha = s.alpha;
    this.steps = s.steps;
    this.logEvery = s.log_every;
    this.measureEvery = diagnosticStride(s.steps);
    this.monitor = s.monitor;
    this.windowFrom = lane.windowFrom;
    this.sink = lane.sink;
  }

  /** Whether train() computes the per-objective gradients at `step` (logged or measured; a diverging step is the kernel's business). */
  wantsGram(step: number): boolean {
    return step % this.logEvery === 0 || step === this.steps - 1 || step % this.measureEvery === 0;
  }

  interrupt(): void {
    this.interrupted = true;
    this.done = true;
  }

  async drain(): Promise<void> {
    this.drainPending = false;
    await this.sink.drain();
  }

  /** Step `step`, entry k of the kernel's table: true when the lane stops there (diverged, stop_on_diverge). */
  take(kernel: AdamLanes, lane: 0 | 1, k: number, step: number): boolean {
    let logged = step % this.logEvery === 0 || step === this.steps - 1;
    const measured = step % this.measureEvery === 0;
    const loss1 = kernel.loss1(lane, k);
    const loss2 = kernel.loss2(lane, k);
    const paramNorm = kernel.paramNorm(lane, k);
    if (loss1 < this.minLoss1) {
      this.minLoss1 = loss1;
      this.minLoss1Step = step;
    }
    const weight = this.alpha;
    let diverged: Divergence | null = null;
    if (this.divergence === null) {
      diverged = checkDivergence(this.monitor, step, loss1, loss2, paramNorm);
      // The kernel acted on its own check (the gradient sums, stopping the lane): it must be this one.
      if ((diverged !== null) !== kernel.diverged(lane, k)) throw new Error(`lane kernel: its divergence check disagrees with the monitor's at step ${step}`);
    }
    if (diverged) {
      this.divergence = diverged;
      logged = true;
    }
    if (logged || measured) {
      const products = kernel.gram(lane, k, this.products);
      const g1 = Math.sqrt(products[0]!);
      const g2 = Math.sqrt(products[1]!);
      const s12 = products[2]!;
      if (g1 !== 0) this.grad1Nonzero = true;
      if (g2 !== 0) this.grad2Nonzero = true;
      const cos12 = g1 > 0 && g2 > 0 ? Math.max(-1, Math.min(1, s12 / (g1 * g2))) : NaN;
      if (measured) {
        if (!Number.isNaN(cos12)) {
          this.rowsWithCosine++;
          if (cos12 < 0) this.conflicts++;
          this.cosSample.push(cos12);
        }
        this.weightSample.push(weight);
      }
      if (logged) {
        const row: StepRow = { step, loss1, loss2, total: loss1 - this.alpha * loss2, grad_norm1: g1, grad_norm2: g2, param_norm: paramNorm, cos12, weight };
        this.first ??= row;
        this.last = row;
        this.rows++;
        if (!this.sink.write(row)) this.drainPending = true;
      }
    }
    if (step >= this.windowFrom) this.window.add(step, loss1, loss2, weight, logged);
    if (diverged && this.monitor.stop_on_diverge) {
      if (!kernel.stopped(lane)) throw new Error(`lane kernel: the lane did not stop at its diverging step ${step}`);
      this.done = true;
      return true;
    }
    this.stepsRun++;
    return false;
  }

  /** The outcome, with the final parameters (after the last update) for train()'s last check. */
  finish(params: Float64Array): TrainOutcome {
    let divergence = this.divergence;
    const { stepsRun } = this;
    if (!this.interrupted && divergence === null && !Number.isFinite(norm(params))) {
      divergence = { step: stepsRun, reason: 'non-finite', detail: `parameters became non-finite after the last update (step ${stepsRun - 1})` };
    }
    return {
      stepsRun,
      rowsLogged: this.rows,
      first: this.first,
      last: this.last,
      minLoss1: this.minLoss1,
      minLoss1Step: this.minLoss1Step,
      divergence,
      window: this.window.result(),
      interrupted: this.interrupted,
      gradNonzero: { loss1: this.grad1Nonzero, loss2: this.grad2Nonzero },
      diagnostics: {
        rowsWithCosine: this.rowsWithCosine,
        conflicts: this.conflicts,
        measuredEvery: this.measureEvery,
        cos12: this.cosSample.values(),
        weight: this.weightSample.values(),
        weightFinal: this.last ? this.last.weight : null,
      },
    };
  }
}

function norm(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}
