/**
 * The rows of summary.csv (one per run) and by-alpha.csv (one per group) as typed cells; io/
 * turns them into CSV text. Pure. Both files are part of the public results contract: columns
 * are only ever added, never renamed.
 */
import type { AxisValue } from '../spec/types.js';
import { OUTCOMES, type Aggregates, type Spread } from './aggregate.js';
import type { RunRecord } from './run-record.js';

/** null is an empty cell: "does not apply" or "not known". */
export type Cell = AxisValue | null;

export interface Table {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
}

const RUN_COLUMNS_AFTER_AXES = [
  'state',
  'verdict',
  'final_step',
  'final_loss1',
  'final_loss2',
  'final_total',
  'min_loss1',
  'min_loss1_step',
  'steps_run',
  'steps_requested',
  'diverged_step',
  'diverge_reason',
  'no_gradient',
  'explanation',
  'problem',
] as const;

/** summary.csv: id, alpha, seed, each axis key, then the state and the summary's numbers. */
export function computeRunTable(runs: readonly RunRecord[], axisKeys: readonly string[]): Table {
  const columns = ['id', 'alpha', 'seed', ...axisKeys, ...RUN_COLUMNS_AFTER_AXES];
  const rows = runs.map((run): Cell[] => {
    const s = run.summary;
    const grid = [run.coords.alpha ?? null, run.coords.seed ?? null, ...axisKeys.map((k) => run.coords[k] ?? null)];
    return [
      run.id,
      ...grid,
      run.state,
      s?.verdict ?? null,
      s?.final?.step ?? null,
      s?.final?.loss1 ?? null,
      s?.final?.loss2 ?? null,
      s?.final?.total ?? null,
      s?.min_loss1?.value ?? null,
      s?.min_loss1?.step ?? null,
      s?.steps_run ?? null,
      s?.steps_requested ?? null,
      s?.divergence?.step ?? null,
      s?.divergence?.reason ?? null,
      // Several objectives in one cell, ';' so the cell needs no quoting.
      s ? s.no_gradient.join(';') : null,
      s?.explanation ?? null,
      run.problem,
    ];
  });
  return { columns, rows };
}

/** by-alpha.csv: the group's coords, runs, a count per verdict and state, then the final-loss spreads. */
export function computeGroupTable(aggregates: Aggregates): Table {
  const { axis_keys: axisKeys, groups } = aggregates;
  const columns = [
    'alpha',
    ...axisKeys,
    'runs',
    ...OUTCOMES,
    // How many runs the loss columns are over: those that finished without diverging.
    'final_loss_runs',
    'loss1_median',
    'loss1_min',
    'loss1_max',
    'loss2_median',
    'loss2_min',
    'loss2_max',
  ];
  const rows = groups.map((g): Cell[] => [
    g.coords.alpha ?? null,
    ...axisKeys.map((k) => g.coords[k] ?? null),
    g.runs,
    ...OUTCOMES.map((o) => g.counts[o]),
    g.loss1?.n ?? 0,
    ...spreadCells(g.loss1),
    ...spreadCells(g.loss2),
  ]);
  return { columns, rows };
}

function spreadCells(s: Spread | null): Cell[] {
  return s ? [s.median, s.min, s.max] : [null, null, null];
}
