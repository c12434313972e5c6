/**
 * End to end: a real sweep (one run of it diverges), then `mo-train plot` on it with the built CLI,
 * and the files checked as a person would look at them — the titles and axis titles are there,
 * each run is a line in both loss columns, the divergence is marked, the PNGs are real images of
 * the right size — plus the one-line errors for bad input, which write nothing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, expectNoTempFiles, makeTempDir, readJson, removeTempDirs, requireBuilt, snapshotTree } from '../fixtures/e2e-harness.js';

const ALPHAS = ['0', '0.01', '0.1', '1'];
const RUN_IDS = ALPHAS.flatMap((a) => [0, 1].map((s) => `alpha=${a},seed=${s}`));
// Plain SGD at lr 0.05: at α = 1, seed 0 blows past max_loss within 300 steps; the others do not.
const SWEEP = ['sweep', '--alpha', ALPHAS.join(','), '--seeds', '0-1', '--steps', '300', '--optimizer', 'sgd', '--lr', '0.05', '--jobs', '2'];
const DIVERGED = 'alpha=1,seed=0';
const CHARTS = ['loss-curves', 'final-vs-alpha', 'tradeoff', 'verdicts-by-alpha'];

let work: string;
let sweepDir: string;

beforeAll(async () => {
  requireBuilt();
  work = makeTempDir('plot');
  sweepDir = join(work, 'sweep');
  const r = await cli([...SWEEP, '--out', sweepDir], { cwd: work });
  expect(r.code, r.stderr).toBe(0);
  expect(readJson(join(sweepDir, 'runs', DIVERGED, 'summary.json')).verdict).toBe('diverged');
});
afterAll(removeTempDirs);

/** The texts of every <text> element, entities decoded. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
}

/** The run id of every line-mark path: Vega names a line by its first point's fields, `run` among them. */
function lineRuns(svg: string): string[] {
  return [...svg.matchAll(/<path aria-label="[^"]*; run: ([^"]+)" role="graphics-symbol" aria-roledescription="line mark"[^>]* d="([^"]*)"/g)].map((m) => {
    // A drawn line, not an empty path: many segments.
    expect((m[2]!.match(/L/g) ?? []).length, m[1]).toBeGreaterThan(20);
    return m[1]!;
  });
}

function svgSize(svg: string): { width: number; height: number } {
  const m = /^<svg[^>]* width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/.exec(svg);
  expect(m, 'an <svg> root with width and height').not.toBeNull();
  return { width: Number(m![1]), height: Number(m![2]) };
}

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(bytes.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('mo-train plot DIR', () => {
  let stdout = '';
  let before: Map<string, string>;

  beforeAll(async () => {
    before = snapshotTree(sweepDir);
    const r = await cli(['plot', sweepDir], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    stdout = r.stdout;
  });

  it('writes an SVG and a PNG of each chart into DIR/plots and says so, touching nothing else', () => {
    const plots = join(sweepDir, 'plots');
    expect(readdirSync(plots).sort()).toEqual(CHARTS.flatMap((c) => [`${c}.png`, `${c}.svg`]).sort());
    for (const c of CHARTS) {
      expect(stdout).toContain(`wrote ${join(plots, `${c}.svg`)}\n`);
      expect(stdout).toContain(`wrote ${join(plots, `${c}.png`)}`);
    }
    const after = snapshotTree(sweepDir);
    for (const [path, state] of before) expect(after.get(path), path).toBe(state);
    expect([...after.keys()].filter((p) => !before.has(p)).every((p) => p === 'plots' || p.startsWith('plots/'))).toBe(true);
    expectNoTempFiles(sweepDir);
  });

  it('loss-curves.svg: titled, a row per α, loss1 and loss2 columns, one line per run in each, the divergence marked', () => {
    const svg = readFileSync(join(sweepDir, 'plots', 'loss-curves.svg'), 'utf8');
    const t = texts(svg);
    expect(t.some((s) => s.startsWith('Loss curves per α'))).toBe(true);
    expect(t).toContain('step');
    expect(t).toContain('loss');
    expect(t).toContain('loss1 — minimized');
    expect(t).toContain('loss2 — maximized');
    for (const a of ALPHAS) expect(t).toContain(`α = ${a}`);
    const runs = lineRuns(svg);
    expect(runs).toHaveLength(2 * RUN_IDS.length);
    for (const id of RUN_IDS)
      expect(
        runs.filter((r) => r === id),
        id,
      ).toHaveLength(2);
    // One ✕ per loss at the step where the run diverged, named after the run.
    const step = readJson(join(sweepDir, 'runs', DIVERGED, 'summary.json')).divergence.step as number;
    const markers = [...svg.matchAll(/aria-label="([^"]*) diverged at step (\d+): [^"]*" role="graphics-symbol" aria-roledescription="point"/g)];
    expect(markers.map((m) => [m[1], Number(m[2])])).toEqual([
      [DIVERGED, step],
      [DIVERGED, step],
    ]);
    expect(svg).toContain('font-family="DejaVu Sans');
  });

  it('final-vs-alpha.svg and tradeoff.svg: axis titles, every α on the α axis, the diverged run marked apart', () => {
    const fin = readFileSync(join(sweepDir, 'plots', 'final-vs-alpha.svg'), 'utf8');
    const t = texts(fin);
    expect(t.some((s) => s.startsWith('Final losses against α'))).toBe(true);
    expect(t.filter((s) => s === 'α (weight of loss2)')).toHaveLength(2);
    expect(t).toContain('final loss1');
    expect(t).toContain('final loss2');
    for (const a of ALPHAS) expect(t).toContain(a);
    expect(fin).toMatch(new RegExp(`aria-label="${DIVERGED} diverged at step \\d+`));

    const trade = readFileSync(join(sweepDir, 'plots', 'tradeoff.svg'), 'utf8');
    const tt = texts(trade);
    expect(tt).toContain('final loss2 — maximized, higher is better →');
    expect(tt).toContain('final loss1 — minimized, lower is better ↓');
    for (const a of ALPHAS) expect(tt).toContain(`α=${a}`);
    // One point per run that has a final loss: all but the diverged one.
    expect(trade.match(/aria-roledescription="point"/g)).toHaveLength(RUN_IDS.length - 1);
  });

  it('verdicts-by-alpha.svg: a bar per α and verdict, counting runs', () => {
    const svg = readFileSync(join(sweepDir, 'plots', 'verdicts-by-alpha.svg'), 'utf8');
    expect(texts(svg)).toContain('runs');
    const bars = [...svg.matchAll(/aria-label="α: ([^;]+); runs: (\d+); verdict: (\w+)/g)].map((m) => ({ alpha: m[1], runs: Number(m[2]), verdict: m[3] }));
    expect(bars.reduce((n, b) => n + b.runs, 0)).toBe(RUN_IDS.length);
    expect(bars).toContainEqual({ alpha: '1', runs: 1, verdict: 'diverged' });
  });

  it(`PNGs decode as PNGs twice the SVG's width and height`, () => {
    for (const c of CHARTS) {
      const svg = svgSize(readFileSync(join(sweepDir, 'plots', `${c}.svg`), 'utf8'));
      const png = pngSize(readFileSync(join(sweepDir, 'plots', `${c}.png`)));
      expect(png, c).toEqual({ width: Math.round(svg.width * 2), height: Math.round(svg.height * 2) });
      expect(svg.width, `${c} fits a page`).toBeLessThanOrEqual(900);
    }
  });
});

describe('mo-train plot options', () => {
  it('--out, --format svg, --runs and --alpha: only the chosen runs, only SVGs, where asked', async () => {
    const out = join(work, 'chosen');
    const r = await cli(['plot', sweepDir, '--out', out, '--format', 'svg', '--runs', 'alpha=0,seed=1', '--runs', 'alpha=0.1,seed=0;alpha=1,seed=1'], {
      cwd: work,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(CHARTS.map((c) => `${c}.svg`).sort());
    expect(new Set(lineRuns(readFileSync(join(out, 'loss-curves.svg'), 'utf8')))).toEqual(new Set(['alpha=0,seed=1', 'alpha=0.1,seed=0', 'alpha=1,seed=1']));

    const byAlpha = join(work, 'by-alpha');
    const a = await cli(['plot', sweepDir, '--out', byAlpha, '--format', 'svg', '--alpha', '0.01,1'], { cwd: work });
    expect(a.code, a.stderr).toBe(0);
    expect(new Set(lineRuns(readFileSync(join(byAlpha, 'loss-curves.svg'), 'utf8')))).toEqual(
      new Set(['alpha=0.01,seed=0', 'alpha=0.01,seed=1', 'alpha=1,seed=0', 'alpha=1,seed=1']),
    );
  });

  it('--log-y: loss axes labelled in powers of ten; --linear-y: not', async () => {
    const out = join(work, 'log');
    const r = await cli(['plot', sweepDir, '--out', out, '--format', 'svg', '--log-y'], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    const linearOut = join(work, 'linear');
    const l = await cli(['plot', sweepDir, '--out', linearOut, '--format', 'svg', '--linear-y'], { cwd: work });
    expect(l.code, l.stderr).toBe(0);
    const linear = texts(readFileSync(join(linearOut, 'loss-curves.svg'), 'utf8'));
    const log = texts(readFileSync(join(out, 'loss-curves.svg'), 'utf8'));
    expect(log).toContain('0.001');
    expect(log.some((s) => /^1e-\d+$/.test(s))).toBe(true);
    expect(linear.some((s) => /^1e-\d+$/.test(s))).toBe(false);
  });

  it('by default, loss curves spanning decades (loss1 falls to ~0 at α = 0) get log axes, said in the subtitle', () => {
    const byDefault = texts(readFileSync(join(sweepDir, 'plots', 'loss-curves.svg'), 'utf8'));
    expect(byDefault.some((s) => /^1e-\d+$/.test(s))).toBe(true);
    expect(byDefault.some((s) => s.includes('log scale'))).toBe(true);
  });

  it.each([
    ['not a results directory', (dir: string) => ['plot', join(dir, 'runs')], /^mo-train: .*runs has neither sweep\.json nor runs\/: not a results directory/],
    ['no such directory', (dir: string) => ['plot', join(dir, 'nope')], /^mo-train: .*nope: no such directory/],
    [
      'an unknown run',
      (dir: string) => ['plot', dir, '--runs', 'alpha=5,seed=0'],
      /^mo-train: --runs: no run "alpha=5,seed=0" in this directory \(runs: alpha=0,seed=0; alpha=0,seed=1; /,
    ],
    ['an α not swept', (dir: string) => ['plot', dir, '--alpha', '0.5'], /^mo-train: --alpha: 0\.5 is not an α of this sweep \(α: 0, 0\.01, 0\.1, 1\)$/],
    ['an α that is not a list', (dir: string) => ['plot', dir, '--alpha', 'lots'], /^mo-train: --alpha: "lots" is not a number.*; allowed: a number, a list/],
    [
      'an unknown format',
      (dir: string) => ['plot', dir, '--format', 'svg,jpeg'],
      /^mo-train: --format: "jpeg" is not a format; allowed: svg, png, or svg,png$/,
    ],
    [
      '--log-y with --linear-y',
      (dir: string) => ['plot', dir, '--log-y', '--linear-y'],
      /^mo-train: --log-y and --linear-y contradict each other; pass one of them, or neither/,
    ],
  ])('%s: exit 2, one line saying what is wrong and what is allowed, nothing written', async (_name, args, message) => {
    const out = join(work, `bad-${Math.random().toString(36).slice(2)}`);
    const before = snapshotTree(sweepDir);
    const r = await cli([...args(sweepDir), '--out', out], { cwd: work });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(message);
    expect(existsSync(out)).toBe(false);
    expect(snapshotTree(sweepDir)).toEqual(before);
  });
});
