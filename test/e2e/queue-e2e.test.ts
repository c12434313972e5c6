/**
 * `sweep --queue` and `mo-train worker` end to end, on a redis-server of the test's own (loopback, a
 * free port): a sweep through the queue with two workers, one started before the coordinator; a
 * worker killed (kill -9) in the middle of a run, whose run is re-delivered; the coordinator killed
 * and started again; a failed run retried by the queue, then queued again by the coordinator —
 * each directory compared byte for byte with a local sweep of the same spec. And bad input: one
 * line, exit 2, nothing written.
 *
 * BullMQ's lock and stalled-check times are shortened (MO_TRAIN_QUEUE_LOCK_MS) so a killed
 * worker's run comes back within seconds, and the retry backoff (MO_TRAIN_QUEUE_BACKOFF_MS).
 */
import { existsSync, readdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_ON_PATH, nodeCommand, step } from '../fixtures/command/command-helpers.js';
import {
  childPids,
  cli as runCli,
  expectSameResults,
  isAlive,
  killStartedClis,
  makeTempDir,
  removeTempDirs,
  requireBuilt,
  startCli,
  waitFor,
  type CliOptions,
  type RunningCli,
} from '../fixtures/e2e-harness.js';
import { freePort, startRedisServer, type RedisServer } from '../fixtures/redis-server.js';

/** Short BullMQ times for the tests (production: 30 s and 10 s). */
const QUEUE_ENV = { ...NODE_ON_PATH, MO_TRAIN_QUEUE_LOCK_MS: '3000', MO_TRAIN_QUEUE_BACKOFF_MS: '200' };
const cli = (args: readonly string[], options: CliOptions) => runCli(args, { ...options, env: { ...QUEUE_ENV, ...options.env } });
const start = (args: readonly string[], options: CliOptions) => startCli(args, { ...options, env: { ...QUEUE_ENV, ...options.env } });

const GRID = ['--alpha', '0,0.1', '--seeds', '0-1', '--steps', '300'];
/** A command run: two steps, then (with MO_TRAIN_TEST_HANG=1 in the worker's environment, not part of the config) a minute's wait, then two more. */
const HANGING = nodeCommand(
  'script.mjs',
  step({ step: 0, loss1: 1, loss2: 1 }),
  step({ step: 1, loss1: 0.5, loss2: 1 }),
  'hang:60000',
  step({ step: 2, loss1: 0.25, loss2: 1 }),
  step({ step: 3, loss1: 0.125, loss2: 1 }),
);
const COMMAND_GRID = ['--command', HANGING, '--alpha', '0', '--seeds', '0-2'];
const COMMAND_IDS = ['alpha=0,seed=0', 'alpha=0,seed=1', 'alpha=0,seed=2'];

let redis: RedisServer;
let tmp: string;
/** Local sweeps of GRID and COMMAND_GRID: what a queue must produce. */
let reference: string;
let referenceStdout: string;
let commandReference: string;

beforeAll(async () => {
  requireBuilt();
  tmp = makeTempDir('queue');
  redis = await startRedisServer();
  reference = join(tmp, 'reference');
  commandReference = join(tmp, 'command-reference');
  const [a, b] = await Promise.all([
    cli(['sweep', ...GRID, '--out', reference], { cwd: tmp }),
    cli(['sweep', ...COMMAND_GRID, '--out', commandReference], { cwd: tmp }),
  ]);
  expect(a.code, a.stderr).toBe(0);
  expect(b.code, b.stderr).toBe(0);
  referenceStdout = a.stdout;
});

afterAll(async () => {
  killStartedClis();
  await redis?.stop();
  removeTempDirs();
});

function startWorker(env: Record<string, string> = {}, args: string[] = [], detached = false): RunningCli {
  return start(['worker', '--queue', redis.url, ...args], { cwd: tmp, env, timeoutMs: 110_000, detached });
}

async function ready(worker: RunningCli): Promise<void> {
  await waitFor('the worker to take runs', () => worker.stderr().includes('mo-train worker: taking runs from'), { while: worker });
}

/** SIGTERM: the worker closes and exits 0. */
async function stopWorker(worker: RunningCli): Promise<string> {
  process.kill(worker.pid, 'SIGTERM');
  const r = await worker.done;
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toContain('mo-train worker: stopped');
  return r.stderr;
}

/** How many times each run was done to its end (its verdict logged), by the workers' logs. */
function finishedCounts(logs: readonly string[], dirName: string, ids: readonly string[]): Record<string, number> {
  const lines = logs.join('').split('\n');
  return Object.fromEntries(
    ids.map((id) => [id, lines.filter((l) => l.startsWith(`mo-train worker: ${dirName}: ${id}: `) && / — /.test(l) && !l.includes(': interrupted')).length]),
  );
}

/** The run of `dir` in progress: claimed, its script started by the claimant (with MO_TRAIN_TEST_HANG=1 it then hangs). */
function runInProgress(dir: string): string | undefined {
  return COMMAND_IDS.find((id) => {
    const pid = claimPid(dir, id);
    return pid !== null && childPids(pid).length > 0;
  });
}

function claimPid(dir: string, id: string): number | null {
  try {
    return JSON.parse(readFileSync(join(dir, 'claims', `${id}.claim`), 'utf8')).pid;
  } catch {
    return null;
  }
}

/** The jobs in Redis of the plan in `dir`, by state. */
async function jobsOf(dir: string): Promise<Record<string, number[]>> {
  const queue = new Queue('mo-train-runs', { connection: { host: '127.0.0.1', port: redis.port } });
  try {
    const out: Record<string, number[]> = {};
    for (const state of ['waiting', 'active', 'delayed', 'completed', 'failed'] as const) {
      const jobs = await queue.getJobs([state]);
      const mine = jobs.filter((j) => j.data.dir === dir).map((j) => j.data.index as number);
      if (mine.length > 0) out[state] = mine.sort();
    }
    return out;
  } finally {
    await queue.close();
  }
}

describe('sweep --queue with mo-train worker', () => {
  it("two workers, one started before the coordinator: the local sweep's results and tables, each run done once; summarize reads the directory alike", async () => {
    const out = join(tmp, 'two-workers');
    const first = startWorker();
    await ready(first);
    const sweep = start(['sweep', ...GRID, '--queue', redis.url, '--out', out], { cwd: tmp, timeoutMs: 110_000 });
    const second = startWorker({}, ['--jobs', '2']);
    const r = await sweep.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`through the queue at ${redis.url} → two-workers`);
    expect(r.stderr).toContain(`4 queued; workers take them: mo-train worker --queue ${redis.url}`);
    expect(r.stdout.replaceAll(out, 'DIR')).toBe(referenceStdout.replaceAll(reference, 'DIR'));
    expectSameResults(out, reference);
    expect(readdirSync(join(out, 'claims'))).toEqual([]);
    const logs = [await stopWorker(first), await stopWorker(second)];
    expect(finishedCounts(logs, 'two-workers', ['alpha=0,seed=0', 'alpha=0,seed=1', 'alpha=0.1,seed=0', 'alpha=0.1,seed=1'])).toEqual({
      'alpha=0,seed=0': 1,
      'alpha=0,seed=1': 1,
      'alpha=0.1,seed=0': 1,
      'alpha=0.1,seed=1': 1,
    });
    expect(await jobsOf(out)).toEqual({ completed: [0, 1, 2, 3] });
    const [mine, theirs] = await Promise.all([cli(['summarize', out], { cwd: tmp }), cli(['summarize', reference], { cwd: tmp })]);
    expect(mine.code, mine.stderr).toBe(0);
    expect(mine.stdout.replaceAll(out, 'DIR')).toBe(theirs.stdout.replaceAll(reference, 'DIR'));
  });

  it('kill -9 of a worker in the middle of a run: its child stops the run and releases the claim, the run is re-delivered to the other worker, the directory is the local sweep’s', async () => {
    const out = join(tmp, 'killed');
    const doomed = startWorker({ MO_TRAIN_TEST_HANG: '1' });
    await ready(doomed);
    const sweep = start(['sweep', ...COMMAND_GRID, '--queue', redis.url, '--out', out], { cwd: tmp, timeoutMs: 110_000 });
    const id = await waitFor('a run in progress', () => runInProgress(out), { while: sweep, timeoutMs: 60_000 });
    // The run is done in the worker's sandboxed child, not in the worker itself.
    const child = claimPid(out, id)!;
    expect(childPids(doomed.pid)).toContain(child);
    process.kill(doomed.pid, 'SIGKILL');
    expect((await doomed.done).signal).toBe('SIGKILL');
    // Orphaned, the child stops its script and releases the claim (the run is marked interrupted).
    await waitFor('the orphaned child to exit', () => !isAlive(child), { timeoutMs: 30_000 });
    expect(existsSync(join(out, 'claims', `${id}.claim`))).toBe(false);
    expect(existsSync(join(out, 'runs', id, 'interrupted.json'))).toBe(true);

    const survivor = startWorker();
    const r = await sweep.done;
    expect(r.code, r.stderr).toBe(0);
    expectSameResults(out, commandReference);
    const log = await stopWorker(survivor);
    // The killed worker's run was done again, from the start, by the survivor: every run once there.
    expect(finishedCounts([log], 'killed', COMMAND_IDS)).toEqual(Object.fromEntries(COMMAND_IDS.map((i) => [i, 1])));
    expect(await jobsOf(out)).toEqual({ completed: [0, 1, 2] });
  });

  it('a worker killed with its children (kill -9 of its process group): its run, claimed by the dead, is delayed while the claim is fresh (no attempt used), then taken over when stale (--stale-after)', async () => {
    const out = join(tmp, 'group-killed');
    const doomed = startWorker({ MO_TRAIN_TEST_HANG: '1' }, [], true);
    await ready(doomed);
    const sweep = start(['sweep', ...COMMAND_GRID, '--queue', redis.url, '--out', out], { cwd: tmp, timeoutMs: 110_000 });
    const id = await waitFor('a run in progress', () => runInProgress(out), { while: sweep, timeoutMs: 60_000 });
    const child = claimPid(out, id)!;
    // The script runs in a process group of its own: killed too, as a lost node would lose it.
    const scripts = childPids(child);
    process.kill(-doomed.pid, 'SIGKILL');
    for (const pid of scripts) process.kill(pid, 'SIGKILL');
    await doomed.done;
    await waitFor('the worker’s child to be gone', () => !isAlive(child), { timeoutMs: 30_000 });
    // Nobody released the claim. The test keeps its heartbeat going, as a claimant still alive
    // (cut off from Redis, say) would, until the re-delivered job has found the run busy.
    const claim = join(out, 'claims', `${id}.claim`);
    expect(existsSync(claim)).toBe(true);
    const heartbeat = setInterval(() => utimesSync(claim, new Date(), new Date()), 500);
    const survivor = startWorker({}, ['--stale-after', '5']);
    try {
      await waitFor('the survivor to find the run busy', () => survivor.stderr().includes(`group-killed: ${id}: being done by pid ${child} on `), {
        while: survivor,
        timeoutMs: 60_000,
      });
    } finally {
      clearInterval(heartbeat);
    }
    // Delayed, looked at again, and taken over once the heartbeat is 5 s old.
    const r = await sweep.done;
    expect(r.code, r.stderr).toBe(0);
    expectSameResults(out, commandReference);
    const log = await stopWorker(survivor);
    expect(log).toContain(`mo-train worker: group-killed: ${id}: took over the stale claim of pid ${child} on `);
    // A busy run uses no attempt.
    expect(log).not.toContain('attempt 1 of 3');
    expect(finishedCounts([log], 'group-killed', COMMAND_IDS)).toEqual(Object.fromEntries(COMMAND_IDS.map((i) => [i, 1])));
    expect(await jobsOf(out)).toEqual({ completed: [0, 1, 2] });
  });

  it('Ctrl-C of the coordinator stops only its following: the jobs stay queued, and the command it prints follows them again to the end', async () => {
    const out = join(tmp, 'detached');
    const sweep = start(['sweep', ...GRID, '--queue', redis.url, '--out', out], { cwd: tmp });
    await waitFor('the runs to be queued', () => sweep.stderr().includes('4 queued'), { while: sweep });
    process.kill(sweep.pid, 'SIGINT');
    const r = await sweep.done;
    expect(r.code, r.stderr).toBe(130);
    const attach = `mo-train sweep --queue ${redis.url} --resume detached`;
    expect(r.stderr).toContain(
      `mo-train: stopped following (SIGINT): 0 of 4 runs finished; the others stay queued and the workers go on. Follow them again with: ${attach}   (or see: mo-train status detached)`,
    );
    expect(existsSync(join(out, '.lock'))).toBe(false);
    expect(await jobsOf(out)).toEqual({ waiting: [0, 1, 2, 3] });

    const worker = startWorker();
    const again = await cli(attach.split(' ').slice(1), { cwd: tmp, timeoutMs: 110_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('0 queued, 4 already on the queue');
    expect(again.stdout.replaceAll(out, 'DIR')).toBe(referenceStdout.replaceAll(reference, 'DIR'));
    expectSameResults(out, reference);
    await stopWorker(worker);
  });

  it('the coordinator killed (kill -9) and started again: nothing queued twice, a run in progress (claimed) left to its worker, finished runs not redone', async () => {
    const out = join(tmp, 'restarted');
    const args = ['sweep', ...COMMAND_GRID, '--queue', redis.url, '--out', out];
    // One run at a time, each hanging: the first is in progress, the other two wait on the queue.
    const hanging = startWorker({ MO_TRAIN_TEST_HANG: '1' });
    await ready(hanging);
    const first = start(args, { cwd: tmp, timeoutMs: 110_000 });
    const id = await waitFor('a run in progress', () => runInProgress(out), { while: first, timeoutMs: 60_000 });
    process.kill(first.pid, 'SIGKILL');
    await first.done;
    // It held the directory's lock only while opening it: the workers are not told a local sweep has it.
    expect(existsSync(join(out, '.lock'))).toBe(false);
    expect(await jobsOf(out)).toEqual({ active: [COMMAND_IDS.indexOf(id)], waiting: [0, 1, 2].filter((i) => i !== COMMAND_IDS.indexOf(id)) });

    // The same command again: it takes over the dead coordinator's lock, and queues nothing new.
    const second = start(args, { cwd: tmp, timeoutMs: 110_000 });
    await waitFor('the second coordinator to follow the queued runs', () => second.stderr().includes('already on the queue'), { while: second });
    expect(second.stderr()).toContain('resuming: 0 finished, 3 to do');
    expect(second.stderr()).toContain('0 queued, 3 already on the queue');
    // The hanging worker stopped: its run goes back to the queue; a fresh worker does them all.
    const stoppedLog = await stopWorker(hanging);
    expect(stoppedLog).toContain(`restarted: ${id}: interrupted: the worker is stopping; handed back to the queue`);
    const fresh = startWorker();
    const r = await second.done;
    expect(r.code, r.stderr).toBe(0);
    expectSameResults(out, commandReference);
    const log = await stopWorker(fresh);
    expect(finishedCounts([log], 'restarted', COMMAND_IDS)).toEqual(Object.fromEntries(COMMAND_IDS.map((i) => [i, 1])));
    expect(await jobsOf(out)).toEqual({ completed: [0, 1, 2] });

    // Once more, all finished: nothing to queue, the same tables, nothing rewritten.
    const summaryTimes = COMMAND_IDS.map((i) => statSync(join(out, 'runs', i, 'summary.json')).mtimeMs);
    const again = await cli(args, { cwd: tmp });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('resuming: 3 finished, 0 to do');
    expect(again.stderr).not.toContain('queued');
    expect(COMMAND_IDS.map((i) => statSync(join(out, 'runs', i, 'summary.json')).mtimeMs)).toEqual(summaryTimes);
  });

  it('a failing run: retried by the queue (attempts, backoff), recorded as failed as a local sweep records it, exit 1; the coordinator again redoes only it', async () => {
    const failing = nodeCommand('script.mjs', step({ loss1: 1, loss2: 1 }), 'seed:1:exit:3', step({ loss1: 0.5, loss2: 1 }));
    const grid = ['--command', failing, '--alpha', '0', '--seeds', '0-1'];
    const [local, out] = [join(tmp, 'failing-local'), join(tmp, 'failing')];
    const l = await cli(['sweep', ...grid, '--out', local], { cwd: tmp });
    expect(l.code, l.stderr).toBe(1);
    const worker = startWorker();
    await ready(worker);
    const args = ['sweep', ...grid, '--queue', redis.url, '--out', out];
    const r = await cli(args, { cwd: tmp, timeoutMs: 110_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('mo-train: run alpha=0,seed=1 failed: ');
    expect(r.stderr).toContain(
      `mo-train: 1 of 2 runs failed (details in runs/<id>/summary.json); mo-train sweep --queue ${redis.url} --resume failing to run them again`,
    );
    expectSameResults(out, local);
    expect(worker.stderr()).toContain('mo-train worker: failing: alpha=0,seed=1: the run failed: ');
    expect(worker.stderr()).toContain('attempt 1 of 3, retried later');
    expect(worker.stderr()).toContain('attempt 2 of 3, retried later');
    expect(worker.stderr()).toContain('failed for good');
    const status = await cli(['status', out], { cwd: tmp });
    expect(status.code).toBe(1);
    expect(status.stdout).toContain('1 finished, 1 failed');

    const finishedAt = statSync(join(out, 'runs', 'alpha=0,seed=0', 'summary.json')).mtimeMs;
    const again = await cli(args, { cwd: tmp, timeoutMs: 110_000 });
    expect(again.code, again.stderr).toBe(1);
    expect(again.stderr).toContain('resuming: 1 finished, 1 to do (1 again from the start)');
    expect(again.stderr).toContain('0 queued, 1 that had failed queued again');
    expect(statSync(join(out, 'runs', 'alpha=0,seed=0', 'summary.json')).mtimeMs).toBe(finishedAt);
    expectSameResults(out, local);
    const log = await stopWorker(worker);
    expect(log.split('failed for good').length - 1).toBe(2);
  });
});

describe('bad input: one line, exit 2, nothing written', () => {
  let silent: Server;
  let silentPort: number;
  const accepted = new Set<Socket>();
  beforeAll(async () => {
    // Accepts connections and never answers: a firewall's black hole, or not a Redis at all.
    silent = createServer((socket) => {
      accepted.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of accepted) socket.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });

  const oneLine = (stderr: string) => expect(stderr.trimEnd().split('\n'), stderr).toHaveLength(1);

  it.each([
    ['http://localhost:6379', '--queue: "http://localhost:6379" is not valid (the scheme is http); allowed: redis://HOST:PORT[/DB]'],
    ['redis://localhost:99999', '--queue: "redis://localhost:99999" is not valid (not a URL)'],
    ['redis://localhost:6379/x', 'the database "x" is not a number'],
    ['localhost:6379', '--queue: "localhost:6379" is not valid'],
  ])('sweep --queue %s', async (url, message) => {
    const out = join(tmp, 'bad-url');
    const r = await cli(['sweep', ...GRID, '--queue', url, '--out', out], { cwd: tmp });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    oneLine(r.stderr);
    expect(existsSync(out)).toBe(false);
  });

  it('sweep --queue to a port where no Redis listens, and to a server that never answers: refused within the timeout', async () => {
    const out = join(tmp, 'unreachable');
    const closed = await freePort();
    const refused = await cli(['sweep', ...GRID, '--queue', `redis://127.0.0.1:${closed}`, '--out', out], { cwd: tmp });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `mo-train: --queue redis://127.0.0.1:${closed}: cannot reach Redis there (ECONNREFUSED); start redis-server, or check the host, port and password\n`,
    );
    const silentRun = await cli(['sweep', ...GRID, '--queue', `redis://127.0.0.1:${silentPort}`, '--out', out], { cwd: tmp, timeoutMs: 30_000 });
    expect(silentRun.code).toBe(2);
    expect(silentRun.stderr).toContain(`--queue redis://127.0.0.1:${silentPort}: cannot reach Redis there (no answer within 5 s)`);
    oneLine(silentRun.stderr);
    expect(existsSync(out)).toBe(false);
    const worker = await cli(['worker', '--queue', `redis://127.0.0.1:${closed}`], { cwd: tmp });
    expect(worker.code).toBe(2);
    expect(worker.stderr).toContain('cannot reach Redis there (ECONNREFUSED)');
  });

  it.each([
    [['worker'], '--queue: required'],
    [['worker', '--queue', 'redis://127.0.0.1:notaport'], '--queue: "redis://127.0.0.1:notaport" is not valid'],
    [['worker', '--queue', 'REDIS', '--jobs', '0'], '--queue: "REDIS" is not valid'],
    [['worker', '--queue', 'redis://127.0.0.1:6379', '--jobs', '0'], '--jobs: "0" is not valid; allowed: a whole number of runs at a time from 1 to'],
    [['worker', '--queue', 'redis://127.0.0.1:6379', '--stale-after', '1'], '--stale-after: "1" is not valid'],
    [['sweep', ...GRID, '--queue', 'redis://127.0.0.1:6379', '--jobs', '2'], '--jobs: not with --queue (each worker says how many runs it does at a time'],
    [['sweep', ...GRID, '--queue', 'redis://127.0.0.1:6379', '--run-timeout', '60'], '--run-timeout: not with --queue'],
  ])('%j', async (args, message) => {
    const r = await cli([...args, ...(args[0] === 'sweep' ? ['--out', join(tmp, 'refused')] : [])], { cwd: tmp });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    oneLine(r.stderr);
    expect(existsSync(join(tmp, 'refused'))).toBe(false);
  });
});
