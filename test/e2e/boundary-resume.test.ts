/**
 * Resuming `mo-train boundary` (the same command on the same --out), end to end through the built
 * CLI: on a finished search nothing runs and the result is the same; after kill -9 or Ctrl-C in
 * the middle of a search, the search is replayed over the probes that finished — none of them
 * run again, their files untouched — and ends with the boundary.json and runs of a search that
 * was never interrupted.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBoundaryFile, type BoundaryFile } from '../../src/results/boundary-file.js';
import {
  cli,
  expectNoTempFiles,
  expectSameResults,
  isAlive,
  killStartedClis,
  makeTempDir,
  readJson,
  removeTempDirs,
  requireBuilt,
  snapshotTree,
  startCli,
  waitFor,
  childPids,
} from '../fixtures/e2e-harness.js';

/**
 * One worker, so probes run one after another, each a few tenths of a second (30,000 steps):
 * slow enough to be caught in the middle of the search, about 12 probes in 9 rounds.
 */
const SEARCH = ['boundary', '--param', 'alpha', '--range', '1e-4,10', '--seeds', '0-1', '--steps', '30000', '--lr', '0.01', '--log-every', '20', '--jobs', '1'];

let work: string;
let reference: string;
/** The uninterrupted search's boundary.json, as it was before any test ran the command on it again. */
let expected: BoundaryFile;
let expectedStdout: string;
beforeAll(async () => {
  requireBuilt();
  work = makeTempDir('boundary-resume');
  const r = await cli([...SEARCH, '--out', 'reference'], { cwd: work });
  expect(r.code, r.stderr).toBe(0);
  reference = join(work, 'reference');
  expected = readBoundary(reference);
  expectedStdout = r.stdout;
  expect(expected.complete).toBe(true);
  // Enough rounds after the second for a kill to land in the middle of the search.
  expect(expected.rounds).toBeGreaterThanOrEqual(5);
});
afterAll(() => {
  killStartedClis();
  removeTempDirs();
});

function readBoundary(dir: string): BoundaryFile {
  const parsed = parseBoundaryFile(JSON.parse(readFileSync(join(dir, 'boundary.json'), 'utf8')));
  if (!parsed.ok) expect.fail(`boundary.json does not parse: ${parsed.issue}`);
  return parsed.value;
}

/** boundary.json but its one timing field. */
function withoutTime(b: BoundaryFile): Omit<BoundaryFile, 'wall_time_s'> {
  const { wall_time_s: _, ...rest } = b;
  return rest;
}

/** The probes with a summary.json: finished (or failed). */
function finishedProbes(dir: string): string[] {
  const runs = join(dir, 'runs');
  if (!existsSync(runs)) return [];
  return readdirSync(runs).filter((id) => existsSync(join(runs, id, 'summary.json')));
}

/** How many of the reference's probes the first `rounds` rounds made. */
const probesOfRounds = (rounds: number) => expected.seeds.reduce((n, s) => n + s.probes.filter((p) => p.round <= rounds).length, 0);

/** The `round N: K probes (M finished before)` lines of stderr, as [N, K, M]. */
function roundLines(stderr: string): Array<[number, number, number]> {
  return [...stderr.matchAll(/^round (\d+): (\d+) probes?(?: \((\d+) finished before\))?$/gm)].map((m) => [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)]);
}

/** Starts the search into `out` in its own process group, and returns once the first two rounds' probes have finished. */
async function startAndWaitForTwoRounds(out: string) {
  const dir = join(work, out);
  const search = startCli([...SEARCH, '--out', out], { cwd: work, detached: true });
  const twoRounds = probesOfRounds(2);
  await waitFor(`the first two rounds' ${twoRounds} probes to finish`, () => finishedProbes(dir).length >= twoRounds, { while: search });
  return { dir, search };
}

/** The finished probes' run directories, as they are: files, inodes, mtimes, contents. */
function snapshotFinished(dir: string): Map<string, Map<string, string>> {
  return new Map(finishedProbes(dir).map((id) => [id, snapshotTree(join(dir, 'runs', id))]));
}

function expectSameAsUninterrupted(dir: string): void {
  expect(withoutTime(readBoundary(dir))).toEqual(withoutTime(expected));
  // Every probe's run, byte for byte (timing fields aside), and no other run.
  expectSameResults(join(dir, 'runs'), join(reference, 'runs'));
  expect(readJson(join(dir, 'sweep.json')).runs).toEqual(readJson(join(reference, 'sweep.json')).runs);
  expect(existsSync(join(dir, '.lock'))).toBe(false);
  expectNoTempFiles(dir);
}

describe.concurrent('the same command again', () => {
  it('on a finished search: "resuming: N probes finished", nothing run or rewritten, the same boundary.json and table', async () => {
    const runsBefore = snapshotTree(join(reference, 'runs'));
    const r = await cli([...SEARCH, '--out', 'reference'], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`2 searches (seeds {0, 1}), 1 worker → reference — resuming: ${expected.runs_used} probes finished\n`);
    expect(roundLines(r.stderr)).toEqual([]);
    expect(r.stderr).not.toMatch(/^\[\d+\/\d+\]/m);
    // No run started: every file of every run as it was (same inode, same mtime, same bytes).
    expect(snapshotTree(join(reference, 'runs'))).toEqual(runsBefore);
    expect(withoutTime(readBoundary(reference))).toEqual(withoutTime(expected));
    expect(r.stdout).toBe(expectedStdout);
  });

  it('after kill -9 in the middle of the search: finished probes not run again, then the result of an uninterrupted search', async () => {
    const { dir, search } = await startAndWaitForTwoRounds('killed');
    const workers = childPids(search.pid);
    process.kill(-search.pid, 'SIGKILL');
    expect((await search.done).signal).toBe('SIGKILL');
    await waitFor('the workers to be gone', () => workers.every((pid) => !isAlive(pid)), { timeoutMs: 10_000 });

    const finished = finishedProbes(dir);
    // Caught in the middle: some probes done, not all.
    expect(finished.length).toBeGreaterThanOrEqual(probesOfRounds(2));
    expect(finished.length).toBeLessThan(expected.runs_used);
    const before = snapshotFinished(dir);

    const r = await cli([...SEARCH, '--out', 'killed'], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`resuming: ${finished.length} probes finished`);
    expect(r.stderr).toContain(`warning: took over killed/.lock from pid ${search.pid}`);
    // The rounds it ran count only the probes not finished before: all of them, once.
    const rounds = roundLines(r.stderr);
    expect(rounds.length).toBeGreaterThan(0);
    for (const [round] of rounds) expect(round).toBeGreaterThan(2);
    expect(rounds.reduce((n, [, asked, before]) => n + asked - before, 0)).toBe(expected.runs_used - finished.length);
    // The finished probes were not touched.
    for (const [id, snapshot] of before) expect(snapshotTree(join(dir, 'runs', id)), id).toEqual(snapshot);
    expectSameAsUninterrupted(dir);
    expect(r.stdout).toBe(expectedStdout.replaceAll('reference', 'killed'));
  });

  it('after Ctrl-C in the middle of the search: exit 130, the brackets so far (complete: false), then the same command completes it', async () => {
    const { dir, search } = await startAndWaitForTwoRounds('ctrl-c');
    process.kill(-search.pid, 'SIGINT');
    const stopped = await search.done;
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain('SIGINT: stopping');
    expect(stopped.stderr).toContain(
      'mo-train: interrupted (SIGINT): the brackets so far are in boundary.json; run the same command again to resume (mo-train boundary … --out ctrl-c)',
    );
    expect(stopped.stdout).toContain('(not finished: interrupted)');

    // The brackets so far: what the reference search had at that round. (A round whose last probe
    // finished as the signal came may be left out of them: its runs are kept all the same.)
    const partial = readBoundary(dir);
    expect(partial.complete).toBe(false);
    expect(partial.rounds).toBeGreaterThanOrEqual(1);
    expect(partial.rounds).toBeLessThan(expected.rounds);
    for (const s of partial.seeds) for (const p of s.probes) expect(existsSync(join(dir, 'runs', p.run_id, 'summary.json')), p.run_id).toBe(true);
    expect(partial.seeds.some((s) => s.status === 'open')).toBe(true);
    for (const [i, s] of partial.seeds.entries()) {
      expect(s.probes).toEqual(expected.seeds[i]!.probes.filter((p) => p.round <= partial.rounds));
      if (s.status !== 'open') expect(s).toEqual(expected.seeds[i]);
    }
    expect(existsSync(join(dir, '.lock'))).toBe(false);
    const finished = finishedProbes(dir);
    const before = snapshotFinished(dir);

    const r = await cli([...SEARCH, '--out', 'ctrl-c'], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`resuming: ${finished.length} probes finished`);
    expect(roundLines(r.stderr).reduce((n, [, asked, was]) => n + asked - was, 0)).toBe(expected.runs_used - finished.length);
    for (const [id, snapshot] of before) expect(snapshotTree(join(dir, 'runs', id)), id).toEqual(snapshot);
    expectSameAsUninterrupted(dir);
  });
});

/*
 * Behaviour that src gets wrong (this fails until it is fixed; see the report of this branch).
 */
describe('src bug: boundary.json while the search goes', () => {
  it('after every round it holds the brackets so far (complete: false), as results/boundary-file.ts says', async () => {
    const { dir, search } = await startAndWaitForTwoRounds('watched');
    // A probe of round 3 has started: the search has taken in rounds 1 and 2.
    const round3 = expected.seeds.flatMap((s) => s.probes.filter((p) => p.round === 3).map((p) => p.run_id));
    expect(round3.length).toBeGreaterThan(0);
    await waitFor('a probe of round 3 to start', () => round3.some((id) => existsSync(join(dir, 'runs', id))), { while: search });
    const written = existsSync(join(dir, 'boundary.json')) ? readBoundary(dir) : null;
    process.kill(-search.pid, 'SIGKILL');
    await search.done;
    expect(written, 'boundary.json after round 2 of the search').not.toBeNull();
    expect(written!.complete).toBe(false);
    expect(written!.rounds).toBeGreaterThanOrEqual(2);
    for (const [i, s] of written!.seeds.entries()) expect(s.probes).toEqual(expected.seeds[i]!.probes.filter((p) => p.round <= written!.rounds));
  });
});
