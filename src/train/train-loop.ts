/**
 * One training run: gradient oracle → combiner → optimizer → monitor → sink, on flat arrays.
 * Pure apart from the sink it is handed; it knows nothing about files, clocks or processes.
 */
import { createEvaluation, type CombinedEvaluation, type GradientOracle } from '../engine/types.js';
import { computeGram, createCombiner, type CombineSettings } from './combiner.js';
import { StrideSample } from './stride-sample.js';
import { checkDivergence, type Divergence, type MonitorSettings } from './monitor.js';
import { createOptimizer, type OptimizerSettings } from './optimizers.js';
import { WindowAccumulator, type WindowStats } from './window-stats.js';

/** One row of steps.csv: the losses at the parameters *before* update `step` (step counts from 0). */
export interface StepRow {
  step: number;
  loss1: number;
  loss2: number;
  /** loss1 − α·loss2, the objective being descended. */
  total: number;
  grad_norm1: number;
  grad_norm2: number;
  param_norm: number;
  /** Cosine between ∇loss1 and ∇loss2 (negative: the objectives conflict); NaN when either is zero. */
  cos12: number;
  /** The weight the combiner gave loss2 at this step (see combiner.ts): α, the method's, or λ. */
  weight: number;
}

/** Samples kept for the diagnostics' medians: exact up to this many measured steps (1 MiB for both). */
export const DIAGNOSTIC_SAMPLES = 65_536;

/** Steps a run measures its diagnostics at, at least: enough for a conflict share to ±1% (binomial, 95%). */
export const DIAGNOSTIC_STEPS = 10_000;

/**
 * The diagnostics (conflicts, cosine, weight) are measured every k-th step, k fixed by the run's
 * length alone — never by log_every, so logging less does not change them: every step up to
 * 19,999 steps, then at least 10,000 evenly spaced steps. Measuring costs the per-objective
 * gradients, which a linear combiner skips on other steps (measured in-process on the seed
 * problem: measuring every 3rd step of a 200k-step run added ~15–25% a step; on two output losses
 * it is two extra backward passes), so a long run measures a sample.
 */
export function diagnosticStride(steps: number): number {
  return Math.max(1, Math.floor(steps / DIAGNOSTIC_STEPS));
}

export interface StepSink {
  /** Returns false when the caller should `await drain()` before writing more (backpressure). */
  write(row: StepRow): boolean;
  drain(): Promise<void>;
}

export interface TrainSettings {
  readonly alpha: number;
  readonly steps: number;
  /** Log every k-th step; step 0, the last step and a diverging step are always logged. */
  readonly log_every: number;
  readonly optimizer: OptimizerSettings;
  readonly combine: CombineSettings;
  readonly monitor: MonitorSettings;
}

export interface TrainOutcome {
  /** Updates applied. */
  readonly stepsRun: number;
  readonly rowsLogged: number;
  readonly first: StepRow | null;
  readonly last: StepRow | null;
  readonly minLoss1: number;
  readonly minLoss1Step: number;
  readonly divergence: Divergence | null;
  /** Statistics of every step from `windowFrom` on, for the stability verdict; null when none was taken. */
  readonly window: WindowStats | null;
  /** Stopped early by `shouldStop`: the run is not finished. */
  readonly interrupted: boolean;
  /** Whether each gradient was non-zero at some logged or measured step; false for an objective that never pushed the parameters. */
  readonly gradNonzero: { readonly loss1: boolean; readonly loss2: boolean };
  /** For the summary's diagnostics: counts over the measured steps, and bounded samples of the cosine and the weight. */
  readonly diagnostics: DiagnosticRows;
}

export interface DiagnosticRows {
  /** Measured steps (every diagnosticStride-th) where both gradients were non-zero (the cosine exists), and those with cos12 < 0. */
  readonly rowsWithCosine: number;
  readonly conflicts: number;
  /** The stride of the measured steps. */
  readonly measuredEvery: number;
  /** Evenly spaced samples (every measured step up to DIAGNOSTIC_SAMPLES) of the finite cosines and of the weights. */
  readonly cos12: Float64Array;
  readonly weight: Float64Array;
  /** The weight at the last logged row; null when nothing was logged. */
  readonly weightFinal: number | null;
}

export interface ProgressListener {
  report(stepsDone: number): void;
}

export interface TrainHooks {
  /**
   * Told every `progressEvery` steps how many steps are done. An object with a method rather than
   * a function: the same prototype method in every run keeps this loop's optimized code valid from
   * one run to the next (a new closure per run is a new call target, and a deoptimization).
   */
  readonly progress?: ProgressListener;
  readonly progressEvery?: number;
  /**
   * Asked every `stopCheckEvery` steps (and before the first): true stops training there, between
   * two steps, as an interruption (Ctrl-C, or the sweep's coordinator gone). It may return a
   * promise now and then to let the event loop turn — the training loop itself never waits on
   * anything, so signals and IPC are only handled when it yields.
   */
  readonly shouldStop?: () => boolean | Promise<boolean>;
  readonly stopCheckEvery?: number;
}

/**
 * The engine threw at a step (most often an error in a user module's code): the step it was
 * evaluating and what the run had done before, so the failure is reported where it happened.
 */
export class TrainingFailure extends Error {
  constructor(
    override readonly cause: unknown,
    /** The step being taken when it threw; as many updates had been applied. */
    readonly step: number,
    readonly rowsLogged: number,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'TrainingFailure';
  }
}

export async function train(
  oracle: GradientOracle,
  params: Float64Array,
  settings: TrainSettings,
  sink: StepSink,
  windowFrom: number,
  hooks: TrainHooks = {},
): Promise<TrainOutcome> {
  const n = params.length;
  const ev = createEvaluation(n);
  const combined: CombinedEvaluation = { loss1: NaN, loss2: NaN, direction: new Float64Array(n) };
  const direction = combined.direction;
  const optimizer = createOptimizer(settings.optimizer, n);
  const combiner = createCombiner(settings.combine, settings.alpha, oracle.adversary ?? null);
  const linear = combiner.linearWeight;
  const alwaysBoth = oracle.bothGradientsEveryStep;
  const { alpha, steps, log_every: logEvery, monitor } = settings;
  const progressEvery = hooks.progressEvery ?? 100;
  const stopCheckEvery = hooks.stopCheckEvery ?? 64;
  const shouldStop = hooks.shouldStop;
  let interrupted = false;
  const window = new WindowAccumulator();
  // The constraint combiner's ε form always ascends loss2 (weight 1) and logs λ, loss1's weight.
  const windowWeightOverride = combiner.ascendsLoss2Always === true ? 1 : null;
  // The summary's conflict fraction (counted) and medians (from bounded samples: a run may log
  // up to MAX_STEPS rows, which would not fit in memory).
  const cosSample = new StrideSample(DIAGNOSTIC_SAMPLES);
  const weightSample = new StrideSample(DIAGNOSTIC_SAMPLES);
  let rowsWithCosine = 0;
  let conflicts = 0;
  const products = new Float64Array(3);
  const measureEvery = diagnosticStride(steps);

  let first: StepRow | null = null;
  let last: StepRow | null = null;
  let rows = 0;
  let minLoss1 = Infinity;
  let minLoss1Step = -1;
  let divergence: Divergence | null = null;
  let stepsRun = 0;
  let grad1Nonzero = false;
  let grad2Nonzero = false;

  try {
    for (let step = 0; step < steps; step++) {
      if (shouldStop && step % stopCheckEvery === 0) {
        const stop = shouldStop();
        if (stop === true || (stop !== false && (await stop))) {
          interrupted = true;
          break;
        }
      }
      let logged = step % logEvery === 0 || step === steps - 1;
      const measured = step % measureEvery === 0;
      // A linear combiner (`fixed`) gets ∇loss1 − α∇loss2 from the engine in one backward pass,
      // straight into `direction`; the per-objective gradients are computed only on logged and
      // measured steps, for their norms and the diagnostics. Other combiners need both every step.
      if (linear !== null) oracle.evaluateCombined(params, linear, combined, step, logged || measured || alwaysBoth ? ev : undefined);
      else oracle.evaluate(params, ev, step);
      const loss1 = linear !== null ? combined.loss1 : ev.loss1;
      const loss2 = linear !== null ? combined.loss2 : ev.loss2;
      const paramNorm = norm(params);
      if (loss1 < minLoss1) {
        minLoss1 = loss1;
        minLoss1Step = step;
      }
      // The combiner runs before the row is written, so the row holds the weight used at this step.
      const weight = linear !== null ? linear : combiner.combine(ev, direction);
      const diverged: Divergence | null = divergence === null ? checkDivergence(monitor, step, loss1, loss2, paramNorm) : null;
      if (diverged) {
        divergence = diverged;
        // The diverging step is always written, with its gradient norms (a stateless engine
        // evaluates it again for them; a stateful one already gave them).
        if (!logged && !measured && !alwaysBoth && linear !== null) oracle.evaluateCombined(params, linear, combined, step, ev);
        logged = true;
      }
      if (logged || measured) {
        computeGram(ev.grad1, ev.grad2, products);
        const g1 = Math.sqrt(products[0]!);
        const g2 = Math.sqrt(products[1]!);
        const s12 = products[2]!;
        if (g1 !== 0) grad1Nonzero = true;
        if (g2 !== 0) grad2Nonzero = true;
        const cos12 = g1 > 0 && g2 > 0 ? Math.max(-1, Math.min(1, s12 / (g1 * g2))) : NaN;
        if (measured) {
          if (!Number.isNaN(cos12)) {
            rowsWithCosine++;
            if (cos12 < 0) conflicts++;
            cosSample.push(cos12);
          }
          weightSample.push(weight);
        }
        if (logged) {
          const row: StepRow = { step, loss1, loss2, total: loss1 - alpha * loss2, grad_norm1: g1, grad_norm2: g2, param_norm: paramNorm, cos12, weight };
          first ??= row;
          last = row;
          rows++;
          if (!sink.write(row)) await sink.drain();
        }
      }
      // Every step of the window, logged or not: the verdict must not depend on log_every.
      if (step >= windowFrom) window.add(step, loss1, loss2, windowWeightOverride ?? weight, logged);
      if (diverged && monitor.stop_on_diverge) break;
      optimizer.step(params, direction);
      stepsRun++;
      if (stepsRun % progressEvery === 0) hooks.progress?.report(stepsRun);
    }
  } catch (err) {
    // A throw can only come from a step in progress: stepsRun updates were applied before it.
    throw new TrainingFailure(err, stepsRun, rows);
  }

  // An update after the last evaluation can still blow the parameters up.
  if (!interrupted && divergence === null && !Number.isFinite(norm(params))) {
    divergence = { step: stepsRun, reason: 'non-finite', detail: `parameters became non-finite after the last update (step ${stepsRun - 1})` };
  }
  hooks.progress?.report(stepsRun);
  return {
    stepsRun,
    rowsLogged: rows,
    first,
    last,
    minLoss1,
    minLoss1Step,
    divergence,
    window: window.result(),
    interrupted,
    gradNonzero: { loss1: grad1Nonzero, loss2: grad2Nonzero },
    diagnostics: {
      rowsWithCosine,
      conflicts,
      measuredEvery: measureEvery,
      cos12: cosSample.values(),
      weight: weightSample.values(),
      weightFinal: last ? last.weight : null,
    },
  };
}

function norm(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}
