/**
 * Two runs in the lanes (train/train-lanes.ts through runner/execute-run-pair.ts) write exactly the
 * files executeRun writes for each run alone: steps.csv, final-params.json, config.json and the
 * interrupted marker byte for byte, summary.json byte for byte but for wall_time_s — for pairs
 * that differ in α, seed, lr, β and log_every, short and long runs (past the 20,000 steps where
 * the diagnostics start to be measured on a sample), each of the kernel's four loss branches, a
 * run that diverges early (stop_on_diverge) while the other goes on, one that diverges and goes
 * on (first at a step neither logged nor measured), a run blown up to non-finite values, both
 * interrupted at the same step, a diverged run written before the other is interrupted, a run
 * whose --init does not fit, a kernel that traps (both runs redone on the scalar path). And the
 * pairs canTrainInLanes refuses.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { AdamLanes } from '../../src/engine/fused/wasm/lane-codegen.js';
import { smallExperiment } from '../fixtures/lane-experiments.js';
import { makeRunConfig } from '../fixtures/run-config.js';
import { SEED_EXPERIMENT, type DeclarativeExperiment } from '../../src/experiment/declarative.js';
import { runFiles } from '../../src/results/layout.js';
import type { RunSummary } from '../../src/results/summary-file.js';
import { executeRun } from '../../src/runner/execute-run.js';
import { executeRunPair } from '../../src/runner/execute-run-pair.js';
import type { ExecuteHooks, RunResult } from '../../src/runner/run-result.js';
import { DEFAULT_COMBINE, DEFAULT_MONITOR, DEFAULT_VERDICT, defaultOptimizerSettings } from '../../src/spec/settings.js';
import type { RunConfig } from '../../src/spec/types.js';
import { canTrainInLanes, lanesRefusal } from '../../src/train/train-lanes.js';

const work = mkdtempSync(join(tmpdir(), 'mo-train-lanes-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const adam = defaultOptimizerSettings('adam');
let dirCount = 0;

function runConfig(over: Partial<RunConfig> & { readonly alpha: number; readonly seed: number }, exp: DeclarativeExperiment = SEED_EXPERIMENT): RunConfig {
  return makeRunConfig({ experiment: { kind: 'declarative', definition: exp }, ...over });
}

/** Asks true from its `at`-th call on (0: the first): train() asks before steps 0, 64, 128, …, and executeRun once more at the end. */
function stopAfter(at: number): ExecuteHooks {
  let calls = 0;
  return { shouldStop: () => calls++ >= at };
}

/** A run directory's files by name; summary.json without its wall_time_s (the only field a pair may change). */
function readRunDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const text = readFileSync(join(dir, name), 'utf8');
    out[name] = name === runFiles.summary ? text.replace(/\n {2}"wall_time_s": [^\n]*\n/, '\n') : text;
  }
  return out;
}

interface Compared {
  readonly scalar: [RunResult, RunResult];
  readonly lanes: [RunResult, RunResult];
  readonly files: [Record<string, string>, Record<string, string>];
}

/** Each config by executeRun alone and the two by executeRunPair: every file the same, the results too (wall time apart). */
async function compare(configs: [RunConfig, RunConfig], hooks: () => ExecuteHooks = () => ({})): Promise<Compared> {
  expect(lanesRefusal(configs[0], configs[1])).toBeNull();
  const base = join(work, String(dirCount++));
  mkdirSync(base);
  const scalarDirs = configs.map((c, i) => join(base, `scalar-${i}`));
  const laneDirs = configs.map((c, i) => join(base, `lanes-${i}`)) as [string, string];
  const scalar: RunResult[] = [];
  for (const [i, c] of configs.entries()) scalar.push(await executeRun(c, scalarDirs[i]!, hooks()));
  const lanes = await executeRunPair(configs, laneDirs, hooks());
  const files = configs.map((c, i) => {
    const want = readRunDir(scalarDirs[i]!);
    const got = readRunDir(laneDirs[i]!);
    expect(Object.keys(got)).toEqual(Object.keys(want));
    for (const name of Object.keys(want)) expect(got[name], `${c.id}: ${name}`).toBe(want[name]);
    const strip = (r: RunResult): unknown => ({ ...r, wall_time_s: 0 });
    expect(strip(lanes[i]!)).toEqual(strip(scalar[i]!));
    return want;
  }) as [Record<string, string>, Record<string, string>];
  return { scalar: scalar as [RunResult, RunResult], lanes, files };
}

function summaryOf(r: RunResult): RunSummary {
  expect(r.status).toBe('finished');
  return r as RunSummary;
}

function rowCount(files: Record<string, string>): number {
  return files[runFiles.steps]!.trimEnd().split('\n').length - 1;
}

/** α = 1 and lr 0.05 on seed 0: the sum of the parameters (loss2) passes max_loss 40 within the first few hundred steps. */
const diverging = runConfig({
  alpha: 1,
  seed: 0,
  steps: 3000,
  log_every: 10,
  optimizer: { ...adam, lr: 0.05 },
  monitor: { ...DEFAULT_MONITOR, max_loss: 40 },
});

describe('executeRunPair writes what executeRun writes, run by run', () => {
  it('10 steps, log_every 1: different α, seed and lr', async () => {
    const { files } = await compare([
      runConfig({ alpha: 0.01, seed: 0, optimizer: { ...adam, lr: 1e-3 } }),
      runConfig({ alpha: 0.3, seed: 7, optimizer: { ...adam, lr: 3e-3, betas: [0.8, 0.99], eps: 1e-6 } }),
    ]);
    expect(rowCount(files[0])).toBe(10);
  });

  it('2,000 steps, log_every 10 and 1 in the two lanes; AdamW without weight decay', async () => {
    const { files } = await compare([
      runConfig({ alpha: 0.05, seed: 1, steps: 2000, log_every: 10 }),
      runConfig({ alpha: 0.2, seed: 2, steps: 2000, log_every: 1, optimizer: { ...defaultOptimizerSettings('adamw'), weight_decay: 0, lr: 2e-3 } }),
    ]);
    expect(rowCount(files[0])).toBe(201);
    expect(rowCount(files[1])).toBe(2000);
  });

  it('25,000 steps (diagnostics measured every 2nd step), log_every 10 and 1', async () => {
    const { scalar } = await compare([
      runConfig({ alpha: 0.01, seed: 3, steps: 25_000, log_every: 10 }),
      runConfig({ alpha: 0.1, seed: 4, steps: 25_000, log_every: 1, optimizer: { ...adam, lr: 3e-3 } }),
    ]);
    expect(summaryOf(scalar[0]).diagnostics!.measured_every).toBe(2);
  });

  it.each([
    ['mse', 'l2'],
    ['mse', 'mse'],
    ['l2', 'mse'],
    ['l1', 'param_sum'],
    ['sum_to_target', 'l1'],
  ] as const)('[2, 8, 3], %s − α·%s (each branch of the kernel), 300 steps, log_every 3', async (loss1, loss2) => {
    const exp = smallExperiment({ loss1, loss2, activation: loss1 === 'l1' ? 'relu' : 'leaky_relu' });
    await compare([
      runConfig({ alpha: 0.1, seed: 5, steps: 300, log_every: 3, optimizer: { ...adam, lr: 5e-3 } }, exp),
      runConfig({ alpha: 0.02, seed: 6, steps: 300, log_every: 3, optimizer: { ...adam, lr: 1e-2 } }, exp),
    ]);
  });

  it('one run diverges early (max_loss, stop_on_diverge) while the other goes on', async () => {
    const { scalar, files } = await compare([diverging, runConfig({ alpha: 0.01, seed: 7, steps: 3000, log_every: 10 })]);
    const s = summaryOf(scalar[0]);
    expect(s.divergence?.reason).toBe('loss2-threshold');
    expect(s.steps_run).toBeLessThan(2000);
    expect(s.steps_run % 10).not.toBe(0);
    expect(summaryOf(scalar[1]).steps_run).toBe(3000);
    expect(rowCount(files[0])).toBe(Math.ceil(s.steps_run / 10) + 1);
  });

  it('a run that diverges without stop_on_diverge goes on (its diverging step logged), beside a run that diverges and stops', async () => {
    const { scalar } = await compare([
      runConfig({
        alpha: 1,
        seed: 0,
        steps: 1000,
        log_every: 10,
        optimizer: { ...adam, lr: 0.05 },
        monitor: { ...DEFAULT_MONITOR, max_param_norm: 100, stop_on_diverge: false },
      }),
      runConfig({ alpha: 0.5, seed: 3, steps: 1000, log_every: 10, optimizer: { ...adam, lr: 0.02 }, monitor: { ...DEFAULT_MONITOR, max_param_norm: 50 } }),
    ]);
    expect(summaryOf(scalar[0]).divergence?.reason).toBe('param-norm-threshold');
    expect(summaryOf(scalar[0]).steps_run).toBe(1000);
    expect(summaryOf(scalar[1]).divergence?.reason).toBe('param-norm-threshold');
    expect(summaryOf(scalar[1]).steps_run).toBeLessThan(1000);
  });

  it('25,000 steps, l2 − α·mse (∇loss2 by a backward pass of its own, only when wanted): a first divergence on a step neither logged nor measured', async () => {
    const exp = smallExperiment({ loss1: 'l2', loss2: 'mse' });
    // Lane 0's parameter norm passes 2000 at step 20,897 (odd: not measured, not logged).
    const monitor = { ...DEFAULT_MONITOR, max_param_norm: 2000, stop_on_diverge: false };
    const { scalar } = await compare([
      runConfig({ alpha: 2, seed: 5, steps: 25_000, log_every: 10, optimizer: { ...adam, lr: 1e-2 }, monitor }, exp),
      runConfig({ alpha: 0.02, seed: 6, steps: 25_000, log_every: 10, optimizer: { ...adam, lr: 1e-2 }, monitor: { ...monitor, max_param_norm: 1e6 } }, exp),
    ]);
    const at = summaryOf(scalar[0]).divergence?.step;
    expect(at).toBeDefined();
    expect(at! % 2).toBe(1);
    expect(at! % 10).not.toBe(0);
  });

  it('a huge lr: a run that blows up to non-finite values, beside an ordinary one', async () => {
    const { scalar } = await compare([
      runConfig({ alpha: 0.5, seed: 2, steps: 500, log_every: 1, optimizer: { ...adam, lr: 1e150 } }),
      runConfig({ alpha: 0.02, seed: 9, steps: 500, log_every: 1 }),
    ]);
    expect(summaryOf(scalar[0]).divergence).not.toBeNull();
  });

  it('both interrupted at the same step (shouldStop true at step 192), each written as executeRun writes an interrupted run', async () => {
    const { scalar, files } = await compare(
      [runConfig({ alpha: 0.01, seed: 0, steps: 1000, log_every: 10 }), runConfig({ alpha: 0.2, seed: 1, steps: 1000, log_every: 1 })],
      () => stopAfter(3),
    );
    expect(scalar[0]).toEqual({ status: 'interrupted', id: 'alpha=0.01,seed=0', steps_run: 192 });
    expect(files[0][runFiles.interrupted]).toBeDefined();
    expect(files[0][runFiles.summary]).toBeUndefined();
    expect(rowCount(files[1])).toBe(192);
  });

  it('one run diverges (stop_on_diverge) and is written then; the other is interrupted later, at the same step as alone', async () => {
    // shouldStop turns true once 256 steps are reported done (progress every 256 steps, unthrottled).
    const stopAt256 = (): ExecuteHooks => {
      let done = 0;
      return { progressIntervalMs: 0, onProgress: (s) => (done = s), shouldStop: () => done >= 256 };
    };
    const { scalar } = await compare([diverging, runConfig({ alpha: 0.01, seed: 7, steps: 3000, log_every: 10 })], stopAt256);
    expect(summaryOf(scalar[0]).steps_run).toBeLessThan(256);
    expect(scalar[1]).toEqual({ status: 'interrupted', id: 'alpha=0.01,seed=7', steps_run: 256 });
  });

  it('interrupted only by the last check, after training: both written as interrupted', async () => {
    const { scalar } = await compare([runConfig({ alpha: 0.01, seed: 0, steps: 100 }), runConfig({ alpha: 0.2, seed: 1, steps: 100 })], () => stopAfter(2));
    expect(scalar[0]).toEqual({ status: 'interrupted', id: 'alpha=0.01,seed=0', steps_run: 100 });
  });

  it('a run whose --init does not fit fails as executeRun fails it; the other trains alone', async () => {
    const bad = join(work, 'bad-init.json');
    writeFileSync(bad, JSON.stringify({ 'fc1.weight': [[1, 2, 3]] }));
    const { scalar } = await compare([
      runConfig({ alpha: 0.01, seed: 0, steps: 50, init: { path: bad, sha256: 'not-checked-here' } }),
      runConfig({ alpha: 0.2, seed: 1, steps: 50 }),
    ]);
    expect(scalar[0].status).toBe('failed');
    expect(scalar[1].status).toBe('finished');
  });
});

describe('a failure of the kernel itself', () => {
  it('sends both runs to the scalar path from the start: each ends as executeRun alone ends it, files and all', async () => {
    const configs: [RunConfig, RunConfig] = [
      runConfig({ alpha: 0.01, seed: 0, steps: 300, log_every: 10 }),
      runConfig({ alpha: 0.5, seed: 1, steps: 300, log_every: 10 }),
    ];
    // The third call of the kernel traps (after 128 steps: both runs' steps.csv already hold rows).
    const original = AdamLanes.prototype.run;
    let calls = 0;
    const spy = vi.spyOn(AdamLanes.prototype, 'run').mockImplementation(function (this: AdamLanes, count, gramWanted) {
      if (++calls === 3) throw new Error('RuntimeError: unreachable');
      original.call(this, count, gramWanted);
    });
    try {
      const { lanes, files } = await compare(configs, () => ({ shouldStop: () => false }));
      expect(calls).toBeGreaterThanOrEqual(3);
      expect(lanes.map((r) => r.status)).toEqual(['finished', 'finished']);
      for (const f of files) expect(rowCount(f)).toBe(31);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('canTrainInLanes', () => {
  const a = runConfig({ alpha: 0.01, seed: 0 });
  it.each<[string, RunConfig]>([
    ['different steps', runConfig({ alpha: 0.1, seed: 1, steps: 11 })],
    ['tanh', runConfig({ alpha: 0.1, seed: 1 }, { ...SEED_EXPERIMENT, activation: 'tanh' })],
    ['another experiment', runConfig({ alpha: 0.1, seed: 1 }, { ...SEED_EXPERIMENT, layers: [1, 6, 10, 1] })],
    ['sgd', runConfig({ alpha: 0.1, seed: 1, optimizer: defaultOptimizerSettings('sgd') })],
    ['adamw with weight decay', runConfig({ alpha: 0.1, seed: 1, optimizer: defaultOptimizerSettings('adamw') })],
    ['amsgrad', runConfig({ alpha: 0.1, seed: 1, optimizer: { ...adam, amsgrad: true } })],
    ['the normalized combiner', runConfig({ alpha: 0.1, seed: 1, combine: { ...DEFAULT_COMBINE, name: 'normalized' } })],
    ['the tfjs engine', runConfig({ alpha: 0.1, seed: 1, engine: 'tfjs' })],
  ])('refuses a pair with %s', async (_what, b) => {
    expect(canTrainInLanes(a, b)).toBe(false);
    expect(canTrainInLanes(b, a)).toBe(false);
    await expect(executeRunPair([a, b], [join(work, `refused-${dirCount}`), join(work, `refused-${dirCount++}b`)])).rejects.toThrow(/executeRunPair/);
  });

  it('accepts different α, seed, lr, log_every, monitor and verdict settings', () => {
    expect(
      canTrainInLanes(
        a,
        runConfig({
          alpha: 0.5,
          seed: 9,
          log_every: 3,
          optimizer: { ...adam, lr: 0.1 },
          monitor: { ...DEFAULT_MONITOR, max_loss: 1 },
          verdict: { ...DEFAULT_VERDICT, window: 0.5 },
        }),
      ),
    ).toBe(true);
  });
});
