import { describe, expect, it } from 'vitest';
import { renderGroupTable, renderNotes, renderRunTable, renderSummary } from '../../src/cli/render-summary.js';
import type { ResultsSet } from '../../src/io/read-results.js';
import { computeAggregates } from '../../src/summary/aggregate.js';
import type { RunRecord } from '../../src/summary/run-record.js';
import { makeSummary, type SummaryInput } from '../fixtures/results/build-results.js';

const LONG = 'loss1 settled at 0.01234 (range 1.2e-5) over the last 1000 steps; loss2 steady near 3.456, nothing more to say about it';

function finished(input: SummaryInput): RunRecord {
  const summary = makeSummary({ explanation: LONG, ...input });
  return { id: summary.id, path: `out/runs/${summary.id}`, state: summary.status, coords: input.coords, summary, rows: 3, problem: null };
}

const RUNS: RunRecord[] = [
  finished({ coords: { alpha: 0, seed: 0 }, verdict: 'converged', loss1: 0.012345678, loss2: 3 }),
  finished({ coords: { alpha: 0, seed: 1 }, verdict: 'converged', loss1: 0.5, loss2: 2 }),
  finished({ coords: { alpha: 0, seed: 2 }, verdict: 'converged', loss1: 1e-7, loss2: 2e6 }),
  finished({ coords: { alpha: 0, seed: 3 }, verdict: 'oscillating', loss1: 2, loss2: 2 }),
  finished({ coords: { alpha: 1, seed: 0 }, verdict: 'diverged', loss1: NaN, loss2: 1e12, steps_run: 40 }),
  {
    id: 'alpha=1,seed=1',
    path: 'out/runs/alpha=1,seed=1',
    state: 'corrupt',
    coords: { alpha: 1, seed: 1 },
    summary: null,
    rows: 2,
    problem: 'out/runs/alpha=1,seed=1/summary.json: empty file',
  },
];
const RESULTS: ResultsSet = {
  dir: 'out',
  sweep: { format_version: 1, name: 'seed' },
  runs: RUNS,
  notes: ['out/runs/old: not part of this sweep (not in sweep.json); ignored'],
  sweepIssue: null,
  sweepDocument: null,
};
const PLAIN = { color: false, width: null } as const;

describe('renderRunTable', () => {
  it('shows verdict, compact finals, min loss1, steps run of requested, and the whole explanation off a terminal', () => {
    const text = renderRunTable(RUNS, PLAIN);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^run\s+verdict\s+final loss1\s+final loss2\s+min loss1\s+steps\s+explanation$/);
    expect(lines[1]).toMatch(/^alpha=0,seed=0\s+converged\s+0\.01235\s+3\s+0\.01235\s+100 {2}loss1 settled/);
    expect(lines[3]).toMatch(/^alpha=0,seed=2\s+converged\s+1\.00e-7\s+2\.00e\+6\s/);
    expect(lines[5]).toMatch(/^alpha=1,seed=0\s+diverged\s+NaN\s+1\.00e\+12\s+20\s+40\/100 /);
    expect(lines[6]).toMatch(/^alpha=1,seed=1\s+corrupt\s+-\s+-\s+-\s+-\s+summary\.json: empty file$/);
    expect(lines[1]!.endsWith(LONG)).toBe(true);
  });

  it.each([100, 120])('cuts the explanation to a %i-column terminal', (width) => {
    const text = renderRunTable(RUNS, { color: false, width });
    for (const line of text.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(width);
    expect(text).toContain('…');
    expect(text).not.toContain(LONG);
  });

  it('keeps a readable stub of the explanation on a very narrow terminal', () => {
    const line = renderRunTable(RUNS, { color: false, width: 30 }).split('\n')[1]!;
    expect(line.endsWith(`${LONG.slice(0, 19)}…`)).toBe(true);
  });
});

describe('renderGroupTable', () => {
  it('counts verdicts per α and gives median [min – max] of the runs that finished without diverging', () => {
    const text = renderGroupTable(computeAggregates(RUNS), PLAIN);
    expect(text).toMatch(/^α\s+runs\s+verdicts\s+loss1 median \[min – max\]\s+loss2 median \[min – max\]\s+conflict$/m);
    // α=0: loss1 finals 0.0123…, 0.5, 1e-7, 2 → median (0.0123 + 0.5) / 2.
    expect(text).toMatch(/^0\s+4 {2}3 converged, 1 oscillating\s+0\.2562 \[1\.00e-7 – 2\]\s+2\.5 \[2 – 2\.00e\+6\]\s+0%$/m);
    expect(text).toMatch(/^1\s+2 {2}1 diverged, 1 corrupt\s+-\s+-\s+0%$/m);
    expect(text).toContain('over the runs that finished without diverging');
    // With fixed, the weight given loss2 is α: no column for it.
    expect(text).not.toContain('weight given loss2');
  });

  it('gives the conflict share and, when a combiner chose its own weight, the weight given loss2', () => {
    const withDiagnostics = (run: RunRecord, conflict: number, weight: number): RunRecord => {
      if (run.summary === null) throw new Error('a finished run has a summary');
      return {
        ...run,
        summary: {
          ...run.summary,
          diagnostics: { rows_with_cosine: 10, conflict_fraction: conflict, cos12_median: 0, weight_median: weight, weight_final: weight },
        },
      } as RunRecord;
    };
    const runs = [
      withDiagnostics(finished({ coords: { alpha: 0.5, seed: 0 }, loss1: 1, loss2: 1 }), 0.25, 2),
      withDiagnostics(finished({ coords: { alpha: 0.5, seed: 1 }, loss1: 1, loss2: 1 }), 0.35, 4),
      withDiagnostics(finished({ coords: { alpha: 0.5, seed: 2 }, loss1: 1, loss2: 1 }), 0.3, 3),
    ];
    const text = renderGroupTable(computeAggregates(runs), PLAIN);
    expect(text).toMatch(/\s+conflict\s+weight given loss2$/m);
    expect(text).toMatch(/^0\.5\s+3 {2}3 converged\s+1 \[1 – 1\]\s+1 \[1 – 1\]\s+30% {2}3 \[2 – 4\]$/m);
  });
});

describe('renderNotes', () => {
  it('lists directory notes and every run that is not summarized, by path', () => {
    const text = renderNotes(RESULTS, PLAIN);
    expect(text.split('\n')).toEqual([
      'notes',
      '  - out/runs/old: not part of this sweep (not in sweep.json); ignored',
      '  - corrupt: out/runs/alpha=1,seed=1/summary.json: empty file',
      '',
    ]);
  });

  it('is empty when there is nothing to note', () => {
    expect(renderNotes({ ...RESULTS, runs: RUNS.slice(0, 2), notes: [] }, PLAIN)).toBe('');
  });
});

describe('color', () => {
  it('has no escape codes when color is off', () => {
    expect(renderSummary(RESULTS, computeAggregates(RUNS), PLAIN)).not.toContain('\u001b[');
  });

  it('colors verdicts without shifting the columns when color is on', () => {
    const colored = renderSummary(RESULTS, computeAggregates(RUNS), { color: true, width: null });
    expect(colored).toMatch(/\u001b\[32mconverged\u001b\[39m/);
    expect(colored).toMatch(/\u001b\[31mdiverged\u001b\[39m/);
    const stripped = colored.replace(/\u001b\[[0-9;]*m/g, '');
    expect(stripped).toBe(renderSummary(RESULTS, computeAggregates(RUNS), PLAIN));
  });
});
