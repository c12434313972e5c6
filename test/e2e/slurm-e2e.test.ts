/**
 * Issue 13 against a real Slurm (test/fixtures/slurm-cluster.ts: a private single-node cluster):
 * `plan` → `export slurm` → `sbatch --wait` fills the plan's directory with a local sweep's
 * results; a task that fails is reported (sbatch's exit code, `status`) and a resubmission does
 * only it; `scancel` of a running array leaves its runs to do, and the same script submitted again
 * finishes the plan. Needs root, slurm-wlm and munge (.ci/run installs them).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, killStartedClis, makeTempDir, readJson, readResultFiles, removeTempDirs, requireBuilt } from '../fixtures/e2e-harness.js';
import { nodeCommand, step } from '../fixtures/command/command-helpers.js';
import { startSlurm, type SlurmCluster } from '../fixtures/slurm-cluster.js';

let cluster: SlurmCluster | undefined;
let tmp: string;

beforeAll(async () => {
  requireBuilt();
  tmp = makeTempDir('slurm-e2e-');
  cluster = await startSlurm();
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  killStartedClis();
  removeTempDirs();
});

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A Slurm client command against the test's cluster, with `env` added (sbatch passes its environment on to the tasks). */
function slurm(command: string, args: readonly string[], env: Record<string, string> = {}, timeoutMs = 150_000): Promise<Result> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: tmp, env: { ...process.env, ...cluster!.env, ...env }, timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr: stderr || (error?.message ?? '') }),
    );
  });
}

async function until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}\n${cluster!.logs()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A plan of `args` in `out` (absolute), its Slurm script exported; the script's path. */
async function planForSlurm(out: string, args: readonly string[]): Promise<string> {
  const planned = await cli(['plan', ...args, '--out', out], { cwd: tmp });
  expect(planned.code, planned.stderr).toBe(0);
  const exported = await cli(['export', 'slurm', out, '--parallel', '2'], { cwd: tmp });
  expect(exported.code, exported.stderr).toBe(0);
  return exported.stdout.trim();
}

/** `out`'s runs and, once summarized, its tables are those of a local sweep in `reference` (wall times aside). */
async function expectSweepResults(out: string, reference: string): Promise<void> {
  expect((await cli(['summarize', out], { cwd: tmp })).code).toBe(0);
  const got = readResultFiles(out);
  const want = readResultFiles(reference);
  expect([...got.keys()].filter((k) => !k.startsWith('slurm/'))).toEqual([...want.keys()]);
  for (const [rel, text] of want) expect(got.get(rel), rel).toBe(text);
}

describe('a plan as a Slurm job array', () => {
  it('plan → export slurm → sbatch --wait → summarize: the local sweep’s results, byte for byte; one log per task', async () => {
    const grid = ['--alpha', '0,0.1', '--seeds', '0-1', '--steps', '300'];
    const reference = join(tmp, 'reference');
    expect((await cli(['sweep', ...grid, '--out', reference], { cwd: tmp })).code).toBe(0);
    const out = join(tmp, 'planned');
    const script = await planForSlurm(out, grid);
    const submitted = await slurm('sbatch', ['--wait', '--parsable', script]);
    expect(submitted.code, `${submitted.stderr}\n${cluster!.logs()}`).toBe(0);
    const job = submitted.stdout.trim();
    expect(readdirSync(join(out, 'slurm', 'logs')).sort()).toEqual([0, 1, 2, 3].flatMap((i) => [`${job}_${i}.err`, `${job}_${i}.out`]).sort());
    await expectSweepResults(out, reference);
    const status = await cli(['status', out], { cwd: tmp });
    expect(status.code).toBe(0);
    expect(status.stdout.split('\n')[0]).toBe(`${out}: 4 runs — 4 finished, 0 failed, 0 running, 0 stale, 0 pending`);
  });

  it('a task that fails: sbatch --wait exits non-zero, status names the run and its index; the same script again redoes only it', async () => {
    const out = join(tmp, 'failing');
    const script = await planForSlurm(out, ['--command', nodeCommand('fails-when-told.mjs'), '--alpha', '0', '--seeds', '0-2', '--steps', '5']);
    const failing = await slurm('sbatch', ['--wait', '--parsable', script], { MO_TRAIN_TEST_FAIL_SEED: '1' });
    expect(failing.code, failing.stderr).not.toBe(0);
    expect(readJson(join(out, 'runs', 'alpha=0,seed=1', 'summary.json'))).toMatchObject({ status: 'failed', error: { exit_code: 1 } });
    const status = await cli(['status', out], { cwd: tmp });
    expect(status.code).toBe(1);
    expect(status.stdout).toContain('2 finished, 1 failed, 0 running, 0 stale, 0 pending');
    expect(status.stdout).toContain('  failed alpha=0,seed=1: the script exited with code 1 after 1 logged step');
    expect(status.stdout).toContain('left to do, by index: 1\n');
    const finishedBefore = readJson(join(out, 'runs', 'alpha=0,seed=0', 'summary.json'));

    const again = await slurm('sbatch', ['--wait', '--parsable', script]);
    expect(again.code, again.stderr).toBe(0);
    expect(readJson(join(out, 'runs', 'alpha=0,seed=1', 'summary.json'))).toMatchObject({ status: 'finished', rows_logged: 5 });
    // The finished runs were skipped, not done again: their summaries are the very same.
    expect(readJson(join(out, 'runs', 'alpha=0,seed=0', 'summary.json'))).toEqual(finishedBefore);
    expect((await cli(['status', out], { cwd: tmp })).code).toBe(0);
  });

  it('scancel of a running array: its runs are left unfinished and unclaimed; the same script submitted again finishes the plan as a local sweep would', async () => {
    // Each run prints a step, then waits 30 s when MO_TRAIN_TEST_HANG=1 (not part of the plan), then its last step.
    const command = nodeCommand('script.mjs', step({ step: 0, loss1: 1, loss2: 2 }), 'hang:30000', step({ step: 1, loss1: 0.5, loss2: 2 }));
    const grid = ['--command', command, '--alpha', '0,1', '--seeds', '0-1'];
    const reference = join(tmp, 'reference-cancel');
    expect((await cli(['sweep', ...grid, '--out', reference], { cwd: tmp })).code).toBe(0);
    const out = join(tmp, 'cancelled');
    const script = await planForSlurm(out, grid);
    const submitted = await slurm('sbatch', ['--parsable', script], { MO_TRAIN_TEST_HANG: '1' });
    expect(submitted.code, submitted.stderr).toBe(0);
    const job = submitted.stdout.trim();
    // Two tasks at a time (%2): both running, each with its claim and its first step logged.
    await until('two runs claimed', () => existsSync(join(out, 'claims')) && readdirSync(join(out, 'claims')).filter((f) => f.endsWith('.claim')).length === 2);
    const cancelled = await slurm('scancel', [job]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    await until('the array to be gone', async () => (await slurm('squeue', ['-h', '-j', job, '-t', 'PENDING,RUNNING,COMPLETING'])).stdout.trim() === '');
    // SIGTERM reached mo-train work: the two runs it was doing are interrupted, their claims released.
    await until('the claims to be released', () => readdirSync(join(out, 'claims')).filter((f) => f.endsWith('.claim')).length === 0);
    const status = await cli(['status', out], { cwd: tmp });
    expect(status.code).toBe(1);
    expect(status.stdout).toContain('0 finished, 0 failed, 0 running, 0 stale, 4 pending');
    expect(status.stdout).toContain('left to do, by index: 0-3\n');

    const again = await slurm('sbatch', ['--wait', '--parsable', script]);
    expect(again.code, again.stderr).toBe(0);
    await expectSweepResults(out, reference);
  });
});
