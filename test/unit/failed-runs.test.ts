/**
 * A failed run (the experiment's code threw, a worker died) is a bug to fix, not an effect of α:
 * summarize and the report say where it failed and with what message, point at the code and at
 * `sweep --resume`, and never advise another α for it. Summaries with `error.step` (the step it
 * failed at, null before training) and older ones without it are both read.
 */
import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { summarizeCommand } from '../../src/cli/commands/summarize.js';
import type { SummarizeOutput } from '../../src/cli/print-summary.js';
import { parseJson, stringifyJson } from '../../src/results/json.js';
import { computeReading } from '../../src/report/compute-reading.js';
import { renderRunTable } from '../../src/report/render-tables.js';
import { computeAggregates } from '../../src/summary/aggregate.js';
import { renderFailure } from '../../src/summary/failure.js';
import { parseRunSummary } from '../../src/results/summary-parse.js';
import type { RunRecord } from '../../src/summary/run-record.js';
import { makeSummary, makeTempDir, runIdOf, writeFinishedRun, writeSweepJson, type Coords, type SummaryInput } from '../fixtures/results/build-results.js';

const start = { loss1: 20, loss2: 0.5 };

function record(input: SummaryInput, rows = 3): RunRecord {
  const summary = { ...makeSummary(input), start };
  const id = runIdOf(input.coords);
  const path = `/r/runs/${id}`;
  return summary.status === 'failed'
    ? { id, path, state: 'failed', coords: input.coords, summary, rows, problem: null }
    : { id, path, state: 'finished', coords: input.coords, summary, rows, problem: null };
}

const threw = (coords: Coords, step: number | null | undefined, message = 'loss2: shapes [3,1] and [5] do not match') =>
  ({
    coords,
    verdict: 'failed',
    loss1: NaN,
    loss2: NaN,
    rows_logged: 0,
    explanation: `failed: ${message}`,
    error: step === undefined ? { message } : { message, step },
  }) as const;

describe('summary.json error.step', () => {
  it.each([
    { name: 'a step', error: { message: 'boom', step: 50 }, step: 50 },
    { name: 'step null (failed before training)', error: { message: 'boom', step: null }, step: null },
    { name: 'no step (an older summary)', error: { message: 'boom', stack: 'Error: boom' }, step: undefined },
  ])('is accepted with $name, and kept', ({ error, step }) => {
    const summary = makeSummary({ coords: { alpha: 0.1, seed: 0 }, verdict: 'failed', loss1: NaN, loss2: NaN, rows_logged: 0 });
    const r = parseRunSummary(parseJson(stringifyJson({ ...summary, error })));
    expect(r.ok, r.ok ? '' : r.issue).toBe(true);
    if (r.ok) expect((r.value.error as { step?: number | null }).step).toBe(step);
  });

  it('refuses a step that is not a step number', () => {
    const summary = makeSummary({ coords: { alpha: 0.1, seed: 0 }, verdict: 'failed', loss1: NaN, loss2: NaN, rows_logged: 0 });
    const r = parseRunSummary({ ...summary, error: { message: 'boom', step: -1 } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issue).toMatch(/^error\.step: /);
  });
});

describe('renderFailure', () => {
  it.each([
    { name: 'at a step', input: threw({ alpha: 0.1, seed: 0 }, 50, 'boom\n    at loss2 (exp.ts:3)'), rows: 50, text: 'failed at step 50: boom' },
    { name: 'at step 0', input: threw({ alpha: 0.1, seed: 0 }, 0, 'boom'), rows: 0, text: 'failed at step 0: boom' },
    { name: 'before training (step null)', input: threw({ alpha: 0.1, seed: 0 }, null, 'cannot load'), rows: 0, text: 'failed before training: cannot load' },
    {
      name: 'an older summary, no rows logged',
      input: threw({ alpha: 0.1, seed: 0 }, undefined, 'cannot load'),
      rows: 0,
      text: 'failed before training: cannot load',
    },
    {
      name: 'an older summary, rows logged',
      input: threw({ alpha: 0.1, seed: 0 }, undefined, 'boom'),
      rows: 51,
      text: 'failed during training (51 rows logged): boom',
    },
  ])('$name: "$text"', ({ input, rows, text }) => {
    expect(renderFailure(record(input, rows) as RunRecord & { state: 'failed' })).toBe(text);
  });
});

describe('the report on a sweep where a module throws at step 50', () => {
  // α = 0 fine; α = 0.1 and 1: every run throws at step 50 — nothing unstable anywhere.
  const runs = [0, 1].flatMap((seed) => [
    record({ coords: { alpha: 0, seed }, verdict: 'converged', loss1: 0, loss2: 6 }),
    record(threw({ alpha: 0.1, seed }, 50), 50),
    record(threw({ alpha: 1, seed }, 50), 50),
  ]);
  const reading = computeReading(runs, computeAggregates(runs), 'results/x');
  const text = [...reading.sentences, reading.answer].join(' ');

  it('says where and how the runs failed, and points at the code and at sweep --resume', () => {
    expect(text).toContain('failed at step 50: loss2: shapes [3,1] and [5] do not match');
    expect(reading.answer).toContain("in the experiment's code");
    expect(reading.answer).toContain('`mo-train sweep --resume results/x` redoes the failed runs');
  });

  it('never calls the failures unstable, nor advises another α', () => {
    expect(text).not.toMatch(/smaller values of α|unstable|learning rate/);
    expect(reading.groups.map((g) => g.kind)).toEqual(['baseline', 'failed', 'failed']);
  });

  it('an α where some runs failed and the others converged gets no α advice either', () => {
    const mixed = [record({ coords: { alpha: 0.1, seed: 0 }, verdict: 'converged', loss1: 0.5, loss2: 0.6 }), record(threw({ alpha: 0.1, seed: 1 }, null), 0)];
    const r = computeReading(mixed, computeAggregates(mixed), 'results/x');
    expect([...r.sentences, r.answer].join(' ')).not.toMatch(/smaller values of α|unstable/);
    expect(r.sentences.join(' ')).toContain('failed before training: loss2: shapes');
  });

  it("the run table's explanation is the failure, with its step, even for a summary that explains it the old way", () => {
    const table = renderRunTable(runs, [], (id) => id).text;
    expect(table).toContain('<td class="why">failed at step 50: loss2: shapes [3,1] and [5] do not match</td>');
    expect(table).not.toContain('<td class="why">failed: ');
  });
});

describe('summarize on a sweep where a module throws at step 50', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  it('explains each failed run by its step and message, and says in the notes to fix the code and resume', async () => {
    const coords: Coords[] = [
      { alpha: 0, seed: 0 },
      { alpha: 0.1, seed: 0 },
      { alpha: 0.1, seed: 1 },
    ];
    writeSweepJson(tmp, coords);
    writeFinishedRun(tmp, makeSummary({ coords: coords[0]!, loss1: 0, loss2: 6 }));
    writeFinishedRun(tmp, makeSummary(threw(coords[1]!, 50, 'boom')));
    writeFinishedRun(tmp, makeSummary(threw(coords[2]!, undefined, 'boom')));
    const out: string[] = [];
    const output: SummarizeOutput = { out: (t) => out.push(t), err: () => {}, render: { color: false, width: null } };
    expect(await summarizeCommand(tmp, {}, output)).toBe(0);
    const text = out.join('');
    const row = (id: string) => text.split('\n').find((l) => l.startsWith(`${id} `)) ?? '';
    expect(row('alpha=0.1,seed=0')).toMatch(/ failed .* failed at step 50: boom$/);
    expect(row('alpha=0.1,seed=1')).toMatch(/ failed .* failed before training: boom$/);
    const notes = text.slice(text.indexOf('\nnotes\n'));
    expect(notes).toContain('  - run alpha=0.1,seed=0 failed at step 50: boom');
    expect(notes).toContain(
      `2 runs failed with an error in the experiment's code, not because of α: fix it, then \`mo-train sweep --resume ${tmp}\` redoes the failed runs`,
    );
    // Per α: the failures counted, and said to be no verdict on α.
    expect(text).toMatch(/\n0\.1\s+2\s+2 failed\s/);
    expect(text).toContain('failed: the run stopped with an error (see the notes), which says nothing about α.');
    expect(text).not.toMatch(/smaller values of α|unstable/);
  });
});
