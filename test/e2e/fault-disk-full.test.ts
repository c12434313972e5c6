/**
 * A full disk (issue 4): ENOSPC is injected into the sweep's worker processes by a test-only
 * preload (test/fixtures/preload/enospc-on-steps-csv.mjs, through NODE_OPTIONS, which workers
 * inherit) that makes one run's steps.csv fill up after some bytes. That run fails with ENOSPC;
 * the runs before and after it are intact; no temporary file is left; exit 1; and a resume without
 * the injection completes the sweep byte-identically.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  expectNoTempFiles,
  expectSameResults,
  killStartedClis,
  makeTempDir,
  readJson,
  readResultFiles,
  removeTempDirs,
  requireBuilt,
  root,
} from '../fixtures/e2e-harness.js';

const preload = join(root, 'test', 'fixtures', 'preload', 'enospc-on-steps-csv.mjs');
// Three runs of 5,000 logged steps (~0.3–0.5 MB of steps.csv each), one worker: they go in order.
const SWEEP = ['--alpha', '0,0.1,1', '--steps', '5000', '--jobs', '1'];
const VICTIM = 'alpha=0.1,seed=0';

let work: string;
let base: string;
beforeAll(async () => {
  requireBuilt();
  work = makeTempDir('disk-full');
  const r = await cli(['sweep', ...SWEEP, '--out', 'base'], { cwd: work });
  expect(r.code, r.stderr).toBe(0);
  base = join(work, 'base');
});
afterAll(() => {
  killStartedClis();
  removeTempDirs();
});

const diskFullAfter = (bytes: number) => ({
  NODE_OPTIONS: `--import ${preload}`,
  MO_TRAIN_TEST_ENOSPC_PATH: `${VICTIM}/steps.csv`,
  MO_TRAIN_TEST_ENOSPC_BYTES: String(bytes),
});

describe.concurrent('ENOSPC while a run writes its steps.csv', () => {
  it.each([
    { name: 'in the middle of the file', bytesLeft: () => 100_000 },
    // write(2) on a full disk first writes what fits and returns the short count; only the next
    // write fails. Here the short write is the last one of the file: ignoring its count would
    // "finish" the run with a truncated steps.csv.
    { name: 'in the last write of the file (a short write)', bytesLeft: () => statSync(join(base, 'runs', VICTIM, 'steps.csv')).size - 10 },
  ])('$name: that run fails with ENOSPC, the others are intact, and a resume completes it', async ({ name, bytesLeft }) => {
    const out = name.startsWith('in the middle') ? 'middle' : 'last';
    const dir = join(work, out);
    const r = await cli(['sweep', ...SWEEP, '--out', out], { cwd: work, env: diskFullAfter(bytesLeft()) });

    expect(r.code, r.stderr).toBe(1);
    const failed = readJson(join(dir, 'runs', VICTIM, 'summary.json'));
    expect(failed.status).toBe('failed');
    expect(failed.error.message).toContain('ENOSPC');
    expect(r.stderr).toContain(`mo-train: run ${VICTIM} failed: ENOSPC: no space left on device`);
    // The runs before and after it: byte-identical to the sweep without a full disk.
    const written = readResultFiles(dir);
    const expected = readResultFiles(base);
    for (const id of ['alpha=0,seed=0', 'alpha=1,seed=0']) {
      for (const file of ['config.json', 'steps.csv', 'summary.json', 'final-params.json']) {
        const rel = join('runs', id, file);
        expect(written.get(rel) === expected.get(rel), `${rel} intact`).toBe(true);
      }
    }
    expectNoTempFiles(dir);

    const again = await cli(['sweep', ...SWEEP, '--out', out], { cwd: work });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('resuming: 2 finished, 1 to do (1 again from the start)');
    expectSameResults(dir, base);
    expectNoTempFiles(dir);
  });
});
