/**
 * Swept values shown short in the tables a person reads (the terminal's and the report's) — α from
 * logspace is 0.000316227766016838 — while run ids and the CSVs keep the exact value; two values
 * that round alike get more digits until they differ.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { summarizeCommand } from '../../src/cli/commands/summarize.js';
import { renderGroupTable as renderTerminalGroupTable } from '../../src/cli/render-summary.js';
import { computeReading } from '../../src/report/compute-reading.js';
import { renderGroupTable, renderRunTable } from '../../src/report/render-tables.js';
import { computeAggregates } from '../../src/summary/aggregate.js';
import type { RunRecord } from '../../src/summary/run-record.js';
import { computeShortTexts } from '../../src/summary/short-values.js';
import { makeSummary, makeTempDir, runIdOf, writeFinishedRun, writeSweepJson, type Coords } from '../fixtures/results/build-results.js';

/** logspace(-4,0,9), as the spec expands it. */
const LOGSPACE = [0.0001, 0.000316227766016838, 0.001, 0.0031622776601683794, 0.01, 0.03162277660168379, 0.1, 0.31622776601683794, 1];

describe('computeShortTexts', () => {
  it.each([
    { name: 'the quick start α, unchanged', values: [0, 0.01, 0.1, 1], texts: ['0', '0.01', '0.1', '1'] },
    { name: 'logspace(-4,0,9)', values: LOGSPACE, texts: ['1e-4', '3.162e-4', '0.001', '0.003162', '0.01', '0.03162', '0.1', '0.3162', '1'] },
    { name: 'linspace(0,1,25) steps', values: [0, 0.041666666666666664, 0.08333333333333333], texts: ['0', '0.04167', '0.08333'] },
    { name: 'two α that round alike at 4 digits', values: [0.1, 0.10001, 0.2], texts: ['0.1', '0.10001', '0.2'] },
    { name: 'tiny and huge', values: [1.23456789e-7, 123456789.5], texts: ['1.235e-7', '1.235e8'] },
    { name: 'integers (seeds) exact', values: [4294967295, 12345], texts: ['4294967295', '12345'] },
    { name: 'strings and booleans as they are', values: ['adam', true], texts: ['adam', 'true'] },
  ])('$name', ({ values, texts }) => {
    const short = computeShortTexts(values);
    expect(values.map((v) => short(v))).toEqual(texts);
  });

  it('keeps adding digits until every value differs, up to the exact value', () => {
    const values = [0.1, 0.1 + 1e-12, 0.1 + 2e-12];
    const texts = values.map(computeShortTexts(values));
    expect(new Set(texts).size).toBe(3);
    texts.forEach((t, i) => expect(Math.abs(Number(t) - values[i]!)).toBeLessThan(5e-13));
  });
});

function run(alpha: number, seed: number): RunRecord {
  const summary = makeSummary({ coords: { alpha, seed }, verdict: 'converged', loss1: 0.01, loss2: 2 });
  return { id: summary.id, path: `out/runs/${summary.id}`, state: 'finished', coords: summary.coords, summary, rows: 3, problem: null };
}

describe('tables of a logspace sweep', () => {
  const runs = LOGSPACE.map((a) => run(a, 0));
  const aggregates = computeAggregates(runs);

  it('summarize per α: α short', () => {
    const text = renderTerminalGroupTable(aggregates, { color: false, width: null });
    expect(text).toMatch(/^3\.162e-4\s+1\s+1 converged/m);
    expect(text).toMatch(/^\s*0\.3162\s+1\s+1 converged/m);
    expect(text).not.toContain('0.000316227766016838');
  });

  it('the report: α short in both tables and in the reading, exact in the sort key and the run id', () => {
    const reading = computeReading(runs, aggregates, 'out');
    const groups = renderGroupTable(reading.groups, [], null).text;
    expect(groups).toContain('data-sort="0.000316227766016838"');
    expect(groups).toMatch(/>3\.162e-4<\/td>/);
    expect(groups).not.toMatch(/>0\.000316227766016838</);
    const table = renderRunTable(runs, [], (id) => id).text;
    expect(table).toContain('<td class="id">alpha=0.000316227766016838,seed=0</td>');
    expect(table).toMatch(/>3\.162e-4<\/td>/);
    expect(table).not.toMatch(/>0\.000316227766016838</);
    expect(reading.sentences.join(' ')).toContain('9 values of α from 1e-4 to 1');
  });

  it('two α that round alike stay apart in the reading and the tables', () => {
    const close = [run(0.1, 0), run(0.10001, 0)];
    const reading = computeReading(close, computeAggregates(close), 'out');
    expect(reading.groups.map((g) => g.label)).toEqual(['α = 0.1', 'α = 0.10001']);
    expect(renderTerminalGroupTable(computeAggregates(close), { color: false, width: null })).toMatch(/^0\.10001\s/m);
  });
});

describe('summarize on a logspace sweep', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  it('prints α short and keeps it exact in run ids, summary.csv and by-alpha.csv', async () => {
    const coords: Coords[] = LOGSPACE.map((alpha) => ({ alpha, seed: 0 }));
    writeSweepJson(tmp, coords);
    for (const c of coords) writeFinishedRun(tmp, makeSummary({ coords: c, loss1: 0.01, loss2: 2 }));
    const out: string[] = [];
    expect(await summarizeCommand(tmp, {}, { out: (t) => out.push(t), err: () => {}, render: { color: false, width: null } })).toBe(0);
    const text = out.join('');
    expect(text).toContain(`${runIdOf({ alpha: 0.000316227766016838, seed: 0 })} `);
    expect(text).toMatch(/^3\.162e-4\s+1\s+1 converged/m);
    expect(readFileSync(join(tmp, 'by-alpha.csv'), 'utf8')).toMatch(/^0\.000316227766016838,/m);
    expect(readFileSync(join(tmp, 'summary.csv'), 'utf8')).toContain('alpha=0.000316227766016838,seed=0",0.000316227766016838,0,');
  });
});
