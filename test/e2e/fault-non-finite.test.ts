/**
 * Non-finite numbers survive (issue 4): a run that overflows to Infinity and then NaN keeps those
 * values everywhere — steps.csv spells them NaN / Infinity / -Infinity (never null, never an empty
 * field), summary.json keeps them (never null), through the worker's IPC as well, and
 * `summarize --json` reads them back.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, expectNoTempFiles, killStartedClis, makeTempDir, readJson, removeTempDirs, requireBuilt } from '../fixtures/e2e-harness.js';

// SGD with lr 0.5 on the seed problem overflows: loss1 reaches Infinity near step 166, NaN soon
// after. The monitor would stop the run at its (default) thresholds; here it only records the
// divergence and lets the run go on, so the non-finite values are logged.
const DIVERGES = [
  '--optimizer',
  'sgd',
  '--lr',
  '0.5',
  '--seeds',
  '3',
  '--alpha',
  '0,1',
  '--steps',
  '400',
  '--set',
  'monitor.max_loss=1e300',
  '--set',
  'monitor.max_param_norm=1e300',
  '--set',
  'monitor.stop_on_diverge=false',
];
const IDS = ['alpha=0,seed=3', 'alpha=1,seed=3'];

let work: string;
let dir: string;
beforeAll(async () => {
  requireBuilt();
  work = makeTempDir('non-finite');
  // A sweep: the summaries come back from the worker processes over IPC.
  const r = await cli(['sweep', ...DIVERGES, '--jobs', '1', '--out', 'sweep'], { cwd: work });
  expect(r.code, r.stderr).toBe(0);
  dir = join(work, 'sweep');
});
afterAll(() => {
  killStartedClis();
  removeTempDirs();
});

/** How a number may be spelled in steps.csv: shortest round-trip decimal, or NaN / ±Infinity. */
const NUMBER = /^(-?(\d+(\.\d+)?(e[+-]\d+)?)|NaN|-?Infinity)$/;

describe('a run that diverges to Infinity and NaN', () => {
  it.each(IDS)('%s: steps.csv holds NaN and Infinity as such, never null or empty', (id) => {
    const text = readFileSync(join(dir, 'runs', id, 'steps.csv'), 'utf8');
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(400);
    const fields = rows.flatMap((r) => Object.values(r));
    expect(fields.filter((f) => !NUMBER.test(f))).toEqual([]);
    expect(fields).toContain('NaN');
    expect(fields).toContain('Infinity');
    // The last row is all NaN but grad_norm2 (loss2 = Σ params has gradient 1 everywhere).
    expect(rows.at(-1)!.loss1).toBe('NaN');
  });

  it.each(IDS)('%s: summary.json keeps them (as "NaN"/"Infinity", not null), and matches steps.csv', (id) => {
    const raw = readFileSync(join(dir, 'runs', id, 'summary.json'), 'utf8');
    const summary = readJson(join(dir, 'runs', id, 'summary.json'));
    expect(summary.status).toBe('finished');
    expect(summary.verdict).toBe('diverged');
    expect(summary.final).toEqual({ step: 399, loss1: 'NaN', loss2: 'NaN', total: 'NaN' });
    expect(summary.steps_run).toBe(400);
    // No number turned into null anywhere (the nullable fields that are null hold no number).
    expect(raw.match(/": null/g) ?? []).toHaveLength((raw.match(/"(loss1_behaviour|loss2_behaviour|error)": null/g) ?? []).length);
    expectNoTempFiles(dir);
  });

  it('summary.csv, written from the summaries the workers sent back, keeps them too', () => {
    const rows = parse(readFileSync(join(dir, 'summary.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.id, r.final_loss1, r.final_loss2])).toEqual(IDS.map((id) => [id, 'NaN', 'NaN']));
  });

  it('summarize --json reads them back: the runs are finished, not corrupt, with the same values', async () => {
    const r = await cli(['summarize', 'sweep', '--json'], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { runs: Array<{ id: string; state: string; summary: any }> };
    for (const id of IDS) {
      const run = doc.runs.find((x) => x.id === id)!;
      expect(run.state, id).toBe('finished');
      expect(run.summary.final, id).toEqual({ step: 399, loss1: 'NaN', loss2: 'NaN', total: 'NaN' });
      expect(run.summary.window.loss1_mean, id).toBe('NaN');
    }
  });
});
