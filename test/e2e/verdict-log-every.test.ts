/**
 * A verdict is a property of the training, not of how much of it was written to steps.csv: the
 * same run logged every step, every 7th, 100th, 1000th, or only its first and last step gets the
 * same verdict, explanation and window statistics (issue 10: `--log-every 20000` on a 10,000-step
 * run used to call an oscillating run converged "over the last 1 steps").
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, makeTempDir, readJson, removeTempDirs, requireBuilt } from '../fixtures/e2e-harness.js';

const LOG_EVERY = [1, 7, 100, 1000, 20000];

let dir: string;
let diverging: string;

beforeAll(async () => {
  requireBuilt();
  const tmp = makeTempDir('mo-train-log-every-');
  dir = join(tmp, 'sweep');
  diverging = join(tmp, 'diverging');
  const sweep = await cli(['sweep', '--alpha', '0,0.01,1', '--set', `log_every=${LOG_EVERY.join(',')}`, '--out', dir], { cwd: tmp, timeoutMs: 120_000 });
  expect(sweep.code, sweep.stderr).toBe(0);
  // SGD at lr 0.2 from seed 3 overflows within a few dozen steps; the run is 2,000 steps long.
  const div = await cli(
    [
      'sweep',
      '--alpha',
      '0',
      '--seeds',
      '3',
      '--steps',
      '2000',
      '--optimizer',
      'sgd',
      '--lr',
      '0.2',
      '--set',
      `log_every=${LOG_EVERY.join(',')}`,
      '--out',
      diverging,
    ],
    { cwd: tmp, timeoutMs: 120_000 },
  );
  expect(div.code, div.stderr).toBe(0);
}, 180_000);

afterAll(() => removeTempDirs());

function summaries(root: string, alpha: number, seed = 0) {
  return LOG_EVERY.map((k) => ({ k, s: readJson(join(root, 'runs', `alpha=${alpha},seed=${seed},log_every=${k}`, 'summary.json')) }));
}

/** The window statistics apart from `rows` (how many of the window's steps were logged). */
function judged(s: { window: Record<string, number> | null }) {
  if (!s.window) return null;
  const { rows: _rows, ...rest } = s.window;
  return rest;
}

describe('the verdict does not depend on --log-every', () => {
  it.each([
    ['converged', 0],
    ['drifting', 0.01],
    ['oscillating', 1],
  ] as const)('%s (α = %s): same verdict, explanation and window statistics at log_every 1, 7, 100, 1000, 20000', (verdict, alpha) => {
    const runs = summaries(dir, alpha);
    const reference = runs[0]!.s;
    expect(reference.verdict).toBe(verdict);
    expect(reference.window.steps).toBe(1000);
    for (const { k, s } of runs) {
      expect([k, s.verdict]).toEqual([k, verdict]);
      expect(s.explanation).toBe(reference.explanation);
      expect(s.explanation).toContain('over the last 1000 steps');
      const got = judged(s)!;
      for (const [key, value] of Object.entries(judged(reference)!)) expect([k, key, got[key]]).toEqual([k, key, value]);
    }
    // Fewer rows written, the same steps judged.
    expect(runs.map(({ s }) => s.window.rows)).toEqual([1000, 144, 11, 2, 1]); // the last step (9999) is always logged;
  });

  it('diverged: same step, reason and verdict at every log_every', () => {
    const runs = summaries(diverging, 0, 3);
    const reference = runs[0]!.s;
    expect(reference.verdict).toBe('diverged');
    expect(reference.divergence.step).toBeGreaterThan(0);
    expect(reference.divergence.step).toBeLessThan(100);
    for (const { k, s } of runs) {
      expect([k, s.verdict, s.divergence, s.steps_run]).toEqual([k, 'diverged', reference.divergence, reference.steps_run]);
      expect(s.explanation).toBe(reference.explanation);
    }
  });

  it('the gradient diagnostics are measured on the same steps whatever is logged', () => {
    const runs = summaries(dir, 1);
    for (const { k, s } of runs) expect([k, s.diagnostics]).toEqual([k, runs[0]!.s.diagnostics]);
    expect(runs[0]!.s.diagnostics.measured_every).toBe(1);
  });
});
