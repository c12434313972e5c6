import { describe, expect, it } from 'vitest';
import { DEFAULT_MONITOR } from '../../src/spec/settings.js';
import { checkDivergence } from '../../src/train/monitor.js';

describe('checkDivergence', () => {
  it.each([
    [1, 2, 3, null],
    [NaN, 2, 3, 'non-finite'],
    [1, -Infinity, 3, 'non-finite'],
    [1, 2, Infinity, 'non-finite'],
    [2e10, 2, 3, 'loss1-threshold'],
    [-2e10, 2, 3, 'loss1-threshold'],
    [1, 2e10, 3, 'loss2-threshold'],
    [1, 2, 2e8, 'param-norm-threshold'],
    [1e10, -1e10, 1e8, null],
  ])('loss1=%d loss2=%d |θ|=%d → %s', (l1, l2, pn, reason) => {
    const d = checkDivergence(DEFAULT_MONITOR, 7, l1, l2, pn);
    expect(d?.reason ?? null).toBe(reason);
    if (d) expect(d.detail).toContain('step 7');
  });
});
