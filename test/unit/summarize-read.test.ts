import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { stringifyJson } from '../../src/results/json.js';
import { readResults } from '../../src/io/read-results.js';
import type { RunRecord } from '../../src/summary/run-record.js';
import {
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

const byId = (runs: readonly RunRecord[]) => new Map(runs.map((r) => [r.id, r]));

/** α=0 × seeds 0–6, each seed broken in its own way (see the test names). */
function writeProblemSweep(dir: string): Coords[] {
  const coords: Coords[] = [0, 1, 2, 3, 4, 5, 6].map((seed) => ({ alpha: 0, seed }));
  writeSweepJson(dir, coords);
  writeFinishedRun(dir, makeSummary({ coords: coords[0]!, loss1: 1, loss2: 2 }));
  // Failed before logging anything: no steps.csv at all.
  const failed = makeSummary({ coords: coords[1]!, verdict: 'failed', loss1: 0, loss2: 0, rows_logged: 0, steps_run: 0 });
  writeRunFiles(dir, failed.id, { config: stringifyJson(configFor(coords[1]!)), summary: stringifyJson(failed) });
  // Unfinished: config and 5 rows, no summary.json.
  const running = makeSummary({ coords: coords[2]!, loss1: 1, loss2: 1, rows_logged: 5 });
  writeRunFiles(dir, running.id, { config: stringifyJson(configFor(coords[2]!)), steps: stepsCsvFor(running) });
  // coords[3]: missing, no directory.
  const empty = makeSummary({ coords: coords[4]!, loss1: 1, loss2: 1 });
  writeRunFiles(dir, empty.id, { config: stringifyJson(configFor(coords[4]!)), steps: stepsCsvFor(empty), summary: '' });
  // A half-written line after the last complete row: ignored, the row count still matches.
  const cut = makeSummary({ coords: coords[5]!, loss1: 4, loss2: 5 });
  writeRunFiles(dir, cut.id, { config: stringifyJson(configFor(coords[5]!)), steps: `${stepsCsvFor(cut)}100,3.9,5.1,3.`, summary: stringifyJson(cut) });
  // summary.json says 3 rows, steps.csv has 2.
  const short = makeSummary({ coords: coords[6]!, loss1: 1, loss2: 1 });
  const shortSteps = stepsCsvFor(short).split('\n');
  shortSteps.splice(1, 1);
  writeRunFiles(dir, short.id, { config: stringifyJson(configFor(coords[6]!)), steps: shortSteps.join('\n'), summary: stringifyJson(short) });
  return coords;
}

describe('readResults', () => {
  it('reads a clean sweep in sweep.json order with every run finished', async () => {
    const summaries = writeCleanSweep(tmp);
    const r = await readResults(tmp);
    expect(r.sweep).toEqual({ format_version: 1, name: 'seed' });
    expect(r.notes).toEqual([]);
    expect(r.runs.map((x) => x.id)).toEqual(summaries.map((s) => s.id));
    for (const run of r.runs) {
      expect(run.state).toBe('finished');
      expect(run.problem).toBeNull();
      expect(run.rows).toBe(3);
      expect(run.path).toBe(join(tmp, 'runs', run.id));
    }
    expect(r.runs[3]!.summary!.verdict).toBe('drifting');
    expect(r.runs[3]!.summary!.final!.loss2).toBe(30);
  });

  it('gives each broken run its state and a problem naming the file', async () => {
    const coords = writeProblemSweep(tmp);
    const runs = byId((await readResults(tmp)).runs);
    const run = (i: number) => runs.get(runIdOf(coords[i]!))!;
    const path = (i: number, file = '') => join(tmp, 'runs', runIdOf(coords[i]!), file);

    expect(run(0)).toMatchObject({ state: 'finished', problem: null });
    expect(run(1)).toMatchObject({ state: 'failed', problem: null, rows: 0 });
    expect(run(1).summary!.error!.message).toBe('engine crashed');
    expect(run(2)).toMatchObject({ state: 'unfinished', rows: 5, summary: null, coords: { alpha: 0, seed: 2 } });
    expect(run(2).problem).toBe(
      `${path(2).replace(/\/$/, '')}: no summary.json — still running, or stopped without a trace (killed) (5 rows in steps.csv so far); a resume does it again`,
    );
    expect(run(3)).toMatchObject({ state: 'missing', coords: { alpha: 0, seed: 3 } });
    expect(run(3).problem).toMatch(new RegExp(`^${escape(path(3).replace(/\/$/, ''))}: no run directory`));
    expect(run(4)).toMatchObject({ state: 'corrupt', problem: `${path(4, 'summary.json')}: empty file`, summary: null });
    expect(run(5)).toMatchObject({ state: 'finished', rows: 3, problem: null });
    expect(run(5).summary!.final!.loss1).toBe(4);
    expect(run(6)).toMatchObject({ state: 'corrupt', problem: `${path(6, 'steps.csv')}: 2 complete rows, but summary.json says rows_logged 3` });
  });

  it.each([
    { name: 'not JSON', text: '{"format_version": 1, ', problem: /summary\.json: not valid JSON/ },
    { name: 'the wrong shape', text: '{"format_version": 1, "id": "alpha=0,seed=0"}', problem: /summary\.json: status: / },
    {
      name: "another run's summary",
      text: stringifyJson(makeSummary({ coords: { alpha: 9, seed: 9 }, loss1: 1, loss2: 1 })),
      problem: /summary\.json: id is "alpha=9,seed=9", expected "alpha=0,seed=0"/,
    },
  ])('marks a summary.json that is $name corrupt', async ({ text, problem }) => {
    const coords = { alpha: 0, seed: 0 };
    writeSweepJson(tmp, [coords]);
    writeRunFiles(tmp, runIdOf(coords), {
      config: stringifyJson(configFor(coords)),
      steps: stepsCsvFor(makeSummary({ coords, loss1: 1, loss2: 1 })),
      summary: text,
    });
    const [run] = (await readResults(tmp)).runs;
    expect(run!.state).toBe('corrupt');
    expect(run!.problem).toMatch(problem);
    expect(run!.problem!.startsWith(join(tmp, 'runs', 'alpha=0,seed=0', 'summary.json'))).toBe(true);
  });

  it('marks a run whose last steps.csv row differs from summary.json final corrupt', async () => {
    const coords = { alpha: 0, seed: 0 };
    const s = makeSummary({ coords, loss1: 1, loss2: 1 });
    writeSweepJson(tmp, [coords]);
    writeRunFiles(tmp, s.id, {
      config: stringifyJson(configFor(coords)),
      steps: stepsCsvFor({ ...s, final: { ...s.final!, loss2: 1.5 } }),
      summary: stringifyJson(s),
    });
    const [run] = (await readResults(tmp)).runs;
    expect(run!.problem).toBe(`${join(tmp, 'runs', s.id, 'steps.csv')}: last row has loss2 1.5, but summary.json final.loss2 is 1`);
  });

  it('reports entries of runs/ that are not in sweep.json and ignores them', async () => {
    writeCleanSweep(tmp);
    writeFinishedRun(tmp, makeSummary({ coords: { alpha: 5, seed: 0 }, loss1: 1, loss2: 1 }));
    writeFileSync(join(tmp, 'runs', 'notes.txt'), 'hi');
    mkdirSync(join(tmp, 'runs', '.hidden'));
    const r = await readResults(tmp);
    expect(r.runs).toHaveLength(4);
    expect(r.notes).toEqual([
      `${join(tmp, 'runs', 'alpha=5,seed=0')}: not part of this sweep (not in sweep.json); ignored`,
      `${join(tmp, 'runs', 'notes.txt')}: not part of this sweep (not in sweep.json); ignored`,
    ]);
  });

  it('reads a sweep.json of a newer format_version as far as it can, and says so', async () => {
    const coords = [{ alpha: 0, seed: 0 }];
    writeSweepJson(tmp, coords, { format_version: 2, shards: 4 });
    writeFinishedRun(tmp, makeSummary({ coords: coords[0]!, loss1: 1, loss2: 1 }));
    const r = await readResults(tmp);
    expect(r.sweep!.format_version).toBe(2);
    expect(r.notes).toEqual([`${join(tmp, 'sweep.json')}: format_version 2 is newer than this mo-train reads (1); reading what it can`]);
    expect(r.runs.map((x) => x.state)).toEqual(['finished']);
  });

  it('falls back to discovering runs when a newer sweep.json lists runs in a shape it does not know', async () => {
    writeSweepJson(tmp, [], { format_version: 3, runs: { 'alpha=0,seed=0': {} } });
    writeFinishedRun(tmp, makeSummary({ coords: { alpha: 0, seed: 0 }, loss1: 1, loss2: 1 }));
    const r = await readResults(tmp);
    expect(r.sweep).toBeNull();
    expect(r.notes[0]).toMatch(/format_version 3 is newer/);
    expect(r.notes[1]).toMatch(/sweep\.json: runs: .*; runs discovered from .*runs\/ instead$/);
    expect(r.runs.map((x) => [x.id, x.state])).toEqual([['alpha=0,seed=0', 'finished']]);
  });

  it('discovers runs from runs/ without sweep.json, in grid order, coords from summary.json or config.json', async () => {
    for (const coords of [
      { alpha: 1, seed: 0 },
      { alpha: 0.5, seed: 10 },
      { alpha: 0.5, seed: 2 },
    ]) {
      writeFinishedRun(tmp, makeSummary({ coords, loss1: 1, loss2: 1 }));
    }
    writeRunFiles(tmp, 'alpha=0.5,seed=3', { config: stringifyJson(configFor({ alpha: 0.5, seed: 3 })) });
    const r = await readResults(tmp);
    expect(r.sweep).toBeNull();
    expect(r.notes).toEqual([`${join(tmp, 'sweep.json')}: not found; runs discovered from ${join(tmp, 'runs')}/`]);
    expect(r.runs.map((x) => [x.id, x.state])).toEqual([
      ['alpha=0.5,seed=2', 'finished'],
      ['alpha=0.5,seed=3', 'unfinished'],
      ['alpha=0.5,seed=10', 'finished'],
      ['alpha=1,seed=0', 'finished'],
    ]);
  });

  it('lists every run as missing when sweep.json is there but runs/ is not yet', async () => {
    writeSweepJson(tmp, [
      { alpha: 0, seed: 0 },
      { alpha: 0, seed: 1 },
    ]);
    const r = await readResults(tmp);
    expect(r.runs.map((x) => x.state)).toEqual(['missing', 'missing']);
  });

  it('reads nothing as code: a module next to the results is never imported', async () => {
    writeCleanSweep(tmp);
    const marker = join(tmp, 'imported');
    writeFileSync(join(tmp, 'module.mjs'), `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'x');\n`);
    writeSweepJson(tmp, [{ alpha: 0, seed: 0 }], { module: { path: join(tmp, 'module.mjs'), sha256: '0' } });
    await readResults(tmp);
    expect(existsSync(marker)).toBe(false);
  });

  it.each([
    { name: 'does not exist', setup: (d: string) => join(d, 'nope'), message: /nope: no such directory/ },
    { name: 'is a file', setup: (d: string) => (writeFileSync(join(d, 'f'), ''), join(d, 'f')), message: /f is a file, not a results directory/ },
    { name: 'has neither sweep.json nor runs/', setup: (d: string) => d, message: /has neither sweep\.json nor runs\/: not a results directory/ },
    {
      name: 'has an unreadable sweep.json and no runs/',
      setup: (d: string) => (writeFileSync(join(d, 'sweep.json'), '{'), d),
      message: /sweep\.json: not valid JSON .*, and there is no runs\/ directory to discover runs from/,
    },
  ])('is a one-line user error when the directory $name', async ({ setup, message }) => {
    const dir = setup(tmp);
    const err = await readResults(dir).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
