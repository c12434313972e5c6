/**
 * End to end: a boundary directory written by `mo-train boundary` (test/fixtures/results/build-boundary.ts),
 * then `mo-train plot`, `report` and `summarize` on it with the built CLI: the boundary chart is drawn
 * with a dot per probe in its verdict's color and the quantile rules, the report has the boundary
 * section and its reading names each seed's bracket; a broken boundary.json is one warning, and
 * both commands still draw the runs.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTCOME_COLORS } from '../../src/plot/verdict-colors.js';
import type { BoundaryFile } from '../../src/results/boundary-file.js';
import { cli, makeTempDir, removeTempDirs, requireBuilt } from '../fixtures/e2e-harness.js';
import { makeBoundaryDir } from '../fixtures/results/build-boundary.js';

const SWEEP_CHARTS = ['loss-curves', 'final-vs-alpha', 'tradeoff', 'verdicts-by-alpha'];

let work: string;
let dir: string;
let boundary: BoundaryFile;

beforeAll(async () => {
  requireBuilt();
  work = makeTempDir('boundary-plot');
  ({ dir, boundary } = await makeBoundaryDir(work));
  // The fixture is worth testing only if the runs flip from stable to unstable inside its range.
  expect(boundary.seeds.map((s) => s.status)).toEqual(['bracketed', 'bracketed']);
});
afterAll(removeTempDirs);

/** The texts of every <text> element, entities decoded. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
}

/** The reading paragraph of a report, tags stripped. */
function readingOf(page: string): string {
  return /<p class="reading">([\s\S]*?)<\/p>/.exec(page)![1]!.replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

describe('a boundary directory', () => {
  it('plot: boundary.svg and .png besides the sweep charts; a dot per probe in its verdict’s color, the quantile rules labelled', async () => {
    const r = await cli(['plot', dir], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(readdirSync(join(dir, 'plots')).sort()).toEqual([...SWEEP_CHARTS, 'boundary'].flatMap((c) => [`${c}.png`, `${c}.svg`]).sort());
    expect(r.stdout).toContain(`wrote ${join(dir, 'plots', 'boundary.svg')}\n`);
    const svg = readFileSync(join(dir, 'plots', 'boundary.svg'), 'utf8');
    const dots = new Map(
      [...svg.matchAll(/<path aria-label="([^"]+)" role="graphics-symbol" aria-roledescription="point"[^>]* fill="(#[0-9a-f]{6})"/g)].map((m) => [
        m[1]!,
        m[2]!,
      ]),
    );
    const probes = boundary.seeds.flatMap((s) => s.probes);
    expect(probes).toHaveLength(readdirSync(join(dir, 'runs')).length);
    for (const p of probes) expect(dots.get(p.run_id), p.run_id).toBe(OUTCOME_COLORS[p.verdict]);
    const t = texts(svg);
    expect(t.some((s) => s.startsWith('Stability boundary in α'))).toBe(true);
    expect(t).toContain('α (log scale)');
    expect(t).toContain('seed 0');
    expect(t).toContain('seed 1');
    const { p10, p50, p90 } = boundary.quantiles;
    // Two seeds: p10 = p50, one rule labelled with both.
    expect(p10).toBe(p50);
    expect(t).toContain('10%, 50%');
    expect(t).toContain('90%');
    expect(p90).toBeGreaterThan(p50!);
  });

  it('report: the boundary chart first, a boundary section with a row per seed, and a reading that names each bracket', async () => {
    const r = await cli(['report', dir], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const page = readFileSync(join(dir, 'report.html'), 'utf8');
    const data = JSON.parse(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(page)![1]!) as { charts: { id: string }[] };
    expect(data.charts.map((c) => c.id)).toEqual(['boundary', 'tradeoff', 'verdicts-by-alpha', 'final-vs-alpha', 'loss-curves']);
    const section = /<section id="boundary">([\s\S]*?)<\/section>/.exec(page)![1]!;
    expect(section).toContain('Searched α from 0.1 to 1 (log scale) to a relative tolerance of 5%');
    const seedRows = /<table class="sortable boundary-seeds"[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(section)![1]!.split('<tr>').slice(1);
    expect(seedRows).toHaveLength(2);
    const [s0, s1] = boundary.seeds;
    expect(seedRows[0]).toContain(`${s0!.stable} – ${s0!.unstable}`);
    expect(readingOf(page)).toContain(
      `Training turns unstable (oscillating or diverged) between α = ${s0!.stable} and ${s0!.unstable} for seed 0 and between ${s1!.stable} and ${s1!.unstable} for seed 1.`,
    );
    expect(readingOf(page)).toMatch(/Across the 2 seeds, half are unstable from α ≈ [0-9.]+ \(10%: [0-9.]+, 90%: [0-9.]+\)\./);
  });
});

describe('summarize on a boundary directory', () => {
  it("prints the per-α tables, then each seed's bracket and the quantiles as mo-train boundary did", async () => {
    const r = await cli(['summarize', dir], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    const tail = r.stdout.slice(r.stdout.indexOf('alpha: where training turns'));
    expect(r.stdout.indexOf('runs  verdicts')).toBeLessThan(r.stdout.indexOf('alpha: where training turns'));
    for (const s of boundary.seeds) expect(tail).toContain(`seed ${s.seed}  flips between ${s.stable} (stable) and ${s.unstable} (unstable)`);
    expect(tail).toContain('across seeds (2 seeds) unstable: 10% from');
  });
});

describe('a broken boundary.json', () => {
  let broken: string;
  beforeAll(async () => {
    ({ dir: broken } = await makeBoundaryDir(work, 'broken'));
    writeFileSync(join(broken, 'boundary.json'), '{"format_version": 1, "seeds": [');
  });

  it.each(['plot', 'report'])('%s: exit 0, one warning naming the file, the runs drawn without a boundary', async (command) => {
    const r = await cli([command, broken, ...(command === 'plot' ? ['--format', 'svg'] : [])], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(`^mo-train: warning: ${join(broken, 'boundary.json').replace(/[.]/g, '\\.')}: not valid JSON \\(.*\\); no boundary shown\\n$`),
    );
    if (command === 'plot') {
      expect(readdirSync(join(broken, 'plots')).sort()).toEqual(SWEEP_CHARTS.map((c) => `${c}.svg`).sort());
    } else {
      const page = readFileSync(join(broken, 'report.html'), 'utf8');
      expect(page).not.toContain('<section id="boundary">');
      expect(page).toMatch(/<section id="notes">[\s\S]*boundary\.json: not valid JSON/);
      expect(readingOf(page)).toMatch(new RegExp(`^${boundary.runs_used} runs `));
    }
  });
});
