/**
 * End to end, the terminal views of issue 5: `summarize` shows a sparkline of loss1 and loss2
 * beside each verdict, `summarize --plot` draws the loss curves as text charts — run with the
 * built CLI on small real sweeps, as a person on a remote shell would.
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, killStartedClis, makeTempDir, removeTempDirs, requireBuilt, SMALL_SWEEP, SMALL_SWEEP_IDS } from '../fixtures/e2e-harness.js';

const ANSI = /\u001b\[[0-9;]*m/;
const SPARK = '[▁▂▃▄▅▆▇█]';

let work: string;
/** SMALL_SWEEP: α = 0 converges, α = 0.1 oscillates (60,000 steps, every 20th logged). */
let sweep: string;
/** α = 0.01 for 10,000 steps: loss2 still growing, drifting. */
let drifting: string;
/** SGD with lr 0.05 at α = 1: |loss1| passes 1e10 at step 190 of 400, and the run stops there. */
let diverged: string;
/** What the sweep's own end wrote: summarize must write the same public CSVs, sparklines or not. */
let sweepCsvs: { summary: string; byAlpha: string };

beforeAll(async () => {
  requireBuilt();
  work = makeTempDir('terminal');
  const runs = await Promise.all([
    cli(['sweep', ...SMALL_SWEEP, '--out', 'sweep'], { cwd: work }),
    cli(['run', '--alpha', '0.01', '--seed', '0', '--steps', '10000', '--out', 'drifting'], { cwd: work }),
    cli(['run', '--alpha', '1', '--seed', '0', '--steps', '400', '--optimizer', 'sgd', '--lr', '0.05', '--out', 'diverged'], { cwd: work }),
  ]);
  for (const r of runs) expect(r.code, r.stderr).toBe(0);
  [sweep, drifting, diverged] = ['sweep', 'drifting', 'diverged'].map((d) => join(work, d)) as [string, string, string];
  sweepCsvs = { summary: readFileSync(join(sweep, 'summary.csv'), 'utf8'), byAlpha: readFileSync(join(sweep, 'by-alpha.csv'), 'utf8') };
});
afterAll(() => {
  killStartedClis();
  removeTempDirs();
});

/** The loss1 and loss2 sparklines of a run's row (16 cells each off a terminal). */
function sparklines(stdout: string, id: string): [string, string] {
  const line = stdout.split('\n').find((l) => l.startsWith(`${id} `));
  expect(line, `no row for ${id} in:\n${stdout}`).toBeDefined();
  const m = new RegExp(`^\\S+\\s+\\S+\\s+([▁-█✕ ]{16})  ([▁-█✕ ]{16})  `).exec(line!);
  expect(m, `no sparklines in: ${line}`).not.toBeNull();
  return [m![1]!, m![2]!];
}

describe('summarize: a sparkline of loss1 and loss2 per run', () => {
  it('draws one of block characters beside every verdict, and says what they are', async () => {
    const r = await cli(['summarize', sweep], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^run\s+verdict\s+loss1\s+loss2\s+final loss1\s+final loss2\s+min loss1\s+steps\s+explanation$/m);
    for (const id of SMALL_SWEEP_IDS) {
      for (const line of sparklines(r.stdout, id)) expect(line).toMatch(new RegExp(`^${SPARK}{16}$`));
    }
    expect(r.stdout).toContain('loss1, loss2: each run');
    expect(r.stdout).not.toMatch(ANSI);
  });

  it('makes converged, oscillating and drifting look different', async () => {
    const [r, d] = await Promise.all([cli(['summarize', sweep], { cwd: work }), cli(['summarize', drifting], { cwd: work })]);
    expect(r.stdout).toMatch(/^alpha=0,seed=0\s+converged /m);
    expect(r.stdout).toMatch(/^alpha=0\.1,seed=0\s+oscillating /m);
    expect(d.stdout).toMatch(/^alpha=0\.01,seed=0\s+drifting /m);
    // Converged: loss1 falls in the first cell and is flat at the bottom from then on.
    const [converged1, converged2] = sparklines(r.stdout, 'alpha=0,seed=0');
    expect(converged1).toMatch(/^█▁{15}$/);
    // …and loss2 levels off: its second half is one level.
    expect(new Set(converged2.slice(8)).size).toBe(1);
    // Oscillating: loss1 zig-zags between the bottom and the top levels over its second half.
    const [oscillating1] = sparklines(r.stdout, 'alpha=0.1,seed=0');
    expect(oscillating1.slice(8)).toMatch(/^(▁[▆▇█]|[▆▇█]▁){4}$/);
    // Drifting: loss2 rises to the end — never falls, and climbs over its second half.
    const [, drifting2] = sparklines(d.stdout, 'alpha=0.01,seed=0');
    const levels = [...drifting2].map((ch) => '▁▂▃▄▅▆▇█'.indexOf(ch));
    for (let i = 1; i < levels.length; i++) expect(levels[i]).toBeGreaterThanOrEqual(levels[i - 1]!);
    expect(levels[15]! - levels[8]!).toBeGreaterThanOrEqual(3);
    expect(drifting2.endsWith('█')).toBe(true);
  });

  it('marks where a run diverged with ✕ and leaves the steps it never ran blank', async () => {
    const r = await cli(['summarize', diverged], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    const [loss1, loss2] = sparklines(r.stdout, 'alpha=1,seed=0');
    // Step 190 of 0–399, 25 steps a cell: cell 7, then 8 cells never reached.
    expect(loss1).toMatch(new RegExp(`^${SPARK}{7}✕ {8}$`));
    expect(loss2).toMatch(new RegExp(`^${SPARK}{7}✕ {8}$`));
  });

  it('shows "-" for a run whose steps.csv is gone, and does not fail', async () => {
    const dir = makeTempDir('terminal-missing-steps');
    const copy = await cli(['sweep', ...SMALL_SWEEP, '--out', dir], { cwd: work });
    expect(copy.code, copy.stderr).toBe(0);
    rmSync(join(dir, 'runs', 'alpha=0,seed=1', 'steps.csv'));
    const r = await cli(['summarize', dir], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^alpha=0,seed=1\s+corrupt\s+-\s+-\s+-/m);
    expect(sparklines(r.stdout, 'alpha=0,seed=0')[0]).toMatch(new RegExp(`^${SPARK}{16}$`));
  });

  it('leaves summary.csv, by-alpha.csv and --json as they were: no sparklines in them', async () => {
    const r = await cli(['summarize', sweep], { cwd: work });
    expect(r.code).toBe(0);
    expect(readFileSync(join(sweep, 'summary.csv'), 'utf8')).toBe(sweepCsvs.summary);
    expect(readFileSync(join(sweep, 'by-alpha.csv'), 'utf8')).toBe(sweepCsvs.byAlpha);

    const j = await cli(['summarize', sweep, '--json'], { cwd: work });
    expect(j.code, j.stderr).toBe(0);
    expect(j.stdout).not.toMatch(/[▁▂▃▄▅▆▇█✕]/);
    const doc = JSON.parse(j.stdout);
    expect(Object.keys(doc)).toEqual(['format_version', 'dir', 'sweep', 'axis_keys', 'runs', 'groups', 'notes', 'files']);
    expect(doc.runs).toHaveLength(SMALL_SWEEP_IDS.length);
    for (const run of doc.runs) expect(Object.keys(run)).toEqual(['id', 'path', 'state', 'coords', 'rows', 'problem', 'summary']);
  });
});

/** The chart headers of `--plot` output: `<group> — y: <loss>…`. */
const chartHeaders = (stdout: string) => stdout.split('\n').filter((l) => / — y: loss[12]/.test(l));

describe('summarize --plot: the loss curves as text charts', () => {
  it('draws loss1 and loss2 for each α, seeds as series, with axes and steps, after the tables', async () => {
    const r = await cli(['summarize', sweep, '--plot'], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.indexOf('loss curves of')).toBeGreaterThan(r.stdout.indexOf('α  runs  verdicts'));
    expect(chartHeaders(r.stdout)).toEqual([
      'alpha=0 (seeds 0, 1) — y: loss1, log scale; x: step 0 → 59999',
      'alpha=0 (seeds 0, 1) — y: loss2; x: step 0 → 59999',
      'alpha=0.1 (seeds 0, 1) — y: loss1, log scale; x: step 0 → 59999',
      'alpha=0.1 (seeds 0, 1) — y: loss2; x: step 0 → 59999',
    ]);
    const charts = r.stdout.slice(r.stdout.indexOf('loss curves of'));
    // 11 labelled rows on the y axis per chart, an x axis with its ticks and steps under it.
    expect(charts.match(/^ *≤?-?[0-9][0-9.e+-]* ┤/gm)).toHaveLength(4 * 11);
    expect(charts.match(/^ +└─+┬─+┬$/gm)).toHaveLength(4);
    expect(charts.match(/^ +0 +30000 +59999$/gm)).toHaveLength(4);
    expect(charts.match(/── seed 0 \w+ {2}── seed 1 \w+/g)).toHaveLength(4);
    // Not a terminal: 80 columns (but for the heading, which names the directory).
    for (const line of charts.split('\n').slice(1)) expect(line.length).toBeLessThanOrEqual(80);
    expect(r.stdout).not.toMatch(ANSI);
  });

  it('draws the series in color when color is on', async () => {
    const r = await cli(['summarize', sweep, '--plot'], { cwd: work, env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\u001b\[36m──\u001b\[0m seed 0/);
    expect(r.stdout).toMatch(/\u001b\[33m[╭╮╰╯│─]\u001b\[0m/);
  });

  it('draws only what --alpha or --runs choose', async () => {
    const a = await cli(['summarize', sweep, '--plot', '--alpha', '0.1'], { cwd: work });
    expect(a.code, a.stderr).toBe(0);
    expect(chartHeaders(a.stdout).map((h) => h.split(' — ')[0])).toEqual(['alpha=0.1 (seeds 0, 1)', 'alpha=0.1 (seeds 0, 1)']);
    const one = await cli(['summarize', sweep, '--plot', '--runs', 'alpha=0,seed=1'], { cwd: work });
    expect(one.code, one.stderr).toBe(0);
    expect(chartHeaders(one.stdout)).toEqual([
      'alpha=0,seed=1 (converged) — y: loss1, log scale; x: step 0 → 59999',
      'alpha=0,seed=1 (converged) — y: loss2; x: step 0 → 59999',
    ]);
    // The tables still cover every run.
    for (const id of SMALL_SWEEP_IDS) expect(one.stdout).toMatch(new RegExp(`^${id.replace(/\./g, '\\.')} `, 'm'));
    // Several ids in one flag, separated by ';', as `mo-train plot` takes them.
    const two = await cli(['summarize', sweep, '--plot', '--runs', 'alpha=0,seed=1; alpha=0.1,seed=0'], { cwd: work });
    expect(two.code, two.stderr).toBe(0);
    expect(chartHeaders(two.stdout).map((h) => h.split(' — ')[0])).toEqual([
      'alpha=0,seed=1 (converged)',
      'alpha=0,seed=1 (converged)',
      'alpha=0.1,seed=0 (oscillating)',
      'alpha=0.1,seed=0 (oscillating)',
    ]);
  });

  it('states the divergence step under the charts of a diverged run', async () => {
    const r = await cli(['summarize', diverged, '--plot'], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(chartHeaders(r.stdout)).toEqual([
      'alpha=1,seed=0 (diverged) — y: loss1, log scale; x: step 0 → 190',
      'alpha=1,seed=0 (diverged) — y: loss2; x: step 0 → 190',
    ]);
    expect(r.stdout.match(/^ {2}✕ alpha=1,seed=0 diverged: \|loss1\| = [0-9.e+]+ > max_loss 1\.000e\+10 at step 190$/gm)).toHaveLength(2);
  });

  it.each([
    { name: '--runs without --plot', args: ['--runs', 'alpha=0,seed=0'], message: /^mo-train: --runs chooses the runs --plot draws; add --plot\n$/ },
    { name: '--plot with --json', args: ['--plot', '--json'], message: /^mo-train: --plot .* does not go with --json/ },
    {
      name: 'an α the sweep does not have',
      args: ['--plot', '--alpha', '0.5'],
      message: /^mo-train: --alpha: 0\.5 is not an α of this sweep \(α: 0, 0\.1\)\n$/,
    },
    { name: 'a run it does not have', args: ['--plot', '--runs', 'alpha=0,seed=9'], message: /^mo-train: --runs: no run "alpha=0,seed=9"/ },
    { name: 'a bad --alpha list', args: ['--plot', '--alpha', 'lots'], message: /^mo-train: --alpha: "lots" is not a number/ },
  ])('exits 2 with one line and writes nothing for $name', async ({ args, message }) => {
    const before = statSync(join(sweep, 'summary.csv'), { bigint: true }).mtimeNs;
    const r = await cli(['summarize', sweep, ...args], { cwd: work });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(statSync(join(sweep, 'summary.csv'), { bigint: true }).mtimeNs).toBe(before);
  });
});
