import { describe, expect, it } from 'vitest';
import { DEFAULT_VERDICT } from '../../src/spec/settings.js';
import { judgeStability, windowStart, type JudgeInput } from '../../src/summary/verdict.js';
import { computeWindowStats } from '../../src/train/window-stats.js';

/** A window of 200 steps (800…999) built from per-step functions; loss2 weighted `weight` (α). */
function series(l1: (i: number) => number, l2: (i: number) => number, start = { loss1: 30, loss2: 0 }, weight = 0.1): JudgeInput {
  const step = Array.from({ length: 200 }, (_, i) => 800 + i);
  return {
    start,
    window: computeWindowStats(
      step,
      step.map((_, i) => l1(i)),
      step.map((_, i) => l2(i)),
      weight,
    ),
    divergence: null,
  };
}

describe('judgeStability', () => {
  // A table: one case a line.
  // prettier-ignore
  it.each([
    ['flat loss1, flat loss2', series(() => 1e-6, () => 4), 'converged', 'settled', 'steady'],
    ['tiny noise well inside 1% of the start', series((i) => 0.01 + 0.05 * Math.sin(i), () => 4), 'converged', 'settled', 'steady'],
    ['loss2 climbing steadily', series(() => 1e-5, (i) => 100 + 0.05 * i), 'drifting', 'settled', 'growing'],
    ['loss1 bouncing by a third of its start', series((i) => (i % 2 === 0 ? 0 : 10), () => 4), 'oscillating', 'oscillating', 'steady'],
    ['loss1 still sliding down', series((i) => 20 - 0.05 * i, () => 4), 'drifting', 'falling', 'steady'],
    ['loss1 rising steadily', series((i) => 1 + 0.05 * i, () => 4), 'drifting', 'rising', 'steady'],
    ['oscillation wins over loss2 growth', series((i) => (i % 3 === 0 ? 8 : 0), (i) => 10 + i), 'oscillating', 'oscillating', 'growing'],
    ['loss2 falling is not drift', series(() => 1, (i) => 50 - 0.1 * i), 'converged', 'settled', 'falling'],
    ['a falling loss1 with small noise is still falling', series((i) => 20 - 0.05 * i + 0.3 * Math.sin(i), () => 4), 'drifting', 'falling', 'steady'],
    ['a slope under a big swing is oscillating', series((i) => 10 - 0.03 * i + (i % 2 === 0 ? 4 : -4), () => 4), 'oscillating', 'oscillating', 'steady'],
    ['at α = 0 loss2 climbing is a side effect', series(() => 1e-5, (i) => 100 + 0.05 * i, undefined, 0), 'converged', 'settled', 'growing'],
    ['at α = 0 loss1 still sliding is drift', series((i) => 20 - 0.05 * i, (i) => 100 + 0.05 * i, undefined, 0), 'drifting', 'falling', 'growing'],
  ] as const)('%s → %s', (_name, input, verdict, loss1, loss2) => {
    const j = judgeStability(input, DEFAULT_VERDICT);
    expect(j.verdict).toBe(verdict);
    expect(j.loss1).toBe(loss1);
    expect(j.loss2).toBe(loss2);
    expect(j.explanation.length).toBeGreaterThan(10);
  });

  it("at α = 0 explains loss2's climb as a side effect, not as a maximized objective without maximum", () => {
    const j = judgeStability(
      series(
        () => 1e-5,
        (i) => 100 + 0.05 * i,
        undefined,
        0,
      ),
      DEFAULT_VERDICT,
    );
    expect(j.explanation).toContain('as a side effect');
    expect(j.explanation).not.toContain('no maximum');
    const pushed = judgeStability(
      series(
        () => 1e-5,
        (i) => 100 + 0.05 * i,
      ),
      DEFAULT_VERDICT,
    );
    expect(pushed.explanation).toContain('no maximum');
  });

  it('says how many steps it judged', () => {
    expect(
      judgeStability(
        series(
          () => 1,
          () => 1,
        ),
        DEFAULT_VERDICT,
      ).explanation,
    ).toContain('over the last 200 steps');
  });

  it('a divergence decides the verdict and is explained', () => {
    const input = {
      ...series(
        () => 1,
        () => 1,
      ),
      divergence: { step: 42, detail: 'loss1 = NaN at step 42' },
    };
    const j = judgeStability(input, DEFAULT_VERDICT);
    expect(j.verdict).toBe('diverged');
    expect(j.explanation).toContain('step 42');
  });

  it('reports the window and the growth rate of loss2', () => {
    const j = judgeStability(
      series(
        () => 0,
        (i) => 2 * i,
      ),
      DEFAULT_VERDICT,
    );
    expect(j.window?.from_step).toBe(800);
    expect(j.window?.to_step).toBe(999);
    expect(j.window?.loss2_rate).toBeCloseTo(2, 10);
    expect(j.window?.loss2_trend).toBeCloseTo(2 * 199, 8);
    expect(j.explanation).toContain('keeps growing');
  });

  it('settle_tol is a setting: a stricter tolerance turns the same run oscillating', () => {
    const input = series(
      (i) => 0.01 + 0.05 * Math.sin(i),
      () => 4,
    );
    expect(judgeStability(input, { ...DEFAULT_VERDICT, settle_tol: 1e-4 }).verdict).toBe('oscillating');
  });

  it.each([
    [10000, 9000],
    [10, 9],
    [1, 0],
    [15, 13],
  ])('the last window of %i steps starts at step %i', (steps, from) => {
    expect(windowStart(steps, DEFAULT_VERDICT)).toBe(from);
  });
});
