/**
 * Executes two runs at once in the lanes of the f64x2 kernel (train/train-lanes.ts, issue 15),
 * each into its own directory with the files executeRun writes for it alone — config.json,
 * steps.csv, final-params.json and summary.json (the same bytes, wall_time_s apart), or the
 * interrupted marker — and the same results. Only pairs that canTrainInLanes accepts.
 *
 * An interruption (`hooks.shouldStop`) stops both runs at the same step, each written as an
 * interrupted run; a run that diverges with stop_on_diverge stops at its step while the other goes
 * on, and its files are written when the pair is done. A run that cannot start (its --init file
 * does not fit) is recorded as failed, as executeRun records it, and the other one trains alone on
 * the scalar path. A failure of the kernel itself (not of one run's own work) sends both runs to
 * the scalar path from the start.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FusedOracle } from '../engine/fused/fused-oracle.js';
import { materializeDeclarative, type DeclarativeExperiment, type MaterializedData } from '../experiment/declarative.js';
import { clearRunDir, createRunDir, writeRunConfig } from '../io/run-files.js';
import { openStepsWriter, type StepsWriter } from '../io/steps-writer.js';
import { runFiles } from '../results/layout.js';
import type { RunConfig } from '../spec/types.js';
import { windowStart } from '../summary/verdict.js';
import { lanesRefusal, LanesFailure, trainLanes, type LaneInput } from '../train/train-lanes.js';
import type { TrainOutcome } from '../train/train-loop.js';
import { executeRun, finishRun, recordFailure, startingParams, trainAndFinish, trainHooks, type RunEngine } from './execute-run.js';
import type { ExecuteHooks, RunResult } from './run-result.js';

/** A run ready to train: its directory and config.json written, its start, its steps.csv open. */
interface PreparedRun {
  readonly config: RunConfig;
  readonly runDir: string;
  readonly exp: DeclarativeExperiment;
  /** What finishRun needs of the fused engine (the same as FusedOracle's). */
  readonly engine: RunEngine;
  readonly data: MaterializedData;
  readonly params: Float64Array;
  readonly writer: StepsWriter;
}

export async function executeRunPair(
  configs: readonly [RunConfig, RunConfig],
  runDirs: readonly [string, string],
  hooks: ExecuteHooks = {},
): Promise<[RunResult, RunResult]> {
  const refusal = lanesRefusal(configs[0], configs[1]);
  if (refusal !== null) throw new Error(`executeRunPair: ${refusal}`);
  const t0 = performance.now();
  // As executeRun, run by run: the directory and config.json (an error there is thrown), then
  // the engine, the start and steps.csv (an error there is the run's failure).
  const prepared: (PreparedRun | RunResult)[] = configs.map((config, i) => prepare(config, runDirs[i]!, t0));
  const [a, b] = prepared;
  if (!isPrepared(a!) || !isPrepared(b!)) {
    return (await Promise.all(prepared.map(async (p) => (isPrepared(p) ? trainAlone(p, hooks, t0) : p)))) as [RunResult, RunResult];
  }
  const runs = [a, b] as const;
  let outcomes: [TrainOutcome, TrainOutcome];
  // A run that stops before the other (it diverged) is written at once, as executeRun would write it then.
  const early: (Promise<RunResult> | null)[] = [null, null];
  const finish = (i: 0 | 1, outcome: TrainOutcome): Promise<RunResult> => {
    const r = runs[i];
    return finishRun(r.config, r.runDir, r.engine, r.params, outcome, r.writer, hooks, t0).catch((err: unknown) =>
      recordFailure(r.config, r.runDir, err, t0, 'fused'),
    );
  };
  try {
    const exp = a.exp;
    const lanes = runs.map((r): LaneInput => ({
      params: r.params,
      data: r.data,
      target: exp.target ?? 0,
      settings: r.config,
      windowFrom: windowStart(r.config.steps, r.config.verdict),
      sink: r.writer,
    })) as [LaneInput, LaneInput];
    outcomes = await trainLanes(exp, lanes, trainHooks(a.config, hooks), async (i, outcome) => {
      early[i] = finish(i, outcome);
      await early[i];
    });
  } catch (err) {
    const failures = err instanceof LanesFailure ? err.failures : [err, err];
    if (err instanceof LanesFailure && err.lane !== null) {
      // One run's own failure (its steps.csv on a full disk, say) is that run's alone: it fails,
      // and the other, whose rows so far went in step with it, is done again alone from the start.
      const bad = err.lane;
      const results: RunResult[] = [];
      for (const i of [0, 1] as const) {
        const r = runs[i];
        if (early[i]) results[i] = await early[i]!;
        else if (i === bad) {
          await r.writer.close().catch(() => {});
          results[i] = recordFailure(r.config, r.runDir, failures[i], t0, 'fused');
        } else {
          await r.writer.close().catch(() => {});
          clearRunDir(r.runDir);
          results[i] = await executeRun(r.config, r.runDir, hooks);
        }
      }
      return results as [RunResult, RunResult];
    }
    // The kernel's own failure (a trap, a disagreement with the monitor's check — a bug, not the
    // runs'): neither run is to blame, so each is done again from the start on the scalar path,
    // one after the other, and ends as it would have alone (its own failure, if it has one).
    // A run already written (it stopped before the failure) stays as it is.
    const results: RunResult[] = [];
    for (const i of [0, 1] as const) {
      const r = runs[i];
      if (early[i]) {
        results[i] = await early[i]!;
        continue;
      }
      await r.writer.close().catch(() => {});
      try {
        clearRunDir(r.runDir);
      } catch {
        results[i] = recordFailure(r.config, r.runDir, failures[i], t0, 'fused');
        continue;
      }
      results[i] = await executeRun(r.config, r.runDir, hooks);
    }
    return results as [RunResult, RunResult];
  }
  // Both at once: the fsyncs of the two steps.csv and final-params.json overlap on the thread pool.
  const written = Promise.all([early[0] ?? finish(0, outcomes[0]), early[1] ?? finish(1, outcomes[1])]);
  hooks.onTrained?.();
  return written;
}

function prepare(config: RunConfig, runDir: string, t0: number): PreparedRun | RunResult {
  createRunDir(runDir);
  writeRunConfig(runDir, config);
  try {
    if (config.experiment.kind !== 'declarative') throw new Error('executeRunPair: not a declarative run');
    // What FusedOracle's constructor materializes (its layout, initial parameters and data).
    const exp = config.experiment.definition;
    const start = materializeDeclarative(exp, config.seed);
    const params = startingParams(config, { layout: start.layout, initial: start.params });
    const writer = openStepsWriter(join(runDir, runFiles.steps));
    return { config, runDir, exp, engine: { engine: 'fused', layout: start.layout, disconnected: [] }, data: start.data, params, writer };
  } catch (err) {
    return recordFailure(config, runDir, err, t0, 'fused');
  }
}

/** The other run of a pair failed to start: this one trains alone, as executeRun trains it. */
async function trainAlone(p: PreparedRun, hooks: ExecuteHooks, t0: number): Promise<RunResult> {
  const oracle = new FusedOracle(p.exp, p.config.seed);
  try {
    return await trainAndFinish(p.config, p.runDir, oracle, p.params, p.writer, hooks, t0);
  } catch (err) {
    return recordFailure(p.config, p.runDir, err, t0, 'fused');
  }
}

function isPrepared(p: PreparedRun | RunResult): p is PreparedRun {
  return 'writer' in p;
}
