/**
 * One directory, one sweep (issue 4): `<out>/.lock` names the process that owns a results
 * directory. A second sweep on a directory in use is refused, naming the holder; a lock whose
 * process is gone (kill -9, a reboot, a recycled pid) is taken over with a warning.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  expectNoTempFiles,
  killStartedClis,
  makeTempDir,
  removeTempDirs,
  requireBuilt,
  snapshotTree,
  startCli,
  waitFor,
} from '../fixtures/e2e-harness.js';

let work: string;
beforeAll(() => {
  requireBuilt();
  work = makeTempDir('lock');
});
afterAll(() => {
  killStartedClis();
  removeTempDirs();
});

const TINY = ['--alpha', '0,0.1', '--steps', '200', '--jobs', '1'];

describe.concurrent('a directory in use by a live sweep', () => {
  it("refuses a second sweep (the same command, or --resume) with the holder's pid, and the first goes on", async () => {
    const long = ['--alpha', '0,0.1', '--steps', '2000000', '--log-every', '1000', '--jobs', '1', '--out', 'busy'];
    const first = startCli(['sweep', ...long], { cwd: work, detached: true });
    const dir = join(work, 'busy');
    await waitFor('the first sweep to start its first run', () => existsSync(join(dir, 'runs', 'alpha=0,seed=0', 'steps.csv')), { while: first });
    // Suspended (as Ctrl-Z does), it still holds the directory — and uses no CPU meanwhile.
    process.kill(-first.pid, 'SIGSTOP');
    try {
      const seconds = [
        ['sweep', ...long],
        ['sweep', '--resume', 'busy'],
        ['sweep', '--resume', 'busy', '--steps', '5'],
      ];
      for (const second of await Promise.all(seconds.map((args) => cli(args, { cwd: work })))) {
        expect(second.code, second.stderr).toBe(2);
        expect(second.stderr.trim().split('\n')).toHaveLength(1);
        expect(second.stderr).toContain(`busy is in use by another mo-train (pid ${first.pid} on ${hostname()}`);
      }
    } finally {
      process.kill(-first.pid, 'SIGCONT');
    }
    expect(first.child.exitCode).toBe(null);

    // The first sweep still owns the directory: it stops cleanly and releases the lock.
    first.child.kill('SIGINT');
    const r = await first.done;
    expect(r.code, r.stderr).toBe(130);
    expect(existsSync(join(dir, '.lock'))).toBe(false);
    expectNoTempFiles(dir);
  });
});

describe.concurrent('a lock left by a process that is gone is taken over, with a warning', () => {
  let sweepDir: string;
  beforeAll(async () => {
    const r = await cli(['sweep', ...TINY, '--out', 'stale-src'], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    sweepDir = join(work, 'stale-src');
  });

  /** A pid that surely belongs to no process: `true`'s, after it exited. */
  const deadPid = () => spawnSync('true').pid!;

  it.each([
    {
      name: 'a dead pid',
      holder: () => ({ pid: deadPid(), host: hostname(), started: '2026-01-01T00:00:00.000Z', proc_start: null }),
      from: (h: { pid: number }) => `from pid ${h.pid} (${hostname()})`,
    },
    {
      name: 'a live pid that is another process now (recycled: its start time differs)',
      holder: () => ({ pid: process.pid, host: hostname(), started: '2026-01-01T00:00:00.000Z', proc_start: '1' }),
      from: (h: { pid: number }) => `from pid ${h.pid} (${hostname()})`,
    },
    { name: 'an unreadable lock (a crash while writing it)', holder: () => '{"pid": 12', from: () => 'took over' },
  ])('$name', async ({ name, holder, from }) => {
    const out = `stale-${name.split(' ')[1]}`;
    const dir = join(work, out);
    rmSync(dir, { recursive: true, force: true });
    // A copy of a finished sweep with one run left to do, and the stale lock in it.
    spawnSync('cp', ['-a', sweepDir, dir]);
    rmSync(join(dir, 'runs', 'alpha=0.1,seed=0', 'summary.json'));
    const h = holder();
    writeFileSync(join(dir, '.lock'), typeof h === 'string' ? h : `${JSON.stringify(h)}\n`);

    const r = await cli(['sweep', ...TINY, '--out', out], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`warning: took over ${out}/.lock `);
    expect(r.stderr).toContain(typeof h === 'string' ? from({ pid: 0 }) : from(h));
    expect(r.stderr).toContain('resuming: 1 finished, 1 to do (1 again from the start)');
    expect(existsSync(join(dir, '.lock'))).toBe(false);
    expectNoTempFiles(dir);
  });

  it('but a lock held on another host is never taken over (its process cannot be checked from here)', async () => {
    const dir = join(work, 'other-host');
    spawnSync('cp', ['-a', sweepDir, dir]);
    writeFileSync(join(dir, '.lock'), `${JSON.stringify({ pid: 4242, host: 'another-host', started: '2026-01-01T00:00:00.000Z', proc_start: null })}\n`);
    const before = snapshotTree(dir);
    const r = await cli(['sweep', ...TINY, '--out', 'other-host'], { cwd: work });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('pid 4242 on another-host');
    expect(snapshotTree(dir)).toEqual(before);
  });
});
