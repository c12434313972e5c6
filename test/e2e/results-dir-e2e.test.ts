/**
 * summarize, plot and report on results directories that are damaged or empty, through the built
 * CLI: a garbage sweep.json is warned about on stderr (one line naming the file and what is wrong)
 * and the commands go on with what the runs say; a directory without runs says so, whatever
 * filters were given. The directories are written by the fixtures, no training needed.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, makeTempDir, removeTempDirs, requireBuilt, snapshotTree } from '../fixtures/e2e-harness.js';
import { writeCleanSweep, writeSweepJson } from '../fixtures/results/build-results.js';

let work: string;
beforeAll(() => {
  requireBuilt();
  work = makeTempDir('results-dir');
});
afterAll(removeTempDirs);

const GARBAGE = [
  { name: 'unparseable JSON', text: '{"format_version": 1, "runs": [', says: 'sweep.json: not valid JSON (' },
  { name: 'JSON of the wrong shape', text: '{"format_version": 1, "runs": "all of them"}\n', says: 'sweep.json: runs: ' },
  { name: 'a JSON array', text: '[1, 2, 3]\n', says: 'sweep.json: (top level): ' },
];

/** A clean 4-run sweep whose sweep.json is then replaced by `text`. */
function sweepWithGarbage(text: string): string {
  const dir = join(makeTempDir('garbage'), 'sweep');
  writeCleanSweep(dir);
  writeFileSync(join(dir, 'sweep.json'), text);
  return dir;
}

describe.each(GARBAGE)('a sweep.json with $name', ({ text, says }) => {
  const commands = [
    { command: 'summarize', args: [] as string[], wrote: 'summary.csv' },
    { command: 'plot', args: ['--format', 'svg'], wrote: join('plots', 'loss-curves.svg') },
    { command: 'report', args: [] as string[], wrote: 'report.html' },
  ];
  it.concurrent.each(commands)('$command warns on stderr in one line naming the file, then goes on with the runs', async ({ command, args, wrote }) => {
    const dir = sweepWithGarbage(text);
    const r = await cli([command, dir, ...args], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^mo-train: warning: /);
    expect(lines[0]).toContain(join(dir, says));
    expect(lines[0]).toContain(`runs discovered from ${join(dir, 'runs')}/ instead`);
    expect(existsSync(join(dir, wrote))).toBe(true);
    if (command === 'summarize') expect(r.stdout).toContain('alpha=0.1,seed=1');
  });
});

it('a clean sweep.json gives no warning', async () => {
  const dir = join(makeTempDir('clean'), 'sweep');
  writeCleanSweep(dir);
  for (const command of ['summarize', 'plot', 'report']) {
    const r = await cli([command, dir, ...(command === 'plot' ? ['--format', 'svg'] : [])], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr, command).toBe('');
  }
});

describe('a directory with no runs yet', () => {
  const layouts = [
    { name: 'an empty runs/ and no sweep.json', make: (dir: string) => mkdirSync(join(dir, 'runs'), { recursive: true }) },
    { name: 'a sweep.json listing no run', make: (dir: string) => writeSweepJson(dir, []) },
  ];
  const commands = [
    { command: 'plot', args: [] as string[] },
    { command: 'plot', args: ['--alpha', '0.1'] },
    { command: 'report', args: [] as string[] },
  ];
  it.concurrent.each(layouts.flatMap((layout) => commands.map((c) => ({ ...layout, ...c, flags: c.args.join(' ') || 'no filter' }))))(
    '$command ($flags) on $name: exit 2, one line saying there are no runs, nothing written',
    async ({ make, command, args }) => {
      const dir = join(makeTempDir('empty'), 'sweep');
      make(dir);
      const before = snapshotTree(dir);
      const r = await cli([command, dir, ...args], { cwd: work });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toContain(`mo-train: ${dir} has no runs yet`);
      expect(r.stderr).not.toMatch(/select no run/);
      expect(snapshotTree(dir)).toEqual(before);
    },
  );
});
