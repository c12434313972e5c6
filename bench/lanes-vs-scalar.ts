/**
 * Issue 15, first increment: µs per run-step of the f64x2 lane kernel (two runs per call,
 * src/engine/fused/wasm/lane-codegen.ts) against today's scalar fused path (FusedOracle.evaluateCombined
 * + Adam, one run), on the seed model. By hand, not part of `npm run bench`:
 *
 *   node --import tsx bench/lanes-vs-scalar.ts [steps] [repeats]
 *
 * Each repeat runs, alternating, the scalar loop (`steps` steps of one run), the lanes one step per
 * call and the lanes MAX_STEPS_PER_CALL steps per call (`steps` steps of two runs each), every one
 * from its initial parameters; the lanes' µs per run-step is time / (2 × steps). Prints min and
 * median per variant and the load average before and after. Imports src/ through tsx (the
 * generated kernels, JS and wasm, are the same either way).
 */
import { loadavg } from 'node:os';
import { FusedOracle } from '../src/engine/fused/fused-oracle.js';
import { AdamLanes, compileLaneKernel, MAX_STEPS_PER_CALL, type LaneRun } from '../src/engine/fused/wasm/lane-codegen.js';
import type { CombinedEvaluation } from '../src/engine/types.js';
import { materializeDeclarative, SEED_EXPERIMENT } from '../src/experiment/declarative.js';
import { defaultOptimizerSettings } from '../src/spec/settings.js';
import { createOptimizer } from '../src/train/optimizers.js';
import { laneShapeOf } from '../src/train/train-lanes.js';
import { computeStats } from './lib/stats.js';

const steps = Number(process.argv[2] ?? 100_000);
const repeats = Number(process.argv[3] ?? 7);
const ALPHA = 0.01;
const settings = defaultOptimizerSettings('adam');
const exp = SEED_EXPERIMENT;

const oracle = new FusedOracle(exp, 0);
const size = oracle.layout.size;
const out: CombinedEvaluation = { loss1: NaN, loss2: NaN, direction: new Float64Array(size) };

/** ms for `n` steps of one run. */
function scalar(n: number): number {
  const params = Float64Array.from(oracle.initial);
  const optimizer = createOptimizer(settings, size);
  const t0 = performance.now();
  for (let step = 0; step < n; step++) {
    oracle.evaluateCombined(params, ALPHA, out, step);
    optimizer.step(params, out.direction);
  }
  const ms = performance.now() - t0;
  if (!Number.isFinite(out.loss1)) throw new Error('scalar: non-finite loss');
  return ms;
}

// The seed experiment has 3 samples (features {uniform: [3, 1]}).
const compiled = compileLaneKernel(laneShapeOf(exp, 3));
if (!compiled) throw new Error('no lane kernel for the seed model');
const laneRuns = [0, 1].map((seed): LaneRun => {
  const start = materializeDeclarative(exp, seed);
  return { params: start.params, features: start.data.features, target: exp.target ?? 0, alpha: ALPHA, optimizer: settings };
}) as [LaneRun, LaneRun];

/** ms for `n` steps of both lanes, `perCall` steps per call. */
function lanes(n: number, perCall: number): number {
  const k = new AdamLanes(compiled!, laneRuns);
  const t0 = performance.now();
  let done = 0;
  while (done < n) {
    const c = Math.min(perCall, n - done);
    k.run(c);
    done += c;
  }
  const ms = performance.now() - t0;
  if (!Number.isFinite(k.loss1(0, 0))) throw new Error('lanes: non-finite loss');
  return ms;
}

const variants: [string, (n: number) => number, number][] = [
  ['scalar (1 run)', scalar, 1],
  ['lanes, 1 step/call', (n) => lanes(n, 1), 2],
  [`lanes, ${MAX_STEPS_PER_CALL} steps/call`, (n) => lanes(n, MAX_STEPS_PER_CALL), 2],
];

const load0 = loadavg();
// Warm-up: JIT of the JS, Liftoff → TurboFan of the wasm.
for (const [, fn] of variants) fn(steps);
const samples = variants.map((): number[] => []);
for (let r = 0; r < repeats; r++) {
  variants.forEach(([, fn, runs], i) => samples[i]!.push((fn(steps) * 1000) / (runs * steps)));
}
const load1 = loadavg();
const fmt = (x: number): string => x.toFixed(3);
console.log(`seed model, ${steps} steps × ${repeats} repeats (alternating), node ${process.version}`);
console.log(`load average before: ${load0.map((x) => x.toFixed(2)).join(' ')}; after: ${load1.map((x) => x.toFixed(2)).join(' ')}`);
const base = computeStats(samples[0]!);
variants.forEach(([label], i) => {
  const s = computeStats(samples[i]!);
  console.log(
    `${label.padEnd(26)} µs/run-step  min ${fmt(s.min)}  median ${fmt(s.median)}  (×${(base.median / s.median).toFixed(2)} vs scalar median)  samples ${s.samples.map(fmt).join(' ')}`,
  );
});
