/**
 * `mo-train run`: one run, in this process, with a progress bar; the results directory has the
 * same layout as a sweep's (a one-run sweep.json), so `summarize` reads both.
 */
import { relative } from 'node:path';
import cliProgress from 'cli-progress';
import { resolveEngine } from '../../engine/create-oracle.js';
import { runDirOf } from '../../io/run-files.js';
import { buildManifest, prepareOutDir, writeSweepManifest } from '../../io/sweep-files.js';
import { executeRun } from '../../runner/execute-run.js';
import { preflight } from '../../runner/preflight.js';
import type { SpecOptions } from '../main.js';
import { specFromOptions } from './spec-from-options.js';
import { summarizeFinishedSweep } from './summarize.js';

export async function runCommand(opts: SpecOptions, argv: readonly string[]): Promise<number> {
  const cwd = process.cwd();
  const spec = specFromOptions(opts, 'run', cwd);
  const config = spec.runs[0]!;
  const { warnings } = await preflight(spec.runs);
  const now = new Date();
  const outDir = prepareOutDir(opts.out, `run-${spec.name}`, now, cwd);
  writeSweepManifest(outDir, buildManifest(spec, argv, now));

  const err = process.stderr;
  err.write(`mo-train run: ${config.id}, ${config.steps} steps, engine ${resolveEngine(config)} → ${relative(cwd, outDir) || '.'}\n`);
  for (const w of warnings) err.write(`warning: ${w}\n`);
  const bar = err.isTTY
    ? new cliProgress.SingleBar({ stream: err, format: '{bar} {percentage}% | step {value}/{total} | ETA {eta_formatted}', hideCursor: true }, cliProgress.Presets.shades_grey)
    : null;
  bar?.start(config.steps, 0);
  let summary;
  try {
    summary = await executeRun(config, runDirOf(outDir, config.id), { onProgress: (done) => bar?.update(done) });
  } finally {
    bar?.stop();
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
