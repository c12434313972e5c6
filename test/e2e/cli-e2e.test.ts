/**
 * End to end: the built CLI (bin/mo-train.js → dist/) run as a user runs it, in a temporary
 * directory, checking exit codes, what it prints and the files it writes.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'bin', 'mo-train.js');
const refDir = join(root, 'test', 'fixtures', 'torch');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], cwd: string): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

type Row = Record<string, string>;
const readCsv = (path: string): Row[] => parse(readFileSync(path, 'utf8'), { columns: true }) as Row[];
const readJson = (path: string): any => JSON.parse(readFileSync(path, 'utf8'));

let work: string;
beforeAll(() => {
  expect(existsSync(join(root, 'dist', 'cli', 'main.js')), 'run `npm run build` (npm test does) before these tests').toBe(true);
  work = mkdtempSync(join(tmpdir(), 'mo-train-e2e-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('mo-train run', () => {
  it('trains one run (the issue example, shorter) and writes the results layout', async () => {
    const r = await cli(['run', '--alpha', '0.1', '--seed', '3', '--steps', '2000', '--optimizer', 'sgd', '--lr', '0.01', '--out', 'r1'], work);
    expect(r.code).toBe(0);
    const runDir = join(work, 'r1', 'runs', 'alpha=0.1,seed=3');
    expect(readdirSync(runDir).sort()).toEqual(['config.json', 'final-params.json', 'steps.csv', 'summary.json']);
    const rows = readCsv(join(runDir, 'steps.csv'));
    expect(Object.keys(rows[0]!)).toEqual(['step', 'loss1', 'loss2', 'total', 'grad_norm1', 'grad_norm2', 'param_norm', 'weight', 'cos12']);
    expect(rows).toHaveLength(2000);
    expect(rows.map((x) => Number(x.step))).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    const summary = readJson(join(runDir, 'summary.json'));
    expect(summary.status).toBe('finished');
    expect(summary.engine).toBe('fused');
    expect(summary.steps_run).toBe(2000);
    expect(summary.final.loss1).toBe(Number(rows.at(-1)!.loss1));
    expect(summary.final.loss2).toBe(Number(rows.at(-1)!.loss2));
    for (const row of rows.slice(0, 50)) expect(Number(row.total)).toBeCloseTo(Number(row.loss1) - 0.1 * Number(row.loss2), 9);
    const config = readJson(join(runDir, 'config.json'));
    expect(config.optimizer).toMatchObject({ name: 'sgd', lr: 0.01, momentum: 0 });
    expect(config.alpha).toBe(0.1);
    const params = readJson(join(runDir, 'final-params.json'));
    expect(Object.keys(params)).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias', 'fc3.weight', 'fc3.bias']);
    expect(params['fc2.weight']).toHaveLength(10);
    expect(params['fc2.weight'][0]).toHaveLength(5);
    // The table shows this run with its verdict and the last row's losses.
    expect(r.stdout).toContain('alpha=0.1,seed=3');
    expect(r.stdout).toContain(summary.verdict);
    expect(r.stderr).toContain('mo-train run: alpha=0.1,seed=3, 2000 steps, engine fused');
  });

  it('--init starts from a PyTorch state_dict: the reference trajectory comes out of steps.csv', async () => {
    const ref = readJson(join(refDir, 'seed1-momentum-a0.01.json'));
    const init = join(work, 'init-seed1.json');
    writeFileSync(init, JSON.stringify(ref.init));
    const features = JSON.stringify(ref.features);
    const r = await cli(
      [
        'run',
        '--init',
        init,
        '--set',
        `experiment.features=${features}`,
        '--alpha',
        String(ref.alpha),
        '--seed',
        '7',
        '--optimizer',
        'momentum',
        '--lr',
        String(ref.optimizer.lr),
        '--steps',
        String(ref.steps),
        '--out',
        'init',
      ],
      work,
    );
    expect(r.code).toBe(0);
    const rows = readCsv(join(work, 'init', 'runs', 'alpha=0.01,seed=7', 'steps.csv'));
    expect(rows).toHaveLength(ref.steps);
    rows.forEach((row, i) => {
      expect(Math.abs(Number(row.loss1) - ref.loss1[i]) / Math.max(1, Math.abs(ref.loss1[i]))).toBeLessThan(1e-9);
      expect(Math.abs(Number(row.loss2) - ref.loss2[i]) / Math.max(1, Math.abs(ref.loss2[i]))).toBeLessThan(1e-9);
    });
    // The saved final parameters are a valid --init for the next run.
    const again = await cli(['run', '--init', join(work, 'init', 'runs', 'alpha=0.01,seed=7', 'final-params.json'), '--steps', '5', '--out', 'init2'], work);
    expect(again.code).toBe(0);
  });

  it("names the default results directory after the module's own name, else after its file name made safe", async () => {
    const dir = join(work, 'names');
    mkdirSync(dir);
    const named = await cli(['run', '--module', join(root, 'test', 'fixtures', 'modules', 'functional.mjs'), '--steps', '2'], dir);
    expect(named.code, named.stderr).toBe(0);
    // A module without a name, in a file whose name is no directory name.
    const text = readFileSync(join(root, 'test', 'fixtures', 'modules', 'functional.mjs'), 'utf8').replace(/^\s*name: .*\n/m, '');
    writeFileSync(join(dir, 'α mlp.mjs'), text);
    const unnamed = await cli(['run', '--module', 'α mlp.mjs', '--steps', '2'], dir);
    expect(unnamed.code, unnamed.stderr).toBe(0);
    const made = readdirSync(join(dir, 'results')).map((d) => d.replace(/-\d{8}-\d{6}(-\d+)?$/, ''));
    expect(made.sort()).toEqual(['run-functional-js', 'run-α-mlp']);
  });

  it('a user module runs on the tfjs engine', async () => {
    const r = await cli(['run', '--module', join(root, 'experiments', 'seed.ts'), '--alpha', '0.5', '--steps', '200', '--out', 'mod'], work);
    expect(r.code).toBe(0);
    const summary = readJson(join(work, 'mod', 'runs', 'alpha=0.5,seed=0', 'summary.json'));
    expect(summary.engine).toBe('tfjs');
    expect(summary.rows_logged).toBe(200);
    expect(summary.no_gradient).toEqual([]);
  });

  it("says so when loss2 has no gradient (the seed question's bug), before training and in the summary", async () => {
    const r = await cli(
      ['run', '--module', join(root, 'test', 'fixtures', 'modules', 'detached-loss2.ts'), '--alpha', '1', '--steps', '50', '--out', 'detached'],
      work,
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: loss2 .* has no gradient/);
    const summary = readJson(join(work, 'detached', 'runs', 'alpha=1,seed=0', 'summary.json'));
    expect(summary.no_gradient).toEqual(['loss2']);
    expect(summary.warnings.join(' ')).toContain('no gradient');
    expect(r.stdout).toContain('loss2 has no gradient');
  });
});

describe('mo-train sweep and summarize', () => {
  let sweepDir: string;
  let sweep: Result;
  beforeAll(async () => {
    sweep = await cli(['sweep', '--alpha', '0,0.01,0.1,1', '--seeds', '0-1', '--steps', '3000', '--jobs', '2', '--out', 'sweep'], work);
    sweepDir = join(work, 'sweep');
  });

  it('runs one job per α × seed and exits 0', () => {
    expect(sweep.code).toBe(0);
    const ids = readdirSync(join(sweepDir, 'runs')).sort();
    expect(ids).toEqual([0, 0.01, 0.1, 1].flatMap((a) => [0, 1].map((s) => `alpha=${a},seed=${s}`)).sort());
    const manifest = readJson(join(sweepDir, 'sweep.json'));
    expect(manifest.grid).toEqual({ alpha: [0, 0.01, 0.1, 1], seeds: [0, 1], axes: [] });
    expect(manifest.runs).toHaveLength(8);
    for (const id of ids) expect(existsSync(join(sweepDir, 'runs', id, 'summary.json'))).toBe(true);
  });

  it('shows what the question is about: α = 0 fits loss1, α > 0 drives loss2 up', () => {
    const summary = (id: string) => readJson(join(sweepDir, 'runs', id, 'summary.json'));
    for (const seed of [0, 1]) {
      const base = summary(`alpha=0,seed=${seed}`);
      expect(base.verdict).toBe('converged');
      expect(base.final.loss1).toBeLessThan(1e-6);
      for (const alpha of [0.01, 0.1, 1]) {
        const s = summary(`alpha=${alpha},seed=${seed}`);
        expect(s.loss2_behaviour).toBe('growing');
        expect(s.final.loss2).toBeGreaterThan(5 * base.final.loss2);
        expect(['drifting', 'oscillating']).toContain(s.verdict);
      }
    }
  });

  it('prints a table whose rows match the CSVs', () => {
    const table = readCsv(join(sweepDir, 'summary.csv'));
    expect(table).toHaveLength(8);
    for (const row of table) {
      const steps = readCsv(join(sweepDir, 'runs', row.id!, 'steps.csv'));
      expect(Number(row.final_loss1)).toBe(Number(steps.at(-1)!.loss1));
      expect(Number(row.final_loss2)).toBe(Number(steps.at(-1)!.loss2));
      const line = sweep.stdout.split('\n').find((l) => l.startsWith(`${row.id} `));
      expect(line, `table row for ${row.id}`).toBeDefined();
      expect(line).toContain(row.verdict);
    }
    const byAlpha = readCsv(join(sweepDir, 'by-alpha.csv'));
    expect(byAlpha.map((r) => Number(r.alpha))).toEqual([0, 0.01, 0.1, 1]);
    expect(byAlpha.every((r) => Number(r.runs) === 2)).toBe(true);
    expect(Number(byAlpha[0]!.converged)).toBe(2);
  });

  it('summarize --json reports the same numbers', async () => {
    const r = await cli(['summarize', sweepDir, '--json'], work);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const table = readCsv(join(sweepDir, 'summary.csv'));
    expect(doc.runs).toHaveLength(8);
    for (const row of table) {
      const run = doc.runs.find((x: any) => x.id === row.id);
      expect(run.summary.final.loss1).toBe(Number(row.final_loss1));
    }
  });
});

describe('sweeps of other settings and modules', () => {
  it('--spec with --seeds and --set sweeps the learning rate too', async () => {
    const r = await cli(
      ['sweep', '--spec', join(root, 'experiments', 'seed.yaml'), '--seeds', '0-1', '--steps', '300', '--set', 'optimizer.lr=1e-3,1e-2', '--out', 'lr'],
      work,
    );
    expect(r.code).toBe(0);
    const ids = readdirSync(join(work, 'lr', 'runs'));
    expect(ids).toHaveLength(4 * 2 * 2);
    expect(ids).toContain('alpha=0.1,seed=1,optimizer.lr=0.01');
    expect(readJson(join(work, 'lr', 'runs', 'alpha=0.1,seed=1,optimizer.lr=0.01', 'config.json')).optimizer.lr).toBe(0.01);
    const byAlpha = readCsv(join(work, 'lr', 'by-alpha.csv'));
    expect(byAlpha).toHaveLength(8);
  });

  it('a run that throws is recorded as failed, the others finish, and the sweep exits 1', async () => {
    const mod = join(root, 'test', 'fixtures', 'modules', 'throws-at-step.ts');
    const r = await cli(['sweep', '--module', mod, '--alpha', '0', '--seeds', '0-2', '--steps', '20', '--jobs', '2', '--out', 'fail'], work);
    expect(r.code).toBe(1);
    const summary = (seed: number) => readJson(join(work, 'fail', 'runs', `alpha=0,seed=${seed}`, 'summary.json'));
    expect(summary(1).status).toBe('failed');
    expect(summary(1).error.message).toContain('simulated failure in loss1 at step 3');
    expect(summary(0).status).toBe('finished');
    expect(summary(2).status).toBe('finished');
    expect(r.stderr).toContain('run alpha=0,seed=1 failed: ');
    expect(r.stdout).toMatch(/alpha=0,seed=1 +failed/);
  });
});

describe('bad input: one line, exit 2, nothing written', () => {
  it.each([
    [['sweep', '--alpha', '0.1x'], '--alpha'],
    [['sweep', '--alpha', '-1'], '--alpha'],
    [['sweep', '--alpha', 'NaN'], '--alpha'],
    [['sweep', '--seeds', '0,0'], '--seeds'],
    [['sweep', '--steps', '0'], '--steps'],
    [['run', '--steps', '2.5'], '--steps'],
    [['sweep', '--set', 'optimzer.lr=1'], 'did you mean "optimizer.lr"'],
    [['sweep', '--alpah', '1'], 'did you mean --alpha'],
    [['run', '--alpha', '0,1'], 'mo-train sweep'],
    [['run', '--module', 'missing.ts'], '--module'],
    [['run', '--spec', 'missing.yaml'], '--spec missing.yaml'],
    [['run', '--backend', 'tensorflow', '--engine', 'tfjs'], 'tfjs-node'],
    [['sweep', '--jobs', '0'], '--jobs'],
    [['summarize', 'no-such-dir'], 'no-such-dir'],
  ])('%j', async (args, message) => {
    const dir = mkdtempSync(join(work, 'bad-'));
    const r = await cli(args, dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.startsWith('mo-train: ')).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('never writes into an existing non-empty --out', async () => {
    const dir = join(work, 'taken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'keep.txt'), 'mine');
    const r = await cli(['run', '--steps', '10', '--out', 'taken'], work);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--out taken');
    expect(readdirSync(dir)).toEqual(['keep.txt']);
    expect(readFileSync(join(dir, 'keep.txt'), 'utf8')).toBe('mine');
  });
});
