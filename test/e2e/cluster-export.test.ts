/**
 * The exported cluster files run what they should: the Kubernetes Job's container command, run
 * here for every JOB_COMPLETION_INDEX, and the Slurm array script, run by bash for every
 * SLURM_ARRAY_TASK_ID, fill the plan's directory with the same results as a local sweep. (The
 * script under a real Slurm: test/e2e/slurm-e2e.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, cli, killStartedClis, makeTempDir, readResultFiles, removeTempDirs, requireBuilt } from '../fixtures/e2e-harness.js';

const GRID = ['--alpha', '0,0.1', '--seeds', '0-1', '--steps', '300'];
let tmp: string;
let reference: string;

beforeAll(async () => {
  requireBuilt();
  tmp = makeTempDir('cluster-export-');
  reference = join(tmp, 'reference');
  expect((await cli(['sweep', ...GRID, '--out', reference], { cwd: tmp })).code).toBe(0);
});

afterAll(() => {
  killStartedClis();
  removeTempDirs();
});

/** The plan's results, summarized, are the local sweep's, byte for byte (wall times aside); the exported files are the only others. */
async function expectSweepResults(out: string, exported: string): Promise<void> {
  expect((await cli(['summarize', out], { cwd: tmp })).code).toBe(0);
  const got = readResultFiles(out);
  const want = readResultFiles(reference);
  expect([...got.keys()].filter((k) => !k.startsWith(`${exported}/`))).toEqual([...want.keys()]);
  for (const [rel, text] of want) expect(got.get(rel), rel).toBe(text);
}

async function plan(out: string): Promise<number> {
  const r = await cli(['plan', ...GRID, '--out', out], { cwd: tmp });
  expect(r.code, r.stderr).toBe(0);
  return Number(r.stdout.trim());
}

describe('export k8s', () => {
  it("the Job's container command, for every JOB_COMPLETION_INDEX, gives the local sweep's results", async () => {
    const out = join(tmp, 'k8s-plan');
    const runs = await plan(out);
    expect(runs).toBe(4);
    const r = await cli(['export', 'k8s', out, '--image', 'example/mo-train:1', '--claim', 'results', '--mo-train', `${process.execPath} ${bin}`], {
      cwd: tmp,
    });
    expect(r.code, r.stderr).toBe(0);
    const job = parse(readFileSync(join(out, 'k8s', 'job.yaml'), 'utf8'));
    expect(job.spec.completions).toBe(runs);
    const [program, ...args] = job.spec.template.spec.containers[0].command as string[];
    for (let i = 0; i < runs; i++) {
      const task = spawnSync(program!, args, { cwd: '/', env: { ...process.env, JOB_COMPLETION_INDEX: String(i) }, encoding: 'utf8' });
      expect(task.status, task.stderr).toBe(0);
    }
    await expectSweepResults(out, 'k8s');
  });
});

describe('export slurm', () => {
  it("the array script, run by bash for every SLURM_ARRAY_TASK_ID, gives the local sweep's results; its log directory exists", async () => {
    const out = join(tmp, 'slurm-plan');
    const runs = await plan(out);
    const r = await cli(['export', 'slurm', out, '--parallel', '2'], { cwd: tmp });
    expect(r.code, r.stderr).toBe(0);
    const script = join(out, 'slurm', 'array.sbatch');
    expect(r.stdout.trim()).toBe(script);
    expect(spawnSync('test', ['-d', join(out, 'slurm', 'logs')]).status).toBe(0);
    for (let i = 0; i < runs; i++) {
      const task = spawnSync('bash', [script], { cwd: '/', env: { ...process.env, SLURM_ARRAY_TASK_ID: String(i) }, encoding: 'utf8' });
      expect(task.status, task.stderr).toBe(0);
    }
    await expectSweepResults(out, 'slurm');
  });

  it('bad input: one line, exit 2, nothing written', async () => {
    const out = join(tmp, 'slurm-bad');
    await plan(out);
    for (const [args, says] of [
      [['export', 'slurm', out, '--parallel', '0'], '--parallel: "0" is not valid; allowed: a whole number from 1'],
      [['export', 'slurm', out, '--sbatch-arg', 'partition=gpu'], '--sbatch-arg: "partition=gpu" is not an sbatch option'],
      [['export', 'slurm', out, '--image', 'x'], '--image, --claim and --retries are for export k8s'],
      [['export', 'k8s', out, '--image', 'x'], 'export k8s: --image and --claim are required'],
      [['export', 'pbs', out], 'export: "pbs" is not an engine it writes for; allowed: slurm, k8s'],
      [['export', 'slurm', join(tmp, 'nowhere')], 'has no sweep.json'],
    ] as const) {
      const r = await cli(args, { cwd: tmp });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(says);
    }
    expect(spawnSync('test', ['-e', join(out, 'slurm')]).status).not.toBe(0);
    expect(spawnSync('test', ['-e', join(out, 'k8s')]).status).not.toBe(0);
  });
});
