/**
 * Claiming a run of a plan (io/run-claim.ts), what `mo-train work` relies on under at-least-once
 * delivery: of two claimants one wins and the other is told who holds the run; a released run can
 * be claimed again; a claim without a heartbeat for the staleness limit — readable or not — is
 * taken over, the new claim naming what it replaced; the heartbeat renews the claim only while it
 * is still this claimant's; and of many claimants racing at once (separate processes, as on a
 * cluster) exactly one wins.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimPathOf, claimRun, readClaim, type ClaimOutcome, type RunClaim } from '../../src/io/run-claim.js';
import { requireBuilt, root } from '../fixtures/e2e-harness.js';

const ID = 'alpha=0.1,seed=2';
const STALE_MS = 10_000;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mo-train-claim-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function claimed(outcome: ClaimOutcome): RunClaim {
  if (outcome.kind !== 'claimed') throw new Error(`expected the claim to be won, got ${JSON.stringify(outcome)}`);
  return outcome.claim;
}

/** Sets the claim's heartbeat (its mtime) `ageMs` into the past. */
function age(path: string, ageMs: number): void {
  const t = new Date(Date.now() - ageMs);
  utimesSync(path, t, t);
}

/** A claim file left by a task that is gone, its last heartbeat `ageMs` ago. */
function writeClaim(text: string, ageMs: number): string {
  const path = claimPathOf(dir, ID);
  mkdirSync(join(dir, 'claims'), { recursive: true });
  writeFileSync(path, text);
  age(path, ageMs);
  return path;
}

const claimFiles = () => readdirSync(join(dir, 'claims')).sort();

describe('one claimant at a time', () => {
  it('the first claim wins and writes host, pid, start and a token as one line of JSON at <out>/claims/<id>.claim', () => {
    const at = Date.parse('2026-03-01T12:00:00.000Z');
    const claim = claimed(claimRun(dir, ID, STALE_MS, () => at));
    expect(claim.path).toBe(join(dir, 'claims', `${ID}.claim`));
    expect(claim.holder).toEqual({ host: hostname(), pid: process.pid, started: '2026-03-01T12:00:00.000Z', token: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(claim.tookOver).toBeNull();
    expect(readFileSync(claim.path, 'utf8')).toBe(`${JSON.stringify(claim.holder)}\n`);
    expect(claim.isHeld()).toBe(true);
    expect(claimFiles()).toEqual([`${ID}.claim`]);
  });

  it('a second claimant of a live claim is told it is busy, with the holder and the heartbeat’s age, and changes nothing', () => {
    const first = claimed(claimRun(dir, ID, STALE_MS));
    const before = readFileSync(first.path, 'utf8');
    const mtime = statSync(first.path).mtimeMs;
    const second = claimRun(dir, ID, STALE_MS, () => mtime + 3_000);
    expect(second).toEqual({ kind: 'busy', holder: first.holder, ageMs: 3_000 });
    expect(readFileSync(first.path, 'utf8')).toBe(before);
    expect(statSync(first.path).mtimeMs).toBe(mtime);
    expect(first.isHeld()).toBe(true);
    expect(claimFiles()).toEqual([`${ID}.claim`]);
  });

  it('claims of different runs do not get in each other’s way', () => {
    const a = claimed(claimRun(dir, 'alpha=0,seed=0', STALE_MS));
    const b = claimed(claimRun(dir, 'alpha=0,seed=1', STALE_MS));
    expect(a.isHeld() && b.isHeld()).toBe(true);
    expect(claimFiles()).toEqual(['alpha=0,seed=0.claim', 'alpha=0,seed=1.claim']);
  });

  it('released, the run can be claimed again, afresh (a new token, nothing taken over)', () => {
    const first = claimed(claimRun(dir, ID, STALE_MS));
    first.release();
    expect(existsSync(first.path)).toBe(false);
    expect(first.isHeld()).toBe(false);
    expect(first.beat()).toBe(false);
    first.release(); // twice is harmless
    const second = claimed(claimRun(dir, ID, STALE_MS));
    expect(second.tookOver).toBeNull();
    expect(second.holder.token).not.toBe(first.holder.token);
    // The old claim's release, again, does not remove the new one.
    first.release();
    expect(second.isHeld()).toBe(true);
  });
});

describe('stale claims: no heartbeat for the staleness limit', () => {
  it('are taken over; tookOver names the old holder; nothing is left beside the new claim', () => {
    const old = { host: 'node-17', pid: 4242, started: '2026-01-01T00:00:00.000Z', token: '00000000deadbeef' };
    const path = writeClaim(`${JSON.stringify(old)}\n`, STALE_MS + 1_000);
    const claim = claimed(claimRun(dir, ID, STALE_MS));
    expect(claim.tookOver).toEqual(old);
    expect(claim.path).toBe(path);
    expect(readFileSync(path, 'utf8')).toBe(`${JSON.stringify(claim.holder)}\n`);
    // Its heartbeat is fresh: a third claimant now finds it live.
    expect(Date.now() - statSync(path).mtimeMs).toBeLessThan(STALE_MS);
    expect(claimRun(dir, ID, STALE_MS)).toMatchObject({ kind: 'busy', holder: claim.holder });
    expect(claimFiles()).toEqual([`${ID}.claim`]);
  });

  it('one just short of the limit is still live', () => {
    const old = { host: 'node-17', pid: 4242, started: '2026-01-01T00:00:00.000Z', token: '00000000deadbeef' };
    const path = writeClaim(`${JSON.stringify(old)}\n`, STALE_MS - 2_000);
    const before = readFileSync(path, 'utf8');
    expect(claimRun(dir, ID, STALE_MS)).toMatchObject({ kind: 'busy', holder: old });
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it.each([
    { what: 'empty (a crash while it was written)', text: '' },
    { what: 'half written', text: '{"host":"node-17","pid":42' },
    { what: 'the wrong shape', text: '{"host":"node-17"}\n' },
  ])('an unreadable claim file, $what: live while fresh (busy, no holder), taken over once stale', ({ text }) => {
    const path = writeClaim(text, 1_000);
    expect(claimRun(dir, ID, STALE_MS)).toMatchObject({ kind: 'busy', holder: null });
    expect(readFileSync(path, 'utf8')).toBe(text);
    age(path, STALE_MS + 1_000);
    const claim = claimed(claimRun(dir, ID, STALE_MS));
    expect(claim.tookOver).toBe('unreadable');
    expect(readClaim(path)?.holder).toEqual(claim.holder);
    expect(claimFiles()).toEqual([`${ID}.claim`]);
  });
});

describe('the heartbeat', () => {
  it('beat() renews the claim’s mtime while it is held', () => {
    const claim = claimed(claimRun(dir, ID, STALE_MS));
    age(claim.path, 60_000);
    const text = readFileSync(claim.path, 'utf8');
    expect(claim.beat()).toBe(true);
    expect(Date.now() - statSync(claim.path).mtimeMs).toBeLessThan(5_000);
    expect(readFileSync(claim.path, 'utf8')).toBe(text);
    expect(claim.isHeld()).toBe(true);
  });

  it('once the claim was taken over (missed heartbeats): beat() is false and touches nothing, isHeld() false, release() leaves the new claim', () => {
    const first = claimed(claimRun(dir, ID, STALE_MS));
    age(first.path, STALE_MS + 1_000);
    const second = claimed(claimRun(dir, ID, STALE_MS));
    expect(second.tookOver).toEqual(first.holder);
    const text = readFileSync(second.path, 'utf8');
    age(second.path, 3_000);
    const mtime = statSync(second.path).mtimeMs;

    expect(first.isHeld()).toBe(false);
    expect(first.beat()).toBe(false);
    expect(statSync(second.path).mtimeMs).toBe(mtime);
    first.release();
    expect(readFileSync(second.path, 'utf8')).toBe(text);
    expect(second.isHeld()).toBe(true);
    expect(second.beat()).toBe(true);
  });

  it('once the claim file is gone: beat() is false and does not bring it back', () => {
    const claim = claimed(claimRun(dir, ID, STALE_MS));
    rmSync(claim.path);
    expect(claim.isHeld()).toBe(false);
    expect(claim.beat()).toBe(false);
    expect(existsSync(claim.path)).toBe(false);
  });
});

/** One line of race-claim.mjs's output. */
type RaceLine = { kind: 'claimed'; pid: number; token: string; tookOver: unknown } | { kind: 'busy'; holderPid: number | null };

/**
 * `n` processes (test/fixtures/claim/race-claim.mjs) claim run ID of `dir` at the same moment:
 * each is started, says it is ready, and waits for a go file; then all go.
 */
async function race(n: number): Promise<RaceLine[]> {
  const go = join(dir, 'go');
  const script = join(root, 'test', 'fixtures', 'claim', 'race-claim.mjs');
  const children = Array.from({ length: n }, () => {
    const child = spawn(process.execPath, [script, dir, ID, String(STALE_MS), go], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    let onReady = () => {};
    const ready = new Promise<void>((resolve) => (onReady = resolve));
    child.stdout.on('data', (s: string) => {
      out += s;
      if (out.startsWith('ready\n')) onReady();
    });
    child.stderr.on('data', (s: string) => (err += s));
    const done = new Promise<string>((resolve, reject) =>
      child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`race-claim.mjs exited ${code}: ${err}`)))),
    );
    return { ready, done };
  });
  await Promise.race([Promise.all(children.map((c) => c.ready)), Promise.all(children.map((c) => c.done))]);
  writeFileSync(go, '');
  const outputs = await Promise.all(children.map((c) => c.done));
  return outputs.map((o) => JSON.parse(o.split('\n')[1]!) as RaceLine);
}

describe('claimants racing, as separate processes', () => {
  beforeEach(() => requireBuilt());

  it('8 claimants of a free run at the same moment: exactly one wins, the others are told it is its', async () => {
    const lines = await race(8);
    const winners = lines.filter((l) => l.kind === 'claimed');
    expect(winners, JSON.stringify(lines)).toHaveLength(1);
    const winner = winners[0]!;
    expect(winner.tookOver).toBeNull();
    for (const l of lines) if (l.kind === 'busy') expect(l.holderPid).toBe(winner.pid);
    expect(claimFiles()).toEqual([`${ID}.claim`]);
    expect(readClaim(claimPathOf(dir, ID))?.holder).toMatchObject({ pid: winner.pid, token: winner.token });
  });
});

describe('claimants racing to take over a stale claim', () => {
  beforeEach(() => requireBuilt());

  const old = { host: 'node-17', pid: 4242, started: '2026-01-01T00:00:00.000Z', token: '00000000deadbeef' };

  it('8 processes at the same moment: exactly one wins, the others are told it is its', async () => {
    writeClaim(`${JSON.stringify(old)}\n`, STALE_MS * 6);
    const lines = await race(8);
    const winners = lines.filter((l) => l.kind === 'claimed');
    expect(winners, JSON.stringify(lines)).toHaveLength(1);
    const winner = winners[0]!;
    // Who moved the old claim aside and who then made the new one may differ: the log line is not promised.
    expect([old, null]).toContainEqual(winner.tookOver);
    for (const l of lines) if (l.kind === 'busy') expect(l.holderPid).toBe(winner.pid);
    expect(claimFiles()).toEqual([`${ID}.claim`]);
    expect(readClaim(claimPathOf(dir, ID))?.holder).toMatchObject({ pid: winner.pid, token: winner.token });
  });

  it('8 threads, round after round, some of them slow between their steps (a busy node, a slow shared file system): exactly one wins every round', async () => {
    const rounds = 50;
    const n = 8;
    const dirs = Array.from({ length: rounds }, (_, r) => {
      const d = join(dir, `round-${r}`);
      mkdirSync(join(d, 'claims'), { recursive: true });
      const path = claimPathOf(d, 'run');
      writeFileSync(path, `${JSON.stringify(old)}\n`);
      age(path, STALE_MS * 6);
      return d;
    });
    const arrived = new Int32Array(new SharedArrayBuffer(4 * rounds));
    const outcomes = new Int32Array(new SharedArrayBuffer(4 * rounds * n));
    const script = pathToFileURL(join(root, 'test', 'fixtures', 'claim', 'race-claim-threads.mjs'));
    await Promise.all(
      Array.from(
        { length: n },
        (_, index) =>
          new Promise<void>((resolve, reject) => {
            const worker = new Worker(script, { workerData: { dirs, staleMs: STALE_MS, index, n, arrived, outcomes, slowMs: 2 } });
            worker.on('error', reject);
            worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker ${index} exited ${code}`))));
          }),
      ),
    );
    const winnersPerRound = dirs.map((_, r) => [...outcomes.slice(r * n, (r + 1) * n)].filter((o) => o === 1).length);
    const badRounds = winnersPerRound.flatMap((w, r) => (w === 1 ? [] : [`round ${r}: ${w} winners`]));
    expect(badRounds).toEqual([]);
    for (const d of dirs) expect(readdirSync(join(d, 'claims'))).toEqual(['run.claim']);
  });
});
