/**
 * Combiners end to end through the built CLI: every combiner on the seed experiment with both
 * engines (the same trajectory: the combiner is engine-independent), the diagnostics in
 * steps.csv and summary.json, and the reversal combiner on the adversarial example — required
 * there, refused elsewhere, before anything runs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, killStartedClis, makeTempDir, removeTempDirs, root } from '../fixtures/e2e-harness.js';

afterAll(() => {
  killStartedClis();
  removeTempDirs();
});

function readSteps(dir: string, id: string): Record<string, number>[] {
  const rows = parse(readFileSync(join(dir, 'runs', id, 'steps.csv'), 'utf8'), { columns: true, cast: (v, ctx) => (ctx.header ? v : Number(v)) }) as Record<
    string,
    number
  >[];
  return rows;
}

const readSummary = (dir: string, id: string) => JSON.parse(readFileSync(join(dir, 'runs', id, 'summary.json'), 'utf8'));

describe('combiners on the seed experiment, fused and tfjs', () => {
  const cases: [string, string[]][] = [
    ['normalized', ['--combine', 'normalized']],
    ['pcgrad', ['--combine', 'pcgrad']],
    ['mgda', ['--combine', 'mgda']],
    ['constraint', ['--combine', 'constraint', '--set', 'combine.tau=3']],
  ];
  it.each(cases)('%s: both engines follow the same trajectory, and log cos12 and the weight', async (name, flags) => {
    const tmp = makeTempDir(`combine-${name}-`);
    const results: Record<string, Record<string, number>[]> = {};
    for (const engine of ['fused', 'tfjs']) {
      const out = join(tmp, engine);
      const r = await cli(['run', '--alpha', '0.1', '--steps', '150', '--engine', engine, ...flags, '--out', out], { cwd: tmp });
      expect(r.code, r.stderr).toBe(0);
      results[engine] = readSteps(out, 'alpha=0.1,seed=0');
      const summary = readSummary(out, 'alpha=0.1,seed=0');
      expect(summary.diagnostics.rows_with_cosine).toBeGreaterThan(0);
      expect(summary.diagnostics.conflict_fraction).toBeGreaterThanOrEqual(0);
      expect(summary.diagnostics.conflict_fraction).toBeLessThanOrEqual(1);
    }
    const [fused, tfjs] = [results['fused']!, results['tfjs']!];
    expect(tfjs).toHaveLength(150);
    for (let i = 0; i < fused.length; i += 10) {
      // tfjs computes in float32: agreement to float32 tolerance.
      expect(Math.abs(tfjs[i]!['loss1']! - fused[i]!['loss1']!)).toBeLessThan(1e-3 * Math.max(1, Math.abs(fused[i]!['loss1']!)));
      expect(tfjs[i]!['loss2']!).toBeCloseTo(fused[i]!['loss2']!, 3);
      expect(tfjs[i]!['weight']!).toBeCloseTo(fused[i]!['weight']!, 2);
    }
    if (name === 'constraint') expect(fused[0]!['weight']).toBe(0.1); // λ starts at α
    for (const row of fused) if (!Number.isNaN(row['cos12'])) expect(Math.abs(row['cos12']!)).toBeLessThanOrEqual(1);
  });
});

describe('reversal', () => {
  const reversalModule = join(root, 'experiments', 'adversarial-reversal.ts');

  it('trains the adversary down loss2 while α pushes the encoder up it', async () => {
    const tmp = makeTempDir('reversal-');
    const out = join(tmp, 'out');
    const r = await cli(
      ['sweep', '--module', reversalModule, '--combine', 'reversal', '--alpha', '0,2', '--steps', '800', '--lr', '1e-2', '--log-every', '25', '--out', out],
      { cwd: tmp, timeoutMs: 120_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    // The game circles (the adversary chases the encoder), so compare the second halves' means.
    const lateMean = (rows: Record<string, number>[]) => {
      const late = rows.filter((row) => row['step']! >= 400);
      return late.reduce((s, row) => s + row['loss2']!, 0) / late.length;
    };
    const plain = readSteps(out, 'alpha=0,seed=0');
    const fair = readSteps(out, 'alpha=2,seed=0');
    // Measured: α = 0 ≈ 0.40 (nothing opposes the adversary: it recovers s), α = 2 ≈ 0.68 (near
    // chance, ln 2 ≈ 0.693: the encoder hides s).
    expect(lateMean(plain)).toBeLessThan(0.5);
    expect(lateMean(fair)).toBeGreaterThan(lateMean(plain) + 0.15);
    expect(fair.at(-1)!['weight']).toBe(2);
  });

  it('is refused for an experiment without adversary parameters, before anything is written', async () => {
    const tmp = makeTempDir('reversal-refused-');
    const r = await cli(['sweep', '--combine', 'reversal', '--alpha', '0,1', '--steps', '10', '--out', join(tmp, 'out')], { cwd: tmp });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('combine reversal needs an experiment that declares adversary parameters');
    expect(existsSync(join(tmp, 'out', 'runs'))).toBe(false);
  });

  it('names adversary parameters the module does not have, before anything runs', async () => {
    const tmp = makeTempDir('reversal-unknown-');
    const r = await cli(
      ['run', '--module', join(root, 'test', 'fixtures', 'modules', 'bad-adversary.ts'), '--combine', 'reversal', '--steps', '10', '--out', join(tmp, 'out')],
      { cwd: tmp },
    );
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('bad-adversary.ts: adversary names "fc9.weight", which are not parameters; allowed: fc1.weight');
    expect(existsSync(join(tmp, 'out', 'runs'))).toBe(false);
  });

  it('is required for an experiment with adversary parameters (any other combiner would make the adversary ascend its loss)', async () => {
    const tmp = makeTempDir('reversal-required-');
    const r = await cli(['run', '--module', reversalModule, '--alpha', '1', '--steps', '10', '--out', join(tmp, 'out')], { cwd: tmp });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the experiment declares adversary parameters, which only combine reversal trains');
    expect(existsSync(join(tmp, 'out', 'runs'))).toBe(false);
  });
});
