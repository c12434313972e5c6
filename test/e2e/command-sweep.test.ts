/**
 * Command runs in sweeps (issue 12), end to end with real child processes: --jobs, --run-timeout
 * (the script stopped, what it logged kept), Ctrl-C (scripts stopped, runs interrupted, exit 130,
 * the lock held meanwhile) and the resume that starts them again from scratch, and the
 * determinism check — a changed command, or an edited script file, is a different sweep.
 */
import { appendFileSync, copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cliWithNode,
  commandDir,
  expectGone,
  startCliWithNode,
  nodeCommand,
  quote,
  readPids,
  readStepLines,
  step,
  stepsHeader,
} from '../fixtures/command/command-helpers.js';
import {
  isAlive,
  killStartedClis,
  listFiles,
  makeTempDir,
  readJson,
  removeTempDirs,
  requireBuilt,
  runStates,
  snapshotTree,
  waitFor,
} from '../fixtures/e2e-harness.js';

let work: string;
beforeAll(() => {
  requireBuilt();
  work = makeTempDir('command-sweep');
});
afterAll(() => {
  killStartedClis();
  removeTempDirs();
});

const cli = cliWithNode;
const start = startCliWithNode;

describe.concurrent('command sweeps', () => {
  it('--jobs 2 over 4 grid points (α × a swept --set key): two scripts at a time, each with its point’s values, every run finished with the losses it printed, summarize reads them', async () => {
    const timeline = join(makeTempDir('command-jobs'), 'timeline.txt');
    const command = nodeCommand(
      'script.mjs',
      `append:${timeline}:start {run_id}`,
      // The swept learning rate, filled into the step line itself: an extra column of steps.csv.
      'out:{"loss1": 3, "loss2": 1, "lr": {optimizer.lr}}',
      // The first two wait (at most 20 s) for each other: two workers run them at once.
      `until:${timeline}:2:20000`,
      step({ loss1: 2, loss2: 1 }),
      step({ loss1: 1, loss2: 1 }),
      `append:${timeline}:end {run_id}`,
    );
    // No preflight: its run of the first grid point would write to the timeline too.
    const r = await cli(
      ['sweep', '--no-preflight', '--command', command, '--alpha', '0,0.5', '--set', 'optimizer.lr=1e-3,2e-2', '--jobs', '2', '--out', 'jobs'],
      { cwd: work },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'mo-train sweep: 4 runs (α ∈ {0, 0.5} × seeds {0} × optimizer.lr ∈ {0.001, 0.02}), 10000 steps each, engine command, 2 workers → jobs',
    );
    const points = [0, 0.5].flatMap((alpha) => [0.001, 0.02].map((lr) => ({ alpha, lr, id: `alpha=${alpha},seed=0,optimizer.lr=${lr}` })));
    // Two at a time: two scripts started and not yet ended at some moment, never more.
    let running = 0;
    let most = 0;
    const events = readFileSync(timeline, 'utf8').trim().split('\n');
    expect(events).toHaveLength(8);
    for (const line of events) {
      running += line.startsWith('start ') ? 1 : -1;
      most = Math.max(most, running);
    }
    expect(most).toBe(2);
    const dir = join(work, 'jobs');
    expect(await runStates(dir, work)).toEqual(Object.fromEntries(points.map((p) => [p.id, 'finished'])));
    for (const { alpha, lr, id } of points) {
      const runDir = join(dir, 'runs', id);
      expect(readStepLines(runDir)).toEqual({
        header: stepsHeader('lr'),
        rows: [`0,3,1,${3 - alpha},,,,${alpha},,${lr}`, `1,2,1,${2 - alpha},,,,${alpha},,`, `2,1,1,${1 - alpha},,,,${alpha},,`],
      });
      expect(readJson(join(runDir, 'summary.json'))).toMatchObject({ status: 'finished', engine: 'command', alpha, final: { step: 2, loss1: 1, loss2: 1 } });
    }
    const summarized = await cli(['summarize', 'jobs', '--json'], { cwd: work });
    expect(summarized.code, summarized.stderr).toBe(0);
    const doc = JSON.parse(summarized.stdout);
    const finals = doc.runs.map((run: { id: string; state: string; summary: { final: { loss1: number } } }) => [run.id, run.state, run.summary.final.loss1]);
    expect(finals.sort()).toEqual(points.map((p) => [p.id, 'finished', 1]).sort());
  });

  it.each([
    { name: 'two scripts that sleep after 2 steps', ignore: [] as string[], signal: 'SIGTERM', seeds: [0, 1] },
    { name: 'one that also ignores SIGTERM (killed after the grace period)', ignore: ['ignore:SIGTERM'], signal: 'SIGKILL', seeds: [0] },
  ])('--run-timeout 2, $name: failed "timed out", its steps kept, the script gone', async ({ ignore, signal, seeds }) => {
    const out = `timeout-${signal}`;
    const command = nodeCommand(
      'script.mjs',
      ...ignore,
      step({ step: 0, loss1: 4, loss2: 1 }),
      step({ step: 1, loss1: 2, loss2: 1 }),
      'pid',
      'sleep:60000',
      step({ step: 2, loss1: 1, loss2: 1 }),
    );
    const t0 = Date.now();
    const r = await cli(
      ['sweep', '--run-timeout', '2', '--command', command, '--alpha', '0', '--seeds', seeds.join(','), '--jobs', String(seeds.length), '--out', out],
      { cwd: work },
    );
    expect(r.code, r.stderr).toBe(1);
    expect(Date.now() - t0).toBeLessThan(30_000);
    const message = 'timed out after 2 s (--run-timeout); the script was stopped after 2 logged steps';
    for (const seed of seeds) {
      const runDir = join(work, out, 'runs', `alpha=0,seed=${seed}`);
      expect(r.stderr).toContain(`mo-train: run alpha=0,seed=${seed} failed: ${message}`);
      expect(listFiles(runDir)).toEqual(['child.pid', 'config.json', 'output.log', 'steps.csv', 'summary.json']);
      expect(readStepLines(runDir).rows).toEqual(['0,4,1,4,,,,0,', '1,2,1,2,,,,0,']);
      expect(readJson(join(runDir, 'summary.json'))).toMatchObject({
        status: 'failed',
        verdict: 'failed',
        steps_run: 2,
        rows_logged: 2,
        error: { message, step: 2, exit_code: null, signal },
      });
      expectGone(join(runDir, 'child.pid'));
    }
  });

  it('Ctrl-C: the scripts are stopped, their runs marked interrupted, exit 130, the directory locked meanwhile; the resume runs them again from scratch', async () => {
    const out = 'ctrl-c';
    const dir = join(work, out);
    const ids = ['alpha=0,seed=0', 'alpha=0,seed=1', 'alpha=0,seed=2'];
    const lines = [0, 1, 2, 3].map((s) => step({ step: s, loss1: 2 ** -s, loss2: 1 }));
    // With MO_TRAIN_TEST_HANG=1 the script hangs after two steps; the environment is not part of the config.
    const command = nodeCommand('script.mjs', ...lines.slice(0, 2), 'pid', 'hang:60000', ...lines.slice(2));
    const args = ['sweep', '--command', command, '--alpha', '0', '--seeds', '0-2', '--jobs', '2', '--out', out];
    // Its own process group, signalled as a whole as a terminal's Ctrl-C does (the scripts, in groups of their own, are not).
    const sweep = start(args, { cwd: work, detached: true, env: { MO_TRAIN_TEST_HANG: '1' } });
    const pidFiles = ids.slice(0, 2).map((id) => join(dir, 'runs', id, 'child.pid'));
    await waitFor('both scripts to hang after their second step', () => pidFiles.every((f) => existsSync(f) && readFileSync(f, 'utf8').endsWith('\n')), {
      while: sweep,
    });
    const firstPids = pidFiles.map((f) => readPids(f)[0]!);

    // Meanwhile the directory is taken: a resume is refused, and changes nothing.
    const busy = await cli(['sweep', '--resume', out], { cwd: work });
    expect(busy.code, busy.stderr).toBe(2);
    expect(busy.stderr).toContain(`${out} is in use by another mo-train (pid ${sweep.pid}`);

    const t0 = Date.now();
    process.kill(-sweep.pid, 'SIGINT');
    const r = await sweep.done;
    expect(r.code, r.stderr).toBe(130);
    expect(Date.now() - t0, 'the scripts were stopped, not waited for').toBeLessThan(10_000);
    expect(r.stderr).toContain(`mo-train: interrupted (SIGINT): 0 of 3 runs finished, 2 stopped, 1 not started; resume with: mo-train sweep --resume ${out}`);
    for (const pid of firstPids) expect(isAlive(pid), `script ${pid} outlived mo-train`).toBe(false);
    for (const id of ids.slice(0, 2)) {
      const runDir = join(dir, 'runs', id);
      expect(listFiles(runDir)).toEqual(['child.pid', 'config.json', 'interrupted.json', 'output.log', 'steps.csv']);
      expect(readJson(join(runDir, 'interrupted.json'))).toMatchObject({ status: 'interrupted', id, steps_run: 2 });
      expect(readStepLines(runDir).rows).toEqual(['0,1,1,1,,,,0,', '1,0.5,1,0.5,,,,0,']);
    }
    expect(existsSync(join(dir, 'runs', ids[2]!))).toBe(false);
    expect(existsSync(join(dir, '.lock'))).toBe(false);
    expect(await runStates(dir, work)).toEqual({ [ids[0]!]: 'unfinished', [ids[1]!]: 'unfinished', [ids[2]!]: 'missing' });

    // The resume (no hang now): every run from its first step, the interrupted ones' files replaced.
    const again = await cli(['sweep', '--resume', out], { cwd: work });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('resuming: 0 finished, 3 to do (2 again from the start)');
    for (const [i, id] of ids.entries()) {
      const runDir = join(dir, 'runs', id);
      expect(listFiles(runDir)).toEqual(['child.pid', 'config.json', 'output.log', 'steps.csv', 'summary.json']);
      expect(readStepLines(runDir).rows).toEqual(['0,1,1,1,,,,0,', '1,0.5,1,0.5,,,,0,', '2,0.25,1,0.25,,,,0,', '3,0.125,1,0.125,,,,0,']);
      // One script, started afresh: not the interrupted one's pid file appended to.
      const pids = readPids(join(runDir, 'child.pid'));
      expect(pids).toHaveLength(1);
      if (i < 2) expect(pids[0]).not.toBe(firstPids[i]);
      expect(readJson(join(runDir, 'summary.json'))).toMatchObject({ status: 'finished', steps_run: 4, rows_logged: 4 });
    }
  });
});

describe.concurrent('the coordinator killed (kill -9)', () => {
  it('its scripts do not train on, orphaned; the resume starts the runs again from scratch', async () => {
    const out = 'kill-9';
    const dir = join(work, out);
    const ids = ['alpha=0,seed=0', 'alpha=0,seed=1'];
    const command = nodeCommand('script.mjs', step({ loss1: 1, loss2: 1 }), 'pid', 'hang:60000', step({ loss1: 0.5, loss2: 1 }));
    const sweep = start(['sweep', '--command', command, '--alpha', '0', '--seeds', '0-1', '--jobs', '2', '--out', out], {
      cwd: work,
      env: { MO_TRAIN_TEST_HANG: '1' },
    });
    const pidFiles = ids.map((id) => join(dir, 'runs', id, 'child.pid'));
    await waitFor('both scripts to hang after their first step', () => pidFiles.every((f) => existsSync(f) && readFileSync(f, 'utf8').endsWith('\n')), {
      while: sweep,
    });
    const scripts = pidFiles.map((f) => readPids(f)[0]!);
    sweep.child.kill('SIGKILL');
    await sweep.done;
    // Each worker sees its coordinator gone within a poll and exits, its script with it.
    await waitFor('the scripts to be gone', () => scripts.every((pid) => !isAlive(pid)), { timeoutMs: 10_000 });
    for (const id of ids) expect(existsSync(join(dir, 'runs', id, 'summary.json'))).toBe(false);

    const again = await cli(['sweep', '--resume', out], { cwd: work });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('resuming: 0 finished, 2 to do (2 again from the start)');
    for (const id of ids) {
      const runDir = join(dir, 'runs', id);
      expect(readStepLines(runDir).rows).toEqual(['0,1,1,1,,,,0,', '1,0.5,1,0.5,,,,0,']);
      expect(readPids(join(runDir, 'child.pid'))).toHaveLength(1);
      expect(readJson(join(runDir, 'summary.json'))).toMatchObject({ status: 'finished', rows_logged: 2 });
    }
  });
});

describe.concurrent('the determinism check: a changed command or script is a different sweep', () => {
  /**
   * A finished sweep of `program script.mjs` with one run's summary removed (something left to
   * do, so a resume that wrongly went ahead would change the directory).
   */
  async function sweepToResume(out: string, program: string): Promise<{ dir: string; script: string; args: string[] }> {
    const scriptDir = makeTempDir(`command-${out}`);
    const script = join(scriptDir, 'train.mjs');
    copyFileSync(join(commandDir, 'script.mjs'), script);
    const command = [program, script, step({ loss1: 1, loss2: 1 })].map(quote).join(' ');
    const args = ['sweep', '--command', command, '--alpha', '0,1', '--seeds', '0', '--jobs', '1', '--out', out];
    const r = await cli(args, { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    const dir = join(work, out);
    rmSync(join(dir, 'runs', 'alpha=1,seed=0', 'summary.json'));
    return { dir, script, args };
  }

  it('`node train.mjs`: the command changed, or the script file edited, since the sweep started: refused and left as it was; back as it was, the resume goes ahead', async () => {
    const { dir, script, args } = await sweepToResume('edited', 'node');
    // The file the config hash covers.
    expect(readJson(join(dir, 'runs', 'alpha=0,seed=0', 'config.json')).experiment.script.path).toBe(script);
    const before = snapshotTree(dir);

    // One more argument, the same --out.
    const changed = await cli(
      args.map((a, i) => (args[i - 1] === '--command' ? `${a} ${quote('out:extra')}` : a)),
      { cwd: work },
    );
    expect(changed.code, changed.stderr).toBe(2);
    expect(changed.stderr).toMatch(/^mo-train: edited holds a different sweep/);
    expect(changed.stderr).toContain('command: ');
    expect(snapshotTree(dir)).toEqual(before);

    const original = readFileSync(script);
    appendFileSync(script, '// edited after the sweep started\n');
    const edited = await cli(['sweep', '--resume', 'edited'], { cwd: work });
    expect(edited.code, edited.stderr).toBe(2);
    expect(edited.stderr).toMatch(/^mo-train: edited holds a different sweep/);
    expect(edited.stderr).toContain(`script ${script} changed since the sweep started (sha256 `);
    expect(snapshotTree(dir)).toEqual(before);

    writeFileSync(script, original);
    const again = await cli(['sweep', '--resume', 'edited'], { cwd: work });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('resuming: 1 finished, 1 to do (1 again from the start)');
  });

  it('the script file edited, the interpreter given as an absolute path (`/usr/bin/node train.mjs`): refused all the same', async () => {
    // The file the hash must cover is train.mjs, the one a user edits, not the interpreter that runs it.
    const { dir, script } = await sweepToResume('edited-abs', process.execPath);
    appendFileSync(script, '// edited after the sweep started\n');
    const before = snapshotTree(dir);
    const r = await cli(['sweep', '--resume', 'edited-abs'], { cwd: work });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^mo-train: edited-abs holds a different sweep/);
    expect(snapshotTree(dir)).toEqual(before);
    expect(readJson(join(dir, 'runs', 'alpha=0,seed=0', 'config.json')).experiment.script.path).toBe(script);
  });
});
