/**
 * `mo-train run`: one run, in this process, with a progress bar; the results directory has the
 * same layout as a sweep's (a one-run sweep.json), so `summarize` reads both.
 */
import { relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import cliProgress from 'cli-progress';
import { resolveEngine } from '../../engine/create-oracle.js';
import { runDirOf } from '../../io/run-files.js';
import { buildManifest, prepareOutDir, removeStaleTempFiles, writeSweepManifest } from '../../io/sweep-files.js';
import { executeRun } from '../../runner/execute-run.js';
import { preflight } from '../../runner/preflight.js';
import type { SpecOptions } from '../main.js';
import { acquireSweepLock } from '../../io/sweep-lock.js';
import type { RunConfig, SweepSpec } from '../../spec/types.js';
import { nameAfterModule, specFromOptions } from './spec-from-options.js';
import { summarizeFinishedSweep } from './summarize.js';

export async function runCommand(opts: SpecOptions, argv: readonly string[]): Promise<number> {
  const cwd = process.cwd();
  const parsed = specFromOptions(opts, 'run', cwd);
  const config = parsed.runs[0]!;
  const { warnings, moduleName } = await preflight(parsed.runs);
  const spec = nameAfterModule(parsed, moduleName);
  const now = new Date();
  const outDir = prepareOutDir(opts.out, `run-${spec.name}`, now, cwd);
  const lock = acquireSweepLock(outDir, now);
  try {
    // An --out left by a run killed before it wrote sweep.json (prepareOutDir lets it through).
    if (lock.reclaimed) warnings.push(`took over ${opts.out ?? outDir}/.lock from pid ${lock.reclaimed.pid} (${lock.reclaimed.host}), which is no longer running`);
    removeStaleTempFiles(outDir);
    return await runIn(outDir, spec, config, warnings, opts, { argv, cwd, flags: { ...opts } }, now);
  } finally {
    lock.release();
  }
}

async function runIn(
  outDir: string,
  spec: SweepSpec,
  config: RunConfig,
  warnings: readonly string[],
  opts: SpecOptions,
  invocation: Parameters<typeof buildManifest>[1],
  now: Date,
): Promise<number> {
  const cwd = invocation.cwd;
  writeSweepManifest(outDir, buildManifest(spec, invocation, now));

  const err = process.stderr;
  err.write(`mo-train run: ${config.id}, ${config.steps} steps, engine ${resolveEngine(config)} → ${relative(cwd, outDir) || '.'}\n`);
  for (const w of warnings) err.write(`warning: ${w}\n`);
  const bar = err.isTTY
    ? new cliProgress.SingleBar({ stream: err, format: '{bar} {percentage}% | step {value}/{total} | ETA {eta_formatted}', hideCursor: true }, cliProgress.Presets.shades_grey)
    : null;
  bar?.start(config.steps, 0);
  // Ctrl-C once: stop after the current step, flushed (exit 130); twice: at once.
  let stopBy: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopBy !== null) process.exit(sig === 'SIGINT' ? 130 : 143);
    stopBy = sig;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let summary;
  try {
    summary = await executeRun(config, runDirOf(outDir, config.id), { onProgress: (done) => bar?.update(done), shouldStop: yieldingStop(() => stopBy !== null) });
  } finally {
    bar?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (summary.status === 'interrupted') {
    err.write(`mo-train: interrupted (${stopBy}) after ${summary.steps_run} of ${config.steps} steps; what was logged is in ${relative(cwd, outDir) || '.'}\n`);
    return stopBy === 'SIGTERM' ? 143 : 130;
  }

  process.stdout.write('\n');
  const code = summarizeFinishedSweep(outDir, spec.name, [summary]);
  if (code !== 0) return code;
  if (summary.status === 'failed') {
    err.write(`mo-train: the run failed: ${summary.error?.message.split('\n')[0] ?? 'unknown error'}\n`);
    return 1;
  }
  return opts.strict && summary.verdict === 'diverged' ? 1 : 0;
}

/** A stop check that lets the event loop turn every 25 ms, so Ctrl-C is seen during a long run. */
function yieldingStop(stop: () => boolean): () => boolean | Promise<boolean> {
  let last = performance.now();
  return () => {
    if (stop()) return true;
    const now = performance.now();
    if (now - last < 25) return false;
    last = now;
    return new Promise((resolve) => setImmediate(() => resolve(stop())));
  };
}
