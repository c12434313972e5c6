/**
 * The monitor for steps a training script reports itself (the `command` engine): the same
 * divergence checks, minimum, first and last rows and stability window as the training loop
 * (train-loop.ts) computes for the steps it takes, fed one reported step at a time. It sees only
 * what the script logs, so the verdict is judged on the logged rows. Pure apart from the sink.
 */
import { StrideSample } from './stride-sample.js';
import { checkDivergence, type Divergence, type MonitorSettings } from './monitor.js';
import { DIAGNOSTIC_SAMPLES, type DiagnosticRows } from './train-loop.js';
import { WindowAccumulator, type WindowStats } from './window-stats.js';

/** One reported step (a protocol line, engine/command/protocol.ts); the optional measurements are null when the script did not give them. */
export interface ReportedStep {
  /** The script's own step number, or null (then the row after the previous one). */
  readonly step: number | null;
  readonly loss1: number;
  readonly loss2: number;
  readonly grad_norm1: number | null;
  readonly grad_norm2: number | null;
  readonly param_norm: number | null;
  readonly cos12: number | null;
  readonly extra: Readonly<Record<string, number>>;
}

/** A row of a command run's steps.csv: the standard columns (absent measurements null) and the script's extra keys. */
export interface ReportedRow extends ReportedStep {
  readonly step: number;
  /** loss1 − α·loss2. */
  readonly total: number;
  /** α: the script is asked to minimize loss1 − α·loss2. */
  readonly weight: number;
}

export interface ReportedRowSink {
  write(row: ReportedRow): void;
}

/**
 * Rows of the end of the run kept to judge its last window: a script's length is known only when
 * it ends, so the window (the last `verdict.window` of its steps) is cut then. 65,536 rows × 3
 * doubles is 1.5 MiB; a window of more logged rows is judged on its last 65,536.
 */
export const WATCH_TAIL_ROWS = 65_536;

export interface WatchOutcome {
  readonly rowsLogged: number;
  readonly first: ReportedRow | null;
  readonly last: ReportedRow | null;
  readonly minLoss1: number;
  readonly minLoss1Step: number;
  readonly divergence: Divergence | null;
  readonly window: WindowStats | null;
  /** Per loss: whether the script reported its gradient norm at all, and whether it was ever non-zero. */
  readonly gradients: { readonly loss1: GradientReport; readonly loss2: GradientReport };
  /** From the rows that reported cos12; null when none did. */
  readonly diagnostics: DiagnosticRows | null;
  readonly warnings: string[];
}

interface GradientReport {
  readonly reported: boolean;
  readonly nonzero: boolean;
}

export class StepWatcher {
  private rows = 0;
  private first: ReportedRow | null = null;
  private last: ReportedRow | null = null;
  private minLoss1 = Infinity;
  private minLoss1Step = -1;
  private divergence: Divergence | null = null;
  private readonly tailStep = new Float64Array(WATCH_TAIL_ROWS);
  private readonly tailLoss1 = new Float64Array(WATCH_TAIL_ROWS);
  private readonly tailLoss2 = new Float64Array(WATCH_TAIL_ROWS);
  private readonly grad = { loss1: { reported: false, nonzero: false }, loss2: { reported: false, nonzero: false } };
  private readonly cosSample = new StrideSample(DIAGNOSTIC_SAMPLES);
  private rowsWithCosine = 0;
  private conflicts = 0;
  private backwards: string | null = null;

  constructor(
    private readonly alpha: number,
    private readonly monitor: MonitorSettings,
    private readonly sink: ReportedRowSink,
  ) {}

  /** Logs a reported step; returns the divergence when this step is the first to diverge. */
  add(reported: ReportedStep): Divergence | null {
    const previous = this.last === null ? -1 : this.last.step;
    let step = reported.step ?? previous + 1;
    if (step <= previous) {
      // A script that restarts its count (per epoch) would fold the curves back on themselves.
      this.backwards ??= `the script's step numbers went back (${step} after ${previous}); from there rows were numbered in order of arrival`;
      step = previous + 1;
    }
    // Every field written out, not `{ ...reported, step, total, weight }`: V8 (node 20) builds an
    // object literal that spreads and then adds keys in its runtime, not in optimized code. It
    // was the largest cost of a command run (`npm run bench` measure 8): measured, CPU time per
    // step on the 2-core VM, 300k steps, no-op sink: ~5 µs → ~0.05 µs. The same keys in the same
    // order (test/unit/watch-steps.test.ts); a protocol step has no others.
    const row: ReportedRow = {
      step,
      loss1: reported.loss1,
      loss2: reported.loss2,
      grad_norm1: reported.grad_norm1,
      grad_norm2: reported.grad_norm2,
      param_norm: reported.param_norm,
      cos12: reported.cos12,
      extra: reported.extra,
      total: reported.loss1 - this.alpha * reported.loss2,
      weight: this.alpha,
    };
    this.first ??= row;
    this.last = row;
    const slot = this.rows % WATCH_TAIL_ROWS;
    this.tailStep[slot] = step;
    this.tailLoss1[slot] = row.loss1;
    this.tailLoss2[slot] = row.loss2;
    this.rows++;
    if (row.loss1 < this.minLoss1) {
      this.minLoss1 = row.loss1;
      this.minLoss1Step = step;
    }
    this.noteGradient('loss1', row.grad_norm1);
    this.noteGradient('loss2', row.grad_norm2);
    if (row.cos12 !== null && Number.isFinite(row.cos12)) {
      this.rowsWithCosine++;
      if (row.cos12 < 0) this.conflicts++;
      this.cosSample.push(row.cos12);
    }
    this.sink.write(row);
    if (this.divergence !== null) return null;
    // Without a reported parameter norm the norm threshold cannot be checked (0 passes it).
    this.divergence = checkDivergence(this.monitor, step, row.loss1, row.loss2, row.param_norm ?? 0);
    return this.divergence;
  }

  get rowsLogged(): number {
    return this.rows;
  }

  get lastStep(): number {
    return this.last === null ? -1 : this.last.step;
  }

  /** The outcome, with the window starting at `windowFrom(steps the script took)` (verdict.ts's windowStart). */
  outcome(windowFrom: (stepsTaken: number) => number): WatchOutcome {
    const kept = Math.min(this.rows, WATCH_TAIL_ROWS);
    let window: WindowStats | null = null;
    if (this.last !== null) {
      const from = windowFrom(this.last.step + 1);
      const acc = new WindowAccumulator();
      for (let i = this.rows - kept; i < this.rows; i++) {
        const slot = i % WATCH_TAIL_ROWS;
        const step = this.tailStep[slot]!;
        if (step >= from) acc.add(step, this.tailLoss1[slot]!, this.tailLoss2[slot]!, this.alpha, true);
      }
      const stats = acc.result();
      // The window's steps are those the script took in it, from `from` to its last: it logged `rows` of them.
      window = stats === null ? null : { ...stats, steps: this.last.step + 1 - Math.max(from, 0) };
    }
    const warnings = this.backwards === null ? [] : [this.backwards];
    return {
      rowsLogged: this.rows,
      first: this.first,
      last: this.last,
      minLoss1: this.minLoss1,
      minLoss1Step: this.minLoss1Step,
      divergence: this.divergence,
      window,
      gradients: this.grad,
      diagnostics:
        this.rowsWithCosine === 0
          ? null
          : {
              rowsWithCosine: this.rowsWithCosine,
              conflicts: this.conflicts,
              // Rows the script logged are the measured steps.
              measuredEvery: 1,
              cos12: this.cosSample.values(),
              weight: Float64Array.of(this.alpha),
              weightFinal: this.alpha,
            },
      warnings,
    };
  }

  private noteGradient(key: 'loss1' | 'loss2', norm: number | null): void {
    if (norm === null) return;
    this.grad[key].reported = true;
    if (norm !== 0) this.grad[key].nonzero = true;
  }
}
