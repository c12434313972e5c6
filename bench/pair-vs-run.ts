/**
 * Issue 15, second increment: µs per run-step of whole runs — executeRun of one run (the scalar
 * fused path) against executeRunPair of two (train/train-lanes.ts: the lane kernel plus the
 * per-lane bookkeeping, steps.csv, final-params.json, summary.json, fsyncs included) — on the seed
 * model with the given log_every. By hand, not part of `npm run bench`:
 *
 *   node --import tsx bench/pair-vs-run.ts [steps] [repeats] [log_every]
 *
 * Each repeat runs, alternating, two scalar runs one after the other and one pair of the same two
 * configs, into fresh directories under the OS's temp directory; µs per run-step is time / (2 ×
 * steps) for both. Prints min and median and the load average before and after.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { executeRun } from '../src/runner/execute-run.js';
import { executeRunPair } from '../src/runner/execute-run-pair.js';
import type { RunConfig } from '../src/spec/types.js';
import { computeStats } from './lib/stats.js';
import { makeRunConfig } from '../test/fixtures/run-config.js';

const steps = Number(process.argv[2] ?? 10_000);
const repeats = Number(process.argv[3] ?? 9);
const logEvery = Number(process.argv[4] ?? 10);

function config(alpha: number, seed: number): RunConfig {
  return makeRunConfig({ alpha, seed, steps, log_every: logEvery });
}

const configs: [RunConfig, RunConfig] = [config(0.01, 0), config(0.01, 1)];
const work = mkdtempSync(join(tmpdir(), 'mo-train-pair-bench-'));
let n = 0;
const dir = (): string => join(work, String(n++));

async function scalar(): Promise<number> {
  const t0 = performance.now();
  for (const c of configs) await executeRun(c, dir());
  return performance.now() - t0;
}

async function pair(): Promise<number> {
  const t0 = performance.now();
  await executeRunPair(configs, [dir(), dir()]);
  return performance.now() - t0;
}

const variants: [string, () => Promise<number>][] = [
  ['scalar executeRun × 2', scalar],
  ['executeRunPair', pair],
];

try {
  const load0 = loadavg();
  for (const [, fn] of variants) await fn(); // warm-up: JIT, wasm tiers
  const samples = variants.map((): number[] => []);
  for (let r = 0; r < repeats; r++) {
    for (const [i, [, fn]] of variants.entries()) samples[i]!.push(((await fn()) * 1000) / (2 * steps));
  }
  const load1 = loadavg();
  const fmt = (x: number): string => x.toFixed(3);
  console.log(`seed model, ${steps} steps, log_every ${logEvery}, ${repeats} repeats (alternating), node ${process.version}`);
  console.log(`load average before: ${load0.map((x) => x.toFixed(2)).join(' ')}; after: ${load1.map((x) => x.toFixed(2)).join(' ')}`);
  const base = computeStats(samples[0]!);
  variants.forEach(([label], i) => {
    const s = computeStats(samples[i]!);
    console.log(
      `${label.padEnd(24)} µs/run-step  min ${fmt(s.min)}  median ${fmt(s.median)}  (×${(base.median / s.median).toFixed(2)} vs scalar median)  samples ${s.samples.map(fmt).join(' ')}`,
    );
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
