/**
 * The command engine (issue 12), end to end through the CLI with real child processes — small
 * Node scripts (test/fixtures/command/), so no Python is needed: the placeholders and MO_TRAIN_*
 * variables a script gets (and nothing injected through a value), the protocol as steps.csv and
 * output.log record it, the monitor stopping a diverging script live, failed scripts, and the
 * preflight. Sweeps (--jobs, --run-timeout, Ctrl-C, resume) are in command-sweep.test.ts, floods
 * and huge lines in command-output.test.ts.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cliWithNode,
  commandDir,
  expectGone,
  NODE_ON_PATH,
  nodeCommand,
  quote,
  readStepLines,
  step,
  stepsHeader,
} from '../fixtures/command/command-helpers.js';
import { killStartedClis, listFiles, makeTempDir, readJson, removeTempDirs, requireBuilt, startCli, waitFor } from '../fixtures/e2e-harness.js';

let work: string;
beforeAll(() => {
  requireBuilt();
  work = makeTempDir('command-runs');
});
afterAll(() => {
  killStartedClis();
  removeTempDirs();
});

const cli = cliWithNode;

/** The directory of `mo-train run`'s one run (α 0, seed 0 unless given). */
const runDirOf = (out: string, id = 'alpha=0,seed=0') => join(work, out, 'runs', id);

describe.concurrent('what the script gets: placeholders and MO_TRAIN_* variables', () => {
  it('--command string: every placeholder filled in shortest round-trip form, one argument each; a run_dir with spaces, ; and $(…) injects nothing', async () => {
    const tmp = makeTempDir('command-tmp');
    const out = "weird out; touch INJECTED $(touch INJECTED2) `touch INJECTED3` 'q'";
    const command = `${nodeCommand('env.mjs')} {alpha} {seed} {steps} {optimizer.lr} {lr} {monitor.max_loss} {optimizer} {run_dir} {run_id} --tag=a{alpha}b`;
    const r = await cli(
      [
        'sweep',
        '--command',
        command,
        '--alpha',
        '1e-7,0.1',
        '--seeds',
        '3',
        '--steps',
        '4',
        '--set',
        'optimizer.lr=3e-4',
        '--set',
        'monitor.max_loss=1e21',
        '--jobs',
        '2',
        '--out',
        out,
      ],
      // The preflight runs the first grid point's command in a temporary directory: it must leave nothing there.
      { cwd: work, env: { TMPDIR: tmp, PYTHONUNBUFFERED: '' } },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(tmp), 'the preflight left its temporary run directory behind').toEqual([]);
    const outDir = join(work, out);
    expect(readdirSync(join(outDir, 'runs')).sort()).toEqual(['alpha=0.1,seed=3', 'alpha=1e-7,seed=3']);
    for (const [alpha, shown] of [
      [1e-7, '1e-7'],
      [0.1, '0.1'],
    ] as const) {
      const id = `alpha=${shown},seed=3`;
      const runDir = join(outDir, 'runs', id);
      const seen = readJson(join(runDir, 'child.json'));
      expect(seen.argv).toEqual([shown, '3', '4', '0.0003', '0.0003', '1e+21', 'adam', runDir, id, `--tag=a${shown}b`]);
      expect(seen.cwd).toBe(work);
      expect(seen.env).toMatchObject({
        MO_TRAIN_ALPHA: shown,
        MO_TRAIN_SEED: '3',
        MO_TRAIN_STEPS: '4',
        MO_TRAIN_RUN_DIR: runDir,
        MO_TRAIN_RUN_ID: id,
        MO_TRAIN_CONFIG: join(runDir, 'config.json'),
      });
      // Python scripts print unbuffered unless the user says otherwise (here: set, empty): a user's value wins.
      expect(seen.env.PYTHONUNBUFFERED).toBe('');
      // MO_TRAIN_CONFIG: the run's config.json, every setting resolved.
      const config = readJson(seen.env.MO_TRAIN_CONFIG);
      expect(config).toMatchObject({ id, alpha, seed: 3, steps: 4, optimizer: { name: 'adam', lr: 3e-4 }, monitor: { max_loss: 1e21 } });
      // The losses in steps.csv are the ones the script printed: loss1 = 1/(step+1), loss2 = 2.
      const { header, rows } = readStepLines(runDir);
      expect(header).toBe(stepsHeader());
      expect(rows).toEqual([0, 1, 2, 3].map((s) => `${s},${1 / (s + 1)},2,${1 / (s + 1) - alpha * 2},,,,${alpha},`));
      expect(readJson(join(runDir, 'summary.json'))).toMatchObject({ status: 'finished', engine: 'command', steps_run: 4, rows_logged: 4 });
    }
    // Nothing ran a shell: no file was created by the command substitutions in the directory name.
    expect(listFiles(work).filter((f) => f.includes('INJECTED') && !f.startsWith(out))).toEqual([]);
  });

  it('command in a spec file, as a list: each item one argument as it is ($HOME, spaces and ; untouched), run in the spec file’s directory', async () => {
    const specDir = join(work, 'spec-dir');
    mkdirSync(specDir, { recursive: true });
    // The script given relative to the spec file's directory, where the command runs.
    copyFileSync(join(commandDir, 'env.mjs'), join(specDir, 'env.mjs'));
    const spec = join(specDir, 'command.json');
    const command = ['node', 'env.mjs', '{alpha}', 'a b; touch INJECTED', '$HOME', '{run_id}', "it's"];
    writeFileSync(spec, JSON.stringify({ command, alpha: 0.5, steps: 2 }));
    const r = await cli(['run', '--spec', spec, '--out', 'list-form'], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    const runDir = join(work, 'list-form', 'runs', 'alpha=0.5,seed=0');
    const seen = readJson(join(runDir, 'child.json'));
    expect(seen.argv).toEqual(['0.5', 'a b; touch INJECTED', '$HOME', 'alpha=0.5,seed=0', "it's"]);
    expect(seen.cwd).toBe(specDir);
    expect(existsSync(join(specDir, 'INJECTED'))).toBe(false);
    expect(readStepLines(runDir).rows).toEqual(['0,1,2,0,,,,0.5,', '1,0.5,2,-0.5,,,,0.5,']);
  });
});

describe.concurrent('the protocol: steps.csv and output.log', () => {
  it('steps with optional values, extra keys as columns (empty when missing); log lines, stderr and a malformed object in output.log; a last line without newline counts', async () => {
    const command = nodeCommand(
      'script.mjs',
      step({ step: 0, loss1: 1.5, loss2: 2, grad_norm1: 0.5, grad_norm2: 0.25, param_norm: 3, cos12: -0.5, lr_now: 0.01, acc: 0.9 }),
      'out:epoch 1 of 1',
      'err:a warning on stderr',
      'out:{"loss1": 1,',
      step({ step: 1, loss1: 1.25, loss2: 2.5, acc: 0.95 }),
      'out:{"loss1": "high", "loss2": 1}',
      step({ step: 2, loss1: 1e-300, loss2: 2, note: 'text', lr_now: 0.001 }),
      'err:last words',
      'raw:{"loss1": 0.125, "loss2": 3}',
    );
    const r = await cli(['run', '--command', command, '--alpha', '0.5', '--out', 'protocol'], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    const runDir = runDirOf('protocol', 'alpha=0.5,seed=0');
    expect(listFiles(runDir)).toEqual(['config.json', 'output.log', 'steps.csv', 'summary.json']);
    const { header, rows } = readStepLines(runDir);
    expect(header).toBe(stepsHeader('lr_now', 'acc'));
    expect(rows).toEqual([
      '0,1.5,2,0.5,0.5,0.25,3,0.5,-0.5,0.01,0.9',
      '1,1.25,2.5,0,,,,0.5,,,0.95',
      '2,1e-300,2,-1,,,,0.5,,0.001,',
      // No step given: the one after the previous.
      '3,0.125,3,-1.375,,,,0.5,,,',
    ]);
    // stdout and stderr are two pipes: their lines' order between them is not kept, each one's is.
    const log = readFileSync(join(runDir, 'output.log'), 'utf8');
    expect(log.endsWith('\n')).toBe(true);
    expect(log.split('\n').slice(0, -1).sort()).toEqual(
      ['a warning on stderr', 'epoch 1 of 1', 'last words', '{"loss1": "high", "loss2": 1}', '{"loss1": 1,'].sort(),
    );
    const summary = readJson(join(runDir, 'summary.json'));
    expect(summary).toMatchObject({
      status: 'finished',
      engine: 'command',
      steps_run: 4,
      rows_logged: 4,
      start: { loss1: 1.5, loss2: 2 },
      final: { step: 3, loss1: 0.125, loss2: 3, total: -1.375 },
      min_loss1: { value: 1e-300, step: 2 },
      divergence: null,
      error: null,
    });
    expect(['converged', 'oscillating', 'drifting']).toContain(summary.verdict);
  });

  it('a non-finite loss — NaN, Infinity, -Infinity, bare or as JSON strings: diverged (non-finite) at that step, logged as such, nothing after it', async () => {
    // One sweep, one spelling per seed.
    const cases = [
      { line: '{"step": 2, "loss1": NaN, "loss2": 1}', cells: '2,NaN,1,NaN', detail: 'loss1 = NaN at step 2' },
      { line: '{"step": 2, "loss1": 1, "loss2": "Infinity"}', cells: '2,1,Infinity,-Infinity', detail: 'loss2 = Infinity at step 2' },
      // No step numbers: the third line is step 2.
      { line: '{"loss1": -Infinity, "loss2": 1}', cells: '2,-Infinity,1,-Infinity', detail: 'loss1 = -Infinity at step 2' },
      { line: '{"step": 2, "loss1": 1, "loss2": "NaN"}', cells: '2,1,NaN,NaN', detail: 'loss2 = NaN at step 2' },
      { line: '{"step": 2, "loss1": "-Infinity", "loss2": 1}', cells: '2,-Infinity,1,-Infinity', detail: 'loss1 = -Infinity at step 2' },
    ];
    const command = nodeCommand(
      'script.mjs',
      'out:{"loss1": 1, "loss2": 1}',
      'out:{"loss1": 0.5, "loss2": 1}',
      ...cases.map((c, seed) => `seed:${seed}:out:${c.line}`),
      'out:{"loss1": 0.25, "loss2": 1}',
    );
    const r = await cli(['sweep', '--command', command, '--alpha', '1', '--seeds', `0-${cases.length - 1}`, '--jobs', '2', '--out', 'non-finite'], {
      cwd: work,
    });
    expect(r.code, r.stderr).toBe(0);
    for (const [seed, { cells, detail }] of cases.entries()) {
      const runDir = join(work, 'non-finite', 'runs', `alpha=1,seed=${seed}`);
      expect(readStepLines(runDir).rows, detail).toEqual(['0,1,1,0,,,,1,', '1,0.5,1,-0.5,,,,1,', `${cells},,,,1,`]);
      expect(readJson(join(runDir, 'summary.json'))).toMatchObject({
        status: 'finished',
        verdict: 'diverged',
        divergence: { step: 2, reason: 'non-finite', detail },
        rows_logged: 3,
      });
    }
  });
});

describe.concurrent('the monitor watches the stream live', () => {
  const growing = [
    step({ step: 0, loss1: 1, loss2: 1 }),
    step({ step: 1, loss1: 10, loss2: 1 }),
    step({ step: 2, loss1: 1000, loss2: 1 }),
    // Printed right after the diverging step, before the script is stopped: not a step of the run.
    step({ step: 3, loss1: 5, loss2: 1 }),
  ];

  it('loss1 past monitor.max_loss: the script is stopped at once (not after its 60 s), diverged at that step, steps.csv ends there', async () => {
    const command = nodeCommand('script.mjs', 'pid', ...growing, 'sleep:60000', step({ step: 4, loss1: 1, loss2: 1 }));
    const t0 = Date.now();
    const r = await cli(['run', '--command', command, '--set', 'monitor.max_loss=100', '--out', 'live-stop'], { cwd: work });
    const elapsed = Date.now() - t0;
    expect(r.code, r.stderr).toBe(0);
    expect(elapsed, 'the script was left to run').toBeLessThan(20_000);
    const runDir = runDirOf('live-stop');
    expect(readStepLines(runDir).rows).toEqual(['0,1,1,1,,,,0,', '1,10,1,10,,,,0,', '2,1000,1,1000,,,,0,']);
    const summary = readJson(join(runDir, 'summary.json'));
    expect(summary).toMatchObject({
      status: 'finished',
      verdict: 'diverged',
      divergence: { step: 2, reason: 'loss1-threshold' },
      steps_run: 3,
      rows_logged: 3,
      error: null,
    });
    expect(summary.wall_time_s).toBeLessThan(10);
    expectGone(join(runDir, 'child.pid'));
  });

  it('a script that ignores SIGTERM is killed (SIGKILL) after the grace period; --strict makes the divergence exit 1', async () => {
    const command = nodeCommand('script.mjs', 'ignore:SIGTERM', 'pid', ...growing, 'sleep:60000');
    const r = await cli(['run', '--command', command, '--set', 'monitor.max_loss=100', '--strict', '--out', 'live-kill'], { cwd: work });
    expect(r.code, r.stderr).toBe(1);
    const runDir = runDirOf('live-kill');
    expect(readStepLines(runDir).rows).toHaveLength(3);
    const summary = readJson(join(runDir, 'summary.json'));
    expect(summary).toMatchObject({ status: 'finished', verdict: 'diverged', divergence: { step: 2, reason: 'loss1-threshold' } });
    // It waited for the grace period (3 s), not for the script's 60 s.
    expect(summary.wall_time_s).toBeGreaterThan(2.9);
    expect(summary.wall_time_s).toBeLessThan(15);
    expectGone(join(runDir, 'child.pid'));
  });

  it('with monitor.stop_on_diverge=false the script runs to its end: every step logged, diverged at the first crossing', async () => {
    const command = nodeCommand('script.mjs', ...growing, 'sleep:1000', step({ step: 4, loss1: 2000, loss2: 1 }), 'exit:0');
    const r = await cli(['run', '--command', command, '--set', 'monitor.max_loss=100', '--set', 'monitor.stop_on_diverge=false', '--out', 'live-on'], {
      cwd: work,
    });
    expect(r.code, r.stderr).toBe(0);
    const runDir = runDirOf('live-on');
    expect(readStepLines(runDir).rows).toEqual(['0,1,1,1,,,,0,', '1,10,1,10,,,,0,', '2,1000,1,1000,,,,0,', '3,5,1,5,,,,0,', '4,2000,1,2000,,,,0,']);
    const summary = readJson(join(runDir, 'summary.json'));
    expect(summary).toMatchObject({
      status: 'finished',
      verdict: 'diverged',
      divergence: { step: 2, reason: 'loss1-threshold' },
      steps_run: 5,
      rows_logged: 5,
      final: { step: 4, loss1: 2000 },
    });
    expect(summary.wall_time_s).toBeGreaterThan(0.9);
  });
});

describe.concurrent('mo-train run, interrupted', () => {
  it('Ctrl-C: the script is stopped, the run marked interrupted with what it logged, exit 130', async () => {
    const command = nodeCommand('script.mjs', step({ step: 0, loss1: 1, loss2: 1 }), 'pid', 'sleep:60000', step({ step: 1, loss1: 1, loss2: 1 }));
    const run = startCli(['run', '--command', command, '--out', 'run-ctrl-c'], { cwd: work, env: NODE_ON_PATH });
    const runDir = runDirOf('run-ctrl-c');
    const pidFile = join(runDir, 'child.pid');
    await waitFor('the script to sleep after its first step', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), { while: run });
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('mo-train: interrupted (SIGINT) after 1 of 10000 steps');
    expect(listFiles(runDir)).toEqual(['child.pid', 'config.json', 'interrupted.json', 'output.log', 'steps.csv']);
    expect(readJson(join(runDir, 'interrupted.json'))).toMatchObject({ status: 'interrupted', id: 'alpha=0,seed=0', steps_run: 1 });
    expect(readStepLines(runDir).rows).toEqual(['0,1,1,1,,,,0,']);
    expectGone(pidFile);
  });
});

describe.concurrent('a script that fails: the run is failed, with its exit status and last stderr lines', () => {
  const fiveSteps = [0, 1, 2, 3, 4].map((s) => step({ step: s, loss1: 1 / (s + 1), loss2: 1 }));
  const fiveRows = [0, 1, 2, 3, 4].map((s) => `${s},${1 / (s + 1)},1,${1 / (s + 1)},,,,0,`);
  const stderr = Array.from({ length: 25 }, (_, i) => `err:stderr line ${i + 1}`);

  it('exit code 3 after 5 steps: failed, exit_code 3, the last 20 stderr lines, the 5 rows kept', async () => {
    const r = await cli(['run', '--command', nodeCommand('script.mjs', ...fiveSteps, ...stderr, 'exit:3'), '--out', 'exit3'], { cwd: work });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('mo-train: the run failed: the script exited with code 3 after 5 logged steps: stderr line 25');
    const runDir = runDirOf('exit3');
    expect(readStepLines(runDir).rows).toEqual(fiveRows);
    const summary = readJson(join(runDir, 'summary.json'));
    expect(summary).toMatchObject({
      status: 'failed',
      verdict: 'failed',
      engine: 'command',
      steps_run: 5,
      rows_logged: 5,
      error: {
        message: 'the script exited with code 3 after 5 logged steps: stderr line 25',
        exit_code: 3,
        signal: null,
        stderr_tail: Array.from({ length: 20 }, (_, i) => `stderr line ${i + 6}`),
      },
    });
    // All of stderr is in output.log.
    expect(readFileSync(join(runDir, 'output.log'), 'utf8')).toBe(stderr.map((l) => `${l.slice(4)}\n`).join(''));
  });

  it('killed by a signal (it sends itself SIGKILL after 2 steps): failed, error.signal', async () => {
    const r = await cli(['run', '--command', nodeCommand('script.mjs', ...fiveSteps.slice(0, 2), 'err:about to die', 'kill:SIGKILL'), '--out', 'killed'], {
      cwd: work,
    });
    expect(r.code, r.stderr).toBe(1);
    const runDir = runDirOf('killed');
    expect(readStepLines(runDir).rows).toEqual(fiveRows.slice(0, 2));
    expect(readJson(join(runDir, 'summary.json'))).toMatchObject({
      status: 'failed',
      rows_logged: 2,
      error: {
        message: 'the script was killed by SIGKILL after 2 logged steps: about to die',
        exit_code: null,
        signal: 'SIGKILL',
        stderr_tail: ['about to die'],
      },
    });
  });

  it('exit 0 without a single step (the preflight lets an exit 0 through): failed, saying what to print', async () => {
    const r = await cli(['run', '--command', nodeCommand('script.mjs', 'out:training…', 'out:done'), '--out', 'no-step'], { cwd: work });
    expect(r.code, r.stderr).toBe(1);
    const runDir = runDirOf('no-step');
    expect(readStepLines(runDir)).toEqual({ header: stepsHeader(), rows: [] });
    expect(readFileSync(join(runDir, 'output.log'), 'utf8')).toBe('training…\ndone\n');
    const summary = readJson(join(runDir, 'summary.json'));
    expect(summary).toMatchObject({ status: 'failed', rows_logged: 0, error: { exit_code: 0, signal: null, stderr_tail: [] } });
    expect(summary.error.message).toMatch(/^the script exited 0 without printing a step; it must print one JSON line per step to stdout/);
  });

  it('exit 1 before its first step, in mo-train run (no start check: its one run is the check): the run is failed, not refused', async () => {
    const command = nodeCommand('script.mjs', 'err:ModuleNotFoundError: torch', 'exit:1');
    const r = await cli(['run', '--command', command, '--out', 'exit1'], { cwd: work });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('mo-train: the run failed: the script exited with code 1 after 0 logged steps: ModuleNotFoundError: torch');
    const runDir = runDirOf('exit1');
    expect(readStepLines(runDir)).toEqual({ header: stepsHeader(), rows: [] });
    expect(readJson(join(runDir, 'summary.json'))).toMatchObject({
      status: 'failed',
      rows_logged: 0,
      error: { message: 'the script exited with code 1 after 0 logged steps: ModuleNotFoundError: torch', exit_code: 1, signal: null },
    });
  });
});

describe.concurrent('the preflight: the first grid point’s command must print a step (or exit 0) before anything is written', () => {
  /** A refusal: exit 2, one line on stderr, no results directory, and the preflight's temporary directory gone. */
  async function expectRefused(args: string[], out: string, message: string | RegExp): Promise<void> {
    const tmp = makeTempDir('command-preflight-tmp');
    const t0 = Date.now();
    const r = await cli([...args, '--out', out], { cwd: work, env: { TMPDIR: tmp } });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
    if (typeof message === 'string') expect(r.stderr).toContain(message);
    else expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(existsSync(join(work, out)), 'a refused sweep wrote its results directory').toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(20_000);
  }

  it('a script that exits 1 before its first step is refused, with its last stderr line', async () => {
    const command = nodeCommand('script.mjs', 'err:Traceback (most recent call last):', 'err:ImportError: no module named torch', 'exit:1');
    await expectRefused(
      ['sweep', '--command', command, '--alpha', '0,1', '--seeds', '0-1'],
      'refused-exit',
      `mo-train: --command: the first run's command (node ${join(commandDir, 'script.mjs')} err:Traceback (most recent call last): err:ImportError: no module named torch exit:1) exited with code 1 before printing a step; its last line: ImportError: no module named torch; fix the command, or skip this check with --no-preflight\n`,
    );
  });

  it('--preflight-timeout 1: a script that sleeps before its first step is refused within about a second, and stopped', async () => {
    const pidFile = join(makeTempDir('command-preflight-pid'), 'child.pid');
    await expectRefused(
      [
        'sweep',
        '--preflight-timeout',
        '1',
        '--command',
        nodeCommand('script.mjs', `pid:${pidFile}`, 'sleep:30000', step({ loss1: 1, loss2: 1 })),
        '--alpha',
        '0',
      ],
      'refused-slow',
      'printed no step within 1 s; raise --preflight-timeout, or skip this check with --no-preflight',
    );
    expectGone(pidFile);
  });

  it('a script killed by a signal before its first step is refused, naming the signal', async () => {
    await expectRefused(['sweep', '--command', nodeCommand('script.mjs', 'kill:SIGKILL')], 'refused-killed', 'was killed by SIGKILL before printing a step');
  });
});

// `quote` keeps a word with a single quote one word: checked here once, as the command strings above rely on it.
it('quote() survives a round trip through the command splitter', async () => {
  const { splitCommand } = await import('../../src/spec/command-template.js');
  expect(splitCommand(['a', "it's", 'x y', '$HOME', '{"a": 1}'].map(quote).join(' '))).toEqual({ ok: true, argv: ['a', "it's", 'x y', '$HOME', '{"a": 1}'] });
});
