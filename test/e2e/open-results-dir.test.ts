/**
 * Opening a results directory (src/runner/results-dir.ts), shared by `run` and `sweep`, and the
 * stop check of a run in a process that must see signals (src/runner/yielding-stop.ts). The e2e
 * tests cover them through the CLI; here, what a command relies on: a directory comes back
 * locked and ready, and whatever fails on the way leaves no lock behind.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { buildManifest } from '../../src/io/sweep-files.js';
import { resolveUserFile } from '../../src/io/user-files.js';
import { createResultsDir, lockSweepToResume } from '../../src/runner/results-dir.js';
import { createYieldingStop } from '../../src/runner/yielding-stop.js';
import { parseSweepSpec } from '../../src/spec/parse-spec.js';
import { makeTempDir, removeTempDirs } from '../fixtures/e2e-harness.js';

afterAll(removeTempDirs);

const now = new Date('2026-01-02T03:04:05Z');

function manifestFor(alpha: string) {
  const result = parseSweepSpec({ alpha, steps: '10' }, undefined, { mode: 'sweep', cwd: process.cwd(), resolveFile: resolveUserFile });
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return buildManifest(result.spec, { argv: ['sweep'], cwd: process.cwd(), flags: { alpha } }, now);
}

/** A .lock whose holder is a process that is gone (pid 2^22 + 1 is above Linux's pid_max). */
function writeStaleLock(dir: string): void {
  writeFileSync(join(dir, '.lock'), `${JSON.stringify({ pid: 4194305, host: hostname(), started: now.toISOString(), proc_start: null })}\n`);
}

describe('createResultsDir', () => {
  it('creates the directory, locks it and writes sweep.json; the lock goes with release()', () => {
    const dir = join(makeTempDir('open-dir'), 'out');
    const manifest = manifestFor('0,0.1');
    const opened = createResultsDir(dir, 'seed', manifest, now, process.cwd());
    expect(opened.path).toBe(dir);
    expect(opened.warnings).toEqual([]);
    expect(JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8'))).toMatchObject({ name: manifest.name, runs: manifest.runs.map((r) => ({ id: r.id })) });
    expect(JSON.parse(readFileSync(join(dir, '.lock'), 'utf8'))).toMatchObject({ pid: process.pid });
    expect(existsSync(join(dir, 'runs'))).toBe(true);
    opened.lock.release();
    expect(existsSync(join(dir, '.lock'))).toBe(false);
  });

  it('takes over the lock of a process that is gone, and says so naming --out', () => {
    // What a run killed before it wrote sweep.json leaves: its lock.
    const dir = join(makeTempDir('open-dir'), 'out');
    mkdirSync(dir);
    writeStaleLock(dir);
    const opened = createResultsDir(dir, 'seed', manifestFor('0'), now, process.cwd());
    expect(opened.warnings).toEqual([`took over ${dir}/.lock from pid 4194305 (${hostname()}), which is no longer running`]);
    opened.lock.release();
  });
});

describe('lockSweepToResume', () => {
  it.each([
    { name: 'the same sweep: locked, nothing to warn about', alpha: '0,0.1', refused: null, lockAfter: true },
    {
      name: 'a different sweep: refused with what differs, and no lock left',
      alpha: '0,0.5',
      refused: /holds a different sweep.*\n {2}alpha/s,
      lockAfter: false,
    },
  ])('$name', ({ alpha, refused, lockAfter }) => {
    const dir = join(makeTempDir('open-dir'), 'out');
    const manifest = manifestFor('0,0.1');
    createResultsDir(dir, 'seed', manifest, now, process.cwd()).lock.release();
    const stored = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8'));
    const open = () => lockSweepToResume(dir, 'out', stored, manifestFor(alpha), now);
    if (refused === null) {
      const opened = open();
      expect(opened.warnings).toEqual([]);
      expect(existsSync(join(dir, '.lock'))).toBe(lockAfter);
      opened.lock.release();
    } else {
      expect(open).toThrow(UserError);
      expect(open).toThrow(refused);
      expect(existsSync(join(dir, '.lock'))).toBe(lockAfter);
    }
  });
});

describe('createYieldingStop', () => {
  // (No check that it answers synchronously within the 25 ms: on a loaded machine this process may
  // be descheduled for longer than that between two lines.)
  it('turns the event loop once 25 ms have passed, and a stop asked for meanwhile is seen', async () => {
    let stop = false;
    const check = createYieldingStop(() => stop);
    const until = Date.now() + 40;
    while (Date.now() < until) {
      // busy, as a training loop is
    }
    // A signal handler that runs at the next turn of the event loop…
    setImmediate(() => (stop = true));
    const turned = check();
    expect(turned).toBeInstanceOf(Promise);
    // …is seen by the check that turned it.
    expect(await turned).toBe(true);
    expect(check()).toBe(true);
  });
});
