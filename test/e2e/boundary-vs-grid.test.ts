/**
 * `mo-train boundary` against brute force, small (the measured comparison at realistic sizes is
 * `npm run bench:boundary`, README "Boundary search vs a dense grid"): the search and a grid sweep
 * of 41 log-spaced values over the same range and seeds, through the built CLI, compared by
 * bench/lib/boundary-vs-grid.ts. Every seed whose grid verdicts are monotone must have its bracket
 * at the grid's flip, no run may give the search and the grid different verdicts at the same
 * value, and the search must use at most a third of the grid's runs.
 *
 * The settings were checked by hand on finer grids (241 values over [0.01, 10], seeds 0–9):
 * - SGD's learning rate at α = 0 flips from converged to diverged between 0.106 and 0.126 for
 *   every seed, sharply: every seed is judged.
 * - α with Adam (lr 0.01) flips from drifting to oscillating through a band where the verdicts
 *   alternate (at every step count and lr tried), so most seeds' grids are not monotone and are not
 *   judged. At 200 steps seed 3's flip (≈ 3.3) is sharp: the grid of seeds 2–4 has it monotone,
 *   seeds 2 and 4 not; the test asserts that at least one seed was judged.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareBoundaryToGrid, contradictionText, type BoundaryVsGrid } from '../../bench/lib/boundary-vs-grid.js';
import { readGridVerdicts } from '../../bench/lib/grid-verdicts.js';
import { parseBoundaryFile } from '../../src/results/boundary-file.js';
import { parseJson } from '../../src/results/json.js';
import { cli, makeTempDir, removeTempDirs, requireBuilt } from '../fixtures/e2e-harness.js';

interface Case {
  readonly param: string;
  readonly common: readonly string[];
  readonly boundary: readonly string[];
  readonly grid: readonly string[];
}

const ALPHA: Case = {
  param: 'alpha',
  common: ['--seeds', '2-4', '--steps', '200', '--lr', '0.01', '--log-every', '10', '--jobs', '2'],
  boundary: ['--param', 'alpha', '--range', '1e-4,10'],
  grid: ['--alpha', 'logspace(-4,1,41)'],
};
const SGD_LR: Case = {
  param: 'optimizer.lr',
  common: ['--optimizer', 'sgd', '--alpha', '0', '--seeds', '0-2', '--steps', '300', '--log-every', '10', '--jobs', '2'],
  boundary: ['--param', 'optimizer.lr', '--range', '1e-3,1', '--unstable', 'diverged'],
  grid: ['--set', 'optimizer.lr=logspace(-3,0,41)'],
};

async function compare(tmp: string, name: string, c: Case): Promise<BoundaryVsGrid> {
  const bDir = join(tmp, `${name}-boundary`);
  const gDir = join(tmp, `${name}-grid`);
  const [b, g] = [
    await cli(['boundary', ...c.boundary, ...c.common, '--out', bDir], { cwd: tmp, timeoutMs: 60_000 }),
    await cli(['sweep', ...c.grid, ...c.common, '--out', gDir], { cwd: tmp, timeoutMs: 60_000 }),
  ];
  expect(b.code, b.stderr).toBe(0);
  expect(g.code, g.stderr).toBe(0);
  const parsed = parseBoundaryFile(parseJson(readFileSync(join(bDir, 'boundary.json'), 'utf8')));
  if (!parsed.ok) throw new Error(parsed.issue);
  expect(parsed.value.complete).toBe(true);
  const grid = readGridVerdicts(gDir, c.param);
  return compareBoundaryToGrid(parsed.value, grid.bySeed, grid.runs);
}

let alpha: BoundaryVsGrid;
let lr: BoundaryVsGrid;

beforeAll(async () => {
  requireBuilt();
  const tmp = makeTempDir('boundary-vs-grid');
  alpha = await compare(tmp, 'alpha', ALPHA);
  lr = await compare(tmp, 'lr', SGD_LR);
}, 120_000);

afterAll(() => removeTempDirs());

/** Per seed, what a failure message needs. */
const described = (c: BoundaryVsGrid) =>
  c.seeds.map((s) => ({
    seed: s.seed,
    status: s.status,
    bracket: [s.stable, s.unstable],
    gridFlip: s.gridFlip,
    monotone: s.gridMonotone,
    why: contradictionText(s),
  }));

describe('boundary agrees with a dense grid', () => {
  it('α with Adam: every seed with monotone grid verdicts has its bracket at the grid’s flip', () => {
    const judged = alpha.seeds.filter((s) => s.consistent !== null);
    expect(judged.length, JSON.stringify(described(alpha))).toBeGreaterThanOrEqual(1);
    expect(
      judged.filter((s) => !s.consistent),
      JSON.stringify(described(alpha)),
    ).toEqual([]);
    expect(alpha.seeds.find((s) => s.seed === 3)?.consistent).toBe(true);
  });

  it('SGD’s learning rate (unstable = diverged): every seed monotone and consistent', () => {
    expect(lr.seeds.map((s) => s.status)).toEqual(['bracketed', 'bracketed', 'bracketed']);
    expect(
      lr.seeds.every((s) => s.gridMonotone && s.consistent === true),
      JSON.stringify(described(lr)),
    ).toBe(true);
  });

  it('the same value gives the same verdict in the search and in the grid (the range’s ends at least)', () => {
    for (const c of [alpha, lr]) expect(c.seeds.flatMap((s) => s.sameValueMismatches)).toEqual([]);
  });

  it('uses at most a third of the grid’s runs', () => {
    for (const c of [alpha, lr]) {
      expect(c.gridRuns).toBe(3 * 41);
      expect(c.runsUsed * 3, `${c.param}: ${c.runsUsed} runs of the search vs ${c.gridRuns} of the grid`).toBeLessThanOrEqual(c.gridRuns);
    }
  });
});
