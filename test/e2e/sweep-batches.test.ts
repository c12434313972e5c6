/**
 * Short runs of the fused engine go to the workers in batches (runner/run-groups.ts): each run of a
 * batch is still its own run — the same files as when it runs alone — and a worker that dies in the
 * middle of a batch takes only the run it was doing: the runs it had finished keep their results,
 * those it had not started are done by the next worker.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planRunGroups } from '../../src/runner/run-groups.js';
import { cli, killStartedClis, makeTempDir, removeTempDirs, requireBuilt, startCli, waitFor } from '../fixtures/e2e-harness.js';

let work: string;
beforeAll(() => {
  requireBuilt();
  work = makeTempDir('sweep-batches');
});
afterAll(() => {
  killStartedClis();
  removeTempDirs();
});

/** A run's files as compared: summary.json without its wall time. */
function runFiles(dir: string): Record<string, string> {
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
  delete summary.wall_time_s;
  return {
    'config.json': readFileSync(join(dir, 'config.json'), 'utf8'),
    'steps.csv': readFileSync(join(dir, 'steps.csv'), 'utf8'),
    'final-params.json': readFileSync(join(dir, 'final-params.json'), 'utf8'),
    'summary.json': JSON.stringify(summary),
  };
}

describe('short runs in batches', () => {
  it('batches only short fused runs, several batches per worker, in order', async () => {
    const { parseSweepSpec } = await import('../../src/spec/parse-spec.js');
    const ctx = { mode: 'sweep' as const, cwd: work, resolveFile: (p: string) => ({ absPath: p, sha256: 'x' }) };
    const spec = (steps: string, seeds: string) => {
      const r = parseSweepSpec({ alpha: '0,0.5', seeds, steps }, undefined, ctx);
      if (!r.ok) throw new Error(r.errors.join('; '));
      return r.spec.runs;
    };
    // 40 runs, 2 workers: batches of at most 40 / (4 × 2) = 5 runs, made of whole pairs (4 runs).
    const short = planRunGroups(spec('300', '0-19'), 2);
    expect(short.flat()).toEqual([...Array(40).keys()]);
    expect(short.map((g) => g.length)).toEqual(Array(10).fill(4));
    // Long runs too: pairs in the SIMD lanes, batched so that a pair's files are written while the next one trains.
    expect(planRunGroups(spec('5000', '0-19'), 2)).toEqual(Array.from({ length: 10 }, (_, k) => [4 * k, 4 * k + 1, 4 * k + 2, 4 * k + 3]));
    // Too few to share out: one pair at a time.
    expect(planRunGroups(spec('300', '0-2'), 2)).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    // MO_TRAIN_LANES=off: long runs one at a time, short ones still in batches (of single runs: 5).
    const before = process.env.MO_TRAIN_LANES;
    process.env.MO_TRAIN_LANES = 'off';
    try {
      expect(planRunGroups(spec('5000', '0-19'), 2).every((g) => g.length === 1)).toBe(true);
      expect(planRunGroups(spec('300', '0-19'), 2).map((g) => g.length)).toEqual(Array(8).fill(5));
    } finally {
      if (before === undefined) delete process.env.MO_TRAIN_LANES;
      else process.env.MO_TRAIN_LANES = before;
    }
  });

  it('a run in a batch writes the same files as the same run alone', async () => {
    const args = ['--alpha', '0,0.5', '--seeds', '0-19', '--steps', '300', '--log-every', '10'];
    const r = await cli(['sweep', ...args, '--jobs', '2', '--out', 'batched'], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(work, 'batched', 'runs'))).toHaveLength(40);
    for (const [alpha, seed] of [
      [0, 0],
      [0.5, 7],
      [0.5, 19],
    ] as const) {
      const alone = await cli(
        ['run', '--alpha', String(alpha), '--seed', String(seed), '--steps', '300', '--log-every', '10', '--out', `alone-${alpha}-${seed}`],
        {
          cwd: work,
        },
      );
      expect(alone.code, alone.stderr).toBe(0);
      const id = `alpha=${alpha},seed=${seed}`;
      expect(runFiles(join(work, 'batched', 'runs', id))).toEqual(runFiles(join(work, `alone-${alpha}-${seed}`, 'runs', id)));
    }
  });

  it('a worker killed in the middle of a batch: the sweep goes on; its finished runs are kept, the rest done by the next worker', async () => {
    const out = join(work, 'killed');
    const sweep = startCli(['sweep', '--alpha', '0', '--seeds', '0-59', '--steps', '2000', '--log-every', '10', '--jobs', '1', '--out', out], {
      cwd: work,
      timeoutMs: 120_000,
    });
    const summaries = () =>
      existsSync(join(out, 'runs')) ? readdirSync(join(out, 'runs')).filter((id) => existsSync(join(out, 'runs', id, 'summary.json'))).length : 0;
    await waitFor('a few runs finished', () => summaries() >= 5, { while: sweep });
    const worker = Number(
      execFileSync('pgrep', ['-P', String(sweep.pid)], { encoding: 'utf8' })
        .trim()
        .split('\n')[0],
    );
    process.kill(worker, 'SIGKILL');
    const r = await sweep.done;
    const runs = readdirSync(join(out, 'runs'));
    expect(runs).toHaveLength(60);
    const statuses = runs.map((id) => (JSON.parse(readFileSync(join(out, 'runs', id, 'summary.json'), 'utf8')) as { status: string }).status);
    const failed = statuses.filter((s) => s === 'failed').length;
    // The runs it was doing — a pair in the lanes, or one run — failed (none if it was between
    // two); every other finished.
    expect(failed).toBeLessThanOrEqual(2);
    expect(statuses.filter((s) => s === 'finished')).toHaveLength(60 - failed);
    // A finished run has all its files, complete — also one whose files were still being written
    // (while its worker trained the next pair) when the worker was killed.
    for (const id of runs) {
      const dir = join(out, 'runs', id);
      if ((JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { status: string }).status !== 'finished') continue;
      const rows = readFileSync(join(dir, 'steps.csv'), 'utf8').trim().split('\n');
      expect(rows.at(-1)!.split(',')[0], id).toBe('1999');
      expect(Object.keys(JSON.parse(readFileSync(join(dir, 'final-params.json'), 'utf8')) as object), id).toContain('fc1.weight');
    }
    expect(r.code, r.stderr).toBe(failed > 0 ? 1 : 0);
    if (failed > 0) expect(r.stderr).toMatch(/the worker process running this run died \(killed by SIGKILL\)/);
  });
});
