/**
 * `mo-train sweep`: validate → preflight → create the results directory → run the grid in the
 * worker pool with progress → print the summary tables.
 */
import { relative } from 'node:path';
import { availableParallelism } from 'node:os';
import { UserError } from '../../errors.js';
import { resolveEngine } from '../../engine/create-oracle.js';
import { buildManifest, prepareOutDir, writeSweepManifest } from '../../io/sweep-files.js';
import { preflight } from '../../runner/preflight.js';
import { runSweepRuns, startWorkerPool } from '../../runner/run-sweep.js';
import type { SweepOptions } from '../main.js';
import { createProgress } from '../progress.js';
import { describeGrid, specFromOptions } from './spec-from-options.js';
import { summarizeFinishedSweep } from './summarize.js';

export async function sweepCommand(opts: SweepOptions, argv: readonly string[]): Promise<number> {
  const cwd = process.cwd();
  const spec = specFromOptions(opts, 'sweep', cwd);
  const err = process.stderr;
  const workers = Math.min(parseJobs(opts.jobs), spec.runs.length);
  const pool = startWorkerPool(workers);
  let summaries;
  try {
    const { warnings } = await preflight(spec.runs);
    const now = new Date();
    const outDir = prepareOutDir(opts.out, spec.name, now, cwd);
    writeSweepManifest(outDir, buildManifest(spec, argv, now));

    const engines = [...new Set(spec.runs.map((r) => resolveEngine(r)))].join('+');
    const steps = [...new Set(spec.runs.map((r) => r.steps))].join('/');
    err.write(
      `mo-train sweep: ${spec.runs.length} runs (${describeGrid(spec)}), ${steps} steps each, engine ${engines}, ` +
        `${workers} worker${workers === 1 ? '' : 's'} → ${relative(cwd, outDir) || '.'}\n`,
    );
    for (const w of warnings) err.write(`warning: ${w}\n`);

    const progress = createProgress({ stepsOf: new Map(spec.runs.map((r) => [r.id, r.steps])), jobs: workers, stream: err });
    try {
      summaries = await runSweepRuns(pool, spec.runs, outDir, progress);
    } finally {
      progress.stop();
    }
    process.stdout.write('\n');
    const code = summarizeFinishedSweep(outDir, spec.name, summaries);
    if (code !== 0) return code;
  } finally {
    await pool.terminate();
  }
  const failed = summaries.filter((s) => s.status === 'failed');
  for (const s of failed) err.write(`mo-train: run ${s.id} failed: ${s.error?.message.split('\n')[0] ?? 'unknown error'}\n`);
  if (failed.length > 0) {
    err.write(`mo-train: ${failed.length} of ${summaries.length} runs failed (details in runs/<id>/summary.json)\n`);
    return 1;
  }
  if (opts.strict && summaries.some((s) => s.verdict === 'diverged')) return 1;
  return 0;
}

function parseJobs(text: string | undefined): number {
  if (text === undefined) return availableParallelism();
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1 || n > 1024) {
    throw new UserError(`--jobs: "${text}" is not a valid number of workers; allowed: an integer from 1 to 1024`);
  }
  return n;
}
