/**
 * `mo-train run` off a terminal (CI logs, pipes) says how far it is every few seconds (issue 10:
 * a module run printed nothing for 42 s). The line itself is a pure function; the e2e tests shorten
 * the interval with MO_TRAIN_PROGRESS_INTERVAL so a run of a few seconds prints several lines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderRunProgress } from '../../src/cli/progress.js';
import { cli, killStartedClis, listFiles, makeTempDir, removeTempDirs, requireBuilt } from '../fixtures/e2e-harness.js';

describe('renderRunProgress', () => {
  it.each([
    { done: 250_000, total: 1_000_000, elapsedS: 1, line: 'step 250000/1000000 (25%), 250000 steps/s, ETA 3 s' },
    { done: 1_234, total: 10_000, elapsedS: 2, line: 'step 1234/10000 (12%), 617 steps/s, ETA 14 s' },
    // A slow module: a few steps a second, the rate with its decimals, the ETA in minutes.
    { done: 256, total: 10_000, elapsedS: 60, line: 'step 256/10000 (2%), 4.27 steps/s, ETA 38 min 04 s' },
    { done: 256, total: 1_000_000, elapsedS: 60, line: 'step 256/1000000 (0%), 4.27 steps/s, ETA 65 h 05 min' },
    { done: 10_000, total: 10_000, elapsedS: 3, line: 'step 10000/10000 (100%), 3333 steps/s, ETA 0 s' },
    // Nothing done yet (a module loading): no rate to speak of.
    { done: 0, total: 10_000, elapsedS: 5, line: 'step 0/10000 (0%), starting' },
  ])('$line', ({ done, total, elapsedS, line }) => {
    expect(renderRunProgress(done, total, elapsedS)).toBe(line);
  });
});

describe('mo-train run with stderr not a terminal', () => {
  beforeAll(requireBuilt);
  afterAll(() => {
    killStartedClis();
    removeTempDirs();
  });
  const LINE = /^step (\d+)\/(\d+) \((\d+)%\), (?:([\d.]+) steps\/s, ETA \d+ (?:s|min \d\d s|h \d\d min)|starting)$/;

  it('prints a progress line every interval while the run goes', async () => {
    const cwd = makeTempDir('run-progress');
    // ~1-4 s of fused training: several 0.2 s intervals whatever the machine's load.
    const r = await cli(['run', '--steps', '1000000', '--log-every', '1000', '--out', 'r'], { cwd, env: { MO_TRAIN_PROGRESS_INTERVAL: '0.2' } });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('step '));
    expect(lines.length, r.stderr).toBeGreaterThanOrEqual(2);
    const done = lines.map((l) => {
      const m = LINE.exec(l);
      expect(m, l).not.toBe(null);
      expect(Number(m![2])).toBe(1_000_000);
      return Number(m![1]);
    });
    // Steps only go forward, and the last line is not the first: the run was followed, not echoed once.
    for (let i = 1; i < done.length; i++) expect(done[i]).toBeGreaterThanOrEqual(done[i - 1]!);
    expect(done.at(-1)!).toBeGreaterThan(done[0]!);
    expect(done.at(-1)!).toBeLessThanOrEqual(1_000_000);
  });

  it('by default stays quiet for a run shorter than a few seconds', async () => {
    const cwd = makeTempDir('run-quiet');
    const r = await cli(['run', '--steps', '2000', '--out', 'r'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('mo-train run: alpha=0,seed=0, 2000 steps, engine fused → r\n');
  });

  it.each(['0', '-1', 'soon', ''])('MO_TRAIN_PROGRESS_INTERVAL=%j is refused: exit 2, one line, nothing written', async (value) => {
    const cwd = makeTempDir('run-interval');
    const r = await cli(['run', '--steps', '2000', '--out', 'r'], { cwd, env: { MO_TRAIN_PROGRESS_INTERVAL: value } });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe(`mo-train: MO_TRAIN_PROGRESS_INTERVAL: "${value}" is not valid; allowed: seconds between progress lines, a number > 0 (default 5)\n`);
    expect(listFiles(cwd)).toEqual([]);
  });
});
