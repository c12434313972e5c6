/**
 * A plan executed on many machines (issue 13), end to end through the built CLI: `mo-train plan`
 * freezes a sweep into a directory, `mo-train work DIR --index I | --shard K/N` (or the index a
 * Slurm array or a Kubernetes Indexed Job sets) does its runs, `mo-train status DIR` says what is
 * left. The results are byte-identical to `mo-train sweep` of the same spec; delivery at least once
 * is safe (a finished run is skipped, a live claim left alone, a stale one taken over, an
 * interrupted run given back); a failed run is data, and only it is done again; a plan whose script
 * was edited is refused; bad input is one line, exit 2, and writes nothing.
 */
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandDir, expectGone, NODE_ON_PATH, nodeCommand, quote, readPids, step } from '../fixtures/command/command-helpers.js';
import {
  cli as runCli,
  expectNoTempFiles,
  expectSameResults,
  isAlive,
  killStartedClis,
  listFiles,
  makeTempDir,
  readJson,
  readResultFiles,
  removeTempDirs,
  requireBuilt,
  snapshotTree,
  startCli,
  waitFor,
  type CliOptions,
} from '../fixtures/e2e-harness.js';

/** The seed experiment, tiny: 4 runs of 300 steps (fused engine), in this order in the plan. */
const SPEC = ['--alpha', '0,0.1', '--seeds', '0-1', '--steps', '300'] as const;
const IDS = ['alpha=0,seed=0', 'alpha=0,seed=1', 'alpha=0.1,seed=0', 'alpha=0.1,seed=1'] as const;

/**
 * A command run that takes a while: two steps, its pid to child.pid, a wait of 4 s while
 * MO_TRAIN_TEST_HANG=1 is in the environment (not part of the plan), two more steps. 2 runs.
 */
const SLOW_SPEC = [
  '--command',
  nodeCommand(
    'script.mjs',
    ...[0, 1].map((s) => step({ step: s, loss1: 2 ** -s, loss2: 1 })),
    'pid',
    'hang:4000',
    ...[2, 3].map((s) => step({ step: s, loss1: 2 ** -s, loss2: 1 })),
  ),
  '--alpha',
  '0',
  '--seeds',
  '0-1',
] as const;
const SLOW_IDS = ['alpha=0,seed=0', 'alpha=0,seed=1'] as const;
const HANG = { MO_TRAIN_TEST_HANG: '1' };

let work: string;
/** `mo-train sweep` of SPEC and of SLOW_SPEC: what every plan here must end up as. */
let base: string;
let slowBase: string;
/** `mo-train summarize` of base. */
let baseSummary: string;

/** The CLI with `node` on its PATH (the Node running the tests), in `work` unless told otherwise. */
const cli = (args: readonly string[], options: Partial<CliOptions> = {}) => runCli(args, { cwd: work, ...options, env: { ...NODE_ON_PATH, ...options.env } });
const start = (args: readonly string[], options: Partial<CliOptions> = {}) =>
  startCli(args, { cwd: work, ...options, env: { ...NODE_ON_PATH, ...options.env } });

beforeAll(async () => {
  requireBuilt();
  // The index comes from the tests' flags and environment only, not from a cluster this may run on.
  delete process.env['SLURM_ARRAY_TASK_ID'];
  delete process.env['JOB_COMPLETION_INDEX'];
  work = makeTempDir('plan-work');
  const [a, b] = await Promise.all([
    cli(['sweep', ...SPEC, '--jobs', '1', '--out', 'ref-sweep']),
    cli(['sweep', ...SLOW_SPEC, '--jobs', '1', '--out', 'ref-slow']),
  ]);
  expect(a.code, a.stderr).toBe(0);
  expect(b.code, b.stderr).toBe(0);
  base = join(work, 'ref-sweep');
  slowBase = join(work, 'ref-slow');
  const s = await cli(['summarize', 'ref-sweep']);
  expect(s.code, s.stderr).toBe(0);
  baseSummary = s.stdout;
});
afterAll(() => {
  killStartedClis();
  removeTempDirs();
});

/** `mo-train plan SPEC --out OUT`: prints the number of runs, writes sweep.json and an empty runs/. */
async function plan(out: string, spec: readonly string[], runs: number): Promise<string> {
  const r = await cli(['plan', ...spec, '--out', out]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toBe(`${runs}\n`);
  const dir = join(work, out);
  expect(listFiles(dir)).toEqual(['sweep.json']);
  expect(readdirSync(join(dir, 'runs'))).toEqual([]);
  return dir;
}

/**
 * The runs' files of `actual` are those of `expected`, byte for byte, wall_time_s aside (and
 * `skip`ped files: a script's child.pid holds its pid).
 */
function expectSameRuns(actual: string, expected: string, skip: (rel: string) => boolean = () => false): void {
  const pick = (dir: string) => new Map([...readResultFiles(dir)].filter(([rel]) => rel.startsWith('runs/') && !skip(rel)));
  const got = pick(actual);
  const want = pick(expected);
  expect([...got.keys()]).toEqual([...want.keys()]);
  for (const [rel, text] of want) expect(got.get(rel), rel).toBe(text);
}
const isChildPid = (rel: string) => rel.endsWith('/child.pid');

/** The claim files left in a plan (none once every task ended as it should). */
const claimFiles = (dir: string) => (existsSync(join(dir, 'claims')) ? readdirSync(join(dir, 'claims')) : []);

describe.concurrent('the same results as a local sweep', () => {
  it('work --index i for every i: the runs byte-identical to `mo-train sweep` of the same spec (wall times aside); summarize then writes and prints the same; a finished run is skipped at once, untouched', async () => {
    const dir = await plan('plan-every-index', SPEC, 4);
    for (const [i, id] of IDS.entries()) {
      const r = await cli(['work', 'plan-every-index', '--index', String(i)]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`^mo-train work: \\[${i}\\] ${id.replace(/\./g, '\\.')}: (converged|drifting) — `));
    }
    expectSameRuns(dir, base);
    expect(claimFiles(dir)).toEqual([]);
    expectNoTempFiles(dir);

    // A finished run is skipped at once: nothing claimed, nothing written.
    const before = snapshotTree(dir);
    const again = await cli(['work', 'plan-every-index', '--index', '1']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toBe('mo-train work: [1] alpha=0,seed=1: finished already, skipped\n');
    expect(snapshotTree(dir)).toEqual(before);

    const status = await cli(['status', 'plan-every-index']);
    expect(status.code, status.stdout).toBe(0);
    expect(status.stdout).toBe('plan-every-index: 4 runs — 4 finished, 0 failed, 0 running, 0 stale, 0 pending\n');

    // summarize: the same tables, the same summary.csv and by-alpha.csv; then the whole directory is the sweep's.
    const s = await cli(['summarize', 'plan-every-index']);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout.replaceAll('plan-every-index', '<dir>')).toBe(baseSummary.replaceAll('ref-sweep', '<dir>'));
    expectSameResults(dir, base);
  });

  it('--shard 0/2 and --shard 1/2 at the same time, from another directory: together every run, byte-identical to the sweep', async () => {
    const dir = await plan('plan-shards', SPEC, 4);
    const elsewhere = join(work, 'elsewhere-shards');
    mkdirSync(elsewhere);
    const [a, b] = await Promise.all([cli(['work', dir, '--shard', '0/2'], { cwd: elsewhere }), cli(['work', dir, '--shard', ' 1 / 2 '], { cwd: elsewhere })]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    // Runs k, k+n, …, one after another.
    expect(a.stderr).toMatch(/^mo-train work: \[0\] alpha=0,seed=0: .*\nmo-train work: \[2\] alpha=0\.1,seed=0: .*\n$/);
    expect(b.stderr).toMatch(/^mo-train work: \[1\] alpha=0,seed=1: .*\nmo-train work: \[3\] alpha=0\.1,seed=1: .*\n$/);
    expectSameRuns(dir, base);
    expect(claimFiles(dir)).toEqual([]);
    expect(listFiles(elsewhere)).toEqual([]);
  });

  it('the index from $SLURM_ARRAY_TASK_ID, else $JOB_COMPLETION_INDEX; --index wins over both', async () => {
    const dir = await plan('plan-env', SPEC, 4);
    const done = () => readdirSync(join(dir, 'runs')).sort();

    const slurm = await cli(['work', 'plan-env'], { env: { SLURM_ARRAY_TASK_ID: '2' } });
    expect(slurm.code, slurm.stderr).toBe(0);
    expect(slurm.stderr).toMatch(/^mo-train work: \[2\] alpha=0\.1,seed=0: /);
    expect(done()).toEqual(['alpha=0.1,seed=0']);

    const k8s = await cli(['work', 'plan-env'], { env: { JOB_COMPLETION_INDEX: '3' } });
    expect(k8s.code, k8s.stderr).toBe(0);
    expect(k8s.stderr).toMatch(/^mo-train work: \[3\] alpha=0\.1,seed=1: /);
    expect(done()).toEqual(['alpha=0.1,seed=0', 'alpha=0.1,seed=1']);

    const both = await cli(['work', 'plan-env'], { env: { SLURM_ARRAY_TASK_ID: '0', JOB_COMPLETION_INDEX: '3' } });
    expect(both.code, both.stderr).toBe(0);
    expect(both.stderr).toMatch(/^mo-train work: \[0\] alpha=0,seed=0: /);

    const flag = await cli(['work', 'plan-env', '--index', '1'], { env: { SLURM_ARRAY_TASK_ID: '3' } });
    expect(flag.code, flag.stderr).toBe(0);
    expect(flag.stderr).toMatch(/^mo-train work: \[1\] alpha=0,seed=1: /);

    expectSameRuns(dir, base);
  });
});

describe.concurrent('at-least-once delivery is safe', () => {
  it('two `work --index 0` started at the same time: exactly one does the run, the other exits 0 leaving it to it; the run as the sweep’s', async () => {
    const dir = await plan('plan-twice', SLOW_SPEC, 2);
    const a = start(['work', 'plan-twice', '--index', '0'], { env: HANG });
    const b = start(['work', 'plan-twice', '--index', '0'], { env: HANG });
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    const [winner, loser] = ra.stderr.includes('converged') ? [a, b] : [b, a];
    expect(winner.stderr()).toMatch(/^mo-train work: \[0\] alpha=0,seed=0: converged — .*\n$/);
    expect(loser.stderr()).toMatch(
      new RegExp(`^mo-train work: \\[0\\] alpha=0,seed=0: being done by pid ${winner.pid} on \\S+ \\(heartbeat \\d+ s ago\\), left to it\\n$`),
    );
    // One script ran: one pid in child.pid.
    expect(readPids(join(dir, 'runs', SLOW_IDS[0], 'child.pid'))).toHaveLength(1);
    expect(readdirSync(join(dir, 'runs'))).toEqual([SLOW_IDS[0]]);
    expectSameRuns(dir, slowBase, (rel) => isChildPid(rel) || rel.startsWith(`runs/${SLOW_IDS[1]}/`));
    expect(claimFiles(dir)).toEqual([]);
  });

  it('kill -9 of a work mid-run: status says running, a work with the default staleness leaves it alone; after 5 s without heartbeat it is stale, and work --stale-after 5 takes it over, starts it afresh and finishes it as the sweep did', async () => {
    const dir = await plan('plan-killed', SLOW_SPEC, 2);
    const runDir = join(dir, 'runs', SLOW_IDS[0]);
    const claim = join(dir, 'claims', `${SLOW_IDS[0]}.claim`);
    const killed = start(['work', 'plan-killed', '--index', '0'], { env: HANG });
    await waitFor(
      'the script to write its pid, after two steps',
      () => existsSync(join(runDir, 'child.pid')) && readFileSync(join(runDir, 'child.pid'), 'utf8').endsWith('\n'),
      {
        while: killed,
      },
    );
    const orphan = readPids(join(runDir, 'child.pid'))[0]!;
    killed.child.kill('SIGKILL');
    expect((await killed.done).signal).toBe('SIGKILL');
    try {
      expect(listFiles(runDir)).not.toContain('summary.json');
      expect(listFiles(runDir)).not.toContain('interrupted.json');
      expect(readJson(claim)).toMatchObject({ pid: killed.pid });

      const running = await cli(['status', 'plan-killed']);
      expect(running.code, running.stdout).toBe(1);
      expect(running.stdout.split('\n')[0]).toBe('plan-killed: 2 runs — 0 finished, 0 failed, 1 running, 0 stale, 1 pending');
      const json = await cli(['status', 'plan-killed', '--json']);
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout)).toEqual({
        total: 2,
        counts: { finished: 0, failed: 0, running: 1, stale: 0, pending: 1 },
        complete: false,
        todo: '1',
        runs: [
          { index: 0, id: SLOW_IDS[0], state: 'running', detail: expect.stringMatching(new RegExp(`^pid ${killed.pid} on \\S+ since \\d{4}-\\d\\d-\\d\\dT`)) },
        ],
      });

      // Live by the default staleness (120 s): left alone, nothing touched.
      const before = snapshotTree(dir);
      const busy = await cli(['work', 'plan-killed', '--index', '0']);
      expect(busy.code, busy.stderr).toBe(0);
      expect(busy.stderr).toMatch(
        new RegExp(`^mo-train work: \\[0\\] alpha=0,seed=0: being done by pid ${killed.pid} on \\S+ \\(heartbeat \\d+ s ago\\), left to it\\n$`),
      );
      expect(snapshotTree(dir)).toEqual(before);

      await waitFor('the claim to have had no heartbeat for 5 s', () => Date.now() - statSync(claim).mtimeMs > 5_300, { timeoutMs: 20_000 });
      const stale = await cli(['status', 'plan-killed', '--stale-after', '5']);
      expect(stale.code, stale.stdout).toBe(1);
      const lines = stale.stdout.split('\n');
      expect(lines[0]).toBe('plan-killed: 2 runs — 0 finished, 0 failed, 0 running, 1 stale, 1 pending');
      expect(lines[1]).toMatch(new RegExp(`^ {2}stale alpha=0,seed=0: pid ${killed.pid} on \\S+ since \\S+, no heartbeat for \\d+ s$`));

      const taken = await cli(['work', 'plan-killed', '--index', '0', '--stale-after', '5']);
      expect(taken.code, taken.stderr).toBe(0);
      expect(taken.stderr).toMatch(
        new RegExp(
          `^mo-train work: \\[0\\] alpha=0,seed=0: took over the stale claim of pid ${killed.pid} on \\S+\\nmo-train work: \\[0\\] alpha=0,seed=0: converged — `,
        ),
      );
      // Started afresh: the killed attempt's files were cleared (one script's pid, not two).
      const pids = readPids(join(runDir, 'child.pid'));
      expect(pids).toHaveLength(1);
      expect(pids[0]).not.toBe(orphan);
      expectSameRuns(dir, slowBase, (rel) => isChildPid(rel) || rel.startsWith(`runs/${SLOW_IDS[1]}/`));
      expect(claimFiles(dir)).toEqual([]);
      expectNoTempFiles(dir);
    } finally {
      // The killed work's script, orphaned: it dies at its next print (a closed pipe); not left to.
      if (isAlive(orphan)) process.kill(orphan, 'SIGKILL');
    }
  });

  it('a work whose claim was taken over while it ran (its heartbeats missed: a frozen node, a network partition) stops at its next heartbeat: exit 75, its script stopped, nothing more written, the new claim left as it is', async () => {
    const dir = await plan('plan-claim-lost', SLOW_SPEC, 2);
    const runDir = join(dir, 'runs', SLOW_IDS[0]);
    const claim = join(dir, 'claims', `${SLOW_IDS[0]}.claim`);
    // --stale-after 5: a heartbeat every second.
    const w = start(['work', 'plan-claim-lost', '--index', '0', '--stale-after', '5'], { env: HANG });
    await waitFor(
      'the script to write its pid, after two steps',
      () => existsSync(join(runDir, 'child.pid')) && readFileSync(join(runDir, 'child.pid'), 'utf8').endsWith('\n'),
      {
        while: w,
      },
    );
    // Another task's claim, put in place atomically as a takeover does.
    const theirs = `${JSON.stringify({ host: 'node-2', pid: 77, started: new Date().toISOString(), token: 'feedfacefeedface' })}\n`;
    writeFileSync(`${claim}.new`, theirs);
    renameSync(`${claim}.new`, claim);
    // 75 at its next heartbeat (the run itself, waiting 4 s, would have ended 0).
    const r = await w.done;
    expect(r.code, r.stderr).toBe(75);
    expect(r.stderr).toBe('mo-train work: [0] alpha=0,seed=0: its claim was taken over (no heartbeat for 5 s); stopping without writing\n');
    expectGone(join(runDir, 'child.pid'));
    expect(listFiles(runDir)).not.toContain('summary.json');
    expect(listFiles(runDir)).not.toContain('interrupted.json');
    expect(readFileSync(claim, 'utf8')).toBe(theirs);
  });

  it('SIGTERM (a Slurm preemption) mid-run: exit 143, the run unfinished (interrupted.json), its script stopped, its claim released, the shard’s later runs not started; work again finishes them as the sweep did', async () => {
    const dir = await plan('plan-sigterm', SLOW_SPEC, 2);
    const runDir = join(dir, 'runs', SLOW_IDS[0]);
    const w = start(['work', 'plan-sigterm', '--shard', '0/1'], { env: HANG });
    await waitFor(
      'the script to write its pid, after two steps',
      () => existsSync(join(runDir, 'child.pid')) && readFileSync(join(runDir, 'child.pid'), 'utf8').endsWith('\n'),
      {
        while: w,
      },
    );
    expect(claimFiles(dir)).toEqual([`${SLOW_IDS[0]}.claim`]);
    w.child.kill('SIGTERM');
    const r = await w.done;
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toBe('mo-train work: [0] alpha=0,seed=0: interrupted after 2 steps\n');
    expectGone(join(runDir, 'child.pid'));
    expect(listFiles(runDir)).toEqual(['child.pid', 'config.json', 'interrupted.json', 'output.log', 'steps.csv']);
    expect(readJson(join(runDir, 'interrupted.json'))).toMatchObject({ status: 'interrupted', id: SLOW_IDS[0], steps_run: 2 });
    expect(existsSync(join(dir, 'runs', SLOW_IDS[1]))).toBe(false);
    expect(claimFiles(dir)).toEqual([]);
    const status = await cli(['status', 'plan-sigterm']);
    expect(status.code).toBe(1);
    expect(status.stdout.split('\n')[0]).toBe('plan-sigterm: 2 runs — 0 finished, 0 failed, 0 running, 0 stale, 2 pending');

    const again = await cli(['work', 'plan-sigterm', '--shard', '0/1']);
    expect(again.code, again.stderr).toBe(0);
    expectSameRuns(dir, slowBase, isChildPid);
    expect(claimFiles(dir)).toEqual([]);
  });
});

describe.concurrent('work and sweep --resume on the same plan (status offers both): a run is never done by two at once', () => {
  /**
   * A one-run plan whose script appends its pid to `pids` (outside the run directory, which a
   * second writer would clear) and waits 4 s under MO_TRAIN_TEST_HANG=1: one line per script started.
   */
  async function onePidPlan(out: string): Promise<{ dir: string; pids: string }> {
    const pids = join(makeTempDir(`${out}-pids`), 'pids');
    const command = nodeCommand('script.mjs', step({ step: 0, loss1: 1, loss2: 1 }), `pid:${pids}`, 'hang:4000', step({ step: 1, loss1: 0.5, loss2: 1 }));
    // No preflight (by plan or sweep): it would start the script once more.
    const dir = await plan(out, ['--command', command, '--alpha', '0', '--seeds', '0', '--no-preflight'], 1);
    return { dir, pids };
  }

  it('sweep --resume while a work holds the run: the run is left to the work (or the sweep refused), not started a second time', async () => {
    const { dir, pids } = await onePidPlan('plan-work-then-sweep');
    const w = start(['work', 'plan-work-then-sweep', '--index', '0'], { env: HANG });
    await waitFor('the work’s script to start', () => existsSync(pids) && readFileSync(pids, 'utf8').endsWith('\n'), { while: w });
    const sweep = await cli(['sweep', '--resume', 'plan-work-then-sweep', '--no-preflight'], { env: HANG });
    const r = await w.done;
    expect(r.code, r.stderr).toBe(0);
    expect(readPids(pids), `scripts started for the one run (sweep: exit ${sweep.code}, ${sweep.stderr.split('\n')[0]})`).toHaveLength(1);
    expect(readJson(join(dir, 'runs', 'alpha=0,seed=0', 'summary.json'))).toMatchObject({ status: 'finished', steps_run: 2 });
  });

  it('work while a sweep --resume is doing the run: the work leaves it to the sweep (or is refused), not started a second time', async () => {
    const { dir, pids } = await onePidPlan('plan-sweep-then-work');
    const sweep = start(['sweep', '--resume', 'plan-sweep-then-work', '--no-preflight'], { env: HANG });
    await waitFor('the sweep’s script to start', () => existsSync(pids) && readFileSync(pids, 'utf8').endsWith('\n'), { while: sweep });
    const w = await cli(['work', 'plan-sweep-then-work', '--index', '0'], { env: HANG });
    const r = await sweep.done;
    expect(r.code, r.stderr).toBe(0);
    expect(readPids(pids), `scripts started for the one run (work: exit ${w.code}, ${w.stderr.split('\n')[0]})`).toHaveLength(1);
    expect(readJson(join(dir, 'runs', 'alpha=0,seed=0', 'summary.json'))).toMatchObject({ status: 'finished', steps_run: 2 });
  });
});

describe.concurrent('failures are data', () => {
  it('a run that fails: work exits 1, the run recorded failed, status lists it and exits 1; work again redoes only it; a plan whose script was edited is refused, one line, nothing written', async () => {
    const scripts = makeTempDir('plan-work-scripts');
    const script = join(scripts, 'train.mjs');
    copyFileSync(join(commandDir, 'fails-when-told.mjs'), script);
    const dir = await plan('plan-failing', ['--command', `node ${quote(script)} {seed}`, '--alpha', '0', '--seeds', '0-1', '--steps', '5'], 2);
    const ok = join(dir, 'runs', 'alpha=0,seed=0');
    const bad = join(dir, 'runs', 'alpha=0,seed=1');

    // The run with seed 1 fails (the environment says so; the plan is the same).
    const failed = await cli(['work', 'plan-failing', '--shard', '0/1'], { env: { MO_TRAIN_TEST_FAIL_SEED: '1' } });
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr).toMatch(
      /\nmo-train work: \[1\] alpha=0,seed=1: failed — failed: the script exited with code 1 after 1 logged step: simulated failure of seed 1/,
    );
    expect(readJson(join(ok, 'summary.json'))).toMatchObject({ status: 'finished', steps_run: 5 });
    expect(readJson(join(bad, 'summary.json'))).toMatchObject({ status: 'failed', verdict: 'failed', error: { exit_code: 1 } });
    expect(claimFiles(dir)).toEqual([]);

    const detail = 'the script exited with code 1 after 1 logged step: simulated failure of seed 1: CUDA out of memory';
    const status = await cli(['status', 'plan-failing']);
    expect(status.code, status.stdout).toBe(1);
    expect(status.stdout).toBe(
      'plan-failing: 2 runs — 1 finished, 1 failed, 0 running, 0 stale, 0 pending\n' +
        `  failed alpha=0,seed=1: ${detail}\n` +
        'left to do, by index: 1\n' +
        'what is left: mo-train work plan-failing --index I (for each unfinished run), or mo-train sweep --resume plan-failing\n',
    );
    const json = await cli(['status', 'plan-failing', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      total: 2,
      counts: { finished: 1, failed: 1, running: 0, stale: 0, pending: 0 },
      complete: false,
      todo: '1',
      runs: [{ index: 1, id: 'alpha=0,seed=1', state: 'failed', detail }],
    });

    // The script edited: not the planned runs any more; refused, one line, nothing written.
    const original = readFileSync(script);
    appendFileSync(script, '// edited after the plan was made\n');
    const before = snapshotTree(dir);
    const edited = await cli(['work', 'plan-failing', '--index', '1']);
    expect(edited.code, edited.stderr).toBe(2);
    expect(edited.stderr).toMatch(
      /^mo-train: plan-failing: its spec no longer makes the planned runs \(script .*train\.mjs changed .*\); restore what changed, or make a new plan with --out elsewhere\n$/,
    );
    expect(snapshotTree(dir)).toEqual(before);

    // Restored, and the cause fixed: only the failed run is done again.
    writeFileSync(script, original);
    const okBefore = snapshotTree(ok);
    const fixed = await cli(['work', 'plan-failing', '--shard', '0/1']);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stderr).toMatch(/^mo-train work: \[0\] alpha=0,seed=0: finished already, skipped\nmo-train work: \[1\] alpha=0,seed=1: converged — /);
    expect(snapshotTree(ok)).toEqual(okBefore);
    expect(readJson(join(bad, 'summary.json'))).toMatchObject({ status: 'finished', steps_run: 5, error: null });
    expect(readFileSync(join(bad, 'steps.csv'), 'utf8')).toBe(readFileSync(join(ok, 'steps.csv'), 'utf8'));
    const done = await cli(['status', 'plan-failing']);
    expect(done.code, done.stdout).toBe(0);
    expect(done.stdout).toBe('plan-failing: 2 runs — 2 finished, 0 failed, 0 running, 0 stale, 0 pending\n');
  });
});

describe.concurrent('bad input: one line naming what is wrong and what is allowed, exit 2, nothing written', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await plan('plan-bad-input', SPEC, 4);
    // Something to lose: a finished run (and the claims directory its work made).
    const r = await cli(['work', 'plan-bad-input', '--index', '0']);
    expect(r.code, r.stderr).toBe(0);
    // And a run another task is doing: a bad staleness limit given to status would change what it says of it.
    writeFileSync(
      join(dir, 'claims', 'alpha=0,seed=1.claim'),
      `${JSON.stringify({ host: 'node-2', pid: 77, started: new Date().toISOString(), token: 'feedfacefeedface' })}\n`,
    );
  });

  it.each<{ name: string; args: string[]; env: Record<string, string>; says: string }>([
    {
      name: 'no index, no environment',
      args: [],
      env: {},
      says: 'no run index: pass --index I (or --shard K/N), or run under a Slurm array ($SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job ($JOB_COMPLETION_INDEX)',
    },
    {
      name: '--index 99 (out of range)',
      args: ['--index', '99'],
      env: {},
      says: '--index: "99" is not a run of this plan; allowed: an index from 0 to 3 (the plan has 4 runs)',
    },
    { name: '--index -1', args: ['--index', '-1'], env: {}, says: '--index: "-1" is not a run of this plan; allowed: an index from 0 to 3' },
    { name: '--index 1.5', args: ['--index', '1.5'], env: {}, says: '--index: "1.5" is not a run of this plan; allowed: an index from 0 to 3' },
    { name: 'an empty --index', args: ['--index', ''], env: {}, says: '--index: "" is not a run of this plan' },
    {
      name: '$SLURM_ARRAY_TASK_ID=4 (out of range)',
      args: [],
      env: { SLURM_ARRAY_TASK_ID: '4' },
      says: '$SLURM_ARRAY_TASK_ID: "4" is not a run of this plan; allowed: an index from 0 to 3',
    },
    {
      name: '$JOB_COMPLETION_INDEX=abc',
      args: [],
      env: { JOB_COMPLETION_INDEX: 'abc' },
      says: '$JOB_COMPLETION_INDEX: "abc" is not a run of this plan; allowed: an index from 0 to 3',
    },
    { name: '--shard 3/2', args: ['--shard', '3/2'], env: {}, says: '--shard: "3/2" is not valid; allowed: K/N with 0 ≤ K < N, e.g. 0/4' },
    { name: '--shard x', args: ['--shard', 'x'], env: {}, says: '--shard: "x" is not valid; allowed: K/N with 0 ≤ K < N' },
    { name: '--shard 0/0', args: ['--shard', '0/0'], env: {}, says: '--shard: "0/0" is not valid; allowed: K/N with 0 ≤ K < N' },
    { name: 'both --index and --shard', args: ['--index', '0', '--shard', '0/2'], env: {}, says: '--index and --shard: give one of them' },
    {
      name: '--stale-after 1',
      args: ['--index', '1', '--stale-after', '1'],
      env: {},
      says: '--stale-after: "1" is not valid; allowed: seconds from 5 to 86400 (default 120)',
    },
    {
      name: '--stale-after soon',
      args: ['--index', '1', '--stale-after', 'soon'],
      env: {},
      says: '--stale-after: "soon" is not valid; allowed: seconds from 5 to 86400',
    },
  ])('work: $name', async ({ args, env, says }) => {
    const before = snapshotTree(dir);
    const r = await cli(['work', 'plan-bad-input', ...args], { env });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^mo-train: [^\n]+\n$/);
    expect(r.stderr).toContain(says);
    expect(r.stdout).toBe('');
    expect(snapshotTree(dir)).toEqual(before);
  });

  it('plan into a directory that already holds one: refused, the plan and its results as they were', async () => {
    const before = snapshotTree(dir);
    const r = await cli(['plan', ...SPEC, '--steps', '400', '--out', 'plan-bad-input']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe('mo-train: --out plan-bad-input: already exists and is not empty (it may hold another sweep); pass a new directory\n');
    expect(r.stdout).toBe('');
    expect(snapshotTree(dir)).toEqual(before);
  });

  it.each(['soon', '-5', '0'])(
    'status --stale-after %s: refused as work refuses it, one line, exit 2 (not every claim silently counted stale)',
    async (value) => {
      const r = await cli(['status', 'plan-bad-input', '--stale-after', value]);
      expect(r.code, r.stdout).toBe(2);
      expect(r.stderr).toBe(`mo-train: --stale-after: "${value}" is not valid; allowed: seconds from 5 to 86400 (default 120)\n`);
      expect(r.stdout).toBe('');
    },
  );

  it('work on a directory without sweep.json (empty, or not there): says to make a plan first; creates nothing', async () => {
    const empty = join(work, 'not-a-plan');
    mkdirSync(empty);
    const r = await cli(['work', 'not-a-plan', '--index', '0']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe('mo-train: not-a-plan: has no sweep.json; make a plan first: mo-train plan [sweep options] --out not-a-plan\n');
    expect(readdirSync(empty)).toEqual([]);
    const missing = await cli(['work', 'nowhere', '--index', '0']);
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr).toMatch(/^mo-train: nowhere: has no sweep.json; [^\n]+\n$/);
    expect(existsSync(join(work, 'nowhere'))).toBe(false);
  });
});
