/**
 * Sweeps that lose nothing (issue 4), end to end through the built CLI: a sweep killed with
 * kill -9 at any point and run again — the same command on the same --out, or `--resume DIR`
 * alone — ends with results byte-identical to a sweep that was never interrupted; finished runs
 * are kept untouched; a directory holding a different sweep (other settings, an edited module) is
 * refused without touching it. And --jobs does not change a byte.
 */
import { copyFileSync, existsSync, mkdirSync, appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../fixtures/seeded-random.js';
import {
  childPids,
  cli,
  expectNoTempFiles,
  expectSameResults,
  isAlive,
  killStartedClis,
  listFiles,
  makeTempDir,
  modulesDir,
  removeTempDirs,
  requireBuilt,
  root,
  runStates,
  sleep,
  SMALL_SWEEP,
  SMALL_SWEEP_IDS,
  snapshotTree,
  startCli,
  waitFor,
} from '../fixtures/e2e-harness.js';

let work: string;
let base: string;
beforeAll(async () => {
  requireBuilt();
  work = makeTempDir('resume');
  // The reference: the same sweep, never interrupted.
  const r = await cli(['sweep', ...SMALL_SWEEP, '--jobs', '2', '--out', 'base'], { cwd: work });
  expect(r.code, r.stderr).toBe(0);
  base = join(work, 'base');
  expectNoTempFiles(base);
});
afterAll(() => {
  killStartedClis();
  removeTempDirs();
});

const has = (dir: string, id: string, file: string) => existsSync(join(dir, 'runs', id, file));
const finishedIds = (dir: string) => SMALL_SWEEP_IDS.filter((id) => has(dir, id, 'summary.json'));

/**
 * Starts SMALL_SWEEP (one worker: runs in order) into `out`, waits for `moment`, kills the
 * coordinator with SIGKILL, and waits for its orphaned workers to exit on their own.
 */
async function sweepKilledAt(
  out: string,
  moment: { what: string; ready: (dir: string) => boolean; thenWaitMs?: number },
  env: Readonly<Record<string, string>> = {},
): Promise<{ dir: string; pid: number }> {
  const dir = join(work, out);
  const sweep = startCli(['sweep', ...SMALL_SWEEP, '--jobs', '1', '--out', out], { cwd: work, env });
  await waitFor(moment.what, () => moment.ready(dir), { while: sweep });
  if (moment.thenWaitMs !== undefined) await sleep(moment.thenWaitMs);
  const workers = childPids(sweep.pid);
  sweep.child.kill('SIGKILL');
  expect((await sweep.done).signal).toBe('SIGKILL');
  await waitFor('the orphaned workers to notice their coordinator is gone and exit', () => workers.every((pid) => !isAlive(pid)), { timeoutMs: 10_000 });
  return { dir, pid: sweep.pid };
}

describe.concurrent('kill -9 of the coordinator, then resume', () => {
  it.each([
    {
      name: 'in the middle of the first run',
      out: 'killed-first',
      what: 'the first run to start',
      ready: (dir: string) => has(dir, SMALL_SWEEP_IDS[0], 'steps.csv'),
      killedMidRun: [SMALL_SWEEP_IDS[0]] as string[],
      // One run at a time (the scalar path): the SIMD lanes would train the first two together.
      env: { MO_TRAIN_LANES: 'off' } as Record<string, string>,
    },
    {
      name: 'after the first run finished, in the middle of the second',
      out: 'killed-second',
      what: 'the first run to finish and the second to start',
      ready: (dir: string) => has(dir, SMALL_SWEEP_IDS[0], 'summary.json') && has(dir, SMALL_SWEEP_IDS[1], 'steps.csv'),
      killedMidRun: [SMALL_SWEEP_IDS[1]] as string[],
      env: { MO_TRAIN_LANES: 'off' } as Record<string, string>,
    },
    {
      name: 'in the middle of the first pair of runs in the SIMD lanes',
      out: 'killed-pair',
      what: 'the first pair to start',
      ready: (dir: string) => has(dir, SMALL_SWEEP_IDS[0], 'steps.csv') && has(dir, SMALL_SWEEP_IDS[1], 'steps.csv'),
      killedMidRun: [SMALL_SWEEP_IDS[0], SMALL_SWEEP_IDS[1]] as string[],
      env: {} as Record<string, string>,
    },
  ])(
    '$name, then the same command again: byte-identical to the uninterrupted sweep, finished runs untouched',
    async ({ out, what, ready, killedMidRun, env }) => {
      const { dir, pid } = await sweepKilledAt(out, { what, ready }, env);

      // Completion is explicit: the run killed mid-way has what it wrote so far but no summary.json;
      // its orphaned worker wrote nothing more (no interrupted.json, which a resume could race).
      for (const id of killedMidRun) {
        const runFiles = listFiles(join(dir, 'runs', id));
        expect(runFiles).toContain('steps.csv');
        expect(runFiles).not.toContain('summary.json');
        expect(runFiles).not.toContain('interrupted.json');
      }
      const done = finishedIds(dir);
      const states = await runStates(dir, work);
      for (const id of SMALL_SWEEP_IDS) {
        expect(states[id], id).toBe(done.includes(id) ? 'finished' : killedMidRun.includes(id) ? 'unfinished' : 'missing');
      }
      const before = new Map(done.map((id) => [id, snapshotTree(join(dir, 'runs', id))]));

      const r = await cli(['sweep', ...SMALL_SWEEP, '--jobs', '1', '--out', out], { cwd: work });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`resuming: ${done.length} finished, ${4 - done.length} to do (${killedMidRun.length} again from the start)`);
      expect(r.stderr).toContain(`warning: took over ${out}/.lock from pid ${pid}`);
      expectSameResults(dir, base);
      // Finished runs are not redone: same files, same inodes, same mtimes.
      for (const [id, snapshot] of before) expect(snapshotTree(join(dir, 'runs', id)), id).toEqual(snapshot);
      expect(existsSync(join(dir, '.lock'))).toBe(false);
      expectNoTempFiles(dir);
    },
  );

  it('at a seeded random moment, then `--resume DIR` alone from another directory: byte-identical all the same', async () => {
    // Seeded: the "random" kill moment is the same on every run of the suite.
    const random = mulberry32(20_261_126);
    const delayMs = Math.floor(random() * 700);
    const { dir } = await sweepKilledAt('killed-random', { what: 'sweep.json', ready: (d) => existsSync(join(d, 'sweep.json')), thenWaitMs: delayMs });
    const done = finishedIds(dir);

    // The sweep's own settings come from its sweep.json (its flags, resolved against its cwd).
    const elsewhere = join(work, 'elsewhere');
    mkdirSync(elsewhere, { recursive: true });
    const r = await cli(['sweep', '--resume', dir, '--jobs', '2'], { cwd: elsewhere });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`resuming: ${done.length} finished, ${4 - done.length} to do`);
    expectSameResults(dir, base);
    expect(listFiles(elsewhere)).toEqual([]);
    expectNoTempFiles(dir);
  });
});

describe.concurrent('a crash in the middle of an atomic write', () => {
  it.each([
    // Before the sweep started: what is there (runs/, .lock, the temporary file) is no sweep yet.
    { file: 'sweep.json', then: 'took over crashed-sweep.json/.lock from pid' },
    // At the very end, all runs finished.
    { file: 'summary.csv', then: 'resuming: 2 finished, 0 to do' },
  ])('of $file leaves its temporary file behind; the same command again completes the sweep and removes it', async ({ file, then }) => {
    const out = `crashed-${file}`;
    const tiny = ['sweep', '--alpha', '0,0.1', '--steps', '200', '--jobs', '1', '--out', out];
    const dir = join(work, out);
    const crash = { NODE_OPTIONS: `--import ${join(root, 'test', 'fixtures', 'preload', 'crash-in-atomic-write.mjs')}`, MO_TRAIN_TEST_CRASH_WRITING: file };
    const crashed = await cli(tiny, { cwd: work, env: crash });
    expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
    expect(listFiles(dir).filter((f) => f.endsWith('.tmp'))).toEqual([expect.stringMatching(new RegExp(`^\\.${file.replace('.', '\\.')}\\.\\d+\\.tmp$`))]);

    const r = await cli(tiny, { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(then);
    expect(Object.values(await runStates(dir, work))).toEqual(['finished', 'finished']);
    expectNoTempFiles(dir);
  });
});

describe.concurrent('--jobs does not change the results', () => {
  it('--jobs 1 writes byte-identical results to --jobs 2', async () => {
    const r = await cli(['sweep', ...SMALL_SWEEP, '--jobs', '1', '--out', 'jobs1'], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expectSameResults(join(work, 'jobs1'), base);
    expectNoTempFiles(join(work, 'jobs1'));
  });
});

describe.concurrent('a directory that holds a different sweep is refused, and left as it was', () => {
  it('when the settings differ: the same command with other flags, or --resume with other flags', async () => {
    const tiny = ['--alpha', '0,0.1', '--steps', '200'];
    const made = await cli(['sweep', ...tiny, '--jobs', '1', '--out', 'other'], { cwd: work });
    expect(made.code, made.stderr).toBe(0);
    const dir = join(work, 'other');
    // Something left to do, so that a resume that wrongly went ahead would change the directory.
    rmSync(join(dir, 'runs', 'alpha=0.1,seed=0', 'summary.json'));
    // One after the other: each takes the directory's lock while it looks.
    for (const { args, differs } of [
      { args: ['sweep', '--alpha', '0,0.1', '--steps', '300', '--jobs', '1', '--out', 'other'], differs: 'steps: 200 → 300' },
      { args: ['sweep', '--resume', 'other', '--steps', '300'], differs: 'steps: 200 → 300' },
      { args: ['sweep', '--alpha', '0,0.1,1', '--steps', '200', '--out', 'other'], differs: '1 run not in the sweep: alpha=1,seed=0' },
      { args: ['sweep', '--resume', 'other', '--set', 'optimizer.lr=0.01'], differs: 'optimizer' },
    ]) {
      const before = snapshotTree(dir);
      const r = await cli(args, { cwd: work });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/^mo-train: other holds a different sweep/);
      expect(r.stderr).toContain(differs);
      expect(snapshotTree(dir), args.join(' ')).toEqual(before);
    }
  });

  it('when the module file changed since the sweep started', async () => {
    const moduleDir = join(work, 'module-src');
    mkdirSync(moduleDir, { recursive: true });
    const mod = join(moduleDir, 'exp.mjs');
    copyFileSync(join(modulesDir, 'plain.mjs'), mod);
    const args = ['sweep', '--module', mod, '--alpha', '0,1', '--steps', '5', '--jobs', '1', '--out', 'mod'];
    const first = await cli(args, { cwd: work });
    expect(first.code, first.stderr).toBe(0);
    const modDir = join(work, 'mod');
    rmSync(join(modDir, 'runs', 'alpha=1,seed=0', 'summary.json'));
    appendFileSync(mod, '// edited after the sweep started\n');
    const before = snapshotTree(modDir);
    const r = await cli(['sweep', '--resume', 'mod'], { cwd: work });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`module ${mod} changed since the sweep started`);
    expect(snapshotTree(modDir)).toEqual(before);
  });
});
