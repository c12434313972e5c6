import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { summarizeCommand } from '../../src/cli/commands/summarize.js';
import type { SummarizeOutput } from '../../src/cli/print-summary.js';
import { parseJson, stringifyJson } from '../../src/results/json.js';
import { readResults } from '../../src/io/read-results.js';
import { parseCsvNumber } from '../../src/results/steps-file.js';
import { fmt } from '../../src/summary/verdict.js';
import {
  CLEAN_RUNS,
  configFor,
  makeSummary,
  makeTempDir,
  runIdOf,
  stepsCsvFor,
  writeCleanSweep,
  writeFinishedRun,
  writeRunFiles,
  writeSweepJson,
  type Coords,
} from '../fixtures/results/build-results.js';

let tmp: string;
beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function capture(): { output: SummarizeOutput; stdout: () => string; stderr: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    output: { out: (t) => out.push(t), err: (t) => err.push(t), render: { color: false, width: null } },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

type CsvRecord = Record<string, string>;
const readCsv = (path: string): CsvRecord[] => parse(readFileSync(path, 'utf8'), { columns: true }) as CsvRecord[];

function lineOf(text: string, start: string): string {
  const line = text.split('\n').find((l) => l.startsWith(start));
  if (line === undefined) throw new Error(`no line starts with ${JSON.stringify(start)} in:\n${text}`);
  return line;
}

describe('summarize', () => {
  it('prints a row per run and per α for a clean sweep, and writes both CSVs', async () => {
    writeCleanSweep(tmp);
    const io = capture();
    expect(await summarizeCommand(tmp, {}, io.output)).toBe(0);
    expect(io.stderr()).toBe('');
    const text = io.stdout();
    for (const run of CLEAN_RUNS) {
      const line = lineOf(text, `${runIdOf(run.coords)} `);
      expect(line).toContain(` ${run.verdict} `);
      expect(line).toContain(` ${fmt(run.loss1)} `);
      expect(line).toContain(` ${fmt(run.loss2)} `);
    }
    // Per-α rows: α, runs, counts, loss1 and loss2 median [min – max].
    expect(text).toMatch(/^\s+0 {2}\s*2 {2}2 converged\s+2 \[1 – 3\]\s+4 \[2 – 6\]\s+0%$/m);
    expect(text).toMatch(/^\s*0\.1 {2}\s*2 {2}1 converged, 1 drifting\s+0\.625 \[0\.5 – 0\.75\]\s+20 \[10 – 30\]\s+0%$/m);
    expect(text).toContain('runs that finished without diverging');
    expect(text).toContain(`wrote ${join(tmp, 'summary.csv')} and ${join(tmp, 'by-alpha.csv')}`);

    const byAlpha = readCsv(join(tmp, 'by-alpha.csv'));
    expect(byAlpha.map((r) => [r.alpha, r.runs, r.converged, r.drifting, r.loss1_median, r.loss2_median])).toEqual([
      ['0', '2', '2', '0', '2', '4'],
      ['0.1', '2', '1', '1', '0.625', '20'],
    ]);
    expect(readCsv(join(tmp, 'summary.csv')).map((r) => [r.id, r.state, r.verdict, r.final_loss1])).toEqual(
      CLEAN_RUNS.map((r) => [runIdOf(r.coords), 'finished', r.verdict, String(r.loss1)]),
    );
  });

  it('reports failed, unfinished, missing and corrupt runs by path and summarizes the rest', async () => {
    const coords: Coords[] = [0, 1, 2, 3, 4, 5, 6].map((seed) => ({ alpha: 0, seed }));
    writeSweepJson(tmp, coords);
    writeFinishedRun(tmp, makeSummary({ coords: coords[0]!, loss1: 1, loss2: 2 }));
    writeFinishedRun(tmp, makeSummary({ coords: coords[1]!, verdict: 'failed', loss1: 9, loss2: 9, explanation: 'failed: engine crashed' }));
    writeRunFiles(tmp, runIdOf(coords[2]!), { config: stringifyJson(configFor(coords[2]!)), steps: 'step,loss1,loss2,total\n0,1,1,1\n' });
    writeRunFiles(tmp, runIdOf(coords[4]!), { config: stringifyJson(configFor(coords[4]!)), summary: '' });
    const cut = makeSummary({ coords: coords[5]!, loss1: 4, loss2: 5 });
    writeRunFiles(tmp, cut.id, { config: stringifyJson(configFor(coords[5]!)), steps: `${stepsCsvFor(cut)}100,3.`, summary: stringifyJson(cut) });
    const bad = makeSummary({ coords: coords[6]!, loss1: 1, loss2: 1, rows_logged: 4 });
    writeRunFiles(tmp, bad.id, { config: stringifyJson(configFor(coords[6]!)), steps: stepsCsvFor({ ...bad, rows_logged: 3 }), summary: stringifyJson(bad) });

    const io = capture();
    expect(await summarizeCommand(tmp, {}, io.output)).toBe(0);
    const text = io.stdout();
    const runDir = (i: number) => join(tmp, 'runs', runIdOf(coords[i]!));
    expect(lineOf(text, `${runIdOf(coords[0]!)} `)).toContain('converged');
    // The fixture's failed run has 3 rows in steps.csv and no error.step (an older summary).
    expect(lineOf(text, `${runIdOf(coords[1]!)} `)).toContain('failed during training (3 rows logged): engine crashed');
    // Verdict, the loss1 and loss2 sparklines (16 cells off a terminal), then the finals.
    expect(lineOf(text, `${runIdOf(coords[5]!)} `)).toMatch(/converged\s+[▁-█]{16}\s+[▁-█]{16}\s+4\s+5\s/);
    expect(text).toContain(
      `  - unfinished: ${runDir(2)}: no summary.json — still running, or stopped without a trace (killed) (1 row in steps.csv so far); a resume does it again`,
    );
    expect(text).toContain(`  - missing: ${runDir(3)}: no run directory`);
    expect(text).toContain(`  - corrupt: ${join(runDir(4), 'summary.json')}: empty file`);
    expect(text).toContain(`  - corrupt: ${join(runDir(6), 'steps.csv')}: 3 complete rows, but summary.json says rows_logged 4`);
    expect(text).not.toContain(`${runDir(5)}`);
    // Loss spread over seeds 0 and 5 only: the two that finished without diverging.
    expect(text).toMatch(/2 converged, 1 failed, 1 missing, 1 unfinished, 2 corrupt\s+2\.5 \[1 – 4\] \(2 of 7\)/);

    const rows = readCsv(join(tmp, 'summary.csv'));
    expect(rows.map((r) => r.state)).toEqual(['finished', 'failed', 'unfinished', 'missing', 'corrupt', 'finished', 'corrupt']);
    expect(rows[4]!.problem).toBe(`${join(runDir(4), 'summary.json')}: empty file`);
    expect(rows[4]!.verdict).toBe('');
    const [group] = readCsv(join(tmp, 'by-alpha.csv'));
    expect(group).toMatchObject({
      runs: '7',
      converged: '2',
      failed: '1',
      missing: '1',
      unfinished: '1',
      corrupt: '2',
      final_loss_runs: '2',
      loss1_median: '2.5',
    });
  });

  it('keeps NaN and ±Infinity finals in summary.csv and in --json', async () => {
    const diverged = makeSummary({ coords: { alpha: 1, seed: 0 }, verdict: 'diverged', loss1: NaN, loss2: Infinity });
    const negative = makeSummary({ coords: { alpha: 1, seed: 1 }, verdict: 'diverged', loss1: 3, loss2: -Infinity });
    writeSweepJson(tmp, [diverged.coords as Coords, negative.coords as Coords]);
    writeFinishedRun(tmp, diverged);
    writeFinishedRun(tmp, negative);

    const io = capture();
    expect(await summarizeCommand(tmp, { json: true }, io.output)).toBe(0);
    const raw = io.stdout();
    expect(raw).toContain('"loss1": "NaN"');
    const doc = parseJson(raw) as { runs: { id: string; state: string; summary: { final: { loss1: number; loss2: number; total: number } } }[] };
    expect(doc.runs[0]!.summary.final.loss1).toBeNaN();
    expect(doc.runs[0]!.summary.final.loss2).toBe(Infinity);
    expect(doc.runs[1]!.summary.final.loss2).toBe(-Infinity);
    expect(doc.runs[1]!.summary.final.total).toBe(Infinity);

    const csv = readCsv(join(tmp, 'summary.csv'));
    expect(csv.map((r) => [r.final_loss1, r.final_loss2, r.final_total])).toEqual([
      ['NaN', 'Infinity', 'NaN'], // total = NaN − 1·Infinity
      ['3', '-Infinity', 'Infinity'],
    ]);
    const [group] = readCsv(join(tmp, 'by-alpha.csv'));
    expect(group).toMatchObject({ diverged: '2', final_loss_runs: '0', loss1_median: '', loss2_max: '' });
  });

  it('prints one JSON document with --json: runs with state and summary, groups, notes, files', async () => {
    writeCleanSweep(tmp);
    writeSweepJson(tmp, [...CLEAN_RUNS.map((r) => r.coords), { alpha: 0.1, seed: 2 }]);
    const io = capture();
    expect(await summarizeCommand(tmp, { json: true }, io.output)).toBe(0);
    const doc = parseJson(io.stdout()) as {
      runs: { id: string; state: string; problem: string | null; summary: { verdict: string } | null }[];
      groups: { coords: Coords; runs: number; counts: Record<string, number>; loss1: { median: number } | null }[];
      files: { summary_csv: string; by_alpha_csv: string };
    };
    expect(doc.runs.map((r) => [r.id, r.state, r.summary?.verdict ?? null])).toEqual([
      ['alpha=0,seed=0', 'finished', 'converged'],
      ['alpha=0,seed=1', 'finished', 'converged'],
      ['alpha=0.1,seed=0', 'finished', 'converged'],
      ['alpha=0.1,seed=1', 'finished', 'drifting'],
      ['alpha=0.1,seed=2', 'missing', null],
    ]);
    expect(doc.runs[4]!.problem).toMatch(/no run directory/);
    expect(doc.groups.map((g) => [g.coords.alpha, g.runs, g.counts.missing])).toEqual([
      [0, 2, 0],
      [0.1, 3, 1],
    ]);
    expect(doc.groups[1]!.loss1!.median).toBeCloseTo(0.625, 12);
    expect(doc.files.by_alpha_csv).toBe(join(tmp, 'by-alpha.csv'));
    expect(readCsv(doc.files.summary_csv)).toHaveLength(5);
  });

  it('notes objectives without a gradient and run warnings', async () => {
    const s = makeSummary({ coords: { alpha: 0.5, seed: 0 }, loss1: 1, loss2: 1, no_gradient: ['loss2'], warnings: ['log_every 7 does not divide steps'] });
    writeSweepJson(tmp, [s.coords as Coords]);
    writeFinishedRun(tmp, s);
    const io = capture();
    await summarizeCommand(tmp, {}, io.output);
    expect(io.stdout()).toContain('loss2 has no gradient in run alpha=0.5,seed=0: it was never optimized');
    expect(io.stdout()).toContain('run alpha=0.5,seed=0: log_every 7 does not divide steps');
    expect(readCsv(join(tmp, 'summary.csv'))[0]!.no_gradient).toBe('loss2');
  });

  it('reports stray directories and a newer sweep.json in the notes', async () => {
    writeCleanSweep(tmp);
    writeSweepJson(
      tmp,
      CLEAN_RUNS.map((r) => r.coords),
      { format_version: 2 },
    );
    mkdirSync(join(tmp, 'runs', 'scratch'));
    const io = capture();
    expect(await summarizeCommand(tmp, {}, io.output)).toBe(0);
    expect(io.stdout()).toContain(`${join(tmp, 'runs', 'scratch')}: not part of this sweep`);
    expect(io.stdout()).toContain('format_version 2 is newer than this mo-train reads (1)');
    expect(readCsv(join(tmp, 'summary.csv'))).toHaveLength(4);
  });

  it.each([
    { name: 'does not exist', dir: (d: string) => join(d, 'missing-dir') },
    { name: 'is not a results directory', dir: (d: string) => d },
  ])('exits 2 with one line on stderr when the directory $name', async ({ dir }) => {
    const io = capture();
    expect(await summarizeCommand(dir(tmp), {}, io.output)).toBe(2);
    expect(io.stdout()).toBe('');
    expect(io.stderr()).toMatch(/^mo-train: [^\n]+\n$/);
  });

  it('still prints the summary, then exits 2 with one line, when the CSVs cannot be written', async () => {
    writeCleanSweep(tmp);
    mkdirSync(join(tmp, 'summary.csv')); // a directory in the way: the rename over it fails
    const io = capture();
    expect(await summarizeCommand(tmp, {}, io.output)).toBe(2);
    expect(io.stdout()).toContain('alpha=0.1,seed=1');
    expect(io.stderr()).toMatch(/^mo-train: cannot write summary\.csv \/ by-alpha\.csv in .*\(E[A-Z]+\)[^\n]*\n$/);
  });
});

describe('summary.csv round trip', () => {
  it('holds the values of the runs, computed independently here, ids with commas and equals signs included', async () => {
    const grid: Coords[] = [];
    for (const alpha of [0, 0.001])
      for (const act of ['relu', 'tanh, scaled']) for (const seed of [0, 1]) grid.push({ alpha, 'model.act': act, 'x.on': seed === 0, seed });
    writeSweepJson(tmp, grid);
    grid.forEach((coords, i) => {
      if (i === 3) return; // one missing run
      const verdict = i === 5 ? 'diverged' : 'converged';
      writeFinishedRun(
        tmp,
        makeSummary({ coords, verdict, loss1: i === 5 ? NaN : 0.1 * i + 1e-9, loss2: 1 / (i + 1), explanation: `loss1 "settled", then\nrested (run ${i})` }),
      );
    });
    expect(await summarizeCommand(tmp, {}, capture().output)).toBe(0);

    const results = await readResults(tmp);
    const runText = readFileSync(join(tmp, 'summary.csv'), 'utf8');
    expect(runText).toContain('"alpha=0,model.act=relu,x.on=true,seed=0"');
    // Expected values computed here from the grid and the losses written above, not by the
    // functions the command uses.
    const loss1 = (i: number) => 0.1 * i + 1e-9;
    const loss2 = (i: number) => 1 / (i + 1);
    const runs = readCsv(join(tmp, 'summary.csv'));
    expect(runs.map((r) => [r.id, r.alpha, r.seed, r['model.act'], r['x.on'], r.state, r.verdict])).toEqual(
      grid.map((c, i) => [
        `alpha=${c.alpha},model.act=${c['model.act']},x.on=${c['x.on']},seed=${c.seed}`,
        String(c.alpha),
        String(c.seed),
        c['model.act'],
        String(c['x.on']),
        i === 3 ? 'missing' : 'finished',
        i === 3 ? '' : i === 5 ? 'diverged' : 'converged',
      ]),
    );
    for (const [i, c] of grid.entries()) {
      if (i === 3 || i === 5) continue;
      expect(parseCsvNumber(runs[i]!.final_loss2!)).toBe(loss2(i));
      expect(parseCsvNumber(runs[i]!.final_total!)).toBeCloseTo(loss1(i) - (c.alpha as number) * loss2(i), 15);
    }
    // by-alpha.csv: one group per α × model.act × x.on (x.on follows the seed here), so one run
    // each; sorted by α, then the other keys (false before true).
    const groups = readCsv(join(tmp, 'by-alpha.csv'));
    const order = [1, 0, 3, 2, 5, 4, 7, 6];
    expect(groups.map((g) => [g.alpha, g['model.act'], g['x.on'], g.runs, g.converged, g.diverged, g.missing])).toEqual(
      order.map((i) => [
        String(grid[i]!.alpha),
        grid[i]!['model.act'],
        String(grid[i]!['x.on']),
        '1',
        i === 3 || i === 5 ? '0' : '1',
        i === 5 ? '1' : '0',
        i === 3 ? '1' : '0',
      ]),
    );
    for (const [k, i] of order.entries()) {
      const g = groups[k]!;
      if (i === 3 || i === 5) expect([g.loss1_median, g.loss2_median]).toEqual(['', '']);
      else expect([parseCsvNumber(g.loss1_median!), parseCsvNumber(g.loss2_median!)]).toEqual([loss1(i), loss2(i)]);
    }

    // And the numbers come back as the same doubles.
    const parsed = readCsv(join(tmp, 'summary.csv'));
    for (const [i, run] of results.runs.entries()) {
      const final = run.summary?.final;
      const cell = parseCsvNumber(parsed[i]!.final_loss1!);
      if (!final) expect(parsed[i]!.final_loss1).toBe('');
      else if (Number.isNaN(final.loss1)) expect(cell).toBeNaN();
      else expect(cell).toBe(final.loss1);
    }
    expect(parsed[0]!.explanation).toBe('loss1 "settled", then\nrested (run 0)');
    expect(parsed.map((r) => r['model.act'])).toContain('tanh, scaled');
  });
});
