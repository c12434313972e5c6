/**
 * The sweep's worker processes (issue 10): none starts before everything is checked (spec, flags,
 * preflight, output directory), no more start than there are runs to do, and an absurd --jobs is
 * refused. Counted with a preload that logs every Node process start (workers inherit
 * NODE_OPTIONS), so a worker started and killed at once is still seen.
 */
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, killStartedClis, listFiles, makeTempDir, modulesDir, removeTempDirs, requireBuilt, root } from '../fixtures/e2e-harness.js';

const preload = join(root, 'test', 'fixtures', 'preload', 'record-process-start.mjs');
/** The most workers --jobs accepts on this machine (documented in the README and --help). */
const maxJobs = 4 * availableParallelism();
/** As many workers as allowed, up to 8: more than any sweep below has runs. */
const manyJobs = String(Math.min(8, maxJobs));

beforeAll(requireBuilt);
afterAll(() => {
  killStartedClis();
  removeTempDirs();
});

/** Runs the CLI in `cwd`, returning its result and how many sweep workers it started. */
async function sweepCountingWorkers(args: readonly string[], cwd: string) {
  const log = join(makeTempDir('process-log'), 'starts.log');
  const r = await cli(args, { cwd, env: { NODE_OPTIONS: `--import ${preload}`, MO_TRAIN_TEST_PROCESS_LOG: log }, timeoutMs: 60_000 });
  const starts = existsSync(log) ? readFileSync(log, 'utf8').trimEnd().split('\n') : [];
  // The CLI's own start is logged too: it must be there, or the preload did not run and a count of 0 would prove nothing.
  expect(
    starts.some((l) => l.endsWith('mo-train.js')),
    `the preload did not run: ${starts.join('; ')}`,
  ).toBe(true);
  return { ...r, workers: starts.filter((l) => l.endsWith('worker.js')).length };
}

describe('a sweep that is refused starts no worker', () => {
  it.concurrent.each([
    { name: 'a negative α', args: ['--alpha', '-1'], says: '--alpha' },
    { name: 'a module of the wrong shape (checked by loading it)', args: () => ['--module', join(modulesDir, 'wrong-shape.ts')], says: 'missing: loss1' },
    { name: '--combine reversal on an experiment without an adversary (preflight)', args: ['--combine', 'reversal'], says: 'reversal' },
    { name: 'an --out that is not empty', args: ['--out', 'taken'], says: '--out taken', taken: true },
  ])(`$name, with --jobs ${manyJobs}: exit 2, one line, no worker`, async ({ args, says, taken }) => {
    const cwd = makeTempDir('refused');
    if (taken) {
      mkdirSync(join(cwd, 'taken'));
      writeFileSync(join(cwd, 'taken', 'keep.txt'), 'mine');
    }
    const before = listFiles(cwd);
    const r = await sweepCountingWorkers(['sweep', ...(typeof args === 'function' ? args() : args), '--steps', '50', '--jobs', manyJobs], cwd);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
    expect(r.stderr).toContain(says);
    expect(r.workers).toBe(0);
    expect(listFiles(cwd)).toEqual(before);
  });
});

describe('--jobs', () => {
  it.concurrent.each([String(maxJobs + 1), '1000'])(
    '--jobs %s (above 4 × the cores) is refused: exit 2, one line naming the limit, no worker',
    async (jobs) => {
      const cwd = makeTempDir('jobs-cap');
      const r = await sweepCountingWorkers(['sweep', '--alpha', '0,0.1', '--steps', '50', '--jobs', jobs], cwd);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toBe(
        `mo-train: --jobs: "${jobs}" is not valid; allowed: a whole number of workers from 1 to ${maxJobs} (4 × this machine's ${availableParallelism()} cores)\n`,
      );
      expect(r.workers).toBe(0);
      expect(listFiles(cwd)).toEqual([]);
    },
  );

  it(`a 2-run sweep with --jobs ${manyJobs} starts at most 2 workers`, async () => {
    const cwd = makeTempDir('two-runs');
    const r = await sweepCountingWorkers(['sweep', '--alpha', '0,0.1', '--steps', '50', '--jobs', manyJobs, '--out', 'out'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(', 2 workers → out\n');
    expect(r.workers).toBeGreaterThanOrEqual(1);
    expect(r.workers).toBeLessThanOrEqual(2);
  });

  it(`a resumed sweep starts only as many workers as it has runs left to do (--jobs ${manyJobs})`, async () => {
    const cwd = makeTempDir('resume-workers');
    const made = await cli(['sweep', '--alpha', '0,0.1,1', '--steps', '50', '--jobs', '1', '--out', 'out'], { cwd });
    expect(made.code, made.stderr).toBe(0);

    // Everything finished: nothing to do, no worker.
    const none = await sweepCountingWorkers(['sweep', '--resume', 'out', '--jobs', manyJobs], cwd);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stderr).toContain('resuming: 3 finished, 0 to do');
    expect(none.workers).toBe(0);

    // One run unfinished: one worker.
    rmSync(join(cwd, 'out', 'runs', 'alpha=0.1,seed=0', 'summary.json'));
    const one = await sweepCountingWorkers(['sweep', '--resume', 'out', '--jobs', manyJobs], cwd);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stderr).toContain('resuming: 2 finished, 1 to do (1 again from the start)');
    expect(one.workers).toBe(1);
  });
});
